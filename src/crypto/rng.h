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
// generator fails (then `out` is zeroed). Thread-safe.
Status RandomBytes(std::span<uint8_t> out);
// `n` random bytes. kRngFailure.
Result<Bytes> RandomBytes(std::size_t n);

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_RNG_H_
