// DMTF's responder emulator's own answers, replayed to ccgpu's requester:
// VERSION, CAPABILITIES and ALGORITHMS of the four captured spdm-emu sessions
// (tests/data/third_party/spdm) as the replies to the requester's VCA. The
// requester must accept what spdm_responder_emu sends where it lies inside
// its own offer, and refuse, naming why, what it did not ask for.
#include <gtest/gtest.h>

#include <deque>

#include "spdm/requester/requester.h"
#include "spdm/responder/test_support.h"
#include "spdm/wire/message.h"
#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm {
namespace {

// Answers each request with the next captured reply.
class ReplayExchange final : public requester::MessageExchange {
 public:
  explicit ReplayExchange(std::deque<Bytes> replies) : replies_(std::move(replies)) {}
  Result<requester::ExchangeMessage> Exchange(bool, ByteSpan request) override {
    sent_.emplace_back(request.begin(), request.end());
    if (replies_.empty()) return Fail(Errc::kClosed, "replay: no more captured replies");
    Bytes next = std::move(replies_.front());
    replies_.pop_front();
    return requester::ExchangeMessage{false, std::move(next)};
  }
  const std::vector<Bytes>& sent() const { return sent_; }

 private:
  std::deque<Bytes> replies_;
  std::vector<Bytes> sent_;
};

struct Replayed {
  uint8_t version = 0;
  wire::testing::CapturedVca vca;
  ReplayExchange exchange;
  std::unique_ptr<requester::Requester> requester;
};

// The captured ALGORITHMS answered the emulator's NEGOTIATE_ALGORITHMS,
// which also offered a requester signing algorithm (ReqBaseAsymAlg) for
// mutual authentication. ccgpu's requester does not offer one, and a
// responder answers only the AlgTypes requested (DSP0274 1.2 §10.5; libspdm
// does), so that AlgStruct is dropped here. Every other field is the
// emulator's. `set_other_params` ORs bits into OtherParamsSelection.
Bytes AsAnsweredToUs(const Bytes& captured, uint8_t set_other_params) {
  auto a = wire::ParseAlgorithms(captured, {});
  CCGPU_CHECK(a.has_value());
  std::vector<wire::AlgStruct> kept;
  for (const auto& s : a->alg_structs) {
    if (s.alg_type != wire::alg::kAlgTypeReqBaseAsym) kept.push_back(s);
  }
  a->alg_structs = kept;
  a->other_params_selection |= set_other_params;
  auto out = wire::SerializeAlgorithms(*a);
  CCGPU_CHECK(out.has_value());
  return *out;
}

std::unique_ptr<Replayed> Replay(const char* file, uint8_t set_other_params = 0) {
  auto kat = wire::testing::LoadKat(file);
  auto r = std::make_unique<Replayed>(Replayed{kat.at("SPDMVersion")[0], {}, ReplayExchange({}), nullptr});
  r->vca = wire::testing::SplitCapturedVca(kat.at("VCA"), r->version);
  r->exchange = ReplayExchange({r->vca.version, r->vca.capabilities, AsAnsweredToUs(r->vca.algorithms, set_other_params)});
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.versions = {r->version};
  auto q = requester::Requester::Create(qc, &r->exchange);
  CCGPU_CHECK(q.has_value());
  r->requester = std::move(*q);
  return r;
}

class EmuResponsesToOurRequester : public ::testing::TestWithParam<const char*> {};

TEST_P(EmuResponsesToOurRequester, VcaIsAcceptedWithTheEmulatorsChoices) {
  auto r = Replay(GetParam());
  auto st = r->requester->InitConnection();
  ASSERT_TRUE(st) << st.error().ToString();
  const auto& c = r->requester->connection();
  EXPECT_EQ(c.version, r->version);
  EXPECT_EQ(c.base_asym, wire::alg::kEcdsaP384);
  EXPECT_EQ(c.base_hash, wire::alg::kSha384);
  EXPECT_EQ(c.dhe, wire::alg::kSecp384r1);
  EXPECT_EQ(c.aead, wire::alg::kAes256Gcm);
  // spdm-emu measures with SHA-512 by default: a choice the responder makes
  // alone (the requester offers only the measurement specification).
  EXPECT_EQ(c.measurement_hash, wire::alg::kMeasSha512);
  EXPECT_TRUE(c.responder_capabilities & wire::cap::kKeyEx);
  EXPECT_EQ(r->exchange.sent().size(), 3u);
  EXPECT_EQ(r->exchange.sent()[0], r->vca.get_version);  // GET_VERSION is the same bytes
}

INSTANTIATE_TEST_SUITE_P(Captures, EmuResponsesToOurRequester,
                         ::testing::Values("session_1.1_p384_aes256gcm_mctp.txt", "session_1.2_p384_aes256gcm_mctp.txt",
                                           "session_1.2_p384_aes256gcm_mctp_handshake_in_clear.txt",
                                           "session_1.3_p384_aes256gcm_mctp_multikey.txt"));

// In the 1.3 capture the emulator's requester asked for MULTI_KEY_CONN and
// its responder (MULTI_KEY_CAP 10b) left OtherParamsSelection at
// OpaqueDataFmt1 alone; the multi-key connection follows from the request.
// ccgpu does not ask for it, so nothing changes for it. A responder that
// did select MULTI_KEY_CONN unasked would change every transcript that
// follows: refused.
TEST(EmuResponsesToOurRequester, MultiKeyConnNotOfferedIsRefused) {
  auto r = Replay("session_1.3_p384_aes256gcm_mctp_multikey.txt", wire::alg::kMultiKeyConn);
  auto st = r->requester->InitConnection();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kDowngrade);
  EXPECT_STREQ(st.error().context, "spdm requester: OtherParamsSelection outside the offer");
}

// Without the edit, the captured ALGORITHMS answers an AlgType ccgpu never
// offered: refused as such.
TEST(EmuResponsesToOurRequester, AnAnswerToAnotherOfferIsRefused) {
  auto kat = wire::testing::LoadKat("session_1.2_p384_aes256gcm_mctp.txt");
  const auto vca = wire::testing::SplitCapturedVca(kat.at("VCA"), wire::kVersion12);
  ReplayExchange ex({vca.version, vca.capabilities, vca.algorithms});
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.versions = {wire::kVersion12};
  auto q = requester::Requester::Create(qc, &ex);
  ASSERT_TRUE(q);
  auto st = (*q)->InitConnection();
  ASSERT_FALSE(st);
  EXPECT_STREQ(st.error().context, "spdm requester: ALGORITHMS answers an AlgType not offered");
}

}  // namespace
}  // namespace ccgpu::spdm

namespace ccgpu::spdm {
namespace {

using testing::MakePair;
using testing::Pair;

// The whole flow against a responder that measures with SHA-512, as DMTF's
// emulator does by default: VCA, CHALLENGE with a measurement summary, signed
// measurements (64-byte digests) and a session.
TEST(Sha512Measurements, FullFlowAgainstAResponderMeasuringWithSha512) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.measurement_hash = wire::alg::kMeasSha512;
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  Pair p = MakePair(rc, qc);
  auto& q = *p.requester;
  ASSERT_TRUE(q.InitConnection());
  EXPECT_EQ(q.connection().measurement_hash, wire::alg::kMeasSha512);
  ASSERT_TRUE(q.GetCertificate());
  auto summary = q.Challenge(wire::kMeasSummaryHashAll);
  ASSERT_TRUE(summary) << summary.error().ToString();
  EXPECT_EQ(summary->size(), 48u);  // the summary uses the base hash (SHA-384)
  auto m = q.GetMeasurements(wire::meas::kOpAll, true);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_TRUE(m->signature_verified);
  bool digest_of_64 = false;
  for (const auto& b : m->blocks) digest_of_64 = digest_of_64 || b.value.size() == 64;
  EXPECT_TRUE(digest_of_64);
  auto s = q.StartSession(wire::kMeasSummaryHashAll);
  ASSERT_TRUE(s) << s.error().ToString();
  ASSERT_TRUE(q.EndSession(s->session_id));

  rc.measurement_hash = wire::alg::kMeasSha3_256;  // not implemented here
  EXPECT_FALSE(responder::Responder::Create(rc));
}

}  // namespace
}  // namespace ccgpu::spdm
