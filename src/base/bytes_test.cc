#include <gtest/gtest.h>

#include "base/bytes.h"

namespace ccgpu {
namespace {

// A message with every field kind: u8 u16 u24 u32 u64, a u16-prefixed body.
Bytes SampleMessage() {
  ByteWriter w;
  w.U8(0x11).U16(0x2233).U24(0x445566).U32(0x778899aa).U64(0x0102030405060708)
      .Prefixed16(Bytes{0xde, 0xad, 0xbe, 0xef});
  return *std::move(w).Finish();
}

Status ParseSample(ByteSpan in) {
  ByteReader r(in);
  CCGPU_TRY(r.U8());
  CCGPU_TRY(r.U16());
  CCGPU_TRY(r.U24());
  CCGPU_TRY(r.U32());
  CCGPU_TRY(r.U64());
  CCGPU_TRY(r.Prefixed16());
  return r.ExpectEnd();
}

TEST(ByteReaderTest, ReadsLittleEndian) {
  const Bytes msg = SampleMessage();
  ByteReader r(msg);
  EXPECT_EQ(*r.U8(), 0x11);
  EXPECT_EQ(*r.U16(), 0x2233);
  EXPECT_EQ(*r.U24(), 0x445566u);
  EXPECT_EQ(*r.U32(), 0x778899aau);
  EXPECT_EQ(*r.U64(), 0x0102030405060708u);
  auto body = r.Prefixed16();
  ASSERT_TRUE(body);
  EXPECT_EQ(Bytes(body->begin(), body->end()), (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_TRUE(r.ExpectEnd());
  EXPECT_EQ(msg[1], 0x33);  // low byte first
}

TEST(ByteReaderTest, ReadsBigEndian) {
  const Bytes msg = {0x00, 0x00, 0xde, 0xad, 0x12, 0x34};
  ByteReader r(msg);
  EXPECT_EQ(*r.U32Be(), 0xdeadu);
  EXPECT_EQ(*r.U16Be(), 0x1234u);
}

TEST(ByteReaderTest, TruncationAtEveryLengthIsTruncated) {
  const Bytes msg = SampleMessage();
  ASSERT_TRUE(ParseSample(msg));
  for (std::size_t n = 0; n < msg.size(); ++n) {
    auto s = ParseSample(ByteSpan(msg).first(n));
    ASSERT_FALSE(s) << "length " << n;
    EXPECT_EQ(s.error().code, Errc::kTruncated) << "length " << n;
  }
}

TEST(ByteReaderTest, LengthFieldTooLongIsTruncatedTooShortIsTrailing) {
  const Bytes msg = SampleMessage();
  const std::size_t len_pos = msg.size() - 4 - 2;
  for (uint16_t len = 0; len < 16; ++len) {
    Bytes m = msg;
    m[len_pos] = static_cast<uint8_t>(len);
    auto s = ParseSample(m);
    if (len == 4) {
      EXPECT_TRUE(s);
    } else if (len > 4) {
      ASSERT_FALSE(s);
      EXPECT_EQ(s.error().code, Errc::kTruncated) << len;
    } else {
      ASSERT_FALSE(s);
      EXPECT_EQ(s.error().code, Errc::kTrailingData) << len;
    }
  }
}

TEST(ByteReaderTest, NeverAdvancesOnFailure) {
  const Bytes msg = {0x05, 0x00, 0xaa, 0xbb};  // u16 length 5, 2 bytes body
  ByteReader r(msg);
  EXPECT_EQ(r.Prefixed16().error().code, Errc::kTruncated);
  EXPECT_EQ(r.offset(), 0u);
  EXPECT_EQ(r.U64().error().code, Errc::kTruncated);
  EXPECT_EQ(r.offset(), 0u);
  EXPECT_EQ(r.Take(5).error().code, Errc::kTruncated);
  EXPECT_EQ(r.Skip(5).error().code, Errc::kTruncated);
  EXPECT_EQ(r.offset(), 0u);
  EXPECT_EQ(*r.U16(), 5);
}

TEST(ByteReaderTest, TakeArrayDetectsOverflow) {
  const Bytes msg(16);
  ByteReader r(msg);
  auto big = r.TakeArray(SIZE_MAX / 2 + 1, 4);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::kLengthOverflow);
  EXPECT_EQ(r.TakeArray(5, 4).error().code, Errc::kTruncated);
  EXPECT_EQ(r.TakeArray(4, 4)->size(), 16u);
}

TEST(ByteReaderTest, ErrorsCarryTheCallersContext) {
  ByteReader r({});
  EXPECT_STREQ(r.U8("spdm.header.version").error().context,
               "spdm.header.version");
}

TEST(ByteReaderTest, U24Prefixed) {
  ByteWriter w;
  Bytes body(300, 7);
  w.Prefixed24(body);
  const Bytes msg = *std::move(w).Finish();
  ASSERT_EQ(msg.size(), 303u);
  ByteReader r(msg);
  EXPECT_EQ(r.Prefixed24()->size(), 300u);
}

TEST(ByteWriterTest, RejectsValueTooWideForField) {
  ByteWriter w;
  w.U8(0x100);
  EXPECT_FALSE(w.ok());
  auto r = std::move(w).Finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kOutOfRange);
}

TEST(ByteWriterTest, U24RejectsMoreThan24Bits) {
  ByteWriter w;
  w.U24(0xffffff);
  EXPECT_TRUE(w.ok());
  w.U24(0x1000000);
  EXPECT_FALSE(w.ok());
}

TEST(ByteWriterTest, StickyErrorKeepsFirstAndStopsWriting) {
  ByteWriter w(3);
  w.U16(1).U16(2, "second").U8(3);
  EXPECT_EQ(w.size(), 2u);  // the failing write changed nothing
  auto r = std::move(w).Finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kLengthOverflow);
  EXPECT_STREQ(r.error().context, "second");
}

TEST(ByteWriterTest, PrefixTooLongForWidth) {
  ByteWriter w;
  Bytes body(256);
  w.Prefixed8(body);
  EXPECT_EQ(std::move(w).Finish().error().code, Errc::kOutOfRange);
}

TEST(ByteWriterTest, ReserveAndPatch) {
  ByteWriter w;
  const std::size_t pos = w.Reserve(2);
  w.U32(0xffffffff);
  w.Patch(pos, 2, w.size());
  const Bytes out = *std::move(w).Finish();
  EXPECT_EQ(out, (Bytes{6, 0, 0xff, 0xff, 0xff, 0xff}));
}

TEST(ByteWriterTest, PatchOutOfRangeFails) {
  ByteWriter w;
  w.U8(0);
  w.Patch(0, 2, 1);
  EXPECT_EQ(std::move(w).Finish().error().code, Errc::kOutOfRange);
}

TEST(ByteWriterTest, BigEndian) {
  ByteWriter w;
  w.U32Be(0x0001).U16Be(0xdead);
  EXPECT_EQ(*std::move(w).Finish(), (Bytes{0, 0, 0, 1, 0xde, 0xad}));
}

}  // namespace
}  // namespace ccgpu
