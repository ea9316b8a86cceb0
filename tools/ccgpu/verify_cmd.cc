// `ccgpu verify`: verifies NVIDIA GPU / NVSwitch attestation evidence
// (src/attest) and prints a step-by-step report or the claims as JSON.
//
// Exit codes: 0 the policy passes; 1 the evidence was verified and is not
// acceptable (a step or the policy failed); 2 usage; 3 an input file could
// not be read or parsed (evidence, chain, RIM, policy, key).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "attest/claims.h"
#include "attest/evidence.h"
#include "attest/policy.h"
#include "attest/roots.h"
#include "attest/sources.h"
#include "attest/token/eat.h"
#include "attest/token/jwt.h"
#include "attest/verifier.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "command.h"
#include "crypto/ec.h"
#include "crypto/ocsp/ocsp.h"
#include "crypto/x509.h"

namespace ccgpu::cli {
namespace {

struct VerifyArgs {
  std::string evidence;
  std::string certs;
  std::string nonce;
  std::string rim_dir;
  std::string driver_rim;
  std::string vbios_rim;
  std::string at;
  std::vector<std::string> ocsp;
  std::string policy;
  std::string token_key;
  std::string device_root;
  std::string rim_root;
  std::string arch;
  bool json = false;
  bool jwks = false;
  bool allow_emulated = false;
  bool accept_ocsp_unknown = false;
  bool no_rim_signature_check = false;
};

// Reads a whole file; nullopt (and a message) if unreadable or empty.
std::optional<std::string> ReadInput(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "ccgpu verify: cannot read %s file %s\n", what, path.c_str());
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (TrimAsciiWhitespace(text).empty()) {
    std::fprintf(stderr, "ccgpu verify: %s file %s is empty\n", what, path.c_str());
    return std::nullopt;
  }
  return text;
}

int Unusable(const std::string& msg) {
  std::fprintf(stderr, "ccgpu verify: %s\n", msg.c_str());
  return kExitInputUnusable;
}

int RunVerify(const VerifyArgs& a) {
  using attest::DeviceInput;
  // --- Time.
  TimePoint at = SystemClock::Get().Now();
  if (!a.at.empty()) {
    auto t = ParseRfc3339(a.at);
    if (!t) {
      std::fprintf(stderr, "ccgpu verify: --at: %s\n", t.error().ToString().c_str());
      return kExitUsage;
    }
    at = *t;
  }
  // --- Nonce.
  auto nonce = HexDecode(TrimAsciiWhitespace(a.nonce));
  if (!nonce || nonce->size() != attest::kSpdmNonceSize) {
    return Unusable("--nonce must be 32 bytes of hex (64 hex digits)");
  }
  // --- Roots (pinned, overridable).
  std::string device_root_pem(attest::NvidiaDeviceRootPem());
  std::string rim_root_pem(attest::NvidiaRimRootPem());
  if (!a.device_root.empty()) {
    auto t = ReadInput(a.device_root, "device root");
    if (!t) return kExitInputUnusable;
    device_root_pem = *t;
  }
  if (!a.rim_root.empty()) {
    auto t = ReadInput(a.rim_root, "RIM root");
    if (!t) return kExitInputUnusable;
    rim_root_pem = *t;
  }
  auto device_roots = crypto::Certificate::ParsePemChain(device_root_pem);
  if (!device_roots || device_roots->empty()) return Unusable("device root: not a PEM certificate");
  // --- Evidence.
  auto ev_text = ReadInput(a.evidence, "evidence");
  if (!ev_text) return kExitInputUnusable;
  std::vector<DeviceInput> inputs;
  std::optional<attest::Arch> forced_arch;
  if (!a.arch.empty()) {
    auto arch = attest::ParseArch(a.arch);
    if (!arch) return Unusable("--arch: " + arch.error().ToString());
    forced_arch = *arch;
  }
  const std::string_view trimmed = TrimAsciiWhitespace(*ev_text);
  if (!trimmed.empty() && trimmed.front() == '[') {
    auto list = attest::ParseEvidenceList(trimmed);
    if (!list) return Unusable("evidence list " + a.evidence + ": " + list.error().ToString());
    for (auto& e : *list) {
      inputs.push_back(DeviceInput{.arch = forced_arch ? forced_arch : std::optional<attest::Arch>(e.arch),
                                   .evidence = std::move(e.evidence),
                                   .cert_chain_pem = std::move(e.certificate),
                                   .driver_version = e.driver_version,
                                   .vbios_version = e.vbios_version});
    }
  } else {
    auto blob = HexDecode(trimmed);
    if (!blob) return Unusable("evidence " + a.evidence + ": not hex text (" + blob.error().ToString() + ")");
    if (a.certs.empty()) return Unusable("a hex evidence blob needs --certs (the device certificate chain)");
    auto chain = ReadInput(a.certs, "certificate chain");
    if (!chain) return kExitInputUnusable;
    inputs.push_back(DeviceInput{.arch = forced_arch,
                                 .evidence = std::move(*blob),
                                 .cert_chain_pem = std::move(*chain),
                                 .driver_version = std::nullopt,
                                 .vbios_version = std::nullopt});
  }
  // --- RIMs.
  auto rim_verifier = attest::RimVerifier::Create(rim_root_pem);
  if (!rim_verifier) return Unusable("RIM root: " + rim_verifier.error().ToString());
  attest::FileRimSource rims(std::move(*rim_verifier),
                             attest::RimSourceOptions{.verify_signature = !a.no_rim_signature_check});
  if (!a.rim_dir.empty()) {
    if (auto st = rims.SetDirectory(a.rim_dir); !st) {
      return Unusable("--rim-dir " + a.rim_dir + ": " + st.error().ToString());
    }
  }
  for (const auto& [path, role, what] : {std::tuple{a.driver_rim, attest::RimRole::kDriver, "driver RIM"},
                                          std::tuple{a.vbios_rim, attest::RimRole::kVbios, "VBIOS RIM"}}) {
    if (path.empty()) continue;
    if (!ReadInput(path, what)) return kExitInputUnusable;
    rims.SetFile(role, path);
  }
  // --- OCSP.
  std::optional<attest::OcspRevocationChecker> ocsp;
  if (!a.ocsp.empty() && a.ocsp[0] != "off") {
    if (a.ocsp[0] == "offline") {
      if (a.ocsp.size() != 2) {
        std::fprintf(stderr, "ccgpu verify: --ocsp offline needs a directory\n");
        return kExitUsage;
      }
      auto c = crypto::OcspClient::Offline(a.ocsp[1]);
      if (!c) return Unusable("--ocsp offline " + a.ocsp[1] + ": " + c.error().ToString());
      ocsp.emplace(std::move(*c));
    } else {
      auto c = crypto::OcspClient::Online(a.ocsp[0]);
      if (!c) {
        std::fprintf(stderr, "ccgpu verify: --ocsp %s: %s\n", a.ocsp[0].c_str(), c.error().ToString().c_str());
        return kExitUsage;
      }
      ocsp.emplace(std::move(*c));
    }
  }
  // --- Policy.
  attest::PolicyOptions popts{.accept_ocsp_unknown = a.accept_ocsp_unknown,
                              .allow_emulated = a.allow_emulated,
                              .accept_ocsp_without_nonce = false};
  std::optional<attest::Policy> policy;
  if (!a.policy.empty()) {
    auto text = ReadInput(a.policy, "policy");
    if (!text) return kExitInputUnusable;
    auto p = attest::Policy::FromNvidiaJson(*text, popts);
    if (!p) return Unusable("policy " + a.policy + ": " + p.error().ToString());
    policy = std::move(*p);
  } else {
    policy = attest::Policy::Default(popts);
  }
  // --- Token key.
  std::optional<crypto::EcPrivateKey> token_key;
  if (!a.token_key.empty()) {
    auto text = ReadInput(a.token_key, "token key");
    if (!text) return kExitInputUnusable;
    auto k = crypto::EcPrivateKey::FromPem(*text);
    if (!k) return Unusable("--token-key " + a.token_key + ": " + k.error().ToString());
    token_key = std::move(*k);
  }

  attest::VerifierConfig cfg;
  cfg.device_roots = std::move(*device_roots);
  cfg.rims = &rims;
  cfg.revocation = ocsp ? &*ocsp : nullptr;
  attest::ChainCache cache;
  cfg.chain_cache = &cache;
  attest::VerificationReport report = attest::Verify(cfg, inputs, *nonce, at, *policy);

  std::optional<std::string> token;
  if (token_key) {
    std::vector<attest::DeviceClaims> dc;
    for (const auto& d : report.devices) dc.push_back({d.name, nlohmann::json(d.claims)});
    FixedClock clock(at);
    attest::EatIssueOptions eo;
    eo.issuer = cfg.issuer_gpu;
    eo.nonce_hex = HexEncode(*nonce);
    auto t = attest::IssueDetachedEat(dc, report.policy_passed, *token_key, eo, clock);
    if (!t) return Unusable("token: " + t.error().ToString());
    token = std::move(*t);
  }
  if (a.json) {
    nlohmann::ordered_json out;
    out["overall-claims"] = report.overall_claims;
    nlohmann::ordered_json det = nlohmann::ordered_json::object();
    for (const auto& d : report.devices) det[d.name] = d.claims;
    out["detached-claims"] = std::move(det);
    out["policy"] = {{"pass", report.policy_passed}, {"reasons", report.policy_reasons}};
    if (token) out["token"] = nlohmann::ordered_json::parse(*token, nullptr, false);
    if (a.jwks && token_key) {
      auto pub = token_key->PublicKey();
      auto kid = pub ? attest::JwkThumbprint(*pub) : Result<std::string>(tl::unexpected(pub.error()));
      auto jwk = pub && kid ? attest::PublicJwk(*pub, *kid) : Result<nlohmann::json>(nlohmann::json());
      if (jwk) out["jwks"] = {{"keys", nlohmann::json::array({*jwk})}};
    }
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << attest::FormatReport(report);
    if (token) std::cout << "token: " << *token << "\n";
    if (a.jwks && token_key) {
      auto pub = token_key->PublicKey();
      if (pub) {
        auto kid = attest::JwkThumbprint(*pub);
        auto jwk = kid ? attest::PublicJwk(*pub, *kid) : Result<nlohmann::json>(nlohmann::json());
        if (jwk) std::cout << "jwks: " << nlohmann::json{{"keys", nlohmann::json::array({*jwk})}}.dump() << "\n";
      }
    }
  }
  if (report.input_unusable()) {
    for (const auto& d : report.devices) {
      if (d.input_unusable) std::fprintf(stderr, "ccgpu verify: %s: input unusable: %s\n", d.name.c_str(), d.why.c_str());
    }
    return kExitInputUnusable;
  }
  return report.policy_passed ? kExitOk : kExitFailed;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, Action& action) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Verify NVIDIA GPU / NVSwitch attestation evidence: parse, nonce, certificate chain\n"
      "(pinned NVIDIA root, FWID, OCSP), signature, driver/VBIOS RIMs, measurements,\n"
      "claims and policy. Exit 0 only when the policy passes; 1 when it does not;\n"
      "3 when an input cannot be used.");
  cmd->add_option("--evidence", args->evidence, "hex evidence blob, or NVIDIA's JSON evidence list")->required();
  cmd->add_option("--certs", args->certs, "device certificate chain (PEM, 5 certificates) for a hex blob");
  cmd->add_option("--nonce", args->nonce, "the nonce you sent (64 hex digits)")->required();
  auto* dir = cmd->add_option("--rim-dir", args->rim_dir, "RIM store directory (files named by NVIDIA RIM id)");
  cmd->add_option("--driver-rim", args->driver_rim, "driver RIM file")->excludes(dir);
  cmd->add_option("--vbios-rim", args->vbios_rim, "VBIOS RIM file (NVSwitch: BIOS RIM)")->excludes(dir);
  cmd->add_option("--at", args->at, "verification time, RFC 3339 (default: now)");
  cmd->add_option("--ocsp", args->ocsp, "off (default) | offline DIR | http://responder-url")->expected(1, 2);
  cmd->add_option("--policy", args->policy, "NVIDIA JSON appraisal policy (authorization-rules)");
  cmd->add_option("--token-key", args->token_key, "EC private key (PEM): issue a signed detached EAT");
  cmd->add_flag("--jwks", args->jwks, "with --token-key: print the public key set");
  cmd->add_flag("--json", args->json, "print the claims (and policy result) as JSON");
  cmd->add_flag("--allow-emulated", args->allow_emulated, "accept evidence from an emulated device");
  cmd->add_flag("--accept-ocsp-unknown", args->accept_ocsp_unknown,
                "let the policy accept OCSP status \"unknown\" (e.g. with --ocsp off)");
  cmd->add_flag("--no-rim-signature-check", args->no_rim_signature_check,
                "do not verify RIM signatures (diagnosis only; the default policy then fails)");
  cmd->add_option("--device-root", args->device_root, "override the pinned NVIDIA Device Identity CA (PEM)");
  cmd->add_option("--rim-root", args->rim_root, "override the pinned NVIDIA RIM root (PEM)");
  cmd->add_option("--arch", args->arch, "HOPPER | BLACKWELL | LS10 (default: from the evidence list or chain)");
  cmd->callback([args, &action] { action = [args] { return RunVerify(*args); }; });
}

}  // namespace ccgpu::cli
