// Guest side of one sealed command channel to one device (libccgpu's
// "driver extension" data path, issue 6).
//
// A DeviceChannel owns the four host-visible regions of the channel (named
// POSIX shared memory: command ring, completion ring, H2D data ring, D2H data
// ring), which it creates and formats itself, and the guest ends of every
// stream, all derived from the SPDM session's export master secret (EMS):
//   commands     RecordSender   {channel, kCommand, 0}     (record.h)
//   completions  RecordReceiver {channel, kCompletion, 0}
//   H2D data     StreamSealer   {channel, kHostToDevice, 0} (stream.h)
//   D2H data     StreamOpener   {channel, kDeviceToHost, 0}
// Only ciphertext and sealed records are ever written to those regions.
//
// Opening: the guest sends the OPEN_CHANNEL control message (channel/
// control.h) inside its SPDM session — either through `Open(call)` with a
// function that sends a VENDOR_DEFINED request in the session, or by sending
// `OpenChannelMessage()` itself and handing the response to
// `AcceptOpenResponse`. The device maps the regions by name, derives the same
// keys and starts its executor (src/gpu/engine). Then SET_READY (after
// attestation was verified) lets the device accept work.
//
// Every operation is synchronous: it seals its command, moves its data
// through the rings (sealing/opening chunks on a WorkerPool in parallel with
// the device — a pipeline bounded by the ring), and returns when the
// device's sealed completion for it has been opened.
//
// Errors (precise Errc): the device's own code from the completion
// (kNotReady before SET_READY, kNotFound for an unknown handle, kOutOfRange
// for a range outside its allocation, kResourceExhausted when device memory
// is full, kInvalidArgument for kernel arguments that do not fit, kStateError
// for a peer copy without a peer key, …); for transfers a TransferError with
// the code (kAuthFailed, kReplay, kMalformed, kTimeout) and the index of the
// first failing chunk; kChannelBroken once a command or completion record
// was tampered with, dropped or timed out — record channels are strictly
// ordered, so such a channel is dead and a new one must be opened. A failed
// data transfer leaves the channel usable: retry the copy.
//
// Thread-safety: all methods may be called from any thread; calls on one
// channel are serialised by an internal mutex (one operation at a time;
// concurrency comes from the worker threads inside each operation). The
// runtime's streams are built on top.
#ifndef CCGPU_RUNTIME_DEVICE_CHANNEL_H_
#define CCGPU_RUNTIME_DEVICE_CHANNEL_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "channel/commands.h"
#include "channel/control.h"
#include "channel/stream.h"
#include "channel/transfer.h"

namespace ccgpu::runtime {

using channel::DeviceRange;
using channel::LaunchArg;
using channel::TransferError;

// Sends one VENDOR_DEFINED request inside the device's SPDM session and
// returns the response payload (e.g. spdm::requester::Requester::VendorDefined
// bound to the session id).
using VendorCall =
    std::function<Result<Bytes>(uint16_t standard_id, ByteSpan vendor_id, ByteSpan payload)>;

// Result of a copy: the error and the first failing chunk.
using TransferStatus = tl::expected<void, TransferError>;
// The plain Error of a TransferStatus (drops the chunk index).
Status ToStatus(const TransferStatus& s);

struct DeviceChannelOptions {
  uint32_t channel_id = 1;
  channel::ChannelGeometry geometry;      // ring sizes (sent in OPEN_CHANNEL)
  // The largest chunk (≤ geometry.max_chunk()); transfers of only a few
  // chunks are cut smaller (channel::ChunkSizeFor).
  uint32_t chunk_size = 256 * 1024;
  std::size_t threads = 2;                // sealing/opening threads, caller included
  channel::RotationPolicy rotation;       // key rotation limits (both ends)
  std::chrono::milliseconds timeout{30000};  // per operation
  // Prefix of the region names; empty: "/ccgpu-<pid>-<random>". Each region
  // is "<prefix>-cmd", "-cpl", "-h2d", "-d2h".
  std::string shm_prefix;
};

// Launch argument helpers.
LaunchArg BufferArg(const DeviceRange& r);
LaunchArg U64Arg(uint64_t v);
LaunchArg F32Arg(float v);

// One small copy of a batch.
struct HostToDeviceCopy {
  DeviceRange dst;
  ByteSpan data;  // dst.length bytes
};
struct DeviceToHostCopy {
  DeviceRange src;
  std::span<uint8_t> out;  // src.length bytes
};

class DeviceChannel {
 public:
  // Creates and formats the four named regions and derives the guest's keys
  // from `ems` (which is copied). kInvalidArgument for an empty EMS, a
  // chunk size of 0 or above the data slots, threads == 0, a rotation
  // policy whose key cannot hold one chunk or whose epoch_window is smaller
  // than (ring depth / chunks per key) + 2 (chunks sealed ahead of the
  // receiver must still open); kOutOfRange for a
  // geometry CheckGeometry refuses; kBusy/kIo from shm.
  static Result<std::unique_ptr<DeviceChannel>> Create(ByteSpan ems,
                                                       const DeviceChannelOptions& options);
  ~DeviceChannel();
  DeviceChannel(const DeviceChannel&) = delete;
  DeviceChannel& operator=(const DeviceChannel&) = delete;

  // ---- control (inside the SPDM session) ----
  const channel::OpenChannelRequest& open_request() const;
  // The OPEN_CHANNEL VENDOR_DEFINED payload (StandardID kControlStandardId,
  // VendorID kControlVendorId).
  Bytes OpenChannelMessage() const;
  // Checks the device's OPEN_CHANNEL response; the device's Errc if it
  // refused; kMalformed for a bad response.
  Status AcceptOpenResponse(ByteSpan response_payload);
  // Both of the above through `call`.
  Status Open(const VendorCall& call);
  // SET_READY (per device, not per channel): the device accepts work after it.
  static Status SetReady(const VendorCall& call);
  // CLOSE_CHANNEL: the device stops this channel's executor and frees its
  // allocations (scrubbed). The channel is unusable afterwards.
  Status Close(const VendorCall& call);

  // From the OPEN_CHANNEL response (0 before it).
  uint32_t device_index() const;
  uint64_t protected_memory_bytes() const;

  // ---- sealed commands ----
  // A fresh device allocation of `size` bytes (> 0): its handle.
  // kResourceExhausted when no range fits; kInvalidArgument for size 0.
  Result<uint64_t> Alloc(uint64_t size);
  // Frees (and the device scrubs) an allocation. kNotFound for an unknown handle.
  Status Free(uint64_t handle);
  // data.size() must equal dst.length. The device verifies every chunk
  // before its bytes count; on failure the destination range is poisoned
  // and the error names the chunk.
  TransferStatus CopyToDevice(const DeviceRange& dst, ByteSpan data);
  // out.size() must equal src.length.
  TransferStatus CopyFromDevice(const DeviceRange& src, std::span<uint8_t> out);
  // Many small copies as one sealed transfer (at most channel::kMaxBatchBytes
  // in total and kMaxBatchRanges copies).
  TransferStatus CopyToDeviceBatch(std::span<const HostToDeviceCopy> copies);
  TransferStatus CopyFromDeviceBatch(std::span<const DeviceToHostCopy> copies);
  // Runs a kernel of src/gpu/kernels (saxpy, gemm_f32, bias_relu_f32,
  // relu_f32, softmax_f32, checksum) on the device; buffer arguments are
  // ranges of allocations. kNotFound (unknown kernel), kInvalidArgument
  // (shapes do not fit the buffers), kOutOfRange (range outside allocation).
  Status Launch(std::string_view kernel, std::span<const LaunchArg> args);
  // Returns once every earlier command has completed on the device.
  Status Fence();
  // Installs the per-pair link key on this device (the guest sends the same
  // key to both GPUs of the pair). `key` must be channel::kPeerKeySize bytes.
  Status SetPeerKey(uint32_t peer_device, uint32_t link_id, const SecretBytes& key);
  // GPU↔GPU: `src_channel`'s device seals src into the link, `dst_channel`'s
  // device opens it into dst (same length). Both need the link key.
  static TransferStatus PeerCopy(DeviceChannel& src_channel, const DeviceRange& src,
                                 DeviceChannel& dst_channel, const DeviceRange& dst);
  // The two halves of a peer copy, for callers that sequence the devices
  // themselves: PeerSend on the source GPU's channel, PeerReceive on the
  // destination's, with the same unique `transfer_id` and ranges. The link
  // holds only its ring's slots (16 chunks of at most 256 KiB by default), so
  // a larger PeerSend returns only once the receiver drained the link.
  TransferStatus PeerSend(uint32_t dst_device, uint64_t transfer_id, const DeviceRange& src,
                          const DeviceRange& dst);
  TransferStatus PeerReceive(uint32_t src_device, uint64_t transfer_id, const DeviceRange& src,
                             const DeviceRange& dst);

  // ---- for tests and the hostile-host harness ----
  // false once a record was rejected (the channel is dead).
  bool healthy() const;
  // The host-visible bytes of each region (what the host can see/change).
  std::span<uint8_t> command_region() const;
  std::span<uint8_t> completion_region() const;
  std::span<uint8_t> h2d_region() const;
  std::span<uint8_t> d2h_region() const;

  struct State;

 private:
  explicit DeviceChannel(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// A fresh random peer-link key (kPeerKeySize bytes).
Result<SecretBytes> NewPeerKey();

}  // namespace ccgpu::runtime

#endif  // CCGPU_RUNTIME_DEVICE_CHANNEL_H_
