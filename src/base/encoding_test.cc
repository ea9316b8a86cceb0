#include <gtest/gtest.h>

#include "base/encoding.h"

namespace ccgpu {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(HexTest, RoundTrip) {
  const Bytes b = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(b), "0001abff");
  EXPECT_EQ(*HexDecode("0001ABff"), b);
  EXPECT_TRUE(HexDecode("")->empty());
}

TEST(HexTest, RejectsOddLengthAndBadDigits) {
  EXPECT_EQ(HexDecode("abc").error().code, Errc::kInvalidHex);
  EXPECT_EQ(HexDecode("zz").error().code, Errc::kInvalidHex);
  EXPECT_EQ(HexDecode("0g").error().code, Errc::kInvalidHex);
  EXPECT_EQ(HexDecode("00 ").error().code, Errc::kInvalidHex);
}

// RFC 4648 §10 test vectors.
TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},
      {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : kVectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), enc);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec) << enc;
    EXPECT_EQ(std::string(dec->begin(), dec->end()), plain);
  }
}

TEST(Base64Test, RejectsGarbage) {
  EXPECT_EQ(Base64Decode("Zm9v!").error().code, Errc::kInvalidBase64);
  EXPECT_EQ(Base64Decode("Z").error().code, Errc::kInvalidBase64);
  EXPECT_EQ(Base64Decode("Zh==").error().code, Errc::kInvalidBase64);  // trailing bits
  EXPECT_EQ(Base64Decode("Zg=").error().code, Errc::kInvalidBase64);
}

TEST(Base64UrlTest, NoPaddingUrlAlphabet) {
  const Bytes b = {0xfb, 0xff, 0xfe};
  EXPECT_EQ(Base64UrlEncode(b), "-__-");
  EXPECT_EQ(*Base64UrlDecode("-__-"), b);
  EXPECT_EQ(Base64UrlEncode(AsBytes("f")), "Zg");
  EXPECT_FALSE(Base64UrlDecode("Zg=="));
  EXPECT_FALSE(Base64UrlDecode("+/+/"));
}

TEST(TrimTest, Trims) {
  EXPECT_EQ(TrimAsciiWhitespace("  ab \r\n"), "ab");
  EXPECT_EQ(TrimAsciiWhitespace(" \n"), "");
}

}  // namespace
}  // namespace ccgpu
