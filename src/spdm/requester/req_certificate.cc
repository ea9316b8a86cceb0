// GET_CERTIFICATE → CERTIFICATE (DSP0274 1.2 §10.8) for slot 0, portion by
// portion, then the chain's checks: SPDM header Length, RootHash = H(root
// certificate), X.509 path to a configured root, H(chain) = DIGESTS digest.
#include <algorithm>

#include "base/ct.h"
#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {

Result<CertificateChainInfo> Requester::GetCertificate() {
  if (!connected_) return Fail(Errc::kStateError, "spdm requester: GET_CERTIFICATE before VCA");
  Bytes chain;
  for (int round = 0;; ++round) {
    if (round > 256) return Fail(Errc::kResourceExhausted, "spdm requester: certificate chain in too many portions");
    if (chain.size() > 0xFFFF) return Fail(Errc::kOutOfRange, "spdm requester: certificate chain longer than 65535 bytes");
    wire::GetCertificate gc;
    gc.version = conn_.version;
    gc.slot_id = 0;
    gc.offset = static_cast<uint16_t>(chain.size());
    gc.length = config_.certificate_portion;
    CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeGetCertificate(gc));
    CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(nullptr, req));
    CCGPU_ASSIGN_OR_RETURN(auto c, Expect<wire::Certificate>(raw, Params()));
    if (c.message.slot_id != 0) return Fail(Errc::kUnexpectedMessage, "spdm requester: CERTIFICATE for another slot");
    if (c.message.portion.empty() && c.message.remainder_length != 0) {
      return Fail(Errc::kMalformed, "spdm requester: empty CERTIFICATE portion with data remaining");
    }
    message_b_.insert(message_b_.end(), req.begin(), req.end());
    message_b_.insert(message_b_.end(), c.bytes.begin(), c.bytes.end());
    chain.insert(chain.end(), c.message.portion.begin(), c.message.portion.end());
    if (c.message.remainder_length == 0) break;
  }
  CCGPU_ASSIGN_OR_RETURN(wire::CertChain cc, wire::ParseCertChain(chain, np_.hash_size));
  const TimePoint now = (config_.clock != nullptr ? config_.clock : &SystemClock::Get())->Now();
  const VerifiedChain* verified = nullptr;
  for (const VerifiedChain& v : verified_chains_) {
    if (v.spdm_chain == chain && v.hash == hash_ && (!config_.check_time || (v.valid_from <= now && now <= v.valid_until))) verified = &v;
  }
  if (verified == nullptr) {
    CCGPU_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> certs, crypto::Certificate::ParseDerChain(cc.certificates, config_.roots));
    if (certs.empty()) return Fail(Errc::kChainInvalid, "spdm requester: empty certificate chain");
    CCGPU_ASSIGN_OR_RETURN(Bytes root_hash, crypto::Hash(hash_, certs.front().Der()));
    if (!CtEqual(root_hash, cc.root_hash)) return Fail(Errc::kChainInvalid, "spdm requester: RootHash is not the hash of the first certificate");
    std::vector<crypto::Certificate> leaf_first(certs.rbegin(), certs.rend());
    crypto::ChainOptions opt;
    opt.at = now;
    opt.check_time = config_.check_time;
    CCGPU_TRY(crypto::VerifyChain(leaf_first, config_.roots, opt));
    CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey leaf, leaf_first.front().PublicKey());
    TimePoint from = TimePoint::min(), until = TimePoint::max();
    for (const auto* set : {&certs, &config_.roots}) {
      for (const crypto::Certificate& c : *set) {
        from = std::max(from, c.NotBefore());
        until = std::min(until, c.NotAfter());
      }
    }
    if (verified_chains_.size() == kVerifiedChainSlots) verified_chains_.erase(verified_chains_.begin());
    verified_chains_.push_back({chain, hash_, std::move(certs), std::move(leaf), from, until});
    verified = &verified_chains_.back();
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes chain_hash, crypto::Hash(hash_, chain));
  if (!digest_slot0_.empty() && !CtEqual(chain_hash, digest_slot0_)) {
    return Fail(Errc::kChainInvalid, "spdm requester: DIGESTS digest is not the hash of the certificate chain");
  }
  auto want = CurveFromAsymBit(conn_.base_asym);
  if (!want || verified->leaf.curve() != *want) return Fail(Errc::kChainInvalid, "spdm requester: leaf key is not of the negotiated BaseAsymAlgo");
  leaf_key_ = verified->leaf;
  cert_chain_ = chain;
  cert_chain_hash_ = chain_hash;
  CertificateChainInfo info;
  info.spdm_chain = chain;
  info.certs = verified->certs;
  info.leaf_subject = verified->certs.back().Subject();
  return info;
}

}  // namespace ccgpu::spdm::requester
