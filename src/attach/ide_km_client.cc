#include "attach/ide_km_client.h"

#include "crypto/rng.h"
#include "spdm/tdisp/tdisp.h"

namespace ccgpu::attach {
namespace idekm = spdm::idekm;
namespace td = spdm::tdisp;
namespace {

constexpr uint8_t kSubStreams[3] = {idekm::kSubStreamPr, idekm::kSubStreamNpr, idekm::kSubStreamCpl};
constexpr uint8_t kDirections[2] = {0, idekm::kDirectionTx};

uint32_t DwordAt(ByteSpan b, std::size_t i) {
  return static_cast<uint32_t>(b[4 * i]) | static_cast<uint32_t>(b[4 * i + 1]) << 8 |
         static_cast<uint32_t>(b[4 * i + 2]) << 16 | static_cast<uint32_t>(b[4 * i + 3]) << 24;
}

}  // namespace

IdeKmTransport IdeKmRequesterTransport(spdm::requester::Requester& requester, uint32_t session_id) {
  return [&requester, session_id](ByteSpan object) -> Result<Bytes> {
    CCGPU_ASSIGN_OR_RETURN(Bytes payload, idekm::WrapPayload(object));
    CCGPU_ASSIGN_OR_RETURN(Bytes rsp, requester.VendorDefined(session_id, td::kStandardIdPciSig, td::kVendorIdPciSig,
                                                              payload));
    CCGPU_ASSIGN_OR_RETURN(ByteSpan inner, idekm::UnwrapPayload(rsp));
    return Bytes(inner.begin(), inner.end());
  };
}

Result<Bytes> IdeKmClient::Call(const idekm::Message& m) {
  CCGPU_ASSIGN_OR_RETURN(Bytes object, idekm::Serialize(m));
  return transport_(object);
}

Result<IdeQueryResult> IdeKmClient::Query() {
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, Call(idekm::Query{port_index_}));
  CCGPU_ASSIGN_OR_RETURN(idekm::Message m, idekm::Parse(raw));
  auto* r = std::get_if<idekm::QueryResp>(&m);
  if (r == nullptr) return Fail(Errc::kUnexpectedMessage, "ide_km client: QUERY not answered by QUERY_RESP");
  if (r->port_index != port_index_) return Fail(Errc::kUnexpectedMessage, "ide_km client: QUERY_RESP names another port");
  if (r->ide_capability.size() < 8) return Fail(Errc::kMalformed, "ide_km client: IDE capability shorter than 2 DWORDs");
  IdeQueryResult q;
  q.port_index = r->port_index;
  q.dev_func_num = r->dev_func_num;
  q.bus_num = r->bus_num;
  q.segment = r->segment;
  q.max_port_index = r->max_port_index;
  q.capability.assign(r->ide_capability.begin(), r->ide_capability.end());
  const uint32_t cap = DwordAt(r->ide_capability, 1);
  q.selective_streams = (cap & (1u << 1)) != 0;
  q.ide_km = (cap & (1u << 6)) != 0;
  q.tee_limited_stream = (cap & (1u << 24)) != 0;
  // Without link IDE streams, the first selective stream block follows the
  // control register: capability, control, status (DWORDs 3, 4, 5).
  if (q.selective_streams && (cap & 1u) == 0 && r->ide_capability.size() >= 24) {
    q.stream_secure = (DwordAt(r->ide_capability, 5) & 0xF) == 0x2;
  }
  return q;
}

Result<IdeStreamKeys> IdeKmClient::EstablishStream(uint8_t stream_id, uint8_t key_set) {
  IdeStreamKeys out;
  out.stream_id = stream_id;
  out.key_set = key_set & idekm::kKeySetMask;
  for (uint8_t dir : kDirections) {
    for (uint8_t sub : kSubStreams) {
      idekm::KeyProg kp;
      kp.stream_id = stream_id;
      kp.key_sub_stream = static_cast<uint8_t>(sub | dir | out.key_set);
      kp.port_index = port_index_;
      SecretBytes key(idekm::kKeySize);
      CCGPU_TRY(crypto::RandomBytes(key.reveal_mutable()));
      kp.key = key.Clone();
      CCGPU_TRY(crypto::RandomBytes(kp.ifv));
      const uint8_t sent_sub = kp.key_sub_stream;
      CCGPU_ASSIGN_OR_RETURN(Bytes raw, Call(idekm::Message(std::move(kp))));
      CCGPU_ASSIGN_OR_RETURN(idekm::Message m, idekm::Parse(raw));
      auto* ack = std::get_if<idekm::KpAck>(&m);
      if (ack == nullptr) return Fail(Errc::kUnexpectedMessage, "ide_km client: KEY_PROG not answered by KP_ACK");
      if (ack->stream_id != stream_id || ack->key_sub_stream != sent_sub || ack->port_index != port_index_) {
        return Fail(Errc::kUnexpectedMessage, "ide_km client: KP_ACK does not echo the KEY_PROG");
      }
      switch (ack->status) {
        case idekm::KpAckStatus::kSuccess:
          break;
        case idekm::KpAckStatus::kUnsupportedPortIndex:
        case idekm::KpAckStatus::kUnsupportedValue:
          return Fail(Errc::kUnsupported, "ide_km client: KP_ACK refuses the port or the stream/sub-stream");
        default:
          return Fail(Errc::kPeerError, "ide_km client: KP_ACK reports a failure");
      }
      out.keys.push_back(std::move(key));
    }
  }
  CCGPU_TRY(KeySetAll(idekm::ObjectId::kKSetGo, stream_id, out.key_set));
  return out;
}

Status IdeKmClient::StopStream(uint8_t stream_id, uint8_t key_set) {
  return KeySetAll(idekm::ObjectId::kKSetStop, stream_id, key_set & idekm::kKeySetMask);
}

Status IdeKmClient::KeySetAll(idekm::ObjectId command, uint8_t stream_id, uint8_t key_set) {
  for (uint8_t dir : kDirections) {
    for (uint8_t sub : kSubStreams) {
      const idekm::KeySetCommand sent{command, stream_id, static_cast<uint8_t>(sub | dir | key_set), port_index_};
      CCGPU_ASSIGN_OR_RETURN(Bytes raw, Call(sent));
      CCGPU_ASSIGN_OR_RETURN(idekm::Message m, idekm::Parse(raw));
      auto* ack = std::get_if<idekm::KeySetCommand>(&m);
      if (ack == nullptr || ack->object != idekm::ObjectId::kKSetGoStopAck || ack->stream_id != sent.stream_id ||
          ack->key_sub_stream != sent.key_sub_stream || ack->port_index != sent.port_index) {
        return Fail(Errc::kUnexpectedMessage, command == idekm::ObjectId::kKSetGo
                                                  ? "ide_km client: K_SET_GO not answered by its K_GOSTOP_ACK"
                                                  : "ide_km client: K_SET_STOP not answered by its K_GOSTOP_ACK");
      }
    }
  }
  return OkStatus();
}

}  // namespace ccgpu::attach
