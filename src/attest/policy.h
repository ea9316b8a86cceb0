// Appraisal policy over NVIDIA v3 claims.
//  - Default(): NVIDIA's built-in overall-result policy (NVAT's Rego): per
//    device measres == "success" and every cert-chain object valid with OCSP
//    "good", nonce matching and the response valid; plus ccgpu's rule that
//    emulated evidence is refused unless allowed, and dbgstat "enabled"
//    (an emulated GPU in devtools mode, claims.h) is refused, as NVIDIA's
//    relying-party policies want dbgstat "disabled". OCSP "unknown" passes
//    only when the options say so explicitly.
//  - FromNvidiaJson(): NVIDIA's JSON appraisal-policy format
//    {"version", "authorization-rules": {"type": "JWT", "overall-claims":
//    {...}, "detached-claims": {...}}}: every listed claim must be present
//    with an equal value (objects compared member by member, recursively);
//    the detached rules apply to every device.
#ifndef CCGPU_ATTEST_POLICY_H_
#define CCGPU_ATTEST_POLICY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace ccgpu::attest {

struct PolicyOptions {
  bool accept_ocsp_unknown = false;  // OCSP off: "unknown" accepted (never "good")
  bool allow_emulated = false;
  bool accept_ocsp_without_nonce = false;  // offline OCSP files carry no nonce of ours
};

struct PolicyDecision {
  bool pass = false;
  std::vector<std::string> reasons;  // one line per failed rule
};

class Policy {
 public:
  static Policy Default(PolicyOptions options = {});
  // kInvalidJson if the text is not JSON or lacks "authorization-rules". A
  // detached cert-chain rule asking for "x-nvidia-cert-ocsp-status":
  // "unknown" sets options().accept_ocsp_unknown (explicit acceptance).
  static Result<Policy> FromNvidiaJson(std::string_view text, PolicyOptions options = {});

  // Evaluates the overall claims and each device's claims.
  // `names` (optional, same order) label the reasons ("GPU-0").
  PolicyDecision Evaluate(const nlohmann::ordered_json& overall,
                          const std::vector<const nlohmann::ordered_json*>& devices,
                          const std::vector<std::string>& names = {}) const;
  const PolicyOptions& options() const { return options_; }
  bool is_default() const { return !rules_.has_value(); }

 private:
  PolicyOptions options_;
  std::optional<nlohmann::json> rules_;  // authorization-rules
};

// The built-in rules alone for one device's claims (appends reasons).
bool DefaultDeviceRules(const nlohmann::ordered_json& claims, const PolicyOptions& options,
                        std::vector<std::string>& reasons, const std::string& name = "device");

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_POLICY_H_
