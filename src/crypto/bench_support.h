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

// The loops of OpenSSL 3.0 apps/speed.c for `-evp aes-256-gcm`:
// - kStream (EVP_Update_loop, plain `-evp`): one context keyed and given an
//   IV once; each Run() is one EVP_EncryptUpdate/EVP_DecryptUpdate in place,
//   no AAD, no final, no tag.
// - kAeadRecord (EVP_Update_loop_aead, `-aead`): each Run() sets the IV,
//   (decrypt: sets a tag,) feeds 13 bytes of AAD, updates in place and
//   finalises — one TLS-like record.
enum class SpeedLoopMode { kStream, kAeadRecord };

class OpensslSpeedLoop {
 public:
  // kInvalidArgument for a key that is not 32 bytes; kCryptoFailure.
  static Result<OpensslSpeedLoop> Create(AeadAlg alg, bool decrypt, SpeedLoopMode mode);
  OpensslSpeedLoop(OpensslSpeedLoop&&) noexcept;
  OpensslSpeedLoop& operator=(OpensslSpeedLoop&&) noexcept;
  ~OpensslSpeedLoop();
  // One iteration of the loop over `buf`. kCryptoFailure (also for buffers
  // over 1 GiB). In kAeadRecord decrypt mode the fake tag fails, as in
  // openssl speed; that outcome is ignored (the work is the same).
  Status Run(std::span<uint8_t> buf);

 private:
  explicit OpensslSpeedLoop(std::unique_ptr<SpeedLoopState> state);
  std::unique_ptr<SpeedLoopState> state_;
};

}  // namespace ccgpu::crypto::bench

#endif  // CCGPU_CRYPTO_BENCH_SUPPORT_H_
