// XML-DSig verification of an enveloped signature (W3C XML Signature 1.1)
// with libxmlsec1 (OpenSSL backend), as used by NVIDIA's reference integrity
// manifests (RIMs): one <ds:Signature> child of the document element, one
// <ds:Reference URI=""> with the enveloped-signature and C14N 1.1 transforms,
// ecdsa-sha384 over SignedInfo, and the signer's X.509 chain embedded in
// <ds:KeyInfo>/<ds:X509Data>.
//
// Trust: only the pinned root given to XmlDsigVerifier::Create is a trust
// anchor. Embedded self-signed certificates (the document's own copy of the
// root) are dropped before the chain is built, so a document can never bring
// its own anchor. Certificate validity is checked at a caller-supplied time.
//
// Order of checks (the same order xmlsec1 --verify uses, so outcomes agree
// with the xmlsec1 CLI): parse → locate the signature → signer chain to the
// pinned root at `at` → SignedInfo signature and reference digest.
#ifndef CCGPU_CRYPTO_XMLDSIG_XMLDSIG_H_
#define CCGPU_CRYPTO_XMLDSIG_XMLDSIG_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/x509.h"

struct _xmlDoc;  // libxml2's document (xmlDoc)

namespace ccgpu::crypto {

// Initialises libxml2 and xmlsec1 (+ its OpenSSL backend) exactly once per
// process; safe to call from any number of threads concurrently
// (std::call_once). Every function in this header calls it, so callers need
// not; call it early to pay the cost up front. Installs an xmlsec error
// callback that collects messages per thread (nothing is printed to stderr).
// Never shuts the libraries down (they stay valid until process exit).
// kCryptoFailure if a library fails to initialise (then always).
Status InitXmlSecurity();

// Largest document accepted (bytes); larger input gives kOutOfRange.
inline constexpr std::size_t kMaxXmlDocumentSize = 16u << 20;

// Parses `xml` as an XML document with the hardened options used everywhere
// in ccgpu: no network (XML_PARSE_NONET), no entity substitution, no DTD
// loading, and any document type declaration (<!DOCTYPE …>) is refused.
// Returns kMalformed if it is not well-formed XML or has a DTD, kOutOfRange
// if larger than kMaxXmlDocumentSize. (Exposed for tests and diagnostics;
// the verifier uses the same rules.)
Status CheckXmlWellFormed(ByteSpan xml);

// A document parsed once with the hardened rules of CheckXmlWellFormed, so
// several checks (XSD validation, XML-DSig, a content reader) can share one
// tree instead of each parsing the bytes again. Owns the tree; move-only.
// Users only read it: none of ccgpu's checks modifies the tree.
class XmlDocument {
 public:
  // kOutOfRange if larger than kMaxXmlDocumentSize; kMalformed if not
  // well-formed, with a DTD, or without a root element.
  static Result<XmlDocument> Parse(ByteSpan xml);

  // The libxml2 tree (borrowed; lives as long as this object).
  _xmlDoc* get() const { return doc_.get(); }

  XmlDocument(XmlDocument&&) noexcept = default;
  XmlDocument& operator=(XmlDocument&&) noexcept = default;
  ~XmlDocument() = default;

 private:
  struct Free {
    void operator()(_xmlDoc* doc) const;
  };
  explicit XmlDocument(_xmlDoc* doc) : doc_(doc) {}
  std::unique_ptr<_xmlDoc, Free> doc_;
};

// SHA-384 of the document bytes exactly as given: the key under which
// callers cache verified documents (e.g. the RIM verifier). kCryptoFailure
// only if OpenSSL fails.
Result<Bytes> XmlDocumentDigest(ByteSpan xml);

// What was checked and why it failed, for reports. Filled as far as
// verification got, also on failure.
struct XmlDsigReport {
  // Certificates found in KeyInfo/X509Data, in document order (DER).
  std::vector<Bytes> embedded_certs_der;
  // Subject (RFC 2253) of the certificate whose key signs the document.
  std::string signer_subject;
  // Chain result: true when the signer chain verified to the pinned root
  // and every certificate was time-valid at the verification time.
  bool chain_valid = false;
  // On chain failure: index into the built chain (0 = signer) and OpenSSL's
  // reason text ("certificate has expired", "unable to get local issuer
  // certificate", ...).
  std::optional<std::size_t> chain_failure_depth;
  std::string chain_failure_reason;
  // Signature result: true once SignedInfo's signature and every reference
  // digest matched. `signature_checked` is false when verification stopped
  // before the signature (e.g. chain failure).
  bool signature_checked = false;
  bool signature_valid = false;
  // "reference digest mismatch", "signature value mismatch", or xmlsec's
  // messages when the signature could not be processed.
  std::string signature_failure_reason;
  // Algorithm URIs read from SignedInfo (empty if not reached).
  std::string signature_method;
  std::string canonicalization_method;
};

// A verified signature: who signed and for how long that verdict holds.
struct VerifiedXmlSignature {
  // The verified chain as DER, signer first, pinned root LAST (the root is
  // the caller's pinned certificate, never the embedded copy). OCSP callers
  // check every element but the last against its successor as issuer.
  std::vector<Bytes> chain_der;
  // The same chain as parsed certificates (same order; the last is the
  // pinned root).
  std::vector<Certificate> chain;
  std::string signer_subject;
  // The chain is time-valid exactly for valid_from <= t <= valid_until
  // (latest notBefore, earliest notAfter over chain_der). Caches use this to
  // reuse a verdict for another verification time.
  TimePoint valid_from;
  TimePoint valid_until;
  // False only when XmlDsigOptions::time_errors_fatal was false and a chain
  // certificate was expired / not yet valid at the verification time; then
  // `time_failure` holds OpenSSL's reason ("certificate has expired").
  bool time_valid = true;
  std::string time_failure;
};

// Options for XmlDsigVerifier::Verify.
struct XmlDsigOptions {
  TimePoint at;  // verification time for certificate validity
  // true: an expired / not-yet-valid chain certificate fails verification
  // (kCertExpired / kCertNotYetValid), like xmlsec1. false: the chain must
  // still verify in every other respect and the signature must verify, but
  // the time failure is only reported (VerifiedXmlSignature::time_valid),
  // as NVIDIA's C++ SDK does (X509_V_FLAG_NO_CHECK_TIME + expiry claim), so
  // a policy can decide.
  bool time_errors_fatal = true;
};

// Verifies enveloped XML signatures against one pinned root certificate.
// Immutable after Create; Verify may be called concurrently from many
// threads.
class XmlDsigVerifier {
 public:
  // `trusted_root_pem`: the pinned trust anchor (first PEM certificate is
  // used). kInvalidPem if there is no PEM certificate, kBadCertificate if it
  // does not parse, kCryptoFailure if the libraries fail to initialise.
  static Result<XmlDsigVerifier> Create(std::string_view trusted_root_pem);
  // Same with a DER certificate.
  static Result<XmlDsigVerifier> CreateFromDer(ByteSpan trusted_root_der);

  // Verifies the enveloped signature of `xml` with certificate validity
  // checked at `at`. The document is not modified; `xml` is only read
  // during the call. On success returns the verified chain. Errors:
  //   kOutOfRange            document larger than kMaxXmlDocumentSize
  //   kMalformed             not well-formed XML, or a DTD is present
  //   kXmlSignatureInvalid   no / several ds:Signature elements, the
  //                          signature is not a child of the document
  //                          element, a reference other than URI="", a
  //                          disallowed algorithm or transform, a reference
  //                          digest or the signature value does not match
  //   kBadCertificate        KeyInfo has no certificate or one that does not
  //                          parse
  //   kChainInvalid          the signer chain does not lead to the pinned
  //                          root (also: ambiguous signer certificate)
  //   kCertExpired           the chain is otherwise valid but a certificate
  //                          has expired at `at`
  //   kCertNotYetValid       ... is not yet valid at `at`
  //   kUnsupportedAlgorithm  the signer key is not an EC key
  // `report` (optional, caller-owned) receives the details, also on failure.
  Result<VerifiedXmlSignature> Verify(ByteSpan xml, TimePoint at,
                                      XmlDsigReport* report = nullptr) const;
  // Same, with options (see XmlDsigOptions).
  Result<VerifiedXmlSignature> Verify(ByteSpan xml, const XmlDsigOptions& options,
                                      XmlDsigReport* report = nullptr) const;
  // Same on an already parsed document (the size / well-formedness errors
  // were given by XmlDocument::Parse). Embedded certificates are taken from
  // `pool` when it holds their DER and decoded (and added) otherwise; with
  // no pool, only a copy of the pinned root is recognised without decoding.
  // The pool never changes an outcome (see CertificatePool).
  Result<VerifiedXmlSignature> Verify(const XmlDocument& doc, const XmlDsigOptions& options,
                                      XmlDsigReport* report = nullptr,
                                      CertificatePool* pool = nullptr) const;

  // The pinned root, parsed.
  const Certificate& root() const;

  // DER of the pinned root.
  const Bytes& root_der() const;

 private:
  struct State;
  explicit XmlDsigVerifier(std::shared_ptr<const State> state);
  std::shared_ptr<const State> state_;
};

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_XMLDSIG_XMLDSIG_H_
