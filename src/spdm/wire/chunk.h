// Large SPDM message transfer (DSP0274 1.2 §10.x "CHUNK_SEND / CHUNK_SEND_ACK"
// and "CHUNK_GET / CHUNK_RESPONSE"): a message larger than the receiver's
// DataTransferSize travels in numbered chunks when both ends set CHUNK_CAP.
// SPDM 1.2+ only. Borrowed: chunk and response spans point into the input.
//
//   CHUNK_SEND     header(Param1 Attributes bit0 LastChunk, Param2 Handle) |
//                  ChunkSeqNo u16 | Reserved u16 | ChunkSize u32 |
//                  [ChunkSeqNo 0: LargeMessageSize u32] | SPDMchunk[ChunkSize]
//   CHUNK_SEND_ACK header(Param1 bit0 EarlyErrorDetected, Param2 Handle) |
//                  ChunkSeqNo u16 | ResponseToLargeRequest (the rest: the
//                  response to the reassembled request after its last chunk,
//                  or an ERROR; empty otherwise)
//   CHUNK_GET      header(Param1 reserved, Param2 Handle) | ChunkSeqNo u16
//   CHUNK_RESPONSE header(Param1 bit0 LastChunk, Param2 Handle) |
//                  ChunkSeqNo u16 | Reserved u16 | ChunkSize u32 |
//                  [ChunkSeqNo 0: LargeMessageSize u32] | SPDMchunk[ChunkSize]
//
// The codecs check layout only; sequence, handle and size rules belong to the
// state machines (responder and requester).
#ifndef CCGPU_SPDM_WIRE_CHUNK_H_
#define CCGPU_SPDM_WIRE_CHUNK_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

inline constexpr uint8_t kChunkLastChunk = 0x01;          // CHUNK_SEND, CHUNK_RESPONSE Param1
inline constexpr uint8_t kChunkEarlyErrorDetected = 0x01;  // CHUNK_SEND_ACK Param1
// CHUNK_SEND / CHUNK_RESPONSE bytes before SPDMchunk: 12, plus 4 in chunk 0.
inline constexpr std::size_t kChunkFixedSize = 12;
inline constexpr std::size_t kChunkLargeMessageSizeField = 4;
inline constexpr std::size_t kChunkSendAckFixedSize = 6;
// MaxSPDMmsgSize when chunking is on and none is configured.
inline constexpr uint32_t kDefaultMaxSpdmMsgSize = 0x10000;

// SPDMchunk bytes that fit a CHUNK_SEND / CHUNK_RESPONSE of
// `data_transfer_size` (>= 42) bytes: chunk 0 also carries LargeMessageSize.
constexpr std::size_t ChunkRoom(std::size_t data_transfer_size, uint32_t seq) {
  return data_transfer_size - kChunkFixedSize - (seq == 0 ? kChunkLargeMessageSizeField : 0);
}

// One side's MaxSPDMmsgSize (DSP0274 1.2 §10.4) from its configuration:
// `configured` 0 means DataTransferSize without CHUNK_CAP in `capabilities`,
// kDefaultMaxSpdmMsgSize (at least DataTransferSize) with it.
// kInvalidArgument below DataTransferSize, or above it without CHUNK_CAP.
Result<uint32_t> ResolveMaxSpdmMsgSize(uint32_t capabilities, uint32_t data_transfer_size, uint32_t configured);

// The receiving end of one large message, either direction: chunks in order
// from 0, LargeMessageSize from chunk 0, sizes that add up with LastChunk set
// on the chunk that completes it. Data only (no I/O); handles and sessions
// are the caller's.
class ChunkReassembly {
 public:
  // Adds chunk `seq`. kLengthOverflow: LargeMessageSize above `max_size`;
  // kMalformed: out of sequence, an empty chunk, LargeMessageSize under an
  // SPDM header, or sizes that disagree with it or with LastChunk.
  Status Add(uint32_t seq, uint32_t large_message_size, ByteSpan chunk, bool last, uint32_t max_size);
  // The sequence number Add expects next.
  uint32_t next_seq() const { return next_seq_; }
  bool complete() const { return complete_; }
  // The whole message (once complete).
  Bytes Take() { return std::move(message_); }

 private:
  uint32_t next_seq_ = 0;
  uint32_t total_ = 0;
  bool complete_ = false;
  Bytes message_;
};

struct ChunkSend {
  uint8_t version = kVersion12;
  bool last_chunk = false;
  uint8_t handle = 0;
  uint16_t chunk_seq_no = 0;
  uint32_t large_message_size = 0;  // carried in chunk 0 only; 0 elsewhere
  ByteSpan chunk;
};

struct ChunkSendAck {
  uint8_t version = kVersion12;
  bool early_error = false;
  uint8_t handle = 0;
  uint16_t chunk_seq_no = 0;
  ByteSpan response;  // ResponseToLargeRequest; empty until the last chunk
};

struct ChunkGet {
  uint8_t version = kVersion12;
  uint8_t handle = 0;
  uint16_t chunk_seq_no = 0;
};

struct ChunkResponse {
  uint8_t version = kVersion12;
  bool last_chunk = false;
  uint8_t handle = 0;
  uint16_t chunk_seq_no = 0;
  uint32_t large_message_size = 0;  // chunk 0 only
  ByteSpan chunk;
};

// kUnsupported below 1.2; kTruncated when SPDMchunk runs past the input;
// kTrailingData after it.
Result<ChunkSend> ParseChunkSend(ByteSpan msg, const ParseParams& p);
// kInvalidArgument: LargeMessageSize set on a chunk other than 0, or a chunk
// longer than a u32 can say.
Result<Bytes> SerializeChunkSend(const ChunkSend& m);

// ResponseToLargeRequest is whatever follows ChunkSeqNo. Under PCI DOE
// padding rules 1-3 zero bytes that end the input on a DWORD are padding (an
// SPDM message is at least 4 bytes); otherwise 1-3 bytes are kTrailingData.
Result<ChunkSendAck> ParseChunkSendAck(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeChunkSendAck(const ChunkSendAck& m);

Result<ChunkGet> ParseChunkGet(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeChunkGet(const ChunkGet& m);

Result<ChunkResponse> ParseChunkResponse(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeChunkResponse(const ChunkResponse& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_CHUNK_H_
