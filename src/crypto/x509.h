// X.509 certificates: parsing, fields, and chain verification against pinned
// roots at an injectable time.
#ifndef CCGPU_CRYPTO_X509_H_
#define CCGPU_CRYPTO_X509_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/ec.h"

namespace ccgpu::crypto {

struct CertificateData;  // parsed OpenSSL object + cached fields
class CertificatePool;

// A parsed certificate. Immutable, cheap to copy (copies share), safe to use
// from many threads at once. Every accessor's value was computed when the
// certificate was parsed, so accessors cannot fail.
class Certificate {
 public:
  // One DER certificate; nothing may follow it. kBadCertificate if it does
  // not parse, trails data, or has validity times OpenSSL cannot read.
  static Result<Certificate> FromDer(ByteSpan der);
  // The first "CERTIFICATE" PEM block (text before it is ignored).
  // kInvalidPem if there is none or its base64 is bad; kBadCertificate.
  static Result<Certificate> FromPem(std::string_view pem);
  // Every CERTIFICATE block, in order. kInvalidPem if there are none or one
  // is damaged; kBadCertificate if one does not parse.
  static Result<std::vector<Certificate>> ParsePemChain(std::string_view pem);
  // Same, taking each certificate from `pool` (see CertificatePool): a block
  // whose DER the pool already holds is not decoded again. `pool` may be
  // null (= ParsePemChain(pem)). Same errors.
  static Result<std::vector<Certificate>> ParsePemChain(std::string_view pem,
                                                        CertificatePool* pool);
  // Back-to-back DER certificates (the SPDM certificate chain format after
  // its header). kBadCertificate if empty or any part does not parse.
  static Result<std::vector<Certificate>> ParseDerChain(
      ByteSpan concatenated_der);
  // As above, but a certificate whose DER is byte for byte that of one in
  // `known` (e.g. configured trust anchors, already parsed) is that object,
  // not parsed again. Same errors.
  static Result<std::vector<Certificate>> ParseDerChain(
      ByteSpan concatenated_der, std::span<const Certificate> known);

  // The DER encoding, exactly as parsed.
  Bytes Der() const;
  // The same bytes without a copy; valid as long as any copy of this
  // Certificate lives.
  ByteSpan DerView() const;
  // Distinguished names as RFC 2253 text. Subject, Issuer, SerialDecimal and
  // OcspUrl are made on the first call of any of them (once per parsed
  // certificate, thread-safe; a cold verification never needs them for most
  // certificates) and are "" / nullopt only if memory runs out then.
  std::string Subject() const;
  std::string Issuer() const;
  // The subject's first commonName, or "" if none.
  std::string CommonName() const;
  // The serial number's big-endian magnitude bytes, and in decimal.
  Bytes SerialNumber() const;
  std::string SerialDecimal() const;
  TimePoint NotBefore() const;
  TimePoint NotAfter() const;
  // The subject key. kUnsupportedAlgorithm if not P-256/P-384 EC;
  // kBadPublicPoint if its point is invalid.
  Result<EcPublicKey> PublicKey() const;
  // The extnValue OCTET STRING contents of the extension with this dotted
  // OID. kNotFound if absent; kInvalidArgument if `dotted_oid` is not an OID.
  Result<Bytes> Extension(std::string_view dotted_oid) const;
  // The first OCSP responder URL of Authority Information Access, if any.
  std::optional<std::string> OcspUrl() const;

  // The OpenSSL object (src/crypto internals only).
  const CertificateData& data() const { return *data_; }

 private:
  explicit Certificate(std::shared_ptr<const CertificateData> data)
      : data_(std::move(data)) {}
  std::shared_ptr<const CertificateData> data_;
};

// Parsed certificates keyed by their exact DER bytes, so a certificate that
// occurs several times (a RIM signer's intermediates in both RIMs of one
// verification, a device's copy of a pinned root) is decoded once. Decoding
// is a pure function of the DER bytes and a Certificate is immutable, so a
// pooled certificate is exactly what a fresh parse would return: the pool
// never changes an outcome, it only saves OpenSSL's decoding work (d2i_X509,
// with the public key decoded through the provider decoders, ~0.3 ms each on
// OpenSSL 3.0). Only successfully parsed certificates are kept.
//
// Pinned certificates (configuration, e.g. the pinned roots) stay for the
// pool's lifetime; the others are dropped by Clear() and, all at once, when
// `capacity` of them is reached. Thread-safe.
class CertificatePool {
 public:
  explicit CertificatePool(std::size_t capacity = 256);
  CertificatePool(const CertificatePool&) = delete;
  CertificatePool& operator=(const CertificatePool&) = delete;

  // Adds `cert` as a pinned entry (kept by Clear()).
  void Pin(const Certificate& cert);
  // The certificate with exactly these DER bytes: the pooled one, else
  // Certificate::FromDer(der) (its errors), which is then pooled.
  Result<Certificate> FromDer(ByteSpan der);
  // Drops every entry that is not pinned.
  void Clear();
  // Entries held (pinned included).
  std::size_t size() const;
  // How many certificates this pool decoded (FromDer misses that parsed).
  uint64_t decoded() const;

 private:
  struct Entry;
  mutable std::mutex mu_;
  std::size_t capacity_;
  std::size_t unpinned_ = 0;  // guarded by mu_
  uint64_t decoded_ = 0;      // guarded by mu_
  // Key: a view of the entry's own DER bytes (stable: shared, immutable).
  std::unordered_map<std::string_view, std::shared_ptr<const Entry>> entries_;  // guarded by mu_
};

struct ChainOptions {
  TimePoint at;            // verification time (injectable)
  bool check_time = true;  // false = ignore validity periods entirely
  // true = a root may also be an intermediate CA (pinning a non-self-signed
  // certificate); default false: every path ends at a self-signed root.
  bool allow_partial_chain = false;
};

// Which certificate failed and why. index counts from the leaf (0); an
// index equal to chain.size() means the trust anchor. reason is OpenSSL's
// text for the verification error.
struct ChainFailure {
  std::size_t index = 0;
  std::string reason;
};

// Verifies `chain` (leaf first; intermediates follow; the root may be
// included or not) up to one of `roots`, at options.at. A certificate counts
// as valid for notBefore <= at < notAfter (OpenSSL treats the notAfter second
// itself as expired, one second stricter than RFC 5280 4.1.2.5). Only `roots` are
// trusted. kCertExpired / kCertNotYetValid when that is the failure;
// kChainInvalid for every other failure (wrong root, bad signature, bad
// CA constraints, unhandled critical extension, empty chain); *failure, if
// given, says which certificate and why.
Status VerifyChain(std::span<const Certificate> chain,
                   std::span<const Certificate> roots,
                   const ChainOptions& options, ChainFailure* failure = nullptr);

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_X509_H_
