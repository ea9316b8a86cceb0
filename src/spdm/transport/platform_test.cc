#include "spdm/transport/platform.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace ccgpu::spdm::transport {
namespace {

Bytes Hex(std::string_view h) {
  std::string s;
  for (char c : h) {
    if (c != ' ') s.push_back(c);
  }
  auto b = HexDecode(s);
  CCGPU_CHECK(b.has_value());
  return *b;
}

#define EXPECT_ERRC(expr, errc)                                  \
  do {                                                           \
    auto r_ = (expr);                                            \
    ASSERT_FALSE(r_) << #expr;                                   \
    EXPECT_EQ(r_.error().code, (errc)) << r_.error().ToString(); \
  } while (false)

TEST(PlatformFrame, ObservedGetVersionFrameRoundTrips) {
  // From the spdm-emu trace: NORMAL, MCTP, 5 bytes "05 10 84 00 00".
  Bytes wire = Hex("00000001 00000001 00000005 0510840000");
  auto f = ParseFrame(wire);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->command, command::kNormal);
  EXPECT_EQ(f->transport_type, static_cast<uint32_t>(TransportType::kMctp));
  EXPECT_EQ(f->payload, Hex("0510840000"));
  auto again = EncodeFrame(f->command, f->transport_type, f->payload);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, wire);
}

TEST(PlatformFrame, TestAndShutdownFrames) {
  Bytes test = Hex("0000dead 00000001 0000000e");
  test.insert(test.end(), kClientHello.begin(), kClientHello.end());
  auto f = ParseFrame(test);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->command, command::kTest);
  EXPECT_EQ(std::string(f->payload.begin(), f->payload.end() - 1),
            "Client Hello!");
  auto shutdown = ParseFrame(Hex("0000fffe 00000001 00000000"));
  ASSERT_TRUE(shutdown);
  EXPECT_EQ(shutdown->command, command::kShutdown);
  EXPECT_TRUE(shutdown->payload.empty());
}

TEST(PlatformFrame, TruncationAtEveryLengthAndPayloadSizeChecks) {
  Bytes wire = Hex("00000001 00000002 00000004 01020304");
  for (std::size_t n = 0; n < wire.size(); ++n) {
    Bytes prefix(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_ERRC(ParseFrame(prefix), Errc::kTruncated);
  }
  Bytes longer = wire;
  longer.push_back(0);
  EXPECT_ERRC(ParseFrame(longer), Errc::kTrailingData);
  Bytes size_too_big = wire;
  size_too_big[11] = 5;
  EXPECT_ERRC(ParseFrame(size_too_big), Errc::kTruncated);
  Bytes size_too_small = wire;
  size_too_small[11] = 3;
  EXPECT_ERRC(ParseFrame(size_too_small), Errc::kTrailingData);
  Bytes huge = Hex("00000001 00000002 7fffffff");
  EXPECT_ERRC(ParseFrame(huge), Errc::kResourceExhausted);
  EXPECT_ERRC(ParseFrameHeader(Hex("00000001 00000002 00000004 00")),
              Errc::kTrailingData);
}

TEST(Mctp, EncodesAndDecodesBothTypes) {
  Bytes spdm = Hex("10840000");
  Bytes m = EncodeMctp(kMctpTypeSpdm, spdm);
  EXPECT_EQ(m, Hex("0510840000"));
  auto d = DecodeMctp(m);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->type, kMctpTypeSpdm);
  EXPECT_EQ(Bytes(d->body.begin(), d->body.end()), spdm);
  auto s = DecodeMctp(Hex("06ffffffff00002600"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, kMctpTypeSecuredSpdm);
  EXPECT_EQ(s->body.size(), 8u);
}

TEST(Mctp, RejectsOtherTypesAndEmpty) {
  EXPECT_ERRC(DecodeMctp({}), Errc::kTruncated);
  EXPECT_ERRC(DecodeMctp(Hex("07aa")), Errc::kUnsupported);
  EXPECT_ERRC(DecodeMctp(Hex("85aa")), Errc::kUnsupported);
}

TEST(PciDoe, ObservedGetVersionObjectAndPadding) {
  auto obj = EncodeDoe(kDoeTypeSpdm, Hex("10840000"));
  ASSERT_TRUE(obj);
  EXPECT_EQ(*obj, Hex("01000100 03000000 10840000"));
  // 5 bytes: padded with 3 zeros to 16, Length 4 DWORDs.
  auto padded = EncodeDoe(kDoeTypeSecuredSpdm, Hex("0102030405"));
  ASSERT_TRUE(padded);
  EXPECT_EQ(*padded, Hex("01000200 04000000 01020304 05000000"));
  auto d = DecodeDoe(*padded);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->type, kDoeTypeSecuredSpdm);
  EXPECT_EQ(Bytes(d->body.begin(), d->body.end()), Hex("0102030405000000"));
  auto empty = EncodeDoe(kDoeTypeSpdm, {});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), 8u);
}

TEST(PciDoe, LengthFieldChecks) {
  Bytes obj = Hex("01000100 04000000 01020304 05000000");
  for (std::size_t n = 0; n < obj.size(); ++n) {
    Bytes prefix(obj.begin(), obj.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(DecodeDoe(prefix)) << n;
  }
  Bytes too_long = obj;
  too_long[4] = 5;
  EXPECT_ERRC(DecodeDoe(too_long), Errc::kTruncated);
  Bytes too_short = obj;
  too_short[4] = 3;
  EXPECT_ERRC(DecodeDoe(too_short), Errc::kTrailingData);
  Bytes below_header = obj;
  below_header[4] = 1;
  EXPECT_ERRC(DecodeDoe(below_header), Errc::kMalformed);
  Bytes zero = obj;
  zero[4] = 0;  // 2^18 DWORDs: far past the end
  EXPECT_ERRC(DecodeDoe(zero), Errc::kTruncated);
  Bytes unaligned = obj;
  unaligned.push_back(0);
  EXPECT_ERRC(DecodeDoe(unaligned), Errc::kTrailingData);
}

TEST(PciDoe, DiscoveryMatchesObservedExchange) {
  // Request: 01 00 00 00 03 00 00 00 | idx 00 00 00.
  auto req = EncodeDoe(kDoeTypeDiscovery, EncodeDoeDiscoveryRequest(0));
  ASSERT_TRUE(req);
  EXPECT_EQ(*req, Hex("01000000 03000000 00000000"));
  // Responses 01 00 00 01, 01 00 01 02, 01 00 02 00.
  const char* expected[] = {"01000001", "01000102", "01000200"};
  for (uint8_t i = 0; i < 3; ++i) {
    auto e = DoeDiscoveryEntry(i);
    ASSERT_TRUE(e);
    EXPECT_EQ(EncodeDoeDiscoveryResponse(*e), Hex(expected[i]));
    auto back = ParseDoeDiscoveryResponse(Hex(expected[i]));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->next_index, e->next_index);
  }
  EXPECT_ERRC(DoeDiscoveryEntry(3), Errc::kOutOfRange);
  auto idx = ParseDoeDiscoveryRequest(Hex("02000000"));
  ASSERT_TRUE(idx);
  EXPECT_EQ(*idx, 2);
  EXPECT_ERRC(ParseDoeDiscoveryRequest(Hex("020000")), Errc::kTruncated);
  EXPECT_ERRC(ParseDoeDiscoveryRequest(Hex("0200000000")), Errc::kTrailingData);
  EXPECT_ERRC(ParseDoeDiscoveryResponse(Hex("010000")), Errc::kTruncated);
}

}  // namespace
}  // namespace ccgpu::spdm::transport
