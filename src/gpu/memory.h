// Device memory of the emulated GPU.
//
// ProtectedMemory: the GPU's own memory (default 1 GiB), reserved with
// mmap(MAP_NORESERVE) so pages are allocated only when first written; only
// the device's engines touch it. Scrub() returns every page to the kernel
// (MADV_DONTNEED), so it reads back as zero.
//
// Host-mappable shared regions are channel::SharedRegion (channel/shm.h).
#ifndef CCGPU_GPU_MEMORY_H_
#define CCGPU_GPU_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::gpu {

class ProtectedMemory {
 public:
  // Reserves `size` bytes (page-rounded). kResourceExhausted if mmap fails,
  // kInvalidArgument for size 0.
  static Result<ProtectedMemory> Create(std::size_t size);
  ProtectedMemory(ProtectedMemory&& other) noexcept;
  ProtectedMemory& operator=(ProtectedMemory&& other) noexcept;
  ProtectedMemory(const ProtectedMemory&) = delete;
  ProtectedMemory& operator=(const ProtectedMemory&) = delete;
  ~ProtectedMemory();

  std::size_t size() const { return size_; }
  // [offset, offset+length) inside the memory; kOutOfRange otherwise.
  Result<std::span<uint8_t>> Range(uint64_t offset, uint64_t length);
  // Zeroes everything (pages are released; they read back as zero).
  Status Scrub();

 private:
  ProtectedMemory(uint8_t* base, std::size_t size) : base_(base), size_(size) {}
  uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_MEMORY_H_
