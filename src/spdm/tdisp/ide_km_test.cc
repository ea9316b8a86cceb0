#include "spdm/tdisp/ide_km.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace ccgpu::spdm::idekm {
namespace {

Bytes Hex(const char* h) { return *HexDecode(h); }

// Every strict prefix is kTruncated; one more byte kTrailingData (except
// QUERY_RESP, whose capability runs to the end in DWORDs).
void CheckRoundTripAndCuts(const Bytes& object, bool open_ended = false) {
  auto m = Parse(object);
  ASSERT_TRUE(m) << m.error().ToString();
  auto again = Serialize(*m);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(*again, object);
  const std::size_t fixed = open_ended ? 7 : object.size();
  for (std::size_t n = 0; n < fixed; ++n) {
    auto cut = Parse(ByteSpan(object).first(n));
    ASSERT_FALSE(cut) << n;
    EXPECT_EQ(cut.error().code, Errc::kTruncated) << n << ": " << cut.error().ToString();
  }
  if (!open_ended) {
    Bytes longer = object;
    longer.push_back(0);
    auto t = Parse(longer);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().code, Errc::kTrailingData);
  }
}

TEST(IdeKm, QueryAndQueryResp) {
  CheckRoundTripAndCuts(Hex("000000"));
  // QUERY_RESP with a 2-DWORD capability.
  const Bytes resp = Hex("01000008010000" "30000100" "40000000");
  CheckRoundTripAndCuts(resp, /*open_ended=*/true);
  auto m = Parse(resp);
  ASSERT_TRUE(m);
  const auto& q = std::get<QueryResp>(*m);
  EXPECT_EQ(q.dev_func_num, 0x08);
  EXPECT_EQ(q.bus_num, 0x01);
  EXPECT_EQ(q.ide_capability.size(), 8u);
  Bytes ragged = resp;
  ragged.push_back(0);
  EXPECT_EQ(Parse(ragged).error().code, Errc::kMalformed);
}

TEST(IdeKm, KeyProgCarriesTheKeyAsASecret) {
  Bytes kp = Hex("02000005001200");
  for (int i = 0; i < 32; ++i) kp.push_back(static_cast<uint8_t>(0xA0 + i));
  for (int i = 0; i < 8; ++i) kp.push_back(static_cast<uint8_t>(i));
  CheckRoundTripAndCuts(kp);
  auto m = Parse(kp);
  ASSERT_TRUE(m);
  const auto& k = std::get<KeyProg>(*m);
  EXPECT_EQ(k.stream_id, 5);
  EXPECT_EQ(k.key_sub_stream, kSubStreamNpr | kDirectionTx);
  EXPECT_EQ(k.key.size(), kKeySize);
  EXPECT_EQ(k.key.reveal()[0], 0xA0);
  EXPECT_EQ(k.ifv[7], 7);
  KeyProg short_key;
  short_key.key = SecretBytes::CopyOf(Bytes(16, 1));
  EXPECT_EQ(Serialize(Message(std::move(short_key))).error().code, Errc::kInvalidArgument);
}

TEST(IdeKm, AcksAndKeySetCommands) {
  CheckRoundTripAndCuts(Hex("03000005000200"));  // KP_ACK success, TX
  CheckRoundTripAndCuts(Hex("03000005030200"));  // KP_ACK unsupported value
  EXPECT_EQ(Parse(Hex("03000005050200")).error().code, Errc::kMalformed);  // reserved status
  CheckRoundTripAndCuts(Hex("04000005002100"));  // K_SET_GO K1 | CPL
  CheckRoundTripAndCuts(Hex("05000005002100"));  // K_SET_STOP
  CheckRoundTripAndCuts(Hex("06000005002100"));  // K_GOSTOP_ACK
  EXPECT_EQ(Parse(Hex("07000005002100")).error().code, Errc::kUnsupported);
  KeySetCommand wrong;
  wrong.object = ObjectId::kQuery;
  EXPECT_EQ(Serialize(Message(wrong)).error().code, Errc::kInvalidArgument);
}

TEST(IdeKm, PayloadCarriesProtocolIdZero) {
  auto p = WrapPayload(Hex("000000"));
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, Hex("00000000"));
  auto inner = UnwrapPayload(*p);
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->size(), 3u);
  EXPECT_EQ(UnwrapPayload(Hex("0110")).error().code, Errc::kUnsupported);  // TDISP
  EXPECT_EQ(UnwrapPayload({}).error().code, Errc::kTruncated);
}

}  // namespace
}  // namespace ccgpu::spdm::idekm
