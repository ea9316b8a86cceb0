#include "spdm/wire/measurements.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;
using testing::P384;
using testing::Patched;

TEST(GetMeasurements, SignedAndUnsignedEachVersion) {
  // Unsigned 1.1/1.2: header only; signed: + nonce + SlotIDParam; 1.3: +
  // context.
  CheckCodec(Hex("12e00001"), {}, ParseGetMeasurements,
             SerializeGetMeasurements);
  Bytes signed12 = Hex("12e001ff");
  signed12.insert(signed12.end(), 32, 0x5A);
  signed12.push_back(0x03);
  CheckCodec(signed12, {}, ParseGetMeasurements, SerializeGetMeasurements);
  Bytes signed13 = signed12;
  signed13[0] = kVersion13;
  signed13.insert(signed13.end(), 8, 0xC7);
  CheckCodec(signed13, {}, ParseGetMeasurements, SerializeGetMeasurements);
  Bytes unsigned13 = Hex("13e00201 0102030405060708");
  CheckCodec(unsigned13, {}, ParseGetMeasurements, SerializeGetMeasurements);
  auto m = ParseGetMeasurements(signed13, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->slot_id_param, 3);
  EXPECT_EQ(m->requester_context[7], 0xC7);
}

TEST(GetMeasurements, SignatureAttributeDecidesTheNonce) {
  EXPECT_ERRC(ParseGetMeasurements(Hex("12e00101"), {}), Errc::kTruncated);
  Bytes with_nonce = Hex("12e00001");
  with_nonce.insert(with_nonce.end(), 33, 0);
  EXPECT_ERRC(ParseGetMeasurements(with_nonce, {}), Errc::kTrailingData);
}

TEST(GetMeasurements, SlotIdReservedBitsDropped) {
  Bytes msg = Hex("12e001ff");
  msg.insert(msg.end(), 32, 0);
  msg.push_back(0xF2);
  auto m = ParseGetMeasurements(msg, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->slot_id_param, 2);
}

TEST(DmtfMeasurement, ParsesAndRejectsSizeMismatch) {
  Bytes m = Hex("81 0300 aabbcc");
  auto d = ParseDmtfMeasurement(m);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->raw_bit_stream());
  EXPECT_EQ(d->type(), meas::kTypeMutableFirmware);
  EXPECT_EQ(*SerializeDmtfMeasurement(*d), m);
  EXPECT_ERRC(ParseDmtfMeasurement(Patched(m, 1, 2, 4)), Errc::kTruncated);
  EXPECT_ERRC(ParseDmtfMeasurement(Patched(m, 1, 2, 2)), Errc::kTrailingData);
  for (std::size_t n = 0; n < m.size(); ++n) {
    Bytes prefix(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_ERRC(ParseDmtfMeasurement(prefix), Errc::kTruncated);
  }
}

TEST(MeasurementBlock, ReaderDoesNotAdvanceOnFailure) {
  Bytes b = Hex("05 01 0600 06 0300 010203");
  ByteReader r(b);
  auto block = ParseMeasurementBlock(r);
  ASSERT_TRUE(block);
  EXPECT_EQ(block->index, 5);
  EXPECT_TRUE(r.empty());
  Bytes short_block(b.begin(), b.end() - 1);
  ByteReader r2(short_block);
  EXPECT_ERRC(ParseMeasurementBlock(r2), Errc::kTruncated);
  EXPECT_EQ(r2.offset(), 0u);
  // A non-DMTF specification is kept opaque.
  Bytes vendor = Hex("07 00 0200 ffff");
  ByteReader r3(vendor);
  EXPECT_TRUE(ParseMeasurementBlock(r3));
}

Bytes MeasurementsMsg(uint8_t version, bool with_signature) {
  Bytes m = {version, 0x60, 0x00, 0x00, 0x02};
  Bytes record = Hex("01 01 0700 01 0400 11223344  02 01 0500 86 0200 0102");
  m.push_back(static_cast<uint8_t>(record.size()));
  m.push_back(0);
  m.push_back(0);
  m.insert(m.end(), record.begin(), record.end());
  m.insert(m.end(), 32, 0x33);                     // Nonce
  m.insert(m.end(), {0x03, 0x00, 0xA, 0xB, 0xC});  // opaque
  if (version >= kVersion13) m.insert(m.end(), 8, 0xCC);
  if (with_signature) m.insert(m.end(), 96, 0x99);
  return m;
}

TEST(Measurements, RoundTripsEachVersionSignedAndUnsigned) {
  for (uint8_t v : {kVersion11, kVersion12, kVersion13}) {
    for (bool sig : {false, true}) {
      ParseParams p = P384(v);
      p.measurement_signature = sig;
      CheckCodec(MeasurementsMsg(v, sig), p, ParseMeasurements,
                 SerializeMeasurements);
    }
  }
  ParseParams p = P384(kVersion13);
  const Bytes msg = MeasurementsMsg(kVersion13, false);  // outlives m's spans
  auto m = ParseMeasurements(msg, p);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->blocks.size(), 2u);
  auto d = ParseDmtfMeasurement(m->blocks[1].measurement);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->type(), meas::kTypeVersion);
  EXPECT_TRUE(d->raw_bit_stream());
  EXPECT_EQ(m->requester_context[0], 0xCC);
}

TEST(Measurements, CountOperationHasEmptyRecord) {
  Bytes msg = Hex("12600500 00 000000");
  msg.insert(msg.end(), 32, 1);
  msg.insert(msg.end(), {0, 0});
  CheckCodec(msg, P384(), ParseMeasurements, SerializeMeasurements);
  auto m = ParseMeasurements(msg, P384());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->param1, 5);
  EXPECT_TRUE(m->blocks.empty());
}

TEST(Measurements, LengthFieldsTooShortAndTooLong) {
  ParseParams p = P384(kVersion12);
  Bytes msg = MeasurementsMsg(kVersion12, false);
  const std::size_t rec = 20;
  EXPECT_ERRC(ParseMeasurements(Patched(msg, 5, 3, rec - 1), p),
              Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(Patched(msg, 5, 3, rec + 1), p),
              Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(Patched(msg, 5, 3, 0x10000), p),
              Errc::kTruncated);
  EXPECT_ERRC(ParseMeasurements(Patched(msg, 4, 1, 1), p), Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(Patched(msg, 4, 1, 3), p), Errc::kMalformed);
  const std::size_t opaque_at = 8 + rec + 32;
  EXPECT_ERRC(ParseMeasurements(Patched(msg, opaque_at, 2, 4), p),
              Errc::kTruncated);
  EXPECT_ERRC(ParseMeasurements(Patched(msg, opaque_at, 2, 2), p),
              Errc::kTrailingData);
  // Block MeasurementSize / DMTF value size.
  EXPECT_ERRC(ParseMeasurements(Patched(msg, 10, 2, 6), p), Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(Patched(msg, 10, 2, 8), p), Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(Patched(msg, 13, 2, 3), p), Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(Patched(msg, 13, 2, 5), p), Errc::kMalformed);
}

TEST(Measurements, SignaturePresenceIsAParameter) {
  ParseParams p = P384(kVersion12);
  p.measurement_signature = true;
  EXPECT_ERRC(ParseMeasurements(MeasurementsMsg(kVersion12, false), p),
              Errc::kTruncated);
  p.negotiated.signature_size = 0;
  EXPECT_ERRC(ParseMeasurements(MeasurementsMsg(kVersion12, true), p),
              Errc::kInvalidArgument);
}

TEST(Measurements, SerializeRejectsTooManyBlocks) {
  Measurements m;
  m.blocks.resize(256);
  EXPECT_ERRC(SerializeMeasurements(m), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
