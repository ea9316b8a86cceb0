// NVIDIA v3 attestation claims (the JSON NRAS and NVIDIA's local verifiers
// put in their detached EAT): per-device claims and the overall claims.
#ifndef CCGPU_ATTEST_CLAIMS_H_
#define CCGPU_ATTEST_CLAIMS_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attest/verifier.h"
#include "base/bytes.h"
#include "base/clock.h"

namespace ccgpu::attest {

inline constexpr const char* kClaimsVersion = "3.0";
inline constexpr const char* kOverallSubject = "NVIDIA-PLATFORM-ATTESTATION";
inline constexpr const char* kEmulatedClaim = "x-ccgpu-emulated";
inline constexpr int64_t kClaimsLifetimeSeconds = 3600;

// dbgstat. NVIDIA's verifiers report "disabled" whenever every measurement
// matches its golden value (a debug/devtools state is measured, and NVIDIA
// publishes RIMs only for production states), null otherwise. ccgpu's
// emulated GPUs can be given RIMs for any mode (`ccgpu rim make`), so for
// EMULATED evidence the devtools state is read from the signed evidence:
// the emulator measures it at SPDM block 6 (RIM index 5) as SHA-384 of the
// text "devtools=enabled" or "devtools=disabled" (src/gpu/measurements.cc);
// the enabled value gives dbgstat "enabled". Real NVIDIA evidence is never
// read this way (its block 6 means something else).
inline constexpr uint8_t kEmulatedDevtoolsBlock = 6;
inline constexpr const char* kEmulatedDevtoolsEnabledText = "devtools=enabled";

// The per-device v3 claims: measres, secboot, dbgstat (see above), hwmodel, ueid, oemid,
// eat_nonce, iss/iat/nbf/exp/jti, x-nvidia-device-type and the
// x-nvidia-{gpu,switch}-… facts, the three cert-chain objects
// {x-nvidia-cert-status, -ocsp-status, -expiration-date, -revocation-reason,
// -ocsp-nonce-matches, -ocsp-response-valid}, and mismatch records
// {index, goldenSize, goldenValue, runtimeSize, runtimeValue,
// measurementSource}. `jti` is a fresh random UUID.
nlohmann::ordered_json BuildDeviceClaims(const DeviceReport& device, ByteSpan nonce, TimePoint at,
                                         const std::string& issuer);

// The overall claims: sub, iss, iat, nbf, exp, jti, x-nvidia-ver,
// x-nvidia-overall-att-result, eat_nonce and submods {name: ["DIGEST",
// ["SHA256", hex]]} where the digest is SHA-256 of the device's claims
// serialised compactly (NRAS hashes the device JWT instead; the token
// layer recomputes submods when it signs).
nlohmann::ordered_json BuildOverallClaims(const std::vector<DeviceReport>& devices, bool result,
                                          ByteSpan nonce, TimePoint at, const std::string& issuer);

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_CLAIMS_H_
