// HEARTBEAT, KEY_UPDATE and END_SESSION (and their ACKs).
#include <gtest/gtest.h>

#include "spdm/wire/end_session.h"
#include "spdm/wire/heartbeat.h"
#include "spdm/wire/key_update.h"
#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;

TEST(Heartbeat, RoundTripsBothDirections) {
  for (uint8_t v : {kVersion11, kVersion12, kVersion13}) {
    CheckCodec(Bytes{v, 0xE8, 0, 0}, {}, ParseHeartbeat, SerializeHeartbeat);
    CheckCodec(Bytes{v, 0x68, 0, 0}, {}, ParseHeartbeatAck,
               SerializeHeartbeatAck);
  }
  EXPECT_ERRC(ParseHeartbeat(Hex("10e80000"), {}), Errc::kUnsupported);
  EXPECT_ERRC(ParseHeartbeat(Hex("12680000"), {}), Errc::kMalformed);
  auto m = ParseHeartbeat(Hex("12e8abcd"), {});
  ASSERT_TRUE(m);
  EXPECT_EQ(*SerializeHeartbeat(*m), Hex("12e80000"));
}

TEST(KeyUpdate, AllThreeOperationsAndTheAck) {
  for (uint8_t op : {uint8_t{1}, uint8_t{2}, uint8_t{3}}) {
    CheckCodec(Bytes{kVersion12, 0xE9, op, 0x5C}, {}, ParseKeyUpdate,
               SerializeKeyUpdate);
    CheckCodec(Bytes{kVersion12, 0x69, op, 0x5C}, {}, ParseKeyUpdateAck,
               SerializeKeyUpdateAck);
  }
  auto m = ParseKeyUpdate(Hex("12e9037a"), {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, KeyUpdateOp::kVerifyNewKey);
  EXPECT_EQ(m->tag, 0x7a);
}

TEST(KeyUpdate, RejectsUnknownOperation) {
  EXPECT_ERRC(ParseKeyUpdate(Hex("12e90000"), {}), Errc::kMalformed);
  EXPECT_ERRC(ParseKeyUpdate(Hex("12e90400"), {}), Errc::kMalformed);
  EXPECT_ERRC(ParseKeyUpdateAck(Hex("1269ff00"), {}), Errc::kMalformed);
  EXPECT_ERRC(
      SerializeKeyUpdate(KeyUpdate{kVersion12, static_cast<KeyUpdateOp>(9), 0}),
      Errc::kInvalidArgument);
}

TEST(EndSession, StateClearingBitAndAck) {
  CheckCodec(Hex("12ec0100"), {}, ParseEndSession, SerializeEndSession);
  CheckCodec(Hex("126c0000"), {}, ParseEndSessionAck, SerializeEndSessionAck);
  auto m = ParseEndSession(Hex("12ecff00"), {});
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->negotiated_state_clearing());
  EXPECT_EQ(*SerializeEndSession(*m),
            Hex("12ec0100"));  // reserved bits dropped
}

}  // namespace
}  // namespace ccgpu::spdm::wire
