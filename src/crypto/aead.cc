#include "crypto/aead.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <mutex>

#include "crypto/ossl.h"

namespace ccgpu::crypto {

// The key's cipher contexts. `enc`/`dec` are keyed once at creation; a
// record then only sets its nonce. Each resident context is used by one call
// at a time (its mutex); a concurrent call keys a temporary context from
// `key` instead of waiting.
struct AeadState {
  const EVP_CIPHER* cipher = nullptr;
  SecretBytes key;
  std::mutex enc_mu;
  std::mutex dec_mu;
  OsslPtr<EVP_CIPHER_CTX> enc;
  OsslPtr<EVP_CIPHER_CTX> dec;
};

const char* AeadName(AeadAlg alg) {
  switch (alg) {
    case AeadAlg::kAes256Gcm: return "AES-256-GCM";
    case AeadAlg::kChaCha20Poly1305: return "ChaCha20-Poly1305";
  }
  return "unknown AEAD";
}

namespace {

// True if the two ranges share memory but do not start at the same byte.
bool PartialOverlap(const uint8_t* a, std::size_t a_len, const uint8_t* b,
                    std::size_t b_len) {
  if (a_len == 0 || b_len == 0 || a == b) return false;
  const std::less<const uint8_t*> lt;
  return lt(a, b + b_len) && lt(b, a + a_len);
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

// Feeds associated data, then transforms `in` into `out` (same length).
Status Run(EVP_CIPHER_CTX* ctx, bool encrypt, ByteSpan aad, ByteSpan in,
           uint8_t* out) {
  auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  while (!aad.empty()) {
    const std::size_t n = std::min(aad.size(), kMaxOsslChunk);
    int outl = 0;
    if (update(ctx, nullptr, &outl, aad.data(), static_cast<int>(n)) != 1) {
      return OsslFail(Errc::kCryptoFailure, "aead: associated data");
    }
    aad = aad.subspan(n);
  }
  std::size_t done = 0;
  while (done < in.size()) {
    const std::size_t n = std::min(in.size() - done, kMaxOsslChunk);
    int outl = 0;
    if (update(ctx, out + done, &outl, in.data() + done,
               static_cast<int>(n)) != 1 ||
        static_cast<std::size_t>(outl) != n) {
      return OsslFail(Errc::kCryptoFailure, "aead: cipher update");
    }
    done += n;
  }
  return OkStatus();
}

Status SealWith(EVP_CIPHER_CTX* ctx, ByteSpan aad, ByteSpan pt,
                std::span<uint8_t> out) {
  CCGPU_TRY(Run(ctx, true, aad, pt, out.data()));
  int outl = 0;
  uint8_t* tag = out.data() + pt.size();
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
                std::span<uint8_t> out) {
  // OpenSSL's control interface takes a mutable pointer; give it a copy.
  uint8_t tag_copy[kAeadTagSize];
  std::memcpy(tag_copy, tag.data(), kAeadTagSize);
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                          static_cast<int>(kAeadTagSize), tag_copy) != 1) {
    return OsslFail(Errc::kCryptoFailure, "aead: set tag");
  }
  CCGPU_TRY(Run(ctx, false, aad, ct, out.data()));
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
  // The cached contexts are keyed on first use of their direction (under
  // their mutex): a sealing-only or opening-only user (an SPDM or channel
  // direction) keys one context, not two. (Both ciphers take any 32-byte
  // key, checked above; a failing init is reported by that first call.)
  return AeadPrimitive(alg, std::move(state));
}

Status AeadPrimitive::Seal(ByteSpan nonce, ByteSpan aad, ByteSpan pt,
                           std::span<uint8_t> out) const {
  if (nonce.size() != kAeadNonceSize) {
    return Fail(Errc::kInvalidArgument, "aead: nonce must be 12 bytes");
  }
  if (pt.size() > SIZE_MAX - kAeadTagSize ||
      out.size() != pt.size() + kAeadTagSize) {
    return Fail(Errc::kInvalidArgument, "aead: seal output must be pt + 16");
  }
  if (PartialOverlap(pt.data(), pt.size(), out.data(), out.size()) ||
      PartialOverlap(aad.data(), aad.size(), out.data(), out.size())) {
    return Fail(Errc::kInvalidArgument, "aead: seal buffers overlap");
  }
  if (!state_) return Fail(Errc::kStateError, "aead: key was moved away");
  AeadState& s = *state_;
  std::unique_lock<std::mutex> lock(s.enc_mu, std::try_to_lock);
  OsslPtr<EVP_CIPHER_CTX> temporary;
  EVP_CIPHER_CTX* ctx = nullptr;
  if (lock.owns_lock()) {
    if (!s.enc) {
      CCGPU_ASSIGN_OR_RETURN(s.enc,
                             KeyedContext(s.cipher, s.key.reveal(), true));
    }
    ctx = s.enc.get();
    if (EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr) !=
        1) {
      return OsslFail(Errc::kCryptoFailure, "aead: set nonce");
    }
  } else {
    temporary.reset(EVP_CIPHER_CTX_new());
    if (!temporary ||
        EVP_EncryptInit_ex2(temporary.get(), s.cipher, s.key.reveal().data(),
                            nonce.data(), nullptr) != 1) {
      return OsslFail(Errc::kCryptoFailure, "aead: cipher init");
    }
    ctx = temporary.get();
  }
  Status st = SealWith(ctx, aad, pt, out);
  if (!st) SecureWipe(out.data(), out.size());
  return st;
}

Status AeadPrimitive::Open(ByteSpan nonce, ByteSpan aad, ByteSpan in,
                           std::span<uint8_t> out) const {
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
  AeadState& s = *state_;
  std::unique_lock<std::mutex> lock(s.dec_mu, std::try_to_lock);
  OsslPtr<EVP_CIPHER_CTX> temporary;
  EVP_CIPHER_CTX* ctx = nullptr;
  if (lock.owns_lock()) {
    if (!s.dec) {
      CCGPU_ASSIGN_OR_RETURN(s.dec,
                             KeyedContext(s.cipher, s.key.reveal(), false));
    }
    ctx = s.dec.get();
    if (EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr) !=
        1) {
      return OsslFail(Errc::kCryptoFailure, "aead: set nonce");
    }
  } else {
    temporary.reset(EVP_CIPHER_CTX_new());
    if (!temporary ||
        EVP_DecryptInit_ex2(temporary.get(), s.cipher, s.key.reveal().data(),
                            nonce.data(), nullptr) != 1) {
      return OsslFail(Errc::kCryptoFailure, "aead: cipher init");
    }
    ctx = temporary.get();
  }
  Status st = OpenWith(ctx, aad, ct, tag, out);
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
                                      std::span<uint8_t> out) {
  if (pt.size() > SIZE_MAX - kAeadTagSize ||
      out.size() != pt.size() + kAeadTagSize) {
    return Fail(Errc::kInvalidArgument, "aead: seal output must be pt + 16");
  }
  CCGPU_ASSIGN_OR_RETURN(const uint64_t seq, ClaimSequence());
  const auto nonce = NonceForSequence(iv_mask_, layout_, seq);
  CCGPU_TRY(primitive_.Seal(nonce, aad, pt, out));
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
                            std::span<uint8_t> out) const {
  if (seq >= limit_) {
    SecureWipe(out.data(), out.size());
    return Fail(Errc::kNonceExhausted,
                "aead: sequence number beyond the key's limit");
  }
  const auto nonce = NonceForSequence(iv_mask_, layout_, seq);
  return primitive_.Open(nonce, aad, in, out);
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
