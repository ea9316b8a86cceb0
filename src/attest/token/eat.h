// NVIDIA's detached EAT (Entity Attestation Token, RFC 9711, in JWT form):
// an overall JWT whose "submods" bind one JWT per device by digest, serialized
// as NRAS and NVAT do:
//
//   [["JWT", "<overall JWT>"], {"GPU-0": "<device JWT>", "GPU-1": ...}]
//
// Overall claims: sub "NVIDIA-PLATFORM-ATTESTATION", iss, iat, nbf, exp, jti,
// eat_nonce, x-nvidia-ver, x-nvidia-overall-att-result (bool), and
// submods {"GPU-0": ["DIGEST", ["SHA-256", "<lowercase hex SHA-256 of the
// device's compact JWT string>"]]} (format checked against NVIDIA's NRAS
// samples hopperClaimsv3_detached_eat.json and switch_detached_eat.json).
#ifndef CCGPU_ATTEST_TOKEN_EAT_H_
#define CCGPU_ATTEST_TOKEN_EAT_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "attest/token/jwt.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/ec.h"

namespace ccgpu::attest {

inline constexpr std::string_view kEatSubject = "NVIDIA-PLATFORM-ATTESTATION";

// One device's claims ("GPU-0", "SWITCH-0", ...) as the claims builder made
// them (a JSON object). iss/iat/nbf/exp/jti/eat_nonce are set by the issuer.
struct DeviceClaims {
  std::string name;
  nlohmann::json claims;
};

struct EatIssueOptions {
  std::string issuer = "ccgpu-local-verifier";   // "iss"
  std::chrono::seconds lifetime{3600};           // exp = iat + lifetime (NVIDIA: 1 h)
  std::string nonce_hex;                         // "eat_nonce" (the caller's nonce, hex)
  std::string claims_version = "3.0";            // "x-nvidia-ver"
  std::string kid;                               // JWS "kid"; empty = RFC 7638 thumbprint
};

// Signs one JWT per device and the overall JWT with `key` (ES384 for P-384,
// ES256 for P-256) at clock.Now() and returns the detached EAT JSON text.
// kInvalidArgument: no devices, an empty or duplicate device name, claims not
// a JSON object; crypto / RNG errors.
Result<std::string> IssueDetachedEat(const std::vector<DeviceClaims>& devices,
                                     bool overall_result, const crypto::EcPrivateKey& key,
                                     const EatIssueOptions& options, const Clock& clock);

// A detached EAT taken apart.
struct DetachedEat {
  std::string overall_jwt;
  Jws overall;
  std::map<std::string, std::string> device_jwts;   // name -> compact JWT
  std::map<std::string, Jws> devices;               // name -> parsed JWT
  bool overall_result = false;                      // x-nvidia-overall-att-result
};

// Where a check failed: "overall", a device name, or "" for the envelope.
struct EatFailure {
  std::string where;
};

// Parses the envelope and every JWT and checks the binding WITHOUT
// signatures or times: the envelope shape [["JWT", s], {name: s}], each JWT
// well-formed (ParseJws), the overall claims (sub, submods object,
// x-nvidia-overall-att-result boolean), and that the submods name exactly
// the device JWTs present, each ["DIGEST", ["SHA-256"|"SHA256", hex]] equal to
// SHA-256 of that device's compact JWT. kTokenInvalid with a context naming
// the check; `failure->where` names the JWT. (Enough for tokens signed by a
// key we do not have, such as NVIDIA's NRAS samples.)
Result<DetachedEat> ParseDetachedEat(std::string_view json_text, EatFailure* failure = nullptr);

struct EatVerifyOptions {
  TimePoint at;                          // verification time (injectable; `--at`)
  std::chrono::seconds leeway{60};       // allowed clock skew for exp/nbf
  std::optional<std::string> nonce_hex;  // if set, every eat_nonce must equal it
};

// ParseDetachedEat, then for the overall JWT and each device JWT: the key
// from `jwks` (kid lookup), the ES256/ES384 signature, exp/nbf at
// options.at. All failures kTokenInvalid (context: which check), with
// `failure->where` naming the JWT.
Result<DetachedEat> VerifyDetachedEat(std::string_view json_text, const Jwks& jwks,
                                      const EatVerifyOptions& options,
                                      EatFailure* failure = nullptr);

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_TOKEN_EAT_H_
