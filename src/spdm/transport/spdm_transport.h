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

#include <optional>
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
  bool supported = false;               // NONE carries no secured messages
  std::size_t sequence_number_size = 0;  // bytes of SeqNum in the record header
  std::size_t max_random_padding = 0;    // random bytes a sender may add
  bool inner_mctp_type = false;          // application data starts with 0x05
  bool dword_padding = false;            // the transport pads records to 4 bytes
};

SecuredBinding BindingFor(TransportType type);

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
  bool pads_to_dword() const override { return type_ == TransportType::kPciDoe; }

  // Requester: the TEST exchange. kMalformed if the reply is not "Server Hello!".
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

}  // namespace ccgpu::spdm::transport

#endif  // CCGPU_SPDM_TRANSPORT_SPDM_TRANSPORT_H_
