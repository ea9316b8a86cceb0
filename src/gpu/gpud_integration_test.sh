#!/usr/bin/env bash
# Integration test: `ccgpu gpud` as a real process driven by `ccgpu host`.
# Usage: gpud_integration_test.sh /path/to/ccgpu
set -euo pipefail
CCGPU="$1"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ccgpu_gpud_it.XXXXXX")"
S="$WORK/state"
GPUD_PID=""
cleanup() {
  if [[ -n "$GPUD_PID" ]] && kill -0 "$GPUD_PID" 2>/dev/null; then kill -KILL "$GPUD_PID"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$WORK/gpud.log" ]] && sed 's/^/  gpud: /' "$WORK/gpud.log" >&2; exit 1; }
expect_in() { grep -q -- "$2" <<<"$1" || fail "$3: expected '$2' in: $1"; }
field() { sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" <<<"$1" | head -n1; }

start_gpud() {
  "$CCGPU" gpud --state "$S" 2>>"$WORK/gpud.log" &
  GPUD_PID=$!
  for _ in $(seq 1 100); do
    [[ -S "$S/gpud.sock" ]] && "$CCGPU" host status --state "$S" >/dev/null 2>&1 && return 0
    kill -0 "$GPUD_PID" 2>/dev/null || fail "gpud exited during start"
    sleep 0.1
  done
  fail "gpud did not start listening"
}

stop_gpud() {
  kill -TERM "$GPUD_PID"
  local rc=0
  wait "$GPUD_PID" || rc=$?
  GPUD_PID=""
  [[ $rc -eq 0 ]] || fail "gpud exited with $rc on SIGTERM"
}

echo "== provision"
"$CCGPU" gpud provision --state "$S" --gpus 2 --memory-mib 64 >/dev/null
[[ "$(stat -c %a "$S/device0/private/identity.key")" == 600 ]] || fail "identity key not 0600"

echo "== host without gpud"
rc=0; out=$("$CCGPU" host status --state "$S" 2>&1) || rc=$?
[[ $rc -eq 3 ]] || fail "host status without gpud: exit $rc"
expect_in "$out" "no gpud" "host without gpud"

echo "== start gpud"
start_gpud
[[ "$(stat -c %a "$S/gpud.sock")" == 600 ]] || fail "management socket not 0600"
st=$("$CCGPU" host status --state "$S" --device 1 --json)
[[ "$(field "$st" cc_mode)" == on ]] || fail "initial mode: $st"
serial1=$(field "$st" identity_serial)
boot1=$(field "$st" boot_count)
[[ -n "$serial1" && "$boot1" == 1 ]] || fail "status fields: $st"

echo "== second gpud on the same state is refused"
rc=0; out=$("$CCGPU" gpud --state "$S" 2>&1) || rc=$?
[[ $rc -ne 0 ]] || fail "second gpud started"
expect_in "$out" "kBusy" "second gpud"

echo "== host reads/writes in CC on: poison / dropped"
out=$("$CCGPU" host read-mem --state "$S" --device 1 --offset 4096 --length 8)
expect_in "$out" "access: poisoned" "read in on"
expect_in "$out" "ffffffffffffffff" "poison bytes"
out=$("$CCGPU" host write-mem --state "$S" --device 1 --offset 4096 --data deadbeef)
expect_in "$out" "access: dropped" "write in on"

echo "== set-cc-mode is staged, not applied, without reset"
out=$("$CCGPU" host set-cc-mode off --state "$S" --device 1)
expect_in "$out" "reset required" "set-cc-mode"
st=$("$CCGPU" host status --state "$S" --device 1 --json)
[[ "$(field "$st" cc_mode)" == on && "$(field "$st" pending_cc_mode)" == off ]] || fail "staged mode: $st"
out=$("$CCGPU" host read-mem --state "$S" --device 1 --offset 0 --length 4)
expect_in "$out" "access: poisoned" "still on before reset"

echo "== reset applies it"
"$CCGPU" host reset --state "$S" --device 1 >/dev/null
st=$("$CCGPU" host status --state "$S" --device 1 --json)
[[ "$(field "$st" cc_mode)" == off ]] || fail "mode after reset: $st"
[[ "$(field "$st" session_generation)" == 1 ]] || fail "session generation after reset: $st"
[[ "$(field "$st" pending_cc_mode)" == null ]] || fail "pending after reset: $st"

echo "== host access allowed in CC off"
"$CCGPU" host write-mem --state "$S" --device 1 --offset 4096 --data c0ffee00 | grep -q "access: allowed" || fail "write in off"
out=$("$CCGPU" host read-mem --state "$S" --device 1 --offset 4096 --length 4)
expect_in "$out" "access: allowed" "read in off"
expect_in "$out" "c0ffee00" "data round trip in off"
# Device 0 is untouched and still on.
"$CCGPU" host read-mem --state "$S" --device 0 --offset 4096 --length 4 | grep -q "access: poisoned" || fail "device 0 not on"

echo "== bad requests"
rc=0; out=$("$CCGPU" host set-cc-mode sideways --state "$S" --device 0 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "bad mode: exit $rc"; expect_in "$out" "kInvalidArgument" "bad mode"
rc=0; out=$("$CCGPU" host status --state "$S" --device 5 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "bad device: exit $rc"; expect_in "$out" "kNotFound" "bad device"
rc=0; out=$("$CCGPU" host read-mem --state "$S" --device 0 --offset 999999999999 --length 1 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "read out of range: exit $rc"; expect_in "$out" "kOutOfRange" "read out of range"

echo "== evidence relay"
"$CCGPU" host evidence --state "$S" --device 0 --nonce "$(printf '%064d' 7)" --out "$WORK/evidence.json" >/dev/null
grep -q '"arch": "HOPPER"' "$WORK/evidence.json" || fail "evidence json"

echo "== golden attestation with ccgpu verify, then a tampered image fails at measurements"
NONCE="$(printf '%064d' 7)"
"$CCGPU" rim make --state "$S" --device 0 --out "$WORK/rims" >/dev/null
verify() {
  "$CCGPU" verify --evidence "$1" --nonce "$NONCE" --rim-dir "$WORK/rims" \
    --device-root "$S/manufacturer/device_root.pem" --rim-root "$S/manufacturer/rim_root.pem" \
    --allow-emulated --accept-ocsp-unknown 2>&1
}
rc=0; out=$(verify "$WORK/evidence.json") || rc=$?
[[ $rc -eq 0 ]] || fail "golden verify exit $rc: $out"
expect_in "$out" "policy: PASS" "golden verify"
# The same evidence with the emulated root pinned as device root but without
# --allow-emulated is refused: emulated-ness comes from the certificates.
rc=0; out=$("$CCGPU" verify --evidence "$WORK/evidence.json" --nonce "$NONCE" --rim-dir "$WORK/rims" \
  --device-root "$S/manufacturer/device_root.pem" --rim-root "$S/manufacturer/rim_root.pem" \
  --accept-ocsp-unknown 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "emulated evidence without --allow-emulated: exit $rc: $out"
expect_in "$out" "EMULATED" "emulated evidence is marked"
expect_in "$out" "33 active golden measurements match" "golden verify"
# Stale nonce: evidence for another nonce fails at the nonce step.
"$CCGPU" host evidence --state "$S" --device 0 --nonce "$(printf '%064d' 8)" --out "$WORK/stale.json" >/dev/null
rc=0; out=$(verify "$WORK/stale.json") || rc=$?
[[ $rc -eq 1 ]] || fail "stale nonce verify exit $rc: $out"
expect_in "$out" 'at step "nonce"' "stale nonce"
# Tamper with the GSP firmware (driver RIM index 21); the reset re-measures.
printf '\x5a' | dd of="$S/device0/firmware/gsp-firmware.bin" bs=1 seek=100 conv=notrunc status=none
"$CCGPU" host reset --state "$S" --device 0 >/dev/null
"$CCGPU" host evidence --state "$S" --device 0 --nonce "$NONCE" --out "$WORK/tampered.json" >/dev/null
rc=0; out=$(verify "$WORK/tampered.json") || rc=$?
[[ $rc -eq 1 ]] || fail "tampered verify exit $rc: $out"
expect_in "$out" 'at step "measurements"' "tampered image"
expect_in "$out" "index 21" "tampered image index"

echo "== SIGTERM: clean exit, state saved"
stop_gpud
[[ ! -e "$S/gpud.sock" ]] || fail "socket left behind"
grep -q '"cc_mode": "off"' "$S/device1/config.json" || fail "mode not saved"
grep -q "state saved" "$WORK/gpud.log" || fail "no save message"

echo "== restart keeps identity and mode"
start_gpud
st=$("$CCGPU" host status --state "$S" --device 1 --json)
[[ "$(field "$st" identity_serial)" == "$serial1" ]] || fail "identity changed: $st"
[[ "$(field "$st" cc_mode)" == off ]] || fail "mode lost: $st"
[[ "$(field "$st" boot_count)" == 3 ]] || fail "boot count: $st"
# Protected memory does not survive a restart (it is device RAM).
out=$("$CCGPU" host read-mem --state "$S" --device 1 --offset 4096 --length 4)
expect_in "$out" "00000000" "memory after restart"
stop_gpud
echo "PASS"
