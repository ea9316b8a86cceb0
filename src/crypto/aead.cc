#include "crypto/aead.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <mutex>

#include "crypto/gcm_single_fetch.h"
#include "crypto/ossl.h"

namespace ccgpu::crypto {

// The key's cipher contexts: per direction a few slots, each holding a
// context keyed once with this key (made on first use), so a record only sets
// its nonce. A call takes the first slot whose lock it gets without waiting:
// one thread always gets slot 0 (one uncontended try_lock, as cheap as a
// single resident context), N concurrent threads get N slots. Only when all
// kSlots are busy does a call key a temporary context. OpenSSL cleanses a
// context's key schedule when it is freed.
struct AeadState {
  static constexpr std::size_t kSlots = 8;
  struct Slot {
    std::mutex mu;
    OsslPtr<EVP_CIPHER_CTX> ctx;
  };
  const EVP_CIPHER* cipher = nullptr;
  SecretBytes key;
  std::array<Slot, kSlots> enc;
  std::array<Slot, kSlots> dec;
  // AES-GCM on a CPU with VAES: the single-fetch code for shared memory
  // (gcm_single_fetch.h), keyed on the first shared-memory seal or open.
  std::once_flag single_fetch_once;
  std::unique_ptr<internal::GcmSingleFetch> single_fetch;
};

const char* AeadName(AeadAlg alg) {
  switch (alg) {
    case AeadAlg::kAes256Gcm: return "AES-256-GCM";
    case AeadAlg::kChaCha20Poly1305: return "ChaCha20-Poly1305";
  }
  return "unknown AEAD";
}

namespace {

// True if the two (non-empty) ranges share memory.
bool Overlap(const uint8_t* a, std::size_t a_len, const uint8_t* b,
             std::size_t b_len) {
  if (a_len == 0 || b_len == 0) return false;
  const std::less<const uint8_t*> lt;
  return lt(a, b + b_len) && lt(b, a + a_len);
}

// True if the two ranges share memory but do not start at the same byte.
bool PartialOverlap(const uint8_t* a, std::size_t a_len, const uint8_t* b,
                    std::size_t b_len) {
  return a != b && Overlap(a, a_len, b, b_len);
}

Result<OsslPtr<EVP_CIPHER_CTX>> KeyedContext(const EVP_CIPHER* cipher,
                                             ByteSpan key, bool encrypt) {
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OsslFail(Errc::kCryptoFailure, "aead: EVP_CIPHER_CTX_new");
  const int ok = encrypt ? EVP_EncryptInit_ex2(ctx.get(), cipher, key.data(),
                                               nullptr, nullptr)
                         : EVP_DecryptInit_ex2(ctx.get(), cipher, key.data(),
                                               nullptr, nullptr);
  if (ok != 1) return OsslFail(Errc::kCryptoFailure, "aead: cipher init");
  return ctx;
}

// A keyed context for one call: a slot's (held locked until destroyed) or,
// when every slot is busy, a temporary one.
class PooledContext {
 public:
  // A context of `s` for `encrypt`, with `nonce` (12 bytes) set.
  static Result<PooledContext> Take(AeadState& s, bool encrypt, ByteSpan nonce) {
    CCGPU_ASSIGN_OR_RETURN(PooledContext c, TakeKeyed(s, encrypt));
    const int ok = encrypt ? EVP_EncryptInit_ex2(c.ctx_, nullptr, nullptr, nonce.data(), nullptr)
                           : EVP_DecryptInit_ex2(c.ctx_, nullptr, nullptr, nonce.data(), nullptr);
    if (ok != 1) return OsslFail(Errc::kCryptoFailure, "aead: set nonce");
    return c;
  }
  EVP_CIPHER_CTX* get() const { return ctx_; }

 private:
  static Result<PooledContext> TakeKeyed(AeadState& s, bool encrypt) {
    for (AeadState::Slot& slot : encrypt ? s.enc : s.dec) {
      std::unique_lock<std::mutex> lock(slot.mu, std::try_to_lock);
      if (!lock.owns_lock()) continue;
      if (!slot.ctx) {
        CCGPU_ASSIGN_OR_RETURN(slot.ctx, KeyedContext(s.cipher, s.key.reveal(), encrypt));
      }
      return PooledContext(slot.ctx.get(), std::move(lock), nullptr);
    }
    CCGPU_ASSIGN_OR_RETURN(auto temporary, KeyedContext(s.cipher, s.key.reveal(), encrypt));
    EVP_CIPHER_CTX* ctx = temporary.get();
    return PooledContext(ctx, {}, std::move(temporary));
  }

  PooledContext(EVP_CIPHER_CTX* ctx, std::unique_lock<std::mutex> lock, OsslPtr<EVP_CIPHER_CTX> temporary)
      : ctx_(ctx), lock_(std::move(lock)), temporary_(std::move(temporary)) {}
  EVP_CIPHER_CTX* ctx_;
  std::unique_lock<std::mutex> lock_;
  OsslPtr<EVP_CIPHER_CTX> temporary_;
};

// Piece size for InputSource::kShared: small enough that the private copy
// stays in L1/L2 while the cipher reads it back.
constexpr std::size_t kSharedPiece = 16 * 1024;

Status FeedAad(EVP_CIPHER_CTX* ctx, bool encrypt, ByteSpan aad) {
  auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  while (!aad.empty()) {
    const std::size_t n = std::min(aad.size(), kMaxOsslChunk);
    int outl = 0;
    if (update(ctx, nullptr, &outl, aad.data(), static_cast<int>(n)) != 1) {
      return OsslFail(Errc::kCryptoFailure, "aead: associated data");
    }
    aad = aad.subspan(n);
  }
  return OkStatus();
}

// Transforms `in` into `out` (same length). With `shared`, OpenSSL only
// ever sees private memory on the shared side: decrypting, each piece of
// `in` is first copied to private memory (GHASH and decryption see the same
// bytes); encrypting, each piece is sealed into private memory (where GHASH
// reads it back) and then copied to `out`.
Status Transform(EVP_CIPHER_CTX* ctx, bool encrypt, ByteSpan in, uint8_t* out,
                 bool shared = false) {
  auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  alignas(64) uint8_t piece[kSharedPiece];  // uninitialised: costs nothing unless used
  std::size_t done = 0;
  while (done < in.size()) {
    const std::size_t n = std::min(in.size() - done, shared ? kSharedPiece : kMaxOsslChunk);
    const uint8_t* src = in.data() + done;
    uint8_t* dst = shared && encrypt ? piece : out + done;
    if (shared && !encrypt) {
      std::memcpy(piece, src, n);
      src = piece;
      // Ask for the next piece while this one is decrypted: a copy that
      // then hits L2 instead of waiting on another core's cache or DRAM
      // (opening D2H chunks straight from the slot, unsafe, ran ~30 % faster
      // than copy-then-decrypt without this prefetch).
      const std::size_t next = std::min(in.size() - done - n, kSharedPiece);
      for (std::size_t off = 0; off < next; off += 64) __builtin_prefetch(in.data() + done + n + off, 0, 2);
    }
    int outl = 0;
    if (update(ctx, dst, &outl, src, static_cast<int>(n)) != 1 ||
        static_cast<std::size_t>(outl) != n) {
      return OsslFail(Errc::kCryptoFailure, "aead: cipher update");
    }
    if (dst == piece) std::memcpy(out + done, piece, n);
    done += n;
  }
  return OkStatus();
}

// Seals the concatenation of `pieces` into `out` (= their total + tag).
Status SealWith(EVP_CIPHER_CTX* ctx, ByteSpan aad, std::span<const ByteSpan> pieces,
                std::span<uint8_t> out, bool shared) {
  CCGPU_TRY(FeedAad(ctx, true, aad));
  std::size_t done = 0;
  for (ByteSpan piece : pieces) {
    CCGPU_TRY(Transform(ctx, true, piece, out.data() + done, shared));
    done += piece.size();
  }
  int outl = 0;
  uint8_t* tag = out.data() + done;
  if (EVP_EncryptFinal_ex(ctx, tag, &outl) != 1 || outl != 0) {
    return OsslFail(Errc::kCryptoFailure, "aead: EVP_EncryptFinal_ex");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
                          static_cast<int>(kAeadTagSize), tag) != 1) {
    return OsslFail(Errc::kCryptoFailure, "aead: get tag");
  }
  return OkStatus();
}

Status OpenWith(EVP_CIPHER_CTX* ctx, ByteSpan aad, ByteSpan ct, ByteSpan tag,
                std::span<uint8_t> out, bool shared) {
  // OpenSSL's control interface takes a mutable pointer; give it a copy.
  uint8_t tag_copy[kAeadTagSize];
  std::memcpy(tag_copy, tag.data(), kAeadTagSize);
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                          static_cast<int>(kAeadTagSize), tag_copy) != 1) {
    return OsslFail(Errc::kCryptoFailure, "aead: set tag");
  }
  CCGPU_TRY(FeedAad(ctx, false, aad));
  CCGPU_TRY(Transform(ctx, false, ct, out.data(), shared));
  int outl = 0;
  uint8_t final_block[16];
  if (EVP_DecryptFinal_ex(ctx, final_block, &outl) != 1) {
    return OsslFail(Errc::kAuthFailed, "aead: tag does not verify");
  }
  if (outl != 0) {
    return OsslFail(Errc::kCryptoFailure, "aead: EVP_DecryptFinal_ex");
  }
  return OkStatus();
}

// The single-fetch implementation for this key and an `n`-byte record, or
// null where it does not apply (ChaCha20-Poly1305, a CPU without VAES, or a
// record past GCM's length limit, which OpenSSL then refuses): then OpenSSL
// works on private copies of the shared side.
const internal::GcmSingleFetch* SingleFetch(AeadAlg alg, AeadState& s, std::size_t n) {
  if (alg != AeadAlg::kAes256Gcm || n > internal::GcmSingleFetch::kMaxBytes ||
      !internal::GcmSingleFetch::Supported()) {
    return nullptr;
  }
  std::call_once(s.single_fetch_once, [&s] {
    s.single_fetch = std::make_unique<internal::GcmSingleFetch>(s.key.reveal());
  });
  return s.single_fetch.get();
}

}  // namespace

AeadPrimitive::AeadPrimitive(AeadAlg alg, std::unique_ptr<AeadState> state)
    : alg_(alg), state_(std::move(state)) {}
AeadPrimitive::AeadPrimitive(AeadPrimitive&&) noexcept = default;
AeadPrimitive& AeadPrimitive::operator=(AeadPrimitive&&) noexcept = default;
AeadPrimitive::~AeadPrimitive() = default;

Result<AeadPrimitive> AeadPrimitive::Create(AeadAlg alg, ByteSpan key) {
  if (key.size() != kAeadKeySize) {
    return Fail(Errc::kInvalidArgument, "aead: key must be 32 bytes");
  }
  const EVP_CIPHER* cipher = FetchedCipher(alg);
  if (cipher == nullptr) {
    return OsslFail(Errc::kUnsupportedAlgorithm, "aead: cipher not available");
  }
  auto state = std::make_unique<AeadState>();
  state->cipher = cipher;
  state->key = SecretBytes::CopyOf(key);
  // Contexts are keyed on first use of their slot (under its mutex): a
  // sealing-only or opening-only user (an SPDM or channel direction) keys
  // one context, not two. (Both ciphers take any 32-byte key, checked above;
  // a failing init is reported by that first call.)
  return AeadPrimitive(alg, std::move(state));
}

Status AeadPrimitive::Seal(ByteSpan nonce, ByteSpan aad, ByteSpan pt,
                           std::span<uint8_t> out, OutputSink sink) const {
  if (pt.size() > SIZE_MAX - kAeadTagSize ||
      out.size() != pt.size() + kAeadTagSize) {
    return Fail(Errc::kInvalidArgument, "aead: seal output must be pt + 16");
  }
  if (PartialOverlap(pt.data(), pt.size(), out.data(), out.size())) {
    return Fail(Errc::kInvalidArgument, "aead: seal buffers overlap");
  }
  return SealPieces(nonce, aad, std::span<const ByteSpan>(&pt, 1), out, sink);
}

Status AeadPrimitive::SealGather(ByteSpan nonce, ByteSpan aad,
                                 std::span<const ByteSpan> pieces,
                                 std::span<uint8_t> out, OutputSink sink) const {
  std::size_t total = 0;
  for (ByteSpan piece : pieces) {
    if (piece.size() > SIZE_MAX - kAeadTagSize - total) {
      return Fail(Errc::kInvalidArgument, "aead: gathered plaintext too long");
    }
    total += piece.size();
    // In place makes no sense for a gather: no piece may touch `out`.
    if (Overlap(piece.data(), piece.size(), out.data(), out.size())) {
      return Fail(Errc::kInvalidArgument, "aead: gather piece overlaps the output");
    }
  }
  if (out.size() != total + kAeadTagSize) {
    return Fail(Errc::kInvalidArgument, "aead: seal output must be pt + 16");
  }
  return SealPieces(nonce, aad, pieces, out, sink);
}

Status AeadPrimitive::SealPieces(ByteSpan nonce, ByteSpan aad,
                                 std::span<const ByteSpan> pieces,
                                 std::span<uint8_t> out, OutputSink sink) const {
  if (nonce.size() != kAeadNonceSize) {
    return Fail(Errc::kInvalidArgument, "aead: nonce must be 12 bytes");
  }
  if (PartialOverlap(aad.data(), aad.size(), out.data(), out.size())) {
    return Fail(Errc::kInvalidArgument, "aead: seal buffers overlap");
  }
  if (!state_) return Fail(Errc::kStateError, "aead: key was moved away");
  const bool shared = sink == OutputSink::kShared;
  if (const auto* gcm = shared ? SingleFetch(alg_, *state_, out.size() - kAeadTagSize) : nullptr) {
    gcm->Seal(nonce.data(), aad, pieces, out.data(), out.data() + (out.size() - kAeadTagSize));
    return OkStatus();
  }
  CCGPU_ASSIGN_OR_RETURN(PooledContext pooled, PooledContext::Take(*state_, true, nonce));
  EVP_CIPHER_CTX* ctx = pooled.get();
  Status st = SealWith(ctx, aad, pieces, out, shared);
  if (!st) SecureWipe(out.data(), out.size());
  return st;
}

Status AeadPrimitive::Open(ByteSpan nonce, ByteSpan aad, ByteSpan in,
                           std::span<uint8_t> out, InputSource source) const {
  if (nonce.size() != kAeadNonceSize) {
    return Fail(Errc::kInvalidArgument, "aead: nonce must be 12 bytes");
  }
  if (in.size() < kAeadTagSize) {
    return Fail(Errc::kInvalidArgument, "aead: sealed input shorter than tag");
  }
  const ByteSpan ct = in.first(in.size() - kAeadTagSize);
  const ByteSpan tag = in.last(kAeadTagSize);
  if (out.size() != ct.size()) {
    return Fail(Errc::kInvalidArgument, "aead: open output must be in - 16");
  }
  if (PartialOverlap(ct.data(), ct.size(), out.data(), out.size()) ||
      PartialOverlap(tag.data(), tag.size(), out.data(), out.size()) ||
      PartialOverlap(aad.data(), aad.size(), out.data(), out.size())) {
    return Fail(Errc::kInvalidArgument, "aead: open buffers overlap");
  }
  if (!state_) return Fail(Errc::kStateError, "aead: key was moved away");
  const bool shared = source == InputSource::kShared;
  if (const auto* gcm = shared ? SingleFetch(alg_, *state_, ct.size()) : nullptr) {
    if (gcm->Open(nonce.data(), aad, ct.data(), ct.size(), tag.data(), out.data())) return OkStatus();
    SecureWipe(out.data(), out.size());
    return Fail(Errc::kAuthFailed, "aead: tag does not verify");
  }
  CCGPU_ASSIGN_OR_RETURN(PooledContext pooled, PooledContext::Take(*state_, false, nonce));
  EVP_CIPHER_CTX* ctx = pooled.get();
  Status st = OpenWith(ctx, aad, ct, tag, out, shared);
  // Never release unauthenticated plaintext.
  if (!st) SecureWipe(out.data(), out.size());
  return st;
}

std::array<uint8_t, kAeadNonceSize> NonceForSequence(
    std::span<const uint8_t, kAeadNonceSize> iv_mask, CounterLayout layout,
    uint64_t seq) {
  std::array<uint8_t, kAeadNonceSize> nonce;
  std::copy(iv_mask.begin(), iv_mask.end(), nonce.begin());
  for (std::size_t i = 0; i < 8; ++i) {
    switch (layout) {
      case CounterLayout::kLittleEndianLeft:
        nonce[i] ^= static_cast<uint8_t>(seq >> (8 * i));
        break;
      case CounterLayout::kBigEndianRight:
        nonce[kAeadNonceSize - 1 - i] ^= static_cast<uint8_t>(seq >> (8 * i));
        break;
    }
  }
  return nonce;
}

SealingContext::SealingContext(AeadPrimitive primitive, ByteSpan iv_mask,
                               CounterLayout layout, uint64_t limit)
    : primitive_(std::move(primitive)), layout_(layout), limit_(limit) {
  std::copy(iv_mask.begin(), iv_mask.end(), iv_mask_.begin());
}

SealingContext::SealingContext(SealingContext&& other) noexcept
    : primitive_(std::move(other.primitive_)),
      iv_mask_(other.iv_mask_),
      layout_(other.layout_),
      limit_(other.limit_),
      next_(other.next_.load()) {
  SecureWipe(other.iv_mask_.data(), other.iv_mask_.size());
  other.next_.store(other.limit_);  // a moved-from context seals nothing
}

SealingContext& SealingContext::operator=(SealingContext&& other) noexcept {
  if (this != &other) {
    primitive_ = std::move(other.primitive_);
    iv_mask_ = other.iv_mask_;
    layout_ = other.layout_;
    limit_ = other.limit_;
    next_.store(other.next_.load());
    SecureWipe(other.iv_mask_.data(), other.iv_mask_.size());
    other.next_.store(other.limit_);
  }
  return *this;
}

SealingContext::~SealingContext() {
  SecureWipe(iv_mask_.data(), iv_mask_.size());
}

Result<SealingContext> SealingContext::Create(AeadAlg alg, SecretBytes key,
                                              ByteSpan iv_mask,
                                              CounterLayout layout,
                                              uint64_t limit) {
  if (iv_mask.size() != kAeadNonceSize) {
    return Fail(Errc::kInvalidArgument, "aead: IV mask must be 12 bytes");
  }
  if (limit == 0) {
    return Fail(Errc::kInvalidArgument, "aead: sealing limit must be > 0");
  }
  CCGPU_ASSIGN_OR_RETURN(AeadPrimitive primitive,
                         AeadPrimitive::Create(alg, key.reveal()));
  return SealingContext(std::move(primitive), iv_mask, layout, limit);
}

uint64_t SealingContext::next_sequence() const { return next_.load(); }

Result<uint64_t> SealingContext::ClaimSequence() {
  uint64_t current = next_.load();
  do {
    if (current >= limit_) {
      return Fail(Errc::kNonceExhausted,
                  "aead: sealing counter reached its limit; rotate the key");
    }
  } while (!next_.compare_exchange_weak(current, current + 1));
  return current;
}

Result<uint64_t> SealingContext::Seal(ByteSpan aad, ByteSpan pt,
                                      std::span<uint8_t> out, OutputSink sink) {
  if (pt.size() > SIZE_MAX - kAeadTagSize ||
      out.size() != pt.size() + kAeadTagSize) {
    return Fail(Errc::kInvalidArgument, "aead: seal output must be pt + 16");
  }
  CCGPU_ASSIGN_OR_RETURN(const uint64_t seq, ClaimSequence());
  const auto nonce = NonceForSequence(iv_mask_, layout_, seq);
  CCGPU_TRY(primitive_.Seal(nonce, aad, pt, out, sink));
  return seq;
}

Result<uint64_t> SealingContext::SealGather(ByteSpan aad,
                                            std::span<const ByteSpan> pieces,
                                            std::span<uint8_t> out, OutputSink sink) {
  std::size_t total = 0;
  for (ByteSpan piece : pieces) total += piece.size();
  if (total > SIZE_MAX - kAeadTagSize || out.size() != total + kAeadTagSize) {
    return Fail(Errc::kInvalidArgument, "aead: seal output must be pt + 16");
  }
  CCGPU_ASSIGN_OR_RETURN(const uint64_t seq, ClaimSequence());
  const auto nonce = NonceForSequence(iv_mask_, layout_, seq);
  CCGPU_TRY(primitive_.SealGather(nonce, aad, pieces, out, sink));
  return seq;
}

Result<Bytes> SealingContext::Seal(ByteSpan aad, ByteSpan pt,
                                   uint64_t* seq_out) {
  if (pt.size() > SIZE_MAX - kAeadTagSize) {
    return Fail(Errc::kInvalidArgument, "aead: plaintext too long");
  }
  Bytes out(pt.size() + kAeadTagSize);
  CCGPU_ASSIGN_OR_RETURN(const uint64_t seq, Seal(aad, pt, std::span(out)));
  if (seq_out != nullptr) *seq_out = seq;
  return out;
}

Status SealingContext::Open(uint64_t seq, ByteSpan aad, ByteSpan in,
                            std::span<uint8_t> out, InputSource source) const {
  if (seq >= limit_) {
    SecureWipe(out.data(), out.size());
    return Fail(Errc::kNonceExhausted,
                "aead: sequence number beyond the key's limit");
  }
  const auto nonce = NonceForSequence(iv_mask_, layout_, seq);
  return primitive_.Open(nonce, aad, in, out, source);
}

Result<SecretBytes> SealingContext::Open(uint64_t seq, ByteSpan aad,
                                         ByteSpan in) const {
  if (in.size() < kAeadTagSize) {
    return Fail(Errc::kInvalidArgument, "aead: sealed input shorter than tag");
  }
  SecretBytes out(in.size() - kAeadTagSize);
  CCGPU_TRY(Open(seq, aad, in, out.reveal_mutable()));
  return out;
}

}  // namespace ccgpu::crypto
