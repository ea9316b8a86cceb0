#include "spdm/wire/version.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;

TEST(GetVersion, RoundTripsAndTruncates) {
  CheckCodec(Hex("10840000"), {}, ParseGetVersion, SerializeGetVersion);
}

TEST(GetVersion, RejectsAnyVersionButOnePointZero) {
  EXPECT_ERRC(ParseGetVersion(Hex("12840000"), {}), Errc::kVersionMismatch);
  EXPECT_ERRC(ParseGetVersion(Hex("10e10000"), {}), Errc::kMalformed);
}

TEST(GetVersion, IgnoresReservedParams) {
  auto m = ParseGetVersion(Hex("1084ffff"), {});
  ASSERT_TRUE(m);
  EXPECT_EQ(*SerializeGetVersion(*m), Hex("10840000"));
}

TEST(Version, RoundTripsThreeEntries) {
  const Bytes msg = Hex("10040000 0003 0010 0011 0012");  // 1.0, 1.1, 1.2
  CheckCodec(msg, {}, ParseVersion, SerializeVersion);
  auto v = ParseVersion(msg, {});
  ASSERT_TRUE(v);
  ASSERT_EQ(v->entries.size(), 3u);
  EXPECT_EQ(v->entries[2].version_byte(), kVersion12);
  EXPECT_EQ(VersionNumberEntry::For(kVersion13).value, 0x1300);
}

TEST(Version, EntryCountTooLargeTruncatesTooSmallLeavesTrailing) {
  Bytes msg = Hex("100400000002 0011 0012");
  EXPECT_ERRC(ParseVersion(testing::Patched(msg, 5, 1, 3), {}),
              Errc::kTruncated);
  EXPECT_ERRC(ParseVersion(testing::Patched(msg, 5, 1, 1), {}),
              Errc::kTrailingData);
  EXPECT_ERRC(ParseVersion(testing::Patched(msg, 5, 1, 0), {}),
              Errc::kMalformed);
}

TEST(Version, SerializeRejectsEmptyList) {
  EXPECT_ERRC(SerializeVersion(Version{}), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
