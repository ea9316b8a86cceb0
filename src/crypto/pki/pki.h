// X.509 certificate issuance (ECDSA P-256/P-384 with SHA-256/SHA-384) for
// test and emulated-device PKIs: subject names, serial, validity,
// basicConstraints, keyUsage, key identifiers and arbitrary extensions by
// OID with a raw DER value, plus the DER builders for the extensions an
// NVIDIA-style device leaf carries (DICE FWID 2.23.133.5.4.1, a SAN
// otherName).
//
// Trust: issues whatever it is asked to; it is a builder, not a CA policy.
#ifndef CCGPU_CRYPTO_PKI_PKI_H_
#define CCGPU_CRYPTO_PKI_PKI_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/ec.h"
#include "crypto/x509.h"

namespace ccgpu::crypto {

// keyUsage bits (RFC 5280 §4.2.1.3).
enum KeyUsageBits : unsigned {
  kKuDigitalSignature = 1u << 0,
  kKuKeyCertSign = 1u << 5,
  kKuCrlSign = 1u << 6,
};

// One extension given as its extnValue contents (the DER inside the OCTET
// STRING).
struct RawExtension {
  std::string oid;  // dotted, e.g. "2.23.133.5.4.1"
  bool critical = false;
  Bytes der_value;
};

// What to put into a certificate.
struct CertificateSpec {
  // Subject RDNs in order, each {short name or dotted OID, UTF-8 value}:
  // "CN", "O", "OU", "C", "serialNumber", ... ("C" and "serialNumber" are
  // encoded as PrintableString, others as UTF8String).
  std::vector<std::pair<std::string, std::string>> subject;
  // Serial as big-endian magnitude (1..20 bytes, first byte < 0x80 is not
  // required: a leading zero is added when needed). Empty: 16 random bytes.
  Bytes serial;
  TimePoint not_before;
  TimePoint not_after;
  // basicConstraints (critical). path_len only for CAs.
  bool is_ca = false;
  std::optional<int> path_len;
  // keyUsage (critical) as KeyUsageBits; 0 = no keyUsage extension.
  unsigned key_usage = 0;
  // subjectKeyIdentifier (SHA-1 of the key) and authorityKeyIdentifier
  // (the issuer's SKI); both on by default.
  bool key_identifiers = true;
  std::vector<RawExtension> extensions;
};

// Issues a certificate for `subject_key` signed by `issuer_key`. `issuer`
// is the issuer's certificate, or nullptr for a self-signed root (then
// `issuer_key` must be the subject's own private key). The signature hash is
// SHA-384 for P-384 issuers and SHA-256 for P-256.
// kInvalidArgument: empty subject, unknown attribute name or extension OID,
// a serial longer than 20 bytes, not_after before not_before, or
// `issuer_key` does not match `issuer`'s public key (or, self-signed, the
// subject key). kCryptoFailure if OpenSSL fails.
Result<Certificate> IssueCertificate(const CertificateSpec& spec,
                                     const EcPublicKey& subject_key,
                                     const Certificate* issuer,
                                     const EcPrivateKey& issuer_key);

// The extnValue of NVIDIA Hopper's legacy DICE FWID extension
// (OID 2.23.133.5.4.1):
//   SEQUENCE { INTEGER 1, SubjectPublicKeyInfo key,
//              SEQUENCE { OID sha384, OCTET STRING fwid } }
// kInvalidArgument unless fwid is 48 bytes.
inline constexpr const char* kDiceFwidOid = "2.23.133.5.4.1";
Result<Bytes> EncodeDiceFwidExtension(const EcPublicKey& key, ByteSpan fwid);
// The FWID (last field) of such an extension value. kMalformed if the value
// is not that structure.
Result<Bytes> DecodeDiceFwidExtension(ByteSpan ext_value);

// subjectAltName (2.5.29.17) value with one otherName of type `type_oid`
// holding a UTF8String, as NVIDIA's leaf carries
// ("1.3.6.1.4.1.412.274.1" = "NVIDIA:GH100:<id>"). kInvalidArgument for a
// bad OID.
inline constexpr const char* kSubjectAltNameOid = "2.5.29.17";
Result<Bytes> EncodeOtherNameSan(const std::string& type_oid,
                                 const std::string& utf8_value);

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_PKI_PKI_H_
