#include "crypto/hkdf.h"

#include "crypto/ossl.h"

namespace ccgpu::crypto {
namespace {

// Runs OpenSSL's HKDF in one mode. `key` is the IKM (extract) or PRK
// (expand); `salt_or_info` is the salt (extract) or info (expand).
Result<SecretBytes> RunHkdf(HashAlg alg, int mode, ByteSpan key,
                            ByteSpan salt_or_info, std::size_t out_len) {
  EVP_KDF* kdf = FetchedHkdf();
  const EVP_MD* md = FetchedMd(alg);
  if (kdf == nullptr || md == nullptr) {
    return OsslFail(Errc::kUnsupportedAlgorithm, "hkdf: HKDF not available");
  }
  OsslPtr<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf));
  if (!ctx) return OsslFail(Errc::kCryptoFailure, "hkdf: EVP_KDF_CTX_new");
  // OpenSSL reads these parameters only; OSSL_PARAM's API is not const.
  static uint8_t empty[1] = {0};
  auto* key_ptr = key.empty() ? empty : const_cast<uint8_t*>(key.data());
  auto* extra_ptr =
      salt_or_info.empty() ? empty : const_cast<uint8_t*>(salt_or_info.data());
  int mode_value = mode;
  const bool extract = mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int("mode", &mode_value),
      OSSL_PARAM_construct_utf8_string(
          "digest", const_cast<char*>(EVP_MD_get0_name(md)), 0),
      OSSL_PARAM_construct_octet_string("key", key_ptr, key.size()),
      OSSL_PARAM_construct_octet_string(extract ? "salt" : "info", extra_ptr,
                                        salt_or_info.size()),
      OSSL_PARAM_construct_end()};
  SecretBytes out(out_len);
  if (EVP_KDF_derive(ctx.get(), out.reveal_mutable().data(), out_len,
                     params) != 1) {
    return OsslFail(Errc::kCryptoFailure, "hkdf: EVP_KDF_derive");
  }
  return out;
}

}  // namespace

Result<SecretBytes> HkdfExtract(HashAlg alg, ByteSpan salt, ByteSpan ikm) {
  if (ikm.size() > kMaxOsslChunk || salt.size() > kMaxOsslChunk) {
    return Fail(Errc::kInvalidArgument, "hkdf: extract input too long");
  }
  return RunHkdf(alg, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt,
                 DigestSize(alg));
}

Result<SecretBytes> HkdfExpand(HashAlg alg, ByteSpan prk, ByteSpan info,
                               std::size_t length) {
  if (length > 255 * DigestSize(alg)) {
    return Fail(Errc::kInvalidArgument,
                "hkdf: output longer than 255 * HashLen (RFC 5869 2.3)");
  }
  if (prk.empty()) {
    return Fail(Errc::kInvalidArgument, "hkdf: empty PRK");
  }
  if (info.size() > kMaxOsslChunk || prk.size() > kMaxOsslChunk) {
    return Fail(Errc::kInvalidArgument, "hkdf: expand input too long");
  }
  if (length == 0) return SecretBytes();
  return RunHkdf(alg, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, info, length);
}

}  // namespace ccgpu::crypto
