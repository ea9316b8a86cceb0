#include "gpu/engine/allocator.h"

namespace ccgpu::gpu::engine {

Result<uint64_t> DeviceAllocator::Alloc(uint32_t owner, uint64_t size) {
  if (size == 0) return Fail(Errc::kInvalidArgument, "alloc: size 0");
  if (size > size_) return Fail(Errc::kResourceExhausted, "alloc: larger than device memory");
  const uint64_t reserved = (size + kAllocAlignment - 1) / kAllocAlignment * kAllocAlignment;
  std::lock_guard<std::mutex> lock(mu_);
  // First fit: walk the gaps between used ranges in address order.
  uint64_t cursor = 0;
  for (const auto& [offset, len] : used_) {
    if (offset - cursor >= reserved) break;
    cursor = offset + len;
  }
  if (cursor > size_ || size_ - cursor < reserved) {
    return Fail(Errc::kResourceExhausted, "alloc: no free range of device memory is large enough");
  }
  used_.emplace(cursor, reserved);
  const uint64_t handle = next_handle_++;
  by_handle_.emplace(handle, Allocation{owner, cursor, size});
  return handle;
}

Result<MemorySpan> DeviceAllocator::Free(uint32_t owner, uint64_t handle) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_handle_.find(handle);
  if (it == by_handle_.end() || it->second.owner != owner) {
    return Fail(Errc::kNotFound, "free: no such allocation on this channel");
  }
  const MemorySpan span{it->second.offset, used_.at(it->second.offset)};
  used_.erase(it->second.offset);
  by_handle_.erase(it);
  return span;
}

std::vector<MemorySpan> DeviceAllocator::FreeAll(uint32_t owner) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MemorySpan> out;
  for (auto it = by_handle_.begin(); it != by_handle_.end();) {
    if (it->second.owner != owner) {
      ++it;
      continue;
    }
    out.push_back({it->second.offset, used_.at(it->second.offset)});
    used_.erase(it->second.offset);
    it = by_handle_.erase(it);
  }
  return out;
}

void DeviceAllocator::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  by_handle_.clear();
  used_.clear();
}

Result<MemorySpan> DeviceAllocator::Resolve(uint32_t owner, const channel::DeviceRange& range) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_handle_.find(range.handle);
  if (it == by_handle_.end() || it->second.owner != owner) {
    return Fail(Errc::kNotFound, "device range: no such allocation on this channel");
  }
  const Allocation& a = it->second;
  if (range.offset > a.size || range.length > a.size - range.offset) {
    return Fail(Errc::kOutOfRange, "device range: passes the end of its allocation");
  }
  return MemorySpan{a.offset + range.offset, range.length};
}

uint64_t DeviceAllocator::bytes_in_use() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t sum = 0;
  for (const auto& [offset, len] : used_) sum += len;
  return sum;
}

std::size_t DeviceAllocator::allocation_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_handle_.size();
}

}  // namespace ccgpu::gpu::engine
