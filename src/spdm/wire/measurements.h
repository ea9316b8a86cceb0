// GET_MEASUREMENTS / MEASUREMENTS codecs and DMTF measurement blocks
// (DSP0274 1.2 §10.11; 1.3 RequesterContext). Borrowed: spans point into the
// input; the block list is an owned vector of borrowed blocks.
#ifndef CCGPU_SPDM_WIRE_MEASUREMENTS_H_
#define CCGPU_SPDM_WIRE_MEASUREMENTS_H_

#include <vector>

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

namespace meas {
// GET_MEASUREMENTS Param1 (request attributes).
inline constexpr uint8_t kSignatureRequested = 0x01;
inline constexpr uint8_t kRawBitStreamRequested = 0x02;    // 1.2
inline constexpr uint8_t kNewMeasurementRequested = 0x04;  // 1.3
// GET_MEASUREMENTS Param2 (operation).
inline constexpr uint8_t kOpTotalCount = 0x00;
inline constexpr uint8_t kOpAll = 0xFF;
// DMTFSpecMeasurementValueType bits 6:0, bit 7 = raw bit stream.
inline constexpr uint8_t kTypeImmutableRom = 0;
inline constexpr uint8_t kTypeMutableFirmware = 1;
inline constexpr uint8_t kTypeHardwareConfig = 2;
inline constexpr uint8_t kTypeFirmwareConfig = 3;
inline constexpr uint8_t kTypeMeasurementManifest = 4;
inline constexpr uint8_t kTypeDeviceMode = 5;           // 1.2
inline constexpr uint8_t kTypeVersion = 6;              // 1.2
inline constexpr uint8_t kTypeSecureVersionNumber = 7;  // 1.2
inline constexpr uint8_t kTypeHashExtended = 8;         // 1.3
inline constexpr uint8_t kTypeInformational = 9;        // 1.3
inline constexpr uint8_t kTypeStructuredManifest = 10;  // 1.3
inline constexpr uint8_t kRawBitStream = 0x80;
}  // namespace meas

// GET_MEASUREMENTS: header(Param1 attributes, Param2 operation) |
// [Nonce(32) | SlotIDParam u8 (bits 3:0)] if SignatureRequested |
// [1.3 RequesterContext(8)].
struct GetMeasurements {
  uint8_t version = kVersion12;
  uint8_t attributes = 0;
  uint8_t operation = meas::kOpAll;
  Nonce nonce{};                         // if signature requested
  uint8_t slot_id_param = 0;             // if signature requested
  RequesterContext requester_context{};  // 1.3
  bool signature_requested() const {
    return (attributes & meas::kSignatureRequested) != 0;
  }
};

// DMTF measurement (MeasurementSpecification bit 0):
// DMTFSpecMeasurementValueType u8 | DMTFSpecMeasurementValueSize u16 |
// DMTFSpecMeasurementValue.
struct DmtfMeasurement {
  uint8_t value_type = 0;  // meas::kType* | meas::kRawBitStream
  ByteSpan value;
  uint8_t type() const { return value_type & 0x7F; }
  bool raw_bit_stream() const {
    return (value_type & meas::kRawBitStream) != 0;
  }
};

// Measurement block: Index u8 | MeasurementSpecification u8 |
// MeasurementSize u16 | Measurement[MeasurementSize].
struct MeasurementBlock {
  uint8_t index = 0;
  uint8_t measurement_specification = alg::kMeasSpecDmtf;
  ByteSpan measurement;
};

// MEASUREMENTS: header(Param1: TotalNumberOfMeasurements for op 0, else
// reserved; Param2: bits 3:0 SlotID, bits 5:4 ContentChanged (1.2)) |
// NumberOfBlocks u8 | MeasurementRecordLength u24 | MeasurementRecord |
// Nonce(32) | OpaqueDataLength u16 | OpaqueData | [1.3 RequesterContext(8)] |
// [Signature(S) if the request asked for one].
struct Measurements {
  uint8_t version = kVersion12;
  uint8_t param1 = 0;
  uint8_t param2 = 0;
  // Serialize writes these; Parse fills them (and `record`, a borrowed view of
  // the raw MeasurementRecord, which Serialize ignores).
  std::vector<MeasurementBlock> blocks;
  ByteSpan record;
  Nonce nonce{};
  ByteSpan opaque_data;
  RequesterContext requester_context{};  // 1.3
  ByteSpan signature;                    // empty when unsigned
};

// Parses a DMTF measurement (a block's Measurement field). kTruncated if the
// value runs past the end; kTrailingData after it.
Result<DmtfMeasurement> ParseDmtfMeasurement(ByteSpan measurement);
// kInvalidArgument if the value exceeds 65535 bytes.
Result<Bytes> SerializeDmtfMeasurement(const DmtfMeasurement& m);

// Reads one block from `r` (kTruncated if short; never advances on failure).
// A block whose MeasurementSpecification has the DMTF bit must hold a valid
// DMTF measurement filling MeasurementSize exactly, else kMalformed.
Result<MeasurementBlock> ParseMeasurementBlock(ByteReader& r);
// kInvalidArgument if the measurement exceeds 65535 bytes.
Status WriteMeasurementBlock(ByteWriter& w, const MeasurementBlock& b);

// Parses a MeasurementRecord holding exactly `number_of_blocks` blocks. Any
// disagreement between the count, the blocks and the record length is
// kMalformed; duplicate indices are kMalformed.
Result<std::vector<MeasurementBlock>> ParseMeasurementRecord(
    ByteSpan record, uint8_t number_of_blocks);

// kTrailingData after the fixed size for the attributes and version.
Result<GetMeasurements> ParseGetMeasurements(ByteSpan msg,
                                             const ParseParams& p);
Result<Bytes> SerializeGetMeasurements(const GetMeasurements& m);

// Signature present iff p.measurement_signature (needs signature_size).
// MeasurementRecordLength past the end: kTruncated; inconsistent with the
// blocks: kMalformed. OpaqueDataLength too long: kTruncated (eats the
// signature), too short: kTrailingData, > 1024: kMalformed.
Result<Measurements> ParseMeasurements(ByteSpan msg, const ParseParams& p);
// kInvalidArgument for more than 255 blocks or a record above 2^24-1 bytes.
Result<Bytes> SerializeMeasurements(const Measurements& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_MEASUREMENTS_H_
