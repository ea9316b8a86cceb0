#include "spdm/wire/algorithms.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;
using testing::Patched;

// From the 1.2 capture.
const char kNego12[] =
    "12e3040030000102800000000200000000000000000000000000000000000000"
    "022010000320020004200f0005200100";
const char kAlgs12[] =
    "1263040034000102080000008000000002000000000000000000000000000000"
    "0000000002201000032002000420080005200100";

TEST(NegotiateAlgorithms, RoundTripsWithExtendedAlgorithms) {
  NegotiateAlgorithms m;
  m.version = kVersion13;
  m.measurement_specification = alg::kMeasSpecDmtf;
  m.other_params_support = alg::kOpaqueDataFmt1 | alg::kMultiKeyConn;
  m.base_asym_algo = alg::kEcdsaP384 | alg::kEcdsaP256;
  m.base_hash_algo = alg::kSha384 | alg::kSha256;
  m.mel_specification = alg::kMelSpecDmtf;
  Bytes ext = Hex("0100aa00 0300bb00");
  m.ext_asym = ByteSpan(ext).first(4);
  m.ext_hash = ByteSpan(ext).last(4);
  m.alg_structs = {{alg::kAlgTypeDhe, alg::kSecp384r1, {}},
                   {alg::kAlgTypeAead, alg::kAes256Gcm, ByteSpan(ext).first(8)},
                   {alg::kAlgTypeKeySchedule, alg::kKeyScheduleSpdm, {}}};
  auto bytes = SerializeNegotiateAlgorithms(m);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 32u + 8 + 4 + 12 + 4);
  CheckCodec(*bytes, {}, ParseNegotiateAlgorithms,
             SerializeNegotiateAlgorithms);
  auto back = ParseNegotiateAlgorithms(*bytes, {});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->alg_structs[1].alg_external.size(), 8u);
  EXPECT_EQ(back->mel_specification, alg::kMelSpecDmtf);
}

TEST(NegotiateAlgorithms, LengthFieldMustMatch) {
  Bytes msg = Hex(kNego12);
  EXPECT_ERRC(ParseNegotiateAlgorithms(Patched(msg, 4, 2, 47), {}),
              Errc::kMalformed);
  EXPECT_ERRC(ParseNegotiateAlgorithms(Patched(msg, 4, 2, 49), {}),
              Errc::kMalformed);
}

TEST(NegotiateAlgorithms,
     AlgStructCountTooLargeTruncatesTooSmallLeavesTrailing) {
  Bytes msg = Hex(kNego12);
  EXPECT_ERRC(ParseNegotiateAlgorithms(Patched(msg, 2, 1, 5), {}),
              Errc::kTruncated);
  EXPECT_ERRC(ParseNegotiateAlgorithms(Patched(msg, 2, 1, 3), {}),
              Errc::kTrailingData);
}

TEST(NegotiateAlgorithms, ExtCountsTooLargeTruncate) {
  Bytes msg = Hex(kNego12);
  EXPECT_ERRC(ParseNegotiateAlgorithms(Patched(msg, 28, 1, 5), {}),
              Errc::kTruncated);
  // One extra ExtHash entry steals the first AlgStruct: the rest is then short.
  EXPECT_ERRC(ParseNegotiateAlgorithms(Patched(msg, 29, 1, 1), {}),
              Errc::kTruncated);
}

TEST(NegotiateAlgorithms, AlgStructExtCountAndFixedCountChecked) {
  Bytes msg = Hex(kNego12);
  EXPECT_ERRC(ParseNegotiateAlgorithms(Patched(msg, 33, 1, 0x21), {}),
              Errc::kTruncated);
  EXPECT_ERRC(ParseNegotiateAlgorithms(Patched(msg, 33, 1, 0x30), {}),
              Errc::kMalformed);
  // Types out of order.
  EXPECT_ERRC(ParseNegotiateAlgorithms(Patched(msg, 36, 1, 2), {}),
              Errc::kMalformed);
}

TEST(NegotiateAlgorithms, LengthAbove128Rejected) {
  NegotiateAlgorithms m;
  Bytes ext(4 * 25, 0);
  m.ext_asym = ext;
  auto bytes = SerializeNegotiateAlgorithms(m);
  ASSERT_TRUE(bytes);
  ASSERT_GT(bytes->size(), 128u);
  EXPECT_ERRC(ParseNegotiateAlgorithms(*bytes, {}), Errc::kMalformed);
}

TEST(NegotiateAlgorithms, OtherParamsAndMelAreReservedBeforeTheirVersion) {
  Bytes msg = Hex(kNego12);
  msg[0] = kVersion11;
  msg[31] = 0x01;  // MELspecification, reserved before 1.3
  auto m = ParseNegotiateAlgorithms(msg, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->other_params_support, 0);  // byte 7 = 0x02 is reserved in 1.1
  EXPECT_EQ(m->mel_specification, 0);
  auto again = SerializeNegotiateAlgorithms(*m);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[7], 0);
  EXPECT_EQ((*again)[31], 0);
}

TEST(Algorithms, RoundTripsAndChecksLength) {
  Bytes msg = Hex(kAlgs12);
  CheckCodec(msg, {}, ParseAlgorithms, SerializeAlgorithms);
  EXPECT_ERRC(ParseAlgorithms(Patched(msg, 4, 2, 51), {}), Errc::kMalformed);
  EXPECT_ERRC(ParseAlgorithms(Patched(msg, 4, 2, 53), {}), Errc::kMalformed);
  EXPECT_ERRC(ParseAlgorithms(Patched(msg, 2, 1, 5), {}), Errc::kTruncated);
  EXPECT_ERRC(ParseAlgorithms(Patched(msg, 2, 1, 3), {}), Errc::kTrailingData);
  EXPECT_ERRC(ParseAlgorithms(Patched(msg, 32, 1, 1), {}),
              Errc::kTruncated);  // ExtAsymSelCount
  EXPECT_ERRC(ParseAlgorithms(Patched(msg, 33, 1, 1), {}),
              Errc::kTruncated);  // ExtHashSelCount
}

TEST(Algorithms, ReservedBytesIgnored) {
  Bytes msg = Patched(Hex(kAlgs12), 20, 1, 0x5A);
  msg = Patched(msg, 34, 2, 0x5A5A);
  auto m = ParseAlgorithms(msg, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(*SerializeAlgorithms(*m), Hex(kAlgs12));
}

TEST(Algorithms, SerializeRejectsBadExtendedLists) {
  Algorithms m;
  Bytes three(3, 0);
  m.ext_asym_sel = three;
  EXPECT_ERRC(SerializeAlgorithms(m), Errc::kInvalidArgument);
  Algorithms m2;
  Bytes ext(64, 0);
  m2.alg_structs = {{alg::kAlgTypeDhe, alg::kSecp384r1, ext}};
  EXPECT_ERRC(SerializeAlgorithms(m2), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
