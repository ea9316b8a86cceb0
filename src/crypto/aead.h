// Authenticated encryption: AES-256-GCM and ChaCha20-Poly1305 (RFC 8439),
// 32-byte keys, 12-byte nonces, 16-byte tags.
//
// Code above the crypto layer never chooses a nonce: it seals through a
// SealingContext, whose nonces come from a counter XOR a secret mask and
// which refuses to reuse one. AeadPrimitive (explicit nonce) exists for
// known-answer tests and for SealingContext itself.
#ifndef CCGPU_CRYPTO_AEAD_H_
#define CCGPU_CRYPTO_AEAD_H_

#include <atomic>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ccgpu::crypto {

enum class AeadAlg { kAes256Gcm, kChaCha20Poly1305 };

inline constexpr std::size_t kAeadKeySize = 32;
inline constexpr std::size_t kAeadNonceSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;

// "AES-256-GCM" / "ChaCha20-Poly1305".
const char* AeadName(AeadAlg alg);

struct AeadState;  // OpenSSL cipher contexts (ossl.h); opaque here

// Where a record to be opened lies. kShared: memory another party (the host)
// can write while we read it. Open then reads every byte of it exactly once,
// so a concurrent writer cannot make the released plaintext differ from what
// was authenticated (no double fetch): AES-256-GCM on a CPU with VAES and
// VPCLMULQDQ uses one register load per block for both GHASH and decryption
// (gcm_single_fetch.h, also faster than OpenSSL 3.0); otherwise ciphertext is
// copied piecewise (16 KiB, cache-resident) into private memory and OpenSSL
// reads only that copy.
enum class InputSource { kPrivate, kShared };

// Where a record is sealed to. kShared: memory another party (the host) can
// read and write while we write it (a ring slot, a link region). Seal then
// never reads back what it wrote: GHASH takes the ciphertext from registers
// (gcm_single_fetch.h) or from a private piece that is then copied out. If it
// read the output back — as OpenSSL does — a write by the host between the
// cipher's store and GHASH's load would be authenticated: a forgery.
enum class OutputSink { kPrivate, kShared };

// An AEAD key with explicit nonces. ONLY for known-answer tests and for
// SealingContext; nothing above src/crypto may construct nonces itself.
//
// Thread-safety: Seal and Open are safe to call concurrently on one object.
// The object keeps, per direction, a few slots of cipher contexts, each
// keyed on its first use (a record then only sets its nonce); a call takes
// the first free slot, so one thread costs one uncontended try_lock and N
// threads sealing with one key all run the fast path after their first call.
//
// Buffers: `out` may be exactly the same memory as the plaintext/ciphertext
// part of the input (in-place); any other overlap is kInvalidArgument.
class AeadPrimitive {
 public:
  // kInvalidArgument if key.size() != 32; kUnsupportedAlgorithm if OpenSSL
  // lacks the cipher; kCryptoFailure. The key is copied into OpenSSL's key
  // schedule (wiped by OpenSSL on destruction); the caller keeps `key`.
  static Result<AeadPrimitive> Create(AeadAlg alg, ByteSpan key);

  AeadPrimitive(AeadPrimitive&&) noexcept;
  AeadPrimitive& operator=(AeadPrimitive&&) noexcept;
  ~AeadPrimitive();

  AeadAlg alg() const { return alg_; }

  // Writes ct||tag into `out`; out.size() must be pt.size()+16 and the nonce
  // 12 bytes (kInvalidArgument otherwise). kCryptoFailure from OpenSSL.
  Status Seal(ByteSpan nonce, ByteSpan aad, ByteSpan pt,
              std::span<uint8_t> out,
              OutputSink sink = OutputSink::kPrivate) const;
  // Seals the concatenation of `pieces` (a gather: no staging copy) into
  // `out`, which must be their total + 16 bytes and overlap none of them
  // (kInvalidArgument). Same record as Seal over the concatenated bytes.
  Status SealGather(ByteSpan nonce, ByteSpan aad,
                    std::span<const ByteSpan> pieces,
                    std::span<uint8_t> out,
                    OutputSink sink = OutputSink::kPrivate) const;
  // `in` = ct||tag; out.size() must be in.size()-16 (kInvalidArgument,
  // also for in.size() < 16 or a nonce that is not 12 bytes). kAuthFailed if
  // the tag does not verify; then `out` is wiped: unauthenticated plaintext is
  // never released.
  Status Open(ByteSpan nonce, ByteSpan aad, ByteSpan in,
              std::span<uint8_t> out,
              InputSource source = InputSource::kPrivate) const;

 private:
  AeadPrimitive(AeadAlg alg, std::unique_ptr<AeadState> state);
  Status SealPieces(ByteSpan nonce, ByteSpan aad,
                    std::span<const ByteSpan> pieces,
                    std::span<uint8_t> out, OutputSink sink) const;
  AeadAlg alg_;
  std::unique_ptr<AeadState> state_;
};

// Where the 64-bit record sequence number goes in the 12-byte nonce; the
// nonce is iv_mask XOR the placed sequence number.
enum class CounterLayout {
  kLittleEndianLeft,  // DSP0277: seq as LE u64 XORed into IV bytes 0..7
  kBigEndianRight,    // TLS 1.3 / ccgpu channel: seq as BE u64 into bytes 4..11
};

// Computes the nonce for `seq` (exposed for tests and documentation; only
// SealingContext uses it to seal).
std::array<uint8_t, kAeadNonceSize> NonceForSequence(
    std::span<const uint8_t, kAeadNonceSize> iv_mask, CounterLayout layout,
    uint64_t seq);

// A sealing key whose nonces are derived from a record counter: record n is
// sealed under nonce(n) = iv_mask XOR place(n). Sequence numbers run
// 0, 1, ..., limit-1; after that Seal returns kNonceExhausted forever (the
// key must be rotated) — the counter never wraps, so no nonce repeats.
//
// Thread-safety: Seal and Open may be called from many threads at once; each
// Seal claims a distinct sequence number atomically. (See AeadPrimitive for
// which calls take the fast path.)
class SealingContext {
 public:
  // kInvalidArgument if key is not 32 bytes, iv_mask not 12 bytes, or
  // limit == 0; errors of AeadPrimitive::Create. Takes ownership of `key`.
  static Result<SealingContext> Create(AeadAlg alg, SecretBytes key,
                                       ByteSpan iv_mask, CounterLayout layout,
                                       uint64_t limit = UINT64_MAX);

  SealingContext(SealingContext&& other) noexcept;
  SealingContext& operator=(SealingContext&& other) noexcept;
  ~SealingContext();

  AeadAlg alg() const { return primitive_.alg(); }
  CounterLayout layout() const { return layout_; }
  uint64_t limit() const { return limit_; }
  // The sequence number the next Seal will use (== limit when exhausted).
  uint64_t next_sequence() const;

  // Seals under the next sequence number and returns it. out.size() must be
  // pt.size()+16 (kInvalidArgument, no number consumed). kNonceExhausted once
  // `limit` records were sealed. A number, once claimed, is never reused,
  // even if sealing then fails.
  Result<uint64_t> Seal(ByteSpan aad, ByteSpan pt, std::span<uint8_t> out,
                        OutputSink sink = OutputSink::kPrivate);
  // As Seal, over the concatenation of `pieces` (AeadPrimitive::SealGather).
  Result<uint64_t> SealGather(ByteSpan aad, std::span<const ByteSpan> pieces,
                              std::span<uint8_t> out,
                              OutputSink sink = OutputSink::kPrivate);
  // As above, returning ct||tag; the sequence number goes to *seq_out.
  Result<Bytes> Seal(ByteSpan aad, ByteSpan pt, uint64_t* seq_out = nullptr);

  // Opens the record sealed under `seq` (the receiver tracks it).
  // kNonceExhausted if seq >= limit; otherwise as AeadPrimitive::Open
  // (kAuthFailed, `out` wiped).
  Status Open(uint64_t seq, ByteSpan aad, ByteSpan in,
              std::span<uint8_t> out,
              InputSource source = InputSource::kPrivate) const;
  Result<SecretBytes> Open(uint64_t seq, ByteSpan aad, ByteSpan in) const;

 private:
  SealingContext(AeadPrimitive primitive, ByteSpan iv_mask,
                 CounterLayout layout, uint64_t limit);
  Result<uint64_t> ClaimSequence();

  AeadPrimitive primitive_;
  std::array<uint8_t, kAeadNonceSize> iv_mask_{};
  CounterLayout layout_;
  uint64_t limit_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_AEAD_H_
