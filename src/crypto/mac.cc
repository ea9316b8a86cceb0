#include "crypto/mac.h"

#include <array>

#include "base/ct.h"
#include "crypto/ossl.h"

namespace ccgpu::crypto {

Result<Bytes> Hmac(HashAlg alg, ByteSpan key, ByteSpan data) {
  EVP_MAC* mac = FetchedHmac();
  const EVP_MD* md = FetchedMd(alg);
  if (mac == nullptr || md == nullptr) {
    return OsslFail(Errc::kUnsupportedAlgorithm, "hmac: HMAC not available");
  }
  if (key.size() > kMaxOsslChunk) {
    return Fail(Errc::kInvalidArgument, "hmac: key too long");
  }
  OsslPtr<EVP_MAC_CTX> ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return OsslFail(Errc::kCryptoFailure, "hmac: EVP_MAC_CTX_new");
  // OSSL_PARAM wants a mutable name; EVP_MD_get0_name's storage is static.
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(
          "digest", const_cast<char*>(EVP_MD_get0_name(md)), 0),
      OSSL_PARAM_construct_end()};
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const uint8_t kEmpty[1] = {0};
  const uint8_t* key_ptr = key.empty() ? kEmpty : key.data();
  if (EVP_MAC_init(ctx.get(), key_ptr, key.size(), params) != 1) {
    return OsslFail(Errc::kCryptoFailure, "hmac: EVP_MAC_init");
  }
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), kMaxOsslChunk);
    if (EVP_MAC_update(ctx.get(), data.data(), n) != 1) {
      return OsslFail(Errc::kCryptoFailure, "hmac: EVP_MAC_update");
    }
    data = data.subspan(n);
  }
  Bytes out(DigestSize(alg));
  std::size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 ||
      len != out.size()) {
    return OsslFail(Errc::kCryptoFailure, "hmac: EVP_MAC_final");
  }
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
