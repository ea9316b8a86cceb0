#include "crypto/x509.h"

#include <chrono>
#include <algorithm>
#include <cstring>
#include <ctime>
#include <mutex>

#include <openssl/objects.h>
#include <openssl/pem.h>

#include "crypto/ossl.h"

namespace ccgpu::crypto {

struct CertificateData {
  OsslPtr<X509> x509;
  Bytes der;
  std::string common_name;
  Bytes serial;
  TimePoint not_before;
  TimePoint not_after;
  // Display-only fields, made on first use (a cold verification never reads
  // them for most certificates): RFC 2253 subject/issuer, decimal serial,
  // first OCSP URL. `text_once` guards them; after it they never change.
  struct Text {
    std::string subject;
    std::string issuer;
    std::string serial_decimal;
    std::optional<std::string> ocsp_url;
  };
  mutable std::once_flag text_once;
  mutable Text text;
  const Text& GetText() const;
};

namespace {

Result<std::string> NameText(const X509_NAME* name) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    return OsslFail(Errc::kBadCertificate, "x509: name does not print");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len < 0 || (len > 0 && data == nullptr)) {
    return OsslFail(Errc::kCryptoFailure, "x509: BIO_get_mem_data");
  }
  return std::string(data, static_cast<std::size_t>(len));
}

Result<std::string> CommonNameOf(const X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return std::string();
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
  const ASN1_STRING* value = entry ? X509_NAME_ENTRY_get_data(entry) : nullptr;
  unsigned char* utf8 = nullptr;
  const int len = value ? ASN1_STRING_to_UTF8(&utf8, value) : -1;
  if (len < 0 || utf8 == nullptr) {
    return OsslFail(Errc::kBadCertificate, "x509: commonName is not a string");
  }
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

Result<TimePoint> TimeOf(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return OsslFail(Errc::kBadCertificate, "x509: validity time does not parse");
  }
  using namespace std::chrono;
  const year_month_day ymd{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                           day{static_cast<unsigned>(tm.tm_mday)}};
  if (!ymd.ok()) return Fail(Errc::kBadCertificate, "x509: validity date is invalid");
  return TimePoint(sys_days(ymd).time_since_epoch() + hours(tm.tm_hour) +
                   minutes(tm.tm_min) + seconds(tm.tm_sec));
}

// Fills the eagerly cached fields of `data` from its X509 object (those a
// verification uses and whose failure rejects the certificate).
Status Fill(CertificateData& data) {
  X509* x = data.x509.get();
  CCGPU_ASSIGN_OR_RETURN(data.common_name, CommonNameOf(X509_get_subject_name(x)));
  CCGPU_ASSIGN_OR_RETURN(data.not_before, TimeOf(X509_get0_notBefore(x)));
  CCGPU_ASSIGN_OR_RETURN(data.not_after, TimeOf(X509_get0_notAfter(x)));
  const ASN1_INTEGER* serial_asn1 = X509_get0_serialNumber(x);
  OsslPtr<BIGNUM> serial(ASN1_INTEGER_to_BN(serial_asn1, nullptr));
  if (!serial) return OsslFail(Errc::kBadCertificate, "x509: serial number");
  data.serial.resize(static_cast<std::size_t>(BN_num_bytes(serial.get())));
  if (BN_bn2bin(serial.get(), data.serial.data()) != static_cast<int>(data.serial.size())) {
    return OsslFail(Errc::kCryptoFailure, "x509: BN_bn2bin");
  }
  ERR_clear_error();  // lookups of absent extensions may leave errors queued
  return OkStatus();
}

}  // namespace

const CertificateData::Text& CertificateData::GetText() const {
  std::call_once(text_once, [this] {
    ERR_set_mark();  // leave the caller's OpenSSL error queue as it was
    X509* x = x509.get();
    // Printing a parsed name or a parsed serial only fails when memory runs
    // out; the field is then left empty.
    if (auto s = NameText(X509_get_subject_name(x))) text.subject = *std::move(s);
    if (auto s = NameText(X509_get_issuer_name(x))) text.issuer = *std::move(s);
    OsslPtr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr));
    if (char* dec = bn ? BN_bn2dec(bn.get()) : nullptr) {
      text.serial_decimal = dec;
      OPENSSL_free(dec);
    }
    OsslPtr<STACK_OF(OPENSSL_STRING)> ocsp(X509_get1_ocsp(x));
    if (ocsp && sk_OPENSSL_STRING_num(ocsp.get()) > 0) {
      text.ocsp_url = std::string(sk_OPENSSL_STRING_value(ocsp.get(), 0));
    }
    ERR_pop_to_mark();
  });
  return text;
}

namespace {

// Parses one DER certificate at the start of `der`; *consumed says how many
// bytes it took.
Result<std::shared_ptr<const CertificateData>> ParseOne(ByteSpan der, std::size_t* consumed) {
  if (der.empty() || der.size() > static_cast<std::size_t>(INT32_MAX)) {
    return Fail(Errc::kBadCertificate, "x509: certificate is empty or too long");
  }
  const unsigned char* p = der.data();
  OsslPtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return OsslFail(Errc::kBadCertificate, "x509: certificate does not parse");
  *consumed = static_cast<std::size_t>(p - der.data());
  auto data = std::make_shared<CertificateData>();
  data->x509 = std::move(x);
  data->der.assign(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(*consumed));
  CCGPU_TRY(Fill(*data));
  return std::shared_ptr<const CertificateData>(std::move(data));
}

// Reads the PEM blocks of `pem`, handing each CERTIFICATE's DER to `sink`.
// Stops after the first block when `first_only`. Returns how many it read.
template <typename Sink>
Result<std::size_t> ReadPemCertificates(std::string_view pem, bool first_only, Sink sink) {
  if (pem.size() > static_cast<std::size_t>(INT32_MAX)) {
    return Fail(Errc::kInvalidPem, "x509: PEM text too long");
  }
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OsslFail(Errc::kCryptoFailure, "x509: BIO_new_mem_buf");
  std::size_t count = 0;
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* body = nullptr;
    long len = 0;
    ERR_clear_error();
    const int ok = PEM_read_bio(bio.get(), &name, &header, &body, &len);
    if (ok != 1) {
      const unsigned long err = ERR_peek_last_error();
      const bool no_more = ERR_GET_LIB(err) == ERR_LIB_PEM &&
                           ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
      ERR_clear_error();
      if (no_more && count > 0) return count;
      return Fail(Errc::kInvalidPem,
                  no_more ? "x509: no CERTIFICATE PEM block" : "x509: damaged PEM block");
    }
    const bool is_cert = std::strcmp(name, PEM_STRING_X509) == 0;
    Bytes der(body, body + len);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(body);
    if (!is_cert) return Fail(Errc::kInvalidPem, "x509: PEM block is not a CERTIFICATE");
    CCGPU_TRY(sink(der));
    ++count;
    if (first_only) return count;
  }
}

}  // namespace

Result<Certificate> Certificate::FromDer(ByteSpan der) {
  std::size_t consumed = 0;
  CCGPU_ASSIGN_OR_RETURN(auto data, ParseOne(der, &consumed));
  if (consumed != der.size()) {
    return Fail(Errc::kBadCertificate, "x509: bytes follow the certificate");
  }
  return Certificate(std::move(data));
}

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  std::optional<Certificate> cert;
  CCGPU_TRY(ReadPemCertificates(pem, true, [&](ByteSpan der) -> Status {
    CCGPU_ASSIGN_OR_RETURN(Certificate c, FromDer(der));
    cert.emplace(std::move(c));
    return OkStatus();
  }));
  CCGPU_CHECK(cert.has_value());
  return *std::move(cert);
}

Result<std::vector<Certificate>> Certificate::ParsePemChain(std::string_view pem) {
  std::vector<Certificate> chain;
  CCGPU_TRY(ReadPemCertificates(pem, false, [&](ByteSpan der) -> Status {
    CCGPU_ASSIGN_OR_RETURN(Certificate c, FromDer(der));
    chain.push_back(std::move(c));
    return OkStatus();
  }));
  return chain;
}

Result<std::vector<Certificate>> Certificate::ParsePemChain(std::string_view pem,
                                                           CertificatePool* pool) {
  if (pool == nullptr) return ParsePemChain(pem);
  std::vector<Certificate> chain;
  CCGPU_TRY(ReadPemCertificates(pem, false, [&](ByteSpan der) -> Status {
    CCGPU_ASSIGN_OR_RETURN(Certificate c, pool->FromDer(der));
    chain.push_back(std::move(c));
    return OkStatus();
  }));
  return chain;
}

Result<std::vector<Certificate>> Certificate::ParseDerChain(ByteSpan concatenated_der) {
  if (concatenated_der.empty()) {
    return Fail(Errc::kBadCertificate, "x509: empty certificate chain");
  }
  std::vector<Certificate> chain;
  while (!concatenated_der.empty()) {
    std::size_t consumed = 0;
    CCGPU_ASSIGN_OR_RETURN(auto data, ParseOne(concatenated_der, &consumed));
    chain.push_back(Certificate(std::move(data)));
    concatenated_der = concatenated_der.subspan(consumed);
  }
  return chain;
}

namespace {

// The length of the DER SEQUENCE (tag, length and contents) at the start of
// `der`, from its header alone; nullopt when the header is not a definite
// SEQUENCE header that fits in `der` (then the full parser reports why).
std::optional<std::size_t> DerSequenceSize(ByteSpan der) {
  ByteReader r(der);
  auto tag = r.U8();
  auto first = r.U8();
  if (!tag || !first || *tag != 0x30) return std::nullopt;
  std::size_t len = *first;
  if (*first >= 0x80) {
    const std::size_t n = *first & 0x7Fu;
    if (n == 0 || n > 4) return std::nullopt;  // indefinite or > 4 GiB
    auto bytes = r.Take(n);
    if (!bytes) return std::nullopt;
    len = 0;
    for (uint8_t b : *bytes) len = (len << 8) | b;
  }
  if (len > r.remaining()) return std::nullopt;
  return r.offset() + len;
}

}  // namespace

Result<std::vector<Certificate>> Certificate::ParseDerChain(ByteSpan concatenated_der,
                                                            std::span<const Certificate> known) {
  if (concatenated_der.empty()) {
    return Fail(Errc::kBadCertificate, "x509: empty certificate chain");
  }
  std::vector<Certificate> chain;
  while (!concatenated_der.empty()) {
    const std::optional<std::size_t> size = DerSequenceSize(concatenated_der);
    const Certificate* same = nullptr;
    if (size) {
      const ByteSpan der = concatenated_der.first(*size);
      for (const Certificate& k : known) {
        if (std::equal(der.begin(), der.end(), k.data_->der.begin(), k.data_->der.end())) same = &k;
      }
    }
    if (same != nullptr) {
      chain.push_back(*same);
      concatenated_der = concatenated_der.subspan(*size);
      continue;
    }
    std::size_t consumed = 0;
    CCGPU_ASSIGN_OR_RETURN(auto data, ParseOne(concatenated_der, &consumed));
    chain.push_back(Certificate(std::move(data)));
    concatenated_der = concatenated_der.subspan(consumed);
  }
  return chain;
}

Bytes Certificate::Der() const { return data_->der; }
ByteSpan Certificate::DerView() const { return data_->der; }
std::string Certificate::Subject() const { return data_->GetText().subject; }
std::string Certificate::Issuer() const { return data_->GetText().issuer; }
std::string Certificate::CommonName() const { return data_->common_name; }
Bytes Certificate::SerialNumber() const { return data_->serial; }
std::string Certificate::SerialDecimal() const { return data_->GetText().serial_decimal; }
TimePoint Certificate::NotBefore() const { return data_->not_before; }
TimePoint Certificate::NotAfter() const { return data_->not_after; }
std::optional<std::string> Certificate::OcspUrl() const { return data_->GetText().ocsp_url; }

Result<EcPublicKey> Certificate::PublicKey() const {
  const EVP_PKEY* key = X509_get0_pubkey(data_->x509.get());
  if (key == nullptr) {
    return OsslFail(Errc::kBadCertificate, "x509: subject public key does not parse");
  }
  auto result = EcPublicKey::FromOsslKey(key);
  if (!result && result.error().code == Errc::kBadKey) {
    return Fail(Errc::kUnsupportedAlgorithm, "x509: subject key is not an EC key");
  }
  return result;
}

Result<Bytes> Certificate::Extension(std::string_view dotted_oid) const {
  const std::string oid_text(dotted_oid);
  if (oid_text.empty() || oid_text.find_first_not_of("0123456789.") != std::string::npos) {
    return Fail(Errc::kInvalidArgument, "x509: extension OID is not dotted decimal");
  }
  OsslPtr<ASN1_OBJECT> oid(OBJ_txt2obj(oid_text.c_str(), 1));
  if (!oid) return OsslFail(Errc::kInvalidArgument, "x509: extension OID is not valid");
  const int index = X509_get_ext_by_OBJ(data_->x509.get(), oid.get(), -1);
  if (index < 0) {
    ERR_clear_error();
    return Fail(Errc::kNotFound, "x509: certificate lacks the extension");
  }
  X509_EXTENSION* ext = X509_get_ext(data_->x509.get(), index);
  const ASN1_OCTET_STRING* value = ext ? X509_EXTENSION_get_data(ext) : nullptr;
  if (value == nullptr) return OsslFail(Errc::kBadCertificate, "x509: extension value");
  const unsigned char* p = ASN1_STRING_get0_data(value);
  const int len = ASN1_STRING_length(value);
  if (len < 0 || (len > 0 && p == nullptr)) {
    return OsslFail(Errc::kBadCertificate, "x509: extension value");
  }
  return Bytes(p, p + len);
}

X509* CertificateX509(const Certificate& cert) { return cert.data().x509.get(); }

// ---------------------------------------------------------------- pool

namespace {
std::string_view KeyOf(ByteSpan der) {
  return std::string_view(static_cast<const char*>(static_cast<const void*>(der.data())), der.size());
}
}  // namespace

struct CertificatePool::Entry {
  Certificate cert;
  bool pinned;
};

CertificatePool::CertificatePool(std::size_t capacity) : capacity_(capacity) {}

void CertificatePool::Pin(const Certificate& cert) {
  auto entry = std::make_shared<const Entry>(Entry{cert, true});
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(KeyOf(cert.DerView()));
  if (it != entries_.end()) {
    if (!it->second->pinned) --unpinned_;
    entries_.erase(it);
  }
  entries_.emplace(KeyOf(entry->cert.DerView()), std::move(entry));
}

Result<Certificate> CertificatePool::FromDer(ByteSpan der) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(KeyOf(der));
    if (it != entries_.end()) return it->second->cert;
  }
  // Decoded outside the lock; a concurrent decode of the same bytes gives an
  // identical certificate, and the first one inserted is kept.
  CCGPU_ASSIGN_OR_RETURN(Certificate cert, Certificate::FromDer(der));
  auto entry = std::make_shared<const Entry>(Entry{cert, false});
  std::lock_guard<std::mutex> lock(mu_);
  ++decoded_;
  if (unpinned_ >= capacity_) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second->pinned ? std::next(it) : entries_.erase(it);
    }
    unpinned_ = 0;
  }
  if (capacity_ > 0 && entries_.emplace(KeyOf(entry->cert.DerView()), entry).second) ++unpinned_;
  return cert;
}

void CertificatePool::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second->pinned ? std::next(it) : entries_.erase(it);
  }
  unpinned_ = 0;
}

std::size_t CertificatePool::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

uint64_t CertificatePool::decoded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return decoded_;
}

// ---------------------------------------------------------------- chains

Status VerifyChain(std::span<const Certificate> chain, std::span<const Certificate> roots,
                   const ChainOptions& options, ChainFailure* failure) {
  auto fail = [&](Errc code, const char* context, std::size_t index,
                  std::string reason) -> Status {
    if (failure != nullptr) {
      failure->index = index;
      failure->reason = std::move(reason);
    }
    return OsslFail(code, context);
  };
  if (chain.empty()) return fail(Errc::kChainInvalid, "x509: empty chain", 0, "empty chain");
  if (roots.empty()) {
    return fail(Errc::kChainInvalid, "x509: no trusted roots", chain.size(), "no trusted roots");
  }
  OsslPtr<X509_STORE> store(X509_STORE_new());
  if (!store) return OsslFail(Errc::kCryptoFailure, "x509: X509_STORE_new");
  for (const Certificate& root : roots) {
    if (X509_STORE_add_cert(store.get(), root.data().x509.get()) != 1) {
      // A root given twice is fine; anything else is an internal failure.
      const unsigned long err = ERR_peek_last_error();
      if (ERR_GET_REASON(err) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        return OsslFail(Errc::kCryptoFailure, "x509: X509_STORE_add_cert");
      }
      ERR_clear_error();
    }
  }
  OsslPtr<STACK_OF(X509)> untrusted(sk_X509_new_null());
  if (!untrusted) return OsslFail(Errc::kCryptoFailure, "x509: sk_X509_new_null");
  for (std::size_t i = 1; i < chain.size(); ++i) {
    // The stack borrows: the certificates outlive this call's use of it.
    if (sk_X509_push(untrusted.get(), chain[i].data().x509.get()) <= 0) {
      return OsslFail(Errc::kCryptoFailure, "x509: sk_X509_push");
    }
  }
  OsslPtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), chain[0].data().x509.get(),
                                  untrusted.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "x509: X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  unsigned long flags = X509_V_FLAG_X509_STRICT;
  if (options.check_time) {
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(ToUnixSeconds(options.at)));
  } else {
    flags |= X509_V_FLAG_NO_CHECK_TIME;
  }
  if (options.allow_partial_chain) flags |= X509_V_FLAG_PARTIAL_CHAIN;
  if (X509_VERIFY_PARAM_set_flags(param, flags) != 1) {
    return OsslFail(Errc::kCryptoFailure, "x509: X509_VERIFY_PARAM_set_flags");
  }
  const int rc = X509_verify_cert(ctx.get());
  if (rc == 1) {
    ERR_clear_error();
    return OkStatus();
  }
  const int err = X509_STORE_CTX_get_error(ctx.get());
  // Which input certificate failed: match the failing one by content;
  // otherwise (a trust anchor) chain.size().
  std::size_t index = chain.size();
  if (const X509* bad = X509_STORE_CTX_get_current_cert(ctx.get())) {
    for (std::size_t i = 0; i < chain.size(); ++i) {
      if (X509_cmp(bad, chain[i].data().x509.get()) == 0) {
        index = i;
        break;
      }
    }
  } else {
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    index = depth >= 0 ? std::min(static_cast<std::size_t>(depth), chain.size()) : 0;
  }
  std::string reason = rc < 0 && err == X509_V_OK ? std::string("internal verification error")
                                                   : X509_verify_cert_error_string(err);
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return fail(Errc::kCertExpired, "x509: certificate expired at the verification time",
                  index, std::move(reason));
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return fail(Errc::kCertNotYetValid,
                  "x509: certificate not yet valid at the verification time", index,
                  std::move(reason));
    default:
      return fail(Errc::kChainInvalid, "x509: chain does not verify to a pinned root", index,
                  std::move(reason));
  }
}

}  // namespace ccgpu::crypto
