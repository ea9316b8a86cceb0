#include "spdm/wire/psk.h"

#include <gtest/gtest.h>

#include "spdm/wire/message.h"
#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::P384;

// PSK_EXCHANGE with libspdm's test hint "TestPskHint\0", a 48-byte context
// and 20 bytes of opaque data.
// (Built into a reserved buffer: GCC 12 at -O2 warns, wrongly, about
// inserting into a vector made from an initializer list.)
Bytes PskExchangeMsg(uint8_t version = kVersion12) {
  Bytes m;
  m.reserve(128);
  m.insert(m.end(), {version, 0xE6, 0x01, 0x01, 0xFE, 0xFF, 12, 0, 48, 0, 20, 0});
  const std::string hint("TestPskHint", 12);
  m.insert(m.end(), hint.begin(), hint.end());
  m.insert(m.end(), 48, 0xC1);
  m.insert(m.end(), 20, 0x0D);
  return m;
}

Bytes PskExchangeRspMsg(bool summary, std::size_t context) {
  Bytes m;
  m.reserve(256);
  m.insert(m.end(), {kVersion12, 0x66, 0xF0, 0x00, 0xFF, 0xFF, 0, 0, static_cast<uint8_t>(context), 0, 12, 0});
  if (summary) m.insert(m.end(), 48, 0x5A);
  m.insert(m.end(), context, 0xC2);
  m.insert(m.end(), 12, 0x0E);
  m.insert(m.end(), 48, 0x7E);
  return m;
}

TEST(PskExchange, Fields) {
  const Bytes msg = PskExchangeMsg();
  auto m = ParsePskExchange(msg, P384());
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->meas_summary_hash_type, 1);
  EXPECT_EQ(m->session_policy, 1);
  EXPECT_EQ(m->req_session_id, 0xFFFE);
  EXPECT_EQ(Bytes(m->psk_hint.begin(), m->psk_hint.end()), Bytes({'T', 'e', 's', 't', 'P', 's', 'k', 'H', 'i', 'n', 't', 0}));
  EXPECT_EQ(m->requester_context.size(), 48u);
  EXPECT_EQ(m->opaque_data.size(), 20u);
}

TEST(PskExchange, RoundTripsAndEveryTruncation) {
  CheckCodec(PskExchangeMsg(), P384(), ParsePskExchange, SerializePskExchange);
  CheckCodec(PskExchangeMsg(kVersion13), P384(kVersion13), ParsePskExchange, SerializePskExchange);
  // An empty hint and empty opaque data are well formed.
  Bytes bare(12 + 32, 0xAB);
  const uint8_t head[] = {kVersion12, 0xE6, 0, 0, 1, 0, 0, 0, 32, 0, 0, 0};
  std::copy(std::begin(head), std::end(head), bare.begin());
  CheckCodec(bare, P384(), ParsePskExchange, SerializePskExchange);
}

TEST(PskExchange, SessionPolicyIsReservedIn11) {
  Bytes msg = PskExchangeMsg(kVersion11);
  auto m = ParsePskExchange(msg, P384(kVersion11));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->session_policy, 0);
  auto out = SerializePskExchange(*m);
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)[3], 0);
}

TEST(PskExchange, LengthsThatOverrunOrExceedTheLimit) {
  // RequesterContextLength 0xFFFF (DMTF case 10.5): truncated.
  EXPECT_ERRC(ParsePskExchange(testing::Patched(PskExchangeMsg(), 8, 2, 0xFFFF), P384()), Errc::kTruncated);
  // OpaqueDataLength 0xFFFF: beyond 1024.
  EXPECT_ERRC(ParsePskExchange(testing::Patched(PskExchangeMsg(), 10, 2, 0xFFFF), P384()), Errc::kMalformed);
  // Shorter lengths leave bytes over.
  EXPECT_ERRC(ParsePskExchange(testing::Patched(PskExchangeMsg(), 6, 2, 11), P384()), Errc::kTrailingData);
  // Another version than the negotiated one.
  EXPECT_ERRC(ParsePskExchange(PskExchangeMsg(kVersion13), P384()), Errc::kVersionMismatch);
  Bytes v10 = PskExchangeMsg();
  v10[0] = kVersion10;
  ParseParams none = P384();
  none.negotiated.version = 0;
  EXPECT_ERRC(ParsePskExchange(v10, none), Errc::kUnsupported);
}

TEST(PskExchange, SerializeRefusesOversizedFields) {
  PskExchange m;
  Bytes big(1025, 0);
  m.opaque_data = big;
  EXPECT_ERRC(SerializePskExchange(m), Errc::kInvalidArgument);
  Bytes huge(0x10000, 0);
  m.opaque_data = {};
  m.psk_hint = huge;
  EXPECT_ERRC(SerializePskExchange(m), Errc::kInvalidArgument);
}

TEST(PskExchangeRsp, WithAndWithoutSummaryAndContext) {
  ParseParams with_summary = P384();
  with_summary.measurement_summary_hash = true;
  CheckCodec(PskExchangeRspMsg(true, 48), with_summary, ParsePskExchangeRsp, SerializePskExchangeRsp);
  CheckCodec(PskExchangeRspMsg(false, 48), P384(), ParsePskExchangeRsp, SerializePskExchangeRsp);
  CheckCodec(PskExchangeRspMsg(false, 0), P384(), ParsePskExchangeRsp, SerializePskExchangeRsp);
  const Bytes msg = PskExchangeRspMsg(true, 48);
  auto m = ParsePskExchangeRsp(msg, with_summary);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->heartbeat_period, 0xF0);
  EXPECT_EQ(m->rsp_session_id, 0xFFFF);
  EXPECT_EQ(m->measurement_summary_hash.size(), 48u);
  EXPECT_EQ(m->responder_context.size(), 48u);
  EXPECT_EQ(m->opaque_data.size(), 12u);
  EXPECT_EQ(m->responder_verify_data.size(), 48u);
  // The summary's presence comes from the request, not the response.
  EXPECT_ERRC(ParsePskExchangeRsp(msg, P384()), Errc::kTrailingData);
  ParseParams no_hash = P384();
  no_hash.negotiated.hash_size = 0;
  EXPECT_ERRC(ParsePskExchangeRsp(msg, no_hash), Errc::kInvalidArgument);
  EXPECT_ERRC(ParsePskExchangeRsp(testing::Patched(msg, 10, 2, 1025), with_summary), Errc::kMalformed);
}

TEST(PskFinish, RoundTrips) {
  Bytes fin(4 + 48, 0x3C);
  fin[0] = kVersion12;
  fin[1] = 0xE7;
  fin[2] = fin[3] = 0;
  CheckCodec(fin, P384(), ParsePskFinish, SerializePskFinish);
  Bytes rsp = {kVersion12, 0x67, 0, 0};
  CheckCodec(rsp, P384(), ParsePskFinishRsp, SerializePskFinishRsp);
  // A response code where the request belongs.
  EXPECT_ERRC(ParsePskFinish(rsp, P384()), Errc::kMalformed);
  // Without RequesterVerifyData (DMTF case 11.5): truncated.
  Bytes short_fin = {kVersion12, 0xE7, 0, 0};
  EXPECT_ERRC(ParsePskFinish(short_fin, P384()), Errc::kTruncated);
}

TEST(PskMessages, DispatchByCode) {
  const Bytes ex = PskExchangeMsg();
  auto req = ParseRequest(ex, P384());
  ASSERT_TRUE(req) << req.error().ToString();
  EXPECT_TRUE(std::holds_alternative<PskExchange>(req->message));
  EXPECT_EQ(req->bytes.size(), ex.size());
  Bytes fin(4 + 48, 0x3C);
  fin[0] = kVersion12;
  fin[1] = 0xE7;
  fin[2] = fin[3] = 0;
  auto f = ParseRequest(fin, P384());
  ASSERT_TRUE(f);
  EXPECT_TRUE(std::holds_alternative<PskFinish>(f->message));
  const Bytes rsp = PskExchangeRspMsg(false, 48);
  auto r = ParseResponse(rsp, P384());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(std::holds_alternative<PskExchangeRsp>(r->message));
  const Bytes frsp = {kVersion12, 0x67, 0, 0};
  auto fr = ParseResponse(frsp, P384());
  ASSERT_TRUE(fr);
  EXPECT_TRUE(std::holds_alternative<PskFinishRsp>(fr->message));
  auto again = SerializeResponse(r->message);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, rsp);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
