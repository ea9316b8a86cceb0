// AES-256-GCM that touches every byte of host-writable memory exactly once:
// the crypto layer's path for records in memory another party can write
// while we work on it (InputSource::kShared, OutputSink::kShared). Internal
// to src/crypto.
//
// Why not OpenSSL here (a departure from STYLE.md's "crypto is OpenSSL"):
// OpenSSL 3.0's GCM reads data back. Opening, it reads each ciphertext block
// twice (into GHASH, and to XOR with the key stream); sealing, it writes
// ciphertext to the output and then GHASHes it from there. On shared memory
// a concurrent writer can then make the released plaintext differ from what
// the tag authenticated, or — sealing — get its own change authenticated: a
// forgery: a host thread that flipped one ciphertext byte as soon as it
// appeared got its change authenticated in 8 of 2000 OpenSSL seals here. The
// only safe way to use OpenSSL on shared memory is a private copy, which
// costs a full extra pass over the data.
//
// Here every 32-byte group is loaded into (or computed in) a register once,
// and that register feeds both the cipher and GHASH; output is stored and
// never read back. With VAES and VPCLMULQDQ (two blocks per instruction) it
// is also faster than OpenSSL 3.0's AES-NI code. It is checked against
// OpenSSL record by record and against Wycheproof.
//
// CPUs without AVX2+VAES+VPCLMULQDQ+PREFETCHW (and non-x86 builds) report
// Supported() == false; AeadPrimitive then uses OpenSSL on private copies.
#ifndef CCGPU_CRYPTO_GCM_SINGLE_FETCH_H_
#define CCGPU_CRYPTO_GCM_SINGLE_FETCH_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/bytes.h"

namespace ccgpu::crypto::internal {

class GcmSingleFetch {
 public:
  // True if this CPU (and OS: YMM state enabled) runs the implementation
  // and tests have not turned it off.
  static bool Supported();
  // Tests: off makes AeadPrimitive take the OpenSSL-on-private-copies path
  // for shared memory on any CPU, so both paths are tested here.
  static void SetEnabledForTesting(bool enabled);

  // Expands a 32-byte key. Precondition: Supported() and key.size() == 32.
  explicit GcmSingleFetch(ByteSpan key);
  ~GcmSingleFetch();  // wipes the key schedule and the GHASH key powers
  GcmSingleFetch(const GcmSingleFetch&) = delete;
  GcmSingleFetch& operator=(const GcmSingleFetch&) = delete;

  // Decrypts ct[0..n) into out[0..n) and returns true iff `tag` (16 bytes)
  // authenticates nonce (12 bytes), aad and the ciphertext. Each byte of ct
  // and tag is read exactly once; the plaintext written is the decryption of
  // exactly the bytes that were authenticated. On false `out` holds
  // unauthenticated bytes: the caller must wipe it. `out` may equal `ct`
  // (in place) but must not otherwise overlap it. Thread-safe (const).
  bool Open(const uint8_t* nonce, ByteSpan aad, const uint8_t* ct,
            std::size_t n, const uint8_t* tag, uint8_t* out) const;

  // Seals the concatenation of `pieces` (private memory) under nonce (12
  // bytes) and aad: ciphertext to out[0..total), tag to tag[0..16). Neither
  // `out` nor `tag` is ever read, so what the tag authenticates is exactly
  // what was computed, whatever a concurrent writer does to them. `out` may
  // equal a single piece (in place) but must not otherwise overlap the
  // pieces, nor `tag` them. Thread-safe (const).
  void Seal(const uint8_t* nonce, ByteSpan aad, std::span<const ByteSpan> pieces,
            uint8_t* out, uint8_t* tag) const;

 private:
  // Blocks per step of the bulk loop (two per register).
 public:
  // GCM's limit (SP 800-38D): 2^32 - 2 blocks per record, after which the
  // 32-bit block counter would wrap. Callers must not pass longer records.
  static constexpr std::size_t kMaxBytes = ((std::size_t{1} << 32) - 2) * 16;
  static constexpr int kStepBlocks = 16;

 private:
  // AES-256 round keys, each broadcast to both 128-bit lanes, then the GHASH
  // key powers H^kStepBlocks..H^1 (POLYVAL domain, see .cc) in lane pairs.
  alignas(32) uint8_t round_keys_[15][32];
  alignas(32) uint8_t h_powers_[kStepBlocks][16];
};

}  // namespace ccgpu::crypto::internal

#endif  // CCGPU_CRYPTO_GCM_SINGLE_FETCH_H_
