// JWS ES256/ES384 compact serialization and EC JWKs.
#include "attest/token/jwt.h"

#include <cmath>
#include <set>
#include <utility>

#include "base/encoding.h"
#include "crypto/hash.h"

namespace ccgpu::attest {
namespace {

crypto::HashAlg HashFor(JwsAlg alg) {
  return alg == JwsAlg::kEs256 ? crypto::HashAlg::kSha256 : crypto::HashAlg::kSha384;
}
crypto::Curve CurveFor(JwsAlg alg) {
  return alg == JwsAlg::kEs256 ? crypto::Curve::kP256 : crypto::Curve::kP384;
}

// Parses a JSON object without exceptions; nullopt if not valid JSON or not
// an object. nlohmann's parser rejects invalid UTF-8.
std::optional<nlohmann::json> ParseObject(ByteSpan text) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// Compact JSON text; nullopt if it holds strings that are not UTF-8.
std::optional<std::string> Dump(const nlohmann::json& j) {
  try {
    return j.dump();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

const char* CrvName(crypto::Curve curve) {
  return curve == crypto::Curve::kP256 ? "P-256" : "P-384";
}

}  // namespace

std::string_view JwsAlgName(JwsAlg alg) {
  return alg == JwsAlg::kEs256 ? "ES256" : "ES384";
}

Result<JwsAlg> JwsAlgFromName(std::string_view name) {
  if (name == "ES256") return JwsAlg::kEs256;
  if (name == "ES384") return JwsAlg::kEs384;
  return Fail(Errc::kTokenInvalid, "jws: unsupported alg (only ES256 and ES384 are accepted)");
}

JwsAlg JwsAlgForCurve(crypto::Curve curve) {
  return curve == crypto::Curve::kP256 ? JwsAlg::kEs256 : JwsAlg::kEs384;
}

Result<Jws> ParseJws(std::string_view compact) {
  if (compact.size() > (16u << 20)) return Fail(Errc::kTokenInvalid, "jws: larger than 16 MiB");
  const auto dot1 = compact.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : compact.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || compact.find('.', dot2 + 1) != std::string_view::npos) {
    return Fail(Errc::kTokenInvalid, "jws: not three dot-separated parts");
  }
  const std::string_view h64 = compact.substr(0, dot1);
  const std::string_view p64 = compact.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view s64 = compact.substr(dot2 + 1);
  auto h = Base64UrlDecode(h64);
  if (!h || h64.empty()) return Fail(Errc::kTokenInvalid, "jws: header is not base64url");
  auto p = Base64UrlDecode(p64);
  if (!p) return Fail(Errc::kTokenInvalid, "jws: payload is not base64url");
  auto s = Base64UrlDecode(s64);
  if (!s || s64.empty()) return Fail(Errc::kTokenInvalid, "jws: signature is not base64url");

  Jws jws;
  auto header = ParseObject(*h);
  if (!header) return Fail(Errc::kTokenInvalid, "jws: header is not a JSON object");
  jws.header = std::move(*header);
  const auto alg = jws.header.find("alg");
  if (alg == jws.header.end() || !alg->is_string()) {
    return Fail(Errc::kTokenInvalid, "jws: header has no alg");
  }
  CCGPU_ASSIGN_OR_RETURN(jws.alg, JwsAlgFromName(alg->get_ref<const std::string&>()));
  if (jws.header.contains("crit")) {
    return Fail(Errc::kTokenInvalid, "jws: header has crit extensions we do not understand");
  }
  if (const auto kid = jws.header.find("kid"); kid != jws.header.end()) {
    if (!kid->is_string()) return Fail(Errc::kTokenInvalid, "jws: kid is not a string");
    jws.kid = kid->get<std::string>();
  }
  auto payload = ParseObject(*p);
  if (!payload) return Fail(Errc::kTokenInvalid, "jws: payload is not a JSON object");
  jws.payload = std::move(*payload);
  jws.signature = std::move(*s);
  if (jws.signature.size() != 2 * crypto::CoordinateSize(CurveFor(jws.alg))) {
    return Fail(Errc::kTokenInvalid, "jws: signature length does not fit alg (raw r||s)");
  }
  jws.signing_input = std::string(compact.substr(0, dot2));
  return jws;
}

Status VerifyJws(const Jws& jws, const crypto::EcPublicKey& key) {
  if (key.curve() != CurveFor(jws.alg)) {
    return Fail(Errc::kTokenInvalid, "jws: alg does not match the key's curve");
  }
  if (!key.VerifyRaw(HashFor(jws.alg), AsBytes(jws.signing_input), jws.signature)) {
    return Fail(Errc::kTokenInvalid, "jws: signature does not verify");
  }
  return OkStatus();
}

Result<std::string> SignJwt(const nlohmann::json& claims, const crypto::EcPrivateKey& key,
                            std::string_view kid) {
  if (!claims.is_object()) return Fail(Errc::kInvalidArgument, "jwt: claims are not a JSON object");
  const JwsAlg alg = JwsAlgForCurve(key.curve());
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!kid.empty()) header["kid"] = std::string(kid);
  header["alg"] = std::string(JwsAlgName(alg));
  std::optional<std::string> header_text;
  try {
    header_text = header.dump();
  } catch (const nlohmann::json::exception&) {
    return Fail(Errc::kInvalidArgument, "jwt: kid is not UTF-8");
  }
  auto payload_text = Dump(claims);
  if (!payload_text) return Fail(Errc::kInvalidArgument, "jwt: claims hold text that is not UTF-8");
  std::string out = Base64UrlEncode(AsBytes(*header_text)) + "." +
                    Base64UrlEncode(AsBytes(*payload_text));
  CCGPU_ASSIGN_OR_RETURN(Bytes sig, key.SignRaw(HashFor(alg), AsBytes(out)));
  out += ".";
  out += Base64UrlEncode(sig);
  return out;
}

Status CheckJwtTimes(const nlohmann::json& claims, TimePoint at, std::chrono::seconds leeway) {
  const double now = static_cast<double>(ToUnixSeconds(at));
  const double slack = static_cast<double>(leeway.count());
  const auto exp = claims.find("exp");
  if (exp == claims.end()) return Fail(Errc::kTokenInvalid, "jwt: exp missing");
  if (!exp->is_number()) return Fail(Errc::kTokenInvalid, "jwt: exp is not a number");
  if (now > exp->get<double>() + slack) return Fail(Errc::kTokenInvalid, "jwt: expired (exp)");
  if (const auto nbf = claims.find("nbf"); nbf != claims.end()) {
    if (!nbf->is_number()) return Fail(Errc::kTokenInvalid, "jwt: nbf is not a number");
    if (now + slack < nbf->get<double>()) {
      return Fail(Errc::kTokenInvalid, "jwt: not yet valid (nbf)");
    }
  }
  if (const auto iat = claims.find("iat"); iat != claims.end() && !iat->is_number()) {
    return Fail(Errc::kTokenInvalid, "jwt: iat is not a number");
  }
  return OkStatus();
}

// ---------------------------------------------------------------- JWK

Result<nlohmann::json> PublicJwk(const crypto::EcPublicKey& key, std::string_view kid) {
  CCGPU_ASSIGN_OR_RETURN(Bytes xy, key.RawPoint());
  const std::size_t n = crypto::CoordinateSize(key.curve());
  if (xy.size() != 2 * n) return Fail(Errc::kCryptoFailure, "jwk: unexpected point size");
  nlohmann::json jwk = {
      {"kty", "EC"},
      {"crv", CrvName(key.curve())},
      {"x", Base64UrlEncode(ByteSpan(xy).first(n))},
      {"y", Base64UrlEncode(ByteSpan(xy).subspan(n))},
      {"alg", std::string(JwsAlgName(JwsAlgForCurve(key.curve())))},
      {"use", "sig"},
  };
  if (!kid.empty()) jwk["kid"] = std::string(kid);
  if (!Dump(jwk)) return Fail(Errc::kInvalidArgument, "jwk: kid is not UTF-8");
  return jwk;
}

Result<Jwk> ParseJwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return Fail(Errc::kInvalidJson, "jwk: not a JSON object");
  auto str = [&](const char* name) -> const std::string* {
    const auto it = jwk.find(name);
    return it != jwk.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  const std::string* kty = str("kty");
  if (kty == nullptr) return Fail(Errc::kInvalidJson, "jwk: kty missing or not a string");
  if (*kty != "EC") return Fail(Errc::kUnsupportedAlgorithm, "jwk: kty is not EC");
  const std::string* crv = str("crv");
  if (crv == nullptr) return Fail(Errc::kInvalidJson, "jwk: crv missing or not a string");
  crypto::Curve curve;
  if (*crv == "P-256") {
    curve = crypto::Curve::kP256;
  } else if (*crv == "P-384") {
    curve = crypto::Curve::kP384;
  } else {
    return Fail(Errc::kUnsupportedAlgorithm, "jwk: crv is not P-256 or P-384");
  }
  const std::string* x = str("x");
  const std::string* y = str("y");
  if (x == nullptr || y == nullptr) return Fail(Errc::kInvalidJson, "jwk: x or y missing");
  auto xb = Base64UrlDecode(*x);
  auto yb = Base64UrlDecode(*y);
  const std::size_t n = crypto::CoordinateSize(curve);
  if (!xb || !yb || xb->size() != n || yb->size() != n) {
    return Fail(Errc::kBadPublicPoint, "jwk: x or y is not a fixed-width base64url coordinate");
  }
  Bytes point = std::move(*xb);
  point.insert(point.end(), yb->begin(), yb->end());
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey key, crypto::EcPublicKey::FromRawPoint(curve, point));
  Jwk out{"", std::nullopt, "", std::move(key)};
  if (jwk.contains("kid")) {
    const std::string* kid = str("kid");
    if (kid == nullptr) return Fail(Errc::kInvalidJson, "jwk: kid is not a string");
    out.kid = *kid;
  }
  if (jwk.contains("alg")) {
    const std::string* alg = str("alg");
    if (alg == nullptr) return Fail(Errc::kInvalidJson, "jwk: alg is not a string");
    auto a = JwsAlgFromName(*alg);
    if (!a || CurveFor(*a) != curve) {
      return Fail(Errc::kBadKey, "jwk: alg is not ES256/ES384 for its curve");
    }
    out.alg = *a;
  }
  if (jwk.contains("use")) {
    const std::string* use = str("use");
    if (use == nullptr) return Fail(Errc::kInvalidJson, "jwk: use is not a string");
    out.use = *use;
  }
  return out;
}

Result<std::string> JwkThumbprint(const crypto::EcPublicKey& key) {
  CCGPU_ASSIGN_OR_RETURN(nlohmann::json jwk, PublicJwk(key, ""));
  // RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
  const std::string canonical = std::string("{\"crv\":\"") + CrvName(key.curve()) +
                                "\",\"kty\":\"EC\",\"x\":\"" + jwk["x"].get<std::string>() +
                                "\",\"y\":\"" + jwk["y"].get<std::string>() + "\"}";
  CCGPU_ASSIGN_OR_RETURN(Bytes digest, crypto::Hash(crypto::HashAlg::kSha256, AsBytes(canonical)));
  return Base64UrlEncode(digest);
}

Result<Jwks> Jwks::Parse(std::string_view json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(Errc::kInvalidJson, "jwks: not a JSON object");
  }
  const auto keys = j.find("keys");
  if (keys == j.end() || !keys->is_array()) {
    return Fail(Errc::kInvalidJson, "jwks: no \"keys\" array");
  }
  std::vector<Jwk> out;
  std::set<std::string> kids;
  for (const auto& k : *keys) {
    if (!k.is_object()) return Fail(Errc::kInvalidJson, "jwks: a key is not a JSON object");
    const auto kty = k.find("kty");
    if (kty == k.end() || !kty->is_string()) {
      return Fail(Errc::kInvalidJson, "jwks: a key has no kty");
    }
    if (kty->get_ref<const std::string&>() != "EC") continue;  // not ours to use
    CCGPU_ASSIGN_OR_RETURN(Jwk jwk, ParseJwk(k));
    if (!jwk.kid.empty() && !kids.insert(jwk.kid).second) {
      return Fail(Errc::kInvalidJson, "jwks: two keys share a kid");
    }
    out.push_back(std::move(jwk));
  }
  return Jwks(std::move(out));
}

Result<const Jwk*> Jwks::Find(const std::optional<std::string>& kid, JwsAlg alg) const {
  const Jwk* found = nullptr;
  if (kid) {
    for (const Jwk& k : keys_) {
      if (k.kid == *kid) found = &k;
    }
    if (found == nullptr) return Fail(Errc::kTokenInvalid, "jwks: no key with the token's kid");
  } else {
    if (keys_.size() != 1) {
      return Fail(Errc::kTokenInvalid, "jwks: token has no kid and the set has several keys");
    }
    found = &keys_.front();
  }
  if ((found->alg && *found->alg != alg) || found->key.curve() != CurveFor(alg) ||
      (!found->use.empty() && found->use != "sig")) {
    return Fail(Errc::kTokenInvalid, "jwks: key not usable for this alg");
  }
  return found;
}

Result<nlohmann::json> Jwks::ToJson() const {
  nlohmann::json keys = nlohmann::json::array();
  for (const Jwk& k : keys_) {
    CCGPU_ASSIGN_OR_RETURN(nlohmann::json j, PublicJwk(k.key, k.kid));
    if (!k.use.empty()) j["use"] = k.use;
    keys.push_back(std::move(j));
  }
  return nlohmann::json{{"keys", std::move(keys)}};
}

}  // namespace ccgpu::attest
