// The guest (TVM) side of secure attach: a TDISP requester that runs inside
// the SPDM secure session the guest established with the device (after it
// verified the device's evidence), and checks what the device reports
// against what the untrusted host says it mapped.
//
// Flow (reference/tdisp.md §3.7 item 4): GET_TDISP_VERSION,
// GET_TDISP_CAPABILITIES, LOCK_INTERFACE (→ start nonce),
// GET_DEVICE_INTERFACE_REPORT (all portions) → CheckReport(host mapping) →
// START_INTERFACE(nonce) → DEVICE_INTERFACE_STATE == RUN. Later,
// EnsureRunning() re-checks the state and turns ERROR into kTdiInError.
//
// Trusts nothing it receives: each response is parsed strictly, must be the
// answer to the request sent (type, version 0x10, interface ID), and report
// portions must add up. TDISP_ERROR answers become precise Errc values:
//   INVALID_NONCE → kTdiInvalidNonce; INVALID_INTERFACE_STATE → kTdiInError
//   when the interface is in ERROR (one GET_DEVICE_INTERFACE_STATE tells),
//   else kTdiWrongState (a replayed START finds it RUN); INSUFFICIENT_ENTROPY
//   → kRngFailure; VERSION_MISMATCH → kVersionMismatch; anything else
//   kTdispError. The TDISP code is kept in last_tdisp_error().
#ifndef CCGPU_ATTACH_TDISP_CLIENT_H_
#define CCGPU_ATTACH_TDISP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "spdm/requester/requester.h"
#include "spdm/tdisp/report.h"
#include "spdm/tdisp/tdisp.h"

namespace ccgpu::attach {

using spdm::tdisp::StartNonce;
using spdm::tdisp::TdiState;

// Sends one TDISP message (no ProtocolID byte) to the device and returns its
// TDISP answer (no ProtocolID byte). The caller carries it in the session.
using TdispTransport = std::function<Result<Bytes>(ByteSpan tdisp_message)>;

// A transport over `requester`'s in-session VENDOR_DEFINED_REQUEST
// (StandardID 3 PCI-SIG, VendorID 0x0001, ProtocolID 0x01). `requester` must
// outlive the transport. Errors: the requester's (kPeerError for an SPDM
// ERROR, kSessionClosed, …), kUnsupported for a payload of another protocol.
TdispTransport RequesterTransport(spdm::requester::Requester& requester, uint32_t session_id);

// One BAR as the host says it mapped it for the guest.
struct MappedBar {
  uint8_t index = 0;     // BAR number (the report's range_id)
  uint64_t address = 0;  // host physical address
  uint64_t size = 0;     // bytes, a multiple of 4 KiB
};

// What the host told the guest about the device it assigned.
struct HostMapping {
  uint32_t function_id = 0;  // Requester ID of the TDI
  std::vector<MappedBar> bars;
};

struct LockOptions {
  uint16_t flags = spdm::tdisp::lock_flags::kNoFwUpdate | spdm::tdisp::lock_flags::kLockMsix;
  uint8_t default_stream_id = 0;
  uint64_t mmio_reporting_offset = 0;
  uint64_t bind_p2p_address_mask = 0;
};

class TdispClient {
 public:
  // `function_id` names the TDI in every request.
  TdispClient(TdispTransport transport, uint32_t function_id);

  // GET_TDISP_VERSION: the versions offered. kVersionMismatch if 1.0 (0x10)
  // is not among them.
  Result<std::vector<uint8_t>> GetVersion();
  Result<spdm::tdisp::CapabilitiesRsp> GetCapabilities(uint32_t tsm_caps = 0);
  // LOCK_INTERFACE_REQUEST: the start nonce. kTdiWrongState / kTdiInError
  // (not CONFIG_UNLOCKED), kRngFailure (device had no entropy), kTdispError.
  Result<StartNonce> Lock(const LockOptions& options);
  // All portions of the DEVICE_INTERFACE_REPORT, reassembled and parsed.
  // `portion` = bytes asked per request (0: as many as the device sends).
  // kMalformed for portions that do not add up, parse errors, kTdiWrongState
  // / kTdiInError when not locked.
  Result<spdm::tdisp::InterfaceReport> GetInterfaceReport(uint16_t portion = 0);
  // Checks `report` against `mapping` and the lock options used: each mapped
  // BAR is covered exactly, in order and without gaps, by 4 KiB-aligned
  // ranges with its range_id (shifted by mmio_reporting_offset); no range
  // names an unmapped BAR; NO_FW_UPDATE and LOCK_MSIX are reflected
  // (interface_info NO_UPDATE_AFTER_LOCK; MSI-X table/PBA not non-TEE).
  // kTdiReportMismatch, with the first difference in last_mismatch().
  Status CheckReport(const spdm::tdisp::InterfaceReport& report, const HostMapping& mapping,
                     const LockOptions& options);
  // START_INTERFACE_REQUEST. kTdiInvalidNonce, kTdiWrongState (e.g. already
  // RUN: a replayed START), kTdiInError.
  Status Start(const StartNonce& nonce);
  Status Stop();
  // GET_DEVICE_INTERFACE_STATE.
  Result<TdiState> State();
  // OK in RUN; kTdiInError in ERROR, kTdiWrongState otherwise.
  Status EnsureRunning();

  // The whole flow: version, capabilities, lock, report, check, start, and
  // a state read that must say RUN. Returns the checked report. On a
  // mismatch the interface stays locked (the caller may Stop() it).
  Result<spdm::tdisp::InterfaceReport> Attach(const HostMapping& mapping, const LockOptions& options = {});

  // The TDISP error code of the last TDISP_ERROR answer.
  std::optional<uint32_t> last_tdisp_error() const { return last_tdisp_error_; }
  // The first difference CheckReport found ("" if none).
  const std::string& last_mismatch() const { return last_mismatch_; }

 private:
  // Sends `body`, returns the response body if it is `expected` (TDISP_ERROR
  // is mapped as described above).
  Result<spdm::tdisp::Response> Call(const spdm::tdisp::RequestBody& body, spdm::tdisp::MessageType expected,
                                     Bytes* keep);
  Status FromTdispError(uint32_t code, spdm::tdisp::MessageType request);
  Status Mismatch(std::string what);

  TdispTransport transport_;
  uint32_t function_id_;
  std::optional<uint32_t> last_tdisp_error_;
  std::string last_mismatch_;
};

}  // namespace ccgpu::attach

#endif  // CCGPU_ATTACH_TDISP_CLIENT_H_
