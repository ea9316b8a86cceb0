#include "crypto/rng.h"

#include <algorithm>

#include <openssl/rand.h>

#include "crypto/ossl.h"

namespace ccgpu::crypto {

Status RandomBytes(std::span<uint8_t> out) {
  std::span<uint8_t> rest = out;
  while (!rest.empty()) {
    const std::size_t n = std::min(rest.size(), kMaxOsslChunk);
    if (RAND_bytes(rest.data(), static_cast<int>(n)) != 1) {
      std::fill(out.begin(), out.end(), uint8_t{0});
      return OsslFail(Errc::kRngFailure, "rng: RAND_bytes");
    }
    rest = rest.subspan(n);
  }
  return OkStatus();
}

Result<Bytes> RandomBytes(std::size_t n) {
  Bytes out(n);
  CCGPU_TRY(RandomBytes(std::span<uint8_t>(out)));
  return out;
}

}  // namespace ccgpu::crypto
