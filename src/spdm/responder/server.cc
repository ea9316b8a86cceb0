#include "spdm/responder/server.h"

namespace ccgpu::spdm::responder {

ConnectionEnd ServeConnection(Responder& responder, transport::SpdmTransport& transport, Error* why) {
  for (;;) {
    auto m = transport.Receive();
    if (!m) {
      if (why != nullptr) *why = m.error();
      if (auto* pp = dynamic_cast<transport::PlatformPortTransport*>(&transport)) {
        if (pp->end_command() == transport::command::kShutdown) return ConnectionEnd::kShutdown;
        if (pp->end_command() == transport::command::kContinue) return ConnectionEnd::kContinue;
      }
      return ConnectionEnd::kDropped;
    }
    TransportMessage reply = responder.Handle(m->secured, m->data);
    if (auto st = transport.Send(reply.bytes, reply.secured); !st) {
      if (why != nullptr) *why = st.error();
      return ConnectionEnd::kDropped;
    }
  }
}

Status Serve(Responder& responder, transport::TcpListener& listener, const ServerOptions& options) {
  for (;;) {
    CCGPU_ASSIGN_OR_RETURN(transport::TcpConnection conn, listener.Accept(options.accept_timeout, options.socket));
    transport::PlatformPortTransport t(std::move(conn), options.type, transport::Role::kResponder);
    Error why{Errc::kClosed, ""};
    const ConnectionEnd end = ServeConnection(responder, t, &why);
    if (options.on_connection_end) options.on_connection_end(end, end == ConnectionEnd::kDropped ? &why : nullptr);
    if (end == ConnectionEnd::kShutdown) return OkStatus();
  }
}

}  // namespace ccgpu::spdm::responder
