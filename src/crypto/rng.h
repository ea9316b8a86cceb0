// The CSPRNG (OpenSSL's DRBG, seeded by the operating system).
#ifndef CCGPU_CRYPTO_RNG_H_
#define CCGPU_CRYPTO_RNG_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::crypto {

// Fills `out` with cryptographically secure random bytes. kRngFailure if the
// generator fails (then `out` is zeroed). Thread-safe. Requests of up to 64
// bytes are cut from a per-thread 512-byte block of DRBG output (each byte
// wiped from the block as it is handed out; the block is wiped in a fork()
// child), larger ones go to the DRBG directly (rng.cc).
Status RandomBytes(std::span<uint8_t> out);
// `n` random bytes. kRngFailure.
Result<Bytes> RandomBytes(std::size_t n);

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_RNG_H_
