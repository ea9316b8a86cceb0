// GET_VERSION → VERSION (DSP0274 1.2 §10.3). GET_VERSION resets the
// connection: VCA, transcripts and every session start over.
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {

Result<Bytes> Responder::OnGetVersion(const wire::GetVersion&, const Ctx& ctx) {
  if (ctx.session != nullptr) return Unexpected("spdm responder: GET_VERSION inside a session");
  ResetConnection();
  wire::Version v;
  for (uint8_t ver : config_.versions) v.entries.push_back(wire::VersionNumberEntry::For(ver));
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializeVersion(v));
  // Message A starts with GET_VERSION || VERSION.
  message_a_.Append(ctx.request);
  message_a_.Append(rsp);
  state_ = ConnState::kAfterVersion;
  return rsp;
}

}  // namespace ccgpu::spdm::responder
