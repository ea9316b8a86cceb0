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

PlatformPortTransport::PlatformPortTransport(TcpConnection conn,
                                             TransportType type, Role role,
                                             std::size_t max_payload)
    : conn_(std::move(conn)),
      codec_(conn_, max_payload),
      type_(type),
      role_(role) {}

Status PlatformPortTransport::WriteFrame(uint32_t cmd, ByteSpan payload) {
  return codec_.Write(cmd, static_cast<uint32_t>(type_), payload);
}

Result<Frame> PlatformPortTransport::ReadOwnTypeFrame() {
  CCGPU_ASSIGN_OR_RETURN(Frame f, codec_.Read());
  if (f.transport_type != static_cast<uint32_t>(type_)) {
    return Fail(Errc::kMalformed,
                "platform: transport_type differs from the configured one");
  }
  return f;
}

Result<Bytes> Encapsulate(TransportType type, ByteSpan message, bool secured) {
  switch (type) {
    case TransportType::kNone:
      if (secured) {
        return Fail(Errc::kUnsupported,
                    "platform: transport NONE carries no secured messages");
      }
      return Bytes(message.begin(), message.end());
    case TransportType::kMctp:
      return EncodeMctp(secured ? kMctpTypeSecuredSpdm : kMctpTypeSpdm,
                        message);
    case TransportType::kPciDoe:
      return EncodeDoe(secured ? kDoeTypeSecuredSpdm : kDoeTypeSpdm, message);
  }
  return Fail(Errc::kUnsupported, "platform: unknown transport type");
}

Result<Decapsulated> Decapsulate(TransportType type, ByteSpan payload) {
  using Kind = Decapsulated::Kind;
  switch (type) {
    case TransportType::kNone:
      return Decapsulated{Kind::kSpdm, payload};
    case TransportType::kMctp: {
      CCGPU_ASSIGN_OR_RETURN(MctpMessage m, DecodeMctp(payload));
      return Decapsulated{
          m.type == kMctpTypeSecuredSpdm ? Kind::kSecured : Kind::kSpdm,
          m.body};
    }
    case TransportType::kPciDoe: {
      CCGPU_ASSIGN_OR_RETURN(DoeObject o, DecodeDoe(payload));
      if (o.vendor_id != kDoeVendorPciSig) {
        return Fail(Errc::kUnsupported, "pci_doe: vendor other than PCI-SIG");
      }
      switch (o.type) {
        case kDoeTypeDiscovery:
          return Decapsulated{Kind::kDoeDiscovery, o.body};
        case kDoeTypeSpdm:
          return Decapsulated{Kind::kSpdm, o.body};
        case kDoeTypeSecuredSpdm:
          return Decapsulated{Kind::kSecured, o.body};
        default:
          return Fail(Errc::kUnsupported,
                      "pci_doe: data object type is not SPDM");
      }
    }
  }
  return Fail(Errc::kUnsupported, "platform: unknown transport type");
}

Status PlatformPortTransport::Send(ByteSpan message, bool secured) {
  CCGPU_ASSIGN_OR_RETURN(Bytes payload, Encapsulate(type_, message, secured));
  return WriteFrame(command::kNormal, payload);
}

Result<TransportMessage> PlatformPortTransport::Receive() {
  while (true) {
    CCGPU_ASSIGN_OR_RETURN(Frame f, ReadOwnTypeFrame());
    if (f.command != command::kNormal) {
      if (role_ == Role::kRequester) {
        return Fail(Errc::kMalformed,
                    "platform: responder sent a non-NORMAL frame");
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
          return Fail(Errc::kClosed,
                      "platform: requester ended the connection");
        default:
          end_command_ = command::kUnknown;
          CCGPU_TRY(WriteFrame(command::kUnknown, {}));
          return Fail(Errc::kClosed,
                      "platform: unknown command, connection dropped");
      }
    }
    CCGPU_ASSIGN_OR_RETURN(Decapsulated d, Decapsulate(type_, f.payload));
    if (d.kind == Decapsulated::Kind::kDoeDiscovery) {
      if (role_ != Role::kResponder) {
        return Fail(Errc::kMalformed, "pci_doe: unsolicited discovery object");
      }
      CCGPU_ASSIGN_OR_RETURN(uint8_t index, ParseDoeDiscoveryRequest(d.data));
      auto entry = DoeDiscoveryEntry(index);
      // An index past the table is answered with an end-of-list entry.
      const DoeDiscoveryResponse rsp =
          entry ? *entry : DoeDiscoveryResponse{kDoeVendorPciSig, 0, 0};
      CCGPU_ASSIGN_OR_RETURN(
          Bytes obj,
          EncodeDoe(kDoeTypeDiscovery, EncodeDoeDiscoveryResponse(rsp)));
      CCGPU_TRY(WriteFrame(command::kNormal, obj));
      continue;
    }
    return TransportMessage{d.kind == Decapsulated::Kind::kSecured,
                            Bytes(d.data.begin(), d.data.end())};
  }
}

Status PlatformPortTransport::Hello() {
  CCGPU_TRY(WriteFrame(command::kTest, kClientHello));
  CCGPU_ASSIGN_OR_RETURN(Frame f, ReadOwnTypeFrame());
  if (f.command != command::kTest ||
      !std::equal(f.payload.begin(), f.payload.end(), kServerHello.begin(),
                  kServerHello.end())) {
    return Fail(Errc::kMalformed,
                "platform: TEST reply is not \"Server Hello!\"");
  }
  return OkStatus();
}

Result<std::vector<DoeDiscoveryResponse>>
PlatformPortTransport::DoeDiscovery() {
  if (type_ != TransportType::kPciDoe)
    return Fail(Errc::kUnsupported, "pci_doe: discovery needs PCI_DOE");
  std::vector<DoeDiscoveryResponse> out;
  uint8_t index = 0;
  for (int i = 0; i < 256; ++i) {
    CCGPU_ASSIGN_OR_RETURN(
        Bytes req,
        EncodeDoe(kDoeTypeDiscovery, EncodeDoeDiscoveryRequest(index)));
    CCGPU_TRY(WriteFrame(command::kNormal, req));
    CCGPU_ASSIGN_OR_RETURN(Frame f, ReadOwnTypeFrame());
    if (f.command != command::kNormal)
      return Fail(Errc::kMalformed, "pci_doe: discovery reply not NORMAL");
    CCGPU_ASSIGN_OR_RETURN(DoeObject o, DecodeDoe(f.payload));
    if (o.type != kDoeTypeDiscovery)
      return Fail(Errc::kMalformed, "pci_doe: discovery reply of another type");
    CCGPU_ASSIGN_OR_RETURN(DoeDiscoveryResponse d,
                           ParseDoeDiscoveryResponse(o.body));
    out.push_back(d);
    if (d.next_index == 0) return out;
    index = d.next_index;
  }
  return Fail(Errc::kMalformed, "pci_doe: discovery list does not end");
}

Status PlatformPortTransport::End(uint32_t cmd) {
  if (cmd != command::kShutdown && cmd != command::kContinue) {
    return Fail(Errc::kInvalidArgument,
                "platform: End takes SHUTDOWN or CONTINUE");
  }
  CCGPU_TRY(WriteFrame(cmd, {}));
  CCGPU_ASSIGN_OR_RETURN(Frame f, ReadOwnTypeFrame());
  if (f.command != cmd)
    return Fail(Errc::kMalformed, "platform: end command not echoed");
  end_command_ = cmd;
  return OkStatus();
}

std::pair<std::unique_ptr<MemoryTransport>, std::unique_ptr<MemoryTransport>>
MemoryTransport::CreatePair(TransportType type,
                            std::chrono::milliseconds receive_timeout) {
  auto a_to_b = std::make_shared<Queue>();
  auto b_to_a = std::make_shared<Queue>();
  std::unique_ptr<MemoryTransport> a(
      new MemoryTransport(type, receive_timeout, b_to_a, a_to_b));
  std::unique_ptr<MemoryTransport> b(
      new MemoryTransport(type, receive_timeout, a_to_b, b_to_a));
  return {std::move(a), std::move(b)};
}

MemoryTransport::~MemoryTransport() { Close(); }

void MemoryTransport::Close() {
  for (Queue* q : {in_.get(), out_.get()}) {
    std::lock_guard<std::mutex> lock(q->mu);
    q->closed = true;
    q->cv.notify_all();
  }
}

Status MemoryTransport::Send(ByteSpan message, bool secured) {
  CCGPU_ASSIGN_OR_RETURN(Bytes payload, Encapsulate(type_, message, secured));
  std::lock_guard<std::mutex> lock(out_->mu);
  if (out_->closed) return Fail(Errc::kClosed, "memory transport: closed");
  out_->items.push_back(std::move(payload));
  out_->cv.notify_all();
  return OkStatus();
}

Result<TransportMessage> MemoryTransport::Receive() {
  Bytes payload;
  {
    std::unique_lock<std::mutex> lock(in_->mu);
    if (!in_->cv.wait_for(lock, timeout_,
                          [&] { return !in_->items.empty() || in_->closed; })) {
      return Fail(Errc::kTimeout, "memory transport: receive timed out");
    }
    if (in_->items.empty()) {
      return Fail(Errc::kClosed, "memory transport: peer closed");
    }
    payload = std::move(in_->items.front());
    in_->items.pop_front();
  }
  CCGPU_ASSIGN_OR_RETURN(Decapsulated d, Decapsulate(type_, payload));
  if (d.kind == Decapsulated::Kind::kDoeDiscovery) {
    return Fail(Errc::kUnsupported,
                "memory transport: DOE discovery is a platform-port feature");
  }
  return TransportMessage{d.kind == Decapsulated::Kind::kSecured,
                          Bytes(d.data.begin(), d.data.end())};
}

}  // namespace ccgpu::spdm::transport
