#include "spdm/transport/frame_codec.h"

namespace ccgpu::spdm::transport {

Status FrameCodec::Write(uint32_t cmd, uint32_t transport_type,
                         ByteSpan payload) {
  if (payload.size() > max_payload_) {
    return Fail(Errc::kResourceExhausted,
                "platform: payload above the configured maximum");
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes frame,
                         EncodeFrame(cmd, transport_type, payload));
  return conn_.SendAll(frame);
}

Result<Frame> FrameCodec::Read() {
  std::array<uint8_t, kFrameHeaderSize> header{};
  CCGPU_TRY(conn_.ReceiveExact(header));
  CCGPU_ASSIGN_OR_RETURN(FrameHeader h, ParseFrameHeader(header));
  if (h.payload_size > max_payload_) {
    return Fail(Errc::kResourceExhausted,
                "platform: payload_size above the configured maximum");
  }
  Frame f{h.command, h.transport_type, Bytes(h.payload_size)};
  CCGPU_TRY(conn_.ReceiveExact(f.payload));
  return f;
}

}  // namespace ccgpu::spdm::transport
