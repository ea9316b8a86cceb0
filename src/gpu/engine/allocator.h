// Allocator over one device's protected memory: allocations named by
// handle (never reused while the device is up), each owned by the channel
// that made it, placed first-fit at 256-byte alignment without overlap.
// The allocator only does the bookkeeping; the executor scrubs freed ranges.
//
// Thread-safety: every method may be called from any thread.
#ifndef CCGPU_GPU_ENGINE_ALLOCATOR_H_
#define CCGPU_GPU_ENGINE_ALLOCATOR_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "channel/commands.h"

namespace ccgpu::gpu::engine {

inline constexpr uint64_t kAllocAlignment = 256;

// A resolved piece of protected memory: absolute device offset and length.
struct MemorySpan {
  uint64_t offset = 0;
  uint64_t length = 0;
  friend bool operator==(const MemorySpan&, const MemorySpan&) = default;
};

class DeviceAllocator {
 public:
  explicit DeviceAllocator(uint64_t memory_bytes) : size_(memory_bytes) {}

  // A new allocation of `size` bytes for `owner` (a channel id): its handle
  // (≥ 1). kInvalidArgument for size 0; kResourceExhausted if no free range
  // is large enough.
  Result<uint64_t> Alloc(uint32_t owner, uint64_t size);
  // Removes `handle` and returns its span (to scrub). kNotFound if `owner`
  // holds no such handle.
  Result<MemorySpan> Free(uint32_t owner, uint64_t handle);
  // Removes every allocation of `owner`; their spans (to scrub).
  std::vector<MemorySpan> FreeAll(uint32_t owner);
  // Forgets everything (after a device reset scrubbed memory). Handles
  // keep increasing.
  void Clear();
  // The absolute span of `range` within `owner`'s allocation. kNotFound for
  // an unknown handle (or another owner's), kOutOfRange if offset + length
  // passes the allocation's end (overflow-checked).
  Result<MemorySpan> Resolve(uint32_t owner, const channel::DeviceRange& range) const;

  uint64_t memory_bytes() const { return size_; }
  uint64_t bytes_in_use() const;
  std::size_t allocation_count() const;

 private:
  struct Allocation {
    uint32_t owner;
    uint64_t offset;
    uint64_t size;
  };
  mutable std::mutex mu_;
  const uint64_t size_;
  uint64_t next_handle_ = 1;
  std::map<uint64_t, Allocation> by_handle_;
  std::map<uint64_t, uint64_t> used_;  // offset → reserved size (aligned), sorted
};

}  // namespace ccgpu::gpu::engine

#endif  // CCGPU_GPU_ENGINE_ALLOCATOR_H_
