// Known-answer self-test of the crypto layer, run by `ccgpu selftest`.
#ifndef CCGPU_CRYPTO_SELFTEST_H_
#define CCGPU_CRYPTO_SELFTEST_H_

#include <string>
#include <vector>

#include "base/result.h"

namespace ccgpu::crypto {

// Runs AES-256-GCM and ChaCha20-Poly1305 known answers (seal and open, and a
// tampered tag refused), SHA-384("abc"), HMAC and HKDF (RFC 4231 / RFC 5869
// case 1), ECDSA P-384 sign+verify (and a flipped bit refused), ECDH both
// ways, and the CSPRNG. Appends one line per passed check to *done; returns
// the first failure (kMalformed naming the check, or the primitive's error).
Status CryptoSelfTest(std::vector<std::string>* done);

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_SELFTEST_H_
