#include "gpu/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <utility>

namespace ccgpu::gpu {
namespace {
std::size_t PageRound(std::size_t n) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}
}  // namespace

Result<ProtectedMemory> ProtectedMemory::Create(std::size_t size) {
  if (size == 0) return Fail(Errc::kInvalidArgument, "memory: size must be positive");
  const std::size_t rounded = PageRound(size);
  void* p = ::mmap(nullptr, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return Fail(Errc::kResourceExhausted, "memory: cannot reserve protected memory");
  return ProtectedMemory(static_cast<uint8_t*>(p), size);
}

ProtectedMemory::ProtectedMemory(ProtectedMemory&& o) noexcept
    : base_(std::exchange(o.base_, nullptr)), size_(std::exchange(o.size_, 0)) {}

ProtectedMemory& ProtectedMemory::operator=(ProtectedMemory&& o) noexcept {
  if (this != &o) {
    if (base_ != nullptr) ::munmap(base_, PageRound(size_));
    base_ = std::exchange(o.base_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

ProtectedMemory::~ProtectedMemory() {
  if (base_ != nullptr) ::munmap(base_, PageRound(size_));
}

Result<std::span<uint8_t>> ProtectedMemory::Range(uint64_t offset, uint64_t length) {
  if (offset > size_ || length > size_ - offset) return Fail(Errc::kOutOfRange, "memory: range outside protected memory");
  return std::span<uint8_t>(base_ + offset, static_cast<std::size_t>(length));
}

Status ProtectedMemory::Scrub() {
  if (::madvise(base_, PageRound(size_), MADV_DONTNEED) != 0) {
    return Fail(Errc::kDeviceError, "memory: scrub failed");
  }
  return OkStatus();
}

}  // namespace ccgpu::gpu
