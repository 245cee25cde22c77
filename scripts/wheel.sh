#!/usr/bin/env bash
# Builds the `glomers` wheel into target/wheels/ (extra arguments go to
# `maturin build`; the default is a release build). Install it with
# `pipx install target/wheels/glomers-*.whl` or `pip install …`: it holds
# the binary only, so installing needs no Rust toolchain. maturin itself is
# installed from PyPI into target/maturin-venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/maturin-venv
if [ ! -x "$venv/bin/maturin" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "maturin>=1.5,<2"
fi
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--release)
"$venv/bin/maturin" build --quiet "${args[@]}"
