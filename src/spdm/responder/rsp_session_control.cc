// In-session control messages: HEARTBEAT (§10.19), KEY_UPDATE (§10.20) and
// END_SESSION (§10.22) of DSP0274 1.2. All need an established session:
// outside one they are SessionRequired, during the handshake
// UnexpectedRequest.
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {
namespace {

Status RequireEstablished(bool in_session, bool established) {
  if (!in_session) return SessionRequired("spdm responder: request needs a session");
  if (!established) return Unexpected("spdm responder: request during the session handshake");
  return OkStatus();
}

}  // namespace

Result<Bytes> Responder::OnHeartbeat(const wire::Heartbeat&, const Ctx& ctx) {
  if ((neg_.rsp_caps & wire::cap::kHbeat) == 0 || (neg_.req_caps & wire::cap::kHbeat) == 0) {
    return Unsupported("spdm responder: HBEAT_CAP not set on both sides");
  }
  CCGPU_TRY(RequireEstablished(ctx.session != nullptr, ctx.session != nullptr && ctx.session->established));
  return wire::SerializeHeartbeatAck(wire::HeartbeatAck{neg_.version});
}

Result<Bytes> Responder::OnKeyUpdate(const wire::KeyUpdate& m, const Ctx& ctx) {
  if ((neg_.rsp_caps & wire::cap::kKeyUpd) == 0 || (neg_.req_caps & wire::cap::kKeyUpd) == 0) {
    return Unsupported("spdm responder: KEY_UPD_CAP not set on both sides");
  }
  CCGPU_TRY(RequireEstablished(ctx.session != nullptr, ctx.session != nullptr && ctx.session->established));
  // The receive key switches now; for UpdateAllKeys the send key too, so the
  // ACK already goes under the new response key (SecureSession documents the
  // wire order).
  CCGPU_TRY(ctx.session->secure->OnKeyUpdateRequestReceived(static_cast<session::KeyUpdateOp>(m.operation)));
  return wire::SerializeKeyUpdateAck(wire::KeyUpdateAck{neg_.version, m.operation, m.tag});
}

Result<Bytes> Responder::OnEndSession(const wire::EndSession&, const Ctx& ctx) {
  CCGPU_TRY(RequireEstablished(ctx.session != nullptr, ctx.session != nullptr && ctx.session->established));
  post_action_ = PostAction::kEndSession;
  return wire::SerializeEndSessionAck(wire::EndSessionAck{neg_.version});
}

Result<Bytes> Responder::OnVendorDefined(const wire::VendorDefinedRequest& m, const Ctx& ctx) {
  if (!config_.vendor) return Unsupported("spdm responder: no vendor-defined handler");
  if (ctx.session != nullptr && !ctx.session->established) {
    return Unexpected("spdm responder: VENDOR_DEFINED_REQUEST during the session handshake");
  }
  VendorRequest vr{m.standard_id, m.vendor_id, m.payload, std::nullopt, nullptr};
  if (ctx.session != nullptr) {
    vr.session_id = ctx.session->id;
    SessionState* s = ctx.session;
    vr.export_master_secret = [s]() { return s->secure->TakeExportMasterSecret(); };
  }
  auto payload = config_.vendor->Handle(vr);
  if (!payload) {
    switch (payload.error().code) {
      case Errc::kUnsupported:
        return Unsupported(payload.error().context);
      case Errc::kMalformed:
      case Errc::kInvalidArgument:
        return Invalid(payload.error().context);
      default:
        return Fail(Errc::kDeviceError, payload.error().context);
    }
  }
  return wire::SerializeVendorDefinedResponse(wire::VendorDefinedResponse{neg_.version, m.standard_id, m.vendor_id, *payload});
}

}  // namespace ccgpu::spdm::responder
