#include "spdm/wire/opaque.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::Hex;
using testing::Patched;

// Observed 1.2 requester opaque data (reference §3.3).
const char kFmt1Req[] = "01000000 00000900 010103001000110012 000000";
const char kFmt1Rsp[] = "01000000 00000400 01000012";

TEST(OpaqueData, Fmt1RoundTripsAndTruncates) {
  for (const char* hex : {kFmt1Req, kFmt1Rsp}) {
    Bytes b = Hex(hex);
    auto e = ParseOpaqueData(b, OpaqueFormat::kFmt1);
    ASSERT_TRUE(e);
    auto again = SerializeOpaqueData(*e, OpaqueFormat::kFmt1);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, b);
    for (std::size_t n = 0; n < b.size(); ++n) {
      Bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_ERRC(ParseOpaqueData(prefix, OpaqueFormat::kFmt1),
                  Errc::kTruncated);
    }
  }
}

TEST(OpaqueData, ElementLengthsAndCountTooLongOrShort) {
  Bytes b = Hex(kFmt1Req);
  EXPECT_ERRC(ParseOpaqueData(Patched(b, 0, 1, 2), OpaqueFormat::kFmt1),
              Errc::kTruncated);
  EXPECT_ERRC(ParseOpaqueData(Patched(b, 0, 1, 0), OpaqueFormat::kFmt1),
              Errc::kTrailingData);
  EXPECT_ERRC(ParseOpaqueData(Patched(b, 6, 2, 13), OpaqueFormat::kFmt1),
              Errc::kTruncated);
  // Shorter data: padding recomputed, leaves trailing bytes.
  EXPECT_ERRC(ParseOpaqueData(Patched(b, 6, 2, 5), OpaqueFormat::kFmt1),
              Errc::kTrailingData);
  EXPECT_ERRC(ParseOpaqueData(Patched(b, 5, 1, 40), OpaqueFormat::kFmt1),
              Errc::kTruncated);
}

TEST(OpaqueData, DmtfSpecIdFormatOf11) {
  Bytes b = Hex("46544d44 01 01 0000 00000900 010103001000110012 000000");
  auto e = ParseOpaqueData(b, OpaqueFormat::kDmtfSpecId);
  ASSERT_TRUE(e);
  EXPECT_EQ(*SerializeOpaqueData(*e, OpaqueFormat::kDmtfSpecId), b);
  EXPECT_ERRC(
      ParseOpaqueData(Patched(b, 0, 1, 0x47), OpaqueFormat::kDmtfSpecId),
      Errc::kMalformed);
  EXPECT_ERRC(ParseOpaqueData(Patched(b, 4, 1, 2), OpaqueFormat::kDmtfSpecId),
              Errc::kMalformed);
}

TEST(SecuredMessageVersions, SelectionAndSupportedList) {
  auto sel = ParseSmVersionSelection(Hex("01000012"));
  ASSERT_TRUE(sel);
  EXPECT_EQ(*sel, 0x1200);
  EXPECT_EQ(SerializeSmVersionSelection(0x1100), Hex("01000011"));
  EXPECT_ERRC(ParseSmVersionSelection(Hex("01010012")), Errc::kMalformed);
  EXPECT_ERRC(ParseSmVersionSelection(Hex("010000")), Errc::kTruncated);
  EXPECT_ERRC(ParseSmVersionSelection(Hex("0100001200")), Errc::kTrailingData);
  auto list = ParseSmSupportedVersions(Hex("010103001000110012"));
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 3u);
  EXPECT_EQ(*SerializeSmSupportedVersions(*list), Hex("010103001000110012"));
  EXPECT_ERRC(ParseSmSupportedVersions(Hex("010104001000110012")),
              Errc::kTruncated);
  EXPECT_ERRC(ParseSmSupportedVersions(Hex("010102001000110012")),
              Errc::kTrailingData);
  EXPECT_ERRC(ParseSmSupportedVersions(Hex("010100")), Errc::kMalformed);
  auto id = SmDataId(Hex("0101"));
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, kSmDataIdSupportedVersionList);
}

TEST(OpaqueField, LimitIs1024) {
  Bytes field = {0x00, 0x04};
  field.resize(2 + 1024, 0);
  ByteReader r(field);
  EXPECT_TRUE(ReadOpaqueField(r, "t"));
  Bytes over = {0x01, 0x04};
  over.resize(2 + 1025, 0);
  ByteReader r2(over);
  EXPECT_ERRC(ReadOpaqueField(r2, "t"), Errc::kMalformed);
  EXPECT_EQ(r2.offset(), 0u);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
