#!/usr/bin/env bash
# Sets up, builds and runs every test. Usage: scripts/test.sh [PRESET]
# PRESET is debug (default), release, asan or fuzz (see CMakePresets.json).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-debug}"
jobs="$(nproc 2>/dev/null || echo 2)"

bash scripts/setup.sh
# Unity build (CMake batches each library's sources; test files stay one by
# one, see cmake/ccgpu.cmake): the SPDM + attest libraries took 84 s of CPU
# instead of 220 s on the 2-core CI-class machine, which keeps CI (debug +
# asan on 2 cores) within its time budget. CCGPU_UNITY=OFF: a classic build
# (better for editing one file at a time).
unity="${CCGPU_UNITY:-ON}"
echo "== configure ($preset, unity build $unity)"
cmake --preset "$preset" -DCMAKE_UNITY_BUILD="$unity" >/dev/null
echo "== build ($preset, $jobs jobs)"
cmake --build --preset "$preset" -j "$jobs"
echo "== test ($preset)"
ctest --preset "$preset" -j "$jobs"
