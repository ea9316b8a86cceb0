// The GPU↔GPU link (an NVLink stand-in): one host-visible ring per
// (link id, direction), in named POSIX shared memory so the host (and the
// tamper tests) can map it. Only ciphertext sealed by the source GPU with the
// per-pair key the guest installed ever goes in; the destination GPU opens it.
//
// The hub is device-side state shared by the executors of the GPUs in one
// process (gpud serves every GPU of a state directory): it owns the link
// regions and each ring's send and receive cursors (ring tickets), so both
// ends stay in step across transfers without trusting anything in shared
// memory. Thread-safe.
#ifndef CCGPU_GPU_ENGINE_PEER_LINK_H_
#define CCGPU_GPU_ENGINE_PEER_LINK_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "base/result.h"
#include "channel/ring.h"
#include "channel/shm.h"

namespace ccgpu::gpu::engine {

struct PeerLinkOptions {
  uint32_t slot_count = 16;
  uint32_t max_chunk = 256 * 1024;  // slot payload = max_chunk + kChunkOverhead
  // Region names: "<prefix>-<link>-<from>to<to>"; empty: "/ccgpu-link-<pid>".
  std::string name_prefix;
};

class PeerLinkHub {
 public:
  struct Link {
    channel::SharedRegion region;
    channel::SlotRing ring;
    std::atomic<uint64_t> send_next{0};  // source GPU's next ticket
    std::atomic<uint64_t> recv_next{0};  // destination GPU's next ticket
    Link(channel::SharedRegion r, channel::SlotRing g) : region(std::move(r)), ring(g) {}
  };

  explicit PeerLinkHub(PeerLinkOptions options = {});
  // The ring carrying `link_id` from GPU `from` to GPU `to`, created (and
  // formatted) on first use. kBusy/kIo from shm.
  Result<Link*> Get(uint32_t link_id, uint32_t from, uint32_t to);
  // The region's name for the host/tests; empty if not created yet.
  std::string RegionName(uint32_t link_id, uint32_t from, uint32_t to) const;
  uint32_t max_chunk() const { return options_.max_chunk; }

 private:
  PeerLinkOptions options_;
  mutable std::mutex mu_;
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, std::unique_ptr<Link>> links_;
};

}  // namespace ccgpu::gpu::engine

#endif  // CCGPU_GPU_ENGINE_PEER_LINK_H_
