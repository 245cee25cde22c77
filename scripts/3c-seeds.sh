#!/usr/bin/env bash
# Challenge 3c over several seeds: builds release, then runs
#   glomers test -w broadcast --bin target/release/broadcast --node-count 5
#     --time-limit 20 --rate 10 --nemesis partition --seed S
# for each seed (default 1 2 3 4 5; pass others as arguments, e.g.
# `scripts/3c-seeds.sh 7 8 9`), one line per seed with the verdict and the
# lost count. Each run is kept in store/3c-seeds/seed-S (console output in
# its console.log). Exits non-zero if any run is not valid.
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=("$@")
if [ ${#seeds[@]} -eq 0 ]; then
    seeds=(1 2 3 4 5)
fi

cargo build --release --workspace --bins

# workload.<key> of a results.json (jq if present, else python3).
field() {
    if command -v jq >/dev/null; then
        jq -r --arg k "$2" '.workload[$k] | if . == null then "n/a" else . end' "$1"
    else
        python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["workload"].get(sys.argv[2]); print("n/a" if v is None else json.dumps(v))' "$1" "$2"
    fi
}

# Absolute: the bench starts nodes in their run directory, where a relative
# --bin would not resolve.
bin="$PWD/target/release/broadcast"

failed=0
for seed in "${seeds[@]}"; do
    store="store/3c-seeds/seed-$seed"
    rm -rf "$store"
    mkdir -p "$store"
    set +e
    target/release/glomers test -w broadcast --bin "$bin" \
        --node-count 5 --time-limit 20 --rate 10 --nemesis partition \
        --seed "$seed" --store "$store" >"$store/console.log" 2>&1
    code=$?
    set -e
    results="$store/latest/results.json"
    if [ -f "$results" ]; then
        valid=$(field "$results" 'valid?')
        lost=$(field "$results" 'lost-count')
        attempts=$(field "$results" 'attempt-count')
    else
        valid="no results"
        lost="n/a"
        attempts="n/a"
    fi
    case $code in
        0) verdict=valid ;;
        1) verdict=INVALID ;;
        2) verdict=UNKNOWN ;;
        *) verdict="ERROR (exit $code)" ;;
    esac
    printf 'seed %-4s %-17s valid? %-6s lost-count %-4s attempt-count %-5s %s\n' \
        "$seed" "$verdict" "$valid" "$lost" "$attempts" "$store"
    if [ "$code" -ne 0 ]; then
        failed=$((failed + 1))
        echo "  console: $store/console.log"
    fi
done

if [ "$failed" -gt 0 ]; then
    echo "$failed of ${#seeds[@]} seed(s) failed"
    exit 1
fi
echo "all ${#seeds[@]} seed(s) valid"
