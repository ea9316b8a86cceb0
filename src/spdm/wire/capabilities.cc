#include "spdm/wire/capabilities.h"

namespace ccgpu::spdm::wire {
namespace {

// DSP0274 1.2 §10.4 GET_CAPABILITIES/CAPABILITIES body. Trailing rule: the
// message is exactly 12 (1.1) or 20 (1.2, 1.3) bytes.
Status ParseBody(ByteReader& r, CapabilitiesFields& f, const ParseParams& p,
                 const char* trailing) {
  CCGPU_TRY(r.Skip(1, "spdm.capabilities: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(f.ct_exponent, r.U8("spdm.capabilities: CTExponent"));
  CCGPU_TRY(r.Skip(2, "spdm.capabilities: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(f.flags, r.U32("spdm.capabilities: Flags"));
  if (f.version >= kVersion12) {
    CCGPU_ASSIGN_OR_RETURN(f.data_transfer_size,
                           r.U32("spdm.capabilities: DataTransferSize"));
    CCGPU_ASSIGN_OR_RETURN(f.max_spdm_msg_size,
                           r.U32("spdm.capabilities: MaxSPDMmsgSize"));
  }
  CCGPU_TRY(ExpectEnd(r, p, trailing));
  if (f.version >= kVersion12) {
    if (f.data_transfer_size < kMinDataTransferSize) {
      return Fail(
          Errc::kMalformed,
          "spdm.capabilities: DataTransferSize below MinDataTransferSize (42)");
    }
    if (f.max_spdm_msg_size < f.data_transfer_size) {
      return Fail(Errc::kMalformed,
                  "spdm.capabilities: MaxSPDMmsgSize below DataTransferSize");
    }
  }
  return OkStatus();
}

Result<Bytes> Write(const CapabilitiesFields& f, Code code, uint8_t param1) {
  CCGPU_TRY(CheckVersion(f.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, f.version, code, param1, 0);
  w.U8(0).U8(f.ct_exponent).U16(0).U32(f.flags);
  if (f.version >= kVersion12)
    w.U32(f.data_transfer_size).U32(f.max_spdm_msg_size);
  return std::move(w).Finish();
}

}  // namespace

Result<GetCapabilities> ParseGetCapabilities(ByteSpan msg,
                                             const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r, Code::kGetCapabilities,
                                              kVersion11, p.negotiated));
  GetCapabilities m;
  m.version = h.version;
  m.supported_algorithms = h.version >= kVersion13 && (h.param1 & 0x01) != 0;
  CCGPU_TRY(ParseBody(
      r, m, p, "spdm.get_capabilities: bytes after the fixed-size request"));
  return m;
}

Result<Bytes> SerializeGetCapabilities(const GetCapabilities& m) {
  return Write(m, Code::kGetCapabilities,
               m.version >= kVersion13 && m.supported_algorithms ? 0x01 : 0x00);
}

Result<Capabilities> ParseCapabilities(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kCapabilities, kVersion11, p.negotiated));
  if (h.version >= kVersion13 && (h.param1 & 0x01) != 0) {
    return Fail(Errc::kUnsupported,
                "spdm.capabilities: Supported Algorithms block not supported");
  }
  Capabilities m;
  m.version = h.version;
  CCGPU_TRY(ParseBody(
      r, m, p, "spdm.capabilities: bytes after the fixed-size response"));
  return m;
}

Result<Bytes> SerializeCapabilities(const Capabilities& m) {
  return Write(m, Code::kCapabilities, 0);
}

}  // namespace ccgpu::spdm::wire
