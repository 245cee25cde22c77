#!/usr/bin/env bash
# The project's test command: formatting, lints, every binary (the bench's
# tests spawn the node and fixture binaries), then the whole test suite,
# ending with one summary line of all test results.
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser test loads run pages in headless Chromium: install it if it
# is missing and we may (Debian packages, as root), and make the test
# fail rather than skip when it cannot run.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and fonts-dejavu-core for the browser test"
    (apt-get update -qq || true) >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
export GLOMERS_BROWSER_TESTS=require
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo build --workspace --bins --examples
# glomers-node is published on its own: its docs build without warnings and
# it packages (and builds) without the rest of the workspace.
RUSTDOCFLAGS="-D warnings" cargo doc -p glomers-node --no-deps --quiet
cargo package -p glomers-node --allow-dirty --quiet
# Installing without Rust (the wheel) and with cargo install, each tried out.
bash scripts/install-test.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .* ([0-9]+) failed' "$log" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo "tests: ${passed} passed, ${failed} failed"
exit "$status"
