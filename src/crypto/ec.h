// Elliptic-curve keys on NIST P-256 and P-384: ECDSA (DER and fixed-width
// r||s signatures) and ECDH.
#ifndef CCGPU_CRYPTO_EC_H_
#define CCGPU_CRYPTO_EC_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/hash.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY; only src/crypto sees its definition

namespace ccgpu::crypto {

enum class Curve { kP256, kP384 };

// Coordinate / scalar size in bytes: 32 or 48.
std::size_t CoordinateSize(Curve curve);
// "P-256" / "P-384".
const char* CurveName(Curve curve);

// A validated public key (the point is on its curve and not the identity).
// Immutable; copies share the key. Safe to use from many threads at once.
class EcPublicKey {
 public:
  // SubjectPublicKeyInfo in PEM ("PUBLIC KEY"). kInvalidPem if there is no
  // such block; as FromDer otherwise.
  static Result<EcPublicKey> FromPem(std::string_view pem);
  // DER SubjectPublicKeyInfo with a named curve (P-256/P-384) and an
  // uncompressed or compressed point; nothing may follow the structure.
  // kBadKey if it does not parse, is not EC, or trails data;
  // kUnsupportedAlgorithm for another curve or explicit parameters;
  // kBadPublicPoint if the point is not on the curve.
  static Result<EcPublicKey> FromDer(ByteSpan spki_der);
  // Raw point: X||Y (SPDM exchange data) or 0x04||X||Y (SEC1 uncompressed),
  // fixed width. kBadPublicPoint for another length or prefix, or a point
  // not on the curve.
  static Result<EcPublicKey> FromRawPoint(Curve curve, ByteSpan point);

  Curve curve() const { return curve_; }
  // X||Y, each CoordinateSize(curve()) bytes, big-endian.
  Result<Bytes> RawPoint() const;
  // DER SubjectPublicKeyInfo (named curve, uncompressed point).
  Result<Bytes> SpkiDer() const;
  // PEM "PUBLIC KEY".
  Result<std::string> ToPem() const;

  // ECDSA verification of `message`, hashed with `hash` here. DER signature
  // (strict DER: BER variants, trailing bytes and out-of-range values fail).
  // kBadSignature on any mismatch or malformed signature.
  Status VerifyDer(HashAlg hash, ByteSpan message, ByteSpan der_sig) const;
  // Fixed-width r||s (IEEE P1363), 2*CoordinateSize bytes; other lengths
  // are kBadSignature.
  Status VerifyRaw(HashAlg hash, ByteSpan message, ByteSpan r_s) const;
  // As VerifyRaw, over an already computed digest (SPDM signs digests).
  Status VerifyDigestRaw(ByteSpan digest, ByteSpan r_s) const;

  // src/crypto internals: the OpenSSL key, and a validated copy of one
  // (X.509 subject keys). Same errors as FromDer.
  evp_pkey_st* ossl_key() const { return pkey_.get(); }
  static Result<EcPublicKey> FromOsslKey(const evp_pkey_st* key);

 private:
  EcPublicKey(Curve curve, std::shared_ptr<evp_pkey_st> pkey)
      : curve_(curve), pkey_(std::move(pkey)) {}
  Curve curve_;
  std::shared_ptr<evp_pkey_st> pkey_;
};

// A private key. Immutable; copies share the key (OpenSSL wipes it when the
// last copy goes). Safe to use from many threads at once.
class EcPrivateKey {
 public:
  // A fresh key from the CSPRNG. kCryptoFailure / kRngFailure.
  static Result<EcPrivateKey> Generate(Curve curve);
  // PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") PEM, unencrypted.
  // kInvalidPem if no key block parses; kBadKey if not EC;
  // kUnsupportedAlgorithm for another curve.
  static Result<EcPrivateKey> FromPem(std::string_view pem);
  // A big-endian scalar d (leading zero bytes allowed) with 1 <= d < n.
  // kBadKey otherwise. (Test vectors and deterministic test keys.)
  static Result<EcPrivateKey> FromScalar(Curve curve, ByteSpan d);

  // PKCS#8 PEM. The result holds the secret key: handle like a secret.
  Result<std::string> ToPem() const;
  Curve curve() const { return curve_; }
  Result<EcPublicKey> PublicKey() const;
  // X||Y of the public key (each CoordinateSize(curve()) bytes), without
  // building an EcPublicKey: what an ECDHE exchange sends. kBadPublicPoint
  // only if OpenSSL cannot produce the point.
  Result<Bytes> PublicRawPoint() const;

  // ECDSA over `message` hashed with `hash`. kCryptoFailure.
  Result<Bytes> SignDer(HashAlg hash, ByteSpan message) const;
  // Fixed-width r||s (2*CoordinateSize bytes).
  Result<Bytes> SignRaw(HashAlg hash, ByteSpan message) const;
  // Fixed-width r||s over an already computed digest. kInvalidArgument if
  // the digest is empty.
  Result<Bytes> SignDigestRaw(ByteSpan digest) const;

  // ECDH: the shared secret (the X coordinate, CoordinateSize bytes).
  // kBadPublicPoint if `peer` is on another curve or invalid.
  Result<SecretBytes> Ecdh(const EcPublicKey& peer) const;

 private:
  EcPrivateKey(Curve curve, std::shared_ptr<evp_pkey_st> pkey)
      : curve_(curve), pkey_(std::move(pkey)) {}
  Curve curve_;
  std::shared_ptr<evp_pkey_st> pkey_;
};

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_EC_H_
