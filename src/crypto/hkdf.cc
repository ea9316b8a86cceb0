// HKDF (RFC 5869) on the HMAC of mac.cc: extract = HMAC(salt, IKM); expand
// T(i) = HMAC(PRK, T(i-1) || info || i). Every intermediate block is wiped.
#include "crypto/hkdf.h"

#include <array>

#include "base/secret.h"
#include "crypto/ossl.h"

namespace ccgpu::crypto {

Result<SecretBytes> HkdfExtract(HashAlg alg, ByteSpan salt, ByteSpan ikm) {
  if (ikm.size() > kMaxOsslChunk || salt.size() > kMaxOsslChunk) {
    return Fail(Errc::kInvalidArgument, "hkdf: extract input too long");
  }
  // RFC 5869 §2.2: an absent salt is HashLen zeros; as an HMAC key that is
  // the same as the empty key (both are zero-padded to the block size).
  SecretBytes prk(DigestSize(alg));
  const ByteSpan parts[] = {ikm};
  CCGPU_TRY(HmacInto(alg, salt, parts, prk.reveal_mutable()));
  return prk;
}

namespace {

// T(1) || T(2) || ... truncated to `length`; `mac(parts, out)` is
// HMAC(PRK, parts...). T(i) lives on the stack and is wiped on every exit.
template <typename MacFn>
Result<SecretBytes> ExpandBlocks(std::size_t hlen, ByteSpan info,
                                 std::size_t length, MacFn&& mac) {
  if (length > 255 * hlen) {
    return Fail(Errc::kInvalidArgument,
                "hkdf: output longer than 255 * HashLen (RFC 5869 2.3)");
  }
  if (info.size() > kMaxOsslChunk) {
    return Fail(Errc::kInvalidArgument, "hkdf: expand input too long");
  }
  if (length == 0) return SecretBytes();
  SecretBytes out(length);
  struct Block {
    std::array<uint8_t, 64> bytes{};
    ~Block() { SecureWipe(bytes.data(), bytes.size()); }
  } t;
  CCGPU_CHECK(hlen <= t.bytes.size());
  const std::span<uint8_t> ti = std::span<uint8_t>(t.bytes).first(hlen);
  std::size_t done = 0;
  for (uint8_t i = 1; done < length; ++i) {
    const uint8_t counter[1] = {i};
    // T(1) = HMAC(PRK, info || 0x01); T(i) = HMAC(PRK, T(i-1) || info || i).
    // The MAC reads T(i-1) before it writes T(i) over it.
    const ByteSpan first[] = {info, counter};
    const ByteSpan next[] = {ti, info, counter};
    CCGPU_TRY(mac(i == 1 ? std::span<const ByteSpan>(first)
                         : std::span<const ByteSpan>(next),
                  ti));
    const std::size_t n = std::min(hlen, length - done);
    std::copy_n(ti.begin(), n, out.reveal_mutable().begin() + static_cast<std::ptrdiff_t>(done));
    done += n;
  }
  return out;
}

}  // namespace

Result<SecretBytes> HkdfExpand(HashAlg alg, ByteSpan prk, ByteSpan info,
                               std::size_t length) {
  if (prk.empty()) {
    return Fail(Errc::kInvalidArgument, "hkdf: empty PRK");
  }
  if (prk.size() > kMaxOsslChunk) {
    return Fail(Errc::kInvalidArgument, "hkdf: expand input too long");
  }
  return ExpandBlocks(DigestSize(alg), info, length,
                      [&](std::span<const ByteSpan> parts, std::span<uint8_t> ti) {
                        return HmacInto(alg, prk, parts, ti);
                      });
}

Result<SecretBytes> HkdfExpand(const HmacKey& prk, ByteSpan info,
                               std::size_t length) {
  return ExpandBlocks(prk.size(), info, length,
                      [&](std::span<const ByteSpan> parts, std::span<uint8_t> ti) {
                        return prk.MacInto(parts, ti);
                      });
}

}  // namespace ccgpu::crypto
