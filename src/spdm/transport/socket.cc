#include "spdm/transport/socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace ccgpu::spdm::transport {
namespace {

Status ParseIpv4(const std::string& ipv4, uint16_t port, sockaddr_in* addr) {
  *addr = sockaddr_in{};
  addr->sin_family = AF_INET;
  addr->sin_port = htons(port);
  if (inet_pton(AF_INET, ipv4.c_str(), &addr->sin_addr) != 1) {
    return Fail(Errc::kInvalidArgument,
                "socket: not a dotted-quad IPv4 address");
  }
  return OkStatus();
}

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

Status SetTimeout(int fd, int which, std::chrono::milliseconds ms) {
  if (ms.count() <= 0)
    return Fail(Errc::kInvalidArgument, "socket: timeout must be positive");
  const timeval tv = ToTimeval(ms);
  if (setsockopt(fd, SOL_SOCKET, which, &tv, sizeof(tv)) != 0) {
    return Fail(Errc::kIo, "socket: setting a timeout failed");
  }
  return OkStatus();
}

void ArmQuickAck(int fd) {
  const int one = 1;
  // Best effort: QUICKACK is an optimisation, not a correctness requirement.
  (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

}  // namespace

Result<TcpConnection> TcpConnection::Adopt(int fd,
                                           const SocketOptions& options) {
  TcpConnection conn(fd);
  const int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
    return Fail(Errc::kIo, "socket: TCP_NODELAY failed");
  }
  CCGPU_TRY(SetTimeout(fd, SO_RCVTIMEO, options.receive_timeout));
  CCGPU_TRY(SetTimeout(fd, SO_SNDTIMEO, options.send_timeout));
  return conn;
}

Result<TcpConnection> TcpConnection::Connect(const std::string& ipv4,
                                             uint16_t port,
                                             const SocketOptions& options) {
  sockaddr_in addr;
  CCGPU_TRY(ParseIpv4(ipv4, port, &addr));
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(Errc::kIo, "socket: socket() failed");
  CCGPU_ASSIGN_OR_RETURN(TcpConnection conn, Adopt(fd, options));
  // connect() honours SO_SNDTIMEO on Linux, so a black-holed peer times out.
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<const sockaddr*>(&addr),
                 sizeof(addr));  // NOLINT: POSIX API
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EINPROGRESS || errno == EAGAIN)
      return Fail(Errc::kTimeout, "socket: connect timed out");
    return Fail(Errc::kIo, "socket: connect failed");
  }
  return conn;
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

TcpConnection::~TcpConnection() { Close(); }

void TcpConnection::Close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void TcpConnection::ShutdownWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

Status TcpConnection::SetReceiveTimeout(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return Fail(Errc::kClosed, "socket: connection is closed");
  return SetTimeout(fd_, SO_RCVTIMEO, timeout);
}

Status TcpConnection::SendAll(ByteSpan bytes) {
  if (fd_ < 0) return Fail(Errc::kClosed, "socket: connection is closed");
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n =
        ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return Fail(Errc::kTimeout, "socket: send timed out");
    }
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      return Fail(Errc::kClosed, "socket: peer closed while sending");
    }
    return Fail(Errc::kIo, "socket: send failed");
  }
  return OkStatus();
}

Status TcpConnection::ReceiveExact(std::span<uint8_t> out) {
  if (fd_ < 0) return Fail(Errc::kClosed, "socket: connection is closed");
  std::size_t got = 0;
  while (got < out.size()) {
    ArmQuickAck(fd_);
    const ssize_t n = ::recv(fd_, out.data() + got, out.size() - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {
      return Fail(Errc::kClosed,
                  got == 0 ? "socket: peer closed the connection"
                           : "socket: peer closed in the middle of a read");
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Fail(Errc::kTimeout, "socket: receive timed out");
    }
    if (errno == ECONNRESET)
      return Fail(Errc::kClosed, "socket: connection reset by peer");
    return Fail(Errc::kIo, "socket: recv failed");
  }
  return OkStatus();
}

Result<TcpListener> TcpListener::Bind(const std::string& ipv4, uint16_t port,
                                      int backlog) {
  sockaddr_in addr;
  CCGPU_TRY(ParseIpv4(ipv4, port, &addr));
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(Errc::kIo, "socket: socket() failed");
  TcpListener listener(fd, 0);
  const int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return Fail(Errc::kIo, "socket: SO_REUSEADDR failed");
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) !=
      0) {  // NOLINT: POSIX API
    return Fail(Errc::kIo, "socket: bind failed (address in use?)");
  }
  if (listen(fd, backlog) != 0) return Fail(Errc::kIo, "socket: listen failed");
  sockaddr_in bound{};
  socklen_t len = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) !=
      0) {  // NOLINT: POSIX API
    return Fail(Errc::kIo, "socket: getsockname failed");
  }
  listener.port_ = ntohs(bound.sin_port);
  return listener;
}

TcpListener::TcpListener(TcpListener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(other.port_) {}

TcpListener& TcpListener::operator=(TcpListener&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    port_ = other.port_;
  }
  return *this;
}

TcpListener::~TcpListener() {
  if (fd_ >= 0) ::close(fd_);
}

Result<TcpConnection> TcpListener::Accept(std::chrono::milliseconds timeout,
                                          const SocketOptions& options) {
  if (fd_ < 0) return Fail(Errc::kClosed, "socket: listener is closed");
  pollfd p{fd_, POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc == 0)
    return Fail(Errc::kTimeout,
                "socket: no connection within the accept timeout");
  if (rc < 0) return Fail(Errc::kIo, "socket: poll failed");
  const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return Fail(Errc::kIo, "socket: accept failed");
  return TcpConnection::Adopt(fd, options);
}

}  // namespace ccgpu::spdm::transport
