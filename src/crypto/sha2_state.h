// A SHA-2 hash state as a plain value (internal to crypto/): the transcript
// hashes (Hasher) and HMAC (mac.cc) are built on it.
//
// Departure from the rest of crypto/, which goes through EVP: this uses
// OpenSSL's low-level SHA256_* / SHA512_* functions (deprecated since 3.0,
// present in every 3.x build that keeps the deprecated API). They run the same
// assembly as the EVP digests (SHA-NI where the CPU has it), but a state is a
// struct that copies with memcpy. An SPDM session forks hash states ~100
// times (transcript digests, HMAC with precomputed pads): through EVP each
// fork is a context allocation, a provider dupctx and a free, which measured
// 280–350 ns per short HMAC against 180 ns here (docs/PERFORMANCE.md, SPDM,
// session 7). Not for FIPS-provider builds, which must route digests through
// the provider.
#ifndef CCGPU_CRYPTO_SHA2_STATE_H_
#define CCGPU_CRYPTO_SHA2_STATE_H_

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

// The deprecation warnings are silenced for this class only (a macro such as
// OPENSSL_SUPPRESS_DEPRECATED would not reach a unity build's earlier include
// of <openssl/sha.h>).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace ccgpu::crypto::internal {

class Sha2State {
 public:
  // A fresh state of `alg`.
  explicit Sha2State(HashAlg alg) : alg_(alg) {
    switch (alg) {
      case HashAlg::kSha256: SHA256_Init(&u_.s256); break;
      case HashAlg::kSha384: SHA384_Init(&u_.s512); break;
      case HashAlg::kSha512: SHA512_Init(&u_.s512); break;
    }
  }
  Sha2State(const Sha2State&) = default;
  Sha2State& operator=(const Sha2State&) = default;
  // The state is a function of what was hashed, which may be secret (an
  // HMAC key's padded block): wiped when it goes.
  ~Sha2State() { OPENSSL_cleanse(&u_, sizeof u_); }

  HashAlg alg() const { return alg_; }
  std::size_t size() const { return DigestSize(alg_); }
  // Block size: 64 (SHA-256) or 128 bytes.
  std::size_t block_size() const { return alg_ == HashAlg::kSha256 ? 64 : 128; }

  void Update(ByteSpan data) {
    if (data.empty()) return;
    // The low-level Update functions take any size_t length and cannot fail.
    if (alg_ == HashAlg::kSha256) {
      SHA256_Update(&u_.s256, data.data(), data.size());
    } else {
      SHA512_Update(&u_.s512, data.data(), data.size());
    }
  }

  // Writes the digest (exactly size() bytes, else aborts) and leaves the
  // state finished: copy it first to continue hashing.
  void FinalInto(std::span<uint8_t> out) {
    CCGPU_CHECK(out.size() == size());
    switch (alg_) {
      case HashAlg::kSha256: SHA256_Final(out.data(), &u_.s256); break;
      case HashAlg::kSha384: SHA384_Final(out.data(), &u_.s512); break;
      case HashAlg::kSha512: SHA512_Final(out.data(), &u_.s512); break;
    }
  }
  // FinalInto a new buffer.
  Bytes Final() {
    Bytes out(size());
    FinalInto(out);
    return out;
  }

 private:
  HashAlg alg_;
  union {
    SHA256_CTX s256;
    SHA512_CTX s512;  // SHA-384 and SHA-512
  } u_;
};

}  // namespace ccgpu::crypto::internal

#pragma GCC diagnostic pop

#endif  // CCGPU_CRYPTO_SHA2_STATE_H_
