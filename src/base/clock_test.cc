#include <gtest/gtest.h>

#include "base/clock.h"

namespace ccgpu {
namespace {

TEST(Rfc3339Test, ParsesUtcAndOffsets) {
  EXPECT_EQ(ToUnixSeconds(*ParseRfc3339("1970-01-01T00:00:00Z")), 0);
  EXPECT_EQ(ToUnixSeconds(*ParseRfc3339("2024-06-01T00:00:00Z")), 1717200000);
  EXPECT_EQ(ToUnixSeconds(*ParseRfc3339("2024-06-01T02:00:00+02:00")), 1717200000);
  EXPECT_EQ(ToUnixSeconds(*ParseRfc3339("2024-06-01T00:00:00.123Z")), 1717200000);
  EXPECT_EQ(ToUnixSeconds(*ParseRfc3339("2024-06-01")), 1717200000);
  EXPECT_EQ(ToUnixSeconds(*ParseRfc3339("9999-12-31T23:59:59Z")), 253402300799);
}

TEST(Rfc3339Test, RejectsMalformed) {
  for (const char* bad : {"", "2024", "2024-13-01", "2024-02-30", "2023-02-29",
                          "2024-06-01T00:00:00", "2024-06-01T24:00:00Z",
                          "2024-06-01T00:00:00Zx", "2024-06-01X00:00:00Z",
                          "2024-06-01T00:00:00.Z"}) {
    auto r = ParseRfc3339(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << bad;
  }
  EXPECT_TRUE(ParseRfc3339("2024-02-29"));
}

TEST(Rfc3339Test, FormatRoundTrips) {
  for (int64_t t : {0LL, 1717200000LL, 253402300799LL, 951782400LL}) {
    const std::string s = FormatRfc3339(FromUnixSeconds(t));
    EXPECT_EQ(ToUnixSeconds(*ParseRfc3339(s)), t) << s;
  }
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(1717200000)), "2024-06-01T00:00:00Z");
}

TEST(FixedClockTest, IsInjectable) {
  FixedClock c(FromUnixSeconds(100));
  EXPECT_EQ(ToUnixSeconds(c.Now()), 100);
  c.Advance(std::chrono::seconds(5));
  EXPECT_EQ(ToUnixSeconds(c.Now()), 105);
  const Clock& any = c;
  EXPECT_EQ(ToUnixSeconds(any.Now()), 105);
}

}  // namespace
}  // namespace ccgpu
