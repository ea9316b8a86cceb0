#include "attest/policy.h"

#include "attest/claims.h"

namespace ccgpu::attest {
namespace {

using ojson = nlohmann::ordered_json;

// Is every member of `rule` present in `claims` with an equal value?
void MatchRules(const nlohmann::json& rule, const ojson& claims, const std::string& where,
                std::vector<std::string>& reasons) {
  for (const auto& [key, want] : rule.items()) {
    if (!claims.is_object() || !claims.contains(key)) {
      reasons.push_back(where + ": claim \"" + key + "\" is missing (policy wants " + want.dump() + ")");
      continue;
    }
    const ojson& got = claims.at(key);
    if (want.is_object()) {
      MatchRules(want, got, where + "." + key, reasons);
    } else if (nlohmann::json(got) != want) {
      reasons.push_back(where + ": claim \"" + key + "\" is " + got.dump() + ", policy wants " +
                        want.dump());
    }
  }
}

const char* ChainKeys[] = {
    "x-nvidia-gpu-attestation-report-cert-chain", "x-nvidia-gpu-driver-rim-cert-chain",
    "x-nvidia-gpu-vbios-rim-cert-chain", "x-nvidia-switch-attestation-report-cert-chain",
    "x-nvidia-switch-bios-rim-cert-chain"};

}  // namespace

bool DefaultDeviceRules(const ojson& claims, const PolicyOptions& options,
                        std::vector<std::string>& reasons, const std::string& name) {
  const std::size_t before = reasons.size();
  if (claims.value(kEmulatedClaim, false) && !options.allow_emulated) {
    reasons.push_back(name + ": evidence is from an emulated device and emulated evidence is not allowed");
  }
  if (!claims.contains("measres") || claims["measres"] != "success") {
    reasons.push_back(name + ": measres is not \"success\"");
  }
  // As NVIDIA's relying-party policies (dbgstat == "disabled"): a device
  // that allows debugging (devtools mode) is not trusted by default; a
  // policy file may accept it.
  if (claims.value("dbgstat", ojson(nullptr)) == "enabled") {
    reasons.push_back(name + ": dbgstat is \"enabled\" (devtools mode: the device allows debugging)");
  }
  int chains = 0;
  for (const char* key : ChainKeys) {
    if (!claims.contains(key)) continue;
    ++chains;
    const ojson& c = claims[key];
    if (c.value("x-nvidia-cert-status", std::string()) != "valid") {
      reasons.push_back(name + ": " + key + " status is " + c.value("x-nvidia-cert-status", std::string("?")));
    }
    const std::string ocsp = c.value("x-nvidia-cert-ocsp-status", std::string());
    if (ocsp == "good") {
      if (!c.value("x-nvidia-cert-ocsp-nonce-matches", false) && !options.accept_ocsp_without_nonce) {
        reasons.push_back(name + ": " + key + " OCSP nonce does not match");
      }
      if (!c.value("x-nvidia-cert-ocsp-response-valid", false)) {
        reasons.push_back(name + ": " + key + " OCSP response is not valid");
      }
    } else if (!(ocsp == "unknown" && options.accept_ocsp_unknown)) {
      reasons.push_back(name + ": " + key + " OCSP status is \"" + ocsp + "\"" +
                        (ocsp == "unknown" ? " (not accepted: OCSP unknown must be allowed explicitly)" : ""));
    }
  }
  if (chains == 0) reasons.push_back(name + ": no certificate-chain claims");
  return reasons.size() == before;
}

Policy Policy::Default(PolicyOptions options) {
  Policy p;
  p.options_ = options;
  return p;
}

Result<Policy> Policy::FromNvidiaJson(std::string_view text, PolicyOptions options) {
  const nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Fail(Errc::kInvalidJson, "policy: not a JSON object");
  auto it = doc.find("authorization-rules");
  if (it == doc.end() || !it->is_object()) {
    return Fail(Errc::kInvalidJson, "policy: no \"authorization-rules\" object");
  }
  Policy p;
  p.options_ = options;
  p.rules_ = *it;
  // A file that asks for OCSP status "unknown" accepts it explicitly; the
  // overall result (built-in rules) then accepts it too.
  if (auto dc = it->find("detached-claims"); dc != it->end() && dc->is_object()) {
    for (const auto& [k, v] : dc->items()) {
      if (v.is_object() && v.value("x-nvidia-cert-ocsp-status", std::string()) == "unknown") {
        p.options_.accept_ocsp_unknown = true;
      }
    }
  }
  return p;
}

PolicyDecision Policy::Evaluate(const ojson& overall, const std::vector<const ojson*>& devices,
                                const std::vector<std::string>& names) const {
  PolicyDecision d;
  auto name = [&](std::size_t i) { return i < names.size() ? names[i] : "device " + std::to_string(i); };
  if (devices.empty()) d.reasons.push_back("no devices");
  if (!rules_) {
    for (std::size_t i = 0; i < devices.size(); ++i) DefaultDeviceRules(*devices[i], options_, d.reasons, name(i));
  } else {
    const nlohmann::json& r = *rules_;
    const bool structured = r.contains("overall-claims") || r.contains("detached-claims");
    if (structured) {
      if (auto o = r.find("overall-claims"); o != r.end() && o->is_object()) {
        MatchRules(*o, overall, "overall", d.reasons);
      }
      if (auto dc = r.find("detached-claims"); dc != r.end() && dc->is_object()) {
        for (std::size_t i = 0; i < devices.size(); ++i) {
          MatchRules(*dc, *devices[i], name(i), d.reasons);
        }
      }
    } else {
      // Version 1 policies: flat rules over each device's claims.
      nlohmann::json flat = r;
      flat.erase("type");
      for (std::size_t i = 0; i < devices.size(); ++i) {
        MatchRules(flat, *devices[i], name(i), d.reasons);
      }
    }
    // Emulated evidence is refused whatever the file says.
    for (const ojson* c : devices) {
      if (c->value(kEmulatedClaim, false) && !options_.allow_emulated) {
        d.reasons.push_back("evidence is from an emulated device and emulated evidence is not allowed");
      }
    }
  }
  d.pass = d.reasons.empty();
  return d;
}

}  // namespace ccgpu::attest
