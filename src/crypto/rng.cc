// RandomBytes: OpenSSL's public DRBG, with small requests served from a
// per-thread block of DRBG output.
//
// OpenSSL 3.0's CTR-DRBG sets up its AES key schedule and checks for a fork
// on every RAND_bytes call, which cost more than the 16-32 bytes a protocol
// message needs (an SPDM session draws six such values). Requests of at most
// kSmallRequest bytes are therefore cut from a kBlock-byte block drawn in one
// RAND_bytes call. The block is per thread (no sharing, no locks); every byte
// handed out is wiped from the block at once, the rest when the thread ends.
// After fork() the child's copy of the forking thread's block is wiped
// (pthread_atfork), so parent and child never hand out the same bytes.
// Larger requests go to RAND_bytes directly.
#include "crypto/rng.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <mutex>

#include <openssl/rand.h>

#include "base/secret.h"
#include "crypto/ossl.h"

namespace ccgpu::crypto {
namespace {

constexpr std::size_t kBlock = 512;
constexpr std::size_t kSmallRequest = 64;

struct Pool {
  std::array<uint8_t, kBlock> bytes{};
  std::size_t left = 0;  // unused bytes are bytes[kBlock - left, kBlock)
  void Wipe() {
    SecureWipe(bytes.data(), bytes.size());
    left = 0;
  }
  ~Pool() { Wipe(); }
};

thread_local Pool t_pool;

void WipePoolInChild() { t_pool.Wipe(); }

void RegisterForkHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    // If registration fails the pool cannot be made fork-safe: abort rather
    // than risk a child repeating the parent's bytes.
    CCGPU_CHECK(pthread_atfork(nullptr, nullptr, &WipePoolInChild) == 0);
  });
}

Status Direct(std::span<uint8_t> out) {
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

}  // namespace

Status RandomBytes(std::span<uint8_t> out) {
  if (out.empty()) return OkStatus();
  if (out.size() > kSmallRequest) return Direct(out);
  RegisterForkHandler();
  Pool& p = t_pool;
  if (p.left < out.size()) {
    p.Wipe();
    if (RAND_bytes(p.bytes.data(), static_cast<int>(kBlock)) != 1) {
      p.Wipe();
      std::fill(out.begin(), out.end(), uint8_t{0});
      return OsslFail(Errc::kRngFailure, "rng: RAND_bytes");
    }
    p.left = kBlock;
  }
  uint8_t* from = p.bytes.data() + (kBlock - p.left);
  std::copy_n(from, out.size(), out.begin());
  SecureWipe(from, out.size());
  p.left -= out.size();
  return OkStatus();
}

Result<Bytes> RandomBytes(std::size_t n) {
  Bytes out(n);
  CCGPU_TRY(RandomBytes(std::span<uint8_t>(out)));
  return out;
}

}  // namespace ccgpu::crypto
