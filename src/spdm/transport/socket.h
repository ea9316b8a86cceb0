// TCP sockets for the platform port (POSIX, IPv4). Every connection has a
// receive and a send timeout; frames go out in one send() with TCP_NODELAY,
// and TCP_QUICKACK is re-armed before every recv() (Linux disables it again
// after each ACK), so a request/response round trip does not wait ~40 ms on
// delayed ACK.
//
// Errors: kClosed (peer closed / reset), kTimeout (no data or no progress
// within the timeout), kIo (any other OS failure), kInvalidArgument (bad
// address or zero timeout).
#ifndef CCGPU_SPDM_TRANSPORT_SOCKET_H_
#define CCGPU_SPDM_TRANSPORT_SOCKET_H_

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::spdm::transport {

struct SocketOptions {
  // Both must be > 0: a receive without a timeout could wait forever.
  std::chrono::milliseconds receive_timeout{10000};
  std::chrono::milliseconds send_timeout{10000};
};

// One connected TCP stream. Move-only; closes the socket on destruction.
class TcpConnection {
 public:
  // Connects to `ipv4:port` (dotted quad). kInvalidArgument for a bad address,
  // kIo if the connection is refused or fails.
  static Result<TcpConnection> Connect(const std::string& ipv4, uint16_t port,
                                       const SocketOptions& options = {});
  // Wraps an accepted/connected descriptor (takes ownership) and applies the
  // options (TCP_NODELAY, timeouts).
  static Result<TcpConnection> Adopt(int fd, const SocketOptions& options);

  TcpConnection(TcpConnection&& other) noexcept;
  TcpConnection& operator=(TcpConnection&& other) noexcept;
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;
  ~TcpConnection();

  // Sends all of `bytes`, as one send() unless the kernel takes only part.
  // kClosed if the peer is gone, kTimeout if the send timeout expires.
  Status SendAll(ByteSpan bytes);
  // Fills `out` exactly, however the peer split it. kClosed if the peer closes
  // first (with or without part of the data), kTimeout if no byte arrives
  // within the receive timeout.
  Status ReceiveExact(std::span<uint8_t> out);
  // kInvalidArgument for a zero timeout.
  Status SetReceiveTimeout(std::chrono::milliseconds timeout);
  // Half-closes the sending side (the peer then reads end-of-stream).
  void ShutdownWrite();
  void Close();
  bool is_open() const { return fd_ >= 0; }

 private:
  explicit TcpConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// A listening socket. Binds 127.0.0.1 unless told otherwise, sets
// SO_REUSEADDR; port 0 picks an ephemeral port, readable via port().
class TcpListener {
 public:
  // kInvalidArgument for a bad address, kIo if bind/listen fails (port in use).
  static Result<TcpListener> Bind(const std::string& ipv4 = "127.0.0.1",
                                  uint16_t port = 0, int backlog = 8);
  TcpListener(TcpListener&& other) noexcept;
  TcpListener& operator=(TcpListener&& other) noexcept;
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  ~TcpListener();

  uint16_t port() const { return port_; }
  // Waits up to `timeout` for a connection: kTimeout if none, kIo on failure.
  Result<TcpConnection> Accept(std::chrono::milliseconds timeout,
                               const SocketOptions& options = {});

 private:
  TcpListener(int fd, uint16_t port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace ccgpu::spdm::transport

#endif  // CCGPU_SPDM_TRANSPORT_SOCKET_H_
