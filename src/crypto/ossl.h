// Internal to src/crypto: RAII for OpenSSL objects and the algorithms this
// layer fetches once per process. Never include this outside src/crypto.
#ifndef CCGPU_CRYPTO_OSSL_H_
#define CCGPU_CRYPTO_OSSL_H_

#include <algorithm>
#include <memory>
#include <span>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/result.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace ccgpu::crypto {

// OsslPtr<T>: a unique_ptr whose deleter is the type's OpenSSL free function.
template <typename T>
struct OsslDeleter;

#define CCGPU_OSSL_DELETER(Type, free_fn)                \
  template <>                                            \
  struct OsslDeleter<Type> {                             \
    void operator()(Type* p) const noexcept { free_fn(p); } \
  }

CCGPU_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
CCGPU_OSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
CCGPU_OSSL_DELETER(EVP_MAC_CTX, EVP_MAC_CTX_free);
CCGPU_OSSL_DELETER(EVP_KDF_CTX, EVP_KDF_CTX_free);
CCGPU_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free);
CCGPU_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
CCGPU_OSSL_DELETER(BIGNUM, BN_clear_free);
CCGPU_OSSL_DELETER(BN_CTX, BN_CTX_free);
CCGPU_OSSL_DELETER(BIO, BIO_free_all);
CCGPU_OSSL_DELETER(ECDSA_SIG, ECDSA_SIG_free);
CCGPU_OSSL_DELETER(EC_GROUP, EC_GROUP_free);
CCGPU_OSSL_DELETER(EC_POINT, EC_POINT_free);
CCGPU_OSSL_DELETER(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free);
CCGPU_OSSL_DELETER(OSSL_PARAM, OSSL_PARAM_free);
CCGPU_OSSL_DELETER(X509, X509_free);
CCGPU_OSSL_DELETER(X509_STORE, X509_STORE_free);
CCGPU_OSSL_DELETER(X509_STORE_CTX, X509_STORE_CTX_free);
CCGPU_OSSL_DELETER(ASN1_OBJECT, ASN1_OBJECT_free);
CCGPU_OSSL_DELETER(ASN1_INTEGER, ASN1_INTEGER_free);
CCGPU_OSSL_DELETER(STACK_OF(X509), sk_X509_free);
CCGPU_OSSL_DELETER(STACK_OF(OPENSSL_STRING), X509_email_free);

#undef CCGPU_OSSL_DELETER

template <typename T>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T>>;

// Shared ownership of an EVP_PKEY (public classes hold std::shared_ptr).
inline std::shared_ptr<EVP_PKEY> ShareKey(OsslPtr<EVP_PKEY> key) {
  return std::shared_ptr<EVP_PKEY>(key.release(), OsslDeleter<EVP_PKEY>());
}

// Algorithms fetched once per process (nullptr if the provider lacks them;
// callers turn that into kUnsupportedAlgorithm). Thread-safe.
const EVP_MD* FetchedMd(HashAlg alg);
const EVP_CIPHER* FetchedCipher(AeadAlg alg);

// HMAC-`alg`(key, parts[0] || parts[1] || ...) into `out` (exactly
// DigestSize(alg) bytes, else aborts), computed over the fetched digest
// (mac.cc). `out` may alias a part: every part is read before `out` is
// written. kUnsupportedAlgorithm / kCryptoFailure.
Status HmacInto(HashAlg alg, ByteSpan key, std::span<const ByteSpan> parts,
                std::span<uint8_t> out);

class Certificate;
// The OpenSSL object of a parsed certificate (borrowed; lives as long as any
// copy of `cert`). Implemented in x509.cc.
X509* CertificateX509(const Certificate& cert);

// Returns Fail(code, context) after clearing OpenSSL's thread-local error
// queue, so one failure never leaks into a later call's diagnosis.
inline tl::unexpected<Error> OsslFail(Errc code, const char* context) {
  ERR_clear_error();
  return Fail(code, context);
}

// OpenSSL takes int lengths; inputs larger than this are processed in pieces
// or refused.
inline constexpr std::size_t kMaxOsslChunk = std::size_t{1} << 30;

// EVP_DigestUpdate over any length (in kMaxOsslChunk pieces).
// kCryptoFailure with `context` if OpenSSL fails.
inline Status DigestUpdateAll(EVP_MD_CTX* ctx, ByteSpan data, const char* context) {
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), kMaxOsslChunk);
    if (EVP_DigestUpdate(ctx, data.data(), n) != 1) return OsslFail(Errc::kCryptoFailure, context);
    data = data.subspan(n);
  }
  return OkStatus();
}

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_OSSL_H_
