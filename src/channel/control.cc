#include "channel/control.h"

#include "base/encoding.h"

namespace ccgpu::channel {
namespace {

constexpr uint32_t kMaxSlots = 4096;
constexpr uint32_t kMinRecordSlot = 64;
constexpr uint32_t kMaxRecordSlot = 64 * 1024;
constexpr uint32_t kMinDataSlot = static_cast<uint32_t>(kChunkOverhead) + 16;
constexpr uint32_t kMaxDataSlot = (16u << 20) + static_cast<uint32_t>(kChunkOverhead);
constexpr std::size_t kMaxNameBody = 200;
constexpr std::string_view kNamePrefix = "/ccgpu-";

Status CheckRing(const RingGeometry& r, uint32_t min_payload, uint32_t max_payload) {
  if (r.slot_count < 2 || r.slot_count > kMaxSlots || (r.slot_count & (r.slot_count - 1)) != 0) {
    return Fail(Errc::kOutOfRange, "control: ring slot count must be a power of two in [2, 4096]");
  }
  if (r.slot_payload < min_payload || r.slot_payload > max_payload) {
    return Fail(Errc::kOutOfRange, "control: ring slot payload out of limits");
  }
  return OkStatus();
}

void PutRing(ByteWriter& w, const RingGeometry& r) { w.U32(r.slot_count).U32(r.slot_payload); }

Result<RingGeometry> GetRing(ByteReader& r) {
  RingGeometry g;
  CCGPU_ASSIGN_OR_RETURN(g.slot_count, r.U32("open_channel.ring.slot_count"));
  CCGPU_ASSIGN_OR_RETURN(g.slot_payload, r.U32("open_channel.ring.slot_payload"));
  return g;
}

Result<std::string> GetName(ByteReader& r) {
  CCGPU_ASSIGN_OR_RETURN(ByteSpan raw, r.Prefixed8("open_channel.shm_name"));
  std::string name(raw.begin(), raw.end());
  CCGPU_TRY(CheckShmName(name));
  return name;
}

}  // namespace

uint32_t ChannelGeometry::max_chunk() const {
  const uint32_t slot = std::min(h2d.slot_payload, d2h.slot_payload);
  return slot > kChunkOverhead ? slot - static_cast<uint32_t>(kChunkOverhead) : 0;
}

Status CheckGeometry(const ChannelGeometry& g) {
  CCGPU_TRY(CheckRing(g.command, kMinRecordSlot, kMaxRecordSlot));
  CCGPU_TRY(CheckRing(g.completion, kMinRecordSlot, kMaxRecordSlot));
  CCGPU_TRY(CheckRing(g.h2d, kMinDataSlot, kMaxDataSlot));
  CCGPU_TRY(CheckRing(g.d2h, kMinDataSlot, kMaxDataSlot));
  return OkStatus();
}

Status CheckShmName(std::string_view name) {
  if (name.size() <= kNamePrefix.size() || name.size() > kNamePrefix.size() + kMaxNameBody ||
      name.substr(0, kNamePrefix.size()) != kNamePrefix) {
    return Fail(Errc::kInvalidArgument, "control: shm name must be /ccgpu- followed by 1..200 characters");
  }
  for (char c : name.substr(kNamePrefix.size())) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return Fail(Errc::kInvalidArgument, "control: shm name has a character outside [A-Za-z0-9._-]");
  }
  return OkStatus();
}

Result<Bytes> EncodeOpenChannel(const OpenChannelRequest& req) {
  CCGPU_TRY(CheckGeometry(req.geometry));
  for (const std::string* n : {&req.command_shm, &req.completion_shm, &req.h2d_shm, &req.d2h_shm}) {
    CCGPU_TRY(CheckShmName(*n));
  }
  ByteWriter w(256);
  w.U8(kControlVersion).U8(static_cast<uint8_t>(ControlCode::kOpenChannel)).U32(req.channel_id);
  PutRing(w, req.geometry.command);
  PutRing(w, req.geometry.completion);
  PutRing(w, req.geometry.h2d);
  PutRing(w, req.geometry.d2h);
  w.U64(req.rotation.max_units_per_key).U64(req.rotation.max_records_per_key)
      .U32(req.rotation.epoch_window);
  for (const std::string* n : {&req.command_shm, &req.completion_shm, &req.h2d_shm, &req.d2h_shm}) {
    w.Prefixed8(AsBytes(*n));
  }
  return std::move(w).Finish();
}

Bytes EncodeSetReady() {
  return Bytes{kControlVersion, static_cast<uint8_t>(ControlCode::kSetReady)};
}

Bytes EncodeCloseChannel(uint32_t channel_id) {
  ByteWriter w(8);
  w.U8(kControlVersion).U8(static_cast<uint8_t>(ControlCode::kCloseChannel)).U32(channel_id);
  return *std::move(w).Finish();
}

Result<ControlRequest> DecodeControlRequest(ByteSpan payload) {
  ByteReader r(payload);
  CCGPU_ASSIGN_OR_RETURN(uint8_t version, r.U8("control.version"));
  if (version != kControlVersion) return Fail(Errc::kUnsupported, "control: unsupported version");
  CCGPU_ASSIGN_OR_RETURN(uint8_t code, r.U8("control.code"));
  ControlRequest out;
  out.code = static_cast<ControlCode>(code);
  switch (out.code) {
    case ControlCode::kOpenChannel: {
      OpenChannelRequest& o = out.open;
      CCGPU_ASSIGN_OR_RETURN(o.channel_id, r.U32("open_channel.channel_id"));
      CCGPU_ASSIGN_OR_RETURN(o.geometry.command, GetRing(r));
      CCGPU_ASSIGN_OR_RETURN(o.geometry.completion, GetRing(r));
      CCGPU_ASSIGN_OR_RETURN(o.geometry.h2d, GetRing(r));
      CCGPU_ASSIGN_OR_RETURN(o.geometry.d2h, GetRing(r));
      CCGPU_ASSIGN_OR_RETURN(o.rotation.max_units_per_key, r.U64("open_channel.max_units_per_key"));
      CCGPU_ASSIGN_OR_RETURN(o.rotation.max_records_per_key, r.U64("open_channel.max_records_per_key"));
      CCGPU_ASSIGN_OR_RETURN(o.rotation.epoch_window, r.U32("open_channel.epoch_window"));
      CCGPU_ASSIGN_OR_RETURN(o.command_shm, GetName(r));
      CCGPU_ASSIGN_OR_RETURN(o.completion_shm, GetName(r));
      CCGPU_ASSIGN_OR_RETURN(o.h2d_shm, GetName(r));
      CCGPU_ASSIGN_OR_RETURN(o.d2h_shm, GetName(r));
      CCGPU_TRY(CheckGeometry(o.geometry));
      if (o.rotation.max_units_per_key == 0 || o.rotation.max_records_per_key == 0 ||
          o.rotation.epoch_window == 0) {
        return Fail(Errc::kMalformed, "open_channel: rotation limits must be > 0");
      }
      break;
    }
    case ControlCode::kSetReady:
      break;
    case ControlCode::kCloseChannel: {
      CCGPU_ASSIGN_OR_RETURN(out.channel_id, r.U32("close_channel.channel_id"));
      break;
    }
    default:
      return Fail(Errc::kUnsupported, "control: unknown message code");
  }
  CCGPU_TRY(r.ExpectEnd("control: bytes after the message"));
  return out;
}

Bytes EncodeControlResponse(ControlCode code, Errc status, ByteSpan body) {
  ByteWriter w(16 + body.size());
  w.U8(kControlVersion).U8(static_cast<uint8_t>(code) | 0x80).U16(static_cast<uint16_t>(status));
  if (status == Errc{}) w.Append(body);
  return *std::move(w).Finish();
}

Bytes EncodeOpenChannelResponse(const OpenChannelResponse& resp) {
  ByteWriter w(12);
  w.U32(resp.device_index).U64(resp.protected_memory_bytes);
  return *std::move(w).Finish();
}

Result<Bytes> DecodeControlResponse(ControlCode expected, ByteSpan payload) {
  ByteReader r(payload);
  CCGPU_ASSIGN_OR_RETURN(uint8_t version, r.U8("control_response.version"));
  if (version != kControlVersion) return Fail(Errc::kUnsupported, "control response: unsupported version");
  CCGPU_ASSIGN_OR_RETURN(uint8_t code, r.U8("control_response.code"));
  if (code != (static_cast<uint8_t>(expected) | 0x80)) {
    return Fail(Errc::kMalformed, "control response: answers another request");
  }
  CCGPU_ASSIGN_OR_RETURN(uint16_t status, r.U16("control_response.status"));
  if (status != 0) {
    CCGPU_TRY(r.ExpectEnd("control response: bytes after an error status"));
    return Fail(static_cast<Errc>(status), "control: the device refused the request");
  }
  ByteSpan body = r.rest();
  return Bytes(body.begin(), body.end());
}

Result<OpenChannelResponse> DecodeOpenChannelResponse(ByteSpan body) {
  ByteReader r(body);
  OpenChannelResponse out;
  CCGPU_ASSIGN_OR_RETURN(out.device_index, r.U32("open_channel_response.device_index"));
  CCGPU_ASSIGN_OR_RETURN(out.protected_memory_bytes, r.U64("open_channel_response.memory"));
  CCGPU_TRY(r.ExpectEnd("open_channel_response: bytes after the message"));
  return out;
}

}  // namespace ccgpu::channel
