#include "spdm/tdisp/ide_km.h"

#include "spdm/tdisp/tdisp.h"

namespace ccgpu::spdm::idekm {
namespace {

constexpr std::size_t kMaxVendorPayload = 0xFFFF;  // VENDOR_DEFINED ReqLength
constexpr std::size_t kCommandSize = 7;             // every object but QUERY(_RESP) / KEY_PROG's key

struct SerializeVisitor {
  Result<Bytes> operator()(const Query& m) const {
    ByteWriter w;
    w.U8(static_cast<uint8_t>(ObjectId::kQuery)).U8(0).U8(m.port_index);
    return std::move(w).Finish();
  }
  Result<Bytes> operator()(const QueryResp& m) const {
    if (m.ide_capability.size() % 4 != 0) {
      return Fail(Errc::kInvalidArgument, "ide_km: IDE capability is not whole DWORDs");
    }
    ByteWriter w;
    w.U8(static_cast<uint8_t>(ObjectId::kQueryResp)).U8(0).U8(m.port_index).U8(m.dev_func_num).U8(m.bus_num);
    w.U8(m.segment).U8(m.max_port_index).Append(m.ide_capability);
    return std::move(w).Finish();
  }
  Result<Bytes> operator()(const KeyProg& m) const {
    if (m.key.size() != kKeySize) return Fail(Errc::kInvalidArgument, "ide_km: KEY_PROG key is not 32 bytes");
    ByteWriter w;
    w.U8(static_cast<uint8_t>(ObjectId::kKeyProg)).U16(0).U8(m.stream_id).U8(0).U8(m.key_sub_stream).U8(m.port_index);
    w.Append(m.key.reveal()).Append(m.ifv);
    return std::move(w).Finish();
  }
  Result<Bytes> operator()(const KpAck& m) const {
    ByteWriter w;
    w.U8(static_cast<uint8_t>(ObjectId::kKpAck)).U16(0).U8(m.stream_id).U8(static_cast<uint8_t>(m.status));
    w.U8(m.key_sub_stream).U8(m.port_index);
    return std::move(w).Finish();
  }
  Result<Bytes> operator()(const KeySetCommand& m) const {
    if (m.object != ObjectId::kKSetGo && m.object != ObjectId::kKSetStop && m.object != ObjectId::kKSetGoStopAck) {
      return Fail(Errc::kInvalidArgument, "ide_km: not K_SET_GO, K_SET_STOP or K_GOSTOP_ACK");
    }
    ByteWriter w;
    w.U8(static_cast<uint8_t>(m.object)).U16(0).U8(m.stream_id).U8(0).U8(m.key_sub_stream).U8(m.port_index);
    return std::move(w).Finish();
  }
};

// The parsed message, built in place in the Result: no variant is moved
// (GCC 12's -Wmaybe-uninitialized misreads a moved variant holding KeyProg).
template <typename T>
Result<Message> Made(T&& alternative) {
  return Result<Message>(tl::in_place, std::in_place_type<std::decay_t<T>>, std::forward<T>(alternative));
}

Status End(const ByteReader& r, const char* what) {
  if (r.remaining() != 0) return Fail(Errc::kTrailingData, what);
  return OkStatus();
}

}  // namespace

Result<Bytes> WrapPayload(ByteSpan ide_km_object) {
  if (ide_km_object.size() + 1 > kMaxVendorPayload) {
    return Fail(Errc::kInvalidArgument, "ide_km: object too long for a VENDOR_DEFINED payload");
  }
  ByteWriter w;
  w.U8(tdisp::kProtocolIdIdeKm).Append(ide_km_object);
  return std::move(w).Finish();
}

Result<ByteSpan> UnwrapPayload(ByteSpan vendor_payload) {
  ByteReader r(vendor_payload);
  CCGPU_ASSIGN_OR_RETURN(uint8_t protocol, r.U8("ide_km: VENDOR_DEFINED payload lacks the protocol ID"));
  if (protocol != tdisp::kProtocolIdIdeKm) {
    return Fail(Errc::kUnsupported, "ide_km: PCI-SIG protocol ID is not IDE_KM (0x00)");
  }
  return r.rest();
}

Result<Message> Parse(ByteSpan object) {
  ByteReader r(object);
  CCGPU_ASSIGN_OR_RETURN(uint8_t id, r.U8("ide_km: empty object"));
  switch (static_cast<ObjectId>(id)) {
    case ObjectId::kQuery: {
      Query m;
      CCGPU_TRY(r.Skip(1, "ide_km: QUERY Reserved"));
      CCGPU_ASSIGN_OR_RETURN(m.port_index, r.U8("ide_km: QUERY PortIndex"));
      CCGPU_TRY(End(r, "ide_km: bytes after QUERY"));
      return Made(m);
    }
    case ObjectId::kQueryResp: {
      QueryResp m;
      CCGPU_TRY(r.Skip(1, "ide_km: QUERY_RESP Reserved"));
      CCGPU_ASSIGN_OR_RETURN(m.port_index, r.U8("ide_km: QUERY_RESP PortIndex"));
      CCGPU_ASSIGN_OR_RETURN(m.dev_func_num, r.U8("ide_km: QUERY_RESP DevFuncNum"));
      CCGPU_ASSIGN_OR_RETURN(m.bus_num, r.U8("ide_km: QUERY_RESP BusNum"));
      CCGPU_ASSIGN_OR_RETURN(m.segment, r.U8("ide_km: QUERY_RESP Segment"));
      CCGPU_ASSIGN_OR_RETURN(m.max_port_index, r.U8("ide_km: QUERY_RESP MaxPortIndex"));
      m.ide_capability = r.rest();
      if (m.ide_capability.size() % 4 != 0) {
        return Fail(Errc::kMalformed, "ide_km: QUERY_RESP IDE capability is not whole DWORDs");
      }
      return Made(m);
    }
    case ObjectId::kKeyProg: {
      if (object.size() < kCommandSize + kKeySize + kIfvSize) {
        return Fail(Errc::kTruncated, "ide_km: KEY_PROG shorter than its key and IFV");
      }
      // Every field is read before the message is made whole in one piece.
      CCGPU_TRY(r.Skip(2, "ide_km: KEY_PROG Reserved"));
      CCGPU_ASSIGN_OR_RETURN(const uint8_t stream_id, r.U8("ide_km: KEY_PROG StreamID"));
      CCGPU_TRY(r.Skip(1, "ide_km: KEY_PROG Reserved"));
      CCGPU_ASSIGN_OR_RETURN(const uint8_t key_sub_stream, r.U8("ide_km: KEY_PROG KeySet/RxTx/SubStream"));
      CCGPU_ASSIGN_OR_RETURN(const uint8_t port_index, r.U8("ide_km: KEY_PROG PortIndex"));
      CCGPU_ASSIGN_OR_RETURN(const ByteSpan key, r.Take(kKeySize, "ide_km: KEY_PROG Key"));
      CCGPU_ASSIGN_OR_RETURN(const auto ifv, r.Array<kIfvSize>("ide_km: KEY_PROG IFV"));
      CCGPU_TRY(End(r, "ide_km: bytes after KEY_PROG"));
      return Made(KeyProg{stream_id, key_sub_stream, port_index, SecretBytes::CopyOf(key), ifv});
    }
    case ObjectId::kKpAck: {
      KpAck m;
      CCGPU_TRY(r.Skip(2, "ide_km: KP_ACK Reserved"));
      CCGPU_ASSIGN_OR_RETURN(m.stream_id, r.U8("ide_km: KP_ACK StreamID"));
      CCGPU_ASSIGN_OR_RETURN(uint8_t status, r.U8("ide_km: KP_ACK Status"));
      if (status > static_cast<uint8_t>(KpAckStatus::kUnspecifiedFailure)) {
        return Fail(Errc::kMalformed, "ide_km: KP_ACK Status reserved value");
      }
      m.status = static_cast<KpAckStatus>(status);
      CCGPU_ASSIGN_OR_RETURN(m.key_sub_stream, r.U8("ide_km: KP_ACK KeySet/RxTx/SubStream"));
      CCGPU_ASSIGN_OR_RETURN(m.port_index, r.U8("ide_km: KP_ACK PortIndex"));
      CCGPU_TRY(End(r, "ide_km: bytes after KP_ACK"));
      return Made(m);
    }
    case ObjectId::kKSetGo:
    case ObjectId::kKSetStop:
    case ObjectId::kKSetGoStopAck: {
      KeySetCommand m;
      m.object = static_cast<ObjectId>(id);
      CCGPU_TRY(r.Skip(2, "ide_km: K_SET Reserved"));
      CCGPU_ASSIGN_OR_RETURN(m.stream_id, r.U8("ide_km: K_SET StreamID"));
      CCGPU_TRY(r.Skip(1, "ide_km: K_SET Reserved"));
      CCGPU_ASSIGN_OR_RETURN(m.key_sub_stream, r.U8("ide_km: K_SET KeySet/RxTx/SubStream"));
      CCGPU_ASSIGN_OR_RETURN(m.port_index, r.U8("ide_km: K_SET PortIndex"));
      CCGPU_TRY(End(r, "ide_km: bytes after K_SET_GO / K_SET_STOP / K_GOSTOP_ACK"));
      return Made(m);
    }
  }
  return Fail(Errc::kUnsupported, "ide_km: unknown object ID");
}

Result<Bytes> Serialize(const Message& m) { return std::visit(SerializeVisitor{}, m); }

}  // namespace ccgpu::spdm::idekm
