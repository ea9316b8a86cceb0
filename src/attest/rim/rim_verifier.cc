#include "attest/rim/rim_verifier.h"

#include <deque>
#include <string>
#include <unordered_map>
#include <mutex>

namespace ccgpu::attest {

struct RimVerifier::State {
  crypto::XmlDsigVerifier dsig;
  RimVerifierOptions options;
  // Signer-chain certificates decoded so far (the pinned root pinned), so the
  // intermediates that every RIM of one GPU type carries are decoded once.
  // Cleared with the document cache.
  crypto::CertificatePool certs;
  Bytes root_digest;
  mutable std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<const VerifiedRim>> cache;  // guarded by mu
  std::deque<std::string> order;                                    // insertion order
  CacheStats stats;

  State(crypto::XmlDsigVerifier d, RimVerifierOptions o) : dsig(std::move(d)), options(std::move(o)) {
    certs.Pin(dsig.root());
  }
};

RimVerifier::RimVerifier(std::shared_ptr<State> state) : state_(std::move(state)) {}

Result<RimVerifier> RimVerifier::Create(std::string_view rim_root_pem, RimVerifierOptions options) {
  CCGPU_ASSIGN_OR_RETURN(auto dsig, crypto::XmlDsigVerifier::Create(rim_root_pem));
  if (options.validate_schema && !options.schema) {
    CCGPU_ASSIGN_OR_RETURN(options.schema, RimSchema::Builtin());
  }
  auto state = std::make_shared<State>(std::move(dsig), std::move(options));
  CCGPU_ASSIGN_OR_RETURN(state->root_digest, crypto::XmlDocumentDigest(state->dsig.root_der()));
  return RimVerifier(std::move(state));
}

const crypto::XmlDsigVerifier& RimVerifier::dsig() const { return state_->dsig; }

Result<std::shared_ptr<const VerifiedRim>> RimVerifier::Verify(ByteSpan xml, TimePoint at,
                                                               RimVerifyReport* report_out) const {
  RimVerifyReport local;
  RimVerifyReport& report = report_out != nullptr ? *report_out : local;
  report = RimVerifyReport{};
  State& s = *state_;

  CCGPU_ASSIGN_OR_RETURN(Bytes digest, crypto::XmlDocumentDigest(xml));
  // Raw bytes of SHA-384(document) || SHA-384(root) as the map key.
  std::string key(digest.begin(), digest.end());
  key.append(s.root_digest.begin(), s.root_digest.end());
  if (s.options.cache_capacity > 0) {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.cache.find(key);
    if (it != s.cache.end() && it->second->signature.valid_from <= at &&
        at <= it->second->signature.valid_until) {
      ++s.stats.hits;
      report.cache_hit = true;
      return it->second;
    }
    ++s.stats.misses;
  }

  // One parse (hardened) shared by the three checks; none modifies the tree.
  CCGPU_ASSIGN_OR_RETURN(crypto::XmlDocument doc, crypto::XmlDocument::Parse(xml));
  if (s.options.validate_schema) {
    CCGPU_TRY(s.options.schema->Validate(doc, &report.schema_detail));
  }
  crypto::XmlDsigOptions dsig_options;
  dsig_options.at = at;
  dsig_options.time_errors_fatal = !s.options.accept_expired_chain;
  CCGPU_ASSIGN_OR_RETURN(crypto::VerifiedXmlSignature sig,
                         s.dsig.Verify(doc, dsig_options, &report.dsig, &s.certs));
  CCGPU_ASSIGN_OR_RETURN(Rim rim, ParseRim(doc, &report.parse));
  auto verified = std::make_shared<VerifiedRim>();
  verified->rim = std::move(rim);
  verified->signature = std::move(sig);
  verified->document_digest = std::move(digest);

  if (s.options.cache_capacity > 0) {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.cache.find(key) == s.cache.end()) s.order.push_back(key);
    s.cache[key] = verified;
    while (s.cache.size() > s.options.cache_capacity && !s.order.empty()) {
      s.cache.erase(s.order.front());
      s.order.pop_front();
    }
  }
  return std::shared_ptr<const VerifiedRim>(verified);
}

RimVerifier::CacheStats RimVerifier::cache_stats() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  CacheStats out = state_->stats;
  out.entries = state_->cache.size();
  return out;
}

uint64_t RimVerifier::certificates_decoded() const { return state_->certs.decoded(); }

void RimVerifier::ClearCache() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->cache.clear();
  state_->order.clear();
  state_->certs.Clear();
}

}  // namespace ccgpu::attest
