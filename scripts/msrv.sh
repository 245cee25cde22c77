#!/usr/bin/env bash
# Checks that glomers-node, as published, builds and passes its tests on the
# minimum supported Rust version stated in crates/node/Cargo.toml: packages
# the crate, resolves its dependencies to versions that support that Rust
# (cargo's MSRV-aware fallback), then builds and tests with that toolchain
# (installed with rustup when missing). Not part of the test command: it
# downloads a toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' crates/node/Cargo.toml)
echo "glomers-node MSRV: ${msrv}"
rustup toolchain install "${msrv}" --profile minimal >/dev/null
cargo package -p glomers-node --no-verify --allow-dirty --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
tar xzf "target/package/glomers-node-${version}.crate" -C "$work"
cd "$work/glomers-node-${version}"
rm -f Cargo.lock
CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo generate-lockfile --quiet
# Cargo before 1.78 reads lock files up to version 3; a registry-only v4
# lock file is the same data.
sed -i 's/^version = 4$/version = 3/' Cargo.lock
cargo "+${msrv}" test --quiet --all-targets
cargo "+${msrv}" test --quiet --doc
echo "glomers-node builds and passes its tests on Rust ${msrv}"
