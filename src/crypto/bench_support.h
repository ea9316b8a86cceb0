// Benchmark support (used by bench/crypto_bench.cc only): the exact loop
// that `openssl speed -evp aes-256-gcm` times, so our record-level Seal/Open
// can be compared with it in one process, interleaved, under the same load.
// Never use this for protecting data: it streams under one nonce forever.
#ifndef CCGPU_CRYPTO_BENCH_SUPPORT_H_
#define CCGPU_CRYPTO_BENCH_SUPPORT_H_

#include <cstdint>
#include <memory>
#include <span>

#include "base/result.h"
#include "crypto/aead.h"

namespace ccgpu::crypto::bench {

struct SpeedLoopState;

// One cipher context keyed and given an IV once; each Update() is one
// EVP_EncryptUpdate (or EVP_DecryptUpdate) in place over the buffer, with no
// AAD, no final and no tag — what `openssl speed -evp` (OpenSSL 3.0
// apps/speed.c, EVP_Update_loop) measures.
class OpensslSpeedLoop {
 public:
  // kInvalidArgument for a key that is not 32 bytes; kCryptoFailure.
  static Result<OpensslSpeedLoop> Create(AeadAlg alg, bool decrypt);
  OpensslSpeedLoop(OpensslSpeedLoop&&) noexcept;
  OpensslSpeedLoop& operator=(OpensslSpeedLoop&&) noexcept;
  ~OpensslSpeedLoop();
  // kCryptoFailure (also for buffers over 1 GiB).
  Status Update(std::span<uint8_t> buf);

 private:
  explicit OpensslSpeedLoop(std::unique_ptr<SpeedLoopState> state);
  std::unique_ptr<SpeedLoopState> state_;
};

}  // namespace ccgpu::crypto::bench

#endif  // CCGPU_CRYPTO_BENCH_SUPPORT_H_
