// HMAC (RFC 2104) computed directly over the process-wide fetched digest
// (EVP_MD_CTX): H((K ^ opad) || H((K ^ ipad) || data)). OpenSSL 3.0's EVP_MAC
// path fetches the digest by name and builds a MAC context on every call,
// which cost more than the two or four compression calls of a short HMAC
// (SPDM key schedules make ~30 of them per session).
#include "crypto/mac.h"

#include <array>
#include <memory>
#include <utility>

#include "base/ct.h"
#include "base/secret.h"
#include "crypto/ossl.h"

namespace ccgpu::crypto {
namespace {

// Largest block size of the SHA-2 family (SHA-384/512: 128 bytes).
constexpr std::size_t kMaxBlock = 128;
constexpr std::size_t kMaxDigest = 64;

// Wipes the key block, the pad and the inner hash on every exit.
struct HmacScratch {
  std::array<uint8_t, kMaxBlock> key{};
  std::array<uint8_t, kMaxBlock> pad{};
  std::array<uint8_t, kMaxDigest> inner{};
  ~HmacScratch() {
    SecureWipe(key.data(), key.size());
    SecureWipe(pad.data(), pad.size());
    SecureWipe(inner.data(), inner.size());
  }
};

// The fetched digest of `alg` with its output and block sizes, checked
// against the scratch buffers' sizes.
struct HmacDigest {
  const EVP_MD* md;
  std::size_t hlen;
  std::size_t block;
};
Result<HmacDigest> GetHmacDigest(HashAlg alg) {
  const EVP_MD* md = FetchedMd(alg);
  if (md == nullptr) {
    return OsslFail(Errc::kUnsupportedAlgorithm, "hmac: digest not available");
  }
  const std::size_t hlen = DigestSize(alg);
  const int block_int = EVP_MD_get_block_size(md);
  if (block_int <= 0 || static_cast<std::size_t>(block_int) > kMaxBlock ||
      hlen > kMaxDigest) {
    return Fail(Errc::kCryptoFailure, "hmac: unexpected digest block size");
  }
  return HmacDigest{md, hlen, static_cast<std::size_t>(block_int)};
}

}  // namespace

Status HmacInto(HashAlg alg, ByteSpan key, std::span<const ByteSpan> parts,
                std::span<uint8_t> out) {
  CCGPU_ASSIGN_OR_RETURN(const HmacDigest d, GetHmacDigest(alg));
  const EVP_MD* md = d.md;
  const std::size_t hlen = d.hlen;
  const std::size_t block = d.block;
  CCGPU_CHECK(out.size() == hlen);
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return OsslFail(Errc::kCryptoFailure, "hmac: EVP_MD_CTX_new");
  HmacScratch s;
  unsigned int len = 0;
  // RFC 2104 §2: a key longer than the block is replaced by its hash; a
  // shorter one is padded with zeros to the block size.
  if (key.size() > block) {
    if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) {
      return OsslFail(Errc::kCryptoFailure, "hmac: EVP_DigestInit_ex2");
    }
    CCGPU_TRY(DigestUpdateAll(ctx.get(), key, "hmac: EVP_DigestUpdate"));
    if (EVP_DigestFinal_ex(ctx.get(), s.key.data(), &len) != 1 || len != hlen) {
      return OsslFail(Errc::kCryptoFailure, "hmac: EVP_DigestFinal_ex");
    }
  } else if (!key.empty()) {
    std::copy(key.begin(), key.end(), s.key.begin());
  }
  // inner = H((K ^ ipad) || parts...)
  for (std::size_t i = 0; i < block; ++i) s.pad[i] = static_cast<uint8_t>(s.key[i] ^ 0x36);
  if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), s.pad.data(), block) != 1) {
    return OsslFail(Errc::kCryptoFailure, "hmac: inner hash");
  }
  for (ByteSpan part : parts) CCGPU_TRY(DigestUpdateAll(ctx.get(), part, "hmac: EVP_DigestUpdate"));
  if (EVP_DigestFinal_ex(ctx.get(), s.inner.data(), &len) != 1 || len != hlen) {
    return OsslFail(Errc::kCryptoFailure, "hmac: inner EVP_DigestFinal_ex");
  }
  // out = H((K ^ opad) || inner)
  for (std::size_t i = 0; i < block; ++i) s.pad[i] = static_cast<uint8_t>(s.key[i] ^ 0x5c);
  if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), s.pad.data(), block) != 1 ||
      EVP_DigestUpdate(ctx.get(), s.inner.data(), hlen) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != hlen) {
    return OsslFail(Errc::kCryptoFailure, "hmac: outer hash");
  }
  return OkStatus();
}

// --- HmacKey ----------------------------------------------------------------

struct HmacKeyState {
  OsslPtr<EVP_MD_CTX> inner;  // after (K ^ ipad)
  OsslPtr<EVP_MD_CTX> outer;  // after (K ^ opad)
  OsslPtr<EVP_MD_CTX> work;   // scratch for one MAC (reused)
};

HmacKey::HmacKey(HashAlg alg, std::unique_ptr<HmacKeyState> state)
    : alg_(alg), state_(std::move(state)) {}
HmacKey::HmacKey(HmacKey&&) noexcept = default;
HmacKey& HmacKey::operator=(HmacKey&&) noexcept = default;
HmacKey::~HmacKey() = default;

std::size_t HmacKey::size() const { return DigestSize(alg_); }

Result<HmacKey> HmacKey::Create(HashAlg alg, ByteSpan key) {
  CCGPU_ASSIGN_OR_RETURN(const HmacDigest d, GetHmacDigest(alg));
  const EVP_MD* md = d.md;
  const std::size_t hlen = d.hlen;
  if (key.size() > kMaxOsslChunk) {
    return Fail(Errc::kInvalidArgument, "hmac: key too long");
  }
  const std::size_t block = d.block;
  auto st = std::make_unique<HmacKeyState>();
  st->inner.reset(EVP_MD_CTX_new());
  st->outer.reset(EVP_MD_CTX_new());
  st->work.reset(EVP_MD_CTX_new());
  if (!st->inner || !st->outer || !st->work) {
    return OsslFail(Errc::kCryptoFailure, "hmac: EVP_MD_CTX_new");
  }
  HmacScratch s;
  if (key.size() > block) {
    unsigned int len = 0;
    if (EVP_DigestInit_ex2(st->work.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(st->work.get(), key.data(), key.size()) != 1 ||
        EVP_DigestFinal_ex(st->work.get(), s.key.data(), &len) != 1 ||
        len != hlen) {
      return OsslFail(Errc::kCryptoFailure, "hmac: hashing a long key");
    }
  } else if (!key.empty()) {
    std::copy(key.begin(), key.end(), s.key.begin());
  }
  for (std::size_t i = 0; i < block; ++i) s.pad[i] = static_cast<uint8_t>(s.key[i] ^ 0x36);
  if (EVP_DigestInit_ex2(st->inner.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(st->inner.get(), s.pad.data(), block) != 1) {
    return OsslFail(Errc::kCryptoFailure, "hmac: inner pad");
  }
  for (std::size_t i = 0; i < block; ++i) s.pad[i] = static_cast<uint8_t>(s.key[i] ^ 0x5c);
  if (EVP_DigestInit_ex2(st->outer.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(st->outer.get(), s.pad.data(), block) != 1) {
    return OsslFail(Errc::kCryptoFailure, "hmac: outer pad");
  }
  return HmacKey(alg, std::move(st));
}

Status HmacKey::MacInto(std::span<const ByteSpan> parts,
                        std::span<uint8_t> out) const {
  const std::size_t hlen = DigestSize(alg_);
  CCGPU_CHECK(state_ != nullptr);
  CCGPU_CHECK(out.size() == hlen);
  EVP_MD_CTX* w = state_->work.get();
  HmacScratch s;
  unsigned int len = 0;
  if (EVP_MD_CTX_copy_ex(w, state_->inner.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "hmac: EVP_MD_CTX_copy_ex");
  }
  for (ByteSpan part : parts) CCGPU_TRY(DigestUpdateAll(w, part, "hmac: EVP_DigestUpdate"));
  if (EVP_DigestFinal_ex(w, s.inner.data(), &len) != 1 || len != hlen) {
    return OsslFail(Errc::kCryptoFailure, "hmac: inner EVP_DigestFinal_ex");
  }
  if (EVP_MD_CTX_copy_ex(w, state_->outer.get()) != 1 ||
      EVP_DigestUpdate(w, s.inner.data(), hlen) != 1 ||
      EVP_DigestFinal_ex(w, out.data(), &len) != 1 || len != hlen) {
    return OsslFail(Errc::kCryptoFailure, "hmac: outer hash");
  }
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
