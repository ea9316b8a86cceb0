// HKDF (RFC 5869) extract and expand, as separate steps (SPDM and TLS 1.3
// key schedules use them separately).
#ifndef CCGPU_CRYPTO_HKDF_H_
#define CCGPU_CRYPTO_HKDF_H_

#include <cstddef>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/hash.h"
#include "crypto/mac.h"

namespace ccgpu::crypto {

// PRK = HMAC-Hash(salt, IKM), DigestSize(alg) bytes. An empty salt means
// HashLen zero bytes (RFC 5869 §2.2). kCryptoFailure from OpenSSL.
Result<SecretBytes> HkdfExtract(HashAlg alg, ByteSpan salt, ByteSpan ikm);

// OKM = T(1) || T(2) || ... truncated to `length` (RFC 5869 §2.3).
// kInvalidArgument if length > 255 * DigestSize(alg) or prk is empty.
// length 0 yields an empty result.
Result<SecretBytes> HkdfExpand(HashAlg alg, ByteSpan prk, ByteSpan info,
                               std::size_t length);

// The same expansion with the PRK already keyed as an HmacKey (its alg() is
// the hash): for several expansions from one PRK (a key schedule deriving
// several labels), the PRK's pad blocks are absorbed once. The output equals
// HkdfExpand(prk.alg(), PRK, info, length). kInvalidArgument if length >
// 255 * HashLen (the PRK's length was the caller's to check when keying it);
// kCryptoFailure. The caller keeps `prk`.
Result<SecretBytes> HkdfExpand(const HmacKey& prk, ByteSpan info,
                               std::size_t length);

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_HKDF_H_
