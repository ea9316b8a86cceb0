#include "attach/tdisp_client.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

namespace ccgpu::attach {
namespace td = spdm::tdisp;
using td::ErrorCode;
using td::MessageType;

namespace {

std::string Hex64(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%" PRIx64, v);
  return b;
}

}  // namespace

TdispTransport RequesterTransport(spdm::requester::Requester& requester, uint32_t session_id) {
  return [&requester, session_id](ByteSpan msg) -> Result<Bytes> {
    CCGPU_ASSIGN_OR_RETURN(Bytes payload, td::WrapPayload(msg));
    CCGPU_ASSIGN_OR_RETURN(Bytes rsp, requester.VendorDefined(session_id, td::kStandardIdPciSig,
                                                              td::kVendorIdPciSig, payload));
    CCGPU_ASSIGN_OR_RETURN(ByteSpan inner, td::UnwrapPayload(rsp));
    return Bytes(inner.begin(), inner.end());
  };
}

TdispClient::TdispClient(TdispTransport transport, uint32_t function_id)
    : transport_(std::move(transport)), function_id_(function_id) {}

Result<td::Response> TdispClient::Call(const td::RequestBody& body, MessageType expected, Bytes* keep) {
  td::Request req{td::Header{td::kVersion10, 0, td::InterfaceId{function_id_}}, body};
  CCGPU_ASSIGN_OR_RETURN(Bytes msg, td::SerializeRequest(req));
  CCGPU_ASSIGN_OR_RETURN(*keep, transport_(msg));
  CCGPU_ASSIGN_OR_RETURN(td::Response rsp, td::ParseResponse(*keep));
  if (rsp.header.version != td::kVersion10) {
    return Fail(Errc::kVersionMismatch, "tdisp client: response is not TDISP 1.0");
  }
  if (rsp.header.interface_id.function_id != function_id_) {
    return Fail(Errc::kUnexpectedMessage, "tdisp client: response names another interface");
  }
  if (const auto* e = std::get_if<td::ErrorRsp>(&rsp.body)) {
    last_tdisp_error_ = e->error_code;
    Status s = FromTdispError(e->error_code, td::RequestType(body));
    CCGPU_CHECK(!s.has_value());  // every TDISP_ERROR maps to an error
    return tl::unexpected(s.error());
  }
  if (rsp.header.message_type != static_cast<uint8_t>(expected)) {
    return Fail(Errc::kUnexpectedMessage, "tdisp client: response is not the answer to the request sent");
  }
  return rsp;
}

Status TdispClient::FromTdispError(uint32_t code, MessageType request) {
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::kInvalidNonce:
      return Fail(Errc::kTdiInvalidNonce,
                  "tdisp client: START_INTERFACE refused: INVALID_NONCE (not the nonce from this LOCK)");
    case ErrorCode::kInsufficientEntropy:
      return Fail(Errc::kRngFailure, "tdisp client: LOCK_INTERFACE refused: the device has no entropy");
    case ErrorCode::kVersionMismatch:
      return Fail(Errc::kVersionMismatch, "tdisp client: the device refused TDISP 1.0 (VERSION_MISMATCH)");
    case ErrorCode::kInvalidInterface:
      return Fail(Errc::kTdispError, "tdisp client: INVALID_INTERFACE: the device has no such function");
    case ErrorCode::kInvalidDeviceConfiguration:
      return Fail(Errc::kTdispError,
                  "tdisp client: LOCK_INTERFACE refused: INVALID_DEVICE_CONFIGURATION (CC mode or BARs)");
    case ErrorCode::kInvalidInterfaceState: {
      // Which state? One GET_DEVICE_INTERFACE_STATE (never answered with
      // INVALID_INTERFACE_STATE itself) tells ERROR from the rest.
      const auto saved = last_tdisp_error_;
      auto state = State();
      last_tdisp_error_ = saved;
      if (state && *state == TdiState::kError) {
        return Fail(Errc::kTdiInError,
                    "tdisp client: the device interface is in ERROR (a host change stopped and scrubbed it)");
      }
      if (request == MessageType::kStartInterfaceReq && state && *state == TdiState::kRun) {
        return Fail(Errc::kTdiWrongState,
                    "tdisp client: START_INTERFACE refused: the interface already runs (a replayed START)");
      }
      if (request == MessageType::kLockInterfaceReq) {
        return Fail(Errc::kTdiWrongState, "tdisp client: LOCK_INTERFACE refused: the interface is already locked");
      }
      return Fail(Errc::kTdiWrongState, "tdisp client: INVALID_INTERFACE_STATE: the interface is not locked/running");
    }
    default:
      return Fail(Errc::kTdispError, "tdisp client: the device answered TDISP_ERROR");
  }
}

Result<std::vector<uint8_t>> TdispClient::GetVersion() {
  Bytes keep;
  CCGPU_ASSIGN_OR_RETURN(td::Response rsp, Call(td::GetVersion{}, MessageType::kVersion, &keep));
  auto versions = std::get<td::VersionRsp>(rsp.body).versions;
  if (std::find(versions.begin(), versions.end(), td::kVersion10) == versions.end()) {
    return Fail(Errc::kVersionMismatch, "tdisp client: the device does not offer TDISP 1.0");
  }
  return versions;
}

Result<td::CapabilitiesRsp> TdispClient::GetCapabilities(uint32_t tsm_caps) {
  Bytes keep;
  CCGPU_ASSIGN_OR_RETURN(td::Response rsp,
                         Call(td::GetCapabilities{tsm_caps}, MessageType::kCapabilities, &keep));
  return std::get<td::CapabilitiesRsp>(rsp.body);
}

Result<StartNonce> TdispClient::Lock(const LockOptions& o) {
  Bytes keep;
  td::LockInterface body{o.flags, o.default_stream_id, o.mmio_reporting_offset, o.bind_p2p_address_mask};
  CCGPU_ASSIGN_OR_RETURN(td::Response rsp, Call(body, MessageType::kLockInterfaceRsp, &keep));
  return std::get<td::LockInterfaceRsp>(rsp.body).start_interface_nonce;
}

Result<td::InterfaceReport> TdispClient::GetInterfaceReport(uint16_t portion) {
  Bytes report;
  std::size_t total = 0;
  for (;;) {
    if (report.size() > 0xFFFF) return Fail(Errc::kMalformed, "tdisp client: report above 65535 bytes");
    Bytes keep;
    td::GetInterfaceReport body{static_cast<uint16_t>(report.size()), portion};
    CCGPU_ASSIGN_OR_RETURN(td::Response rsp, Call(body, MessageType::kDeviceInterfaceReport, &keep));
    const auto& p = std::get<td::InterfaceReportRsp>(rsp.body);
    const std::size_t claimed = report.size() + p.portion.size() + p.remainder_length;
    if (report.empty()) {
      total = claimed;
    } else if (claimed != total) {
      return Fail(Errc::kMalformed, "tdisp client: report portions disagree on the report's length");
    }
    if (portion != 0 && p.portion.size() > portion) {
      return Fail(Errc::kMalformed, "tdisp client: report portion longer than requested");
    }
    if (p.portion.empty() && p.remainder_length != 0) {
      return Fail(Errc::kMalformed, "tdisp client: empty report portion with bytes remaining");
    }
    report.insert(report.end(), p.portion.begin(), p.portion.end());
    if (p.remainder_length == 0) break;
  }
  return td::ParseInterfaceReport(report);
}

Status TdispClient::Mismatch(std::string what) {
  last_mismatch_ = std::move(what);
  return Fail(Errc::kTdiReportMismatch, "tdisp client: the device interface report differs from the host's mapping");
}

Status TdispClient::CheckReport(const td::InterfaceReport& report, const HostMapping& mapping,
                                const LockOptions& options) {
  last_mismatch_.clear();
  std::map<uint8_t, std::vector<const td::MmioRange*>> by_bar;
  for (const td::MmioRange& r : report.mmio_ranges) {
    const bool mapped = std::any_of(mapping.bars.begin(), mapping.bars.end(),
                                    [&](const MappedBar& b) { return b.index == r.range_id; });
    if (!mapped) {
      return Mismatch("range at " + Hex64(r.first_page) + " names BAR" + std::to_string(r.range_id) +
                      ", which the host did not map");
    }
    if (r.first_page % td::kMmioPageSize != 0 || r.number_of_pages == 0) {
      return Mismatch("range at " + Hex64(r.first_page) + " is not a whole number of 4 KiB pages");
    }
    by_bar[static_cast<uint8_t>(r.range_id)].push_back(&r);
    const bool msix = (r.range_attributes & (td::range_attr::kMsixTable | td::range_attr::kMsixPba)) != 0;
    if (msix && (options.flags & td::lock_flags::kLockMsix) != 0 &&
        (r.range_attributes & td::range_attr::kIsNonTeeMem) != 0) {
      return Mismatch("MSI-X range at " + Hex64(r.first_page) + " is non-TEE although LOCK_MSIX was requested");
    }
  }
  for (const MappedBar& bar : mapping.bars) {
    uint64_t at = 0;
    if (__builtin_add_overflow(bar.address, options.mmio_reporting_offset, &at)) {
      return Mismatch("BAR" + std::to_string(bar.index) + " address + reporting offset wraps");
    }
    const uint64_t start = at;
    for (const td::MmioRange* r : by_bar[bar.index]) {
      if (r->first_page != at) {
        return Mismatch("BAR" + std::to_string(bar.index) + ": range starts at " + Hex64(r->first_page) +
                        ", the host mapped " + Hex64(at - options.mmio_reporting_offset) + " there");
      }
      at += uint64_t{r->number_of_pages} * td::kMmioPageSize;
    }
    if (at - start != bar.size) {
      return Mismatch("BAR" + std::to_string(bar.index) + ": the report covers " + Hex64(at - start) +
                      " bytes, the host mapped " + Hex64(bar.size));
    }
  }
  if ((options.flags & td::lock_flags::kNoFwUpdate) != 0 &&
      (report.interface_info & td::interface_info::kNoUpdateAfterLock) == 0) {
    return Mismatch("interface_info lacks NO_UPDATE_AFTER_LOCK although NO_FW_UPDATE was requested");
  }
  return OkStatus();
}

Status TdispClient::Start(const StartNonce& nonce) {
  Bytes keep;
  CCGPU_TRY(Call(td::StartInterface{nonce}, MessageType::kStartInterfaceRsp, &keep));
  return OkStatus();
}

Status TdispClient::Stop() {
  Bytes keep;
  CCGPU_TRY(Call(td::StopInterface{}, MessageType::kStopInterfaceRsp, &keep));
  return OkStatus();
}

Result<TdiState> TdispClient::State() {
  Bytes keep;
  CCGPU_ASSIGN_OR_RETURN(td::Response rsp,
                         Call(td::GetInterfaceState{}, MessageType::kDeviceInterfaceState, &keep));
  return std::get<td::InterfaceStateRsp>(rsp.body).tdi_state;
}

Status TdispClient::EnsureRunning() {
  CCGPU_ASSIGN_OR_RETURN(TdiState s, State());
  if (s == TdiState::kRun) return OkStatus();
  if (s == TdiState::kError) {
    return Fail(Errc::kTdiInError,
                "tdisp client: the device interface is in ERROR (a host change stopped and scrubbed it)");
  }
  return Fail(Errc::kTdiWrongState, "tdisp client: the device interface is not running");
}

Result<td::InterfaceReport> TdispClient::Attach(const HostMapping& mapping, const LockOptions& options) {
  CCGPU_TRY(GetVersion());
  CCGPU_TRY(GetCapabilities());
  CCGPU_ASSIGN_OR_RETURN(StartNonce nonce, Lock(options));
  CCGPU_ASSIGN_OR_RETURN(td::InterfaceReport report, GetInterfaceReport());
  CCGPU_TRY(CheckReport(report, mapping, options));
  CCGPU_TRY(Start(nonce));
  CCGPU_TRY(EnsureRunning());
  return report;
}

}  // namespace ccgpu::attach
