// Verified RIMs: schema validation + XML-DSig (pinned NVIDIA RIM root,
// injectable time) + parsing, with a cache of verified documents.
#ifndef CCGPU_ATTEST_RIM_RIM_VERIFIER_H_
#define CCGPU_ATTEST_RIM_RIM_VERIFIER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "attest/rim/rim.h"
#include "attest/rim/rim_schema.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/xmldsig/xmldsig.h"

namespace ccgpu::attest {

// A RIM whose schema, signature and signer chain verified.
struct VerifiedRim {
  Rim rim;
  // Signer chain (signer first, pinned root last, DER) for OCSP, and the
  // window [valid_from, valid_until] in which the chain is time-valid.
  crypto::VerifiedXmlSignature signature;
  Bytes document_digest;  // SHA-384 of the document bytes
};

// Details of one verification, also filled on failure.
struct RimVerifyReport {
  bool cache_hit = false;
  std::string schema_detail;     // libxml2 messages when the schema check failed
  crypto::XmlDsigReport dsig;    // chain / signature details (empty on a cache hit)
  RimParseError parse;           // where the content was rejected
};

struct RimVerifierOptions {
  bool validate_schema = true;
  // Schema to validate with; null = RimSchema::Builtin().
  std::shared_ptr<const RimSchema> schema;
  // false (default): a chain certificate expired / not yet valid at the
  // verification time fails with kCertExpired / kCertNotYetValid.
  // true: such a RIM still verifies (chain otherwise valid, signature valid)
  // and VerifiedRim::signature.time_valid = false says why, for policies
  // that accept expired RIM certificates (NVIDIA's C++ SDK behaviour).
  bool accept_expired_chain = false;
  // Verified documents kept (oldest evicted first); 0 disables the cache.
  std::size_t cache_capacity = 64;
};

// Verifies RIM documents against one pinned RIM root. Copies share the
// cache. Thread-safe.
//
// Cache: key = SHA-384(document bytes) ‖ SHA-384(pinned root DER). A cached
// verdict is reused for a verification time `at` only when `at` lies inside
// the verified chain's validity window (latest notBefore … earliest
// notAfter): that window is exactly the set of times at which the chain
// check gives the same answer, so a hit never changes an outcome. Only
// successes are cached. A hit skips schema validation, XML-DSig and parsing.
class RimVerifier {
 public:
  // kInvalidPem / kBadCertificate for a bad root, kSchemaInvalid if the
  // built-in schema does not compile.
  static Result<RimVerifier> Create(std::string_view rim_root_pem, RimVerifierOptions options = {});

  // Order (NVIDIA's): schema → XML-DSig (chain at `at`, then signature) →
  // content. Errors: those of RimSchema::Validate (kMalformed,
  // kSchemaInvalid, kOutOfRange), of XmlDsigVerifier::Verify
  // (kXmlSignatureInvalid, kChainInvalid, kCertExpired, kCertNotYetValid,
  // kBadCertificate, ...) and of ParseRim (kRimInvalid). `report` is
  // optional and caller-owned.
  Result<std::shared_ptr<const VerifiedRim>> Verify(ByteSpan xml, TimePoint at,
                                                    RimVerifyReport* report = nullptr) const;

  struct CacheStats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    std::size_t entries = 0;
  };
  CacheStats cache_stats() const;
  // Forgets every verified document and every decoded signer-chain
  // certificate (the pinned root stays): the next Verify of any document is
  // a cold one.
  void ClearCache() const;
  // Signer-chain certificates decoded so far (since Create), for tests.
  uint64_t certificates_decoded() const;

  const crypto::XmlDsigVerifier& dsig() const;

 private:
  struct State;
  explicit RimVerifier(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_RIM_RIM_VERIFIER_H_
