// `ccgpu token`: attestation result tokens (NVIDIA's detached EAT).
//   token verify  --token FILE --jwks FILE [--at RFC3339] [--nonce HEX] [--json]
//   token jwks    --key KEY.pem [--kid KID]
//   token issue   --key KEY.pem --claims FILE [--at RFC3339] [--nonce HEX]
//                 [--issuer S] [--kid KID] [--result true|false]
//   token inspect --token FILE [--json]
// Exit codes (command.h): 0 verified (and, for verify, the overall result is
// true); 1 the token does not verify or its overall result is false;
// 2 usage; 3 an input file cannot be read or parsed.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "attest/token/eat.h"
#include "attest/token/jwt.h"
#include "base/clock.h"
#include "command.h"
#include "crypto/ec.h"

namespace ccgpu::cli {
namespace {

std::optional<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return text;
}

int Unusable(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "ccgpu token: %s: %s\n", what.c_str(), why.c_str());
  return kExitInputUnusable;
}

std::string Dump(const nlohmann::json& j, int indent = 2) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<TimePoint> TimeArg(const std::string& at) {
  if (at.empty()) return SystemClock::Get().Now();
  return ParseRfc3339(at);
}

// Reads a private key PEM, or (jwks only) a public key PEM.
struct KeyInput {
  std::optional<crypto::EcPrivateKey> priv;
  std::optional<crypto::EcPublicKey> pub;
};
Result<KeyInput> ReadKey(const std::string& pem, bool allow_public) {
  KeyInput k;
  if (auto priv = crypto::EcPrivateKey::FromPem(pem)) {
    CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey pub, priv->PublicKey());
    k.priv = *priv;
    k.pub = pub;
    return k;
  }
  if (allow_public) {
    if (auto pub = crypto::EcPublicKey::FromPem(pem)) {
      k.pub = *pub;
      return k;
    }
  }
  return Fail(Errc::kBadKey, "not a P-256/P-384 EC key in PEM");
}

struct Args {
  std::string token, jwks, key, claims, at, nonce, kid, issuer = "ccgpu-local-verifier";
  std::string result = "true";
  bool json = false;
};

void PrintClaims(const attest::DetachedEat& eat) {
  std::printf("overall (kid %s, %s): %s\n", eat.overall.kid ? eat.overall.kid->c_str() : "-",
              std::string(attest::JwsAlgName(eat.overall.alg)).c_str(),
              Dump(eat.overall.payload).c_str());
  for (const auto& [name, jws] : eat.devices) {
    std::printf("%s: %s\n", name.c_str(), Dump(jws.payload).c_str());
  }
}

nlohmann::json ClaimsJson(const attest::DetachedEat& eat) {
  nlohmann::json devices = nlohmann::json::object();
  for (const auto& [name, jws] : eat.devices) devices[name] = jws.payload;
  return {{"overall", eat.overall.payload}, {"devices", devices}};
}

int RunVerify(const Args& a) {
  auto token = ReadTextFile(a.token);
  if (!token) return Unusable(a.token, "cannot read the token file");
  auto jwks_text = ReadTextFile(a.jwks);
  if (!jwks_text) return Unusable(a.jwks, "cannot read the JWKS file");
  auto jwks = attest::Jwks::Parse(*jwks_text);
  if (!jwks) return Unusable(a.jwks, jwks.error().ToString());
  auto at = TimeArg(a.at);
  if (!at) return Unusable("--at", at.error().ToString());
  attest::EatVerifyOptions options;
  options.at = *at;
  if (!a.nonce.empty()) options.nonce_hex = a.nonce;
  attest::EatFailure failure;
  auto eat = attest::VerifyDetachedEat(*token, *jwks, options, &failure);
  if (a.json) {
    nlohmann::json out = {{"valid", eat.has_value()}, {"at", FormatRfc3339(*at)}};
    if (eat) {
      out["overall_result"] = eat->overall_result;
      out["kid"] = eat->overall.kid ? nlohmann::json(*eat->overall.kid) : nlohmann::json(nullptr);
      out["claims"] = ClaimsJson(*eat);
    } else {
      out["error"] = eat.error().ToString();
      out["where"] = failure.where;
    }
    std::printf("%s\n", Dump(out).c_str());
  } else if (eat) {
    std::printf("token verify: signatures, submod digests and times valid at %s (%zu device%s)\n",
                FormatRfc3339(*at).c_str(), eat->devices.size(), eat->devices.size() == 1 ? "" : "s");
    std::printf("overall attestation result: %s\n", eat->overall_result ? "true" : "false");
  } else {
    std::printf("token verify: INVALID%s%s: %s\n", failure.where.empty() ? "" : " in ",
                failure.where.c_str(), eat.error().ToString().c_str());
  }
  return eat && eat->overall_result ? kExitOk : kExitFailed;
}

int RunInspect(const Args& a) {
  auto token = ReadTextFile(a.token);
  if (!token) return Unusable(a.token, "cannot read the token file");
  attest::EatFailure failure;
  auto eat = attest::ParseDetachedEat(*token, &failure);
  if (!eat) {
    std::printf("token inspect: INVALID%s%s: %s\n", failure.where.empty() ? "" : " in ",
                failure.where.c_str(), eat.error().ToString().c_str());
    return kExitFailed;
  }
  if (a.json) {
    std::printf("%s\n", Dump(ClaimsJson(*eat)).c_str());
  } else {
    std::printf("token inspect: structure and submod digests valid; signatures NOT checked\n");
    PrintClaims(*eat);
  }
  return kExitOk;
}

int RunJwks(const Args& a) {
  auto pem = ReadTextFile(a.key);
  if (!pem) return Unusable(a.key, "cannot read the key file");
  auto key = ReadKey(*pem, /*allow_public=*/true);
  if (!key) return Unusable(a.key, key.error().ToString());
  std::string kid = a.kid;
  if (kid.empty()) {
    auto t = attest::JwkThumbprint(*key->pub);
    if (!t) return Unusable(a.key, t.error().ToString());
    kid = *t;
  }
  auto jwk = attest::PublicJwk(*key->pub, kid);
  if (!jwk) return Unusable("--kid", jwk.error().ToString());
  std::printf("%s\n", Dump(nlohmann::json{{"keys", nlohmann::json::array({*jwk})}}).c_str());
  return kExitOk;
}

int RunIssue(const Args& a) {
  auto pem = ReadTextFile(a.key);
  if (!pem) return Unusable(a.key, "cannot read the key file");
  auto key = ReadKey(*pem, /*allow_public=*/false);
  if (!key) return Unusable(a.key, key.error().ToString());
  auto claims_text = ReadTextFile(a.claims);
  if (!claims_text) return Unusable(a.claims, "cannot read the claims file");
  const nlohmann::json claims = nlohmann::json::parse(*claims_text, nullptr, false);
  if (claims.is_discarded() || !claims.is_object() || claims.empty()) {
    return Unusable(a.claims, "not a JSON object {\"GPU-0\": {claims}, ...}");
  }
  std::vector<attest::DeviceClaims> devices;
  for (const auto& [name, value] : claims.items()) devices.push_back({name, value});
  auto at = TimeArg(a.at);
  if (!at) return Unusable("--at", at.error().ToString());
  attest::EatIssueOptions options;
  options.issuer = a.issuer;
  options.nonce_hex = a.nonce;
  options.kid = a.kid;
  FixedClock clock(*at);
  auto eat = attest::IssueDetachedEat(devices, a.result == "true", *key->priv, options, clock);
  if (!eat) return Unusable(a.claims, eat.error().ToString());
  std::printf("%s\n", eat->c_str());
  return kExitOk;
}

}  // namespace

void AddTokenCommand(CLI::App& app, Action& action) {
  auto args = std::make_shared<Args>();
  CLI::App* token = app.add_subcommand("token", "Attestation result tokens (NVIDIA detached EAT, JWKS)");
  token->require_subcommand(1);

  CLI::App* verify = token->add_subcommand(
      "verify", "Verify a detached EAT against a JWKS: signatures, submod digests, exp/nbf");
  verify->add_option("--token", args->token, "Detached EAT JSON file")->required();
  verify->add_option("--jwks", args->jwks, "JWK Set JSON file")->required();
  verify->add_option("--at", args->at, "Verification time, RFC 3339 (default: now)");
  verify->add_option("--nonce", args->nonce, "Expected eat_nonce (hex)");
  verify->add_flag("--json", args->json, "Machine-readable result");
  verify->callback([&action, args] { action = [args] { return RunVerify(*args); }; });

  CLI::App* jwks = token->add_subcommand("jwks", "Print the public JWK Set of a key");
  jwks->add_option("--key", args->key, "EC key PEM (private or public)")->required();
  jwks->add_option("--kid", args->kid, "Key ID (default: RFC 7638 thumbprint)");
  jwks->callback([&action, args] { action = [args] { return RunJwks(*args); }; });

  CLI::App* issue = token->add_subcommand("issue", "Sign a detached EAT over per-device claims");
  issue->add_option("--key", args->key, "EC private key PEM (P-384: ES384, P-256: ES256)")->required();
  issue->add_option("--claims", args->claims, "JSON file {\"GPU-0\": {claims}, ...}")->required();
  issue->add_option("--at", args->at, "Issue time, RFC 3339 (default: now)");
  issue->add_option("--nonce", args->nonce, "eat_nonce (hex)");
  issue->add_option("--issuer", args->issuer, "iss claim");
  issue->add_option("--kid", args->kid, "Key ID (default: RFC 7638 thumbprint)");
  issue->add_option("--result", args->result, "x-nvidia-overall-att-result")
      ->check(CLI::IsMember({"true", "false"}));
  issue->callback([&action, args] { action = [args] { return RunIssue(*args); }; });

  CLI::App* inspect = token->add_subcommand(
      "inspect", "Check a detached EAT's structure and digests (no signatures) and print its claims");
  inspect->add_option("--token", args->token, "Detached EAT JSON file")->required();
  inspect->add_flag("--json", args->json, "Claims as JSON");
  inspect->callback([&action, args] { action = [args] { return RunInspect(*args); }; });
}

}  // namespace ccgpu::cli
