#!/usr/bin/env bash
# Sets up (libtorch into .venv, .cargo/config.toml) and runs the whole test suite.
# Tests that need ../shared (golden cases, benchmarks) fail when it is missing and CI is set;
# point CHIPFLOOR_SHARED elsewhere to use another copy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh
cargo test --workspace --release --no-fail-fast
