#!/usr/bin/env bash
# Integration test: the hypervisor's secure-attach verbs on a real gpud
# process (`ccgpu host assign|config-read|config-write|bar-move|flr|status`).
# The TDI transitions these verbs cause on a locked interface are tested
# in-process (gpu_tdisp_test, attach_test); here: the verbs, their replies,
# their refusals and what `host status` shows.
# Usage: host_verbs_test.sh /path/to/ccgpu
set -euo pipefail
CCGPU="$1"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ccgpu_tdisp_host.XXXXXX")"
S="$WORK/state"
GPUD_PID=""
cleanup() {
  if [[ -n "$GPUD_PID" ]] && kill -0 "$GPUD_PID" 2>/dev/null; then kill -KILL "$GPUD_PID"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$WORK/gpud.log" ]] && sed 's/^/  gpud: /' "$WORK/gpud.log" >&2; exit 1; }
expect_in() { grep -q -- "$2" <<<"$1" || fail "$3: expected '$2' in: $1"; }

"$CCGPU" gpud provision --state "$S" --gpus 2 --memory-mib 4 >/dev/null
"$CCGPU" gpud --state "$S" 2>>"$WORK/gpud.log" &
GPUD_PID=$!
for _ in $(seq 1 100); do
  [[ -S "$S/gpud.sock" ]] && "$CCGPU" host status --state "$S" >/dev/null 2>&1 && break
  kill -0 "$GPUD_PID" 2>/dev/null || fail "gpud exited during start"
  sleep 0.1
done

echo "== status shows ownership, TDI state and PCI config"
out=$("$CCGPU" host status --state "$S" --device 1)
expect_in "$out" "assigned guest:     (none)" "status"
expect_in "$out" "TDI state:          CONFIG_UNLOCKED" "status"
expect_in "$out" "PCI function:       0x4200  memory enable on, bus master on" "status"
expect_in "$out" "BAR1:               0x380010000000 (256 MiB, 64-bit)" "status"
json=$("$CCGPU" host status --state "$S" --device 1 --json)
expect_in "$json" '"tdi_state": "CONFIG_UNLOCKED"' "status --json"

echo "== assign"
out=$("$CCGPU" host assign --state "$S" --device 1 --guest alice)
expect_in "$out" "assigned guest alice, TDI state CONFIG_UNLOCKED" "assign"
expect_in "$("$CCGPU" host status --state "$S" --device 1)" "assigned guest:     alice" "status after assign"
expect_in "$("$CCGPU" host status --state "$S" --device 0)" "assigned guest:     (none)" "other device untouched"

echo "== config read / write"
expect_in "$("$CCGPU" host config-read --state "$S" --device 1 --offset 0)" "0x233110de" "config-read"
expect_in "$("$CCGPU" host config-write --state "$S" --device 1 --offset 0 --value 0xffffffff)" "changed: none" "RO write"
expect_in "$("$CCGPU" host config-write --state "$S" --device 1 --offset 4 --value 0x4)" \
  "changed: command register" "MSE off"
expect_in "$("$CCGPU" host status --state "$S" --device 1)" "memory enable off, bus master on" "MSE shown off"
rc=0; out=$("$CCGPU" host config-write --state "$S" --device 1 --offset 3 --value 1 2>&1) || rc=$?
[[ $rc -ne 0 ]] || fail "unaligned config write accepted"
expect_in "$out" "kInvalidArgument" "unaligned config write"

echo "== BAR move"
expect_in "$("$CCGPU" host bar-move --state "$S" --device 1 --bar 1 --address 0x3a0000000000)" \
  "changed: BAR address" "bar-move"
expect_in "$("$CCGPU" host status --state "$S" --device 1)" "BAR1:               0x3a0000000000" "BAR shown moved"
rc=0; out=$("$CCGPU" host bar-move --state "$S" --device 1 --bar 2 --address 0x1000000 2>&1) || rc=$?
[[ $rc -ne 0 ]] || fail "bar-move of a missing BAR accepted"
expect_in "$out" "kNotFound" "missing BAR"
rc=0; out=$("$CCGPU" host bar-move --state "$S" --device 1 --bar 0 --address 0x1001000 2>&1) || rc=$?
[[ $rc -ne 0 ]] || fail "unaligned bar-move accepted"
expect_in "$out" "kInvalidArgument" "unaligned BAR"

echo "== FLR"
out=$("$CCGPU" host flr --state "$S" --device 1)
expect_in "$out" "guest state scrubbed" "flr"
expect_in "$("$CCGPU" host status --state "$S" --device 1)" "memory enable off, bus master off" "FLR clears BME"
expect_in "$("$CCGPU" host status --state "$S" --device 1)" "guest scrubs:       1" "FLR scrub counted"
grep -q "Function Level Reset" "$WORK/gpud.log" || fail "FLR not logged"

kill -TERM "$GPUD_PID"
rc=0; wait "$GPUD_PID" || rc=$?
GPUD_PID=""
[[ $rc -eq 0 ]] || fail "gpud exited with $rc"
echo "PASS"
