// An SPDM responder conformance checker. It runs, as a requester, the test
// cases that DMTF's SPDM-Responder-Validator documents (its doc/N.*.md: case
// N.M, assertion N.M.K, groups 1 VERSION … 9 FINISH_RSP, 10 PSK_EXCHANGE_RSP,
// 11 PSK_FINISH_RSP, 12 HEARTBEAT_ACK, 13 KEY_UPDATE_ACK, 16 END_SESSION_ACK,
// 19 CHUNK_SEND_ACK, 20 CHUNK_RESPONSE) against any responder reachable
// through a MessageExchange: ours in process, or any device or emulator over
// the spdm-emu platform port (`ccgpu spdm validate`).
//
// This is ccgpu's own implementation of those documented cases, written from
// the case descriptions and DSP0274/DSP0277; it is not DMTF's program, and a
// clean report here does not stand in for a run of DMTF's validator. Case and
// assertion numbers follow DMTF's documents so that results can be compared
// line by line.
//
// Like DMTF's validator it checks only what the specification mandates:
// a case whose feature the responder does not advertise (a version it does
// not list, a capability it lacks) is skipped, not failed. It offers only
// what it can verify: ECDSA P-256/P-384 signatures, SHA-256/384/512,
// secp256r1/secp384r1 DHE, AES-256-GCM and ChaCha20-Poly1305, and X.509
// certificate chains (no PUB_KEY_ID). SPDM 1.0 cases are skipped (ccgpu's
// codecs start at 1.1). The PSK groups (10, 11) need the responder's PSK
// provisioned in the validator too (ValidatorConfig::psk_store), as DMTF's
// validator does; without it they are skipped.
#ifndef CCGPU_SPDM_VALIDATOR_VALIDATOR_H_
#define CCGPU_SPDM_VALIDATOR_VALIDATOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "spdm/requester/exchange.h"
#include "spdm/session/psk_store.h"
#include "spdm/session/secured_message.h"

namespace ccgpu::spdm::validator {

struct AssertionResult {
  std::string id;      // "2.2.4"
  std::string what;    // the condition, as the case document states it
  bool passed = false;
  std::string detail;  // what was seen (on failure: why)
};

struct CaseResult {
  std::string id;     // "2.2"
  std::string title;  // one line
  bool skipped = false;
  std::string skip_reason;
  std::vector<AssertionResult> assertions;
  bool failed() const;
};

struct Report {
  std::vector<CaseResult> cases;
  std::size_t assertions_passed() const;
  std::size_t assertions_failed() const;
  std::size_t cases_skipped() const;
  bool ok() const { return assertions_failed() == 0; }
};

struct ValidatorConfig {
  // How secured records are carried (must match the responder's transport);
  // nullopt: a transport without secured messages (platform-port NONE), so
  // the session groups are skipped.
  std::optional<session::TransportBinding> binding = session::TransportBinding::Mctp();
  // PCI DOE: responses may carry up to 3 bytes of DWORD padding.
  bool allow_dword_padding = false;
  // Groups to run (1..13, 16, 19, 20); empty: all.
  std::vector<int> groups;
  // Pre-shared key for groups 10 PSK_EXCHANGE_RSP and 11 PSK_FINISH_RSP: a
  // store that holds, under `psk_hint`, the PSK the responder has
  // provisioned under that hint. A PSK session cannot be checked without the
  // key (DMTF's validator, too, needs the PSK provisioned on both sides); the
  // validator uses it only to derive the session keys and check the
  // responder's ResponderVerifyData, and never sends it. Without a store the
  // group-10/11 cases are skipped. Shared, read-only.
  std::shared_ptr<const session::PskStore> psk_store;
  // PSKHint sent in PSK_EXCHANGE (libspdm's test hint is "TestPskHint\0",
  // 12 bytes); may be empty when the PSK is stored under the empty hint. At
  // most session::kMaxPskHintSize bytes (kInvalidArgument from Validate).
  Bytes psk_hint;
};

// Runs the selected groups. Each case starts from GET_VERSION (a fresh
// connection state), as DMTF's cases do. A transport failure in the middle of
// a case is recorded as that case's failure and the run goes on; the Result
// fails only when the responder cannot be reached at all (the first
// GET_VERSION gets no reply) or the config is invalid (kInvalidArgument).
Result<Report> Validate(const ValidatorConfig& config, requester::MessageExchange* exchange);

// The groups this validator implements, in order.
const std::vector<int>& ImplementedGroups();

}  // namespace ccgpu::spdm::validator

#endif  // CCGPU_SPDM_VALIDATOR_VALIDATOR_H_
