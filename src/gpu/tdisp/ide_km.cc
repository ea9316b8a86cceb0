#include "gpu/tdisp/ide_km.h"

#include "spdm/tdisp/tdisp.h"

namespace ccgpu::gpu::tdisp {
namespace idekm = spdm::idekm;
namespace {

constexpr uint8_t kPortIndex = 0;
constexpr uint8_t kMaxPortIndex = 0;
// IDE extended capability (PCIe 6.0 §7.9.26), DWORDs.
constexpr uint32_t kIdeCapHeader = 0x00010030;  // ID 0x0030, version 1, last
constexpr uint32_t kIdeCapSelectiveStreams = 1u << 1;
constexpr uint32_t kIdeCapIdeKm = 1u << 6;
constexpr uint32_t kIdeCapTeeLimitedStream = 1u << 24;
constexpr uint32_t kStreamStateSecure = 0x2;

// The (stream, direction | sub-stream) a KEY_PROG or K_SET names.
std::pair<uint8_t, uint8_t> LaneOf(uint8_t stream_id, uint8_t key_sub_stream) {
  return {stream_id, static_cast<uint8_t>(key_sub_stream & (idekm::kSubStreamMask | idekm::kDirectionTx))};
}

bool ValidSubStream(uint8_t key_sub_stream) {
  const uint8_t s = key_sub_stream & idekm::kSubStreamMask;
  return s == idekm::kSubStreamPr || s == idekm::kSubStreamNpr || s == idekm::kSubStreamCpl;
}

}  // namespace

IdeKmResponder::IdeKmResponder(Device& device) : device_(device) {
  host_listener_ = device_.AddHostEventListener([this](const HostEvent& e) {
    // IDE keys belong to the link and the guest that set them up: a reset
    // or a new owner ends them.
    if (e.kind == HostEventKind::kReset || e.kind == HostEventKind::kAssign) WipeAll();
  });
}

IdeKmResponder::~IdeKmResponder() { device_.RemoveHostEventListener(host_listener_); }

void IdeKmResponder::WipeAll() {
  std::lock_guard lock(mu_);
  if (!keys_.empty() || !in_use_.empty()) ++wipes_;
  keys_.clear();  // SecretBytes wipe themselves
  in_use_.clear();
}

std::optional<uint8_t> IdeKmResponder::SecureStreamLocked() const {
  std::map<uint8_t, int> lanes;
  for (const auto& [lane, set] : in_use_) ++lanes[lane.first];
  for (const auto& [stream, n] : lanes) {
    if (n == 6) return stream;  // RX/TX × PR/NPR/CPL
  }
  return std::nullopt;
}

Bytes IdeKmResponder::CapabilityLocked() const {
  const auto secure = SecureStreamLocked();
  const uint32_t dwords[8] = {
      kIdeCapHeader,
      kIdeCapSelectiveStreams | kIdeCapIdeKm | kIdeCapTeeLimitedStream,  // AES-GCM-256, 1 stream
      0,                                           // IDE control
      0,                                           // selective stream capability: no address blocks
      secure ? (1u | (uint32_t{*secure} << 24)) : 0,  // control: enable, stream ID
      secure ? kStreamStateSecure : 0,              // status: Secure / Insecure
      0,                                           // RID association 1
      0,                                           // RID association 2
  };
  ByteWriter w;
  for (uint32_t d : dwords) w.U32(d);
  return *std::move(w).Finish();
}

Bytes IdeKmResponder::Capability() const {
  std::lock_guard lock(mu_);
  return CapabilityLocked();
}

IdeKmStatus IdeKmResponder::Status() const {
  std::lock_guard lock(mu_);
  IdeKmStatus s;
  s.programmed_keys = keys_.size();
  s.keys_in_use = in_use_.size();
  s.secure_stream = SecureStreamLocked();
  s.key_progs = key_progs_;
  s.gos = gos_;
  s.stops = stops_;
  s.wipes = wipes_;
  return s;
}

Result<Bytes> IdeKmResponder::Handle(const spdm::responder::VendorRequest& request) {
  if (!request.session_id) {
    return Fail(Errc::kInvalidArgument, "ide_km: keys travel only inside a secure session");
  }
  CCGPU_ASSIGN_OR_RETURN(ByteSpan object, idekm::UnwrapPayload(request.payload));
  CCGPU_ASSIGN_OR_RETURN(idekm::Message m, idekm::Parse(object));
  CCGPU_ASSIGN_OR_RETURN(Bytes reply, Serve(m));
  return idekm::WrapPayload(reply);
}

Result<Bytes> IdeKmResponder::Serve(idekm::Message& m) {
  std::lock_guard lock(mu_);
  if (auto* q = std::get_if<idekm::Query>(&m)) {
    if (q->port_index > kMaxPortIndex) return Fail(Errc::kInvalidArgument, "ide_km: QUERY for a port this device lacks");
    const Bytes cap = CapabilityLocked();
    const uint32_t rid = device_.Pci().function_id();  // bus << 8 | dev << 3 | fn
    idekm::QueryResp r;
    r.port_index = q->port_index;
    r.dev_func_num = static_cast<uint8_t>(rid & 0xFF);
    r.bus_num = static_cast<uint8_t>(rid >> 8);
    r.segment = 0;
    r.max_port_index = kMaxPortIndex;
    r.ide_capability = cap;
    return idekm::Serialize(r);
  }
  if (auto* k = std::get_if<idekm::KeyProg>(&m)) {
    idekm::KpAck ack;
    ack.stream_id = k->stream_id;
    ack.key_sub_stream = k->key_sub_stream;
    ack.port_index = k->port_index;
    const uint8_t key_set = k->key_sub_stream & idekm::kKeySetMask;
    const Lane lane = LaneOf(k->stream_id, k->key_sub_stream);
    auto used = in_use_.find(lane);
    if (k->port_index != kPortIndex) {
      ack.status = idekm::KpAckStatus::kUnsupportedPortIndex;
    } else if (!ValidSubStream(k->key_sub_stream) || (k->key_sub_stream & 0x0C) != 0) {
      ack.status = idekm::KpAckStatus::kUnsupportedValue;
    } else if (used != in_use_.end() && used->second == key_set) {
      ack.status = idekm::KpAckStatus::kUnsupportedValue;  // the key set in use is not reprogrammed
    } else {
      keys_[{lane, key_set}] = KeySlot{std::move(k->key), k->ifv};
      ++key_progs_;
    }
    return idekm::Serialize(ack);
  }
  if (auto* c = std::get_if<idekm::KeySetCommand>(&m)) {
    if (c->object == idekm::ObjectId::kKSetGoStopAck) {
      return Fail(Errc::kUnsupported, "ide_km: K_GOSTOP_ACK is a response");
    }
    if (c->port_index != kPortIndex || !ValidSubStream(c->key_sub_stream)) {
      return Fail(Errc::kInvalidArgument, "ide_km: K_SET for a port or sub-stream this device lacks");
    }
    const uint8_t key_set = c->key_sub_stream & idekm::kKeySetMask;
    const Lane lane = LaneOf(c->stream_id, c->key_sub_stream);
    if (c->object == idekm::ObjectId::kKSetGo) {
      if (keys_.count({lane, key_set}) == 0) {
        return Fail(Errc::kInvalidArgument, "ide_km: K_SET_GO for a key set never programmed");
      }
      in_use_[lane] = key_set;
      ++gos_;
    } else {
      auto used = in_use_.find(lane);
      if (used != in_use_.end() && used->second == key_set) in_use_.erase(used);
      keys_.erase({lane, key_set});
      ++stops_;
    }
    idekm::KeySetCommand ack = *c;
    ack.object = idekm::ObjectId::kKSetGoStopAck;
    return idekm::Serialize(ack);
  }
  return Fail(Errc::kUnsupported, "ide_km: QUERY_RESP / KP_ACK are responses");
}

Result<Bytes> PciSigProtocols::Handle(const spdm::responder::VendorRequest& request) {
  if (request.payload.empty()) return Fail(Errc::kMalformed, "pci-sig: VENDOR_DEFINED payload lacks the protocol ID");
  switch (request.payload[0]) {
    case spdm::tdisp::kProtocolIdIdeKm:
      if (ide_km_) return ide_km_->Handle(request);
      break;
    case spdm::tdisp::kProtocolIdTdisp:
      if (tdisp_) return tdisp_->Handle(request);
      break;
    default:
      break;
  }
  return Fail(Errc::kUnsupported, "pci-sig: no handler for this protocol ID");
}

}  // namespace ccgpu::gpu::tdisp
