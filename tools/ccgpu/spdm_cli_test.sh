#!/bin/sh
# Two-process SPDM test: `ccgpu spdm responder` as a real server on a free
# port, `ccgpu spdm requester` against it, for every transport and version,
# and `ccgpu spdm validate` (the conformance cases) over every transport.
# A fresh P-384 test PKI is made with the openssl CLI. Usage: spdm_cli_test.sh CCGPU
set -eu
CCGPU="$1"
D=$(mktemp -d /tmp/ccgpu_spdm_cli_XXXXXX)
trap 'rm -rf "$D"' EXIT
cat > "$D/ext.cnf" <<'CNF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
CNF
for k in root inter leaf; do openssl ecparam -name secp384r1 -genkey -noout -out "$D/$k.key"; done
openssl req -x509 -new -sha384 -key "$D/root.key" -subj "/CN=cli test root" -days 30 -config "$D/ext.cnf" -extensions ca -out "$D/root.pem" 2>/dev/null
openssl req -new -key "$D/inter.key" -subj "/CN=cli test intermediate" -config "$D/ext.cnf" -out "$D/inter.csr" 2>/dev/null
openssl x509 -req -sha384 -in "$D/inter.csr" -CA "$D/root.pem" -CAkey "$D/root.key" -set_serial 2 -days 30 -extfile "$D/ext.cnf" -extensions ca -out "$D/inter.pem" 2>/dev/null
openssl req -new -key "$D/leaf.key" -subj "/CN=cli test device" -config "$D/ext.cnf" -out "$D/leaf.csr" 2>/dev/null
openssl x509 -req -sha384 -in "$D/leaf.csr" -CA "$D/inter.pem" -CAkey "$D/inter.key" -set_serial 3 -days 30 -extfile "$D/ext.cnf" -extensions leaf -out "$D/leaf.pem" 2>/dev/null
for k in root inter leaf; do openssl x509 -in "$D/$k.pem" -outform DER -out "$D/$k.der"; done
cat "$D/root.der" "$D/inter.der" "$D/leaf.der" > "$D/bundle.der"
cat "$D/leaf.pem" "$D/inter.pem" "$D/root.pem" > "$D/bundle.pem"   # leaf first: the CLI turns it around

wait_port() {  # prints the port the responder announced
  for _ in $(seq 1 200); do
    p=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$D/rsp.out" 2>/dev/null || true)
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.05
  done
  return 1
}

run() {  # transport version bundle root
  rm -f "$D/rsp.out"  # the poll below must never read a previous run's port
  "$CCGPU" spdm responder --port 0 --transport "$1" --cert-chain "$3" --key "$D/leaf.key" --accept-timeout 30 > "$D/rsp.out" 2>&1 &
  rpid=$!
  port=$(wait_port) || { echo "responder did not start"; cat "$D/rsp.out"; kill "$rpid"; exit 1; }
  if ! "$CCGPU" spdm requester --port "$port" --transport "$1" --version "$2" --root "$4" --json > "$D/req.json"; then
    echo "requester failed: transport $1 version $2"; cat "$D/req.json"; cat "$D/rsp.out"; kill "$rpid" 2>/dev/null; exit 1
  fi
  wait "$rpid" || { echo "responder failed: transport $1 version $2"; cat "$D/rsp.out"; exit 1; }
  grep -q '"ok": true' "$D/req.json" || { cat "$D/req.json"; exit 1; }
  grep -q "\"version\": \"$2\"" "$D/req.json" || { echo "version $2 not negotiated"; exit 1; }
  grep -q '"certificate_subject": "CN=cli test device"' "$D/req.json" || { echo "subject missing"; exit 1; }
  grep -q '"measurements_signature_verified": true' "$D/req.json" || exit 1
  if [ "$1" = none ]; then
    if grep -q session_id "$D/req.json"; then echo "session on transport none"; exit 1; fi
  else
    grep -q '"session_id": "0xffffffff"' "$D/req.json" || { echo "no session"; exit 1; }
    grep -q 'END_SESSION acknowledged' "$D/req.json" || exit 1
  fi
  if [ "$1" = mctp ]; then  # PLDM GetTID in the session
    grep -q '"pldm_tid": 1' "$D/req.json" || { echo "no PLDM GetTID"; cat "$D/req.json"; exit 1; }
  fi
  grep -q 'connection ended: SHUTDOWN' "$D/rsp.out" || { cat "$D/rsp.out"; exit 1; }
  echo "ok: transport $1 version $2"
}
for t in none mctp pci_doe; do
  for v in 1.1 1.2 1.3; do
    run "$t" "$v" "$D/bundle.der" "$D/root.der"
  done
done
run mctp 1.2 "$D/bundle.pem" "$D/root.pem"

# Large messages (1.2+): both ends at the smallest DataTransferSize (42), so
# every message over 42 bytes travels by CHUNK_SEND / CHUNK_GET, over each
# transport (PCI DOE pads each chunk message to a DWORD).
chunked() {  # transport version
  rm -f "$D/rsp.out"
  "$CCGPU" spdm responder --port 0 --transport "$1" --cert-chain "$D/bundle.der" --key "$D/leaf.key" --accept-timeout 30 \
    --data-transfer-size 42 > "$D/rsp.out" 2>&1 &
  rpid=$!
  port=$(wait_port) || { echo "responder did not start"; cat "$D/rsp.out"; kill "$rpid"; exit 1; }
  if ! "$CCGPU" spdm requester --port "$port" --transport "$1" --version "$2" --root "$D/root.der" --data-transfer-size 42 \
      --json > "$D/req.json"; then
    echo "chunked requester failed: transport $1 version $2"; cat "$D/req.json"; kill "$rpid" 2>/dev/null; exit 1
  fi
  wait "$rpid" || { echo "responder failed: transport $1 version $2 (chunked)"; cat "$D/rsp.out"; exit 1; }
  grep -q '"ok": true' "$D/req.json" || { cat "$D/req.json"; exit 1; }
  grep -q '"chunking": true' "$D/req.json" || { echo "chunking not negotiated"; exit 1; }
  grep -q '"chunked_responses": [1-9]' "$D/req.json" || { echo "no response came by CHUNK_GET"; exit 1; }
  if [ "$1" != none ]; then  # KEY_EXCHANGE and FINISH are over 42 bytes
    grep -q '"chunked_requests": [1-9]' "$D/req.json" || { echo "no request went by CHUNK_SEND"; exit 1; }
  fi
  echo "ok: chunked, transport $1 version $2"
}
for t in none mctp pci_doe; do
  for v in 1.2 1.3; do chunked "$t" "$v"; done
done

# PSK sessions (PSK_EXCHANGE / PSK_FINISH) after the KEY_EXCHANGE session,
# as DMTF's emulator runs them: with libspdm's test PSK, with a key from a
# file under a hint of our own, and without the responder's PSK context.
psk() {  # transport version "responder options" "requester options" expect_psk_finish
  rm -f "$D/rsp.out"
  # shellcheck disable=SC2086
  "$CCGPU" spdm responder --port 0 --transport "$1" --cert-chain "$D/bundle.der" --key "$D/leaf.key" --accept-timeout 30 \
    $3 > "$D/rsp.out" 2>&1 &
  rpid=$!
  port=$(wait_port) || { echo "responder did not start"; cat "$D/rsp.out"; kill "$rpid"; exit 1; }
  # shellcheck disable=SC2086
  if ! "$CCGPU" spdm requester --port "$port" --transport "$1" --version "$2" --root "$D/root.der" $4 --json > "$D/req.json"; then
    echo "PSK requester failed: transport $1 version $2"; cat "$D/req.json"; kill "$rpid" 2>/dev/null; exit 1
  fi
  wait "$rpid" || { echo "responder failed: transport $1 version $2 (PSK)"; cat "$D/rsp.out"; exit 1; }
  grep -q '"ok": true' "$D/req.json" || { cat "$D/req.json"; exit 1; }
  grep -q '"psk_session_id": "0x' "$D/req.json" || { echo "no PSK session"; cat "$D/req.json"; exit 1; }
  grep -q "\"psk_finish\": $5" "$D/req.json" || { echo "psk_finish is not $5"; cat "$D/req.json"; exit 1; }
  grep -q 'PSK session: END_SESSION acknowledged' "$D/req.json" || exit 1
  echo "ok: PSK session, transport $1 version $2 ($3)"
}
printf '00112233445566778899aabbccddeeff\n00112233445566778899aabbccddeeff\n' > "$D/psk.hex"
printf 'ffeeddccbbaa99887766554433221100' > "$D/other_psk.hex"
for v in 1.1 1.2 1.3; do psk mctp "$v" "--dmtf-test-psk" "--dmtf-test-psk" true; done
psk pci_doe 1.3 "--psk-file $D/psk.hex --psk-hint gpu0" "--psk-file $D/psk.hex --psk-hint gpu0" true
psk mctp 1.2 "--dmtf-test-psk --psk-without-context" "--dmtf-test-psk" false
# Measurements hashed with SHA-512, as DMTF's emulator does by default.
psk pci_doe 1.2 "--dmtf-test-psk --measurement-hash sha512" "--dmtf-test-psk" true
grep -q '"measurement_hash": 8' "$D/req.json" || { echo "SHA-512 measurement hash not negotiated"; cat "$D/req.json"; exit 1; }

# Another key under the same hint: the requester catches it by
# ResponderVerifyData; an unreadable or non-hex key file is refused up front.
rm -f "$D/rsp.out"
"$CCGPU" spdm responder --port 0 --transport mctp --cert-chain "$D/bundle.der" --key "$D/leaf.key" --accept-timeout 30 \
  --psk-file "$D/other_psk.hex" --psk-hint gpu0 > "$D/rsp.out" 2>&1 &
rpid=$!
port=$(wait_port) || { echo "responder did not start"; cat "$D/rsp.out"; kill "$rpid"; exit 1; }
if "$CCGPU" spdm requester --port "$port" --transport mctp --root "$D/root.der" --psk-file "$D/psk.hex" --psk-hint gpu0 \
    --json > "$D/req.json"; then
  echo "a different PSK was accepted"; kill "$rpid"; exit 1
fi
kill "$rpid" 2>/dev/null || true
wait "$rpid" 2>/dev/null || true
grep -q '"failed_step": "PSK_EXCHANGE/PSK_FINISH"' "$D/req.json" && grep -q 'kTranscriptMismatch' "$D/req.json" || {
  cat "$D/req.json"; exit 1; }
echo "ok: a different PSK is refused (kTranscriptMismatch)"
printf 'not hex' > "$D/bad_psk.hex"
for f in "$D/bad_psk.hex" "$D/missing.hex"; do
  set +e
  "$CCGPU" spdm requester --port 1 --root "$D/root.der" --psk-file "$f" 2> "$D/err.txt"
  rc=$?
  set -e
  [ "$rc" = 3 ] && grep -q -- '--psk-file' "$D/err.txt" || { echo "bad --psk-file: exit $rc"; cat "$D/err.txt"; exit 1; }
done
echo "ok: unusable --psk-file refused"

# The conformance cases (ccgpu spdm validate) against the responder, over
# each transport: no failed assertion. Both hold libspdm's test PSK, so the
# PSK groups (10, 11) run where there are sessions.
for t in none mctp pci_doe; do
  rm -f "$D/rsp.out"
  "$CCGPU" spdm responder --port 0 --transport "$t" --cert-chain "$D/bundle.der" --key "$D/leaf.key" --accept-timeout 30 \
    --dmtf-test-psk > "$D/rsp.out" 2>&1 &
  rpid=$!
  port=$(wait_port) || { echo "responder did not start"; cat "$D/rsp.out"; kill "$rpid"; exit 1; }
  if ! "$CCGPU" spdm validate --port "$port" --transport "$t" --dmtf-test-psk --json > "$D/val.json"; then
    echo "validation failed: transport $t"; grep -B2 -A3 '"passed": false' "$D/val.json" | head -60; kill "$rpid" 2>/dev/null; exit 1
  fi
  wait "$rpid" || { echo "responder failed after validation: transport $t"; cat "$D/rsp.out"; exit 1; }
  grep -q '"assertions_failed": 0' "$D/val.json" || { echo "failed assertions: transport $t"; exit 1; }
  grep -q '"assertions_passed": [1-9]' "$D/val.json" || { echo "nothing checked: transport $t"; exit 1; }
  if [ "$t" != none ]; then
    grep -q '"id": "10.6.5"' "$D/val.json" || { echo "PSK group 10 did not run: transport $t"; exit 1; }
  fi
  echo "ok: validate over $t ($(sed -n 's/.*"assertions_passed": \([0-9]*\).*/\1/p' "$D/val.json") assertions)"
done

# CONTINUE keeps the responder (and its state) for a second connection;
# the second requester ends it with SHUTDOWN.
rm -f "$D/rsp.out"
"$CCGPU" spdm responder --port 0 --transport pci_doe --cert-chain "$D/bundle.der" --key "$D/leaf.key" --accept-timeout 30 > "$D/rsp.out" 2>&1 &
rpid=$!
port=$(wait_port) || { echo "responder did not start"; exit 1; }
"$CCGPU" spdm requester --port "$port" --transport pci_doe --root "$D/root.der" --continue > "$D/req1.txt"
grep -q 'platform CONTINUE' "$D/req1.txt" || { cat "$D/req1.txt"; exit 1; }
"$CCGPU" spdm requester --port "$port" --transport pci_doe --version 1.3 --root "$D/root.der" > "$D/req2.txt"
wait "$rpid"
grep -q 'connection ended: CONTINUE' "$D/rsp.out" && grep -q 'connection ended: SHUTDOWN' "$D/rsp.out" || { cat "$D/rsp.out"; exit 1; }
echo "ok: CONTINUE then SHUTDOWN"

# A requester that trusts another root fails with a chain error, exit 1.
openssl ecparam -name secp384r1 -genkey -noout -out "$D/other.key"
openssl req -x509 -new -sha384 -key "$D/other.key" -subj "/CN=other root" -days 30 -config "$D/ext.cnf" -extensions ca -out "$D/other.pem" 2>/dev/null
rm -f "$D/rsp.out"
"$CCGPU" spdm responder --port 0 --transport mctp --cert-chain "$D/bundle.der" --key "$D/leaf.key" --accept-timeout 10 > "$D/rsp.out" 2>&1 &
rpid=$!
port=$(wait_port)
if "$CCGPU" spdm requester --port "$port" --transport mctp --root "$D/other.pem" --json > "$D/req.json"; then
  echo "untrusted root accepted"; kill "$rpid"; exit 1
fi
kill "$rpid" 2>/dev/null || true
wait "$rpid" 2>/dev/null || true
grep -q 'kChainInvalid' "$D/req.json" || { cat "$D/req.json"; exit 1; }
echo "ok: untrusted root refused"
echo "spdm cli: all passed"
