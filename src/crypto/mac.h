// HMAC (RFC 2104) over the SHA-2 family.
#ifndef CCGPU_CRYPTO_MAC_H_
#define CCGPU_CRYPTO_MAC_H_

#include <memory>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace ccgpu::crypto {

// HMAC-`alg`(key, data), full length (DigestSize(alg)). Any key length,
// including empty. Cannot fail today (see Hash).
Result<Bytes> Hmac(HashAlg alg, ByteSpan key, ByteSpan data);

// Checks a full-length `tag` in constant time. kAuthFailed if it differs or
// has the wrong length.
Status HmacVerify(HashAlg alg, ByteSpan key, ByteSpan data, ByteSpan tag);

struct HmacKeyState;  // the two padded hash states (mac.cc); opaque here

// An HMAC key with its two padded blocks already absorbed: the inner and
// outer hash states after (K ^ ipad) and (K ^ opad) (RFC 2104 §4 notes this
// precomputation). Each MAC then costs a state copy and the data's
// compression calls, not the two pad blocks and a fresh context again; worth
// it where one key makes several MACs (HKDF-Expand of several labels from one
// PRK). The states are key-equivalent secrets, wiped when the object is
// destroyed. Move-only; MAC calls on one object may run on several threads.
class HmacKey {
 public:
  // Any key length, as Hmac(); the key bytes are not kept. Cannot fail
  // today (a Result as Hash's is).
  static Result<HmacKey> Create(HashAlg alg, ByteSpan key);

  HmacKey(HmacKey&&) noexcept;
  HmacKey& operator=(HmacKey&&) noexcept;
  ~HmacKey();

  HashAlg alg() const { return alg_; }
  // DigestSize(alg()).
  std::size_t size() const;

  // HMAC(key, parts[0] || parts[1] || ...) into `out` (exactly size() bytes,
  // else aborts). `out` may alias a part (parts are read first).
  // kCryptoFailure.
  Status MacInto(std::span<const ByteSpan> parts, std::span<uint8_t> out) const;
  // HMAC(key, data). kCryptoFailure.
  Result<Bytes> Mac(ByteSpan data) const;
  // Constant-time check of a full-length tag; kAuthFailed if it differs or
  // has the wrong length.
  Status Verify(ByteSpan data, ByteSpan tag) const;

 private:
  HmacKey(HashAlg alg, std::unique_ptr<HmacKeyState> state);
  HashAlg alg_;
  std::unique_ptr<HmacKeyState> state_;
};

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_MAC_H_
