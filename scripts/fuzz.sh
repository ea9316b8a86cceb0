#!/usr/bin/env bash
# Builds the fuzz preset and runs each libFuzzer target for SECONDS (default
# 60) on a scratch copy of its seed corpus, so the committed corpus only
# changes when you choose to merge new inputs. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"; shift || true
bash scripts/setup.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in build/fuzz/fuzz/fuzz_*; do targets+=("$(basename "$f" | sed 's/^fuzz_//')"); done
fi
for t in "${targets[@]}"; do
  scratch="$(mktemp -d)"
  cp -r "fuzz/corpus/$t/." "$scratch/" 2>/dev/null || true
  echo "== fuzz $t for ${secs}s"
  "build/fuzz/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 "$scratch" 2>&1 | tail -n 3
  echo "   corpus grew to $(ls "$scratch" | wc -l) inputs in $scratch"
done
