// HMAC (RFC 2104) over SHA-2 hash states kept as values (sha2_state.h):
// H((K ^ opad) || H((K ^ ipad) || data)). OpenSSL 3.0's EVP_MAC path fetches
// the digest by name and builds a MAC context on every call, and even a
// hand-built HMAC over EVP_MD_CTX pays a context allocation per state copy,
// more than the four compression calls of a short HMAC (an SPDM session makes
// ~50 of them).
#include "crypto/mac.h"

#include <array>
#include <memory>
#include <utility>

#include "base/ct.h"
#include "base/secret.h"
#include "crypto/ossl.h"
#include "crypto/sha2_state.h"

namespace ccgpu::crypto {
namespace {

// Largest block size of the SHA-2 family (SHA-384/512: 128 bytes).
constexpr std::size_t kMaxBlock = 128;
constexpr std::size_t kMaxDigest = 64;

// Wipes the key block and the pad on every exit.
struct HmacScratch {
  std::array<uint8_t, kMaxBlock> key{};
  std::array<uint8_t, kMaxBlock> pad{};
  ~HmacScratch() {
    SecureWipe(key.data(), key.size());
    SecureWipe(pad.data(), pad.size());
  }
};

// The (K ^ ipad) and (K ^ opad) states of `key` (RFC 2104 §2: a key longer
// than the block is replaced by its hash; a shorter one is padded with zeros).
struct PaddedStates {
  internal::Sha2State inner;
  internal::Sha2State outer;
};
PaddedStates AbsorbPads(HashAlg alg, ByteSpan key) {
  PaddedStates p{internal::Sha2State(alg), internal::Sha2State(alg)};
  const std::size_t block = p.inner.block_size();
  HmacScratch s;
  static_assert(kMaxDigest <= kMaxBlock);
  if (key.size() > block) {
    internal::Sha2State long_key(alg);
    long_key.Update(key);
    long_key.FinalInto(std::span(s.key).first(long_key.size()));
  } else if (!key.empty()) {
    std::copy(key.begin(), key.end(), s.key.begin());
  }
  for (std::size_t i = 0; i < block; ++i) s.pad[i] = static_cast<uint8_t>(s.key[i] ^ 0x36);
  p.inner.Update(ByteSpan(s.pad).first(block));
  for (std::size_t i = 0; i < block; ++i) s.pad[i] = static_cast<uint8_t>(s.key[i] ^ 0x5c);
  p.outer.Update(ByteSpan(s.pad).first(block));
  return p;
}

// HMAC from the padded states: out = H(outer || H(inner || parts...)).
void MacFromStates(const PaddedStates& p, std::span<const ByteSpan> parts,
                   std::span<uint8_t> out) {
  std::array<uint8_t, kMaxDigest> inner;
  const auto inner_digest = std::span(inner).first(p.inner.size());
  internal::Sha2State w = p.inner;
  for (ByteSpan part : parts) w.Update(part);
  w.FinalInto(inner_digest);
  w = p.outer;
  w.Update(inner_digest);
  w.FinalInto(out);
  SecureWipe(inner_digest.data(), inner_digest.size());
}

}  // namespace

Status HmacInto(HashAlg alg, ByteSpan key, std::span<const ByteSpan> parts,
                std::span<uint8_t> out) {
  CCGPU_CHECK(out.size() == DigestSize(alg));
  MacFromStates(AbsorbPads(alg, key), parts, out);
  return OkStatus();
}

// --- HmacKey ----------------------------------------------------------------

struct HmacKeyState {
  PaddedStates pads;
};

HmacKey::HmacKey(HashAlg alg, std::unique_ptr<HmacKeyState> state)
    : alg_(alg), state_(std::move(state)) {}
HmacKey::HmacKey(HmacKey&&) noexcept = default;
HmacKey& HmacKey::operator=(HmacKey&&) noexcept = default;
HmacKey::~HmacKey() = default;

std::size_t HmacKey::size() const { return DigestSize(alg_); }

Result<HmacKey> HmacKey::Create(HashAlg alg, ByteSpan key) {
  return HmacKey(alg, std::make_unique<HmacKeyState>(HmacKeyState{AbsorbPads(alg, key)}));
}

Status HmacKey::MacInto(std::span<const ByteSpan> parts,
                        std::span<uint8_t> out) const {
  CCGPU_CHECK(state_ != nullptr);
  CCGPU_CHECK(out.size() == DigestSize(alg_));
  MacFromStates(state_->pads, parts, out);
  return OkStatus();
}

Result<Bytes> HmacKey::Mac(ByteSpan data) const {
  Bytes out(size());
  const ByteSpan parts[] = {data};
  CCGPU_TRY(MacInto(parts, out));
  return out;
}

Status HmacKey::Verify(ByteSpan data, ByteSpan tag) const {
  CCGPU_ASSIGN_OR_RETURN(Bytes expected, Mac(data));
  if (tag.size() != expected.size() || !CtEqual(expected, tag)) {
    return Fail(Errc::kAuthFailed, "hmac: tag does not verify");
  }
  return OkStatus();
}

Result<Bytes> Hmac(HashAlg alg, ByteSpan key, ByteSpan data) {
  Bytes out(DigestSize(alg));
  const ByteSpan parts[] = {data};
  CCGPU_TRY(HmacInto(alg, key, parts, out));
  return out;
}

Status HmacVerify(HashAlg alg, ByteSpan key, ByteSpan data, ByteSpan tag) {
  CCGPU_ASSIGN_OR_RETURN(Bytes expected, Hmac(alg, key, data));
  if (tag.size() != expected.size() || !CtEqual(expected, tag)) {
    return Fail(Errc::kAuthFailed, "hmac: tag does not verify");
  }
  return OkStatus();
}

}  // namespace ccgpu::crypto
