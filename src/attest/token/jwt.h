// JSON Web Tokens signed with ECDSA (RFC 7515 JWS compact serialization,
// RFC 7518 §3.4 ES256/ES384 with raw r||s signatures, RFC 7519 JWT) and EC
// JSON Web Keys (RFC 7517, RFC 7518 §6.2; RFC 7638 thumbprints).
//
// Untrusted token and key text is parsed without exceptions; every failure is
// kTokenInvalid (tokens) or kInvalidJson / kBadKey (keys) with a context that
// names the failed check.
#ifndef CCGPU_ATTEST_TOKEN_JWT_H_
#define CCGPU_ATTEST_TOKEN_JWT_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/ec.h"

namespace ccgpu::attest {

// The JWS algorithms we sign and accept. Anything else ("none", HS256, RS*,
// ES512, ...) is rejected.
enum class JwsAlg { kEs256, kEs384 };
// "ES256" / "ES384".
std::string_view JwsAlgName(JwsAlg alg);
// kTokenInvalid "jws: unsupported alg" for any other name.
Result<JwsAlg> JwsAlgFromName(std::string_view name);
// The algorithm that goes with a key's curve (P-256 → ES256, P-384 → ES384).
JwsAlg JwsAlgForCurve(crypto::Curve curve);

// A parsed (not yet verified) compact JWS.
struct Jws {
  std::string signing_input;  // ASCII(BASE64URL(header) || '.' || BASE64URL(payload))
  nlohmann::json header;      // a JSON object
  nlohmann::json payload;     // a JSON object (JWT claims)
  Bytes signature;            // raw r||s
  JwsAlg alg = JwsAlg::kEs384;
  std::optional<std::string> kid;
};

// Parses "header.payload.signature". kTokenInvalid, context naming the part:
// not three parts, a part not canonical base64url, header/payload not a JSON
// object, header without a supported "alg", a "crit" header (we understand
// no extensions), a non-string "kid", signature of the wrong length for alg.
Result<Jws> ParseJws(std::string_view compact);

// Verifies the signature with `key`. kTokenInvalid "jws: alg does not match
// the key's curve" or "jws: signature does not verify".
Status VerifyJws(const Jws& jws, const crypto::EcPublicKey& key);

// Signs `claims` (must be a JSON object) as a compact JWS with header
// {"kid":kid,"alg":ES256|ES384} (kid omitted if empty); alg follows the
// key's curve. kInvalidArgument if claims are not an object or hold text that
// is not UTF-8; crypto errors from signing.
Result<std::string> SignJwt(const nlohmann::json& claims, const crypto::EcPrivateKey& key,
                            std::string_view kid);

// JWT time claims (RFC 7519 §4.1.4-4.1.6) at `at` with `leeway`: "exp" must
// be present and at <= exp + leeway; "nbf", if present, nbf <= at + leeway;
// "iat", if present, must be a number. kTokenInvalid "jwt: expired (exp)",
// "jwt: not yet valid (nbf)", "jwt: exp missing", "jwt: exp/nbf/iat is not a
// number".
Status CheckJwtTimes(const nlohmann::json& claims, TimePoint at, std::chrono::seconds leeway);

// One EC public key from a JWK Set.
struct Jwk {
  std::string kid;                 // may be empty
  std::optional<JwsAlg> alg;       // "alg" if present
  std::string use;                 // "use" if present ("sig")
  crypto::EcPublicKey key;
};

// {"kty":"EC","crv":"P-384","x":...,"y":...,"kid":kid,"alg":"ES384","use":"sig"}
// (fixed-width base64url coordinates, RFC 7518 §6.2.1.2).
Result<nlohmann::json> PublicJwk(const crypto::EcPublicKey& key, std::string_view kid);
// Parses one EC JWK. kInvalidJson if a member is missing or has the wrong
// type; kUnsupportedAlgorithm for kty other than EC or a curve other than
// P-256/P-384; kBadPublicPoint if x/y are not fixed-width or not on the curve.
// A private "d" member is ignored (never read).
Result<Jwk> ParseJwk(const nlohmann::json& jwk);
// RFC 7638 JWK thumbprint: base64url(SHA-256({"crv","kty","x","y"} in
// lexicographic order, no whitespace)). A stable default kid.
Result<std::string> JwkThumbprint(const crypto::EcPublicKey& key);

// A JWK Set (RFC 7517 §5): {"keys":[...]}.
class Jwks {
 public:
  // kInvalidJson if the text is not a JSON object with a "keys" array or an
  // EC key in it is malformed (as ParseJwk). Keys of other types (kty
  // "RSA", "oct", ...) are skipped, not errors. Duplicate kids:
  // kInvalidJson.
  static Result<Jwks> Parse(std::string_view json_text);
  // A set with these keys.
  static Jwks Of(std::vector<Jwk> keys) { return Jwks(std::move(keys)); }

  // The key for a token: by kid when the token names one (kTokenInvalid
  // "jwks: no key with the token's kid"); without a kid only if the set holds
  // exactly one key (else kTokenInvalid "jwks: token has no kid and the set
  // has several keys"). A key whose "alg" differs from the token's, or whose
  // "use" is not "sig", is kTokenInvalid "jwks: key not usable for this alg".
  Result<const Jwk*> Find(const std::optional<std::string>& kid, JwsAlg alg) const;
  const std::vector<Jwk>& keys() const { return keys_; }
  // {"keys":[...]} in PublicJwk form.
  Result<nlohmann::json> ToJson() const;

 private:
  explicit Jwks(std::vector<Jwk> keys) : keys_(std::move(keys)) {}
  std::vector<Jwk> keys_;
};

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_TOKEN_JWT_H_
