#!/usr/bin/env bash
# The project's test command: formatting, lints, every binary (the bench's
# tests spawn the node and fixture binaries), then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo build --workspace --bins
cargo test --workspace
