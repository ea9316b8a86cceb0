// NVIDIA's detached EAT: issue and verify.
#include "attest/token/eat.h"

#include <set>
#include <utility>

#include "base/ct.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/rng.h"

namespace ccgpu::attest {
namespace {

// RFC 9562 version-4 UUID text, for "jti".
Result<std::string> RandomUuid() {
  CCGPU_ASSIGN_OR_RETURN(Bytes b, crypto::RandomBytes(16));
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  const std::string h = HexEncode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

Result<std::string> Sha256Hex(std::string_view text) {
  CCGPU_ASSIGN_OR_RETURN(Bytes d, crypto::Hash(crypto::HashAlg::kSha256, AsBytes(text)));
  return HexEncode(d);
}

void SetWhere(EatFailure* failure, std::string where) {
  if (failure != nullptr) failure->where = std::move(where);
}

}  // namespace

Result<std::string> IssueDetachedEat(const std::vector<DeviceClaims>& devices,
                                     bool overall_result, const crypto::EcPrivateKey& key,
                                     const EatIssueOptions& options, const Clock& clock) {
  if (devices.empty()) return Fail(Errc::kInvalidArgument, "eat: no devices");
  if (options.lifetime.count() <= 0) return Fail(Errc::kInvalidArgument, "eat: lifetime must be > 0");
  std::string kid = options.kid;
  if (kid.empty()) {
    CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey pub, key.PublicKey());
    CCGPU_ASSIGN_OR_RETURN(kid, JwkThumbprint(pub));
  }
  const int64_t iat = ToUnixSeconds(clock.Now());
  const int64_t exp = iat + options.lifetime.count();

  nlohmann::json submods = nlohmann::json::object();
  nlohmann::json device_jwts = nlohmann::json::object();
  for (const DeviceClaims& d : devices) {
    if (d.name.empty()) return Fail(Errc::kInvalidArgument, "eat: empty device name");
    if (device_jwts.contains(d.name)) return Fail(Errc::kInvalidArgument, "eat: duplicate device name");
    if (!d.claims.is_object()) return Fail(Errc::kInvalidArgument, "eat: device claims are not an object");
    nlohmann::json claims = d.claims;
    claims["iss"] = options.issuer;
    claims["iat"] = iat;
    claims["nbf"] = iat;
    claims["exp"] = exp;
    CCGPU_ASSIGN_OR_RETURN(claims["jti"], RandomUuid());
    if (!options.nonce_hex.empty()) claims["eat_nonce"] = options.nonce_hex;
    CCGPU_ASSIGN_OR_RETURN(std::string jwt, SignJwt(claims, key, kid));
    CCGPU_ASSIGN_OR_RETURN(std::string digest, Sha256Hex(jwt));
    submods[d.name] = nlohmann::json::array({"DIGEST", nlohmann::json::array({"SHA-256", digest})});
    device_jwts[d.name] = std::move(jwt);
  }

  nlohmann::json overall = {
      {"sub", std::string(kEatSubject)},
      {"iss", options.issuer},
      {"iat", iat},
      {"nbf", iat},
      {"exp", exp},
      {"x-nvidia-ver", options.claims_version},
      {"x-nvidia-overall-att-result", overall_result},
      {"submods", std::move(submods)},
  };
  CCGPU_ASSIGN_OR_RETURN(overall["jti"], RandomUuid());
  if (!options.nonce_hex.empty()) overall["eat_nonce"] = options.nonce_hex;
  CCGPU_ASSIGN_OR_RETURN(std::string overall_jwt, SignJwt(overall, key, kid));

  const nlohmann::json eat = nlohmann::json::array(
      {nlohmann::json::array({"JWT", std::move(overall_jwt)}), std::move(device_jwts)});
  try {
    return eat.dump(2);
  } catch (const nlohmann::json::exception&) {
    return Fail(Errc::kInvalidArgument, "eat: text that is not UTF-8");
  }
}

Result<DetachedEat> ParseDetachedEat(std::string_view json_text, EatFailure* failure) {
  SetWhere(failure, "");
  if (json_text.size() > (16u << 20)) return Fail(Errc::kTokenInvalid, "eat: larger than 16 MiB");
  const nlohmann::json j =
      nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (j.is_discarded()) return Fail(Errc::kTokenInvalid, "eat: not JSON");
  // [["JWT", overall], {name: jwt, ...}]
  if (!j.is_array() || j.size() != 2) {
    return Fail(Errc::kTokenInvalid, "eat: not a two-element array [[\"JWT\", token], {devices}]");
  }
  const nlohmann::json& head = j[0];
  if (!head.is_array() || head.size() != 2 || !head[0].is_string() || head[0] != "JWT" ||
      !head[1].is_string()) {
    return Fail(Errc::kTokenInvalid, "eat: first element is not [\"JWT\", <overall token>]");
  }
  const nlohmann::json& devs = j[1];
  if (!devs.is_object() || devs.empty()) {
    return Fail(Errc::kTokenInvalid, "eat: second element is not a non-empty object of device tokens");
  }

  DetachedEat eat;
  eat.overall_jwt = head[1].get<std::string>();
  SetWhere(failure, "overall");
  CCGPU_ASSIGN_OR_RETURN(eat.overall, ParseJws(eat.overall_jwt));
  const nlohmann::json& oc = eat.overall.payload;
  const auto sub = oc.find("sub");
  if (sub == oc.end() || !sub->is_string() || *sub != kEatSubject) {
    return Fail(Errc::kTokenInvalid, "eat: overall sub is not NVIDIA-PLATFORM-ATTESTATION");
  }
  const auto result = oc.find("x-nvidia-overall-att-result");
  if (result == oc.end() || !result->is_boolean()) {
    return Fail(Errc::kTokenInvalid, "eat: x-nvidia-overall-att-result missing or not a boolean");
  }
  eat.overall_result = result->get<bool>();
  const auto submods = oc.find("submods");
  if (submods == oc.end() || !submods->is_object()) {
    return Fail(Errc::kTokenInvalid, "eat: overall submods missing or not an object");
  }

  for (const auto& [name, value] : devs.items()) {
    SetWhere(failure, name);
    if (!value.is_string()) return Fail(Errc::kTokenInvalid, "eat: device token is not a string");
    const std::string& jwt = value.get_ref<const std::string&>();
    // RFC 9711 §4.2.18.2 detached submodule digest; NVIDIA: ["DIGEST", [alg, hex]].
    const auto sm = submods->find(name);
    if (sm == submods->end()) {
      return Fail(Errc::kTokenInvalid, "eat: device token not bound by a submods digest");
    }
    const nlohmann::json& d = *sm;
    if (!d.is_array() || d.size() != 2 || d[0] != "DIGEST" || !d[1].is_array() ||
        d[1].size() != 2 || !d[1][0].is_string() || !d[1][1].is_string()) {
      return Fail(Errc::kTokenInvalid, "eat: submod is not [\"DIGEST\", [alg, digest]]");
    }
    if (d[1][0] != "SHA-256" && d[1][0] != "SHA256") {
      return Fail(Errc::kTokenInvalid, "eat: submod digest algorithm is not SHA-256");
    }
    auto want = HexDecode(d[1][1].get_ref<const std::string&>());
    if (!want || want->size() != 32) {
      return Fail(Errc::kTokenInvalid, "eat: submod digest is not 32 bytes of hex");
    }
    CCGPU_ASSIGN_OR_RETURN(Bytes got, crypto::Hash(crypto::HashAlg::kSha256, AsBytes(jwt)));
    if (!CtEqual(got, *want)) {
      return Fail(Errc::kTokenInvalid, "eat: device token does not match its submods digest");
    }
    // Bound by the digest: now read it.
    CCGPU_ASSIGN_OR_RETURN(Jws parsed, ParseJws(jwt));
    eat.device_jwts[name] = jwt;
    eat.devices[name] = std::move(parsed);
  }
  for (const auto& [name, value] : submods->items()) {
    (void)value;
    if (eat.devices.find(name) == eat.devices.end()) {
      SetWhere(failure, name);
      return Fail(Errc::kTokenInvalid, "eat: submods names a device token that is missing");
    }
  }
  SetWhere(failure, "");
  return eat;
}

Result<DetachedEat> VerifyDetachedEat(std::string_view json_text, const Jwks& jwks,
                                      const EatVerifyOptions& options, EatFailure* failure) {
  CCGPU_ASSIGN_OR_RETURN(DetachedEat eat, ParseDetachedEat(json_text, failure));
  auto check = [&](const std::string& where, const Jws& jws) -> Status {
    SetWhere(failure, where);
    CCGPU_ASSIGN_OR_RETURN(const Jwk* key, jwks.Find(jws.kid, jws.alg));
    CCGPU_TRY(VerifyJws(jws, key->key));
    CCGPU_TRY(CheckJwtTimes(jws.payload, options.at, options.leeway));
    if (options.nonce_hex) {
      const auto n = jws.payload.find("eat_nonce");
      if (n == jws.payload.end() || !n->is_string()) {
        return Fail(Errc::kTokenInvalid, "eat: eat_nonce missing");
      }
      auto got = HexDecode(n->get_ref<const std::string&>());
      auto want = HexDecode(*options.nonce_hex);
      if (!got || !want || *got != *want) {
        return Fail(Errc::kTokenInvalid, "eat: eat_nonce is not the expected nonce");
      }
    }
    return OkStatus();
  };
  CCGPU_TRY(check("overall", eat.overall));
  for (const auto& [name, jws] : eat.devices) CCGPU_TRY(check(name, jws));
  SetWhere(failure, "");
  return eat;
}

}  // namespace ccgpu::attest
