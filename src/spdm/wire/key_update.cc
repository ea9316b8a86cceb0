#include "spdm/wire/key_update.h"

namespace ccgpu::spdm::wire {
namespace {

// DSP0274 1.2 §10.20 KEY_UPDATE / KEY_UPDATE_ACK: 4 bytes. Trailing rule:
// exactly 4 bytes.
Result<Header> ParseOp(ByteSpan msg, Code code, const ParseParams& p,
                       const char* trailing) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h,
                         ReadHeader(r, code, kVersion11, p.negotiated));
  if (h.param1 < 1 || h.param1 > 3) {
    return Fail(Errc::kMalformed, "spdm.key_update: KeyOperation not 1..3");
  }
  CCGPU_TRY(ExpectEnd(r, p, trailing));
  return h;
}

Result<Bytes> WriteOp(uint8_t version, Code code, KeyUpdateOp op, uint8_t tag) {
  CCGPU_TRY(CheckVersion(version, kVersion11));
  const auto v = static_cast<uint8_t>(op);
  if (v < 1 || v > 3)
    return Fail(Errc::kInvalidArgument,
                "spdm.key_update: KeyOperation not 1..3");
  ByteWriter w;
  WriteHeader(w, version, code, v, tag);
  return std::move(w).Finish();
}

}  // namespace

Result<KeyUpdate> ParseKeyUpdate(ByteSpan msg, const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ParseOp(msg, Code::kKeyUpdate, p,
                        "spdm.key_update: bytes after the 4-byte request"));
  return KeyUpdate{h.version, static_cast<KeyUpdateOp>(h.param1), h.param2};
}
Result<Bytes> SerializeKeyUpdate(const KeyUpdate& m) {
  return WriteOp(m.version, Code::kKeyUpdate, m.operation, m.tag);
}

Result<KeyUpdateAck> ParseKeyUpdateAck(ByteSpan msg, const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(
      Header h,
      ParseOp(msg, Code::kKeyUpdateAck, p,
              "spdm.key_update_ack: bytes after the 4-byte response"));
  return KeyUpdateAck{h.version, static_cast<KeyUpdateOp>(h.param1), h.param2};
}
Result<Bytes> SerializeKeyUpdateAck(const KeyUpdateAck& m) {
  return WriteOp(m.version, Code::kKeyUpdateAck, m.operation, m.tag);
}

}  // namespace ccgpu::spdm::wire
