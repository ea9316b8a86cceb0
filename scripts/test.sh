#!/usr/bin/env bash
# Sets up, builds and runs every test. Usage: scripts/test.sh [PRESET]
# PRESET is debug (default), release, asan or fuzz (see CMakePresets.json).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-debug}"
jobs="$(nproc 2>/dev/null || echo 2)"

bash scripts/setup.sh
echo "== configure ($preset)"
cmake --preset "$preset" >/dev/null
echo "== build ($preset, $jobs jobs)"
cmake --build --preset "$preset" -j "$jobs"
echo "== test ($preset)"
ctest --preset "$preset" -j "$jobs"
