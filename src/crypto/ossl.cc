// Algorithms fetched once per process. Function-local statics are
// initialised thread-safely; the fetched objects live until exit.
#include "crypto/ossl.h"

namespace ccgpu::crypto {

const EVP_MD* FetchedMd(HashAlg alg) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  switch (alg) {
    case HashAlg::kSha256: return sha256;
    case HashAlg::kSha384: return sha384;
    case HashAlg::kSha512: return sha512;
  }
  return nullptr;
}

const EVP_CIPHER* FetchedCipher(AeadAlg alg) {
  static EVP_CIPHER* const aes =
      EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  static EVP_CIPHER* const chacha =
      EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  switch (alg) {
    case AeadAlg::kAes256Gcm: return aes;
    case AeadAlg::kChaCha20Poly1305: return chacha;
  }
  return nullptr;
}

}  // namespace ccgpu::crypto
