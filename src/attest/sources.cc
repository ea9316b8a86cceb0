#include "attest/sources.h"

#include "attest/rim/rim.h"
#include "attest/rim/rim_schema.h"

namespace ccgpu::attest {
namespace {

bool IsSchemaError(Errc c) {
  return c == Errc::kSchemaInvalid || c == Errc::kMalformed || c == Errc::kOutOfRange;
}

}  // namespace

GoldenValues ToGoldenValues(const Rim& rim, RimRole role, const std::string& rim_id) {
  GoldenValues g;
  g.role = role;
  g.rim_id = rim_id;
  for (const auto& m : rim.measurements) {
    GoldenMeasurement gm;
    gm.index = m.index;
    gm.active = m.active;
    gm.name = m.name;
    gm.size = m.size;
    gm.alternatives = m.alternatives;
    g.measurements.push_back(std::move(gm));
  }
  return g;
}

FileRimSource::FileRimSource(RimVerifier verifier, RimSourceOptions options)
    : verifier_(std::move(verifier)), options_(options) {}

Status FileRimSource::SetDirectory(const std::filesystem::path& dir) {
  CCGPU_ASSIGN_OR_RETURN(RimStore store, RimStore::Open(dir));
  store_.emplace(std::move(store));
  return OkStatus();
}

void FileRimSource::SetFile(RimRole role, std::filesystem::path file) { files_[role] = std::move(file); }

RimOutcome FileRimSource::Load(RimRole role, const std::string& rim_id, TimePoint at) {
  RimOutcome o;
  o.role = role;
  o.rim_id = rim_id;
  // Find the document.
  Bytes xml;
  const RimRole file_role = role == RimRole::kSwitchBios ? RimRole::kVbios : role;
  if (auto f = files_.find(role) != files_.end() ? files_.find(role) : files_.find(file_role); f != files_.end()) {
    auto bytes = ReadRimFile(f->second);
    if (!bytes) {
      o.why = "cannot read " + f->second.string() + ": " + bytes.error().ToString();
      o.unusable = true;
      return o;
    }
    xml = std::move(*bytes);
    o.source = f->second.string();
  } else if (store_) {
    auto found = store_->Find(rim_id);
    if (!found) {
      o.why = "not in RIM directory " + store_->dir().string() + ": " + found.error().ToString();
      return o;
    }
    xml = std::move(found->bytes);
    o.source = found->path.string();
  } else {
    o.why = "no RIM file or directory given";
    return o;
  }
  if (xml.empty()) {
    o.why = o.source + " is empty";
    o.unusable = true;
    return o;
  }
  o.fetched = true;

  if (!options_.verify_signature) {
    std::string detail;
    auto schema = RimSchema::Builtin();
    if (!schema || !(*schema)->Validate(xml, &detail)) {
      o.why = "schema validation failed: " + detail;
      o.unusable = true;
      return o;
    }
    o.schema_validated = true;
    RimParseError perr;
    auto rim = ParseRim(xml, &perr);
    if (!rim) {
      o.why = "not a RIM: " + perr.element + ": " + perr.detail;
      o.unusable = true;
      return o;
    }
    o.signature_check_skipped = true;
    o.chain.status = CertStatus::kInvalid;
    o.chain.why = "not verified (RIM signature check disabled)";
    o.version = rim->colloquial_version;
    o.manufacturer_id = rim->firmware_manufacturer_id;
    o.golden = ToGoldenValues(*rim, role, rim_id);
    return o;
  }

  RimVerifyReport report;
  auto verified = verifier_.Verify(xml, at, &report);
  if (!verified) {
    const Errc c = verified.error().code;
    if (IsSchemaError(c)) {
      o.why = "schema validation failed" + (report.schema_detail.empty() ? "" : ": " + report.schema_detail);
      o.unusable = true;
      return o;
    }
    o.schema_validated = true;
    if (c == Errc::kRimInvalid) {
      o.signature_verified = true;
      o.chain.status = CertStatus::kValid;
      o.why = "not a usable RIM: " + report.parse.element + ": " + report.parse.detail;
      o.unusable = true;
      return o;
    }
    o.signature_verified = report.dsig.signature_checked && report.dsig.signature_valid;
    switch (c) {
      case Errc::kCertExpired: o.chain.status = CertStatus::kExpired; break;
      case Errc::kCertNotYetValid: o.chain.status = CertStatus::kNotYetValid; break;
      default: o.chain.status = report.dsig.chain_valid ? CertStatus::kValid : CertStatus::kInvalid; break;
    }
    if (!report.dsig.chain_valid) {
      o.chain.why = report.dsig.chain_failure_reason.empty() ? std::string(verified.error().context)
                                                             : report.dsig.chain_failure_reason;
      if (report.dsig.chain_failure_depth) {
        o.chain.failed_index = *report.dsig.chain_failure_depth;
        o.chain.why = "certificate " + std::to_string(*report.dsig.chain_failure_depth) + ": " + o.chain.why;
      }
      o.why = "signer chain " + std::string(CertStatusName(o.chain.status)) + ": " + o.chain.why;
    } else {
      o.why = "XML signature does not verify: " + (report.dsig.signature_failure_reason.empty()
                                                       ? std::string(verified.error().context)
                                                       : report.dsig.signature_failure_reason);
    }
    return o;
  }
  const VerifiedRim& v = **verified;
  o.schema_validated = true;
  o.signature_verified = true;
  o.chain.status = CertStatus::kValid;
  TimePoint earliest = TimePoint::max();
  for (const crypto::Certificate& cert : v.signature.chain) {  // already parsed: no second decode
    earliest = std::min(earliest, cert.NotAfter());
    o.chain_certs.push_back(cert);
  }
  if (!o.chain_certs.empty()) o.chain.expiration = earliest;
  o.version = v.rim.colloquial_version;
  o.manufacturer_id = v.rim.firmware_manufacturer_id;
  o.golden = ToGoldenValues(v.rim, role, rim_id);
  o.from_cache = report.cache_hit;
  return o;
}

RevocationOutcome OcspRevocationChecker::Check(const crypto::Certificate& cert, const crypto::Certificate& issuer,
                                               TimePoint at) {
  RevocationOutcome out;
  FixedClock clock(at);
  auto r = client_.Check(cert.Der(), issuer.Der(), clock);
  if (!r) {
    out.status = OcspStatus::kUnknown;
    out.why = "OCSP for " + cert.CommonName() + ": " + r.error().ToString();
    return out;
  }
  switch (r->status) {
    case crypto::OcspCertStatus::kGood: out.status = OcspStatus::kGood; break;
    case crypto::OcspCertStatus::kRevoked: out.status = OcspStatus::kRevoked; break;
    case crypto::OcspCertStatus::kUnknown: out.status = OcspStatus::kUnknown; break;
  }
  if (r->revocation_reason) out.revocation_reason = std::string(crypto::CrlReasonName(*r->revocation_reason));
  out.response_valid = r->response_valid;
  // Offline response files carry no nonce of ours: nonce_matches is false
  // for them (a policy must accept that explicitly).
  out.nonce_matches = r->nonce_checked;
  out.why = r->detail;
  return out;
}

}  // namespace ccgpu::attest
