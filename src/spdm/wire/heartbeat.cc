#include "spdm/wire/heartbeat.h"

namespace ccgpu::spdm::wire {
namespace {

// DSP0274 1.2 §10.19: header-only messages. Trailing rule: exactly 4 bytes.
Result<uint8_t> ParseEmpty(ByteSpan msg, Code code, const ParseParams& p,
                           const char* trailing) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h,
                         ReadHeader(r, code, kVersion11, p.negotiated));
  CCGPU_TRY(ExpectEnd(r, p, trailing));
  return h.version;
}

Result<Bytes> WriteEmpty(uint8_t version, Code code) {
  CCGPU_TRY(CheckVersion(version, kVersion11));
  ByteWriter w;
  WriteHeader(w, version, code, 0, 0);
  return std::move(w).Finish();
}

}  // namespace

Result<Heartbeat> ParseHeartbeat(ByteSpan msg, const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(
      uint8_t v, ParseEmpty(msg, Code::kHeartbeat, p,
                            "spdm.heartbeat: bytes after the 4-byte request"));
  return Heartbeat{v};
}
Result<Bytes> SerializeHeartbeat(const Heartbeat& m) {
  return WriteEmpty(m.version, Code::kHeartbeat);
}

Result<HeartbeatAck> ParseHeartbeatAck(ByteSpan msg, const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(
      uint8_t v,
      ParseEmpty(msg, Code::kHeartbeatAck, p,
                 "spdm.heartbeat_ack: bytes after the 4-byte response"));
  return HeartbeatAck{v};
}
Result<Bytes> SerializeHeartbeatAck(const HeartbeatAck& m) {
  return WriteEmpty(m.version, Code::kHeartbeatAck);
}

}  // namespace ccgpu::spdm::wire
