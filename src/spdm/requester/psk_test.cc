// PSK sessions (PSK_EXCHANGE / PSK_FINISH), requester ↔ responder in process:
// every version, with and without the responder's PSK context, both
// algorithm sets; wrong and unknown PSKs; the responder's refusals; a host in
// the middle editing or replaying PSK_EXCHANGE_RSP.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "spdm/requester/requester.h"
#include "spdm/responder/test_support.h"
#include "spdm/wire/message.h"

namespace ccgpu::spdm {
namespace {

using testing::MakePair;
using testing::Pair;

// libspdm's test PSK and hint (both NUL-terminated), which DMTF's emulators
// use by default.
const std::string kHintText("TestPskHint", 12);
const std::string kPskText("TestPskData", 12);
ByteSpan Span(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

std::shared_ptr<session::InMemoryPskStore> Store(const std::string& hint, const std::string& psk) {
  auto store = std::make_shared<session::InMemoryPskStore>();
  CCGPU_CHECK(store->Add(Span(hint), SecretBytes::CopyOf(Span(psk))).has_value());
  return store;
}

struct PskSetup {
  uint8_t version = wire::kVersion12;
  crypto::Curve curve = crypto::Curve::kP384;
  bool with_context = true;
};

Pair PskPair(const PskSetup& s, std::shared_ptr<session::PskStore> rsp_store,
             std::shared_ptr<session::PskStore> req_store) {
  auto rc = testing::ResponderConfigFor(s.curve);
  auto qc = testing::RequesterConfigFor(s.curve);
  rc.psk_store = std::move(rsp_store);
  qc.psk_store = std::move(req_store);
  qc.versions = {s.version};
  rc.capabilities = (rc.capabilities & ~wire::cap::kPskMask) | (s.with_context ? wire::cap::kPskWithContext : wire::cap::kPsk);
  if (s.curve == crypto::Curve::kP256) {
    qc.base_hash = wire::alg::kSha256;
    qc.aead = wire::alg::kChaCha20Poly1305;
  }
  return MakePair(rc, qc);
}

Pair PskPair(const PskSetup& s = {}) { return PskPair(s, Store(kHintText, kPskText), Store(kHintText, kPskText)); }

Bytes ExportSecret(Pair& p, uint32_t id) {
  auto q = p.requester->TakeExportMasterSecret(id);
  auto r = p.responder->TakeExportMasterSecret(id);
  CCGPU_CHECK(q.has_value() && r.has_value());
  EXPECT_EQ(Bytes(q->reveal().begin(), q->reveal().end()), Bytes(r->reveal().begin(), r->reveal().end()));
  return Bytes(q->reveal().begin(), q->reveal().end());
}

class PskFlow : public ::testing::TestWithParam<std::tuple<uint8_t, crypto::Curve, bool>> {};

TEST_P(PskFlow, SessionWithoutCertificateRunsEveryInSessionStep) {
  const auto [version, curve, with_context] = GetParam();
  Pair p = PskPair(PskSetup{version, curve, with_context});
  auto& q = *p.requester;
  ASSERT_TRUE(q.InitConnection());
  EXPECT_EQ(q.connection().responder_capabilities & wire::cap::kPskMask,
            with_context ? wire::cap::kPskWithContext : wire::cap::kPsk);
  // No GET_DIGESTS / GET_CERTIFICATE: the PSK authenticates the responder.
  auto s = q.StartPskSession(Span(kHintText), wire::kMeasSummaryHashAll, wire::kSessionPolicyTermination);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_TRUE(s->psk);
  EXPECT_EQ(s->psk_finish, with_context);
  const std::size_t h = curve == crypto::Curve::kP384 ? 48 : 32;
  EXPECT_EQ(s->measurement_summary_hash.size(), h);
  EXPECT_EQ(p.responder->session_count(), 1u);
  ASSERT_TRUE(q.Heartbeat(s->session_id));
  ASSERT_TRUE(q.KeyUpdate(s->session_id, session::KeyUpdateOp::kUpdateAllKeys));
  ASSERT_TRUE(q.KeyUpdate(s->session_id, session::KeyUpdateOp::kVerifyNewKey));
  auto m = q.GetMeasurements(0xFF, false, s->session_id);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_FALSE(m->blocks.empty());
  const Bytes secret = ExportSecret(p, s->session_id);
  EXPECT_EQ(secret.size(), h);
  ASSERT_TRUE(q.EndSession(s->session_id));
  EXPECT_EQ(p.responder->session_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(VersionsCurvesContext, PskFlow,
                         ::testing::Combine(::testing::Values(wire::kVersion11, wire::kVersion12, wire::kVersion13),
                                            ::testing::Values(crypto::Curve::kP384, crypto::Curve::kP256),
                                            ::testing::Bool()));

TEST(PskSession, SessionsAreFreshAndIndependent) {
  Pair p = PskPair();
  ASSERT_TRUE(p.requester->InitConnection());
  auto a = p.requester->StartPskSession(Span(kHintText));
  auto b = p.requester->StartPskSession(Span(kHintText));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->session_id, b->session_id);
  EXPECT_NE(ExportSecret(p, a->session_id), ExportSecret(p, b->session_id));
  // A KEY_EXCHANGE session beside them still works.
  ASSERT_TRUE(p.requester->GetCertificate());
  auto k = p.requester->StartSession();
  ASSERT_TRUE(k) << k.error().ToString();
  EXPECT_FALSE(k->psk);
  EXPECT_EQ(p.responder->session_count(), 3u);
}

TEST(PskSession, AnotherPskUnderTheSameHintFailsTheResponderVerifyData) {
  Pair p = PskPair(PskSetup{}, Store(kHintText, "another key"), Store(kHintText, kPskText));
  ASSERT_TRUE(p.requester->InitConnection());
  auto s = p.requester->StartPskSession(Span(kHintText));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kTranscriptMismatch);
}

TEST(PskSession, HintsEachSideDoesNotHold) {
  Pair p = PskPair(PskSetup{}, Store("other hint", kPskText), Store(kHintText, kPskText));
  ASSERT_TRUE(p.requester->InitConnection());
  auto s = p.requester->StartPskSession(Span(kHintText));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kPeerError);
  EXPECT_EQ(p.requester->last_peer_error(), wire::ErrorCode::kInvalidRequest);
  EXPECT_STREQ(p.responder->last_error_context(), "spdm.psk: no PSK under that PSKHint");
  // The requester's own store lacks the hint: nothing is sent.
  const std::size_t before = p.exchange->exchanges();
  auto local = p.requester->StartPskSession(Span(std::string("unknown")));
  ASSERT_FALSE(local);
  EXPECT_EQ(local.error().code, Errc::kNotFound);
  EXPECT_EQ(p.exchange->exchanges(), before);
}

TEST(PskSession, WithoutStoresThereIsNoPskCapability) {
  Pair p = PskPair(PskSetup{}, nullptr, Store(kHintText, kPskText));
  ASSERT_TRUE(p.requester->InitConnection());
  EXPECT_EQ(p.requester->connection().responder_capabilities & wire::cap::kPskMask, 0u);
  auto s = p.requester->StartPskSession(Span(kHintText));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnsupported);
  // A PSK_EXCHANGE sent anyway is UnsupportedRequest.
  Bytes ex = {p.requester->connection().version, 0xE6, 0, 0, 1, 0, 0, 0, 32, 0, 0, 0};
  ex.insert(ex.end(), 32, 0x11);
  auto raw = p.requester->SendApplicationMessage(std::nullopt, ex);
  ASSERT_TRUE(raw);
  EXPECT_EQ((*raw)[1], static_cast<uint8_t>(wire::Code::kError));
  EXPECT_EQ((*raw)[2], static_cast<uint8_t>(wire::ErrorCode::kUnsupportedRequest));

  Pair no_req = PskPair(PskSetup{}, Store(kHintText, kPskText), nullptr);
  ASSERT_TRUE(no_req.requester->InitConnection());
  auto n = no_req.requester->StartPskSession(Span(kHintText));
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, Errc::kStateError);
}

// Sends a PSK_EXCHANGE built here and returns the response's ERROR code (0
// for a PSK_EXCHANGE_RSP).
uint8_t RawPskExchange(Pair& p, const wire::PskExchange& ex) {
  auto bytes = wire::SerializePskExchange(ex);
  CCGPU_CHECK(bytes.has_value());
  auto raw = p.requester->SendApplicationMessage(std::nullopt, *bytes);
  CCGPU_CHECK(raw.has_value() && raw->size() >= 4);
  if ((*raw)[1] == static_cast<uint8_t>(wire::Code::kPskExchangeRsp)) return 0;
  EXPECT_EQ((*raw)[1], static_cast<uint8_t>(wire::Code::kError));
  return (*raw)[2];
}

TEST(PskSession, ResponderRefusesShortContextsLongHintsAndBadOpaqueData) {
  Pair p = PskPair();
  ASSERT_TRUE(p.requester->InitConnection());
  // The opaque data a real PSK_EXCHANGE carries, captured from a session
  // the requester ran.
  Bytes opaque;
  p.exchange->set_tamper([&](bool to_responder, bool, Bytes& b) {
    if (!to_responder || b.size() < 12 || b[1] != 0xE6) return;
    const std::size_t hint = b[6] | (b[7] << 8), ctx = b[8] | (b[9] << 8);
    opaque.assign(b.begin() + 12 + static_cast<std::ptrdiff_t>(hint + ctx), b.end());
  });
  ASSERT_TRUE(p.requester->StartPskSession(Span(kHintText)));
  p.exchange->set_tamper(nullptr);
  ASSERT_FALSE(opaque.empty());
  const Bytes context(32, 0x42);
  wire::PskExchange ex;
  ex.version = p.requester->connection().version;
  ex.req_session_id = 7;
  ex.psk_hint = Span(kHintText);
  ex.requester_context = context;
  ex.opaque_data = opaque;
  EXPECT_EQ(RawPskExchange(p, ex), 0);  // the well-formed one is answered
  const Bytes short_context(31, 0x42);
  ex.requester_context = short_context;
  EXPECT_EQ(RawPskExchange(p, ex), static_cast<uint8_t>(wire::ErrorCode::kInvalidRequest));
  ex.requester_context = context;
  const Bytes long_hint(65, 'h');
  ex.psk_hint = long_hint;
  EXPECT_EQ(RawPskExchange(p, ex), static_cast<uint8_t>(wire::ErrorCode::kInvalidRequest));
  ex.psk_hint = Span(kHintText);
  ex.opaque_data = {};
  EXPECT_EQ(RawPskExchange(p, ex), static_cast<uint8_t>(wire::ErrorCode::kInvalidRequest));
  ex.opaque_data = opaque;
  ex.meas_summary_hash_type = 2;  // reserved
  EXPECT_EQ(RawPskExchange(p, ex), static_cast<uint8_t>(wire::ErrorCode::kInvalidRequest));
}

TEST(PskSession, SessionLimitCountsPskSessions) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  rc.psk_store = Store(kHintText, kPskText);
  qc.psk_store = Store(kHintText, kPskText);
  rc.max_sessions = 1;
  Pair p = MakePair(rc, qc);
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->StartPskSession(Span(kHintText)));
  auto second = p.requester->StartPskSession(Span(kHintText));
  ASSERT_FALSE(second);
  EXPECT_EQ(p.requester->last_peer_error(), wire::ErrorCode::kSessionLimitExceeded);
}

TEST(PskSession, BadResponderVerifyDataFault) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  rc.psk_store = Store(kHintText, kPskText);
  qc.psk_store = Store(kHintText, kPskText);
  rc.fault = responder::Fault::kBadResponderVerifyData;
  Pair p = MakePair(rc, qc);
  ASSERT_TRUE(p.requester->InitConnection());
  auto s = p.requester->StartPskSession(Span(kHintText));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kTranscriptMismatch);
}

// A host in the middle: every edit of PSK_EXCHANGE_RSP is caught, and so is
// a PSK_EXCHANGE_RSP replayed from an earlier session.
TEST(PskSession, EditedOrReplayedResponsesAreCaught) {
  Pair p = PskPair();
  ASSERT_TRUE(p.requester->InitConnection());
  Bytes recorded;
  p.exchange->set_tamper([&](bool to_responder, bool, Bytes& b) {
    if (!to_responder && b.size() > 1 && b[1] == 0x66) recorded = b;
  });
  ASSERT_TRUE(p.requester->StartPskSession(Span(kHintText)));
  ASSERT_FALSE(recorded.empty());
  const std::size_t size = recorded.size();
  // Flip one bit of each byte after the header in turn (RspSessionID,
  // lengths, context, opaque data, VerifyData).
  for (std::size_t at = 4; at < size; ++at) {
    p.exchange->set_tamper([&, at](bool to_responder, bool, Bytes& b) {
      if (!to_responder && b.size() > 1 && b[1] == 0x66) b[at] ^= 0x01;
    });
    // A new connection each time: the responder's half-open sessions of
    // the failed attempts would otherwise reach its session limit.
    ASSERT_TRUE(p.requester->InitConnection());
    auto s = p.requester->StartPskSession(Span(kHintText));
    ASSERT_FALSE(s) << "byte " << at;
    const Errc c = s.error().code;
    EXPECT_TRUE(c == Errc::kTranscriptMismatch || c == Errc::kTruncated || c == Errc::kTrailingData ||
                c == Errc::kMalformed || c == Errc::kDowngrade)
        << "byte " << at << ": " << s.error().ToString();
  }
  p.exchange->set_tamper([&](bool to_responder, bool, Bytes& b) {
    if (!to_responder && b.size() > 1 && b[1] == 0x66) b = recorded;
  });
  ASSERT_TRUE(p.requester->InitConnection());
  auto replayed = p.requester->StartPskSession(Span(kHintText));
  ASSERT_FALSE(replayed);
  EXPECT_EQ(replayed.error().code, Errc::kTranscriptMismatch);
}

TEST(PskSession, ResponderContextMustMatchPskCap) {
  Pair p = PskPair(PskSetup{wire::kVersion12, crypto::Curve::kP384, /*with_context=*/false});
  ASSERT_TRUE(p.requester->InitConnection());
  // Insert a 32-byte ResponderContext the responder's PSK_CAP (01b) rules out.
  p.exchange->set_tamper([&](bool to_responder, bool, Bytes& b) {
    if (to_responder || b.size() < 12 || b[1] != 0x66) return;
    b[8] = 32;
    b.insert(b.begin() + 12, 32, 0xCC);
  });
  auto s = p.requester->StartPskSession(Span(kHintText));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kMalformed);
}

}  // namespace
}  // namespace ccgpu::spdm

namespace ccgpu::spdm {
namespace {

// At the smallest DataTransferSize, PSK_EXCHANGE (≈ 100 bytes) goes by
// CHUNK_SEND and PSK_EXCHANGE_RSP by CHUNK_GET; the session still works.
TEST(PskSession, WorksInChunksAtDataTransferSize42) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  rc.psk_store = Store(kHintText, kPskText);
  qc.psk_store = Store(kHintText, kPskText);
  rc.data_transfer_size = wire::kMinDataTransferSize;
  qc.data_transfer_size = wire::kMinDataTransferSize;
  Pair p = MakePair(rc, qc);
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->connection().chunking);
  const int sent = p.requester->chunked_requests(), fetched = p.requester->chunked_responses();
  auto s = p.requester->StartPskSession(Span(kHintText), wire::kMeasSummaryHashAll);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_GT(p.requester->chunked_requests(), sent);
  EXPECT_GT(p.requester->chunked_responses(), fetched);
  ASSERT_TRUE(p.requester->Heartbeat(s->session_id));
  ExportSecret(p, s->session_id);
}

}  // namespace
}  // namespace ccgpu::spdm

namespace ccgpu::spdm {
namespace {

// Without a ResponderContext, a replayed PSK_EXCHANGE would re-create an
// earlier session's keys: the responder refuses a RequesterContext it has
// seen, also on a new connection. With context, the same request is fine
// (the responder's own context makes the keys fresh).
TEST(PskSession, ReplayedPskExchangeWithoutContextIsRefused) {
  for (bool with_context : {false, true}) {
    Pair p = PskPair(PskSetup{wire::kVersion12, crypto::Curve::kP384, with_context});
    ASSERT_TRUE(p.requester->InitConnection());
    Bytes recorded;
    p.exchange->set_tamper([&](bool to_responder, bool, Bytes& b) {
      if (to_responder && b.size() > 1 && b[1] == 0xE6) recorded = b;
    });
    ASSERT_TRUE(p.requester->StartPskSession(Span(kHintText)));
    p.exchange->set_tamper(nullptr);
    ASSERT_FALSE(recorded.empty());
    ASSERT_TRUE(p.requester->InitConnection());  // a new connection, same responder
    auto raw = p.requester->SendApplicationMessage(std::nullopt, recorded);
    ASSERT_TRUE(raw);
    if (with_context) {
      EXPECT_EQ((*raw)[1], static_cast<uint8_t>(wire::Code::kPskExchangeRsp)) << "with context";
    } else {
      EXPECT_EQ((*raw)[1], static_cast<uint8_t>(wire::Code::kError));
      EXPECT_EQ((*raw)[2], static_cast<uint8_t>(wire::ErrorCode::kInvalidRequest));
      EXPECT_STREQ(p.responder->last_error_context(), "spdm responder: PSK_EXCHANGE RequesterContext seen before (replay)");
      // A fresh PSK_EXCHANGE (new context) still works.
      EXPECT_TRUE(p.requester->StartPskSession(Span(kHintText)));
    }
  }
}

}  // namespace
}  // namespace ccgpu::spdm
