#include "spdm/transport/spdm_transport.h"

#include <algorithm>

namespace ccgpu::spdm::transport {

SecuredBinding BindingFor(TransportType type) {
  switch (type) {
    case TransportType::kMctp:
      // DSP0276: 2-byte sequence number, up to 32 bytes of random padding, the
      // MCTP type byte 0x05 inside the application data.
      return {true, 2, 32, true, false};
    case TransportType::kPciDoe:
      // PCIe CMA/DOE: no sequence number field, no random padding.
      return {true, 0, 0, false, true};
    case TransportType::kNone:
    default:
      return {};
  }
}

PlatformPortTransport::PlatformPortTransport(TcpConnection conn, TransportType type, Role role,
                                             std::size_t max_payload)
    : conn_(std::move(conn)), codec_(conn_, max_payload), type_(type), role_(role) {}

Status PlatformPortTransport::WriteFrame(uint32_t cmd, ByteSpan payload) {
  return codec_.Write(cmd, static_cast<uint32_t>(type_), payload);
}

Result<Frame> PlatformPortTransport::ReadOwnTypeFrame() {
  CCGPU_ASSIGN_OR_RETURN(Frame f, codec_.Read());
  if (f.transport_type != static_cast<uint32_t>(type_)) {
    return Fail(Errc::kMalformed, "platform: transport_type differs from the configured one");
  }
  return f;
}

Status PlatformPortTransport::Send(ByteSpan message, bool secured) {
  switch (type_) {
    case TransportType::kNone:
      if (secured) return Fail(Errc::kUnsupported, "platform: transport NONE carries no secured messages");
      return WriteFrame(command::kNormal, message);
    case TransportType::kMctp:
      return WriteFrame(command::kNormal,
                        EncodeMctp(secured ? kMctpTypeSecuredSpdm : kMctpTypeSpdm, message));
    case TransportType::kPciDoe: {
      CCGPU_ASSIGN_OR_RETURN(Bytes obj, EncodeDoe(secured ? kDoeTypeSecuredSpdm : kDoeTypeSpdm, message));
      return WriteFrame(command::kNormal, obj);
    }
  }
  return Fail(Errc::kUnsupported, "platform: unknown transport type");
}

Result<TransportMessage> PlatformPortTransport::Receive() {
  while (true) {
    CCGPU_ASSIGN_OR_RETURN(Frame f, ReadOwnTypeFrame());
    if (f.command != command::kNormal) {
      if (role_ == Role::kRequester) {
        return Fail(Errc::kMalformed, "platform: responder sent a non-NORMAL frame");
      }
      switch (f.command) {
        case command::kTest:
          CCGPU_TRY(WriteFrame(command::kTest, kServerHello));
          continue;
        case command::kOobEncapKeyUpdate:
        case command::kOobEncapEndpointInfo:
          // Encapsulated (responder-initiated) flows are not offered: echo.
          CCGPU_TRY(WriteFrame(f.command, {}));
          continue;
        case command::kShutdown:
        case command::kContinue:
          end_command_ = f.command;
          CCGPU_TRY(WriteFrame(f.command, {}));
          return Fail(Errc::kClosed, "platform: requester ended the connection");
        default:
          end_command_ = command::kUnknown;
          CCGPU_TRY(WriteFrame(command::kUnknown, {}));
          return Fail(Errc::kClosed, "platform: unknown command, connection dropped");
      }
    }
    switch (type_) {
      case TransportType::kNone:
        return TransportMessage{false, std::move(f.payload)};
      case TransportType::kMctp: {
        CCGPU_ASSIGN_OR_RETURN(MctpMessage m, DecodeMctp(f.payload));
        return TransportMessage{m.type == kMctpTypeSecuredSpdm, Bytes(m.body.begin(), m.body.end())};
      }
      case TransportType::kPciDoe: {
        CCGPU_ASSIGN_OR_RETURN(DoeObject o, DecodeDoe(f.payload));
        if (o.vendor_id != kDoeVendorPciSig) {
          return Fail(Errc::kUnsupported, "pci_doe: vendor other than PCI-SIG");
        }
        if (o.type == kDoeTypeDiscovery && role_ == Role::kResponder) {
          CCGPU_ASSIGN_OR_RETURN(uint8_t index, ParseDoeDiscoveryRequest(o.body));
          auto entry = DoeDiscoveryEntry(index);
          // An index past the table is answered with the last entry's end marker.
          const DoeDiscoveryResponse rsp = entry ? *entry : DoeDiscoveryResponse{kDoeVendorPciSig, 0, 0};
          CCGPU_ASSIGN_OR_RETURN(Bytes obj, EncodeDoe(kDoeTypeDiscovery, EncodeDoeDiscoveryResponse(rsp)));
          CCGPU_TRY(WriteFrame(command::kNormal, obj));
          continue;
        }
        if (o.type != kDoeTypeSpdm && o.type != kDoeTypeSecuredSpdm) {
          return Fail(Errc::kUnsupported, "pci_doe: data object type is not SPDM");
        }
        return TransportMessage{o.type == kDoeTypeSecuredSpdm, Bytes(o.body.begin(), o.body.end())};
      }
    }
    return Fail(Errc::kUnsupported, "platform: unknown transport type");
  }
}

Status PlatformPortTransport::Hello() {
  CCGPU_TRY(WriteFrame(command::kTest, kClientHello));
  CCGPU_ASSIGN_OR_RETURN(Frame f, ReadOwnTypeFrame());
  if (f.command != command::kTest ||
      !std::equal(f.payload.begin(), f.payload.end(), kServerHello.begin(), kServerHello.end())) {
    return Fail(Errc::kMalformed, "platform: TEST reply is not \"Server Hello!\"");
  }
  return OkStatus();
}

Result<std::vector<DoeDiscoveryResponse>> PlatformPortTransport::DoeDiscovery() {
  if (type_ != TransportType::kPciDoe) return Fail(Errc::kUnsupported, "pci_doe: discovery needs PCI_DOE");
  std::vector<DoeDiscoveryResponse> out;
  uint8_t index = 0;
  for (int i = 0; i < 256; ++i) {
    CCGPU_ASSIGN_OR_RETURN(Bytes req, EncodeDoe(kDoeTypeDiscovery, EncodeDoeDiscoveryRequest(index)));
    CCGPU_TRY(WriteFrame(command::kNormal, req));
    CCGPU_ASSIGN_OR_RETURN(Frame f, ReadOwnTypeFrame());
    if (f.command != command::kNormal) return Fail(Errc::kMalformed, "pci_doe: discovery reply not NORMAL");
    CCGPU_ASSIGN_OR_RETURN(DoeObject o, DecodeDoe(f.payload));
    if (o.type != kDoeTypeDiscovery) return Fail(Errc::kMalformed, "pci_doe: discovery reply of another type");
    CCGPU_ASSIGN_OR_RETURN(DoeDiscoveryResponse d, ParseDoeDiscoveryResponse(o.body));
    out.push_back(d);
    if (d.next_index == 0) return out;
    index = d.next_index;
  }
  return Fail(Errc::kMalformed, "pci_doe: discovery list does not end");
}

Status PlatformPortTransport::End(uint32_t cmd) {
  if (cmd != command::kShutdown && cmd != command::kContinue) {
    return Fail(Errc::kInvalidArgument, "platform: End takes SHUTDOWN or CONTINUE");
  }
  CCGPU_TRY(WriteFrame(cmd, {}));
  CCGPU_ASSIGN_OR_RETURN(Frame f, ReadOwnTypeFrame());
  if (f.command != cmd) return Fail(Errc::kMalformed, "platform: end command not echoed");
  end_command_ = cmd;
  return OkStatus();
}

}  // namespace ccgpu::spdm::transport
