#include <set>

#include <gtest/gtest.h>

#include "base/result.h"

namespace ccgpu {
namespace {

TEST(ErrcTest, ValuesAreUniqueAndNamed) {
  std::set<uint16_t> values;
  std::set<std::string_view> names;
  ASSERT_FALSE(AllErrcs().empty());
  for (Errc code : AllErrcs()) {
    EXPECT_TRUE(values.insert(static_cast<uint16_t>(code)).second)
        << "duplicate Errc value " << static_cast<int>(code);
    EXPECT_TRUE(names.insert(ErrcName(code)).second) << ErrcName(code);
    EXPECT_NE(ErrcName(code), "kUnknownErrc");
    EXPECT_FALSE(ErrcText(code).empty());
  }
}

TEST(ErrcTest, ValuesNeverChange) {
  // Pin a few published values: the list is extend-only.
  EXPECT_EQ(static_cast<int>(Errc::kTruncated), 1);
  EXPECT_EQ(static_cast<int>(Errc::kTrailingData), 2);
  EXPECT_EQ(static_cast<int>(Errc::kAuthFailed), 101);
  EXPECT_EQ(static_cast<int>(Errc::kUnexpectedMessage), 200);
  EXPECT_EQ(static_cast<int>(Errc::kNonceMismatch), 300);
  EXPECT_EQ(static_cast<int>(Errc::kNotReady), 400);
}

TEST(ErrcTest, UnknownValueHasPlaceholderName) {
  EXPECT_EQ(ErrcName(static_cast<Errc>(65000)), "kUnknownErrc");
}

Result<int> Half(int v) {
  if (v % 2) return Fail(Errc::kInvalidArgument, "Half: odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  CCGPU_ASSIGN_OR_RETURN(int h, Half(v));
  CCGPU_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status Check(int v) {
  CCGPU_TRY(Quarter(v));
  return OkStatus();
}

TEST(ResultTest, MacrosPropagateFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_STREQ(r.error().context, "Half: odd");
  EXPECT_TRUE(Check(4));
  EXPECT_FALSE(Check(2));
}

TEST(ResultTest, ErrorToStringNamesCodeAndContext) {
  Error e{Errc::kTruncated, "spdm.version: entries"};
  EXPECT_EQ(e.ToString(),
            "kTruncated: spdm.version: entries (input ends before the field is "
            "complete)");
}

TEST(CheckDeathTest, AbortsOnBrokenInvariant) {
  EXPECT_DEATH(CCGPU_CHECK(1 + 1 == 3), "CCGPU_CHECK failed");
}

}  // namespace
}  // namespace ccgpu
