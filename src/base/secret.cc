#include "base/secret.h"

#include <string.h>  // explicit_bzero (glibc)

#include <algorithm>

namespace ccgpu {

void SecureWipe(void* data, std::size_t size) {
  if (data != nullptr && size != 0) explicit_bzero(data, size);
}

SecretBytes::SecretBytes(std::size_t size)
    : data_(size ? std::make_unique<uint8_t[]>(size) : nullptr), size_(size) {}

SecretBytes SecretBytes::CopyOf(std::span<const uint8_t> data) {
  SecretBytes out(data.size());
  std::copy(data.begin(), data.end(), out.data_.get());
  return out;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Clear();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

SecretBytes::~SecretBytes() { Clear(); }

void SecretBytes::Clear() {
  SecureWipe(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace ccgpu
