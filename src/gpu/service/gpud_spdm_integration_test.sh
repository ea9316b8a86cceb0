#!/usr/bin/env bash
# Issue #5 proof over SPDM: `ccgpu gpud` as a real process serving each
# device's SPDM responder on TCP, driven by `ccgpu attest` (evidence over
# SPDM in NVIDIA's JSON), `ccgpu verify`, `ccgpu rim make`, `ccgpu host` and
# `ccgpu spdm validate` (the conformance cases against a device's responder).
# (gpud_integration_test.sh covers the management-socket paths.)
# Usage: gpud_spdm_integration_test.sh /path/to/ccgpu
set -euo pipefail
CCGPU="$1"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ccgpu_gpud_spdm_it.XXXXXX")"
S="$WORK/state"
GPUD_PID=""
PROBE_PID=""
cleanup() {
  for p in "$GPUD_PID" "$PROBE_PID"; do
    if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; then kill -KILL "$p"; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$WORK/gpud.log" ]] && sed 's/^/  gpud: /' "$WORK/gpud.log" >&2; exit 1; }
expect_in() { grep -q -- "$2" <<<"$1" || fail "$3: expected '$2' in: $1"; }
field() { sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" <<<"$1" | head -n1; }

# Two adjacent ports picked from the PID (other test runs may share the host).
PORT=$(( 20000 + ($$ * 7) % 30000 ))
NONCE="$(printf '%064d' 42)"

# Returns 1 (gpud stopped) when an SPDM port is taken, so the caller can
# pick other ports.
try_start_gpud() {
  "$CCGPU" gpud --state "$S" "$@" 2>>"$WORK/gpud.log" &
  GPUD_PID=$!
  for _ in $(seq 1 100); do
    if [[ -S "$S/gpud.sock" ]] && "$CCGPU" host status --state "$S" >/dev/null 2>&1 &&
       [[ $(grep -c "SPDM listening" "$WORK/gpud.log" || true) -ge 2 ]]; then
      return 0
    fi
    kill -0 "$GPUD_PID" 2>/dev/null || fail "gpud exited during start"
    if grep -q "SPDM service ended" "$WORK/gpud.log"; then
      stop_gpud
      return 1
    fi
    sleep 0.1
  done
  fail "gpud did not start listening"
}
start_gpud() { try_start_gpud "$@" || fail "SPDM port $PORT or $((PORT + 1)) not available"; }
stop_gpud() {
  kill -TERM "$GPUD_PID"
  local rc=0
  wait "$GPUD_PID" || rc=$?
  GPUD_PID=""
  [[ $rc -eq 0 ]] || fail "gpud exited with $rc on SIGTERM"
}
attest() {  # attest DEVICE_INDEX OUT [NONCE] [extra args]
  local dev="$1" out="$2" nonce="${3:-$NONCE}"
  shift 3 || shift $#
  "$CCGPU" attest --device "127.0.0.1:$((PORT + dev))" --nonce "$nonce" --out "$out" \
    --device-root "$S/manufacturer/device_root.pem" "$@" 2>&1
}
verify() {  # verify EVIDENCE RIMDIR [NONCE] [extra args]
  local ev="$1" rims="$2" nonce="${3:-$NONCE}"
  shift 3 || shift $#
  "$CCGPU" verify --evidence "$ev" --nonce "$nonce" --rim-dir "$rims" \
    --device-root "$S/manufacturer/device_root.pem" --rim-root "$S/manufacturer/rim_root.pem" \
    --allow-emulated --accept-ocsp-unknown "$@" 2>&1
}
json_cert() { sed -n 's/^ *"certificate": "\([^"]*\)",\{0,1\}$/\1/p' "$1"; }

started=0
for attempt in 1 2 3; do
  echo "== provision 2 GPUs, SPDM ports $PORT, $((PORT + 1))"
  rm -rf "$S"; : >"$WORK/gpud.log"
  "$CCGPU" gpud provision --state "$S" --gpus 2 --memory-mib 16 --spdm-port-base "$PORT" >/dev/null 2>&1
  if try_start_gpud; then started=1; break; fi
  PORT=$(( 20000 + (PORT + 7919 * attempt) % 30000 ))
done
[[ $started -eq 1 ]] || fail "no free SPDM ports after 3 tries"
"$CCGPU" rim make --state "$S" --device 0 --out "$WORK/rims" >/dev/null

echo "== golden: ccgpu attest over SPDM -> ccgpu verify --allow-emulated passes"
out=$(attest 0 "$WORK/golden.json") || fail "attest: $out"
expect_in "$out" "signature verified" "attest"
grep -q '"arch": "HOPPER"' "$WORK/golden.json" || fail "evidence JSON lacks arch"
grep -q '"emulated": true' "$WORK/golden.json" || fail "evidence JSON lacks the emulated mark"
rc=0; out=$(verify "$WORK/golden.json" "$WORK/rims") || rc=$?
[[ $rc -eq 0 ]] || fail "golden verify exit $rc: $out"
expect_in "$out" "policy: PASS" "golden verify"
expect_in "$out" "33 active golden measurements match" "golden verify"
out=$(verify "$WORK/golden.json" "$WORK/rims" "$NONCE" --json) || fail "golden verify --json: $out"
expect_in "$out" '"dbgstat": "disabled"' "golden claims"
# Without --allow-emulated the same evidence is refused.
rc=0; out=$("$CCGPU" verify --evidence "$WORK/golden.json" --nonce "$NONCE" --rim-dir "$WORK/rims" \
  --device-root "$S/manufacturer/device_root.pem" --rim-root "$S/manufacturer/rim_root.pem" \
  --accept-ocsp-unknown 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "emulated without --allow-emulated: exit $rc: $out"
# Bad arguments and no device.
rc=0; out=$("$CCGPU" attest --device nohostport --nonce "$NONCE" --out "$WORK/x.json" 2>&1) || rc=$?
[[ $rc -eq 2 ]] || fail "bad --device: exit $rc: $out"
rc=0; out=$("$CCGPU" attest --device "127.0.0.1:$PORT" --nonce 1234 --out "$WORK/x.json" 2>&1) || rc=$?
[[ $rc -eq 2 ]] || fail "short nonce: exit $rc: $out"
# The device's chain is refused against NVIDIA's real root (the default).
rc=0; out=$("$CCGPU" attest --device "127.0.0.1:$PORT" --nonce "$NONCE" --out "$WORK/x.json" 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "emulated chain against NVIDIA's root: exit $rc: $out"
expect_in "$out" 'step "certificate chain"' "untrusted root"

echo "== the conformance cases (ccgpu spdm validate) pass against GPU 1's responder, which keeps serving"
rc=0; out=$("$CCGPU" spdm validate --port "$((PORT + 1))" --continue 2>&1) || rc=$?
[[ $rc -eq 0 ]] || fail "validate exit $rc: $(grep -v '^case .* \(PASS\|SKIP\) ' <<<"$out")"
expect_in "$out" " 0 failed;" "validate"
echo "   $(grep " failed;" <<<"$out")"
out=$(attest 1 "$WORK/dev1_after_validate.json") || fail "attest gpu1 after validation: $out"

echo "== stale nonce fails at the nonce step"
out=$(attest 0 "$WORK/stale.json" "$(printf '%064d' 43)") || fail "attest: $out"
rc=0; out=$(verify "$WORK/stale.json" "$WORK/rims") || rc=$?
[[ $rc -eq 1 ]] || fail "stale nonce: exit $rc: $out"
expect_in "$out" 'at step "nonce"' "stale nonce"

echo "== a device swapped for another fails"
out=$(attest 1 "$WORK/dev1.json") || fail "attest gpu1: $out"
# gpu1's evidence presented with gpu0's identity chain: the signature step.
cert0=$(json_cert "$WORK/golden.json"); cert1=$(json_cert "$WORK/dev1.json")
[[ -n "$cert0" && -n "$cert1" && "$cert0" != "$cert1" ]] || fail "chains not extracted"
sed "s|$cert1|$cert0|" "$WORK/dev1.json" >"$WORK/swapped.json"
rc=0; out=$(verify "$WORK/swapped.json" "$WORK/rims") || rc=$?
[[ $rc -eq 1 ]] || fail "swapped device: exit $rc: $out"
expect_in "$out" 'at step "signature"' "swapped device"
# gpu0's evidence with its chain re-rooted at a foreign root: the chain step.
"$CCGPU" gpud provision --state "$WORK/other" --gpus 1 --memory-mib 1 >/dev/null 2>&1
rc=0; out=$("$CCGPU" verify --evidence "$WORK/golden.json" --nonce "$NONCE" --rim-dir "$WORK/rims" \
  --device-root "$WORK/other/manufacturer/device_root.pem" --rim-root "$S/manufacturer/rim_root.pem" \
  --allow-emulated --accept-ocsp-unknown 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "foreign device root: exit $rc: $out"
expect_in "$out" 'at step "certificate chain"' "foreign device root"

echo "== mode change without reset is refused; the evidence still shows the mode in effect"
out=$("$CCGPU" host set-cc-mode devtools --state "$S" --device 0)
expect_in "$out" "reset required" "staged devtools"
out=$(attest 0 "$WORK/staged.json") || fail "attest: $out"
rc=0; out=$(verify "$WORK/staged.json" "$WORK/rims") || rc=$?
[[ $rc -eq 0 ]] || fail "staged mode must not change evidence: exit $rc: $out"

echo "== an SPDM session dies with a device reset (keys destroyed)"
attest 0 "$WORK/probe.json" "$NONCE" --session-probe 20 >"$WORK/probe.out" 2>&1 &
PROBE_PID=$!
for _ in $(seq 1 100); do grep -q "probing with heartbeats" "$WORK/probe.out" && break; sleep 0.05; done
grep -q "probing with heartbeats" "$WORK/probe.out" || fail "no session: $(cat "$WORK/probe.out")"
"$CCGPU" host reset --state "$S" --device 0 >/dev/null
rc=0; wait "$PROBE_PID" || rc=$?
PROBE_PID=""
[[ $rc -eq 1 ]] || fail "session probe across a reset: exit $rc: $(cat "$WORK/probe.out")"
grep -q "session refused by the device" "$WORK/probe.out" || fail "probe: $(cat "$WORK/probe.out")"

echo "== wrong mode: devtools (now applied) fails at measurements against CC-on RIMs"
st=$("$CCGPU" host status --state "$S" --device 0 --json)
[[ "$(field "$st" cc_mode)" == devtools ]] || fail "devtools not applied: $st"
out=$(attest 0 "$WORK/devtools.json") || fail "attest: $out"
rc=0; out=$(verify "$WORK/devtools.json" "$WORK/rims") || rc=$?
[[ $rc -eq 1 ]] || fail "devtools vs CC-on RIMs: exit $rc: $out"
expect_in "$out" 'at step "measurements"' "devtools vs on"
expect_in "$out" "2 measurement(s) differ from the RIMs at index 4 (firmware) 5 (firmware)" "devtools: CC mode and devtools indices"
# With RIMs for devtools the measurements match, dbgstat is "enabled" and the
# default policy refuses it.
"$CCGPU" rim make --state "$S" --device 0 --out "$WORK/rims_devtools" >/dev/null
rc=0; out=$(verify "$WORK/devtools.json" "$WORK/rims_devtools") || rc=$?
[[ $rc -eq 1 ]] || fail "devtools default policy: exit $rc: $out"
expect_in "$out" "33 active golden measurements match" "devtools RIMs"
expect_in "$out" 'dbgstat is "enabled"' "devtools policy"
out=$(verify "$WORK/devtools.json" "$WORK/rims_devtools" "$NONCE" --json) || true
expect_in "$out" '"dbgstat": "enabled"' "devtools claims"

echo "== CC off: fails at measurements (CC mode index 4); host access allowed; reset scrubs"
"$CCGPU" host set-cc-mode off --state "$S" --device 0 >/dev/null || true
"$CCGPU" host reset --state "$S" --device 0 >/dev/null
out=$(attest 0 "$WORK/off.json") || fail "attest: $out"
rc=0; out=$(verify "$WORK/off.json" "$WORK/rims") || rc=$?
[[ $rc -eq 1 ]] || fail "cc off: exit $rc: $out"
expect_in "$out" 'at step "measurements"' "cc off"
expect_in "$out" "1 measurement(s) differ from the RIMs at index 4 (firmware)" "cc off index"
"$CCGPU" host write-mem --state "$S" --device 0 --offset 8192 --data 5ec7e700 | grep -q "access: allowed" || fail "write in off"
"$CCGPU" host read-mem --state "$S" --device 0 --offset 8192 --length 4 | grep -q 5ec7e700 || fail "read in off"
"$CCGPU" host reset --state "$S" --device 0 >/dev/null
out=$("$CCGPU" host read-mem --state "$S" --device 0 --offset 8192 --length 4)
expect_in "$out" "00000000" "protected memory after reset"

echo "== back to CC on, then a tampered firmware image fails at measurements with the index named"
"$CCGPU" host set-cc-mode on --state "$S" --device 0 >/dev/null || true
"$CCGPU" host reset --state "$S" --device 0 >/dev/null
out=$(attest 0 "$WORK/on_again.json") || fail "attest: $out"
verify "$WORK/on_again.json" "$WORK/rims" >/dev/null || fail "CC on again must verify"
printf '\x5a' | dd of="$S/device0/firmware/microcode.bin" bs=1 seek=10 conv=notrunc status=none
"$CCGPU" host reset --state "$S" --device 0 >/dev/null
out=$(attest 0 "$WORK/tampered.json") || fail "attest: $out"
rc=0; out=$(verify "$WORK/tampered.json" "$WORK/rims") || rc=$?
[[ $rc -eq 1 ]] || fail "tampered: exit $rc: $out"
expect_in "$out" 'at step "measurements"' "tampered image"
expect_in "$out" "1 measurement(s) differ from the RIMs at index 2 (firmware)" "tampered microcode index"
# A dropped SPDM connection does not hurt the device: gpu1 still attests.
exec 3<>"/dev/tcp/127.0.0.1/$((PORT + 1))" && exec 3>&- || true
out=$(attest 1 "$WORK/dev1_again.json") || fail "gpu1 after a dropped connection: $out"

echo "== restart (PCI DOE transport) keeps identity; the per-boot AK leaf is new"
stop_gpud
: >"$WORK/gpud.log"
start_gpud --spdm-transport pcidoe
out=$(attest 1 "$WORK/restart.json" "$NONCE" --transport pcidoe) || fail "attest over PCI DOE: $out"
verify "$WORK/restart.json" "$WORK/rims" >/dev/null || fail "gpu1 after restart must verify"
before=$(json_cert "$WORK/dev1.json" | base64 -d | awk '/BEGIN/{n++} n==2' )
after=$(json_cert "$WORK/restart.json" | base64 -d | awk '/BEGIN/{n++} n==2')
[[ -n "$before" && "$before" == "$after" ]] || fail "identity certificate changed across restart"
leaf_before=$(json_cert "$WORK/dev1.json" | base64 -d | awk '/BEGIN/{n++} n==1')
leaf_after=$(json_cert "$WORK/restart.json" | base64 -d | awk '/BEGIN/{n++} n==1')
[[ "$leaf_before" != "$leaf_after" ]] || fail "attestation key leaf survived a restart"
stop_gpud
echo "PASS"
