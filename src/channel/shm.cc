#include "channel/shm.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace ccgpu::channel {
namespace {

Result<uint8_t*> Map(int fd, std::size_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return Fail(Errc::kIo, "shm: mmap failed");
  return static_cast<uint8_t*>(p);
}

}  // namespace

Result<SharedRegion> SharedRegion::CreateAnonymous(std::size_t size,
                                                   const char* debug_name) {
  if (size == 0) return Fail(Errc::kInvalidArgument, "shm: size must be > 0");
  const int fd = memfd_create(debug_name, MFD_CLOEXEC);
  if (fd < 0) return Fail(Errc::kIo, "shm: memfd_create failed");
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    close(fd);
    return Fail(Errc::kIo, "shm: ftruncate failed");
  }
  auto base = Map(fd, size);
  if (!base) {
    close(fd);
    return tl::unexpected(base.error());
  }
  return SharedRegion(fd, *base, size, "", false);
}

Result<SharedRegion> SharedRegion::CreateNamed(const std::string& name,
                                               std::size_t size) {
  if (size == 0) return Fail(Errc::kInvalidArgument, "shm: size must be > 0");
  if (name.size() < 2 || name[0] != '/' ||
      name.find('/', 1) != std::string::npos) {
    return Fail(Errc::kInvalidArgument, "shm: name must be /NAME");
  }
  const int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(errno == EEXIST ? Errc::kBusy : Errc::kIo, "shm: shm_open(create) failed");
  }
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    close(fd);
    shm_unlink(name.c_str());
    return Fail(Errc::kIo, "shm: ftruncate failed");
  }
  auto base = Map(fd, size);
  if (!base) {
    close(fd);
    shm_unlink(name.c_str());
    return tl::unexpected(base.error());
  }
  return SharedRegion(fd, *base, size, name, true);
}

Result<SharedRegion> SharedRegion::OpenNamed(const std::string& name) {
  const int fd = shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) return Fail(Errc::kNotFound, "shm: no region of that name");
  return FromFd(fd);
}

Result<SharedRegion> SharedRegion::FromFd(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    return Fail(Errc::kIo, "shm: fstat failed or region empty");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  auto base = Map(fd, size);
  if (!base) {
    close(fd);
    return tl::unexpected(base.error());
  }
  return SharedRegion(fd, *base, size, "", false);
}

SharedRegion::SharedRegion(SharedRegion&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      name_(std::move(other.name_)),
      owner_(std::exchange(other.owner_, false)) {}

SharedRegion& SharedRegion::operator=(SharedRegion&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = std::exchange(other.fd_, -1);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    name_ = std::move(other.name_);
    owner_ = std::exchange(other.owner_, false);
  }
  return *this;
}

SharedRegion::~SharedRegion() { Reset(); }

void SharedRegion::Reset() {
  if (base_ != nullptr) munmap(base_, size_);
  if (fd_ >= 0) close(fd_);
  if (owner_ && !name_.empty()) shm_unlink(name_.c_str());
  base_ = nullptr;
  fd_ = -1;
  size_ = 0;
  owner_ = false;
}

}  // namespace ccgpu::channel
