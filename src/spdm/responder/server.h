// Serving a Responder over spdmwire's SpdmTransport: one connection, or the
// spdm-emu accept loop (SHUTDOWN stops it, CONTINUE keeps the SPDM state and
// accepts the next connection).
#ifndef CCGPU_SPDM_RESPONDER_SERVER_H_
#define CCGPU_SPDM_RESPONDER_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>

#include "spdm/responder/responder.h"
#include "spdm/transport/socket.h"
#include "spdm/transport/spdm_transport.h"

namespace ccgpu::spdm::responder {

enum class ConnectionEnd { kShutdown, kContinue, kDropped };

// Answers requests on `transport` until the requester ends the connection.
// kShutdown / kContinue when the requester sent that command; kDropped when
// the peer closed, timed out or sent something the transport refuses (the
// reason is in *why if given).
ConnectionEnd ServeConnection(Responder& responder, transport::SpdmTransport& transport, Error* why = nullptr);

struct ServerOptions {
  transport::TransportType type = transport::TransportType::kMctp;
  std::chrono::milliseconds accept_timeout{60000};  // idle wait for a connection
  transport::SocketOptions socket;
  // Called for each ended connection (logging).
  std::function<void(ConnectionEnd, const Error*)> on_connection_end;
};

// The accept loop: returns OkStatus after SHUTDOWN; kTimeout when no
// connection arrived within accept_timeout; kIo on listener failure.
Status Serve(Responder& responder, transport::TcpListener& listener, const ServerOptions& options);

}  // namespace ccgpu::spdm::responder

#endif  // CCGPU_SPDM_RESPONDER_SERVER_H_
