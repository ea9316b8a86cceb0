// RFC 6960 OCSP on OpenSSL 3: request, response verification, HTTP, client.
#include "crypto/ocsp/ocsp.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <system_error>
#include <utility>

#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>


#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/httperr.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/encoding.h"

namespace ccgpu::crypto {
namespace {

// One owning pointer type per OpenSSL object, with its free function.
template <typename T, void (*F)(T*)>
struct OsslDeleter {
  void operator()(T* p) const { F(p); }
};
template <typename T, void (*F)(T*)>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T, F>>;

using X509Ptr = OsslPtr<X509, X509_free>;
using OcspRequestPtr = OsslPtr<OCSP_REQUEST, OCSP_REQUEST_free>;
using OcspResponsePtr = OsslPtr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicPtr = OsslPtr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using OcspCertIdPtr = OsslPtr<OCSP_CERTID, OCSP_CERTID_free>;
using BioPtr = OsslPtr<BIO, BIO_free_all>;
using OctetStringPtr = OsslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;

void FreeCString(char* p) { OPENSSL_free(p); }
using CStringPtr = OsslPtr<char, FreeCString>;

// Parses exactly one DER certificate. No trailing bytes.
Result<X509Ptr> ParseCertDer(ByteSpan der, const char* what) {
  if (der.empty() || der.size() > 1u << 20) return Fail(Errc::kBadCertificate, what);
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) {
    ERR_clear_error();
    return Fail(Errc::kBadCertificate, what);
  }
  return cert;
}

Bytes StringBytes(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  const unsigned char* d = ASN1_STRING_get0_data(s);
  const int n = ASN1_STRING_length(s);
  if (d == nullptr || n <= 0) return {};
  return Bytes(d, d + n);
}

// Lowercase hex of an INTEGER's magnitude bytes ("00" for zero, "-" prefix if
// negative), as `openssl x509 -serial` prints it (but lowercase).
std::string SerialHex(const ASN1_INTEGER* serial) {
  Bytes mag = StringBytes(serial);
  std::size_t skip = 0;
  while (skip + 1 < mag.size() && mag[skip] == 0) ++skip;
  std::string hex = mag.empty() ? "00"
                                : HexEncode(ByteSpan(mag).subspan(skip));
  if (serial != nullptr && ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) {
    hex.insert(hex.begin(), '-');
  }
  return hex;
}

std::optional<TimePoint> ToTimePoint(const ASN1_TIME* t) {
  if (t == nullptr) return std::nullopt;
  struct tm tm_value {};
  if (ASN1_TIME_to_tm(t, &tm_value) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{tm_value.tm_year + 1900},
                           month{static_cast<unsigned>(tm_value.tm_mon + 1)},
                           day{static_cast<unsigned>(tm_value.tm_mday)}};
  if (!ymd.ok()) return std::nullopt;
  return TimePoint{sys_days{ymd}.time_since_epoch()} + hours{tm_value.tm_hour} +
         minutes{tm_value.tm_min} + seconds{tm_value.tm_sec};
}

std::string NameRfc2253(const X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(n));
}

const EVP_MD* CertIdDigest(OcspCertIdHash hash) {
  switch (hash) {
    case OcspCertIdHash::kSha1: return EVP_sha1();
    case OcspCertIdHash::kSha256: return EVP_sha256();
    case OcspCertIdHash::kSha384: return EVP_sha384();
  }
  return nullptr;
}

std::optional<CrlReason> ReasonFromInt(int reason) {
  switch (reason) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 8: case 9: case 10:
      return static_cast<CrlReason>(reason);
    default:
      return std::nullopt;
  }
}

OcspCertStatus StatusFromInt(int status) {
  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD: return OcspCertStatus::kGood;
    case V_OCSP_CERTSTATUS_REVOKED: return OcspCertStatus::kRevoked;
    default: return OcspCertStatus::kUnknown;
  }
}

// The extnValue bytes of the nonce extension of a basic response, if any.
std::optional<Bytes> BasicNonceExtValue(OCSP_BASICRESP* bs) {
  const int idx = OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, -1);
  if (idx < 0) return std::nullopt;
  X509_EXTENSION* ext = OCSP_BASICRESP_get_ext(bs, idx);
  if (ext == nullptr) return std::nullopt;
  return StringBytes(X509_EXTENSION_get_data(ext));
}

// The nonce inside an extnValue (an OCTET STRING, as RFC 8954 and OpenSSL
// encode it); the raw extnValue if it is not one.
Bytes NonceFromExtValue(const Bytes& ext_value) {
  const unsigned char* p = ext_value.data();
  OctetStringPtr inner(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(ext_value.size())));
  if (!inner || p != ext_value.data() + ext_value.size()) {
    ERR_clear_error();
    return ext_value;
  }
  return StringBytes(inner.get());
}

// Parses one DER OCSPResponse, rejecting trailing bytes.
Result<OcspResponsePtr> ParseResponse(ByteSpan der) {
  if (der.empty()) return Fail(Errc::kOcspInvalid, "ocsp response: empty");
  if (der.size() > 1u << 20) return Fail(Errc::kOcspInvalid, "ocsp response: larger than 1 MiB");
  const unsigned char* p = der.data();
  OcspResponsePtr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  if (!resp) {
    ERR_clear_error();
    return Fail(Errc::kOcspInvalid, "ocsp response: not a DER OCSPResponse");
  }
  if (p != der.data() + der.size()) {
    return Fail(Errc::kOcspInvalid, "ocsp response: trailing bytes after the OCSPResponse");
  }
  return resp;
}

Status CheckResponseStatus(int status) {
  // RFC 6960 §4.2.1 OCSPResponseStatus.
  switch (status) {
    case OCSP_RESPONSE_STATUS_SUCCESSFUL: return OkStatus();
    case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST:
      return Fail(Errc::kOcspInvalid, "ocsp response: responder answered malformedRequest");
    case OCSP_RESPONSE_STATUS_INTERNALERROR:
      return Fail(Errc::kOcspInvalid, "ocsp response: responder answered internalError");
    case OCSP_RESPONSE_STATUS_TRYLATER:
      return Fail(Errc::kOcspInvalid, "ocsp response: responder answered tryLater");
    case OCSP_RESPONSE_STATUS_SIGREQUIRED:
      return Fail(Errc::kOcspInvalid, "ocsp response: responder answered sigRequired");
    case OCSP_RESPONSE_STATUS_UNAUTHORIZED:
      return Fail(Errc::kOcspInvalid, "ocsp response: responder answered unauthorized");
    default:
      return Fail(Errc::kOcspInvalid, "ocsp response: unknown responseStatus value");
  }
}

// The BasicOCSPResponse of a successful response. Also requires DER: the
// response re-encoded from what was parsed must equal the input, so no BER
// leniency of the decoder (e.g. a primitive-tagged SEQUENCE) can make two
// different byte strings verify under one signature.
Result<OcspBasicPtr> GetBasic(OCSP_RESPONSE* resp, ByteSpan der) {
  CCGPU_TRY(CheckResponseStatus(OCSP_response_status(resp)));
  OcspBasicPtr bs(OCSP_response_get1_basic(resp));
  if (!bs) {
    ERR_clear_error();
    return Fail(Errc::kOcspInvalid, "ocsp response: responseBytes is not id-pkix-ocsp-basic");
  }
  OcspResponsePtr again(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs.get()));
  unsigned char* enc = nullptr;
  const int len = again ? i2d_OCSP_RESPONSE(again.get(), &enc) : -1;
  const bool same = len > 0 && static_cast<std::size_t>(len) == der.size() &&
                    std::equal(der.begin(), der.end(), enc);
  OPENSSL_free(enc);
  ERR_clear_error();
  if (!same) return Fail(Errc::kOcspInvalid, "ocsp response: not DER-encoded");
  return bs;
}

bool ValidAt(const X509* cert, TimePoint at) {
  auto nb = ToTimePoint(X509_get0_notBefore(cert));
  auto na = ToTimePoint(X509_get0_notAfter(cert));
  return nb && na && *nb <= at && at <= *na;
}

// RFC 6960 §4.2.2.2: the signer is the issuer itself, or a certificate the
// issuer signed that carries id-kp-OCSPSigning. Verifies the response
// signature with the signer's key. Sets *is_issuer and *signer_name.
Status VerifySigner(OCSP_BASICRESP* bs, X509* issuer, TimePoint at,
                    bool* is_issuer, std::string* signer_name) {
  STACK_OF(X509)* extra = sk_X509_new_null();
  if (extra == nullptr) return Fail(Errc::kCryptoFailure, "ocsp: allocation failed");
  if (sk_X509_push(extra, issuer) <= 0) {
    sk_X509_free(extra);
    return Fail(Errc::kCryptoFailure, "ocsp: allocation failed");
  }
  X509* signer = nullptr;  // borrowed from bs or extra
  const int found = OCSP_resp_get0_signer(bs, &signer, extra);
  sk_X509_free(extra);  // does not free the certificates
  ERR_clear_error();
  if (found != 1 || signer == nullptr) {
    return Fail(Errc::kOcspInvalid,
                "ocsp response: signer certificate not found (ResponderID matches neither "
                "the issuer nor an included certificate)");
  }
  EVP_PKEY* key = X509_get0_pubkey(signer);
  if (key == nullptr) {
    ERR_clear_error();
    return Fail(Errc::kOcspInvalid, "ocsp response: signer certificate has no usable key");
  }
  // The signature is over the DER of tbsResponseData (RFC 6960 §4.2.1).
  const int ok = ASN1_item_verify(ASN1_ITEM_rptr(OCSP_RESPDATA),
                                  OCSP_resp_get0_tbs_sigalg(bs),
                                  OCSP_resp_get0_signature(bs),
                                  OCSP_resp_get0_respdata(bs), key);
  ERR_clear_error();
  if (ok != 1) return Fail(Errc::kOcspInvalid, "ocsp response: signature does not verify");

  *signer_name = NameRfc2253(X509_get_subject_name(signer));
  if (X509_cmp(signer, issuer) == 0) {
    *is_issuer = true;
    return OkStatus();
  }
  *is_issuer = false;
  // Delegated responder.
  if (X509_NAME_cmp(X509_get_issuer_name(signer), X509_get_subject_name(issuer)) != 0) {
    return Fail(Errc::kOcspInvalid,
                "ocsp response: responder is neither the issuer nor issued by it");
  }
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer);
  const int cert_ok = issuer_key != nullptr ? X509_verify(signer, issuer_key) : 0;
  ERR_clear_error();
  if (cert_ok != 1) {
    return Fail(Errc::kOcspInvalid,
                "ocsp response: delegated responder certificate is not signed by the issuer");
  }
  const uint32_t xku = X509_get_extended_key_usage(signer);
  ERR_clear_error();
  if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 || (xku & XKU_OCSP_SIGN) == 0) {
    return Fail(Errc::kOcspInvalid,
                "ocsp response: delegated responder certificate lacks id-kp-OCSPSigning");
  }
  if (!ValidAt(signer, at)) {
    return Fail(Errc::kOcspInvalid,
                "ocsp response: delegated responder certificate is not valid at the "
                "verification time");
  }
  return OkStatus();
}

}  // namespace

// ---------------------------------------------------------------- names

std::string_view OcspCertStatusName(OcspCertStatus status) {
  switch (status) {
    case OcspCertStatus::kGood: return "good";
    case OcspCertStatus::kRevoked: return "revoked";
    case OcspCertStatus::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view CrlReasonName(CrlReason reason) {
  switch (reason) {
    case CrlReason::kUnspecified: return "unspecified";
    case CrlReason::kKeyCompromise: return "keyCompromise";
    case CrlReason::kCaCompromise: return "cACompromise";
    case CrlReason::kAffiliationChanged: return "affiliationChanged";
    case CrlReason::kSuperseded: return "superseded";
    case CrlReason::kCessationOfOperation: return "cessationOfOperation";
    case CrlReason::kCertificateHold: return "certificateHold";
    case CrlReason::kRemoveFromCrl: return "removeFromCRL";
    case CrlReason::kPrivilegeWithdrawn: return "privilegeWithdrawn";
    case CrlReason::kAaCompromise: return "aACompromise";
  }
  return "unspecified";
}

std::string_view OcspSourceName(OcspSource source) {
  switch (source) {
    case OcspSource::kResponder: return "responder";
    case OcspSource::kFile: return "file";
    case OcspSource::kCache: return "cache";
    case OcspSource::kDisabled: return "disabled";
    case OcspSource::kNoResponseFile: return "no-response-file";
  }
  return "disabled";
}

Status OcspResult::RequireGood(bool allow_certificate_hold) const {
  switch (status) {
    case OcspCertStatus::kGood:
      return OkStatus();
    case OcspCertStatus::kRevoked:
      if (revocation_reason == CrlReason::kCertificateHold) {
        if (allow_certificate_hold) return OkStatus();
        return Fail(Errc::kRevoked, "ocsp: certificate on hold (certificateHold)");
      }
      return Fail(Errc::kRevoked, "ocsp: certificate revoked");
    case OcspCertStatus::kUnknown:
      break;
  }
  return Fail(Errc::kOcspInvalid, "ocsp: certificate status unknown");
}

// ---------------------------------------------------------------- target

struct OcspTarget::Impl {
  X509Ptr cert;
  X509Ptr issuer;
  std::string serial_hex;
  std::string issuer_key_sha1_hex;
};

Result<OcspTarget> OcspTarget::Create(ByteSpan cert_der, ByteSpan issuer_der) {
  auto impl = std::make_shared<Impl>();
  CCGPU_ASSIGN_OR_RETURN(impl->cert, ParseCertDer(cert_der, "ocsp: certificate is not DER X.509"));
  CCGPU_ASSIGN_OR_RETURN(impl->issuer, ParseCertDer(issuer_der, "ocsp: issuer is not DER X.509"));
  if (X509_NAME_cmp(X509_get_issuer_name(impl->cert.get()),
                    X509_get_subject_name(impl->issuer.get())) != 0) {
    return Fail(Errc::kInvalidArgument,
                "ocsp: the issuer's subject is not the certificate's issuer name");
  }
  impl->serial_hex = SerialHex(X509_get0_serialNumber(impl->cert.get()));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_pubkey_digest(impl->issuer.get(), EVP_sha1(), md, &md_len) != 1) {
    ERR_clear_error();
    return Fail(Errc::kCryptoFailure, "ocsp: cannot hash the issuer key");
  }
  impl->issuer_key_sha1_hex = HexEncode(ByteSpan(md, md_len));
  return OcspTarget(std::move(impl));
}

Result<OcspTarget> OcspTarget::Create(const Certificate& cert, const Certificate& issuer) {
  const Bytes cert_der = cert.Der();
  const Bytes issuer_der = issuer.Der();
  return Create(ByteSpan(cert_der), ByteSpan(issuer_der));
}

const std::string& OcspTarget::serial_hex() const { return impl_->serial_hex; }
const std::string& OcspTarget::issuer_key_sha1_hex() const { return impl_->issuer_key_sha1_hex; }
std::string OcspTarget::CacheKey() const {
  return impl_->issuer_key_sha1_hex + ":" + impl_->serial_hex;
}
std::vector<std::string> OcspTarget::ResponseFileNames() const {
  return {impl_->issuer_key_sha1_hex + "_" + impl_->serial_hex + ".der",
          impl_->serial_hex + ".der"};
}

// ---------------------------------------------------------------- request

Result<OcspRequest> OcspRequest::Create(const OcspTarget& target,
                                        const OcspRequestOptions& options) {
  if (options.nonce_size > 128) {
    return Fail(Errc::kInvalidArgument, "ocsp: nonce longer than 128 bytes");
  }
  OcspRequestPtr req(OCSP_REQUEST_new());
  if (!req) return Fail(Errc::kCryptoFailure, "ocsp: OCSP_REQUEST_new failed");
  OCSP_CERTID* id = OCSP_cert_to_id(CertIdDigest(options.cert_id_hash),
                                    target.impl().cert.get(), target.impl().issuer.get());
  if (id == nullptr) {
    ERR_clear_error();
    return Fail(Errc::kCryptoFailure, "ocsp: cannot build the CertID");
  }
  if (OCSP_request_add0_id(req.get(), id) == nullptr) {  // takes `id` on success
    OCSP_CERTID_free(id);
    ERR_clear_error();
    return Fail(Errc::kCryptoFailure, "ocsp: cannot add the CertID");
  }
  Bytes nonce(options.nonce_size);
  if (!nonce.empty()) {
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
      ERR_clear_error();
      return Fail(Errc::kRngFailure, "ocsp: no random bytes for the nonce");
    }
    // RFC 6960 §4.4.1 / RFC 8954: extnValue = OCTET STRING (nonce).
    if (OCSP_request_add1_nonce(req.get(), nonce.data(), static_cast<int>(nonce.size())) != 1) {
      ERR_clear_error();
      return Fail(Errc::kCryptoFailure, "ocsp: cannot add the nonce");
    }
  }
  const int len = i2d_OCSP_REQUEST(req.get(), nullptr);
  if (len <= 0) {
    ERR_clear_error();
    return Fail(Errc::kCryptoFailure, "ocsp: cannot encode the request");
  }
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* out = der.data();
  if (i2d_OCSP_REQUEST(req.get(), &out) != len) {
    ERR_clear_error();
    return Fail(Errc::kCryptoFailure, "ocsp: cannot encode the request");
  }
  return OcspRequest(target, std::move(der), std::move(nonce));
}

// ---------------------------------------------------------------- verify

Result<OcspResult> VerifyOcspResponse(ByteSpan response_der, const OcspTarget& target,
                                      const OcspRequest* request, TimePoint at,
                                      const OcspVerifyOptions& options, OcspSource source) {
  CCGPU_ASSIGN_OR_RETURN(OcspResponsePtr resp, ParseResponse(response_der));
  CCGPU_ASSIGN_OR_RETURN(OcspBasicPtr bs, GetBasic(resp.get(), response_der));
  X509* cert = target.impl().cert.get();
  X509* issuer = target.impl().issuer.get();

  OcspResult result;
  result.source = source;
  result.serial_hex = target.serial_hex();
  CCGPU_TRY(VerifySigner(bs.get(), issuer, at, &result.responder_is_issuer,
                         &result.responder_name));

  // Nonce (RFC 6960 §4.4.1): the response must echo the request's.
  if (request != nullptr && !request->nonce().empty()) {
    auto got = BasicNonceExtValue(bs.get());
    if (!got) {
      if (options.require_nonce) {
        return Fail(Errc::kOcspInvalid,
                    "ocsp response: no nonce although the request carried one");
      }
    } else {
      if (NonceFromExtValue(*got) != request->nonce()) {
        return Fail(Errc::kOcspInvalid, "ocsp response: nonce does not match the request");
      }
      result.nonce_checked = true;
    }
  }

  // Find the SingleResponse for our CertID, whatever hash the responder used.
  OCSP_SINGLERESP* single = nullptr;
  const int count = OCSP_resp_count(bs.get());
  for (int i = 0; i < count && single == nullptr; ++i) {
    OCSP_SINGLERESP* candidate = OCSP_resp_get0(bs.get(), i);
    if (candidate == nullptr) continue;
    const OCSP_CERTID* cid = OCSP_SINGLERESP_get0_id(candidate);
    ASN1_OBJECT* md_obj = nullptr;
    if (cid == nullptr ||
        OCSP_id_get0_info(nullptr, &md_obj, nullptr, nullptr, const_cast<OCSP_CERTID*>(cid)) != 1) {
      continue;
    }
    const EVP_MD* md = EVP_get_digestbyobj(md_obj);
    if (md == nullptr) continue;
    OcspCertIdPtr ours(OCSP_cert_to_id(md, cert, issuer));
    if (ours && OCSP_id_cmp(ours.get(), cid) == 0) single = candidate;
  }
  ERR_clear_error();
  if (single == nullptr) {
    return Fail(Errc::kOcspInvalid,
                "ocsp response: no SingleResponse for this certificate (CertID mismatch)");
  }

  int reason = -1;
  ASN1_GENERALIZEDTIME* revtime = nullptr;
  ASN1_GENERALIZEDTIME* thisupd = nullptr;
  ASN1_GENERALIZEDTIME* nextupd = nullptr;
  const int status = OCSP_single_get0_status(single, &reason, &revtime, &thisupd, &nextupd);
  if (status < 0) {
    ERR_clear_error();
    return Fail(Errc::kOcspInvalid, "ocsp response: unreadable certStatus");
  }
  result.status = StatusFromInt(status);
  result.this_update = ToTimePoint(thisupd);
  result.next_update = ToTimePoint(nextupd);
  result.produced_at = ToTimePoint(OCSP_resp_get0_produced_at(bs.get()));
  if (!result.this_update) {
    return Fail(Errc::kOcspInvalid, "ocsp response: thisUpdate missing or malformed");
  }
  if (nextupd != nullptr && !result.next_update) {
    return Fail(Errc::kOcspInvalid, "ocsp response: nextUpdate malformed");
  }
  if (result.status == OcspCertStatus::kRevoked) {
    result.revocation_time = ToTimePoint(revtime);
    if (!result.revocation_time) {
      return Fail(Errc::kOcspInvalid, "ocsp response: revocationTime missing or malformed");
    }
    if (reason >= 0) {
      result.revocation_reason = ReasonFromInt(reason);
      if (!result.revocation_reason) {
        return Fail(Errc::kOcspInvalid, "ocsp response: revocationReason value not defined");
      }
    }
  }

  // Freshness (RFC 6960 §4.2.2.1, §3.2 item 5): thisUpdate <= now <= nextUpdate.
  if (*result.this_update > at + options.max_skew) {
    return Fail(Errc::kOcspInvalid, "ocsp response: thisUpdate is in the future");
  }
  if (result.next_update) {
    if (*result.next_update < *result.this_update) {
      return Fail(Errc::kOcspInvalid, "ocsp response: nextUpdate is before thisUpdate");
    }
    if (*result.next_update + options.max_skew < at) {
      return Fail(Errc::kOcspInvalid, "ocsp response: expired (nextUpdate has passed)");
    }
  } else if (*result.this_update + options.max_age_without_next_update + options.max_skew < at) {
    return Fail(Errc::kOcspInvalid,
                "ocsp response: too old (no nextUpdate and thisUpdate past the maximum age)");
  }

  result.response_valid = true;
  switch (result.status) {
    case OcspCertStatus::kGood: result.detail = "responder says good"; break;
    case OcspCertStatus::kRevoked:
      result.detail = std::string("responder says revoked (") +
                      std::string(result.revocation_reason
                                      ? CrlReasonName(*result.revocation_reason)
                                      : "no reason given") + ")";
      break;
    case OcspCertStatus::kUnknown: result.detail = "responder does not know the certificate"; break;
  }
  return result;
}

// ---------------------------------------------------------------- inspect

Result<OcspResponseInfo> InspectOcspResponse(ByteSpan response_der) {
  CCGPU_ASSIGN_OR_RETURN(OcspResponsePtr resp, ParseResponse(response_der));
  OcspResponseInfo info;
  info.response_status = OCSP_response_status(resp.get());
  if (info.response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL) return info;
  OcspBasicPtr bs(OCSP_response_get1_basic(resp.get()));
  if (!bs) {
    ERR_clear_error();
    return info;
  }
  info.basic = true;
  info.produced_at = ToTimePoint(OCSP_resp_get0_produced_at(bs.get()));
  const ASN1_OCTET_STRING* key_id = nullptr;
  const X509_NAME* name = nullptr;
  if (OCSP_resp_get0_id(bs.get(), &key_id, &name) == 1) {
    if (name != nullptr) {
      info.responder_id = "name:" + NameRfc2253(name);
    } else if (key_id != nullptr) {
      info.responder_id = "key:" + HexEncode(StringBytes(key_id));
    }
  }
  const STACK_OF(X509)* certs = OCSP_resp_get0_certs(bs.get());
  const int ncerts = certs != nullptr ? sk_X509_num(certs) : 0;
  info.certificate_count = ncerts > 0 ? static_cast<std::size_t>(ncerts) : 0;
  if (auto ext = BasicNonceExtValue(bs.get())) {
    info.has_nonce = true;
    info.nonce = NonceFromExtValue(*ext);
  }
  const int count = OCSP_resp_count(bs.get());
  for (int i = 0; i < count; ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(bs.get(), i);
    if (single == nullptr) continue;
    OcspResponseInfo::Single s;
    const OCSP_CERTID* cid = OCSP_SINGLERESP_get0_id(single);
    ASN1_OBJECT* md_obj = nullptr;
    ASN1_INTEGER* serial = nullptr;
    if (cid != nullptr &&
        OCSP_id_get0_info(nullptr, &md_obj, nullptr, &serial, const_cast<OCSP_CERTID*>(cid)) == 1) {
      s.serial_hex = SerialHex(serial);
      const int nid = OBJ_obj2nid(md_obj);
      const char* sn = nid != NID_undef ? OBJ_nid2sn(nid) : nullptr;
      s.cert_id_hash = sn != nullptr ? sn : "unknown";
    }
    int reason = -1;
    ASN1_GENERALIZEDTIME* revtime = nullptr;
    ASN1_GENERALIZEDTIME* thisupd = nullptr;
    ASN1_GENERALIZEDTIME* nextupd = nullptr;
    const int st = OCSP_single_get0_status(single, &reason, &revtime, &thisupd, &nextupd);
    s.status = StatusFromInt(st);
    if (reason >= 0) s.revocation_reason = ReasonFromInt(reason);
    s.this_update = ToTimePoint(thisupd);
    s.next_update = ToTimePoint(nextupd);
    info.responses.push_back(std::move(s));
  }
  ERR_clear_error();
  return info;
}

// ---------------------------------------------------------------- HTTP

namespace {

struct ParsedUrl {
  std::string host, port, path;
};

Result<ParsedUrl> ParseHttpUrl(const std::string& url) {
  if (url.empty() || url.size() > 2048) return Fail(Errc::kInvalidArgument, "ocsp: empty or overlong URL");
  int ssl = 0;
  char* host = nullptr;
  char* port = nullptr;
  char* path = nullptr;
  if (OSSL_HTTP_parse_url(url.c_str(), &ssl, nullptr, &host, &port, nullptr, &path, nullptr,
                          nullptr) != 1) {
    ERR_clear_error();
    return Fail(Errc::kInvalidArgument, "ocsp: URL is not http://host[:port][/path]");
  }
  CStringPtr host_p(host), port_p(port), path_p(path);
  if (ssl != 0) {
    return Fail(Errc::kInvalidArgument, "ocsp: https responder URLs are not supported (use http)");
  }
  if (url.rfind("http://", 0) != 0) {
    return Fail(Errc::kInvalidArgument, "ocsp: URL is not http://host[:port][/path]");
  }
  // (An empty path becomes "/" here, not by assigning afterwards: GCC 12 -O2
  // reports a false -Wrestrict on std::string assignment of a literal.)
  ParsedUrl out{host ? host : "", port ? port : "80", (path && path[0]) ? path : "/"};
  if (out.host.empty()) return Fail(Errc::kInvalidArgument, "ocsp: URL has no host");
  return out;
}

// Maps one OpenSSL error to a transport error, or nullopt if it is generic.
std::optional<Error> MapHttpError(unsigned long e) {
  const int lib = ERR_GET_LIB(e);
  const int reason = ERR_GET_REASON(e);
  if (lib == ERR_LIB_HTTP) {
    switch (reason) {
      case HTTP_R_RETRY_TIMEOUT:
        return Error{Errc::kTimeout, "ocsp http: responder did not answer in time"};
      case HTTP_R_RECEIVED_ERROR:
      case HTTP_R_STATUS_CODE_UNSUPPORTED:
        return Error{Errc::kIo, "ocsp http: responder answered a non-2xx status"};
      case HTTP_R_UNEXPECTED_CONTENT_TYPE:
      case HTTP_R_MISSING_CONTENT_TYPE:
        return Error{Errc::kOcspInvalid,
                     "ocsp http: response content type is not application/ocsp-response"};
      case HTTP_R_MAX_RESP_LEN_EXCEEDED:
      case HTTP_R_ASN1_LEN_EXCEEDS_MAX_RESP_LEN:
        return Error{Errc::kResourceExhausted, "ocsp http: response body larger than 256 KiB"};
      case HTTP_R_RESPONSE_PARSE_ERROR:
      case HTTP_R_HEADER_PARSE_ERROR:
      case HTTP_R_RESPONSE_LINE_TOO_LONG:
      case HTTP_R_RECEIVED_WRONG_HTTP_VERSION:
      case HTTP_R_ERROR_PARSING_CONTENT_LENGTH:
      case HTTP_R_INCONSISTENT_CONTENT_LENGTH:
      case HTTP_R_ERROR_PARSING_ASN1_LENGTH:
      case HTTP_R_MISSING_ASN1_ENCODING:
        return Error{Errc::kIo, "ocsp http: malformed HTTP response"};
      case HTTP_R_SERVER_CANCELED_CONNECTION:
        return Error{Errc::kIo, "ocsp http: responder closed the connection"};
      default:
        return std::nullopt;
    }
  }
  if (lib == ERR_LIB_BIO &&
      (reason == BIO_R_TRANSFER_TIMEOUT || reason == BIO_R_CONNECT_TIMEOUT)) {
    return Error{Errc::kTimeout, "ocsp http: responder did not answer in time"};
  }
  return std::nullopt;
}

// The most specific error on OpenSSL's queue (which it then clears).
Error HttpError() {
  std::optional<Error> found;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    if (!found) found = MapHttpError(e);
  }
  return found ? *found : Error{Errc::kIo, "ocsp http: exchange with the responder failed"};
}

// Blocks SIGPIPE in this thread while alive, so that writing to a socket the
// peer closed fails with EPIPE instead of killing the process; a SIGPIPE
// raised meanwhile is consumed before the old mask comes back.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  }
  ~SigpipeGuard() {
    if (!blocked_) return;
    sigset_t pending;
    sigemptyset(&pending);
    if (!was_pending_ && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{0, 0};
      (void)sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
  bool blocked_ = false;
};

// Connects a non-blocking TCP socket to host:port within `timeout`.
// (OpenSSL's own connect retries a refused connection until its timeout; a
// refused connection should fail at once.)
Result<int> ConnectTcp(const std::string& host, const std::string& port,
                       std::chrono::steady_clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &list) != 0 || list == nullptr) {
    return Fail(Errc::kIo, "ocsp http: cannot resolve the responder host");
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(list, freeaddrinfo);
  bool timed_out = false;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return fd;
    if (errno == EINPROGRESS) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLOUT, 0};
      const int n = left.count() > 0 ? poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (n == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) return fd;
      } else if (n == 0) {
        timed_out = true;
      }
    }
    close(fd);
  }
  if (timed_out) return Fail(Errc::kTimeout, "ocsp http: connecting to the responder timed out");
  return Fail(Errc::kIo, "ocsp http: cannot connect to the responder");
}

}  // namespace

Result<Bytes> OcspHttpPost(const std::string& url, ByteSpan request_der,
                           std::chrono::seconds timeout) {
  CCGPU_ASSIGN_OR_RETURN(ParsedUrl u, ParseHttpUrl(url));
  if (request_der.empty() || request_der.size() > 1u << 20) {
    return Fail(Errc::kInvalidArgument, "ocsp http: request empty or larger than 1 MiB");
  }
  if (timeout.count() <= 0 || timeout.count() > 3600) {
    return Fail(Errc::kInvalidArgument, "ocsp http: timeout must be 1..3600 s");
  }
  BioPtr req(BIO_new_mem_buf(request_der.data(), static_cast<int>(request_der.size())));
  if (!req) return Fail(Errc::kCryptoFailure, "ocsp http: BIO_new_mem_buf failed");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const SigpipeGuard no_sigpipe;
  CCGPU_ASSIGN_OR_RETURN(const int fd, ConnectTcp(u.host, u.port, deadline));
  BioPtr conn(BIO_new_socket(fd, BIO_CLOSE));
  if (!conn) {
    close(fd);
    return Fail(Errc::kCryptoFailure, "ocsp http: BIO_new_socket failed");
  }
  ERR_clear_error();
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(
      deadline - std::chrono::steady_clock::now());
  // Our connected socket for both directions (so OpenSSL does not try to
  // connect it again); no proxy; one exchange, no keep-alive.
  BioPtr body(OSSL_HTTP_transfer(
      nullptr, u.host.c_str(), u.port.c_str(), u.path.c_str(), /*use_ssl=*/0,
      /*proxy=*/nullptr, /*no_proxy=*/nullptr, /*bio=*/conn.get(), /*rbio=*/conn.get(),
      /*bio_update_fn=*/nullptr, /*arg=*/nullptr, /*buf_size=*/0, /*headers=*/nullptr,
      "application/ocsp-request", req.get(), "application/ocsp-response",
      /*expect_asn1=*/1, /*max_resp_len=*/256 * 1024,
      static_cast<int>(std::max<int64_t>(1, left.count())), /*keep_alive=*/0));
  if (!body) return tl::unexpected<Error>(HttpError());
  Bytes out;
  unsigned char buf[4096];
  for (;;) {
    const int n = BIO_read(body.get(), buf, sizeof buf);
    if (n <= 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > 256 * 1024) {
      return Fail(Errc::kResourceExhausted, "ocsp http: response body larger than 256 KiB");
    }
  }
  ERR_clear_error();
  if (out.empty()) return Fail(Errc::kIo, "ocsp http: empty response body");
  return out;
}

// ---------------------------------------------------------------- client

struct OcspClient::State {
  OcspMode mode = OcspMode::kOff;
  std::string location;
  OcspClientOptions options;

  struct Entry {
    OcspResult result;
    TimePoint expires;
  };
  mutable std::mutex mu;
  std::map<std::string, Entry> cache;  // guarded by mu
  Stats stats;                         // guarded by mu (cache_entries computed)
};

Result<OcspClient> OcspClient::Online(std::string url, OcspClientOptions options) {
  CCGPU_TRY(ParseHttpUrl(url));
  auto s = std::make_shared<State>();
  s->mode = OcspMode::kOnline;
  s->location = std::move(url);
  s->options = std::move(options);
  return OcspClient(std::move(s));
}

Result<OcspClient> OcspClient::Offline(std::string dir, OcspClientOptions options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Fail(Errc::kNotFound, "ocsp: offline response directory does not exist");
  }
  auto s = std::make_shared<State>();
  s->mode = OcspMode::kOffline;
  s->location = std::move(dir);
  s->options = std::move(options);
  return OcspClient(std::move(s));
}

OcspClient OcspClient::Off() { return OcspClient(std::make_shared<State>()); }

Result<OcspClient> OcspClient::FromSpec(std::string_view spec, OcspClientOptions options) {
  if (spec == "off") return Off();
  if (spec.rfind("offline:", 0) == 0 || spec.rfind("offline=", 0) == 0) {
    return Offline(std::string(spec.substr(8)), std::move(options));
  }
  if (spec.rfind("http://", 0) == 0 || spec.rfind("https://", 0) == 0) {
    return Online(std::string(spec), std::move(options));
  }
  return Fail(Errc::kInvalidArgument,
              "ocsp: mode must be off, offline:DIR or an http:// responder URL");
}

OcspMode OcspClient::mode() const { return state_->mode; }
const std::string& OcspClient::location() const { return state_->location; }

OcspClient::Stats OcspClient::stats() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  Stats s = state_->stats;
  s.cache_entries = state_->cache.size();
  return s;
}

void OcspClient::ClearCache() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->cache.clear();
}

Result<OcspResult> OcspClient::Check(ByteSpan cert_der, ByteSpan issuer_der,
                                     const Clock& clock) const {
  CCGPU_ASSIGN_OR_RETURN(OcspTarget target, OcspTarget::Create(cert_der, issuer_der));
  return Check(target, clock);
}

Result<OcspResult> OcspClient::Check(const Certificate& cert, const Certificate& issuer,
                                     const Clock& clock) const {
  CCGPU_ASSIGN_OR_RETURN(OcspTarget target, OcspTarget::Create(cert, issuer));
  return Check(target, clock);
}

namespace {

Result<Bytes> ReadSmallFile(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Fail(Errc::kIo, "ocsp: cannot read the response file");
  if (size > (1u << 20)) return Fail(Errc::kOcspInvalid, "ocsp: response file larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Errc::kIo, "ocsp: cannot open the response file");
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Fail(Errc::kIo, "ocsp: cannot read the response file");
  return data;
}

Status WriteFileAtomically(const std::filesystem::path& path, ByteSpan data) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Fail(Errc::kIo, "ocsp: cannot create the record file");
    out.write(reinterpret_cast<const char*>(data.data()),  // NOLINT: byte -> char view
              static_cast<std::streamsize>(data.size()));
    if (!out) return Fail(Errc::kIo, "ocsp: cannot write the record file");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Fail(Errc::kIo, "ocsp: cannot rename the record file");
  return OkStatus();
}

}  // namespace

Result<OcspResult> OcspClient::Check(const OcspTarget& target, const Clock& clock) const {
  State& s = *state_;
  if (s.mode == OcspMode::kOff) {
    OcspResult r;
    r.source = OcspSource::kDisabled;
    r.serial_hex = target.serial_hex();
    r.detail = "OCSP checking is off";
    return r;
  }
  const TimePoint now = clock.Now();
  const std::string key = target.CacheKey();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.cache.find(key);
    if (it != s.cache.end()) {
      if (now <= it->second.expires) {
        ++s.stats.cache_hits;
        OcspResult r = it->second.result;
        r.source = OcspSource::kCache;
        return r;
      }
      s.cache.erase(it);
    }
  }

  Result<OcspResult> verified = Fail(Errc::kOcspInvalid, "ocsp: unreachable");
  if (s.mode == OcspMode::kOnline) {
    CCGPU_ASSIGN_OR_RETURN(OcspRequest request, OcspRequest::Create(target, s.options.request));
    {
      std::lock_guard<std::mutex> lock(s.mu);
      ++s.stats.responder_contacts;
    }
    CCGPU_ASSIGN_OR_RETURN(Bytes body, OcspHttpPost(s.location, request.der(), s.options.timeout));
    verified = VerifyOcspResponse(body, target, &request, now, s.options.verify,
                                  OcspSource::kResponder);
    if (verified && !s.options.record_dir.empty()) {
      CCGPU_TRY(WriteFileAtomically(
          std::filesystem::path(s.options.record_dir) / target.ResponseFileNames().front(), body));
    }
  } else {
    std::optional<std::filesystem::path> found;
    for (const std::string& name : target.ResponseFileNames()) {
      std::filesystem::path p = std::filesystem::path(s.location) / name;
      std::error_code ec;
      if (std::filesystem::is_regular_file(p, ec)) {
        found = std::move(p);
        break;
      }
    }
    if (!found) {
      OcspResult r;
      r.source = OcspSource::kNoResponseFile;
      r.serial_hex = target.serial_hex();
      r.detail = "no offline OCSP response file for this certificate";
      return r;
    }
    CCGPU_ASSIGN_OR_RETURN(Bytes body, ReadSmallFile(*found));
    {
      std::lock_guard<std::mutex> lock(s.mu);
      ++s.stats.files_read;
    }
    verified = VerifyOcspResponse(body, target, nullptr, now, s.options.verify, OcspSource::kFile);
  }
  if (!verified) return verified;

  // Cache until nextUpdate (or thisUpdate + default_ttl).
  const TimePoint expires = verified->next_update
                                ? *verified->next_update
                                : *verified->this_update + s.options.default_ttl;
  if (s.options.cache_capacity > 0 && now <= expires) {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.cache.size() >= s.options.cache_capacity && s.cache.find(key) == s.cache.end()) {
      auto victim = std::min_element(s.cache.begin(), s.cache.end(), [](const auto& a, const auto& b) {
        return a.second.expires < b.second.expires;
      });
      if (victim != s.cache.end()) s.cache.erase(victim);
    }
    s.cache[key] = State::Entry{*verified, expires};
  }
  return verified;
}

}  // namespace ccgpu::crypto
