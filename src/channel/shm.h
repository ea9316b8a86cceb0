// Shared memory that the host can map: the bounce buffers and rings of the
// data path live here. Everything in a SharedRegion is visible to and
// changeable by the (untrusted) host: only ciphertext and sealed records may
// ever be written to it.
#ifndef CCGPU_CHANNEL_SHM_H_
#define CCGPU_CHANNEL_SHM_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"

namespace ccgpu::channel {

// A mapping of a POSIX shared-memory object (memfd or /dev/shm name).
// Move-only; unmaps and closes on destruction. A region created with a name
// is unlinked by its creator on destruction.
class SharedRegion {
 public:
  // Creates an anonymous region (memfd) of `size` bytes, zero-filled.
  // kInvalidArgument for size 0, kIo if the kernel refuses.
  static Result<SharedRegion> CreateAnonymous(std::size_t size,
                                              const char* debug_name);
  // Creates a named region ("/ccgpu-…", shm_open semantics), zero-filled;
  // kBusy if the name exists.
  static Result<SharedRegion> CreateNamed(const std::string& name,
                                          std::size_t size);
  // Maps an existing named region (another process created it).
  static Result<SharedRegion> OpenNamed(const std::string& name);
  // Maps a region from a file descriptor received from another process;
  // takes ownership of `fd`.
  static Result<SharedRegion> FromFd(int fd);

  SharedRegion(SharedRegion&& other) noexcept;
  SharedRegion& operator=(SharedRegion&& other) noexcept;
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;
  ~SharedRegion();

  std::span<uint8_t> bytes() const { return {base_, size_}; }
  std::size_t size() const { return size_; }
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

 private:
  SharedRegion(int fd, uint8_t* base, std::size_t size, std::string name,
               bool owner)
      : fd_(fd), base_(base), size_(size), name_(std::move(name)), owner_(owner) {}
  void Reset();

  int fd_ = -1;
  uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  std::string name_;
  bool owner_ = false;
};

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_SHM_H_
