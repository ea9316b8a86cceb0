// Secret-holding buffers: move-only, wiped on destruction and on move-from,
// reached only through reveal() so that every use of secret bytes is visible
// at the call site. Never log what reveal() returns.
#ifndef CCGPU_BASE_SECRET_H_
#define CCGPU_BASE_SECRET_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace ccgpu {

// Overwrites `data` with zeros in a way the compiler may not elide.
void SecureWipe(void* data, std::size_t size);

// A heap buffer of fixed size holding secret bytes (keys, shared secrets,
// plaintext under protection). Its size never changes after construction, so
// no unwiped copy is ever left behind by reallocation.
class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes, to be filled through reveal_mutable().
  explicit SecretBytes(std::size_t size);
  // A copy of `data`. The caller remains responsible for wiping `data`.
  static SecretBytes CopyOf(std::span<const uint8_t> data);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> reveal() const { return {data_.get(), size_}; }
  std::span<uint8_t> reveal_mutable() { return {data_.get(), size_}; }
  // An explicit deep copy (copying a secret is never implicit).
  SecretBytes Clone() const { return CopyOf(reveal()); }
  // Wipes and releases the bytes now; size() becomes 0.
  void Clear();

 private:
  std::unique_ptr<uint8_t[]> data_;
  std::size_t size_ = 0;
};

// A fixed-size secret held inline.
template <std::size_t N>
class SecretArray {
 public:
  SecretArray() { data_.fill(0); }
  static SecretArray CopyOf(std::span<const uint8_t, N> data) {
    SecretArray out;
    std::copy(data.begin(), data.end(), out.data_.begin());
    return out;
  }
  SecretArray(SecretArray&& other) noexcept : data_(other.data_) {
    SecureWipe(other.data_.data(), N);
  }
  SecretArray& operator=(SecretArray&& other) noexcept {
    if (this != &other) {
      data_ = other.data_;
      SecureWipe(other.data_.data(), N);
    }
    return *this;
  }
  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  ~SecretArray() { SecureWipe(data_.data(), N); }

  static constexpr std::size_t size() { return N; }
  std::span<const uint8_t, N> reveal() const { return data_; }
  std::span<uint8_t, N> reveal_mutable() { return data_; }
  SecretArray Clone() const { return CopyOf(reveal()); }

 private:
  std::array<uint8_t, N> data_;
};

}  // namespace ccgpu

#endif  // CCGPU_BASE_SECRET_H_
