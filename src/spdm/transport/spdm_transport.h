// SpdmTransport: how the requester and responder exchange SPDM messages and
// DSP0277 secured records without knowing the binding underneath.
//
// PlatformPortTransport implements it over the spdm-emu platform port (TCP),
// for transport types NONE, MCTP and PCI_DOE:
//   NONE    : NORMAL frame payload = the SPDM message; no secured messages.
//   MCTP    : payload = 0x05 | SPDM message, or 0x06 | secured record.
//   PCI_DOE : payload = DOE object type 1 (SPDM) or 2 (secured), padded to a
//             DWORD; DOE Discovery (type 0) is answered inside the responder.
#ifndef CCGPU_SPDM_TRANSPORT_SPDM_TRANSPORT_H_
#define CCGPU_SPDM_TRANSPORT_SPDM_TRANSPORT_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "spdm/transport/frame_codec.h"
#include "spdm/transport/platform.h"
#include "spdm/transport/socket.h"

namespace ccgpu::spdm::transport {

// One message as the SPDM layer sees it.
struct TransportMessage {
  bool secured = false;  // true: `data` is a DSP0277 record (SessionID first)
  // The SPDM message or record, transport header removed. With PCI DOE this
  // keeps the 0..3 zero bytes of DWORD padding (the object length cannot tell
  // them apart): parse with ParseParams::allow_dword_padding (plain) or let
  // the record's Length field bound it (secured).
  Bytes data;
};

// Per-binding parameters of DSP0277 secured messages (DSP0276 for MCTP,
// PCIe CMA/DOE for DOE).
struct SecuredBinding {
  bool supported = false;                // NONE carries no secured messages
  std::size_t sequence_number_size = 0;  // bytes of SeqNum in the record header
  std::size_t max_random_padding = 0;    // random bytes a sender may add
  bool inner_mctp_type = false;          // application data starts with 0x05
  bool dword_padding = false;  // the transport pads records to 4 bytes
};

SecuredBinding BindingFor(TransportType type);

// The NORMAL-frame payload that carries `message` on `type` (MCTP type byte or
// DOE object). kUnsupported for a secured record on NONE; kOutOfRange for a
// DOE object above 2^18 DWORDs.
Result<Bytes> Encapsulate(TransportType type, ByteSpan message, bool secured);

// What a NORMAL-frame payload holds.
struct Decapsulated {
  enum class Kind { kSpdm, kSecured, kDoeDiscovery } kind = Kind::kSpdm;
  ByteSpan data;  // borrowed from the payload (DOE: incl. DWORD padding)
};
// Inverse of Encapsulate (plus DOE Discovery objects). kUnsupported for an
// unknown MCTP type, a DOE vendor other than PCI-SIG or a non-SPDM DOE type;
// DOE length errors as DecodeDoe.
Result<Decapsulated> Decapsulate(TransportType type, ByteSpan payload);

class SpdmTransport {
 public:
  virtual ~SpdmTransport() = default;
  // Sends one SPDM message (secured = false) or one secured record.
  // kUnsupported for a secured record on a binding without secured messages.
  virtual Status Send(ByteSpan message, bool secured) = 0;
  // Receives the next SPDM message or secured record.
  virtual Result<TransportMessage> Receive() = 0;
  virtual SecuredBinding binding() const = 0;
  // Whether plain SPDM messages may carry DWORD padding (PCI DOE).
  virtual bool pads_to_dword() const = 0;
};

enum class Role { kRequester, kResponder };

// SpdmTransport over one platform-port TCP connection.
class PlatformPortTransport final : public SpdmTransport {
 public:
  PlatformPortTransport(TcpConnection conn, TransportType type, Role role,
                        std::size_t max_payload = kDefaultMaxPayload);

  Status Send(ByteSpan message, bool secured) override;
  // Responder role: answers TEST ("Server Hello!"), DOE Discovery and the
  // out-of-band commands itself and keeps reading; SHUTDOWN and CONTINUE are
  // echoed and end the connection with kClosed (end_command() says which); an
  // unknown command gets UNKNOWN and kClosed. Both roles: a frame whose
  // transport_type differs from ours, or a payload that does not decode, is
  // kMalformed/kUnsupported; socket errors pass through (kClosed, kTimeout,
  // kIo, kResourceExhausted).
  Result<TransportMessage> Receive() override;
  SecuredBinding binding() const override { return BindingFor(type_); }
  bool pads_to_dword() const override {
    return type_ == TransportType::kPciDoe;
  }

  // Requester: the TEST exchange. kMalformed if the reply is not "Server
  // Hello!".
  Status Hello();
  // Requester (PCI_DOE only): walks DOE Discovery from index 0 until NextIndex
  // is 0 (at most 256 entries). kUnsupported on other transports.
  Result<std::vector<DoeDiscoveryResponse>> DoeDiscovery();
  // Requester: sends SHUTDOWN or CONTINUE and waits for the echo.
  // kInvalidArgument for any other command; kMalformed for a wrong echo.
  Status End(uint32_t end_command);

  // The platform command that ended the connection (responder role).
  std::optional<uint32_t> end_command() const { return end_command_; }
  TransportType type() const { return type_; }
  TcpConnection& connection() { return conn_; }

 private:
  Result<Frame> ReadOwnTypeFrame();
  Status WriteFrame(uint32_t cmd, ByteSpan payload);

  TcpConnection conn_;
  FrameCodec codec_;
  TransportType type_;
  Role role_;
  std::optional<uint32_t> end_command_;
};

// An in-process SpdmTransport pair for tests and for running requester and
// responder in one process: what one end sends the other receives, carried
// exactly as the platform port would carry it for `type` (Encapsulate /
// Decapsulate, so the MCTP type byte and DOE padding are exercised), without
// sockets. Thread-safe. Receive waits up to `receive_timeout` (kTimeout) and
// returns kClosed once the peer was closed or destroyed and nothing is queued.
class MemoryTransport final : public SpdmTransport {
 public:
  static std::pair<std::unique_ptr<MemoryTransport>,
                   std::unique_ptr<MemoryTransport>>
  CreatePair(TransportType type, std::chrono::milliseconds receive_timeout =
                                     std::chrono::milliseconds(10000));
  ~MemoryTransport() override;

  // kClosed if the peer is gone.
  Status Send(ByteSpan message, bool secured) override;
  Result<TransportMessage> Receive() override;
  SecuredBinding binding() const override { return BindingFor(type_); }
  bool pads_to_dword() const override {
    return type_ == TransportType::kPciDoe;
  }
  // Closes both directions (the peer's Receive then returns kClosed).
  void Close();

 private:
  struct Queue {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Bytes> items;
    bool closed = false;
  };
  MemoryTransport(TransportType type, std::chrono::milliseconds timeout,
                  std::shared_ptr<Queue> in, std::shared_ptr<Queue> out)
      : type_(type),
        timeout_(timeout),
        in_(std::move(in)),
        out_(std::move(out)) {}

  TransportType type_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<Queue> in_;
  std::shared_ptr<Queue> out_;
};

}  // namespace ccgpu::spdm::transport

#endif  // CCGPU_SPDM_TRANSPORT_SPDM_TRANSPORT_H_
