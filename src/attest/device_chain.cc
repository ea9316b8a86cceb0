#include "attest/device_chain.h"

#include <algorithm>

#include "crypto/hash.h"

namespace ccgpu::attest {
namespace {

constexpr uint8_t kDerSequence = 0x30;
constexpr uint8_t kDerOid = 0x06;
constexpr uint8_t kDerOctetString = 0x04;
constexpr uint8_t kDerConstructed = 0x20;
constexpr int kMaxDerDepth = 8;
// id-sha384, 2.16.840.1.101.3.4.2.2
constexpr uint8_t kSha384Oid[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};

struct DerTlv {
  uint8_t tag;
  ByteSpan value;
};

// One DER TLV (single-byte tags; definite lengths up to 3 length bytes).
Result<DerTlv> ReadTlv(ByteReader& r) {
  CCGPU_ASSIGN_OR_RETURN(uint8_t tag, r.U8("fwid extension: DER tag"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t l0, r.U8("fwid extension: DER length"));
  std::size_t len = l0;
  if (l0 & 0x80) {
    const unsigned n = l0 & 0x7FU;
    if (n == 0 || n > 3) return Fail(Errc::kMalformed, "fwid extension: unsupported DER length");
    len = 0;
    for (unsigned i = 0; i < n; ++i) {
      CCGPU_ASSIGN_OR_RETURN(uint8_t b, r.U8("fwid extension: DER length"));
      len = (len << 8) | b;
    }
  }
  CCGPU_ASSIGN_OR_RETURN(ByteSpan value, r.Take(len, "fwid extension: DER value past end"));
  return DerTlv{tag, value};
}

// Depth-first search for SEQUENCE { OID sha384, OCTET STRING (48) } (the
// DICE FWID shape in both the legacy extension and TcbInfo.fwids).
Result<std::optional<Bytes>> FindSha384Fwid(ByteSpan der, int depth) {
  if (depth > kMaxDerDepth) return Fail(Errc::kMalformed, "fwid extension: DER nested too deep");
  ByteReader r(der);
  while (!r.empty()) {
    CCGPU_ASSIGN_OR_RETURN(DerTlv t, ReadTlv(r));
    if (t.tag == kDerSequence) {
      ByteReader s(t.value);
      auto a = ReadTlv(s);
      if (a && a->tag == kDerOid && std::equal(a->value.begin(), a->value.end(),
                                               std::begin(kSha384Oid), std::end(kSha384Oid))) {
        auto b = ReadTlv(s);
        if (b && b->tag == kDerOctetString && b->value.size() == kFwidSize && s.empty()) {
          return std::optional<Bytes>(Bytes(b->value.begin(), b->value.end()));
        }
      }
    }
    if (t.tag & kDerConstructed) {
      CCGPU_ASSIGN_OR_RETURN(std::optional<Bytes> found, FindSha384Fwid(t.value, depth + 1));
      if (found) return found;
    }
  }
  return std::optional<Bytes>();
}

TimePoint EarliestNotAfter(const std::vector<crypto::Certificate>& certs) {
  TimePoint t = TimePoint::max();
  for (const auto& c : certs) t = std::min(t, c.NotAfter());
  return t;
}

}  // namespace

Result<std::vector<crypto::Certificate>> ParseDeviceChain(std::string_view pem) {
  return ParseDeviceChain(pem, nullptr);
}

Result<std::vector<crypto::Certificate>> ParseDeviceChain(std::string_view pem,
                                                          crypto::CertificatePool* pool) {
  CCGPU_ASSIGN_OR_RETURN(auto chain, crypto::Certificate::ParsePemChain(pem, pool));
  if (chain.size() != kDeviceChainLength) {
    return Fail(Errc::kInvalidArgument, "device certificate chain: not 5 certificates");
  }
  return chain;
}

Result<Arch> ArchFromChain(const std::vector<crypto::Certificate>& chain) {
  for (std::size_t i = 0; i < chain.size() && i < 2; ++i) {
    const std::string cn = chain[i].CommonName();
    if (cn.find("LS_10") != std::string::npos) return Arch::kLs10;
    if (cn.find("GB") == 0 || cn.find(" GB") != std::string::npos) return Arch::kBlackwell;
    if (cn.find("GH100") != std::string::npos) return Arch::kHopper;
  }
  return Fail(Errc::kNotFound, "device certificate chain: leaf names no known GPU or NVSwitch");
}

Result<Bytes> LeafFwid(const crypto::Certificate& leaf, Arch arch) {
  auto ext = leaf.Extension(arch == Arch::kBlackwell ? kDiceTcbInfoOidBlackwell : kDiceFwidOidHopper);
  if (!ext && arch == Arch::kBlackwell) ext = leaf.Extension(kDiceFwidOidHopper);
  if (!ext) return Fail(Errc::kNotFound, "device leaf certificate: no DICE FWID extension");
  CCGPU_ASSIGN_OR_RETURN(std::optional<Bytes> fwid, FindSha384Fwid(*ext, 0));
  if (!fwid) return Fail(Errc::kMalformed, "device leaf certificate: DICE extension holds no SHA-384 FWID");
  return *fwid;
}

std::string_view CertStatusName(CertStatus s) {
  switch (s) {
    case CertStatus::kValid: return "valid";
    case CertStatus::kExpired: return "expired";
    case CertStatus::kNotYetValid: return "invalid";
    case CertStatus::kInvalid: return "invalid";
    case CertStatus::kRevoked: return "revoked";
  }
  return "invalid";
}

std::string_view OcspStatusName(OcspStatus s) {
  switch (s) {
    case OcspStatus::kGood: return "good";
    case OcspStatus::kRevoked: return "revoked";
    case OcspStatus::kUnknown: return "unknown";
  }
  return "unknown";
}

void AggregateRevocation(ChainReport& report, const std::vector<RevocationOutcome>& outcomes) {
  OcspStatus worst = OcspStatus::kGood;
  bool nonce = true, valid = true;
  std::optional<std::string> reason;
  for (const auto& o : outcomes) {
    if (o.status == OcspStatus::kRevoked) {
      worst = OcspStatus::kRevoked;
      if (o.revocation_reason) reason = o.revocation_reason;
    } else if (o.status == OcspStatus::kUnknown && worst == OcspStatus::kGood) {
      worst = OcspStatus::kUnknown;
    }
    nonce = nonce && o.nonce_matches;
    valid = valid && o.response_valid;
  }
  if (outcomes.empty()) worst = OcspStatus::kUnknown;
  report.ocsp = worst;
  report.revocation_reason = reason;
  report.ocsp_nonce_matches = !outcomes.empty() && nonce;
  report.ocsp_response_valid = !outcomes.empty() && valid;
  if (worst == OcspStatus::kRevoked) report.status = CertStatus::kRevoked;
}

bool ChainCache::Lookup(const Bytes& key, TimePoint at) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  return it != entries_.end() && at >= it->second.first && at <= it->second.second;
}

void ChainCache::Insert(const Bytes& key, TimePoint not_before, TimePoint not_after) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[key] = {not_before, not_after};
}

std::size_t ChainCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void ChainCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

Result<int> VerifyDeviceChain(const std::vector<crypto::Certificate>& chain,
                              const std::vector<crypto::Certificate>& roots, TimePoint at,
                              ChainCache* cache, ChainReport& report) {
  if (chain.size() != kDeviceChainLength) {
    return Fail(Errc::kInvalidArgument, "device certificate chain: not 5 certificates");
  }
  // The device-supplied root (chain[4]) is never trusted: the pinned roots
  // take its place.
  std::vector<crypto::Certificate> sub(chain.begin(), chain.begin() + 4);
  std::vector<crypto::Certificate> all = sub;
  all.insert(all.end(), roots.begin(), roots.end());
  report.expiration = EarliestNotAfter(sub);

  Bytes key;
  if (cache) {
    Bytes material;
    for (std::size_t i = 1; i < sub.size(); ++i) {
      const Bytes der = sub[i].Der();
      material.insert(material.end(), der.begin(), der.end());
    }
    for (const auto& r : roots) {
      const Bytes der = r.Der();
      material.insert(material.end(), der.begin(), der.end());
    }
    CCGPU_ASSIGN_OR_RETURN(key, crypto::Hash(crypto::HashAlg::kSha256, material));
    if (cache->Lookup(key, at)) {
      crypto::ChainOptions opt{.at = at, .check_time = true, .allow_partial_chain = true};
      crypto::ChainFailure failure;
      const std::vector<crypto::Certificate> leaf = {sub[0]};
      const std::vector<crypto::Certificate> anchor = {sub[1]};
      auto st = crypto::VerifyChain(leaf, anchor, opt, &failure);
      if (st) {
        report.status = CertStatus::kValid;
        report.why.clear();
        return 1;
      }
      // Fall through to a full verification for the precise reason.
    }
  }
  crypto::ChainOptions opt{.at = at, .check_time = true, .allow_partial_chain = false};
  crypto::ChainFailure failure;
  auto st = crypto::VerifyChain(sub, roots, opt, &failure);
  if (!st) {
    switch (st.error().code) {
      case Errc::kCertExpired: report.status = CertStatus::kExpired; break;
      case Errc::kCertNotYetValid: report.status = CertStatus::kNotYetValid; break;
      default: report.status = CertStatus::kInvalid; break;
    }
    report.failed_index = failure.index;
    report.why = "certificate " + std::to_string(failure.index) + " (" +
                 (failure.index < sub.size() ? sub[failure.index].CommonName() : std::string("root")) +
                 "): " + (failure.reason.empty() ? std::string(ErrcText(st.error().code)) : failure.reason);
    return static_cast<int>(sub.size());
  }
  report.status = CertStatus::kValid;
  report.why.clear();
  if (cache) {
    TimePoint nb = TimePoint::min();
    TimePoint na = TimePoint::max();
    for (std::size_t i = 1; i < all.size(); ++i) {
      nb = std::max(nb, all[i].NotBefore());
      na = std::min(na, all[i].NotAfter());
    }
    cache->Insert(key, nb, na);
  }
  return static_cast<int>(sub.size());
}

}  // namespace ccgpu::attest
