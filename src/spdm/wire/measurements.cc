#include "spdm/wire/measurements.h"

#include <bitset>

#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.11.1 Table "DMTF measurement specification format".
// Trailing rule: the value fills the block's Measurement field exactly.
Result<DmtfMeasurement> ParseDmtfMeasurement(ByteSpan measurement) {
  ByteReader r(measurement);
  DmtfMeasurement m;
  CCGPU_ASSIGN_OR_RETURN(
      m.value_type, r.U8("spdm.measurements: DMTFSpecMeasurementValueType"));
  CCGPU_ASSIGN_OR_RETURN(
      m.value,
      r.Prefixed16("spdm.measurements: DMTFSpecMeasurementValue past end"));
  CCGPU_TRY(
      r.ExpectEnd("spdm.measurements: bytes after DMTFSpecMeasurementValue"));
  return m;
}

Result<Bytes> SerializeDmtfMeasurement(const DmtfMeasurement& m) {
  ByteWriter w;
  w.U8(m.value_type)
      .Prefixed16(m.value, "spdm.measurements: DMTF value above 65535 bytes");
  auto out = std::move(w).Finish();
  if (!out)
    return Fail(Errc::kInvalidArgument,
                "spdm.measurements: DMTF value above 65535 bytes");
  return out;
}

// DSP0274 1.2 §10.11.1 Table "Measurement block format".
Result<MeasurementBlock> ParseMeasurementBlock(ByteReader& r) {
  ByteReader probe = r;
  MeasurementBlock b;
  CCGPU_ASSIGN_OR_RETURN(b.index, probe.U8("spdm.measurements: block Index"));
  CCGPU_ASSIGN_OR_RETURN(
      b.measurement_specification,
      probe.U8("spdm.measurements: block MeasurementSpecification"));
  CCGPU_ASSIGN_OR_RETURN(
      b.measurement,
      probe.Prefixed16("spdm.measurements: block MeasurementSize past end"));
  if (b.measurement_specification & alg::kMeasSpecDmtf) {
    auto dmtf = ParseDmtfMeasurement(b.measurement);
    if (!dmtf) {
      return Fail(
          Errc::kMalformed,
          "spdm.measurements: DMTF value size disagrees with MeasurementSize");
    }
  }
  r = probe;
  return b;
}

Status WriteMeasurementBlock(ByteWriter& w, const MeasurementBlock& b) {
  if (b.measurement.size() > 0xFFFF) {
    return Fail(Errc::kInvalidArgument,
                "spdm.measurements: measurement above 65535 bytes");
  }
  w.U8(b.index).U8(b.measurement_specification).Prefixed16(b.measurement);
  return OkStatus();
}

// DSP0274 1.2 §10.11 MeasurementRecord: NumberOfBlocks blocks, concatenated,
// filling MeasurementRecordLength exactly (trailing rule).
Result<std::vector<MeasurementBlock>> ParseMeasurementRecord(
    ByteSpan record, uint8_t number_of_blocks) {
  ByteReader r(record);
  std::vector<MeasurementBlock> out;
  out.reserve(number_of_blocks);
  std::bitset<256> seen;
  for (unsigned i = 0; i < number_of_blocks; ++i) {
    auto b = ParseMeasurementBlock(r);
    if (!b) {
      if (b.error().code == Errc::kTruncated) {
        return Fail(
            Errc::kMalformed,
            "spdm.measurements: blocks run past MeasurementRecordLength");
      }
      return tl::unexpected(b.error());
    }
    if (seen[b->index])
      return Fail(Errc::kMalformed, "spdm.measurements: duplicate block Index");
    seen[b->index] = true;
    out.push_back(*b);
  }
  if (!r.empty()) {
    return Fail(Errc::kMalformed,
                "spdm.measurements: MeasurementRecordLength exceeds "
                "NumberOfBlocks blocks");
  }
  return out;
}

// DSP0274 1.2 §10.11 GET_MEASUREMENTS request. Trailing rule: fixed size
// given the attributes and version.
Result<GetMeasurements> ParseGetMeasurements(ByteSpan msg,
                                             const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r, Code::kGetMeasurements,
                                              kVersion11, p.negotiated));
  GetMeasurements m;
  m.version = h.version;
  m.attributes = h.param1;
  m.operation = h.param2;
  if (m.signature_requested()) {
    CCGPU_ASSIGN_OR_RETURN(m.nonce,
                           r.Array<kNonceSize>("spdm.get_measurements: Nonce"));
    CCGPU_ASSIGN_OR_RETURN(uint8_t slot,
                           r.U8("spdm.get_measurements: SlotIDParam"));
    m.slot_id_param = slot & 0x0F;
  }
  if (h.version >= kVersion13) {
    CCGPU_ASSIGN_OR_RETURN(m.requester_context,
                           r.Array<kRequesterContextSize>(
                               "spdm.get_measurements: RequesterContext"));
  }
  CCGPU_TRY(ExpectEnd(r, p, "spdm.get_measurements: bytes after the request"));
  return m;
}

Result<Bytes> SerializeGetMeasurements(const GetMeasurements& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kGetMeasurements, m.attributes, m.operation);
  if (m.signature_requested()) w.Append(m.nonce).U8(m.slot_id_param & 0x0F);
  if (m.version >= kVersion13) w.Append(m.requester_context);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.11 MEASUREMENTS response. Trailing rule: the message ends
// after the Signature (signed) or after OpaqueData / RequesterContext.
Result<Measurements> ParseMeasurements(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kMeasurements, kVersion11, p.negotiated));
  if (p.measurement_signature) {
    CCGPU_TRY(RequireSize(p.negotiated.signature_size,
                          "spdm.measurements: signature size not negotiated"));
  }
  Measurements m;
  m.version = h.version;
  m.param1 = h.param1;
  m.param2 = h.param2;
  CCGPU_ASSIGN_OR_RETURN(uint8_t n, r.U8("spdm.measurements: NumberOfBlocks"));
  CCGPU_ASSIGN_OR_RETURN(
      m.record,
      r.Prefixed24("spdm.measurements: MeasurementRecordLength past end"));
  CCGPU_ASSIGN_OR_RETURN(m.blocks, ParseMeasurementRecord(m.record, n));
  CCGPU_ASSIGN_OR_RETURN(m.nonce,
                         r.Array<kNonceSize>("spdm.measurements: Nonce"));
  CCGPU_ASSIGN_OR_RETURN(m.opaque_data,
                         ReadOpaqueField(r, "spdm.measurements: OpaqueData"));
  if (h.version >= kVersion13) {
    CCGPU_ASSIGN_OR_RETURN(
        m.requester_context,
        r.Array<kRequesterContextSize>("spdm.measurements: RequesterContext"));
  }
  if (p.measurement_signature) {
    CCGPU_ASSIGN_OR_RETURN(m.signature, r.Take(p.negotiated.signature_size,
                                               "spdm.measurements: Signature"));
  }
  CCGPU_TRY(ExpectEnd(r, p, "spdm.measurements: bytes after the response"));
  return m;
}

Result<Bytes> SerializeMeasurements(const Measurements& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  if (m.blocks.size() > 255)
    return Fail(Errc::kInvalidArgument,
                "spdm.measurements: more than 255 blocks");
  ByteWriter rec;
  for (const auto& b : m.blocks) CCGPU_TRY(WriteMeasurementBlock(rec, b));
  CCGPU_ASSIGN_OR_RETURN(Bytes record, std::move(rec).Finish());
  ByteWriter w;
  WriteHeader(w, m.version, Code::kMeasurements, m.param1, m.param2);
  w.U8(m.blocks.size())
      .Prefixed24(record, "spdm.measurements: record above 2^24-1 bytes")
      .Append(m.nonce);
  CCGPU_TRY(WriteOpaqueField(w, m.opaque_data));
  if (m.version >= kVersion13) w.Append(m.requester_context);
  w.Append(m.signature);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
