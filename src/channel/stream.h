// Per-stream keys, key rotation and sealed chunks of the data path.
//
// A stream is one direction of one engine of one channel (or one GPU pair
// for peer traffic). Both ends derive the same key schedule from the SPDM
// session's export master secret (EMS):
//
//   epoch_secret[0]   = HKDF-Expand(SHA-384, EMS, "ccgpu stream v1" || channel_id(u32 LE)
//                                   || direction(u8) || engine(u8), 48)
//   key[e], iv_mask[e] = HKDF-Expand(epoch_secret[e], "key", 32), (…, "iv", 12)
//   epoch_secret[e+1] = HKDF-Expand(epoch_secret[e], "traffic upd", 48); then epoch_secret[e] is wiped
//
// Nonce = iv_mask[e] XOR sequence (BE, right-aligned) inside crypto's
// SealingContext: nothing here chooses a nonce. The sealer moves to the next
// epoch before a key's usage limit — counted as NVIDIA does, in units of
// ceil(bytes/16) + 1 per record, default 24,296,003,999 units ≈ 389 GB, the
// draft-irtf-cfrg-aead-limits bound for 2^-60 attacker advantage — and before
// its counter runs out. The opener keeps the last `epoch_window` epochs so
// that chunks sealed just before a rotation still open, and wipes older ones.
//
// A sealed chunk is   header (40 bytes) || ciphertext || tag (16)
//   header: version u8 = 1 | flags u8 (bit 0: last chunk) | reserved u16 = 0 | epoch u32
//           | seq u64 | transfer_id u64 | chunk_index u32 | length u32 | dst_offset u64
// and its AAD binds the stream and every header field but seq (which the
// nonce binds):  "ccgpu chunk v1" || channel_id u32 || direction u8 || engine u8
//                || version | flags | epoch | transfer_id | chunk_index | length | dst_offset
// The opener builds the AAD from the values it EXPECTS (transfer, index,
// offset, length, last flag), so a reordered, spliced, replayed, dropped or
// truncated chunk fails authentication even if the host rewrites headers.
#ifndef CCGPU_CHANNEL_STREAM_H_
#define CCGPU_CHANNEL_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "channel/keys.h"
#include "crypto/aead.h"

namespace ccgpu::channel {


struct RotationPolicy {
  // Usage limit per key in units of ceil(bytes/16) + 1 per record.
  uint64_t max_units_per_key = 24'296'003'999ULL;
  // Records per key (counter limit); rotation happens before it is reached.
  uint64_t max_records_per_key = (1ULL << 32) - 1;
  // Epochs the opener keeps (current and older) for chunks in flight.
  uint32_t epoch_window = 4;
};

inline constexpr std::size_t kChunkHeaderSize = 40;
inline constexpr std::size_t kChunkOverhead = kChunkHeaderSize + crypto::kAeadTagSize;

// What a chunk is: which transfer, where it goes.
struct ChunkInfo {
  uint64_t transfer_id = 0;
  uint32_t chunk_index = 0;
  uint64_t dst_offset = 0;
  uint32_t length = 0;
  bool last = false;
};

// Sender end of a stream. Thread-safe: many workers may seal at once.
class StreamSealer {
 public:
  // kInvalidArgument if ems is empty or the policy has a zero limit.
  static Result<StreamSealer> Create(ByteSpan ems, StreamId id,
                                     const RotationPolicy& policy,
                                     crypto::AeadAlg alg = crypto::AeadAlg::kAes256Gcm);
  StreamSealer(StreamSealer&&) noexcept;
  StreamSealer& operator=(StreamSealer&&) noexcept;
  ~StreamSealer();

  // Seals `pt` (pt.size() == info.length) into `out`, which must hold
  // kChunkOverhead + pt.size() bytes (kInvalidArgument otherwise); returns
  // the bytes written. Rotates the key first when the current one would pass
  // its limits. `out` may be shared memory the host writes meanwhile: it is
  // written once and never read back (crypto::OutputSink::kShared).
  Result<std::size_t> SealChunk(const ChunkInfo& info, ByteSpan pt,
                                std::span<uint8_t> out);
  // As SealChunk, for a chunk whose plaintext is the concatenation of
  // `pieces` (batched small copies: sealed without a staging copy).
  Result<std::size_t> SealChunkGather(const ChunkInfo& info,
                                      std::span<const ByteSpan> pieces,
                                      std::span<uint8_t> out);
  // Epoch the next chunk will use (for tests and stats).
  uint32_t current_epoch() const;

 private:
  struct State;
  explicit StreamSealer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Receiver end of a stream. Thread-safe.
class StreamOpener {
 public:
  static Result<StreamOpener> Create(ByteSpan ems, StreamId id,
                                     const RotationPolicy& policy,
                                     crypto::AeadAlg alg = crypto::AeadAlg::kAes256Gcm);
  StreamOpener(StreamOpener&&) noexcept;
  StreamOpener& operator=(StreamOpener&&) noexcept;
  ~StreamOpener();

  // Opens `sealed` into `out` (out.size() == expect.length). kMalformed if
  // the chunk's size or header does not match `expect`; kReplay if it names
  // an epoch already wiped or too far ahead; kAuthFailed if authentication
  // fails (then `out` is wiped). With crypto::InputSource::kShared, `sealed`
  // may be a ring slot the host can still write: every byte of it is read
  // once (header copied first, body by crypto's single-fetch open), so what
  // is checked is what is released.
  Status OpenChunk(const ChunkInfo& expect, ByteSpan sealed,
                   std::span<uint8_t> out,
                   crypto::InputSource source = crypto::InputSource::kPrivate);
  // Newest epoch seen so far.
  uint32_t newest_epoch() const;

 private:
  struct State;
  explicit StreamOpener(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_STREAM_H_
