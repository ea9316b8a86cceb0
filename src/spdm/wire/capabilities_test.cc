#include "spdm/wire/capabilities.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;

// From the reference trace (spdm-emu, 1.2).
const char kReq12[] = "12e1000000000000c6f70200001200000080 0200";
const char kRsp12[] = "1261000000000000f7fb1a0000120000008002 00";

TEST(GetCapabilities, RoundTripsEachVersion) {
  CheckCodec(Hex("11e1000000000000c6620000"), {}, ParseGetCapabilities,
             SerializeGetCapabilities);
  CheckCodec(Hex(kReq12), {}, ParseGetCapabilities, SerializeGetCapabilities);
  CheckCodec(Hex("13e1010000000000c6620000001200000012 0000"), {},
             ParseGetCapabilities, SerializeGetCapabilities);
  auto m = ParseGetCapabilities(
      Hex("13e1010000000000c6620000001200000012 0000"), {});
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->supported_algorithms);
}

TEST(Capabilities, RoundTripsEachVersion) {
  CheckCodec(Hex("1161000000000000f7fb0000"), {}, ParseCapabilities,
             SerializeCapabilities);
  CheckCodec(Hex(kRsp12), {}, ParseCapabilities, SerializeCapabilities);
  auto m = ParseCapabilities(Hex(kRsp12), {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->flags, 0x001afbf7u);
  EXPECT_EQ(m->data_transfer_size, 0x1200u);
  EXPECT_EQ(m->max_spdm_msg_size, 0x28000u);
}

TEST(Capabilities, OnePointOneHasNoTransferSizes) {
  // A 1.1 message of 1.2 length is trailing data; a 1.2 one of 1.1 length is
  // short.
  EXPECT_ERRC(ParseCapabilities(testing::Patched(Hex(kRsp12), 0, 1, 0x11), {}),
              Errc::kTrailingData);
  EXPECT_ERRC(
      ParseCapabilities(
          testing::Patched(Hex("1161000000000000f7fb0000"), 0, 1, 0x12), {}),
      Errc::kTruncated);
}

TEST(Capabilities, RejectsVersionOnePointZeroAndAboveOnePointThree) {
  EXPECT_ERRC(ParseCapabilities(Hex("1061000000000000f7fb0000"), {}),
              Errc::kUnsupported);
  EXPECT_ERRC(ParseCapabilities(testing::Patched(Hex(kRsp12), 0, 1, 0x14), {}),
              Errc::kUnsupported);
}

TEST(Capabilities, RejectsVersionOtherThanNegotiated) {
  ParseParams p;
  p.negotiated.version = kVersion13;
  EXPECT_ERRC(ParseCapabilities(Hex(kRsp12), p), Errc::kVersionMismatch);
}

TEST(Capabilities, RejectsSizesBelowTheMinimum) {
  EXPECT_ERRC(ParseCapabilities(testing::Patched(Hex(kRsp12), 12, 4, 41), {}),
              Errc::kMalformed);
  EXPECT_ERRC(
      ParseCapabilities(testing::Patched(Hex(kRsp12), 16, 4, 0x11ff), {}),
      Errc::kMalformed);
  EXPECT_TRUE(ParseCapabilities(testing::Patched(Hex(kRsp12), 12, 4, 42), {}));
}

TEST(Capabilities, IgnoresReservedBytes) {
  Bytes msg = testing::Patched(Hex(kRsp12), 4, 1, 0xAA);
  msg = testing::Patched(msg, 6, 2, 0xBBBB);
  msg = testing::Patched(msg, 3, 1, 0xCC);
  auto m = ParseCapabilities(msg, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(*SerializeCapabilities(*m), Hex(kRsp12));
}

TEST(Capabilities, RejectsUnrequestedSupportedAlgorithmsBlockIn13) {
  Bytes msg = testing::Patched(Hex(kRsp12), 0, 1, 0x13);
  EXPECT_TRUE(ParseCapabilities(msg, {}));
  EXPECT_ERRC(ParseCapabilities(testing::Patched(msg, 2, 1, 1), {}),
              Errc::kUnsupported);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
