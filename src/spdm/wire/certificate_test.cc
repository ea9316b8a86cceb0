#include "spdm/wire/certificate.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;
using testing::Patched;

TEST(GetCertificate, RoundTrips) {
  Bytes msg = Hex("12820100 0004 0002");
  CheckCodec(msg, {}, ParseGetCertificate, SerializeGetCertificate);
  auto m = ParseGetCertificate(msg, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->slot_id, 1);
  EXPECT_EQ(m->offset, 0x400);
  EXPECT_EQ(m->length, 0x200);
}

TEST(GetCertificate, SlotSizeRequestedOnlyIn13AndReservedBitsDropped) {
  auto m12 = ParseGetCertificate(Hex("1282f101 0000 0000"), {});
  ASSERT_TRUE(m12);
  EXPECT_EQ(m12->slot_id, 1);
  EXPECT_FALSE(m12->slot_size_requested);
  auto m13 = ParseGetCertificate(Hex("13820101 0000 0000"), {});
  ASSERT_TRUE(m13);
  EXPECT_TRUE(m13->slot_size_requested);
  CheckCodec(Hex("13820101 0000 0000"), {}, ParseGetCertificate,
             SerializeGetCertificate);
}

TEST(Certificate, PortionLengthTooLongTruncatesTooShortLeavesTrailing) {
  Bytes msg = Hex("12020000 0500 1000 0102030405");
  CheckCodec(msg, {}, ParseCertificate, SerializeCertificate);
  EXPECT_ERRC(ParseCertificate(Patched(msg, 4, 2, 6), {}), Errc::kTruncated);
  EXPECT_ERRC(ParseCertificate(Patched(msg, 4, 2, 4), {}), Errc::kTrailingData);
  auto m = ParseCertificate(msg, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->remainder_length, 0x10);
  EXPECT_EQ(m->portion.size(), 5u);
}

TEST(Certificate, CertificateInfoOnlyIn13) {
  auto m12 = ParseCertificate(Hex("12020001 0000 0000"), {});
  ASSERT_TRUE(m12);
  EXPECT_EQ(m12->certificate_info, 0);
  auto m13 = ParseCertificate(Hex("13020001 0000 0000"), {});
  ASSERT_TRUE(m13);
  EXPECT_EQ(m13->certificate_info, 1);
}

Bytes SampleChain() {
  // Length = 4 + 48 + two tiny DER SEQUENCEs (5 + 4 bytes).
  Bytes c = {0, 0, 0, 0};
  for (int i = 0; i < 48; ++i) c.push_back(0xAB);
  Bytes certs = Hex("3003020101 30020500");
  c.insert(c.end(), certs.begin(), certs.end());
  return Patched(c, 0, 2, c.size());
}

TEST(CertChain, ParsesHeaderRootHashAndCertificates) {
  Bytes chain = SampleChain();
  auto c = ParseCertChain(chain, 48);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->root_hash.size(), 48u);
  auto again = SerializeCertChain(*c);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, chain);
  auto certs = SplitDerCertificates(c->certificates);
  ASSERT_TRUE(certs);
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].size(), 5u);
  EXPECT_EQ((*certs)[1].size(), 4u);
  for (std::size_t n = 0; n < chain.size(); ++n) {
    Bytes prefix(chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(ParseCertChain(prefix, 48)) << n;
  }
}

TEST(CertChain, LengthFieldTooLongOrShort) {
  Bytes chain = SampleChain();
  EXPECT_ERRC(ParseCertChain(Patched(chain, 0, 2, chain.size() + 1), 48),
              Errc::kTruncated);
  EXPECT_ERRC(ParseCertChain(Patched(chain, 0, 2, chain.size() - 1), 48),
              Errc::kTrailingData);
  EXPECT_ERRC(ParseCertChain(Patched(chain, 0, 2, 52), 48), Errc::kMalformed);
  EXPECT_ERRC(ParseCertChain(chain, 0), Errc::kInvalidArgument);
}

TEST(SplitDerCertificates, RejectsBadDer) {
  EXPECT_ERRC(SplitDerCertificates(Hex("3103020101")), Errc::kMalformed);
  EXPECT_ERRC(SplitDerCertificates(Hex("3004020100")), Errc::kTruncated);
  EXPECT_ERRC(SplitDerCertificates(Hex("3080")), Errc::kMalformed);
  EXPECT_ERRC(SplitDerCertificates(Hex("3085ffffffffff")), Errc::kMalformed);
  EXPECT_ERRC(SplitDerCertificates(Hex("30820100")), Errc::kTruncated);
  EXPECT_ERRC(SplitDerCertificates({}), Errc::kMalformed);
  auto longform = SplitDerCertificates(Hex("308103010203"));
  ASSERT_TRUE(longform);
  EXPECT_EQ((*longform)[0].size(), 6u);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
