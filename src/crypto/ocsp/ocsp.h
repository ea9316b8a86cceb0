// OCSP (RFC 6960) revocation checking: request building, response
// verification, an HTTP transport, and a caching client with three modes
// (online, offline from response files, off).
//
// Certificates are passed as DER bytes (crypto::Certificate::Der() gives
// them); nothing here keeps a pointer into caller memory. This header does not
// include OpenSSL.
//
// Trust model: a response is believed only if it is signed either by the
// certificate's issuer itself or by a delegated responder certificate that the
// issuer signed, that carries id-kp-OCSPSigning and that is valid at the
// verification time (RFC 6960 §4.2.2.2). Validating the issuer itself is the
// caller's job (certificate chain verification).
#ifndef CCGPU_CRYPTO_OCSP_OCSP_H_
#define CCGPU_CRYPTO_OCSP_OCSP_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/x509.h"

namespace ccgpu::crypto {

// RFC 6960 §4.2.1 CertStatus.
enum class OcspCertStatus : uint8_t { kGood, kRevoked, kUnknown };
// "good", "revoked", "unknown" (the words NVIDIA's claims use).
std::string_view OcspCertStatusName(OcspCertStatus status);

// RFC 5280 §5.3.1 CRLReason (value 7 is unused by the RFC).
enum class CrlReason : uint8_t {
  kUnspecified = 0,
  kKeyCompromise = 1,
  kCaCompromise = 2,
  kAffiliationChanged = 3,
  kSuperseded = 4,
  kCessationOfOperation = 5,
  kCertificateHold = 6,
  kRemoveFromCrl = 8,
  kPrivilegeWithdrawn = 9,
  kAaCompromise = 10,
};
// The RFC 5280 ASN.1 name: "keyCompromise", "certificateHold", ...
std::string_view CrlReasonName(CrlReason reason);

// Hash used for the CertID's issuerNameHash/issuerKeyHash (RFC 6960 §4.1.1).
// SHA-1 is what RFC 5019 responders (and NVIDIA's NVAT) use; NVIDIA's Python
// verifier uses SHA-384.
enum class OcspCertIdHash : uint8_t { kSha1, kSha256, kSha384 };

// Where a result came from.
enum class OcspSource : uint8_t {
  kResponder,       // fetched over HTTP just now and verified
  kFile,            // read from an offline response file and verified
  kCache,           // a verified response still within its nextUpdate
  kDisabled,        // OCSP is off: status is kUnknown, never kGood
  kNoResponseFile,  // offline mode without a file for this certificate
};
std::string_view OcspSourceName(OcspSource source);

// The verified outcome for one certificate.
struct OcspResult {
  OcspCertStatus status = OcspCertStatus::kUnknown;
  OcspSource source = OcspSource::kDisabled;
  // True only when a response was verified (signature, responder, CertID,
  // time window, and nonce when one was requested). False for kDisabled and
  // kNoResponseFile.
  bool response_valid = false;
  // True when the request carried a nonce and the response echoed it. Offline
  // files and responses fetched without a nonce report false. A cached result
  // keeps the value it had when it was fetched.
  bool nonce_checked = false;
  std::optional<CrlReason> revocation_reason;   // revoked with a reason only
  std::optional<TimePoint> revocation_time;     // revoked only
  std::optional<TimePoint> this_update;
  std::optional<TimePoint> next_update;         // absent if the responder omits it
  std::optional<TimePoint> produced_at;
  std::string responder_name;   // RFC 2253 subject of the signing certificate
  bool responder_is_issuer = false;  // false: a delegated responder signed
  std::string serial_hex;       // serial of the checked certificate (lowercase hex)
  std::string detail;           // one human line, e.g. why the status is unknown

  // OK only for kGood. kRevoked "ocsp: certificate revoked" (or "...on hold
  // (certificateHold)" unless `allow_certificate_hold`, in which case a hold
  // is accepted); kOcspInvalid "ocsp: certificate status unknown" for
  // kUnknown (which includes OCSP being off or having no response).
  Status RequireGood(bool allow_certificate_hold = false) const;
};

// The certificate to check and its issuer, parsed once.
class OcspTarget {
 public:
  // kBadCertificate if either DER does not parse (or has trailing bytes);
  // kInvalidArgument if `issuer_der`'s subject is not `cert_der`'s issuer.
  static Result<OcspTarget> Create(ByteSpan cert_der, ByteSpan issuer_der);
  static Result<OcspTarget> Create(const Certificate& cert, const Certificate& issuer);

  // The certificate's serial number, lowercase hex of its magnitude ("0" for 0;
  // a leading '-' for negative serials).
  const std::string& serial_hex() const;
  // Lowercase hex SHA-1 of the issuer's subjectPublicKey BIT STRING contents
  // (the CertID issuerKeyHash with SHA-1).
  const std::string& issuer_key_sha1_hex() const;
  // Cache key: "<issuer_key_sha1_hex>:<serial_hex>".
  std::string CacheKey() const;
  // Offline response file names tried, in order:
  //   "<issuer_key_sha1_hex>_<serial_hex>.der", then "<serial_hex>.der".
  std::vector<std::string> ResponseFileNames() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit OcspTarget(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

struct OcspRequestOptions {
  OcspCertIdHash cert_id_hash = OcspCertIdHash::kSha1;
  // Adds the id-pkix-ocsp-nonce extension (RFC 6960 §4.4.1) with this many
  // random bytes; 0 sends no nonce. RFC 8954 asks for 1..32 bytes.
  std::size_t nonce_size = 32;
};

// A DER OCSPRequest for one certificate, and what is needed to check the
// answer (CertID, nonce).
class OcspRequest {
 public:
  // kInvalidArgument if nonce_size > 128; kRngFailure / kCryptoFailure if
  // OpenSSL fails.
  static Result<OcspRequest> Create(const OcspTarget& target,
                                    const OcspRequestOptions& options = {});
  const Bytes& der() const { return der_; }
  // The nonce value sent (empty if none).
  const Bytes& nonce() const { return nonce_; }
  const OcspTarget& target() const { return target_; }

 private:
  OcspRequest(OcspTarget target, Bytes der, Bytes nonce)
      : target_(std::move(target)), der_(std::move(der)), nonce_(std::move(nonce)) {}
  OcspTarget target_;
  Bytes der_;
  Bytes nonce_;
};

struct OcspVerifyOptions {
  // Clock difference tolerated on thisUpdate (future) and nextUpdate (past).
  std::chrono::seconds max_skew{300};
  // A response without nextUpdate is accepted until thisUpdate + this.
  std::chrono::seconds max_age_without_next_update{3600};
  // When the request carried a nonce, a response without one is rejected.
  // (A wrong nonce is always rejected.)
  bool require_nonce = true;
};

// Verifies a DER OCSPResponse for `target` at time `at` and returns the status
// it vouches for. `request` is the request that was sent (its nonce is
// checked) or nullptr for a response obtained otherwise (offline files: no
// nonce check, `nonce_checked` false). `source` is copied into the result.
//
// Errors, all kOcspInvalid unless noted, with a context naming the failed check:
//   not DER / trailing bytes; responseStatus other than successful (one
//   context per RFC 6960 status: malformedRequest, internalError, tryLater,
//   sigRequired, unauthorized); not id-pkix-ocsp-basic; signer not found;
//   signature does not verify; delegated responder not signed by the issuer,
//   lacking id-kp-OCSPSigning, or outside its validity; nonce missing or
//   different; no SingleResponse for the target's CertID; thisUpdate in the
//   future; nextUpdate passed (or too old without nextUpdate).
Result<OcspResult> VerifyOcspResponse(ByteSpan response_der,
                                      const OcspTarget& target,
                                      const OcspRequest* request, TimePoint at,
                                      const OcspVerifyOptions& options = {},
                                      OcspSource source = OcspSource::kResponder);

// What a response says, without verifying anything (for tools, logs and the
// fuzz target). kOcspInvalid if it is not a DER OCSPResponse.
struct OcspResponseInfo {
  struct Single {
    std::string serial_hex;
    std::string cert_id_hash;      // "sha1", "sha384", ... (OpenSSL short name)
    OcspCertStatus status = OcspCertStatus::kUnknown;
    std::optional<CrlReason> revocation_reason;
    std::optional<TimePoint> this_update;
    std::optional<TimePoint> next_update;
  };
  int response_status = 0;            // RFC 6960 OCSPResponseStatus value
  bool basic = false;                 // responseBytes holds a BasicOCSPResponse
  std::optional<TimePoint> produced_at;
  std::string responder_id;           // "name:<RFC 2253>" or "key:<hex>"
  std::size_t certificate_count = 0;  // certs included in the response
  bool has_nonce = false;
  Bytes nonce;                        // the echoed nonce value, if any
  std::vector<Single> responses;
};
Result<OcspResponseInfo> InspectOcspResponse(ByteSpan response_der);

// POSTs `request_der` as application/ocsp-request to an http:// URL and
// returns the application/ocsp-response body (HTTP/1.1, no proxy, one
// connection, at most 256 KiB). kInvalidArgument for a URL that is not
// http://host[:port][/path] (https is not supported: OCSP responses are
// signed, RFC 6960 Appendix A.1 uses plain HTTP); kTimeout when `timeout`
// passes; kIo when the responder cannot be reached or answers a non-2xx
// status; kOcspInvalid for a wrong content type; kResourceExhausted for an
// oversized body.
Result<Bytes> OcspHttpPost(const std::string& url, ByteSpan request_der,
                           std::chrono::seconds timeout);

struct OcspClientOptions {
  OcspRequestOptions request;
  OcspVerifyOptions verify;
  std::chrono::seconds timeout{10};   // per HTTP exchange (NVIDIA uses 10 s)
  std::size_t cache_capacity = 4096;  // entries; the soonest-expiring is evicted
  // Cache lifetime of a response without nextUpdate (from thisUpdate).
  std::chrono::seconds default_ttl{3600};
  // Online mode: if not empty, every verified response is also written to
  // this directory under OcspTarget::ResponseFileNames()[0], so that an
  // offline client can later replay it.
  std::string record_dir;
};

enum class OcspMode : uint8_t { kOnline, kOffline, kOff };

// A revocation checker. Online: one request per certificate to a fixed
// responder URL. Offline: DER responses from a directory (file names: see
// OcspTarget::ResponseFileNames). Off: always kUnknown/kDisabled.
//
// Verified responses (good, revoked or unknown) are cached by
// OcspTarget::CacheKey() until their nextUpdate (or thisUpdate + default_ttl)
// at the clock passed to Check(). Copies share one cache; Check() is
// thread-safe.
class OcspClient {
 public:
  // kInvalidArgument if `url` is not http://host[:port][/path].
  static Result<OcspClient> Online(std::string url, OcspClientOptions options = {});
  // kNotFound if `dir` is not a directory.
  static Result<OcspClient> Offline(std::string dir, OcspClientOptions options = {});
  static OcspClient Off();
  // From a command-line value (`ccgpu verify --ocsp ...`): "off"; an
  // http:// URL (online); "offline:DIR" or "offline=DIR" (offline). Errors as
  // Online/Offline; kInvalidArgument for anything else.
  static Result<OcspClient> FromSpec(std::string_view spec, OcspClientOptions options = {});

  OcspMode mode() const;
  // The URL or directory ("" when off).
  const std::string& location() const;

  // Checks `cert_der` (issued by `issuer_der`) at clock.Now().
  // Off: {kUnknown, kDisabled}. Offline without a file: {kUnknown,
  // kNoResponseFile}. Otherwise a verified result or the error of
  // VerifyOcspResponse / OcspHttpPost / OcspTarget::Create (kIo when a
  // response file cannot be read).
  Result<OcspResult> Check(ByteSpan cert_der, ByteSpan issuer_der,
                           const Clock& clock) const;
  Result<OcspResult> Check(const OcspTarget& target, const Clock& clock) const;
  Result<OcspResult> Check(const Certificate& cert, const Certificate& issuer,
                           const Clock& clock) const;

  struct Stats {
    std::size_t responder_contacts = 0;  // HTTP exchanges attempted
    std::size_t files_read = 0;
    std::size_t cache_hits = 0;
    std::size_t cache_entries = 0;
  };
  Stats stats() const;
  // Drops every cached response.
  void ClearCache() const;

  struct State;

 private:
  explicit OcspClient(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_OCSP_OCSP_H_
