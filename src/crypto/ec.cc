#include "crypto/ec.h"

#include <cstring>

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "crypto/ossl.h"

namespace ccgpu::crypto {

std::size_t CoordinateSize(Curve curve) {
  switch (curve) {
    case Curve::kP256: return 32;
    case Curve::kP384: return 48;
  }
  return 0;
}

const char* CurveName(Curve curve) {
  switch (curve) {
    case Curve::kP256: return "P-256";
    case Curve::kP384: return "P-384";
  }
  return "unknown curve";
}

namespace {

// OpenSSL's canonical group names.
const char* GroupName(Curve curve) {
  return curve == Curve::kP256 ? "prime256v1" : "secp384r1";
}
int CurveNid(Curve curve) {
  return curve == Curve::kP256 ? NID_X9_62_prime256v1 : NID_secp384r1;
}

// Never prompt for a passphrase: encrypted keys simply fail to load.
int NoPassphrase(char*, int, int, void*) { return -1; }

Result<OsslPtr<BIO>> MemBio(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(INT32_MAX)) {
    return Fail(Errc::kInvalidArgument, "ec: PEM text too long");
  }
  OsslPtr<BIO> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return OsslFail(Errc::kCryptoFailure, "ec: BIO_new_mem_buf");
  return bio;
}

Result<std::string> DrainBio(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len < 0 || (len > 0 && data == nullptr)) {
    return OsslFail(Errc::kCryptoFailure, "ec: BIO_get_mem_data");
  }
  return std::string(data, static_cast<std::size_t>(len));
}

// The named P-256/P-384 curve of an EC key. kBadKey if not EC;
// kUnsupportedAlgorithm for explicit parameters or another curve.
Result<Curve> CurveOf(const EVP_PKEY* pkey) {
  if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) {
    return OsslFail(Errc::kBadKey, "ec: key is not an EC key");
  }
  char encoding[32] = {0};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING,
                                     encoding, sizeof(encoding), &len) != 1 ||
      std::strcmp(encoding, OSSL_PKEY_EC_ENCODING_GROUP) != 0) {
    return OsslFail(Errc::kUnsupportedAlgorithm,
                    "ec: key uses explicit curve parameters, not a named curve");
  }
  char name[64] = {0};
  if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &len) != 1) {
    return OsslFail(Errc::kUnsupportedAlgorithm, "ec: key has no named curve");
  }
  if (std::strcmp(name, "prime256v1") == 0 || std::strcmp(name, "P-256") == 0) {
    return Curve::kP256;
  }
  if (std::strcmp(name, "secp384r1") == 0 || std::strcmp(name, "P-384") == 0) {
    return Curve::kP384;
  }
  return Fail(Errc::kUnsupportedAlgorithm, "ec: curve is not P-256 or P-384");
}

// X||Y of an EC key, fixed width. Fast path: the key's encoded public key
// (one point conversion); keys that keep a compressed encoding take the
// coordinate path.
Result<Bytes> RawPointOf(const EVP_PKEY* pkey, Curve curve) {
  const std::size_t n = CoordinateSize(curve);
  uint8_t sec1[1 + 2 * 48] = {0};
  std::size_t sec1_len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, sec1, sizeof(sec1),
                                      &sec1_len) == 1 &&
      sec1_len == 2 * n + 1 && sec1[0] == 0x04) {
    return Bytes(sec1 + 1, sec1 + sec1_len);
  }
  ERR_clear_error();
  BIGNUM* x_raw = nullptr;
  BIGNUM* y_raw = nullptr;
  const int okx = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x_raw);
  OsslPtr<BIGNUM> x(x_raw);
  const int oky = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y_raw);
  OsslPtr<BIGNUM> y(y_raw);
  if (okx != 1 || oky != 1) {
    return OsslFail(Errc::kBadPublicPoint, "ec: key has no public point");
  }
  Bytes out(2 * n);
  if (BN_bn2binpad(x.get(), out.data(), static_cast<int>(n)) != static_cast<int>(n) ||
      BN_bn2binpad(y.get(), out.data() + n, static_cast<int>(n)) != static_cast<int>(n)) {
    return OsslFail(Errc::kBadPublicPoint, "ec: coordinate wider than curve");
  }
  return out;
}

// A parameters-only key holding the named group of `curve`, made once per
// process. Keys are made from it (EVP_PKEY_dup, key generation) instead of
// from the group name: OpenSSL 3.0 builds a new EC_GROUP (Montgomery
// constants, inversions) for every key made by name, which cost more than
// the point arithmetic of an ECDH. nullptr if OpenSSL cannot make it.
EVP_PKEY* MakeCurveTemplate(const char* group) {
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* params = nullptr;
  if (!ctx || EVP_PKEY_paramgen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), group) != 1 ||
      EVP_PKEY_paramgen(ctx.get(), &params) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return params;
}
EVP_PKEY* CurveTemplate(Curve curve) {
  // Function-local statics: initialised once, thread-safely; never freed.
  // Only read afterwards (dup, keygen template), which OpenSSL allows from
  // many threads at once.
  static EVP_PKEY* const p256 = MakeCurveTemplate(GroupName(Curve::kP256));
  static EVP_PKEY* const p384 = MakeCurveTemplate(GroupName(Curve::kP384));
  return curve == Curve::kP256 ? p256 : p384;
}

// Checks the public point of `pkey`: on the curve, not the identity.
Status CheckPublicKey(EVP_PKEY* pkey, Errc on_bad, const char* what) {
  OsslPtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!check) return OsslFail(Errc::kCryptoFailure, "ec: EVP_PKEY_CTX_new_from_pkey");
  // P-256 and P-384 have cofactor 1: a point that decodes, lies on the curve
  // and is not the identity is in the prime-order group, so the quick check
  // (no n*Q multiplication) is complete here.
  if (EVP_PKEY_public_check_quick(check.get()) != 1) return OsslFail(on_bad, what);
  return OkStatus();
}

// Builds an EC key from OSSL parameters and checks its public point.
Result<OsslPtr<EVP_PKEY>> KeyFromParams(OSSL_PARAM_BLD* bld, int selection,
                                        Errc on_bad, const char* what) {
  OsslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return OsslFail(Errc::kCryptoFailure, "ec: OSSL_PARAM_BLD_to_param");
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ec: EVP_PKEY_fromdata_init");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return OsslFail(on_bad, what);
  }
  OsslPtr<EVP_PKEY> pkey(raw);
  CCGPU_TRY(CheckPublicKey(pkey.get(), on_bad, what));
  return pkey;
}

// A DER ECDSA-Sig-Value from fixed-width r||s. Empty on a size mismatch.
Result<Bytes> RawToDer(ByteSpan r_s, std::size_t n) {
  if (r_s.size() != 2 * n) {
    return Fail(Errc::kBadSignature, "ecdsa: r||s has the wrong length");
  }
  OsslPtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(r_s.data(), static_cast<int>(n), nullptr);
  BIGNUM* s = BN_bin2bn(r_s.data() + n, static_cast<int>(n), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return OsslFail(Errc::kCryptoFailure, "ecdsa: ECDSA_SIG_set0");
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0 || der == nullptr) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: i2d_ECDSA_SIG");
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<Bytes> DerToRaw(ByteSpan der, std::size_t n) {
  const unsigned char* p = der.data();
  OsslPtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return OsslFail(Errc::kCryptoFailure, "ecdsa: d2i_ECDSA_SIG");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes out(2 * n);
  if (BN_bn2binpad(r, out.data(), static_cast<int>(n)) != static_cast<int>(n) ||
      BN_bn2binpad(s, out.data() + n, static_cast<int>(n)) != static_cast<int>(n)) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: BN_bn2binpad");
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- public key

Result<EcPublicKey> EcPublicKey::FromRawPoint(Curve curve, ByteSpan point) {
  const std::size_t n = CoordinateSize(curve);
  Bytes sec1;
  if (point.size() == 2 * n) {
    sec1.reserve(2 * n + 1);
    sec1.push_back(0x04);
    sec1.insert(sec1.end(), point.begin(), point.end());
  } else if (point.size() == 2 * n + 1 && point[0] == 0x04) {
    sec1.assign(point.begin(), point.end());
  } else {
    return Fail(Errc::kBadPublicPoint,
                "ec: raw point is not X||Y or 0x04||X||Y of the curve's size");
  }
  EVP_PKEY* tmpl = CurveTemplate(curve);
  if (tmpl == nullptr) return OsslFail(Errc::kCryptoFailure, "ec: curve template");
  OsslPtr<EVP_PKEY> pkey(EVP_PKEY_dup(tmpl));
  if (!pkey) return OsslFail(Errc::kCryptoFailure, "ec: EVP_PKEY_dup");
  // Decoding the point checks that X and Y are field elements and that the
  // point lies on the curve.
  if (EVP_PKEY_set1_encoded_public_key(pkey.get(), sec1.data(), sec1.size()) != 1) {
    return OsslFail(Errc::kBadPublicPoint, "ec: public point is not on the curve");
  }
  CCGPU_TRY(CheckPublicKey(pkey.get(), Errc::kBadPublicPoint, "ec: public point is not on the curve"));
  return EcPublicKey(curve, ShareKey(std::move(pkey)));
}

Result<EcPublicKey> EcPublicKey::FromOsslKey(const evp_pkey_st* key) {
  if (key == nullptr) return Fail(Errc::kBadKey, "ec: no key");
  CCGPU_ASSIGN_OR_RETURN(const Curve curve, CurveOf(key));
  CCGPU_ASSIGN_OR_RETURN(Bytes xy, RawPointOf(key, curve));
  // Rebuilt from X||Y on the named curve: one canonical form for every key.
  return FromRawPoint(curve, xy);
}

Result<EcPublicKey> EcPublicKey::FromDer(ByteSpan spki_der) {
  if (spki_der.empty() || spki_der.size() > static_cast<std::size_t>(INT32_MAX)) {
    return Fail(Errc::kBadKey, "ec: SubjectPublicKeyInfo is empty or too long");
  }
  const unsigned char* p = spki_der.data();
  OsslPtr<EVP_PKEY> pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!pkey) return OsslFail(Errc::kBadKey, "ec: SubjectPublicKeyInfo does not parse");
  if (p != spki_der.data() + spki_der.size()) {
    return Fail(Errc::kBadKey, "ec: bytes follow the SubjectPublicKeyInfo");
  }
  return FromOsslKey(pkey.get());
}

Result<EcPublicKey> EcPublicKey::FromPem(std::string_view pem) {
  CCGPU_ASSIGN_OR_RETURN(OsslPtr<BIO> bio, MemBio(pem));
  OsslPtr<EVP_PKEY> pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!pkey) return OsslFail(Errc::kInvalidPem, "ec: no PUBLIC KEY PEM block parses");
  return FromOsslKey(pkey.get());
}

Result<Bytes> EcPublicKey::RawPoint() const { return RawPointOf(pkey_.get(), curve_); }

Result<Bytes> EcPublicKey::SpkiDer() const {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey_.get(), &der);
  if (len <= 0 || der == nullptr) return OsslFail(Errc::kCryptoFailure, "ec: i2d_PUBKEY");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<std::string> EcPublicKey::ToPem() const {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ec: PEM_write_bio_PUBKEY");
  }
  return DrainBio(bio.get());
}

Status EcPublicKey::VerifyDer(HashAlg hash, ByteSpan message, ByteSpan der_sig) const {
  const EVP_MD* md = FetchedMd(hash);
  if (md == nullptr) return OsslFail(Errc::kUnsupportedAlgorithm, "ecdsa: digest");
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey_.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: EVP_DigestVerifyInit");
  }
  // 1 = valid; 0 = mismatch; < 0 = malformed signature (or internal error).
  if (EVP_DigestVerify(ctx.get(), der_sig.data(), der_sig.size(), message.data(),
                       message.size()) != 1) {
    return OsslFail(Errc::kBadSignature, "ecdsa: signature does not verify");
  }
  return OkStatus();
}

Status EcPublicKey::VerifyRaw(HashAlg hash, ByteSpan message, ByteSpan r_s) const {
  CCGPU_ASSIGN_OR_RETURN(Bytes der, RawToDer(r_s, CoordinateSize(curve_)));
  return VerifyDer(hash, message, der);
}

Status EcPublicKey::VerifyDigestRaw(ByteSpan digest, ByteSpan r_s) const {
  if (digest.empty()) return Fail(Errc::kInvalidArgument, "ecdsa: empty digest");
  CCGPU_ASSIGN_OR_RETURN(Bytes der, RawToDer(r_s, CoordinateSize(curve_)));
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: EVP_PKEY_verify_init");
  }
  if (EVP_PKEY_verify(ctx.get(), der.data(), der.size(), digest.data(), digest.size()) != 1) {
    return OsslFail(Errc::kBadSignature, "ecdsa: signature does not verify");
  }
  return OkStatus();
}

// --------------------------------------------------------------- private key

Result<EcPrivateKey> EcPrivateKey::Generate(Curve curve) {
  EVP_PKEY* tmpl = CurveTemplate(curve);
  if (tmpl == nullptr) return OsslFail(Errc::kCryptoFailure, "ec: curve template");
  // The group comes from the template key (see CurveTemplate).
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, tmpl, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ec: keygen init");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ec: EVP_PKEY_generate");
  }
  return EcPrivateKey(curve, ShareKey(OsslPtr<EVP_PKEY>(raw)));
}

Result<EcPrivateKey> EcPrivateKey::FromPem(std::string_view pem) {
  CCGPU_ASSIGN_OR_RETURN(OsslPtr<BIO> bio, MemBio(pem));
  OsslPtr<EVP_PKEY> pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!pkey) return OsslFail(Errc::kInvalidPem, "ec: no private key PEM block parses");
  CCGPU_ASSIGN_OR_RETURN(const Curve curve, CurveOf(pkey.get()));
  OsslPtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return OsslFail(Errc::kBadKey, "ec: private and public key do not match");
  }
  return EcPrivateKey(curve, ShareKey(std::move(pkey)));
}

Result<EcPrivateKey> EcPrivateKey::FromScalar(Curve curve, ByteSpan d) {
  while (!d.empty() && d[0] == 0) d = d.subspan(1);
  const std::size_t n = CoordinateSize(curve);
  if (d.empty() || d.size() > n) {
    return Fail(Errc::kBadKey, "ec: private scalar is zero or too long");
  }
  OsslPtr<BIGNUM> scalar(BN_secure_new());
  OsslPtr<EC_GROUP> group(EC_GROUP_new_by_curve_name(CurveNid(curve)));
  OsslPtr<BN_CTX> bn_ctx(BN_CTX_new());
  if (!scalar || !group || !bn_ctx ||
      BN_bin2bn(d.data(), static_cast<int>(d.size()), scalar.get()) == nullptr) {
    return OsslFail(Errc::kCryptoFailure, "ec: scalar setup");
  }
  const BIGNUM* order = EC_GROUP_get0_order(group.get());
  if (order == nullptr || BN_is_zero(scalar.get()) || BN_cmp(scalar.get(), order) >= 0) {
    return OsslFail(Errc::kBadKey, "ec: private scalar not in [1, n-1]");
  }
  OsslPtr<EC_POINT> pub(EC_POINT_new(group.get()));
  Bytes sec1(2 * n + 1);
  if (!pub ||
      EC_POINT_mul(group.get(), pub.get(), scalar.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, sec1.data(),
                         sec1.size(), bn_ctx.get()) != sec1.size()) {
    return OsslFail(Errc::kCryptoFailure, "ec: public point from scalar");
  }
  OsslPtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      GroupName(curve), 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, sec1.data(),
                                       sec1.size()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ec: OSSL_PARAM_BLD");
  }
  CCGPU_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY> pkey,
                         KeyFromParams(bld.get(), EVP_PKEY_KEYPAIR, Errc::kBadKey,
                                       "ec: key pair does not check"));
  return EcPrivateKey(curve, ShareKey(std::move(pkey)));
}

Result<std::string> EcPrivateKey::ToPem() const {
  OsslPtr<BIO> bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ec: PEM_write_bio_PrivateKey");
  }
  return DrainBio(bio.get());
}

Result<Bytes> EcPrivateKey::PublicRawPoint() const { return RawPointOf(pkey_.get(), curve_); }

Result<EcPublicKey> EcPrivateKey::PublicKey() const {
  CCGPU_ASSIGN_OR_RETURN(Bytes xy, RawPointOf(pkey_.get(), curve_));
  return EcPublicKey::FromRawPoint(curve_, xy);
}

Result<Bytes> EcPrivateKey::SignDer(HashAlg hash, ByteSpan message) const {
  const EVP_MD* md = FetchedMd(hash);
  if (md == nullptr) return OsslFail(Errc::kUnsupportedAlgorithm, "ecdsa: digest");
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey_.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: EVP_DigestSignInit");
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: EVP_DigestSign (size)");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: EVP_DigestSign");
  }
  sig.resize(len);
  return sig;
}

Result<Bytes> EcPrivateKey::SignRaw(HashAlg hash, ByteSpan message) const {
  CCGPU_ASSIGN_OR_RETURN(Bytes der, SignDer(hash, message));
  return DerToRaw(der, CoordinateSize(curve_));
}

Result<Bytes> EcPrivateKey::SignDigestRaw(ByteSpan digest) const {
  if (digest.empty()) return Fail(Errc::kInvalidArgument, "ecdsa: empty digest");
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: EVP_PKEY_sign_init");
  }
  std::size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: EVP_PKEY_sign (size)");
  }
  Bytes der(len);
  if (EVP_PKEY_sign(ctx.get(), der.data(), &len, digest.data(), digest.size()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ecdsa: EVP_PKEY_sign");
  }
  der.resize(len);
  return DerToRaw(der, CoordinateSize(curve_));
}

Result<SecretBytes> EcPrivateKey::Ecdh(const EcPublicKey& peer) const {
  if (peer.curve() != curve_) {
    return Fail(Errc::kBadPublicPoint, "ecdh: peer key is on another curve");
  }
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "ecdh: EVP_PKEY_derive_init");
  }
  // The peer key was validated when its EcPublicKey was made (on the curve,
  // not the identity); no need to check it again here.
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.ossl_key(), 0) != 1) {
    return OsslFail(Errc::kBadPublicPoint, "ecdh: peer key rejected");
  }
  std::size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len != CoordinateSize(curve_)) {
    return OsslFail(Errc::kCryptoFailure, "ecdh: EVP_PKEY_derive (size)");
  }
  SecretBytes secret(len);
  if (EVP_PKEY_derive(ctx.get(), secret.reveal_mutable().data(), &len) != 1 ||
      len != secret.size()) {
    return OsslFail(Errc::kCryptoFailure, "ecdh: EVP_PKEY_derive");
  }
  return secret;
}

}  // namespace ccgpu::crypto
