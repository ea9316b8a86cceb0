// SHA-2 digests: one-shot and incremental (transcripts).
#ifndef CCGPU_CRYPTO_HASH_H_
#define CCGPU_CRYPTO_HASH_H_

#include <cstddef>
#include <memory>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::crypto {

enum class HashAlg { kSha256, kSha384, kSha512 };

// Digest length in bytes: 32, 48 or 64.
std::size_t DigestSize(HashAlg alg);
// "SHA-256", "SHA-384", "SHA-512" (for messages and reports).
const char* HashName(HashAlg alg);

// The digest of `data`. Cannot fail today (the SHA-2 functions are always
// there); a Result so that a future digest may.
Result<Bytes> Hash(HashAlg alg, ByteSpan data);

struct HasherState;  // a SHA-2 state (sha2_state.h); opaque here

// An incremental digest. Copying a Hasher copies its state (the copy and the
// original then continue independently), which is how transcript hashes are
// forked. Not thread-safe: one thread at a time per object.
class Hasher {
 public:
  // Cannot fail today (see Hash).
  static Result<Hasher> Create(HashAlg alg);

  Hasher(const Hasher& other);  // aborts only if OpenSSL cannot copy (OOM)
  Hasher& operator=(const Hasher& other);
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();

  HashAlg alg() const { return alg_; }
  // Feeds `data`. kStateError after Finish(); kCryptoFailure on OpenSSL failure.
  Status Update(ByteSpan data);
  // Digest of everything fed so far; the hasher continues. kStateError after Finish().
  Result<Bytes> Peek() const;
  // Digest of everything fed; afterwards Update/Peek/Finish return kStateError.
  Result<Bytes> Finish();

 private:
  Hasher(HashAlg alg, std::unique_ptr<HasherState> state);
  HashAlg alg_;
  std::unique_ptr<HasherState> state_;
  bool finished_ = false;
};

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_HASH_H_
