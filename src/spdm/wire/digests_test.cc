#include "spdm/wire/digests.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;
using testing::P384;

Bytes TwoSlotDigests(uint8_t version) {
  Bytes msg = {version, 0x01, 0x00, 0x05};  // slots 0 and 2
  for (int i = 0; i < 96; ++i) msg.push_back(static_cast<uint8_t>(i));
  return msg;
}

TEST(GetDigests, RoundTripsAndIgnoresReserved) {
  CheckCodec(Hex("12810000"), P384(), ParseGetDigests, SerializeGetDigests);
  auto m = ParseGetDigests(Hex("1281ffff"), P384());
  ASSERT_TRUE(m);
  EXPECT_EQ(*SerializeGetDigests(*m), Hex("12810000"));
}

TEST(Digests, OneDigestPerSlotBit) {
  Bytes msg = TwoSlotDigests(kVersion12);
  CheckCodec(msg, P384(), ParseDigests, SerializeDigests);
  auto m = ParseDigests(msg, P384());
  ASSERT_TRUE(m);
  ASSERT_EQ(m->digests.size(), 2u);
  EXPECT_EQ(m->digests[1][0], 48);
  // SlotMask with an extra bit: one digest short; one bit fewer: trailing.
  EXPECT_ERRC(ParseDigests(testing::Patched(msg, 3, 1, 0x07), P384()),
              Errc::kTruncated);
  EXPECT_ERRC(ParseDigests(testing::Patched(msg, 3, 1, 0x01), P384()),
              Errc::kTrailingData);
}

TEST(Digests, SupportedSlotMaskOnlyFrom13) {
  Bytes msg = testing::Patched(TwoSlotDigests(kVersion12), 2, 1, 0xFF);
  auto m12 = ParseDigests(msg, P384());
  ASSERT_TRUE(m12);
  EXPECT_EQ(m12->supported_slot_mask, 0);
  msg[0] = kVersion13;
  auto m13 = ParseDigests(msg, P384(kVersion13));
  ASSERT_TRUE(m13);
  EXPECT_EQ(m13->supported_slot_mask, 0xFF);
}

TEST(Digests, MultiKeyArraysIn13) {
  Bytes msg = TwoSlotDigests(kVersion13);
  Bytes arrays = Hex("0102 0101 0f000f00");
  msg.insert(msg.end(), arrays.begin(), arrays.end());
  ParseParams p = P384(kVersion13);
  p.negotiated.multi_key_conn = true;
  CheckCodec(msg, p, ParseDigests, SerializeDigests);
  auto m = ParseDigests(msg, p);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->key_pair_ids[1], 2);
  // The arrays exist only in 1.3.
  Digests bad = *m;
  bad.version = kVersion12;
  EXPECT_ERRC(SerializeDigests(bad), Errc::kInvalidArgument);
}

TEST(Digests, NeedsNegotiatedHashSize) {
  EXPECT_ERRC(ParseDigests(TwoSlotDigests(kVersion12), ParseParams{}),
              Errc::kInvalidArgument);
}

TEST(Digests, SerializeChecksCountAgainstMask) {
  Digests m;
  m.provisioned_slot_mask = 0x03;
  Bytes d(48, 1);
  m.digests = {d};
  EXPECT_ERRC(SerializeDigests(m), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
