#include "spdm/tdisp/tdisp.h"

namespace ccgpu::spdm::tdisp {
namespace {

constexpr std::size_t kMaxVendorPayload = 0xFFFF;

Result<Header> ReadHeader(ByteReader& r) {
  Header h;
  CCGPU_ASSIGN_OR_RETURN(h.version, r.U8("tdisp: header version"));
  CCGPU_ASSIGN_OR_RETURN(h.message_type, r.U8("tdisp: header message_type"));
  CCGPU_TRY(r.Skip(2, "tdisp: header reserved"));
  CCGPU_ASSIGN_OR_RETURN(h.interface_id.function_id, r.U32("tdisp: INTERFACE_ID function_id"));
  CCGPU_TRY(r.Skip(8, "tdisp: INTERFACE_ID reserved"));
  return h;
}

void WriteHeader(ByteWriter& w, const Header& h, MessageType type) {
  w.U8(h.version).U8(static_cast<uint8_t>(type)).Zeros(2).U32(h.interface_id.function_id).Zeros(8);
}

// Trailing-data rule (see tdisp.h): the message ends where its type says.
Status End(const ByteReader& r, const char* what) { return r.ExpectEnd(what); }

MessageType TypeOf(const GetVersion&) { return MessageType::kGetVersion; }
MessageType TypeOf(const GetCapabilities&) { return MessageType::kGetCapabilities; }
MessageType TypeOf(const LockInterface&) { return MessageType::kLockInterfaceReq; }
MessageType TypeOf(const GetInterfaceReport&) { return MessageType::kGetDeviceInterfaceReport; }
MessageType TypeOf(const GetInterfaceState&) { return MessageType::kGetDeviceInterfaceState; }
MessageType TypeOf(const StartInterface&) { return MessageType::kStartInterfaceReq; }
MessageType TypeOf(const StopInterface&) { return MessageType::kStopInterfaceReq; }
MessageType TypeOf(const VersionRsp&) { return MessageType::kVersion; }
MessageType TypeOf(const CapabilitiesRsp&) { return MessageType::kCapabilities; }
MessageType TypeOf(const LockInterfaceRsp&) { return MessageType::kLockInterfaceRsp; }
MessageType TypeOf(const InterfaceReportRsp&) { return MessageType::kDeviceInterfaceReport; }
MessageType TypeOf(const InterfaceStateRsp&) { return MessageType::kDeviceInterfaceState; }
MessageType TypeOf(const StartInterfaceRsp&) { return MessageType::kStartInterfaceRsp; }
MessageType TypeOf(const StopInterfaceRsp&) { return MessageType::kStopInterfaceRsp; }
MessageType TypeOf(const ErrorRsp&) { return MessageType::kError; }

}  // namespace

MessageType RequestType(const RequestBody& body) {
  return std::visit([](const auto& b) { return TypeOf(b); }, body);
}

Result<Bytes> WrapPayload(ByteSpan tdisp_message) {
  if (tdisp_message.size() + 1 > kMaxVendorPayload) {
    return Fail(Errc::kInvalidArgument, "tdisp: message too long for a VENDOR_DEFINED payload");
  }
  ByteWriter w;
  w.U8(kProtocolIdTdisp).Append(tdisp_message);
  return std::move(w).Finish();
}

Result<ByteSpan> UnwrapPayload(ByteSpan vendor_payload) {
  ByteReader r(vendor_payload);
  CCGPU_ASSIGN_OR_RETURN(uint8_t protocol, r.U8("tdisp: VENDOR_DEFINED payload lacks the protocol ID"));
  if (protocol != kProtocolIdTdisp) {
    return Fail(Errc::kUnsupported, "tdisp: PCI-SIG protocol ID is not TDISP (0x01)");
  }
  return r.rest();
}

std::string_view MessageTypeName(uint8_t type) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::kVersion: return "TDISP_VERSION";
    case MessageType::kCapabilities: return "TDISP_CAPABILITIES";
    case MessageType::kLockInterfaceRsp: return "LOCK_INTERFACE_RESPONSE";
    case MessageType::kDeviceInterfaceReport: return "DEVICE_INTERFACE_REPORT";
    case MessageType::kDeviceInterfaceState: return "DEVICE_INTERFACE_STATE";
    case MessageType::kStartInterfaceRsp: return "START_INTERFACE_RESPONSE";
    case MessageType::kStopInterfaceRsp: return "STOP_INTERFACE_RESPONSE";
    case MessageType::kBindP2pStreamRsp: return "BIND_P2P_STREAM_RESPONSE";
    case MessageType::kUnbindP2pStreamRsp: return "UNBIND_P2P_STREAM_RESPONSE";
    case MessageType::kSetMmioAttributeRsp: return "SET_MMIO_ATTRIBUTE_RESPONSE";
    case MessageType::kVdmRsp: return "VDM_RESPONSE";
    case MessageType::kError: return "TDISP_ERROR";
    case MessageType::kGetVersion: return "GET_TDISP_VERSION";
    case MessageType::kGetCapabilities: return "GET_TDISP_CAPABILITIES";
    case MessageType::kLockInterfaceReq: return "LOCK_INTERFACE_REQUEST";
    case MessageType::kGetDeviceInterfaceReport: return "GET_DEVICE_INTERFACE_REPORT";
    case MessageType::kGetDeviceInterfaceState: return "GET_DEVICE_INTERFACE_STATE";
    case MessageType::kStartInterfaceReq: return "START_INTERFACE_REQUEST";
    case MessageType::kStopInterfaceReq: return "STOP_INTERFACE_REQUEST";
    case MessageType::kBindP2pStreamReq: return "BIND_P2P_STREAM_REQUEST";
    case MessageType::kUnbindP2pStreamReq: return "UNBIND_P2P_STREAM_REQUEST";
    case MessageType::kSetMmioAttributeReq: return "SET_MMIO_ATTRIBUTE_REQUEST";
    case MessageType::kVdmReq: return "VDM_REQUEST";
  }
  return "unknown";
}

std::string_view TdiStateName(TdiState s) {
  switch (s) {
    case TdiState::kConfigUnlocked: return "CONFIG_UNLOCKED";
    case TdiState::kConfigLocked: return "CONFIG_LOCKED";
    case TdiState::kRun: return "RUN";
    case TdiState::kError: return "ERROR";
  }
  return "unknown";
}

std::string_view ErrorCodeName(uint32_t code) {
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::kInvalidRequest: return "INVALID_REQUEST";
    case ErrorCode::kBusy: return "BUSY";
    case ErrorCode::kInvalidInterfaceState: return "INVALID_INTERFACE_STATE";
    case ErrorCode::kUnspecified: return "UNSPECIFIED";
    case ErrorCode::kUnsupportedRequest: return "UNSUPPORTED_REQUEST";
    case ErrorCode::kVersionMismatch: return "VERSION_MISMATCH";
    case ErrorCode::kVendorSpecificError: return "VENDOR_SPECIFIC_ERROR";
    case ErrorCode::kInvalidInterface: return "INVALID_INTERFACE";
    case ErrorCode::kInvalidNonce: return "INVALID_NONCE";
    case ErrorCode::kInsufficientEntropy: return "INSUFFICIENT_ENTROPY";
    case ErrorCode::kInvalidDeviceConfiguration: return "INVALID_DEVICE_CONFIGURATION";
  }
  return "unknown";
}

uint8_t RequestTypeFor(uint8_t response_type) {
  if (response_type == 0 || response_type > static_cast<uint8_t>(MessageType::kVdmRsp)) return 0;
  return static_cast<uint8_t>(response_type | 0x80);
}

// PCIe 6.1 §11.3 request messages.
Result<Request> ParseRequest(ByteSpan msg) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r));
  Request m{h, GetVersion{}};
  switch (static_cast<MessageType>(h.message_type)) {
    case MessageType::kGetVersion:
      m.body = GetVersion{};
      break;
    case MessageType::kGetCapabilities: {
      GetCapabilities b;
      CCGPU_ASSIGN_OR_RETURN(b.tsm_caps, r.U32("tdisp: GET_TDISP_CAPABILITIES TSM_CAPS"));
      m.body = b;
      break;
    }
    case MessageType::kLockInterfaceReq: {
      LockInterface b;
      CCGPU_ASSIGN_OR_RETURN(b.flags, r.U16("tdisp: LOCK_INTERFACE flags"));
      CCGPU_ASSIGN_OR_RETURN(b.default_stream_id, r.U8("tdisp: LOCK_INTERFACE default_stream_id"));
      CCGPU_TRY(r.Skip(1, "tdisp: LOCK_INTERFACE reserved"));
      CCGPU_ASSIGN_OR_RETURN(b.mmio_reporting_offset, r.U64("tdisp: LOCK_INTERFACE mmio_reporting_offset"));
      CCGPU_ASSIGN_OR_RETURN(b.bind_p2p_address_mask, r.U64("tdisp: LOCK_INTERFACE bind_p2p_address_mask"));
      m.body = b;
      break;
    }
    case MessageType::kGetDeviceInterfaceReport: {
      GetInterfaceReport b;
      CCGPU_ASSIGN_OR_RETURN(b.offset, r.U16("tdisp: GET_DEVICE_INTERFACE_REPORT offset"));
      CCGPU_ASSIGN_OR_RETURN(b.length, r.U16("tdisp: GET_DEVICE_INTERFACE_REPORT length"));
      m.body = b;
      break;
    }
    case MessageType::kGetDeviceInterfaceState:
      m.body = GetInterfaceState{};
      break;
    case MessageType::kStartInterfaceReq: {
      StartInterface b;
      CCGPU_ASSIGN_OR_RETURN(b.start_interface_nonce,
                             r.Array<kStartNonceSize>("tdisp: START_INTERFACE nonce"));
      m.body = b;
      break;
    }
    case MessageType::kStopInterfaceReq:
      m.body = StopInterface{};
      break;
    default:
      return Fail(Errc::kUnsupported, "tdisp: request message type not supported");
  }
  CCGPU_TRY(End(r, "tdisp: bytes after the end of the request"));
  return m;
}

Result<Bytes> SerializeRequest(const Request& m) {
  ByteWriter w;
  std::visit([&](const auto& b) { WriteHeader(w, m.header, TypeOf(b)); }, m.body);
  if (const auto* caps = std::get_if<GetCapabilities>(&m.body)) {
    w.U32(caps->tsm_caps);
  } else if (const auto* lock = std::get_if<LockInterface>(&m.body)) {
    w.U16(lock->flags).U8(lock->default_stream_id).Zeros(1).U64(lock->mmio_reporting_offset).U64(
        lock->bind_p2p_address_mask);
  } else if (const auto* rep = std::get_if<GetInterfaceReport>(&m.body)) {
    w.U16(rep->offset).U16(rep->length);
  } else if (const auto* start = std::get_if<StartInterface>(&m.body)) {
    w.Append(start->start_interface_nonce);
  }
  return std::move(w).Finish();
}

// PCIe 6.1 §11.3 response messages.
Result<Response> ParseResponse(ByteSpan msg) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r));
  Response m{h, StartInterfaceRsp{}};
  switch (static_cast<MessageType>(h.message_type)) {
    case MessageType::kVersion: {
      VersionRsp b;
      CCGPU_ASSIGN_OR_RETURN(ByteSpan list, r.Prefixed8("tdisp: TDISP_VERSION version list past end"));
      b.versions.assign(list.begin(), list.end());
      m.body = std::move(b);
      break;
    }
    case MessageType::kCapabilities: {
      CapabilitiesRsp b;
      CCGPU_ASSIGN_OR_RETURN(b.dsm_caps, r.U32("tdisp: TDISP_CAPABILITIES dsm_caps"));
      CCGPU_ASSIGN_OR_RETURN(b.req_msg_supported, r.Array<16>("tdisp: TDISP_CAPABILITIES req_msg_supported"));
      CCGPU_ASSIGN_OR_RETURN(b.lock_interface_flags_supported,
                             r.U16("tdisp: TDISP_CAPABILITIES lock_interface_flags_supported"));
      CCGPU_TRY(r.Skip(3, "tdisp: TDISP_CAPABILITIES reserved"));
      CCGPU_ASSIGN_OR_RETURN(b.dev_addr_width, r.U8("tdisp: TDISP_CAPABILITIES dev_addr_width"));
      CCGPU_ASSIGN_OR_RETURN(b.num_req_this, r.U8("tdisp: TDISP_CAPABILITIES num_req_this"));
      CCGPU_ASSIGN_OR_RETURN(b.num_req_all, r.U8("tdisp: TDISP_CAPABILITIES num_req_all"));
      m.body = b;
      break;
    }
    case MessageType::kLockInterfaceRsp: {
      LockInterfaceRsp b;
      CCGPU_ASSIGN_OR_RETURN(b.start_interface_nonce,
                             r.Array<kStartNonceSize>("tdisp: LOCK_INTERFACE_RESPONSE nonce"));
      m.body = b;
      break;
    }
    case MessageType::kDeviceInterfaceReport: {
      InterfaceReportRsp b;
      // portion_length precedes remainder_length, then the portion: read both
      // fixed fields first so a short portion is kTruncated as a whole.
      CCGPU_ASSIGN_OR_RETURN(uint16_t portion_length, r.U16("tdisp: DEVICE_INTERFACE_REPORT portion_length"));
      CCGPU_ASSIGN_OR_RETURN(b.remainder_length, r.U16("tdisp: DEVICE_INTERFACE_REPORT remainder_length"));
      CCGPU_ASSIGN_OR_RETURN(b.portion, r.Take(portion_length, "tdisp: DEVICE_INTERFACE_REPORT portion past end"));
      m.body = b;
      break;
    }
    case MessageType::kDeviceInterfaceState: {
      CCGPU_ASSIGN_OR_RETURN(uint8_t s, r.U8("tdisp: DEVICE_INTERFACE_STATE tdi_state"));
      if (s > static_cast<uint8_t>(TdiState::kError)) {
        return Fail(Errc::kMalformed, "tdisp: DEVICE_INTERFACE_STATE tdi_state is not a TDI state");
      }
      m.body = InterfaceStateRsp{static_cast<TdiState>(s)};
      break;
    }
    case MessageType::kStartInterfaceRsp:
      m.body = StartInterfaceRsp{};
      break;
    case MessageType::kStopInterfaceRsp:
      m.body = StopInterfaceRsp{};
      break;
    case MessageType::kError: {
      ErrorRsp b;
      CCGPU_ASSIGN_OR_RETURN(b.error_code, r.U32("tdisp: TDISP_ERROR error_code"));
      CCGPU_ASSIGN_OR_RETURN(b.error_data, r.U32("tdisp: TDISP_ERROR error_data"));
      b.extended_error_data = r.rest();  // runs to the end of the message
      CCGPU_TRY(r.Skip(b.extended_error_data.size()));
      m.body = b;
      break;
    }
    default:
      return Fail(Errc::kUnsupported, "tdisp: response message type not supported");
  }
  CCGPU_TRY(End(r, "tdisp: bytes after the end of the response"));
  return m;
}

Result<Bytes> SerializeResponse(const Response& m) {
  ByteWriter w;
  std::visit([&](const auto& b) { WriteHeader(w, m.header, TypeOf(b)); }, m.body);
  if (const auto* v = std::get_if<VersionRsp>(&m.body)) {
    if (v->versions.size() > 0xFF) return Fail(Errc::kInvalidArgument, "tdisp: more than 255 versions");
    w.Prefixed8(v->versions);
  } else if (const auto* c = std::get_if<CapabilitiesRsp>(&m.body)) {
    w.U32(c->dsm_caps)
        .Append(c->req_msg_supported)
        .U16(c->lock_interface_flags_supported)
        .Zeros(3)
        .U8(c->dev_addr_width)
        .U8(c->num_req_this)
        .U8(c->num_req_all);
  } else if (const auto* l = std::get_if<LockInterfaceRsp>(&m.body)) {
    w.Append(l->start_interface_nonce);
  } else if (const auto* p = std::get_if<InterfaceReportRsp>(&m.body)) {
    if (p->portion.size() > 0xFFFF) return Fail(Errc::kInvalidArgument, "tdisp: report portion above 65535 bytes");
    w.U16(p->portion.size()).U16(p->remainder_length).Append(p->portion);
  } else if (const auto* s = std::get_if<InterfaceStateRsp>(&m.body)) {
    w.U8(static_cast<uint8_t>(s->tdi_state));
  } else if (const auto* e = std::get_if<ErrorRsp>(&m.body)) {
    w.U32(e->error_code).U32(e->error_data).Append(e->extended_error_data);
  }
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::tdisp
