// Production implementations of the verifier's RimSource and
// RevocationChecker: RIMs from a directory (NVIDIA ids) or from explicit
// files, verified by the rim library (schema, XML-DSig with the pinned RIM
// root, signer chain at the verification time; cached by document digest);
// revocation by the OCSP client (online / offline files / off).
#ifndef CCGPU_ATTEST_SOURCES_H_
#define CCGPU_ATTEST_SOURCES_H_

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "attest/rim/rim_store.h"
#include "attest/rim/rim_verifier.h"
#include "attest/verifier.h"
#include "crypto/ocsp/ocsp.h"

namespace ccgpu::attest {

// Converts a parsed RIM's Payload into the comparison's golden values.
GoldenValues ToGoldenValues(const Rim& rim, RimRole role, const std::string& rim_id);

struct RimSourceOptions {
  // NVAT's verify_rim_signature: when false the RIM is only schema-checked
  // and parsed; its signature and chain are reported as not verified (so no
  // default policy accepts it). For diagnosing measurement mismatches.
  bool verify_signature = true;
};

// RIMs from a RIM store directory and/or explicit files per role.
class FileRimSource final : public RimSource {
 public:
  // `verifier` is shared (its cache survives across verifications).
  FileRimSource(RimVerifier verifier, RimSourceOptions options = {});
  // kNotFound if `dir` is not a directory.
  Status SetDirectory(const std::filesystem::path& dir);
  // An explicit file for a role (takes precedence over the directory).
  void SetFile(RimRole role, std::filesystem::path file);

  RimOutcome Load(RimRole role, const std::string& rim_id, TimePoint at) override;

  const RimVerifier& verifier() const { return verifier_; }

 private:
  RimVerifier verifier_;
  RimSourceOptions options_;
  std::optional<RimStore> store_;
  std::map<RimRole, std::filesystem::path> files_;
};

// Revocation through crypto::OcspClient.
class OcspRevocationChecker final : public RevocationChecker {
 public:
  explicit OcspRevocationChecker(crypto::OcspClient client) : client_(std::move(client)) {}
  RevocationOutcome Check(const crypto::Certificate& cert, const crypto::Certificate& issuer,
                          TimePoint at) override;
  const crypto::OcspClient& client() const { return client_; }

 private:
  crypto::OcspClient client_;
};

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_SOURCES_H_
