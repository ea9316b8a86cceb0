// The ccgpu control protocol: how the guest opens a sealed command channel
// on a device, inside an SPDM secure session, as VENDOR_DEFINED messages
// (DSP0274 1.2 §10.14 VENDOR_DEFINED_REQUEST/RESPONSE).
//
// Ids: StandardID 4 (IANA, DSP0274 Table "Standards body ID"), VendorID the
// IANA Private Enterprise Number 32473 (RFC 5612: reserved for examples and
// documentation — ccgpu has no registered PEN; a deployment would put its
// own here), 4 bytes little-endian as every SPDM integer: D9 7E 00 00.
//
// Payload (all integers little-endian):
//   request  = version u8 (=1) || code u8 || body
//   response = version u8 (=1) || code|0x80 u8 || status u16 (0 = ok, else
//              an Errc value) || body (only when status is 0)
// Codes:
//   0x01 OPEN_CHANNEL   body: channel_id u32 || 4 × ring geometry
//                       {slot_count u32, slot_payload u32} in the order
//                       command, completion, H2D data, D2H data || rotation
//                       {max_units_per_key u64, max_records_per_key u64,
//                       epoch_window u32} || 4 × shm name (u8-prefixed, same
//                       order)
//                       response body: device_index u32 ||
//                       protected_memory_bytes u64
//   0x02 SET_READY      body: empty (the guest verified the device)
//   0x03 CLOSE_CHANNEL  body: channel_id u32
// Each body ends exactly (extra bytes: kTrailingData). The geometry is the
// guest's (trusted) configuration: the device attaches the rings with it
// and never reads geometry from shared memory.
#ifndef CCGPU_CHANNEL_CONTROL_H_
#define CCGPU_CHANNEL_CONTROL_H_

#include <array>
#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "channel/stream.h"

namespace ccgpu::channel {

inline constexpr uint16_t kControlStandardId = 4;  // IANA
inline constexpr std::array<uint8_t, 4> kControlVendorId = {0xD9, 0x7E, 0x00, 0x00};  // PEN 32473
inline constexpr uint8_t kControlVersion = 1;

enum class ControlCode : uint8_t {
  kOpenChannel = 0x01,
  kSetReady = 0x02,
  kCloseChannel = 0x03,
};

struct RingGeometry {
  uint32_t slot_count = 0;    // power of two
  uint32_t slot_payload = 0;  // bytes per slot
  friend bool operator==(const RingGeometry&, const RingGeometry&) = default;
};

// The four rings of a channel. Defaults: 64 command/completion slots of
// 8 KiB, 16 data slots of 256 KiB + chunk overhead each way.
struct ChannelGeometry {
  RingGeometry command{64, 8192};
  RingGeometry completion{64, 8192};
  RingGeometry h2d{16, 256 * 1024 + static_cast<uint32_t>(kChunkOverhead)};
  RingGeometry d2h{16, 256 * 1024 + static_cast<uint32_t>(kChunkOverhead)};
  // The largest data chunk the data rings carry.
  uint32_t max_chunk() const;
  friend bool operator==(const ChannelGeometry&, const ChannelGeometry&) = default;
};

// Limits a device accepts (kOutOfRange beyond them): slot_count a power of
// two in [2, 4096], command/completion slot_payload in [64, 64 KiB], data
// slot_payload in [kChunkOverhead + 16, 16 MiB + kChunkOverhead].
Status CheckGeometry(const ChannelGeometry& g);
// A POSIX shm name ccgpu accepts: "/ccgpu-" then 1..200 of [A-Za-z0-9._-].
// kInvalidArgument otherwise.
Status CheckShmName(std::string_view name);

struct OpenChannelRequest {
  uint32_t channel_id = 0;
  ChannelGeometry geometry;
  RotationPolicy rotation;
  std::string command_shm, completion_shm, h2d_shm, d2h_shm;
  friend bool operator==(const OpenChannelRequest& a, const OpenChannelRequest& b) {
    return a.channel_id == b.channel_id && a.geometry == b.geometry &&
           a.rotation.max_units_per_key == b.rotation.max_units_per_key &&
           a.rotation.max_records_per_key == b.rotation.max_records_per_key &&
           a.rotation.epoch_window == b.rotation.epoch_window && a.command_shm == b.command_shm &&
           a.completion_shm == b.completion_shm && a.h2d_shm == b.h2d_shm && a.d2h_shm == b.d2h_shm;
  }
};
struct OpenChannelResponse {
  uint32_t device_index = 0;
  uint64_t protected_memory_bytes = 0;
  friend bool operator==(const OpenChannelResponse&, const OpenChannelResponse&) = default;
};

// A decoded control request.
struct ControlRequest {
  ControlCode code = ControlCode::kSetReady;
  OpenChannelRequest open;    // kOpenChannel
  uint32_t channel_id = 0;    // kCloseChannel
};

// Encoders: kInvalidArgument for a name that CheckShmName refuses or a
// geometry CheckGeometry refuses.
Result<Bytes> EncodeOpenChannel(const OpenChannelRequest& req);
Bytes EncodeSetReady();
Bytes EncodeCloseChannel(uint32_t channel_id);

// Request decoder (device side): kTruncated, kTrailingData; kUnsupported
// for another version or an unknown code; kOutOfRange / kInvalidArgument for
// geometry or names out of limits; kMalformed for a zero rotation limit.
Result<ControlRequest> DecodeControlRequest(ByteSpan payload);

// Response encoder (device side): status 0 with `body`, or an error code
// (body dropped).
Bytes EncodeControlResponse(ControlCode code, Errc status, ByteSpan body = {});
Bytes EncodeOpenChannelResponse(const OpenChannelResponse& r);

// Response decoder (guest side): the body for status 0; the device's Errc
// (with a fixed context) otherwise; kMalformed if the code does not answer
// `expected`; kUnsupported for another version.
Result<Bytes> DecodeControlResponse(ControlCode expected, ByteSpan payload);
Result<OpenChannelResponse> DecodeOpenChannelResponse(ByteSpan body);

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_CONTROL_H_
