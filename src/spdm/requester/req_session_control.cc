// In-session requests: HEARTBEAT (§10.19), KEY_UPDATE (§10.20), END_SESSION
// (§10.22), VENDOR_DEFINED_REQUEST (§10.14) of DSP0274 1.2.
#include "crypto/rng.h"
#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {

Status Requester::Heartbeat(uint32_t session_id) {
  SessionState* s = FindSession(session_id);
  if (s == nullptr || !s->established) return Fail(Errc::kSessionClosed, "spdm requester: no established session with that ID");
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeHeartbeat(wire::Heartbeat{conn_.version}));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(s, req));
  CCGPU_ASSIGN_OR_RETURN(auto ack, Expect<wire::HeartbeatAck>(raw, Params()));
  (void)ack;
  return OkStatus();
}

Status Requester::KeyUpdate(uint32_t session_id, session::KeyUpdateOp op) {
  SessionState* s = FindSession(session_id);
  if (s == nullptr || !s->established) return Fail(Errc::kSessionClosed, "spdm requester: no established session with that ID");
  const uint8_t tag = next_tag_++;
  wire::KeyUpdate ku{conn_.version, static_cast<wire::KeyUpdateOp>(op), tag};
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeKeyUpdate(ku));
  // The request is sealed under the current key; for UpdateAllKeys the ACK
  // already comes under the new response key.
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(s, req, [s, op]() { return s->secure->OnKeyUpdateRequestSent(op); }));
  CCGPU_ASSIGN_OR_RETURN(auto ack, Expect<wire::KeyUpdateAck>(raw, Params()));
  if (ack.message.operation != ku.operation || ack.message.tag != tag) {
    return Fail(Errc::kUnexpectedMessage, "spdm requester: KEY_UPDATE_ACK does not echo KeyOperation and Tag");
  }
  return s->secure->OnKeyUpdateAckReceived(op);
}

Status Requester::EndSession(uint32_t session_id) {
  SessionState* s = FindSession(session_id);
  if (s == nullptr || !s->established) return Fail(Errc::kSessionClosed, "spdm requester: no established session with that ID");
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeEndSession(wire::EndSession{conn_.version, 0}));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(s, req));
  CCGPU_ASSIGN_OR_RETURN(auto ack, Expect<wire::EndSessionAck>(raw, Params()));
  (void)ack;
  s->secure->End();
  sessions_.erase(session_id);
  return OkStatus();
}

Result<Bytes> Requester::VendorDefined(std::optional<uint32_t> session_id, uint16_t standard_id, ByteSpan vendor_id,
                                       ByteSpan payload) {
  if (!connected_) return Fail(Errc::kStateError, "spdm requester: VENDOR_DEFINED_REQUEST before VCA");
  SessionState* s = nullptr;
  if (session_id) {
    s = FindSession(*session_id);
    if (s == nullptr || !s->established) return Fail(Errc::kSessionClosed, "spdm requester: no established session with that ID");
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeVendorDefinedRequest(
                                        wire::VendorDefinedRequest{conn_.version, standard_id, vendor_id, payload}));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(s, req));
  CCGPU_ASSIGN_OR_RETURN(auto rsp, Expect<wire::VendorDefinedResponse>(raw, Params()));
  if (rsp.message.standard_id != standard_id ||
      !std::equal(rsp.message.vendor_id.begin(), rsp.message.vendor_id.end(), vendor_id.begin(), vendor_id.end())) {
    return Fail(Errc::kUnexpectedMessage, "spdm requester: VENDOR_DEFINED_RESPONSE for another vendor");
  }
  return Bytes(rsp.message.payload.begin(), rsp.message.payload.end());
}

Result<Bytes> Requester::SendApplicationMessage(std::optional<uint32_t> session_id, ByteSpan request) {
  SessionState* s = nullptr;
  if (session_id) {
    s = FindSession(*session_id);
    if (s == nullptr || !s->established) return Fail(Errc::kSessionClosed, "spdm requester: no established session with that ID");
  }
  return Transmit(s, request, nullptr);
}

Result<session::RecordContent> Requester::ExchangeApplicationMessage(uint32_t session_id, uint8_t type,
                                                                     ByteSpan message) {
  SessionState* s = FindSession(session_id);
  if (s == nullptr || !s->established) return Fail(Errc::kSessionClosed, "spdm requester: no established session with that ID");
  CCGPU_ASSIGN_OR_RETURN(Bytes record, s->secure->SealApplication(type, message));
  CCGPU_ASSIGN_OR_RETURN(ExchangeMessage reply, exchange_->Exchange(true, record));
  if (!reply.secured) return Fail(Errc::kUnexpectedMessage, "spdm requester: plain reply to an application message");
  return s->secure->OpenContent(reply.bytes);
}

}  // namespace ccgpu::spdm::requester
