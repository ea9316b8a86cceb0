// Requester ↔ responder in process: every version and algorithm set, the
// named responder faults with the requester's precise error, downgrade
// attempts, and tampered / replayed secured records.
#include "spdm/requester/requester.h"

#include <gtest/gtest.h>

#include <deque>
#include <tuple>

#include "spdm/responder/test_support.h"
#include "spdm/wire/message.h"

namespace ccgpu::spdm {
namespace {

using responder::Fault;
using testing::MakePair;
using testing::Pair;

struct AlgSet {
  const char* name;
  crypto::Curve curve;
  uint32_t hash;
  uint16_t dhe;
  uint16_t aead;
};
const AlgSet kNvidia{"nvidia_p384_sha384_aes256gcm", crypto::Curve::kP384, wire::alg::kSha384, wire::alg::kSecp384r1,
                     wire::alg::kAes256Gcm};
const AlgSet kP256Chacha{"p256_sha256_chacha20", crypto::Curve::kP256, wire::alg::kSha256, wire::alg::kSecp256r1,
                         wire::alg::kChaCha20Poly1305};

requester::RequesterConfig Offer(const AlgSet& a, uint8_t version) {
  auto q = testing::RequesterConfigFor(a.curve);
  q.versions = {version};
  q.base_asym = a.curve == crypto::Curve::kP384 ? wire::alg::kEcdsaP384 : wire::alg::kEcdsaP256;
  q.base_hash = a.hash;
  q.dhe = a.dhe;
  q.aead = a.aead;
  return q;
}

class EchoVendor final : public responder::VendorDefinedHandler {
 public:
  Result<Bytes> Handle(const responder::VendorRequest& r) override {
    Bytes out = {static_cast<uint8_t>(r.session_id ? 1 : 0)};
    out.insert(out.end(), r.payload.begin(), r.payload.end());
    return out;
  }
};

class FullFlow : public ::testing::TestWithParam<std::tuple<uint8_t, AlgSet, bool /*doe*/, bool /*in clear*/>> {};

TEST_P(FullFlow, CompletesAttestationAndSessionWithEveryStepVerified) {
  const auto [version, algs, doe, in_clear] = GetParam();
  auto rc = testing::ResponderConfigFor(algs.curve);
  auto qc = Offer(algs, version);
  rc.vendor = std::make_shared<EchoVendor>();
  if (doe) {
    rc.binding = session::TransportBinding::PciDoe();
    qc.binding = session::TransportBinding::PciDoe();
  }
  if (in_clear) {
    rc.capabilities |= wire::cap::kHandshakeInTheClear;
    qc.capabilities |= wire::cap::kHandshakeInTheClear;
  }
  Pair p = MakePair(rc, qc);
  auto& q = *p.requester;
  ASSERT_TRUE(q.InitConnection()) << "VCA";
  EXPECT_EQ(q.connection().version, version);
  EXPECT_EQ(q.connection().base_hash, algs.hash);
  EXPECT_EQ(q.connection().dhe, algs.dhe);
  EXPECT_EQ(q.connection().aead, algs.aead);
  EXPECT_EQ(q.connection().handshake_in_the_clear, in_clear);
  auto digest = q.GetDigests();
  ASSERT_TRUE(digest);
  auto chain = q.GetCertificate();
  ASSERT_TRUE(chain) << chain.error().context;
  EXPECT_NE(chain->leaf_subject.find("ccgpu SPDM test device"), std::string::npos);
  ASSERT_TRUE(q.Challenge(wire::kMeasSummaryHashNone));
  auto summary = q.Challenge(wire::kMeasSummaryHashAll);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->size(), wire::HashSize(algs.hash));
  auto count = q.GetMeasurements(wire::meas::kOpTotalCount, false);
  ASSERT_TRUE(count);
  EXPECT_EQ(count->total_count, 4);
  // DMTF's requester style: unsigned walk, the last one signed.
  for (uint8_t i = 1; i <= 4; ++i) {
    auto m = q.GetMeasurements(i, i == 4);
    ASSERT_TRUE(m) << int(i) << ": " << m.error().context;
    ASSERT_EQ(m->blocks.size(), 1u);
    EXPECT_EQ(m->blocks[0].index, i);
    EXPECT_EQ(m->signature_verified, i == 4);
  }
  auto absent = q.GetMeasurements(5, false);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, Errc::kPeerError);
  EXPECT_EQ(q.last_peer_error(), wire::ErrorCode::kInvalidRequest);
  auto all = q.GetMeasurements(wire::meas::kOpAll, true);
  ASSERT_TRUE(all) << all.error().context;
  EXPECT_EQ(all->blocks.size(), 4u);
  EXPECT_TRUE(all->signature_verified);

  auto s = q.StartSession(wire::kMeasSummaryHashTcb);
  ASSERT_TRUE(s) << s.error().context;
  EXPECT_EQ(s->session_id, 0xFFFFFFFFu);
  EXPECT_EQ(s->handshake_in_the_clear, in_clear);
  EXPECT_EQ(p.responder->session_count(), 1u);
  ASSERT_TRUE(q.Heartbeat(s->session_id));
  ASSERT_TRUE(q.KeyUpdate(s->session_id, session::KeyUpdateOp::kUpdateKey));
  ASSERT_TRUE(q.KeyUpdate(s->session_id, session::KeyUpdateOp::kVerifyNewKey));
  ASSERT_TRUE(q.KeyUpdate(s->session_id, session::KeyUpdateOp::kUpdateAllKeys));
  ASSERT_TRUE(q.KeyUpdate(s->session_id, session::KeyUpdateOp::kVerifyNewKey));
  ASSERT_TRUE(q.Heartbeat(s->session_id));
  auto in_session = q.GetMeasurements(wire::meas::kOpAll, true, s->session_id);
  ASSERT_TRUE(in_session) << in_session.error().context;
  EXPECT_TRUE(in_session->signature_verified);
  const Bytes vid = {0xDE, 0x10};
  const Bytes payload = {1, 2, 3};
  auto vd = q.VendorDefined(s->session_id, wire::standard_id::kPciSig, vid, payload);
  ASSERT_TRUE(vd);
  EXPECT_EQ(*vd, (Bytes{1, 1, 2, 3}));
  auto vd_plain = q.VendorDefined(std::nullopt, wire::standard_id::kPciSig, vid, payload);
  ASSERT_TRUE(vd_plain);
  EXPECT_EQ(*vd_plain, (Bytes{0, 1, 2, 3}));
  auto export_q = q.TakeExportMasterSecret(s->session_id);
  auto export_r = p.responder->TakeExportMasterSecret(s->session_id);
  ASSERT_TRUE(export_q);
  ASSERT_TRUE(export_r);
  EXPECT_TRUE(std::equal(export_q->reveal().begin(), export_q->reveal().end(), export_r->reveal().begin(),
                         export_r->reveal().end()));
  ASSERT_TRUE(q.EndSession(s->session_id));
  EXPECT_EQ(p.responder->session_count(), 0u);
  EXPECT_EQ(q.Heartbeat(s->session_id).error().code, Errc::kSessionClosed);
  // A second session after the first ended.
  auto s2 = q.StartSession();
  ASSERT_TRUE(s2) << s2.error().context;
  EXPECT_EQ(s2->session_id, 0xFFFEFFFEu);
  ASSERT_TRUE(q.Heartbeat(s2->session_id));
}

std::string FlowName(const ::testing::TestParamInfo<FullFlow::ParamType>& info) {
  const auto [v, a, doe, clear] = info.param;
  return std::string("v1") + char('0' + (v & 0x0F)) + "_" + a.name + (doe ? "_pcidoe" : "_mctp") +
         (clear ? "_in_clear" : "_encrypted");
}

INSTANTIATE_TEST_SUITE_P(VersionsAndAlgorithms, FullFlow,
                         ::testing::Combine(::testing::Values(wire::kVersion11, wire::kVersion12, wire::kVersion13),
                                            ::testing::Values(kNvidia, kP256Chacha), ::testing::Bool(),
                                            ::testing::Bool()),
                         FlowName);

// --- Named faults ----------------------------------------------------------

// Runs the whole flow (two signed measurement requests, a session with
// heartbeats and a key update) and returns the first failure.
Status RunFlow(requester::Requester& q) {
  CCGPU_TRY(q.InitConnection());
  CCGPU_TRY(q.GetDigests());
  CCGPU_TRY(q.GetCertificate());
  CCGPU_TRY(q.Challenge());
  CCGPU_TRY(q.GetMeasurements(wire::meas::kOpAll, true));
  CCGPU_TRY(q.GetMeasurements(wire::meas::kOpAll, true));
  CCGPU_ASSIGN_OR_RETURN(auto s, q.StartSession());
  CCGPU_TRY(q.Heartbeat(s.session_id));
  CCGPU_TRY(q.Heartbeat(s.session_id));
  CCGPU_TRY(q.KeyUpdate(s.session_id, session::KeyUpdateOp::kUpdateAllKeys));
  CCGPU_TRY(q.Heartbeat(s.session_id));
  CCGPU_TRY(q.EndSession(s.session_id));
  return OkStatus();
}

struct FaultCase {
  Fault fault;
  Errc expected;
  bool in_clear = false;
  bool doe = false;
};

class NamedFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(NamedFault, RequesterReportsThePreciseError) {
  const FaultCase& c = GetParam();
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.versions = {wire::kVersion12};
  rc.fault = c.fault;
  if (c.in_clear) {
    rc.capabilities |= wire::cap::kHandshakeInTheClear;
    qc.capabilities |= wire::cap::kHandshakeInTheClear;
  }
  if (c.doe) {
    rc.binding = session::TransportBinding::PciDoe();
    qc.binding = session::TransportBinding::PciDoe();
  }
  Pair p = MakePair(rc, qc);
  Status st = RunFlow(*p.requester);
  ASSERT_FALSE(st) << responder::FaultName(c.fault) << " was not detected";
  EXPECT_EQ(st.error().code, c.expected) << responder::FaultName(c.fault) << ": " << st.error().context;
}

std::string FaultCaseName(const ::testing::TestParamInfo<FaultCase>& info) {
  std::string n(responder::FaultName(info.param.fault));
  for (char& ch : n) {
    if (ch == '-') ch = '_';
  }
  return n + (info.param.doe ? "_pcidoe" : "") + (info.param.in_clear ? "_in_clear" : "");
}

INSTANTIATE_TEST_SUITE_P(
    Faults, NamedFault,
    ::testing::Values(FaultCase{Fault::kBadChallengeSignature, Errc::kBadSignature},
                      FaultCase{Fault::kBadMeasurementSignature, Errc::kBadSignature},
                      FaultCase{Fault::kBadKeyExchangeSignature, Errc::kBadSignature},
                      FaultCase{Fault::kWrongDheGroup, Errc::kBadPublicPoint},
                      FaultCase{Fault::kTruncatedOpaqueData, Errc::kTruncated},
                      FaultCase{Fault::kReplayedRecord, Errc::kReplay},
                      FaultCase{Fault::kReplayedRecord, Errc::kAuthFailed, false, true},
                      FaultCase{Fault::kSkippedSequenceNumber, Errc::kReplay},
                      FaultCase{Fault::kSkippedSequenceNumber, Errc::kAuthFailed, false, true},
                      FaultCase{Fault::kStaleMeasurement, Errc::kBadSignature},
                      FaultCase{Fault::kWrongVersion, Errc::kVersionMismatch},
                      FaultCase{Fault::kAlgorithmOutsideOffer, Errc::kDowngrade},
                      FaultCase{Fault::kBadResponderVerifyData, Errc::kTranscriptMismatch},
                      FaultCase{Fault::kBadFinishRspVerifyData, Errc::kTranscriptMismatch, true},
                      FaultCase{Fault::kBadCertChainDigest, Errc::kChainInvalid},
                      FaultCase{Fault::kTrailingBytes, Errc::kTrailingData},
                      FaultCase{Fault::kWrongSessionId, Errc::kSessionClosed}),
    FaultCaseName);

TEST(RetryFaults, BusyIsRetriedWithTheSameRequest) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.fault = Fault::kBusyOnce;
  Pair p = MakePair(rc, testing::RequesterConfigFor(crypto::Curve::kP384));
  ASSERT_TRUE(RunFlow(*p.requester));
  EXPECT_EQ(p.requester->retries(), 1);
}

TEST(RetryFaults, ResponseNotReadyIsCollectedWithRespondIfReady) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.fault = Fault::kResponseNotReadyOnce;
  Pair p = MakePair(rc, testing::RequesterConfigFor(crypto::Curve::kP384));
  ASSERT_TRUE(RunFlow(*p.requester));
  EXPECT_EQ(p.requester->retries(), 1);
}

TEST(Faults, EveryNamedFaultHasAName) {
  for (int f = 0; f <= static_cast<int>(responder::kLastFault); ++f) {
    EXPECT_FALSE(responder::FaultName(static_cast<Fault>(f)).empty()) << f;
  }
}

// --- Downgrades via a tampering man in the middle ---------------------------

// Re-encodes the ALGORITHMS response after `edit`.
LoopbackExchange::Tamper EditAlgorithms(std::function<void(wire::Algorithms&)> edit) {
  return [edit](bool to_responder, bool secured, Bytes& b) {
    if (to_responder || secured || b.size() < 2 || b[1] != static_cast<uint8_t>(wire::Code::kAlgorithms)) return;
    wire::ParseParams p;
    auto a = wire::ParseAlgorithms(b, p);
    ASSERT_TRUE(a);
    wire::Algorithms m = *a;
    Bytes ext;  // keep borrowed spans alive
    edit(m);
    auto out = wire::SerializeAlgorithms(m);
    ASSERT_TRUE(out);
    b = *out;
  };
}

TEST(Downgrade, DheGroupOutsideTheOfferIsRejected) {
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.dhe = wire::alg::kSecp384r1;
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), qc);
  p.exchange->set_tamper(EditAlgorithms([](wire::Algorithms& a) {
    for (auto& s : a.alg_structs) {
      if (s.alg_type == wire::alg::kAlgTypeDhe) s.alg_supported = wire::alg::kSecp256r1;
    }
  }));
  EXPECT_EQ(p.requester->InitConnection().error().code, Errc::kDowngrade);
}

TEST(Downgrade, AeadOutsideTheOfferIsRejected) {
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.aead = wire::alg::kAes256Gcm;
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), qc);
  p.exchange->set_tamper(EditAlgorithms([](wire::Algorithms& a) {
    for (auto& s : a.alg_structs) {
      if (s.alg_type == wire::alg::kAlgTypeAead) s.alg_supported = wire::alg::kAes128Gcm;
    }
  }));
  EXPECT_EQ(p.requester->InitConnection().error().code, Errc::kDowngrade);
}

TEST(Downgrade, TwoBitsSelectedIsRejected) {
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), testing::RequesterConfigFor(crypto::Curve::kP384));
  p.exchange->set_tamper(EditAlgorithms([](wire::Algorithms& a) { a.base_asym_sel = wire::alg::kEcdsaP256 | wire::alg::kEcdsaP384; }));
  EXPECT_EQ(p.requester->InitConnection().error().code, Errc::kDowngrade);
}

TEST(Downgrade, AsymAlgorithmOutsideTheOfferIsRejected) {
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.base_asym = wire::alg::kEcdsaP384;
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), qc);
  p.exchange->set_tamper(EditAlgorithms([](wire::Algorithms& a) { a.base_asym_sel = wire::alg::kRsassa2048; }));
  EXPECT_EQ(p.requester->InitConnection().error().code, Errc::kDowngrade);
}

TEST(Downgrade, VersionListWithoutACommonVersionIsVersionMismatch) {
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.versions = {wire::kVersion13};
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.versions = {wire::kVersion11, wire::kVersion12};
  Pair p = MakePair(rc, qc);
  EXPECT_EQ(p.requester->InitConnection().error().code, Errc::kVersionMismatch);
}

TEST(Downgrade, HighestCommonVersionIsChosen) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.versions = {wire::kVersion11, wire::kVersion12};
  Pair p = MakePair(rc, testing::RequesterConfigFor(crypto::Curve::kP384));
  ASSERT_TRUE(p.requester->InitConnection());
  EXPECT_EQ(p.requester->connection().version, wire::kVersion12);
}

TEST(Downgrade, TamperedVcaBreaksTheChallengeSignature) {
  // A man in the middle who lowers the responder's capabilities cannot hide
  // it: message A differs, so CHALLENGE_AUTH no longer verifies.
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), testing::RequesterConfigFor(crypto::Curve::kP384));
  p.exchange->set_tamper([](bool to_responder, bool secured, Bytes& b) {
    if (!to_responder && !secured && b.size() > 8 && b[1] == static_cast<uint8_t>(wire::Code::kCapabilities)) {
      b[8] &= static_cast<uint8_t>(~wire::cap::kMeasFresh);
    }
  });
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->GetCertificate());
  EXPECT_EQ(p.requester->Challenge().error().code, Errc::kBadSignature);
}

TEST(ChainPolicy, UntrustedRootIsRejected) {
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.roots = {testing::Pki(crypto::Curve::kP256).root};
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), qc);
  ASSERT_TRUE(p.requester->InitConnection());
  EXPECT_EQ(p.requester->GetCertificate().error().code, Errc::kChainInvalid);
}

TEST(ChainPolicy, SmallPortionsReassembleTheChain) {
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.certificate_portion = 100;
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), qc);
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->GetDigests());
  auto c = p.requester->GetCertificate();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->certs.size(), 3u);
  ASSERT_TRUE(p.requester->Challenge());  // B holds every portion
}

TEST(ChainPolicy, KnownChainIsReusedForTheNextAttestation) {
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), testing::RequesterConfigFor(crypto::Curve::kP384));
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(p.requester->InitConnection()) << round;
    ASSERT_TRUE(p.requester->GetDigests()) << round;
    auto c = p.requester->GetCertificate();
    ASSERT_TRUE(c) << round;
    EXPECT_EQ(c->certs.size(), 3u);
    ASSERT_TRUE(p.requester->Challenge()) << round;  // the cached leaf key checks the signature
  }
}

TEST(ChainPolicy, ChainRootEqualToAConfiguredRootIsThatRootNotAReparse) {
  // First contact: the chain's root certificate is byte for byte the pinned
  // root, so the requester uses the configured object (no second X.509
  // parse); the rest of the chain is parsed and the path still verified.
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP256);
  const crypto::Certificate root = qc.roots.front();
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP256), qc);
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->GetDigests());
  auto c = p.requester->GetCertificate();
  ASSERT_TRUE(c) << c.error().ToString();
  ASSERT_EQ(c->certs.size(), 3u);
  EXPECT_EQ(&c->certs.front().data(), &root.data());
  EXPECT_NE(&c->certs.back().data(), &root.data());
  ASSERT_TRUE(p.requester->StartSession());
}

TEST(ChainPolicy, KnownChainIsNotTrustedOutsideItsValidity) {
  FixedClock clock(SystemClock::Get().Now());
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.clock = &clock;
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), qc);
  clock.Set(SystemClock::Get().Now());  // after the test PKI exists (it may be made just now)
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->GetCertificate());
  clock.Advance(std::chrono::hours(24 * 365 * 200));
  ASSERT_TRUE(p.requester->InitConnection());
  auto again = p.requester->GetCertificate();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kCertExpired);
}

TEST(ChainPolicy, ChangedChainIsVerifiedAfresh) {
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), testing::RequesterConfigFor(crypto::Curve::kP384));
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->GetCertificate());
  // The host now corrupts the last byte of every CERTIFICATE response (inside
  // the leaf's signature): the chain bytes differ from the verified ones.
  p.exchange->set_tamper([](bool to_responder, bool secured, Bytes& b) {
    if (!to_responder && !secured && b.size() > 8 && b[1] == static_cast<uint8_t>(wire::Code::kCertificate)) {
      b.back() ^= 0x01;
    }
  });
  ASSERT_TRUE(p.requester->InitConnection());
  EXPECT_FALSE(p.requester->GetCertificate());
}

// --- Secured records: every bit flipped, every record replayed --------------

// Establishes a session and returns it (P-256 for speed).
struct Established {
  Pair pair;
  uint32_t sid = 0;
};
Established Establish(bool doe) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP256);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP256);
  if (doe) {
    rc.binding = session::TransportBinding::PciDoe();
    qc.binding = session::TransportBinding::PciDoe();
  }
  Established e{MakePair(rc, qc), 0};
  auto& q = *e.pair.requester;
  CCGPU_CHECK(q.InitConnection().has_value());
  CCGPU_CHECK(q.GetCertificate().has_value());
  auto s = q.StartSession();
  CCGPU_CHECK(s.has_value());
  e.sid = s->session_id;
  return e;
}

// An exchange for bit-flip tests that keeps one session alive across
// thousands of flips.
//  * Requests: the flipped record goes to the responder first (it must refuse
//    it with a clear ERROR and consume nothing), then the genuine one.
//  * Responses: replies are delivered one call late (a FIFO of genuine
//    records); on a flip call the requester gets a flipped copy of the oldest
//    genuine record, which must fail to open without consuming its number,
//    and the next call delivers that record intact.
class FlipExchange final : public requester::MessageExchange {
 public:
  explicit FlipExchange(responder::Responder* r) : r_(r) {}
  std::optional<std::size_t> flip_request_bit, flip_response_bit;
  int responder_refusals = 0;
  std::size_t last_request_size = 0, last_response_size = 0;

  Result<requester::ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
    Bytes req(request.begin(), request.end());
    if (secured) last_request_size = req.size();
    if (secured && flip_request_bit) {
      Bytes bad = req;
      const std::size_t bit = *flip_request_bit % (bad.size() * 8);
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      responder::TransportMessage refusal = r_->Handle(true, bad);
      // Refused in the clear: DecryptError, or SessionRequired when the
      // SessionID no longer names the session.
      if (!refusal.secured && refusal.bytes.size() >= 4 && refusal.bytes[1] == 0x7F &&
          (refusal.bytes[2] == uint8_t(wire::ErrorCode::kDecryptError) ||
           refusal.bytes[2] == uint8_t(wire::ErrorCode::kSessionRequired))) {
        ++responder_refusals;
      }
    }
    responder::TransportMessage rsp = r_->Handle(secured, req);
    if (!secured || !rsp.secured) return requester::ExchangeMessage{rsp.secured, std::move(rsp.bytes)};
    queue_.push_back(std::move(rsp.bytes));
    Bytes out = queue_.front();
    last_response_size = out.size();
    if (flip_response_bit) {
      const std::size_t bit = *flip_response_bit % (out.size() * 8);
      out[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    } else {
      queue_.pop_front();
    }
    return requester::ExchangeMessage{true, std::move(out)};
  }

 private:
  responder::Responder* r_;
  std::deque<Bytes> queue_;
};

struct FlipRig {
  std::unique_ptr<responder::Responder> responder;
  std::unique_ptr<FlipExchange> exchange;
  std::unique_ptr<requester::Requester> requester;
  uint32_t sid = 0;
};
FlipRig MakeFlipRig(bool doe) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP256);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP256);
  if (doe) {
    rc.binding = session::TransportBinding::PciDoe();
    qc.binding = session::TransportBinding::PciDoe();
  }
  FlipRig f;
  f.responder = responder::Responder::Create(rc).value();
  f.exchange = std::make_unique<FlipExchange>(f.responder.get());
  f.requester = requester::Requester::Create(qc, f.exchange.get()).value();
  CCGPU_CHECK(f.requester->InitConnection().has_value());
  CCGPU_CHECK(f.requester->GetCertificate().has_value());
  auto s = f.requester->StartSession();
  CCGPU_CHECK(s.has_value());
  f.sid = s->session_id;
  return f;
}

TEST(SecuredRecords, EveryBitFlipOfARequestRecordIsRefusedByTheResponder) {
  for (bool doe : {false, true}) {
    FlipRig f = MakeFlipRig(doe);
    ASSERT_TRUE(f.requester->Heartbeat(f.sid));
    // MCTP records carry 0..32 random padding bytes: cover the largest size.
    const std::size_t bits = (doe ? f.exchange->last_request_size : f.exchange->last_request_size + 32) * 8;
    for (std::size_t bit = 0; bit < bits; ++bit) {
      f.exchange->flip_request_bit = bit;
      ASSERT_TRUE(f.requester->Heartbeat(f.sid)) << "bit " << bit;  // the genuine record still works
      ASSERT_EQ(f.exchange->responder_refusals, static_cast<int>(bit + 1)) << "flipped bit " << bit << " was accepted";
    }
  }
}

TEST(SecuredRecords, EveryBitFlipOfAResponseRecordIsRefusedByTheRequester) {
  for (bool doe : {false, true}) {
    FlipRig f = MakeFlipRig(doe);
    ASSERT_TRUE(f.requester->Heartbeat(f.sid));
    const std::size_t bits = (doe ? f.exchange->last_response_size : f.exchange->last_response_size + 32) * 8;
    for (std::size_t bit = 0; bit < bits; ++bit) {
      f.exchange->flip_response_bit = bit;
      Status st = f.requester->Heartbeat(f.sid);
      ASSERT_FALSE(st) << "flipped bit " << bit << " was accepted";
      const Errc c = st.error().code;
      ASSERT_TRUE(c == Errc::kAuthFailed || c == Errc::kReplay || c == Errc::kSessionClosed || c == Errc::kTruncated ||
                  c == Errc::kTrailingData || c == Errc::kMalformed)
          << "bit " << bit << ": " << st.error().context;
      f.exchange->flip_response_bit.reset();
      ASSERT_TRUE(f.requester->Heartbeat(f.sid)) << "bit " << bit;  // the genuine record still opens
    }
  }
}

TEST(SecuredRecords, EveryRequestRecordReplayedIsRejected) {
  // Replays of each earlier record, each against the session that produced it.
  for (int which = 0; which < 3; ++which) {
    Established f = Establish(false);
    std::vector<Bytes> seen;
    f.pair.exchange->set_tamper([&](bool to, bool secured, Bytes& b) {
      if (to && secured) seen.push_back(b);
    });
    ASSERT_TRUE(f.pair.requester->Heartbeat(f.sid));
    ASSERT_TRUE(f.pair.requester->GetMeasurements(wire::meas::kOpAll, false, f.sid));
    ASSERT_TRUE(f.pair.requester->Heartbeat(f.sid));
    const Bytes replay = seen[static_cast<std::size_t>(which)];
    f.pair.exchange->set_tamper([&](bool to, bool secured, Bytes& b) {
      if (to && secured) b = replay;
    });
    Status st = f.pair.requester->Heartbeat(f.sid);
    ASSERT_FALSE(st) << which;
    EXPECT_EQ(f.pair.requester->last_peer_error(), wire::ErrorCode::kDecryptError) << which;
  }
}

TEST(SecuredRecords, EveryResponseRecordReplayedIsRejected) {
  for (int which = 0; which < 3; ++which) {
    Established f = Establish(false);
    std::vector<Bytes> seen;
    f.pair.exchange->set_tamper([&](bool to, bool secured, Bytes& b) {
      if (!to && secured) seen.push_back(b);
    });
    ASSERT_TRUE(f.pair.requester->Heartbeat(f.sid));
    ASSERT_TRUE(f.pair.requester->GetMeasurements(wire::meas::kOpAll, false, f.sid));
    ASSERT_TRUE(f.pair.requester->Heartbeat(f.sid));
    const Bytes replay = seen[static_cast<std::size_t>(which)];
    f.pair.exchange->set_tamper([&](bool to, bool secured, Bytes& b) {
      if (!to && secured) b = replay;
    });
    Status st = f.pair.requester->Heartbeat(f.sid);
    ASSERT_FALSE(st) << which;
    EXPECT_EQ(st.error().code, Errc::kReplay) << which;
  }
}

TEST(SecuredRecords, HandshakeRecordsWithAFlippedBitFailTheHandshake) {
  // FINISH (requester → responder) and FINISH_RSP (back) under handshake keys.
  for (bool to_rsp : {true, false}) {
    for (std::size_t bit : {0u, 40u, 48u, 100u, 200u, 300u}) {
      auto rc = testing::ResponderConfigFor(crypto::Curve::kP256);
      auto qc = testing::RequesterConfigFor(crypto::Curve::kP256);
      Pair p = MakePair(rc, qc);
      ASSERT_TRUE(p.requester->InitConnection());
      ASSERT_TRUE(p.requester->GetCertificate());
      p.exchange->set_tamper([&](bool to, bool secured, Bytes& b) {
        if (to == to_rsp && secured) b[(bit / 8) % b.size()] ^= static_cast<uint8_t>(1u << (bit % 8));
      });
      auto s = p.requester->StartSession();
      ASSERT_FALSE(s) << to_rsp << " bit " << bit;
    }
  }
}

// ---- hooks for the emulated GPU: caller's nonce, raw messages, opaque data,
// the session's export master secret for vendor handlers ----

class OpaqueProvider final : public responder::MeasurementProvider {
 public:
  Result<std::vector<responder::MeasurementEntry>> Collect() override {
    return responder::StaticMeasurementProvider::Sample()->Collect();
  }
  Result<Bytes> OpaqueData() override { return Bytes{0x03, 0x00, 0x02, 0x00, 0x41, 0x00}; }
};

TEST(Measurements, CallersNonceIsSentAndExactMessagesAndOpaqueDataAreReturned) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.measurements = std::make_shared<OpaqueProvider>();
  Pair p = MakePair(rc, Offer(kNvidia, wire::kVersion11));
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->GetCertificate());
  Bytes nonce(32);
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<uint8_t>(i * 7 + 1);
  auto m = p.requester->GetMeasurements(wire::meas::kOpAll, true, std::nullopt, false, nonce);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_TRUE(m->signature_verified);
  // SPDM 1.1 signed GET_MEASUREMENTS: 0x11 0xE0 0x01 0xFF nonce SlotID (37 bytes).
  ASSERT_EQ(m->request.size(), 37u);
  EXPECT_EQ(m->request[0], 0x11);
  EXPECT_EQ(m->request[1], 0xE0);
  EXPECT_EQ(m->request[2], 0x01);
  EXPECT_EQ(m->request[3], 0xFF);
  EXPECT_EQ(Bytes(m->request.begin() + 4, m->request.begin() + 36), nonce);
  EXPECT_EQ(m->opaque_data, (Bytes{0x03, 0x00, 0x02, 0x00, 0x41, 0x00}));
  ASSERT_GT(m->response.size(), 96u + 6u);
  EXPECT_EQ(m->response[1], 0x60);
  // The opaque data sits right before the 96-byte signature.
  EXPECT_EQ(Bytes(m->response.end() - 96 - 6, m->response.end() - 96), m->opaque_data);

  auto wrong = p.requester->GetMeasurements(wire::meas::kOpAll, true, std::nullopt, false, Bytes(31, 1));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::kInvalidArgument);
  auto unsigned_with_nonce = p.requester->GetMeasurements(wire::meas::kOpAll, false, std::nullopt, false, nonce);
  ASSERT_FALSE(unsigned_with_nonce);
  EXPECT_EQ(unsigned_with_nonce.error().code, Errc::kInvalidArgument);
  // Without opaque data from the provider, OpaqueLength is 0.
  Pair plain = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), Offer(kNvidia, wire::kVersion11));
  ASSERT_TRUE(plain.requester->InitConnection());
  auto u = plain.requester->GetMeasurements(wire::meas::kOpAll, false);
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->opaque_data.empty());
}

class SecretVendor final : public responder::VendorDefinedHandler {
 public:
  Result<Bytes> Handle(const responder::VendorRequest& r) override {
    if (!r.export_master_secret) return Bytes{0};
    auto first = r.export_master_secret();
    if (!first) return Fail(Errc::kDeviceError, "no secret");
    auto second = r.export_master_secret();
    second_call = second ? std::optional<Errc>() : std::optional<Errc>(second.error().code);
    return Bytes(first->reveal().begin(), first->reveal().end());
  }
  std::optional<Errc> second_call;
};

TEST(Vendor, HandlerInSessionGetsTheSessionsExportMasterSecretOnce) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  auto vendor = std::make_shared<SecretVendor>();
  rc.vendor = vendor;
  Pair p = MakePair(rc, Offer(kNvidia, wire::kVersion12));
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->GetCertificate());
  const Bytes vid = {0x01, 0x00};
  // Out of a session: no secret offered.
  auto clear = p.requester->VendorDefined(std::nullopt, 3, vid, Bytes{0x01});
  ASSERT_TRUE(clear);
  EXPECT_EQ(*clear, Bytes{0});
  auto s = p.requester->StartSession();
  ASSERT_TRUE(s);
  auto got = p.requester->VendorDefined(s->session_id, 3, vid, Bytes{0x01});
  ASSERT_TRUE(got) << got.error().ToString();
  auto mine = p.requester->TakeExportMasterSecret(s->session_id);
  ASSERT_TRUE(mine);
  ASSERT_EQ(got->size(), 48u);  // SHA-384
  EXPECT_EQ(*got, Bytes(mine->reveal().begin(), mine->reveal().end()));
  EXPECT_EQ(vendor->second_call, std::optional<Errc>(Errc::kStateError));
}

}  // namespace
}  // namespace ccgpu::spdm
