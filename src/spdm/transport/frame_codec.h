// Reads and writes spdm-emu platform frames on a TcpConnection.
#ifndef CCGPU_SPDM_TRANSPORT_FRAME_CODEC_H_
#define CCGPU_SPDM_TRANSPORT_FRAME_CODEC_H_

#include "spdm/transport/platform.h"
#include "spdm/transport/socket.h"

namespace ccgpu::spdm::transport {

// Borrows the connection (which must outlive the codec).
class FrameCodec {
 public:
  explicit FrameCodec(TcpConnection& conn,
                      std::size_t max_payload = kDefaultMaxPayload)
      : conn_(conn), max_payload_(max_payload) {}

  // Encodes header + payload into one buffer and sends it with one write.
  // kResourceExhausted if the payload exceeds max_payload; socket errors as
  // TcpConnection::SendAll.
  Status Write(uint32_t command, uint32_t transport_type, ByteSpan payload);
  // Reads exactly one frame: 12 header bytes, then payload_size bytes.
  // kResourceExhausted if payload_size > max_payload (nothing is allocated and
  // the connection should be dropped); kClosed / kTimeout / kIo from the
  // socket.
  Result<Frame> Read();

  std::size_t max_payload() const { return max_payload_; }

 private:
  TcpConnection& conn_;
  std::size_t max_payload_;
};

}  // namespace ccgpu::spdm::transport

#endif  // CCGPU_SPDM_TRANSPORT_FRAME_CODEC_H_
