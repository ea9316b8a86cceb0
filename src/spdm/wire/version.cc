#include "spdm/wire/version.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.3 GET_VERSION request: 4 bytes, fixed. Trailing rule: exact.
Result<GetVersion> ParseGetVersion(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_TRY(ReadHeaderExact(r, Code::kGetVersion, kVersion10));
  CCGPU_TRY(
      ExpectEnd(r, p, "spdm.get_version: bytes after the 4-byte request"));
  return GetVersion{};
}

Result<Bytes> SerializeGetVersion(const GetVersion&) {
  ByteWriter w;
  WriteHeader(w, kVersion10, Code::kGetVersion, 0, 0);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.3 VERSION response. Trailing rule: the message ends after
// VersionNumberEntryCount entries.
Result<Version> ParseVersion(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_TRY(ReadHeaderExact(r, Code::kVersion, kVersion10));
  CCGPU_TRY(r.Skip(1, "spdm.version: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t count,
                         r.U8("spdm.version: VersionNumberEntryCount"));
  if (count == 0)
    return Fail(Errc::kMalformed, "spdm.version: VersionNumberEntryCount is 0");
  CCGPU_ASSIGN_OR_RETURN(
      ByteSpan raw, r.TakeArray(count, 2, "spdm.version: entries past end"));
  Version v;
  ByteReader er(raw);
  for (uint8_t i = 0; i < count; ++i) {
    CCGPU_ASSIGN_OR_RETURN(uint16_t e, er.U16("spdm.version: entry"));
    v.entries.push_back({e});
  }
  CCGPU_TRY(ExpectEnd(r, p, "spdm.version: bytes after the last entry"));
  return v;
}

Result<Bytes> SerializeVersion(const Version& m) {
  if (m.entries.empty() || m.entries.size() > 255) {
    return Fail(Errc::kInvalidArgument,
                "spdm.version: entry count must be 1..255");
  }
  ByteWriter w;
  WriteHeader(w, kVersion10, Code::kVersion, 0, 0);
  w.U8(0).U8(m.entries.size());
  for (const auto& e : m.entries) w.U16(e.value);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
