#include "spdm/wire/key_exchange.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::LoadKat;
using testing::P384;
using testing::Patched;

TEST(KeyExchange, LengthFieldsOfTheCapturedRequest) {
  auto kat = LoadKat("session_1.2_p384_aes256gcm_mctp.txt");
  const Bytes& ke = kat.at("KEY_EXCHANGE");
  ParseParams p = P384(kVersion12);
  const std::size_t opaque_at = 4 + 4 + 32 + 96;
  EXPECT_ERRC(ParseKeyExchange(Patched(ke, opaque_at, 2, 21), p),
              Errc::kTruncated);
  EXPECT_ERRC(ParseKeyExchange(Patched(ke, opaque_at, 2, 19), p),
              Errc::kTrailingData);
  EXPECT_ERRC(ParseKeyExchange(Patched(ke, opaque_at, 2, 1025), p),
              Errc::kMalformed);
  // ExchangeData size comes from negotiation: too short / too long.
  ParseParams small = p;
  small.negotiated.dhe_size = 95;
  EXPECT_FALSE(ParseKeyExchange(ke, small));
  ParseParams big = p;
  big.negotiated.dhe_size = 97;
  EXPECT_FALSE(ParseKeyExchange(ke, big));
  ParseParams none = p;
  none.negotiated.dhe_size = 0;
  EXPECT_ERRC(ParseKeyExchange(ke, none), Errc::kInvalidArgument);
}

TEST(KeyExchange, SessionPolicyIsReservedIn11) {
  auto kat = LoadKat("session_1.2_p384_aes256gcm_mctp.txt");
  Bytes ke = kat.at("KEY_EXCHANGE");
  ke[0] = kVersion11;
  auto m = ParseKeyExchange(ke, P384(kVersion11));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->session_policy, 0);
  auto again = SerializeKeyExchange(*m);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[6], 0);
  ke[0] = kVersion10;
  EXPECT_ERRC(ParseKeyExchange(ke, ParseParams{P384(0)}), Errc::kUnsupported);
}

TEST(KeyExchangeRsp, LengthFieldsAndOptionalParts) {
  auto kat = LoadKat("session_1.2_p384_aes256gcm_mctp.txt");
  const Bytes& rsp = kat.at("KEY_EXCHANGE_RSP");
  ParseParams p = P384(kVersion12);
  const std::size_t opaque_at = 4 + 4 + 32 + 96;
  EXPECT_ERRC(ParseKeyExchangeRsp(Patched(rsp, opaque_at, 2, 13), p),
              Errc::kTruncated);
  EXPECT_ERRC(ParseKeyExchangeRsp(Patched(rsp, opaque_at, 2, 11), p),
              Errc::kTrailingData);
  // Presence of MeasurementSummaryHash and ResponderVerifyData are parameters.
  ParseParams with_summary = p;
  with_summary.measurement_summary_hash = true;
  auto shifted = ParseKeyExchangeRsp(rsp, with_summary);
  EXPECT_FALSE(shifted);
  ParseParams clear = p;
  clear.negotiated.handshake_in_the_clear = true;
  EXPECT_ERRC(ParseKeyExchangeRsp(rsp, clear), Errc::kTrailingData);
  auto m = ParseKeyExchangeRsp(rsp, p);
  ASSERT_TRUE(m);
  // The same response without its verify data parses in the clear.
  Bytes cut(rsp.begin(), rsp.end() - 48);
  CheckCodec(cut, clear, ParseKeyExchangeRsp, SerializeKeyExchangeRsp);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
