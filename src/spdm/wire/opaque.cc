#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::wire {

Result<ByteSpan> ReadOpaqueField(ByteReader& r, const char* what) {
  ByteReader probe = r;
  CCGPU_ASSIGN_OR_RETURN(uint16_t len, probe.U16(what));
  if (len > kMaxOpaqueDataSize)
    return Fail(Errc::kMalformed, "spdm: OpaqueDataLength exceeds 1024");
  CCGPU_ASSIGN_OR_RETURN(ByteSpan data, probe.Take(len, what));
  r = probe;
  return data;
}

Status WriteOpaqueField(ByteWriter& w, ByteSpan opaque) {
  if (opaque.size() > kMaxOpaqueDataSize) {
    return Fail(Errc::kInvalidArgument, "spdm: opaque data exceeds 1024 bytes");
  }
  w.U16(opaque.size()).Append(opaque);
  return OkStatus();
}

// DSP0274 1.2 Table "General opaque data format" / 1.1 opaque data table
// header. Trailing rule: the opaque data ends after TotalElements elements.
Result<std::vector<OpaqueElement>> ParseOpaqueData(ByteSpan opaque,
                                                   OpaqueFormat format) {
  ByteReader r(opaque);
  uint8_t total = 0;
  if (format == OpaqueFormat::kDmtfSpecId) {
    CCGPU_ASSIGN_OR_RETURN(uint32_t spec_id, r.U32("spdm.opaque: SpecID"));
    if (spec_id != kOpaqueSpecIdDmtf)
      return Fail(Errc::kMalformed, "spdm.opaque: SpecID is not DMTF");
    CCGPU_ASSIGN_OR_RETURN(uint8_t ver, r.U8("spdm.opaque: OpaqueVersion"));
    if (ver != 1)
      return Fail(Errc::kMalformed, "spdm.opaque: OpaqueVersion is not 1");
    CCGPU_ASSIGN_OR_RETURN(total, r.U8("spdm.opaque: TotalElements"));
    CCGPU_TRY(r.Skip(2, "spdm.opaque: Reserved"));
  } else {
    CCGPU_ASSIGN_OR_RETURN(total, r.U8("spdm.opaque: TotalElements"));
    CCGPU_TRY(r.Skip(3, "spdm.opaque: Reserved"));
  }
  std::vector<OpaqueElement> out;
  for (uint8_t i = 0; i < total; ++i) {
    const std::size_t start = r.offset();
    OpaqueElement e;
    CCGPU_ASSIGN_OR_RETURN(e.id, r.U8("spdm.opaque: element ID"));
    CCGPU_ASSIGN_OR_RETURN(
        e.vendor_id, r.Prefixed8("spdm.opaque: element VendorID past end"));
    CCGPU_ASSIGN_OR_RETURN(
        e.data, r.Prefixed16("spdm.opaque: OpaqueElementData past end"));
    const std::size_t used = r.offset() - start;
    CCGPU_TRY(r.Skip((4 - used % 4) % 4,
                     "spdm.opaque: element AlignPadding past end"));
    out.push_back(e);
  }
  CCGPU_TRY(r.ExpectEnd("spdm.opaque: bytes after TotalElements elements"));
  return out;
}

Result<Bytes> SerializeOpaqueData(const std::vector<OpaqueElement>& elements,
                                  OpaqueFormat format) {
  if (elements.size() > 255)
    return Fail(Errc::kInvalidArgument, "spdm.opaque: more than 255 elements");
  ByteWriter w;
  if (format == OpaqueFormat::kDmtfSpecId) {
    w.U32(kOpaqueSpecIdDmtf).U8(1).U8(elements.size()).U16(0);
  } else {
    w.U8(elements.size()).Zeros(3);
  }
  for (const auto& e : elements) {
    const std::size_t start = w.size();
    w.U8(e.id).Prefixed8(e.vendor_id).Prefixed16(e.data);
    w.Zeros((4 - (w.size() - start) % 4) % 4);
  }
  return std::move(w).Finish();
}

Result<uint8_t> SmDataId(ByteSpan d) {
  ByteReader r(d);
  CCGPU_TRY(r.Skip(1, "spdm.opaque: SMDataVersion"));
  return r.U8("spdm.opaque: SMDataID");
}

// DSP0277 1.1 §8.1 Table "Secured Message opaque element: version selection".
// Trailing rule: exactly 4 bytes.
Result<uint16_t> ParseSmVersionSelection(ByteSpan d) {
  ByteReader r(d);
  CCGPU_ASSIGN_OR_RETURN(uint8_t ver, r.U8("spdm.opaque: SMDataVersion"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t id, r.U8("spdm.opaque: SMDataID"));
  if (ver != kSmDataVersion || id != kSmDataIdVersionSelection) {
    return Fail(Errc::kMalformed,
                "spdm.opaque: not a version-selection element");
  }
  CCGPU_ASSIGN_OR_RETURN(uint16_t v, r.U16("spdm.opaque: SelectedVersion"));
  CCGPU_TRY(r.ExpectEnd("spdm.opaque: bytes after SelectedVersion"));
  return v;
}

Bytes SerializeSmVersionSelection(uint16_t v) {
  return {kSmDataVersion, kSmDataIdVersionSelection,
          static_cast<uint8_t>(v & 0xFF), static_cast<uint8_t>(v >> 8)};
}

// DSP0277 1.1 §8.1 Table "supported version list". Trailing rule: ends after
// VersionCount entries.
Result<std::vector<uint16_t>> ParseSmSupportedVersions(ByteSpan d) {
  ByteReader r(d);
  CCGPU_ASSIGN_OR_RETURN(uint8_t ver, r.U8("spdm.opaque: SMDataVersion"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t id, r.U8("spdm.opaque: SMDataID"));
  if (ver != kSmDataVersion || id != kSmDataIdSupportedVersionList) {
    return Fail(Errc::kMalformed,
                "spdm.opaque: not a supported-version-list element");
  }
  CCGPU_ASSIGN_OR_RETURN(uint8_t n, r.U8("spdm.opaque: VersionCount"));
  if (n == 0) return Fail(Errc::kMalformed, "spdm.opaque: VersionCount is 0");
  std::vector<uint16_t> out;
  for (uint8_t i = 0; i < n; ++i) {
    CCGPU_ASSIGN_OR_RETURN(uint16_t v,
                           r.U16("spdm.opaque: VersionsList past end"));
    out.push_back(v);
  }
  CCGPU_TRY(r.ExpectEnd("spdm.opaque: bytes after VersionsList"));
  return out;
}

Result<Bytes> SerializeSmSupportedVersions(
    const std::vector<uint16_t>& versions) {
  if (versions.empty() || versions.size() > 255) {
    return Fail(Errc::kInvalidArgument, "spdm.opaque: 1..255 versions");
  }
  ByteWriter w;
  w.U8(kSmDataVersion).U8(kSmDataIdSupportedVersionList).U8(versions.size());
  for (uint16_t v : versions) w.U16(v);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
