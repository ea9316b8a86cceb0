// Large SPDM messages (DSP0274 1.2 CHUNK_SEND / CHUNK_GET) between ccgpu's
// requester and responder in process: the whole flow at the smallest
// DataTransferSize (every message above 42 bytes travels in chunks, in the
// clear and in sessions), PCI DOE padding around the ACK, what happens
// without CHUNK_CAP, tampered chunks, and the responder's answer to every
// broken chunk sequence.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>

#include "spdm/requester/requester.h"
#include "spdm/responder/test_support.h"
#include "spdm/wire/message.h"

namespace ccgpu::spdm {
namespace {

using testing::MakePair;
using testing::Pair;

constexpr uint32_t kSmallest = wire::kMinDataTransferSize;  // 42

// Pads every plain message to a DWORD with zeros, both ways, as PCI DOE does.
void PadLikeDoe(bool /*to_responder*/, bool secured, Bytes& bytes) {
  if (secured) return;
  while (bytes.size() % 4 != 0) bytes.push_back(0);
}

class ChunkedFlow : public ::testing::TestWithParam<std::tuple<uint8_t, crypto::Curve, bool /*padded*/>> {};

TEST_P(ChunkedFlow, WholeFlowAtTheSmallestDataTransferSize) {
  const auto [version, curve, padded] = GetParam();
  auto rc = testing::ResponderConfigFor(curve);
  auto qc = testing::RequesterConfigFor(curve);
  qc.versions = {version};
  rc.data_transfer_size = kSmallest;
  qc.data_transfer_size = kSmallest;
  if (padded) {
    rc.allow_dword_padding = true;
    qc.allow_dword_padding = true;
  }
  Pair p = MakePair(rc, qc);
  if (padded) p.exchange->set_tamper(PadLikeDoe);
  auto& q = *p.requester;
  auto vca = q.InitConnection();
  ASSERT_TRUE(vca) << vca.error().ToString() << " / responder: " << p.responder->last_error_context() << " / "
                   << (q.last_peer_error() ? int(*q.last_peer_error()) : -1);
  EXPECT_TRUE(q.connection().chunking);
  EXPECT_EQ(q.connection().responder_data_transfer_size, kSmallest);
  EXPECT_EQ(q.connection().responder_max_spdm_msg_size, 0x10000u);
  ASSERT_TRUE(q.GetDigests());
  auto chain = q.GetCertificate();
  ASSERT_TRUE(chain) << chain.error().ToString();
  EXPECT_NE(chain->leaf_subject.find("ccgpu SPDM test device"), std::string::npos);
  ASSERT_TRUE(q.Challenge(wire::kMeasSummaryHashAll));
  auto all = q.GetMeasurements(wire::meas::kOpAll, true);
  ASSERT_TRUE(all) << all.error().ToString();
  EXPECT_TRUE(all->signature_verified);
  EXPECT_EQ(all->blocks.size(), 4u);
  const int responses_before_session = q.chunked_responses();
  EXPECT_GT(responses_before_session, 0);
  // KEY_EXCHANGE (> 42 bytes) goes by CHUNK_SEND, its response by CHUNK_GET;
  // FINISH goes by CHUNK_SEND inside the handshake.
  auto s = q.StartSession(wire::kMeasSummaryHashTcb);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_GE(q.chunked_requests(), 2);
  ASSERT_TRUE(q.Heartbeat(s->session_id));
  ASSERT_TRUE(q.KeyUpdate(s->session_id, session::KeyUpdateOp::kUpdateAllKeys));
  ASSERT_TRUE(q.KeyUpdate(s->session_id, session::KeyUpdateOp::kVerifyNewKey));
  // A signed MEASUREMENTS inside the session: fetched by secured CHUNK_GETs.
  const int before = q.chunked_responses();
  auto in_session = q.GetMeasurements(wire::meas::kOpAll, true, s->session_id);
  ASSERT_TRUE(in_session) << in_session.error().ToString();
  EXPECT_TRUE(in_session->signature_verified);
  EXPECT_EQ(q.chunked_responses(), before + 1);
  // Same blocks as outside the session.
  ASSERT_EQ(in_session->blocks.size(), all->blocks.size());
  for (std::size_t i = 0; i < all->blocks.size(); ++i) EXPECT_EQ(in_session->blocks[i].value, all->blocks[i].value);
  auto export_q = q.TakeExportMasterSecret(s->session_id);
  auto export_r = p.responder->TakeExportMasterSecret(s->session_id);
  ASSERT_TRUE(export_q && export_r);
  EXPECT_TRUE(std::equal(export_q->reveal().begin(), export_q->reveal().end(), export_r->reveal().begin(),
                         export_r->reveal().end()));
  ASSERT_TRUE(q.EndSession(s->session_id));
  EXPECT_EQ(p.responder->session_count(), 0u);
}

std::string ChunkedName(const ::testing::TestParamInfo<ChunkedFlow::ParamType>& info) {
  const auto [v, curve, padded] = info.param;
  return std::string("v1") + char('0' + (v & 0x0F)) + (curve == crypto::Curve::kP384 ? "_p384" : "_p256") +
         (padded ? "_dword_padded" : "_unpadded");
}

INSTANTIATE_TEST_SUITE_P(Versions, ChunkedFlow,
                         ::testing::Combine(::testing::Values(wire::kVersion12, wire::kVersion13),
                                            ::testing::Values(crypto::Curve::kP384, crypto::Curve::kP256),
                                            ::testing::Bool()),
                         ChunkedName);

// HANDSHAKE_IN_THE_CLEAR: FINISH (52+ bytes) and FINISH_RSP with its
// ResponderVerifyData (52 bytes) go by chunks in the clear, and the session
// switches to application keys only once FINISH_RSP is whole.
TEST(Chunking, InTheClearHandshakeAtTheSmallestDataTransferSize) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  rc.capabilities |= wire::cap::kHandshakeInTheClear;
  qc.capabilities |= wire::cap::kHandshakeInTheClear;
  rc.data_transfer_size = kSmallest;
  qc.data_transfer_size = kSmallest;
  Pair p = MakePair(rc, qc);
  auto& q = *p.requester;
  ASSERT_TRUE(q.InitConnection());
  ASSERT_TRUE(q.connection().handshake_in_the_clear);
  ASSERT_TRUE(q.GetCertificate());
  const int responses = q.chunked_responses();
  auto s = q.StartSession();
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_GE(q.chunked_responses(), responses + 2);  // KEY_EXCHANGE_RSP and FINISH_RSP
  ASSERT_TRUE(q.Heartbeat(s->session_id));
  auto m = q.GetMeasurements(wire::meas::kOpAll, true, s->session_id);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_TRUE(m->signature_verified);
  ASSERT_TRUE(q.EndSession(s->session_id));
}

TEST(Chunking, NothingIsChunkedWhenMessagesFit) {
  Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384),
                    testing::RequesterConfigFor(crypto::Curve::kP384));
  auto& q = *p.requester;
  ASSERT_TRUE(q.InitConnection());
  EXPECT_TRUE(q.connection().chunking);
  ASSERT_TRUE(q.GetCertificate());
  ASSERT_TRUE(q.GetMeasurements(wire::meas::kOpAll, true));
  ASSERT_TRUE(q.StartSession());
  EXPECT_EQ(q.chunked_requests(), 0);
  EXPECT_EQ(q.chunked_responses(), 0);
}

TEST(Chunking, OffWithoutChunkCapOnEitherSideOrAt11) {
  // The requester lacks CHUNK_CAP: its large requests are refused locally,
  // the responder's large responses become ResponseTooLarge.
  {
    auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
    auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
    // 48 bytes: NEGOTIATE_ALGORITHMS and ALGORITHMS still fit.
    rc.data_transfer_size = 48;
    qc.data_transfer_size = 48;
    qc.capabilities &= ~wire::cap::kChunk;
    Pair p = MakePair(rc, qc);
    auto& q = *p.requester;
    ASSERT_TRUE(q.InitConnection());
    EXPECT_FALSE(q.connection().chunking);
    auto chain = q.GetCertificate();  // portions fit: the responder cuts them to 48
    ASSERT_TRUE(chain) << chain.error().ToString();
    auto m = q.GetMeasurements(wire::meas::kOpAll, true);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::kPeerError);
    EXPECT_EQ(q.last_peer_error(), wire::ErrorCode::kResponseTooLarge);
    auto s = q.StartSession();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::kLengthOverflow) << s.error().ToString();
  }
  // The responder lacks it.
  {
    auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
    rc.capabilities &= ~wire::cap::kChunk;
    rc.data_transfer_size = 48;
    Pair p = MakePair(rc, testing::RequesterConfigFor(crypto::Curve::kP384));
    ASSERT_TRUE(p.requester->InitConnection());
    EXPECT_FALSE(p.requester->connection().chunking);
    EXPECT_EQ(p.requester->connection().responder_max_spdm_msg_size, 48u);
    ASSERT_TRUE(p.requester->GetCertificate());
    auto s = p.requester->StartSession();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::kLengthOverflow);
  }
  // SPDM 1.1 has no chunking at all.
  {
    auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
    qc.versions = {wire::kVersion11};
    Pair p = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), qc);
    ASSERT_TRUE(p.requester->InitConnection());
    EXPECT_FALSE(p.requester->connection().chunking);
  }
}

TEST(Chunking, ConfigurationRules) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.capabilities &= ~wire::cap::kChunk;
  rc.max_spdm_msg_size = rc.data_transfer_size * 2;
  auto r = responder::Responder::Create(rc);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.max_spdm_msg_size = rc.data_transfer_size - 1;
  EXPECT_FALSE(responder::Responder::Create(rc));
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.max_spdm_msg_size = qc.data_transfer_size - 1;
  EXPECT_FALSE(requester::Requester::Create(qc, nullptr));
}

// A tampered chunk of a signed response changes the reassembled message, so
// the signature over L1/L2 fails.
TEST(Chunking, TamperedChunkOfASignedResponseFailsItsSignature) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  rc.data_transfer_size = kSmallest;
  qc.data_transfer_size = kSmallest;
  Pair p = MakePair(rc, qc);
  auto& q = *p.requester;
  ASSERT_TRUE(q.InitConnection());
  ASSERT_TRUE(q.GetCertificate());
  int responses = 0;
  p.exchange->set_tamper([&](bool to_responder, bool, Bytes& b) {
    if (to_responder || b.size() < 20 || b[1] != static_cast<uint8_t>(wire::Code::kChunkResponse)) return;
    if (++responses == 2) b[b.size() - 1] ^= 0x01;  // inside chunk 1's SPDMchunk
  });
  auto m = q.GetMeasurements(wire::meas::kOpAll, true);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::kBadSignature) << m.error().ToString();
}

// --- The responder's rules, request by request -----------------------------

class ResponderChunkRules : public ::testing::Test {
 protected:
  void SetUp() override {
    auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
    rc.data_transfer_size = 64;
    rc.max_spdm_msg_size = 1024;
    auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
    qc.versions = {wire::kVersion12};
    qc.data_transfer_size = 64;
    pair_ = MakePair(rc, qc);
    ASSERT_TRUE(pair_.requester->InitConnection());
  }

  Bytes Send(const wire::ChunkSend& c) {
    auto msg = wire::SerializeChunkSend(c);
    CCGPU_CHECK(msg.has_value());
    return pair_.responder->Handle(false, *msg).bytes;
  }
  Bytes Get(uint8_t handle, uint16_t seq) {
    auto msg = wire::SerializeChunkGet(wire::ChunkGet{wire::kVersion12, handle, seq});
    CCGPU_CHECK(msg.has_value());
    return pair_.responder->Handle(false, *msg).bytes;
  }
  // ACK fields (owned: the raw reply is often a temporary), or the test fails.
  struct AckSeen {
    bool early_error = false;
    uint8_t handle = 0;
    uint16_t chunk_seq_no = 0;
    Bytes response;
  };
  AckSeen Ack(const Bytes& raw) {
    auto a = wire::ParseChunkSendAck(raw, {});
    EXPECT_TRUE(a) << a.error().ToString();
    if (!a) return {};
    return {a->early_error, a->handle, a->chunk_seq_no, Bytes(a->response.begin(), a->response.end())};
  }
  static wire::ErrorCode ErrorOf(ByteSpan raw) {
    auto e = wire::ParseError(raw, {});
    EXPECT_TRUE(e) << "not an ERROR";
    return e ? e->error_code : wire::ErrorCode::kVendorDefined;
  }
  // A GET_MEASUREMENTS of everything, signed, padded into a large message of
  // `size` bytes is not valid; a VENDOR_DEFINED_REQUEST of any size is, so it
  // is the large request here: StandardID PCI-SIG, VendorID 2 bytes.
  static Bytes LargeVendorRequest(std::size_t payload) {
    wire::VendorDefinedRequest v;
    v.version = wire::kVersion12;
    v.standard_id = wire::standard_id::kPciSig;
    static const Bytes vid = {0xDE, 0x10};
    v.vendor_id = vid;
    static Bytes body;
    body.assign(payload, 0x5A);
    v.payload = body;
    auto b = wire::SerializeVendorDefinedRequest(v);
    CCGPU_CHECK(b.has_value());
    return *b;
  }
  // GET_MEASUREMENTS of every block, signed: its answer is over 64 bytes.
  static Bytes SignedMeasurementsOfAll() {
    wire::GetMeasurements gm;
    gm.version = wire::kVersion12;
    gm.attributes = wire::meas::kSignatureRequested;
    gm.operation = wire::meas::kOpAll;
    auto b = wire::SerializeGetMeasurements(gm);
    CCGPU_CHECK(b.has_value());
    return *b;
  }
  // CHUNK_SEND i of `message` cut as the requester cuts it (DataTransferSize 64).
  static wire::ChunkSend Piece(const Bytes& message, uint16_t seq, uint8_t handle = 9) {
    const std::size_t first = wire::ChunkRoom(64, 0), later = wire::ChunkRoom(64, 1);
    const std::size_t at = seq == 0 ? 0 : first + (seq - 1) * later;
    const std::size_t n = std::min(seq == 0 ? first : later, message.size() - at);
    wire::ChunkSend c;
    c.version = wire::kVersion12;
    c.handle = handle;
    c.chunk_seq_no = seq;
    c.large_message_size = seq == 0 ? static_cast<uint32_t>(message.size()) : 0;
    c.chunk = ByteSpan(message).subspan(at, n);
    c.last_chunk = at + n == message.size();
    return c;
  }

  Pair pair_;
};

TEST_F(ResponderChunkRules, ReassemblesAndAnswersInTheLastAck) {
  const Bytes big = LargeVendorRequest(100);  // 4+2+1+2+2+100 = 111 bytes: 3 chunks
  auto a0 = Ack(Send(Piece(big, 0)));
  EXPECT_FALSE(a0.early_error);
  EXPECT_EQ(a0.handle, 9);
  EXPECT_EQ(a0.chunk_seq_no, 0);
  EXPECT_TRUE(a0.response.empty());
  auto a1 = Ack(Send(Piece(big, 1)));
  EXPECT_TRUE(a1.response.empty());
  const Bytes last = Send(Piece(big, 2));
  auto a2 = Ack(last);
  EXPECT_FALSE(a2.early_error);
  EXPECT_EQ(a2.chunk_seq_no, 2);
  // No vendor handler is configured: the answer to the reassembled request
  // is ERROR(UnsupportedRequest) naming VENDOR_DEFINED_REQUEST.
  ASSERT_FALSE(a2.response.empty());
  auto e = wire::ParseError(a2.response, {});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_code, wire::ErrorCode::kUnsupportedRequest);
  EXPECT_EQ(e->error_data, static_cast<uint8_t>(wire::Code::kVendorDefinedRequest));
}

TEST_F(ResponderChunkRules, EveryBrokenSequenceEndsWithEarlyError) {
  const Bytes big = LargeVendorRequest(100);
  auto expect_early = [&](const Bytes& raw, wire::ErrorCode code, const char* what) {
    SCOPED_TRACE(what);
    auto a = Ack(raw);
    EXPECT_TRUE(a.early_error);
    ASSERT_FALSE(a.response.empty());
    EXPECT_EQ(ErrorOf(a.response), code);
  };
  // Chunk 0 must come first.
  expect_early(Send(Piece(big, 1)), wire::ErrorCode::kInvalidRequest, "starts at 1");
  // Skipped chunk.
  ASSERT_FALSE(Ack(Send(Piece(big, 0))).early_error);
  expect_early(Send(Piece(big, 2)), wire::ErrorCode::kInvalidRequest, "skips 1");
  // The transfer is over: chunk 1 now has nothing to continue.
  expect_early(Send(Piece(big, 1)), wire::ErrorCode::kInvalidRequest, "after the reset");
  // Handle changed mid-way.
  ASSERT_FALSE(Ack(Send(Piece(big, 0))).early_error);
  expect_early(Send(Piece(big, 1, 10)), wire::ErrorCode::kInvalidRequest, "handle changed");
  // The last chunk claims to be last too early, and a middle chunk overruns.
  ASSERT_FALSE(Ack(Send(Piece(big, 0))).early_error);
  auto early_last = Piece(big, 1);
  early_last.last_chunk = true;
  expect_early(Send(early_last), wire::ErrorCode::kInvalidRequest, "LastChunk before the end");
  ASSERT_FALSE(Ack(Send(Piece(big, 0))).early_error);
  ASSERT_FALSE(Ack(Send(Piece(big, 1))).early_error);
  auto not_last = Piece(big, 2);
  not_last.last_chunk = false;
  expect_early(Send(not_last), wire::ErrorCode::kInvalidRequest, "end without LastChunk");
  // LargeMessageSize beyond MaxSPDMmsgSize (1024).
  auto huge = Piece(big, 0);
  huge.large_message_size = 1025;
  expect_early(Send(huge), wire::ErrorCode::kRequestTooLarge, "beyond MaxSPDMmsgSize");
  // Chunk 0 carrying more than LargeMessageSize, or all of it without
  // LastChunk.
  auto over = Piece(big, 0);
  over.large_message_size = static_cast<uint32_t>(over.chunk.size() - 1);
  expect_early(Send(over), wire::ErrorCode::kInvalidRequest, "chunk 0 beyond LargeMessageSize");
  auto whole_not_last = Piece(big, 0);
  whole_not_last.large_message_size = static_cast<uint32_t>(whole_not_last.chunk.size());
  expect_early(Send(whole_not_last), wire::ErrorCode::kInvalidRequest, "all of it in chunk 0 without LastChunk");
  // Empty chunk.
  auto empty = Piece(big, 0);
  empty.chunk = {};
  expect_early(Send(empty), wire::ErrorCode::kInvalidRequest, "empty chunk");
  // A CHUNK_SEND larger than DataTransferSize itself.
  auto fat = Piece(big, 0);
  fat.chunk = ByteSpan(big).first(60);
  expect_early(Send(fat), wire::ErrorCode::kInvalidRequest, "larger than DataTransferSize");
  // After all that the responder still reassembles a good sequence.
  ASSERT_FALSE(Ack(Send(Piece(big, 0))).early_error);
  ASSERT_FALSE(Ack(Send(Piece(big, 1))).early_error);
  EXPECT_FALSE(Ack(Send(Piece(big, 2))).response.empty());
}

// A message that would have fitted whole is still taken in chunks of any
// size (DMTF's case 19.1 cuts requests into MinDataTransferSize chunks), and
// in one chunk that is also the last.
TEST_F(ResponderChunkRules, SmallChunksAndSingleChunkMessagesAreTaken) {
  const Bytes small = LargeVendorRequest(20);
  for (std::size_t cut : {std::size_t{1}, std::size_t{7}, small.size()}) {
    SCOPED_TRACE(cut);
    std::size_t at = 0;
    Bytes last;
    for (uint16_t seq = 0; at < small.size(); ++seq) {
      const std::size_t n = std::min(cut, small.size() - at);
      wire::ChunkSend c;
      c.version = wire::kVersion12;
      c.handle = 3;
      c.chunk_seq_no = seq;
      c.large_message_size = seq == 0 ? static_cast<uint32_t>(small.size()) : 0;
      c.chunk = ByteSpan(small).subspan(at, n);
      c.last_chunk = at + n == small.size();
      at += n;
      last = Send(c);
      auto a = Ack(last);
      ASSERT_FALSE(a.early_error);
      EXPECT_EQ(a.response.empty(), !c.last_chunk);
    }
    EXPECT_EQ(ErrorOf(Ack(last).response), wire::ErrorCode::kUnsupportedRequest);
  }
}

TEST_F(ResponderChunkRules, AnotherRequestAbandonsTheTransfer) {
  const Bytes big = LargeVendorRequest(100);
  ASSERT_FALSE(Ack(Send(Piece(big, 0))).early_error);
  ASSERT_TRUE(pair_.requester->GetDigests());
  auto a = Ack(Send(Piece(big, 1)));
  EXPECT_TRUE(a.early_error);
}

TEST_F(ResponderChunkRules, ChunkGetRules) {
  // Nothing pending.
  EXPECT_EQ(ErrorOf(Get(0, 0)), wire::ErrorCode::kUnexpectedRequest);
  // A large response: MEASUREMENTS of everything, signed (> 64 bytes).
  const Bytes req = SignedMeasurementsOfAll();
  ASSERT_TRUE(pair_.requester->GetCertificate());
  auto announce = [&]() -> uint8_t {
    Bytes raw = pair_.responder->Handle(false, req).bytes;
    auto e = wire::ParseError(raw, {});
    EXPECT_TRUE(e);
    if (!e) return 0;
    EXPECT_EQ(e->error_code, wire::ErrorCode::kLargeResponse);
    EXPECT_EQ(e->extended_error_data.size(), 1u);
    return e->extended_error_data.empty() ? 0 : e->extended_error_data[0];
  };
  const uint8_t h = announce();
  EXPECT_EQ(ErrorOf(Get(static_cast<uint8_t>(h + 1), 0)), wire::ErrorCode::kInvalidRequest);  // wrong handle
  EXPECT_EQ(ErrorOf(Get(h, 1)), wire::ErrorCode::kInvalidRequest);  // out of order
  // In order: chunk 0 carries LargeMessageSize, each fills 64 bytes.
  Bytes c0 = Get(h, 0);
  auto r0 = wire::ParseChunkResponse(c0, {});
  ASSERT_TRUE(r0) << r0.error().ToString();
  EXPECT_EQ(c0.size(), 64u);
  EXPECT_GT(r0->large_message_size, 64u);
  EXPECT_FALSE(r0->last_chunk);
  // Another request drops the large response.
  ASSERT_TRUE(pair_.requester->GetDigests());
  EXPECT_EQ(ErrorOf(Get(h, 1)), wire::ErrorCode::kUnexpectedRequest);
  // A fresh one gets a new handle; fetched whole, the chunks add up.
  const uint8_t h2 = announce();
  EXPECT_NE(h2, h);
  Bytes whole;
  uint32_t total = 0;
  for (uint16_t seq = 0;; ++seq) {
    const Bytes raw = Get(h2, seq);  // the parsed chunk borrows it
    auto c = wire::ParseChunkResponse(raw, {});
    ASSERT_TRUE(c) << seq;
    if (seq == 0) total = c->large_message_size;
    whole.insert(whole.end(), c->chunk.begin(), c->chunk.end());
    if (c->last_chunk) break;
    ASSERT_LT(seq, 100);
  }
  EXPECT_EQ(whole.size(), total);
  wire::ParseParams pp;
  pp.negotiated.version = wire::kVersion12;
  pp.negotiated.hash_size = 48;
  pp.negotiated.signature_size = 96;
  pp.measurement_signature = true;
  EXPECT_TRUE(wire::ParseMeasurements(whole, pp)) << "reassembled MEASUREMENTS does not parse";
  EXPECT_EQ(ErrorOf(Get(h2, 0)), wire::ErrorCode::kUnexpectedRequest);  // done: nothing pending
}

TEST_F(ResponderChunkRules, LargeResponseOfASessionNeverLeavesItInTheClear) {
  ASSERT_TRUE(pair_.requester->GetCertificate());
  auto s = pair_.requester->StartSession();
  ASSERT_TRUE(s) << s.error().ToString();
  const Bytes req = SignedMeasurementsOfAll();
  auto raw = pair_.requester->SendApplicationMessage(s->session_id, req);
  ASSERT_TRUE(raw) << raw.error().ToString();
  auto e = wire::ParseError(*raw, {});
  ASSERT_TRUE(e);
  ASSERT_EQ(e->error_code, wire::ErrorCode::kLargeResponse);
  const uint8_t h = e->extended_error_data[0];
  // The host asks for it without the session's keys.
  EXPECT_EQ(ErrorOf(Get(h, 0)), wire::ErrorCode::kUnexpectedRequest);
}

TEST_F(ResponderChunkRules, ChunkMessagesNeedChunkCapAnd12) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.capabilities &= ~wire::cap::kChunk;
  Pair p = MakePair(rc, testing::RequesterConfigFor(crypto::Curve::kP384));
  ASSERT_TRUE(p.requester->InitConnection());
  auto get = wire::SerializeChunkGet(wire::ChunkGet{p.requester->connection().version, 0, 0});
  ASSERT_TRUE(get);
  EXPECT_EQ(ErrorOf(p.responder->Handle(false, *get).bytes), wire::ErrorCode::kUnsupportedRequest);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.capabilities &= ~wire::cap::kChunk;
  Pair p2 = MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), qc);
  ASSERT_TRUE(p2.requester->InitConnection());
  auto get2 = wire::SerializeChunkGet(wire::ChunkGet{p2.requester->connection().version, 0, 0});
  ASSERT_TRUE(get2);
  EXPECT_EQ(ErrorOf(p2.responder->Handle(false, *get2).bytes), wire::ErrorCode::kUnexpectedRequest);
}

}  // namespace
}  // namespace ccgpu::spdm
