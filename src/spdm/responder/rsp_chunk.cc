// Large SPDM messages (DSP0274 1.2 §10.x): CHUNK_SEND → CHUNK_SEND_ACK
// reassembles a request larger than our DataTransferSize and answers it in the
// last ACK; CHUNK_GET → CHUNK_RESPONSE hands out a response that Answer() kept
// because it exceeded the requester's DataTransferSize. Transcripts see only
// the reassembled messages, as if they had travelled whole.
//
// Chunking is on when the connection is 1.2+ and both sides set CHUNK_CAP.
// A chunk that breaks the rules (sequence, handle, sizes, session) ends the
// transfer with an ACK whose EarlyErrorDetected bit is set and whose
// ResponseToLargeRequest is ERROR(InvalidRequest), or RequestTooLarge for a
// LargeMessageSize beyond our MaxSPDMmsgSize.
#include <algorithm>

#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {

bool Responder::Chunking() const {
  return neg_.version >= wire::kVersion12 && (neg_.rsp_caps & wire::cap::kChunk) != 0 &&
         (neg_.req_caps & wire::cap::kChunk) != 0;
}

Result<Bytes> Responder::OnChunkSend(const wire::ChunkSend& m, const Ctx& ctx) {
  if ((neg_.rsp_caps & wire::cap::kChunk) == 0) return Unsupported("spdm responder: CHUNK_SEND without CHUNK_CAP");
  if (!Chunking()) return Unexpected("spdm responder: CHUNK_SEND from a requester without CHUNK_CAP");
  const uint32_t session_id = ctx.session != nullptr ? ctx.session->id : 0;
  std::optional<ChunkSendState> state = std::move(chunk_send_);
  chunk_send_.reset();

  wire::ChunkSendAck ack;
  ack.version = neg_.version;
  ack.handle = m.handle;
  ack.chunk_seq_no = m.chunk_seq_no;
  auto early_error = [&](wire::ErrorCode code, const char* why) -> Result<Bytes> {
    last_error_context_ = why;
    Bytes err = ErrorMessage(code, 0);
    ack.early_error = true;
    ack.response = err;
    return wire::SerializeChunkSendAck(ack);
  };

  if (ctx.request.size() > config_.data_transfer_size) {
    return early_error(wire::ErrorCode::kInvalidRequest, "spdm responder: CHUNK_SEND larger than our DataTransferSize");
  }
  if (!state) {
    state = ChunkSendState{};
    state->handle = m.handle;
    state->session_id = session_id;
  } else if (m.handle != state->handle) {
    return early_error(wire::ErrorCode::kInvalidRequest, "spdm responder: CHUNK_SEND handle changed");
  } else if (session_id != state->session_id) {
    return early_error(wire::ErrorCode::kInvalidRequest, "spdm responder: CHUNK_SEND moved between sessions");
  }
  // Sequence from 0, sizes adding up to LargeMessageSize (at most our
  // MaxSPDMmsgSize). Chunks of any size up to DataTransferSize are taken,
  // also for a message that would have fitted whole: DMTF's test plan (its
  // case 19.1) cuts every request into MinDataTransferSize chunks.
  if (auto st = state->request.Add(m.chunk_seq_no, m.large_message_size, m.chunk, m.last_chunk,
                                   config_.max_spdm_msg_size);
      !st) {
    return early_error(st.error().code == Errc::kLengthOverflow ? wire::ErrorCode::kRequestTooLarge
                                                                : wire::ErrorCode::kInvalidRequest,
                       st.error().context);
  }
  if (!m.last_chunk) {
    chunk_send_ = std::move(state);
    return wire::SerializeChunkSendAck(ack);
  }

  // The whole request: answer it as if it had come in one message.
  const Bytes request = state->request.Take();
  const uint8_t code = request.size() >= 2 ? request[1] : 0;
  Result<Bytes> r = (code == static_cast<uint8_t>(wire::Code::kChunkSend) ||
                     code == static_cast<uint8_t>(wire::Code::kChunkGet))
                        ? Invalid("spdm responder: a chunked CHUNK_SEND/CHUNK_GET")
                        : Dispatch(request, ctx.session);
  const Bytes response = Answer(ctx.session, r, code, wire::kChunkSendAckFixedSize);
  ack.response = response;
  return wire::SerializeChunkSendAck(ack);
}

Result<Bytes> Responder::OnChunkGet(const wire::ChunkGet& m, const Ctx& ctx) {
  if ((neg_.rsp_caps & wire::cap::kChunk) == 0) return Unsupported("spdm responder: CHUNK_GET without CHUNK_CAP");
  if (!Chunking()) return Unexpected("spdm responder: CHUNK_GET from a requester without CHUNK_CAP");
  if (!chunk_get_) return Unexpected("spdm responder: CHUNK_GET with no large response pending");
  ChunkGetState& g = *chunk_get_;
  // A response to a secured request never leaves its session in the clear.
  const uint32_t session_id = ctx.session != nullptr ? ctx.session->id : 0;
  if (session_id != g.session_id) {
    chunk_get_.reset();
    return Unexpected("spdm responder: CHUNK_GET outside the session of the large response");
  }
  if (m.handle != g.handle) return Invalid("spdm responder: CHUNK_GET handle is not the LargeResponse's");
  if (m.chunk_seq_no != g.next_seq) return Invalid("spdm responder: CHUNK_GET out of sequence");
  const std::size_t limit = neg_.req_data_transfer_size;
  const std::size_t n = std::min(wire::ChunkRoom(limit, g.next_seq), g.bytes.size() - g.done);
  wire::ChunkResponse c;
  c.version = neg_.version;
  c.handle = g.handle;
  c.chunk_seq_no = g.next_seq;
  c.large_message_size = g.next_seq == 0 ? static_cast<uint32_t>(g.bytes.size()) : 0;
  c.chunk = ByteSpan(g.bytes).subspan(g.done, n);
  c.last_chunk = g.done + n == g.bytes.size();
  CCGPU_ASSIGN_OR_RETURN(Bytes out, wire::SerializeChunkResponse(c));
  g.done += n;
  ++g.next_seq;
  if (c.last_chunk) chunk_get_.reset();
  return out;
}

}  // namespace ccgpu::spdm::responder
