#include "spdm/wire/chunk.h"

#include <algorithm>
#include <limits>

namespace ccgpu::spdm::wire {
namespace {

// The shared layout of CHUNK_SEND and CHUNK_RESPONSE (DSP0274 1.2 §10.x):
// header | ChunkSeqNo u16 | Reserved u16 | ChunkSize u32 |
// [seq 0: LargeMessageSize u32] | SPDMchunk.
struct ChunkBody {
  Header header;
  uint16_t seq = 0;
  uint32_t large_message_size = 0;
  ByteSpan chunk;
};

Result<ChunkBody> ParseChunkBody(ByteSpan msg, Code code, const ParseParams& p, const char* trailing) {
  ByteReader r(msg);
  ChunkBody b;
  CCGPU_ASSIGN_OR_RETURN(b.header, ReadHeader(r, code, kVersion12, p.negotiated));
  CCGPU_ASSIGN_OR_RETURN(b.seq, r.U16("spdm.chunk: ChunkSeqNo"));
  CCGPU_TRY(r.Skip(2, "spdm.chunk: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(uint32_t size, r.U32("spdm.chunk: ChunkSize"));
  if (b.seq == 0) {
    CCGPU_ASSIGN_OR_RETURN(b.large_message_size, r.U32("spdm.chunk: LargeMessageSize"));
  }
  CCGPU_ASSIGN_OR_RETURN(b.chunk, r.Take(size, "spdm.chunk: SPDMchunk shorter than ChunkSize"));
  CCGPU_TRY(ExpectEnd(r, p, trailing));
  return b;
}

Result<Bytes> WriteChunkBody(uint8_t version, Code code, uint8_t param1, uint8_t handle, uint16_t seq,
                             uint32_t large_message_size, ByteSpan chunk) {
  CCGPU_TRY(CheckVersion(version, kVersion12));
  if (seq != 0 && large_message_size != 0) {
    return Fail(Errc::kInvalidArgument, "spdm.chunk: LargeMessageSize belongs to chunk 0 only");
  }
  if (chunk.size() > std::numeric_limits<uint32_t>::max()) {
    return Fail(Errc::kInvalidArgument, "spdm.chunk: chunk larger than ChunkSize can say");
  }
  ByteWriter w;
  WriteHeader(w, version, code, param1, handle);
  w.U16(seq);
  w.U16(0);
  w.U32(static_cast<uint32_t>(chunk.size()));
  if (seq == 0) w.U32(large_message_size);
  w.Append(chunk);
  return std::move(w).Finish();
}

}  // namespace

Result<uint32_t> ResolveMaxSpdmMsgSize(uint32_t capabilities, uint32_t data_transfer_size, uint32_t configured) {
  const bool chunk_cap = (capabilities & cap::kChunk) != 0;
  const uint32_t max = configured != 0 ? configured
                       : chunk_cap    ? std::max(data_transfer_size, kDefaultMaxSpdmMsgSize)
                                      : data_transfer_size;
  if (max < data_transfer_size) return Fail(Errc::kInvalidArgument, "spdm: MaxSPDMmsgSize below DataTransferSize");
  if (!chunk_cap && max != data_transfer_size) {
    return Fail(Errc::kInvalidArgument, "spdm: MaxSPDMmsgSize above DataTransferSize needs CHUNK_CAP");
  }
  return max;
}

Status ChunkReassembly::Add(uint32_t seq, uint32_t large_message_size, ByteSpan chunk, bool last, uint32_t max_size) {
  if (complete_ || seq != next_seq_) return Fail(Errc::kMalformed, "spdm.chunk: chunk out of sequence");
  if (seq == 0) {
    if (large_message_size > max_size) return Fail(Errc::kLengthOverflow, "spdm.chunk: LargeMessageSize beyond MaxSPDMmsgSize");
    if (large_message_size < kHeaderSize) return Fail(Errc::kMalformed, "spdm.chunk: LargeMessageSize shorter than a message");
    total_ = large_message_size;
    message_.reserve(total_);
  }
  const std::size_t after = message_.size() + chunk.size();
  if (chunk.empty() || after > total_ || last != (after == total_)) {
    return Fail(Errc::kMalformed, "spdm.chunk: chunk sizes disagree with LargeMessageSize");
  }
  message_.insert(message_.end(), chunk.begin(), chunk.end());
  ++next_seq_;
  complete_ = last;
  return OkStatus();
}

Result<ChunkSend> ParseChunkSend(ByteSpan msg, const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(ChunkBody b,
                         ParseChunkBody(msg, Code::kChunkSend, p, "spdm.chunk_send: bytes after SPDMchunk"));
  return ChunkSend{b.header.version, (b.header.param1 & kChunkLastChunk) != 0, b.header.param2, b.seq,
                   b.large_message_size, b.chunk};
}

Result<Bytes> SerializeChunkSend(const ChunkSend& m) {
  return WriteChunkBody(m.version, Code::kChunkSend, m.last_chunk ? kChunkLastChunk : 0, m.handle, m.chunk_seq_no,
                        m.large_message_size, m.chunk);
}

Result<ChunkResponse> ParseChunkResponse(ByteSpan msg, const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(
      ChunkBody b, ParseChunkBody(msg, Code::kChunkResponse, p, "spdm.chunk_response: bytes after SPDMchunk"));
  return ChunkResponse{b.header.version, (b.header.param1 & kChunkLastChunk) != 0, b.header.param2, b.seq,
                       b.large_message_size, b.chunk};
}

Result<Bytes> SerializeChunkResponse(const ChunkResponse& m) {
  return WriteChunkBody(m.version, Code::kChunkResponse, m.last_chunk ? kChunkLastChunk : 0, m.handle,
                        m.chunk_seq_no, m.large_message_size, m.chunk);
}

Result<ChunkSendAck> ParseChunkSendAck(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r, Code::kChunkSendAck, kVersion12, p.negotiated));
  ChunkSendAck m;
  m.version = h.version;
  m.early_error = (h.param1 & kChunkEarlyErrorDetected) != 0;
  m.handle = h.param2;
  CCGPU_ASSIGN_OR_RETURN(m.chunk_seq_no, r.U16("spdm.chunk_send_ack: ChunkSeqNo"));
  if (r.remaining() >= kHeaderSize) {
    m.response = r.rest();
  } else if (!r.empty()) {
    // Too short for a message: only DWORD padding may follow ChunkSeqNo.
    CCGPU_TRY(ExpectEnd(r, p, "spdm.chunk_send_ack: 1-3 bytes after ChunkSeqNo (an SPDM message has 4 or more)"));
  }
  return m;
}

Result<Bytes> SerializeChunkSendAck(const ChunkSendAck& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion12));
  if (!m.response.empty() && m.response.size() < kHeaderSize) {
    return Fail(Errc::kInvalidArgument, "spdm.chunk_send_ack: ResponseToLargeRequest shorter than an SPDM header");
  }
  ByteWriter w;
  WriteHeader(w, m.version, Code::kChunkSendAck, m.early_error ? kChunkEarlyErrorDetected : 0, m.handle);
  w.U16(m.chunk_seq_no);
  w.Append(m.response);
  return std::move(w).Finish();
}

Result<ChunkGet> ParseChunkGet(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r, Code::kChunkGet, kVersion12, p.negotiated));
  CCGPU_ASSIGN_OR_RETURN(uint16_t seq, r.U16("spdm.chunk_get: ChunkSeqNo"));
  CCGPU_TRY(ExpectEnd(r, p, "spdm.chunk_get: bytes after ChunkSeqNo"));
  return ChunkGet{h.version, h.param2, seq};
}

Result<Bytes> SerializeChunkGet(const ChunkGet& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion12));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kChunkGet, 0, m.handle);
  w.U16(m.chunk_seq_no);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
