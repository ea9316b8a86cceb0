#!/usr/bin/env bash
# Sets up, builds (release) and runs the main job. Extra arguments go to it.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc 2>/dev/null || echo 2)"

bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target ccgpu
exec ./build/release/tools/ccgpu/ccgpu demo "$@"
