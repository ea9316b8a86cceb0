#!/bin/bash
# Builds the OCSP test PKI in directory $1 with the openssl CLI (P-384,
# ecdsa-with-SHA384 like NVIDIA's chains). Run by ocsp_test at test time.
#   root          self-signed CA
#   int           CA issued by root: issues the leaves and is the OCSP issuer
#   good, revoked (keyCompromise), hold (certificateHold), unknown (not in index)
#   resp          delegated responder: issued by int, EKU id-kp-OCSPSigning
#   resp_short    like resp but valid for 1 day
#   noeku         issued by int, no EKU (not allowed to sign OCSP responses)
#   rogue         self-signed, subject "CN=Test Int" like int, EKU OCSPSigning
#   otherca, other   another CA and a responder cert it issued (EKU OCSPSigning)
# index.txt is the `openssl ca` database the responder serves.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key" 2>/dev/null; }
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > ca.ext
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n' > resp.ext
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' > leaf.ext
# issue NAME SUBJECT CA SERIAL DAYS EXTFILE
issue() {
  key "$1"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  openssl x509 -req -sha384 -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -set_serial "$4" \
    -days "$5" -extfile "$6" -out "$1.pem" 2>/dev/null
}
selfsigned() {
  key "$1"
  openssl req -x509 -new -sha384 -key "$1.key" -subj "$2" -days 3650 -out "$1.pem" \
    -addext "$3" -addext "$4" 2>/dev/null
}
selfsigned root "/CN=Test Root" basicConstraints=critical,CA:TRUE keyUsage=critical,keyCertSign,cRLSign
issue int "/CN=Test Int" root 2 3650 ca.ext
issue good "/CN=good" int 16 365 leaf.ext
issue revoked "/CN=revoked" int 17 365 leaf.ext
issue hold "/CN=hold" int 18 365 leaf.ext
issue unknown "/CN=unknown" int 19 365 leaf.ext
issue resp "/CN=Test Responder" int 99 3650 resp.ext
issue resp_short "/CN=Test Short Responder" int 100 1 resp.ext
issue noeku "/CN=Test No EKU" int 101 3650 leaf.ext
selfsigned rogue "/CN=Test Int" extendedKeyUsage=OCSPSigning keyUsage=critical,digitalSignature
selfsigned otherca "/CN=Other CA" basicConstraints=critical,CA:TRUE keyUsage=critical,keyCertSign,cRLSign
issue other "/CN=Other Responder" otherca 7 3650 resp.ext
: > index.txt
cat > ca.cnf <<EOC
[ca]
default_ca = d
[d]
database = index.txt
certificate = int.pem
private_key = int.key
default_md = sha384
EOC
for n in good revoked hold; do openssl ca -config ca.cnf -valid "$n.pem" 2>/dev/null; done
openssl ca -config ca.cnf -revoke revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config ca.cnf -revoke hold.pem -crl_hold holdInstructionReject 2>/dev/null
for n in root int good revoked hold unknown resp resp_short noeku rogue otherca other; do
  openssl x509 -in "$n.pem" -outform DER -out "$n.der"
done
echo ok > done
