// The untrusted host between a guest's ring and a device's ring: a relay
// thread that copies every slot of a SlotRing from one shared region into
// another (as a hypervisor's bounce-buffer copy or an IOMMU remap would), and
// that a test or the demo's hostile host scripts to change, drop, replay,
// reorder or truncate what it carries. Nothing it does can break the
// channel's security: it only ever handles host-visible (sealed) bytes.
//
// Threading: one relay thread per object, started by the constructor and
// joined by the destructor; SetScript may be called from any thread.
#ifndef CCGPU_CHANNEL_HOST_RELAY_H_
#define CCGPU_CHANNEL_HOST_RELAY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "channel/ring.h"

namespace ccgpu::channel {

class HostRelay {
 public:
  // What goes out as output slot `out`: the bytes of input slot `input`
  // (-1: an empty slot), changed by `mutate` if set.
  struct Action {
    int64_t input = 0;
    std::function<void(Bytes&)> mutate;
  };
  using Script = std::function<Action(uint64_t out)>;

  // Starts relaying `in` → `out` (identity script when `script` is empty).
  HostRelay(SlotRing in, SlotRing out, Script script = {});
  ~HostRelay();
  HostRelay(const HostRelay&) = delete;
  HostRelay& operator=(const HostRelay&) = delete;

  // Replaces the script; it applies to every output slot not yet emitted.
  void SetScript(Script script);
  // Output slots emitted so far (a slot counts before its reader can see
  // it) / input slots read so far.
  uint64_t emitted() const { return next_out_.load(); }
  uint64_t seen();

  // Scripts.
  // Every slot as it is.
  static Script Identity();
  // Output `target` with byte `byte` XOR `mask` (if the slot is that long).
  static Script Flip(uint64_t target, std::size_t byte, uint8_t mask);
  // Output o carries input remap[o] when listed (replay, reorder, drop by
  // repeating), output `truncate_at` loses its last byte.
  static Script Map(std::map<uint64_t, int64_t> remap, uint64_t truncate_at = UINT64_MAX);

 private:
  void Run();
  // Reads input slots until `input` is in the history; false once stopped.
  bool ReadUpTo(int64_t input);

  SlotRing in_, out_;
  std::mutex mu_;
  Script script_;
  std::vector<Bytes> history_;
  std::atomic<uint64_t> next_out_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_HOST_RELAY_H_
