#!/usr/bin/env bash
# Sets up, builds (release) and runs the main job. Extra arguments go to it.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc 2>/dev/null || echo 2)"

bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target ccgpu
# `ccgpu demo` is the main job once the emulated GPU lands (issue 7); until
# then `ccgpu selftest` exercises every layer that exists.
if ./build/release/tools/ccgpu/ccgpu demo --help >/dev/null 2>&1; then
  exec ./build/release/tools/ccgpu/ccgpu demo "$@"
fi
exec ./build/release/tools/ccgpu/ccgpu selftest "$@"
