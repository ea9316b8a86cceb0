// The device side of one sealed command channel: a thread that opens the
// guest's command records (RecordReceiver, strictly ordered), executes them
// against the device, and seals a completion for each (RecordSender).
//
// Commands (channel/commands.h):
//   alloc / free       DeviceAllocator over protected memory; free scrubs.
//   copy H2D           ReceiveSealed straight into protected memory (inside
//                      Device::WithEngineRange); every chunk's tag is
//                      verified before its bytes count; on failure the range
//                      is poisoned and the completion carries the error and
//                      the failing chunk index (payload u64 LE). The data
//                      ring is always drained to the transfer's end, so the
//                      channel stays usable for a retry.
//   copy D2H           SendSealed from protected memory. If the copy is
//                      refused, empty slots are published so the guest's
//                      receive ends at once; the completion says why.
//   batch H2D / D2H    many small ranges as one sealed transfer.
//   launch             gpu/kernels registry; buffer args resolved to
//                      protected memory through the allocator (bounds
//                      checked), shapes checked by the kernel.
//   fence              completes after every earlier command (commands run
//                      in order).
//   set peer key       installs the per-pair link key (48 bytes) for a peer GPU.
//   peer copy/receive  the source seals into the PeerLinkHub ring with the
//                      link key; the destination opens it into its memory.
// Completion payloads: alloc → handle u64 LE; transfer failures → failing
// chunk index u64 LE; otherwise empty.
//
// Refusals: every command before Device::ready() completes with kNotReady
// (copies still drain/fill their ring slots). A rejected command record
// (forged, altered, replayed, reordered, dropped: kAuthFailed, kReplay,
// kMalformed) is answered with one last completion carrying that code for
// the expected sequence number and the 1-byte payload 0x01 (channel
// closed), and the channel dies: keys are dropped, no
// later record is read. A device reset (reset listener) or Kill() also kills
// the channel.
//
// Trust: everything in the four regions is host-controlled. Geometry comes
// from the OPEN_CHANNEL request (inside the SPDM session), never from shared
// memory.
#ifndef CCGPU_GPU_ENGINE_EXECUTOR_H_
#define CCGPU_GPU_ENGINE_EXECUTOR_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "channel/control.h"
#include "channel/shm.h"
#include "channel/stream.h"
#include "gpu/device.h"
#include "gpu/engine/allocator.h"
#include "gpu/engine/peer_link.h"

namespace ccgpu::gpu::engine {

struct ExecutorConfig {
  uint32_t channel_id = 0;
  channel::ChannelGeometry geometry;
  channel::RotationPolicy rotation;
  std::size_t threads = 2;  // device threads for data and kernels (>= 1)
  std::chrono::milliseconds transfer_timeout{30000};
};

// The channel's four regions as mapped on the device side. Spans must stay
// valid for the executor's lifetime (the executor owns `owned`, if given).
struct ChannelRegions {
  std::span<uint8_t> command, completion, h2d, d2h;
  std::vector<channel::SharedRegion> owned;
};

struct ExecutorStats {
  uint64_t commands = 0;          // records opened
  uint64_t refused_not_ready = 0;
  uint64_t failed = 0;            // completions with a non-zero status
};

class ChannelExecutor {
 public:
  // Attaches the rings with `config.geometry` (kMalformed if a region was not
  // formatted with it, kOutOfRange if CheckGeometry refuses it), derives the
  // channel keys from `ems` and starts the executor thread. `allocator`
  // and `links` (may be null: peer commands then fail kUnsupported) must
  // outlive the executor.
  static Result<std::unique_ptr<ChannelExecutor>> Start(Device& device, DeviceAllocator& allocator,
                                                        PeerLinkHub* links, ByteSpan ems,
                                                        const ExecutorConfig& config,
                                                        ChannelRegions regions);
  // Stops the thread, frees (and scrubs) the channel's allocations.
  ~ChannelExecutor();
  ChannelExecutor(const ChannelExecutor&) = delete;
  ChannelExecutor& operator=(const ChannelExecutor&) = delete;

  // Kills the channel: the thread stops reading records and drops the keys.
  // Safe from any thread (the device's reset listener calls it).
  void Kill();
  bool alive() const;
  uint32_t channel_id() const;
  ExecutorStats stats() const;

  struct State;

 private:
  explicit ChannelExecutor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ccgpu::gpu::engine

#endif  // CCGPU_GPU_ENGINE_EXECUTOR_H_
