// HMAC (RFC 2104) over the SHA-2 family.
#ifndef CCGPU_CRYPTO_MAC_H_
#define CCGPU_CRYPTO_MAC_H_

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace ccgpu::crypto {

// HMAC-`alg`(key, data), full length (DigestSize(alg)). Any key length,
// including empty. kCryptoFailure / kUnsupportedAlgorithm from OpenSSL.
Result<Bytes> Hmac(HashAlg alg, ByteSpan key, ByteSpan data);

// Checks a full-length `tag` in constant time. kAuthFailed if it differs or
// has the wrong length.
Status HmacVerify(HashAlg alg, ByteSpan key, ByteSpan data, ByteSpan tag);

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_MAC_H_
