// Large SPDM messages (DSP0274 1.2 §10.x), the requester's side: CHUNK_SEND
// for a request larger than the responder's DataTransferSize, CHUNK_GET for a
// response announced by ERROR(LargeResponse). Every chunk but the last fills
// the peer's DataTransferSize (as DMTF's libspdm responder requires); every
// ACK and CHUNK_RESPONSE must echo our handle and sequence number.
#include <algorithm>

#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {

Status Requester::RejectError(ByteSpan raw, const char* why) {
  auto h = wire::PeekHeader(raw);
  if (!h || h->code != static_cast<uint8_t>(wire::Code::kError)) return OkStatus();
  CCGPU_ASSIGN_OR_RETURN(wire::ErrorResponse e, wire::ParseError(raw, Params()));
  last_peer_error_ = e.error_code;
  return Fail(Errc::kPeerError, why);
}

Result<Bytes> Requester::SendLarge(SessionState* s, ByteSpan request, const AfterSeal& after_seal) {
  const std::size_t dts = conn_.responder_data_transfer_size;
  if (request.size() > conn_.responder_max_spdm_msg_size) {
    return Fail(Errc::kLengthOverflow, "spdm requester: request exceeds the responder's MaxSPDMmsgSize");
  }
  const uint8_t handle = next_chunk_handle_++;
  ++chunked_requests_;
  std::size_t done = 0;
  for (uint32_t seq = 0;; ++seq) {
    if (seq > 0xFFFF) return Fail(Errc::kLengthOverflow, "spdm requester: request needs more chunks than ChunkSeqNo counts");
    const std::size_t n = std::min(wire::ChunkRoom(dts, seq), request.size() - done);
    wire::ChunkSend c;
    c.version = conn_.version;
    c.handle = handle;
    c.chunk_seq_no = static_cast<uint16_t>(seq);
    c.large_message_size = seq == 0 ? static_cast<uint32_t>(request.size()) : 0;
    c.chunk = request.subspan(done, n);
    c.last_chunk = done + n == request.size();
    CCGPU_ASSIGN_OR_RETURN(Bytes msg, wire::SerializeChunkSend(c));
    CCGPU_ASSIGN_OR_RETURN(Bytes raw, Transmit(s, msg, c.last_chunk ? after_seal : AfterSeal{}));
    CCGPU_TRY(RejectError(raw, "spdm requester: responder answered CHUNK_SEND with ERROR"));
    CCGPU_ASSIGN_OR_RETURN(auto ack, Expect<wire::ChunkSendAck>(raw, Params()));
    if (ack.message.handle != handle || ack.message.chunk_seq_no != c.chunk_seq_no) {
      return Fail(Errc::kUnexpectedMessage, "spdm requester: CHUNK_SEND_ACK for another chunk");
    }
    if (ack.message.early_error) {
      auto e = wire::ParseError(ack.message.response, Params());
      if (e) last_peer_error_ = e->error_code;
      return Fail(Errc::kPeerError, "spdm requester: responder stopped the chunked request (EarlyErrorDetected)");
    }
    done += n;
    if (!c.last_chunk) {
      if (!ack.message.response.empty()) {
        return Fail(Errc::kUnexpectedMessage, "spdm requester: CHUNK_SEND_ACK answered before the last chunk");
      }
      continue;
    }
    if (ack.message.response.empty()) {
      return Fail(Errc::kUnexpectedMessage, "spdm requester: last CHUNK_SEND_ACK carries no response");
    }
    // Under PCI DOE the padding aligns the ACK, not the response inside it.
    padding_origin_ = wire::kChunkSendAckFixedSize;
    return Bytes(ack.message.response.begin(), ack.message.response.end());
  }
}

Result<Bytes> Requester::GetLarge(SessionState* s, uint8_t handle) {
  ++chunked_responses_;
  wire::ChunkReassembly response;
  for (uint32_t seq = 0; !response.complete(); ++seq) {
    if (seq > 0xFFFF) return Fail(Errc::kLengthOverflow, "spdm requester: large response runs past ChunkSeqNo");
    CCGPU_ASSIGN_OR_RETURN(Bytes msg, wire::SerializeChunkGet(wire::ChunkGet{conn_.version, handle, static_cast<uint16_t>(seq)}));
    CCGPU_ASSIGN_OR_RETURN(Bytes raw, Transmit(s, msg, nullptr));
    CCGPU_TRY(RejectError(raw, "spdm requester: responder answered CHUNK_GET with ERROR"));
    CCGPU_ASSIGN_OR_RETURN(auto rsp, Expect<wire::ChunkResponse>(raw, Params()));
    if (rsp.bytes.size() > config_.data_transfer_size) {
      return Fail(Errc::kLengthOverflow, "spdm requester: CHUNK_RESPONSE larger than our DataTransferSize");
    }
    const wire::ChunkResponse& c = rsp.message;
    if (c.handle != handle || c.chunk_seq_no != seq) {
      return Fail(Errc::kUnexpectedMessage, "spdm requester: CHUNK_RESPONSE for another chunk");
    }
    CCGPU_TRY(response.Add(seq, c.large_message_size, c.chunk, c.last_chunk, config_.max_spdm_msg_size));
  }
  return response.Take();
}

}  // namespace ccgpu::spdm::requester
