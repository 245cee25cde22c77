#!/usr/bin/env bash
# Both ways to install glomers, tested as a user would take them: the wheel
# into a fresh virtual environment (no Rust involved in installing), and
# `cargo install`; each installed `glomers` then runs a Python echo node.
# Debug builds, so both reuse what scripts/test.sh already compiled.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo_node() {
    "$1" test -w echo --bin examples/python/echo.py --node-count 1 --time-limit 3 \
        --store "$work/store" >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
    grep -q "Everything looks good" "$work/run.log"
}
bash scripts/wheel.sh --profile dev --out "$work/wheels"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --no-index "$work"/wheels/glomers-*.whl
echo_node "$work/venv/bin/glomers"
CARGO_TARGET_DIR=target cargo install --quiet --debug --path crates/glomers --root "$work/cargo"
echo_node "$work/cargo/bin/glomers"
echo "install: the wheel (pip, fresh venv) and cargo install each ran a Python echo node"
