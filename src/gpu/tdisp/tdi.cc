#include "gpu/tdisp/tdi.h"

#include <algorithm>
#include <vector>

#include "base/ct.h"
#include "crypto/rng.h"

namespace ccgpu::gpu::tdisp {
namespace td = spdm::tdisp;
using td::ErrorCode;
using td::MessageType;

namespace {

constexpr const char kDeviceSpecificInfo[] = "ccgpu EMULATED GH100 TDI; NOT FOR PRODUCTION";

bool Locked(TdiState s) { return s == TdiState::kConfigLocked || s == TdiState::kRun; }

// An interval of a BAR (byte offsets) with its range attributes.
struct Piece {
  uint64_t begin, end;
  uint16_t attributes;
};

}  // namespace

TdiResponder::TdiResponder(Device& device) : device_(device), random_([](std::span<uint8_t> out) {
  return crypto::RandomBytes(out);
}) {
  host_listener_ = device_.AddHostEventListener([this](const HostEvent& e) { OnHostEvent(e); });
}

TdiResponder::~TdiResponder() { device_.RemoveHostEventListener(host_listener_); }

void TdiResponder::SetRandomSource(RandomSource random) {
  std::lock_guard lock(mu_);
  random_ = std::move(random);
}

void TdiResponder::SetMaxReportPortion(uint16_t bytes) {
  std::lock_guard lock(mu_);
  max_portion_ = std::max<uint16_t>(bytes, 1);
}

TdiStatus TdiResponder::Status() const {
  std::lock_guard lock(mu_);
  TdiStatus s;
  s.state = state_;
  s.function_id = device_.Pci().function_id();
  s.bound_session = bound_session_;
  s.error_reason = error_reason_;
  s.locks = locks_;
  s.starts = starts_;
  s.errors = errors_;
  s.refusals = refusals_;
  s.last_refusal = last_refusal_;
  return s;
}

TdiState TdiResponder::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

// The DEVICE_INTERFACE_REPORT (PCIe 6.1 §11.3.11) for the current PCI
// configuration: every BAR as MMIO ranges (range_id = BAR number), BAR0 split
// around the MSI-X table and PBA pages, which are non-TEE memory unless
// LOCK_MSIX was requested.
td::InterfaceReport TdiResponder::BuildReport(const PciConfig& pci, uint64_t mmio_reporting_offset, uint16_t flags) {
  td::InterfaceReport r;
  r.interface_info = td::interface_info::kDmaWithoutPasid;
  if ((flags & td::lock_flags::kNoFwUpdate) != 0) r.interface_info |= td::interface_info::kNoUpdateAfterLock;
  r.msi_x_message_control = pci.msix().message_control;
  const bool msix_private = (flags & td::lock_flags::kLockMsix) != 0;
  const uint16_t msix_extra = msix_private ? 0 : td::range_attr::kIsNonTeeMem;
  const MsixInfo& m = pci.msix();
  auto page_span = [](uint64_t offset, uint64_t bytes) {
    const uint64_t begin = offset / td::kMmioPageSize * td::kMmioPageSize;
    const uint64_t end = (offset + bytes + td::kMmioPageSize - 1) / td::kMmioPageSize * td::kMmioPageSize;
    return std::pair{begin, end};
  };
  for (const PciBar& bar : pci.bars()) {
    std::vector<Piece> special;
    if (m.table_bar == bar.index) {
      auto [b, e] = page_span(m.table_offset, uint64_t{m.table_entries()} * 16);
      special.push_back({b, e, static_cast<uint16_t>(td::range_attr::kMsixTable | msix_extra)});
    }
    if (m.pba_bar == bar.index) {
      auto [b, e] = page_span(m.pba_offset, (uint64_t{m.table_entries()} + 63) / 64 * 8);
      special.push_back({b, e, static_cast<uint16_t>(td::range_attr::kMsixPba | msix_extra)});
    }
    std::sort(special.begin(), special.end(), [](const Piece& a, const Piece& b) { return a.begin < b.begin; });
    std::vector<Piece> pieces;
    uint64_t at = 0;
    for (const Piece& p : special) {
      if (p.begin > at) pieces.push_back({at, p.begin, 0});
      pieces.push_back(p);
      at = p.end;
    }
    if (at < bar.size) pieces.push_back({at, bar.size, 0});
    for (const Piece& p : pieces) {
      r.mmio_ranges.push_back(td::MmioRange{bar.address + p.begin + mmio_reporting_offset,
                                            static_cast<uint32_t>((p.end - p.begin) / td::kMmioPageSize),
                                            p.attributes, bar.index});
    }
  }
  r.device_specific_info.assign(kDeviceSpecificInfo, kDeviceSpecificInfo + sizeof kDeviceSpecificInfo - 1);
  return r;
}

Bytes TdiResponder::ErrorReply(const td::Header& h, ErrorCode code, uint32_t data) {
  ++refusals_;
  last_refusal_ = static_cast<uint32_t>(code);
  td::Response rsp{td::Header{td::kVersion10, 0, h.interface_id}, td::ErrorRsp{static_cast<uint32_t>(code), data, {}}};
  auto msg = td::SerializeResponse(rsp);
  CCGPU_CHECK(msg.has_value());
  auto payload = td::WrapPayload(*msg);
  CCGPU_CHECK(payload.has_value());
  return *payload;
}

void TdiResponder::EnterError(const std::string& reason, bool scrub) {
  {
    std::lock_guard lock(mu_);
    if (!Locked(state_)) return;
    state_ = TdiState::kError;
    error_reason_ = reason;
    ++errors_;
    if (nonce_) nonce_.reset();
  }
  if (scrub) (void)device_.ScrubGuestState("TDI to ERROR: " + reason);
}

void TdiResponder::OnHostEvent(const HostEvent& e) {
  std::lock_guard op(op_mu_);
  // FLR and reset have scrubbed the device already.
  const bool scrubbed = e.kind == HostEventKind::kFlr || e.kind == HostEventKind::kReset;
  EnterError(std::string(HostEventKindName(e.kind)) + ": " + e.detail, !scrubbed);
}

Result<Bytes> TdiResponder::Handle(const spdm::responder::VendorRequest& vr) {
  if (vr.standard_id != td::kStandardIdPciSig ||
      !std::equal(vr.vendor_id.begin(), vr.vendor_id.end(), td::kVendorIdPciSig.begin(), td::kVendorIdPciSig.end())) {
    return Fail(Errc::kUnsupported, "tdisp responder: not a PCI-SIG (StandardID 3, VendorID 0x0001) request");
  }
  auto msg = td::UnwrapPayload(vr.payload);
  if (!msg) {
    if (msg.error().code == Errc::kUnsupported) return tl::unexpected(msg.error());
    return Fail(Errc::kMalformed, "tdisp responder: empty PCI-SIG vendor-defined payload");
  }
  // For error replies to requests that do not parse: echo what can be read.
  td::Header echo;
  {
    ByteReader r(*msg);
    if (r.Skip(4) && r.remaining() >= 4) echo.interface_id.function_id = *r.U32();
  }
  std::lock_guard op(op_mu_);
  auto req = td::ParseRequest(*msg);
  std::unique_lock lock(mu_);
  if (!req) {
    return ErrorReply(echo, req.error().code == Errc::kUnsupported ? ErrorCode::kUnsupportedRequest
                                                                     : ErrorCode::kInvalidRequest);
  }
  const td::Header& h = req->header;
  // TDISP messages travel only in a secure session (PCIe 6.1 §11.2: the
  // TSM-DSM channel is an SPDM secured session).
  if (!vr.session_id) return ErrorReply(h, ErrorCode::kInvalidRequest);
  if (h.version != td::kVersion10) return ErrorReply(h, ErrorCode::kVersionMismatch);
  const bool is_version = std::holds_alternative<td::GetVersion>(req->body);
  if (!is_version && h.interface_id.function_id != device_.Pci().function_id()) {
    return ErrorReply(h, ErrorCode::kInvalidInterface);
  }
  lock.unlock();
  return Serve(*req, *vr.session_id);
}

// Requires op_mu_ (not mu_).
Result<Bytes> TdiResponder::Serve(const td::Request& req, uint32_t session_id) {
  const td::Header& h = req.header;
  td::Response rsp{td::Header{td::kVersion10, 0, h.interface_id}, td::StartInterfaceRsp{}};
  std::optional<std::string> scrub_reason;
  {
    std::lock_guard lock(mu_);
    // A locked or running interface belongs to the session that locked it.
    const bool foreign = Locked(state_) && bound_session_ && *bound_session_ != session_id;
    if (std::holds_alternative<td::GetVersion>(req.body)) {
      rsp.body = td::VersionRsp{{td::kVersion10}};
    } else if (std::holds_alternative<td::GetCapabilities>(req.body)) {
      td::CapabilitiesRsp c;
      c.req_msg_supported[0] = 0xFE;  // 0x81..0x87
      c.lock_interface_flags_supported = kSupportedLockFlags;
      c.dev_addr_width = 52;
      c.num_req_this = 1;
      c.num_req_all = 1;
      rsp.body = c;
    } else if (const auto* lock_req = std::get_if<td::LockInterface>(&req.body)) {
      // PCIe 6.1 §11.3.7 LOCK_INTERFACE_REQUEST.
      if (state_ != TdiState::kConfigUnlocked) return ErrorReply(h, ErrorCode::kInvalidInterfaceState);
      if ((lock_req->flags & ~kSupportedLockFlags) != 0) return ErrorReply(h, ErrorCode::kInvalidRequest);
      const DeviceConfig cfg = device_.Config();
      const PciConfig pci = device_.Pci();
      if (cfg.cc_mode != CcMode::kOn || cfg.pending_cc_mode) {
        return ErrorReply(h, ErrorCode::kInvalidDeviceConfiguration);
      }
      for (const PciBar& bar : pci.bars()) {
        if (bar.address == 0) return ErrorReply(h, ErrorCode::kInvalidDeviceConfiguration);
        if (bar.address + bar.size - 1 > ~uint64_t{0} - lock_req->mmio_reporting_offset) {
          return ErrorReply(h, ErrorCode::kInvalidRequest);
        }
      }
      SecretArray<td::kStartNonceSize> nonce;
      if (!random_ || !random_(nonce.reveal_mutable())) return ErrorReply(h, ErrorCode::kInsufficientEntropy);
      auto report = td::SerializeInterfaceReport(BuildReport(pci, lock_req->mmio_reporting_offset, lock_req->flags));
      if (!report) return ErrorReply(h, ErrorCode::kUnspecified);
      td::LockInterfaceRsp l;
      std::copy(nonce.reveal().begin(), nonce.reveal().end(), l.start_interface_nonce.begin());
      nonce_ = std::move(nonce);
      report_ = std::move(*report);
      bound_session_ = session_id;
      state_ = TdiState::kConfigLocked;
      error_reason_.clear();
      ++locks_;
      rsp.body = l;
    } else if (const auto* get = std::get_if<td::GetInterfaceReport>(&req.body)) {
      // PCIe 6.1 §11.3.9: only in CONFIG_LOCKED or RUN.
      if (!Locked(state_)) return ErrorReply(h, ErrorCode::kInvalidInterfaceState);
      if (foreign) return ErrorReply(h, ErrorCode::kInvalidRequest);
      if (get->offset >= report_.size()) return ErrorReply(h, ErrorCode::kInvalidRequest);
      const std::size_t left = report_.size() - get->offset;
      std::size_t n = std::min<std::size_t>(left, max_portion_);
      if (get->length != 0) n = std::min<std::size_t>(n, get->length);
      rsp.body = td::InterfaceReportRsp{ByteSpan(report_).subspan(get->offset, n),
                                        static_cast<uint16_t>(left - n)};
    } else if (std::holds_alternative<td::GetInterfaceState>(req.body)) {
      rsp.body = td::InterfaceStateRsp{state_};
    } else if (const auto* start = std::get_if<td::StartInterface>(&req.body)) {
      // PCIe 6.1 §11.3.13: only from CONFIG_LOCKED, nonce as issued by LOCK.
      if (state_ != TdiState::kConfigLocked) return ErrorReply(h, ErrorCode::kInvalidInterfaceState);
      if (foreign) return ErrorReply(h, ErrorCode::kInvalidRequest);
      if (!nonce_ || !CtEqual(nonce_->reveal(), start->start_interface_nonce)) {
        return ErrorReply(h, ErrorCode::kInvalidNonce);
      }
      nonce_.reset();  // single use
      state_ = TdiState::kRun;
      ++starts_;
      rsp.body = td::StartInterfaceRsp{};
    } else if (std::holds_alternative<td::StopInterface>(req.body)) {
      // PCIe 6.1 §11.3.15: from any state but CONFIG_UNLOCKED; the TDI is
      // scrubbed on the way out.
      if (state_ == TdiState::kConfigUnlocked) return ErrorReply(h, ErrorCode::kInvalidInterfaceState);
      if (foreign) return ErrorReply(h, ErrorCode::kInvalidRequest);
      scrub_reason = std::string("STOP_INTERFACE from ") + std::string(td::TdiStateName(state_));
      state_ = TdiState::kConfigUnlocked;
      bound_session_.reset();
      nonce_.reset();
      report_.clear();
      rsp.body = td::StopInterfaceRsp{};
    } else {
      return ErrorReply(h, ErrorCode::kUnsupportedRequest);
    }
  }
  // Under op_mu_ only, so scrub listeners may read Status().
  if (scrub_reason) CCGPU_TRY(device_.ScrubGuestState(*scrub_reason));
  CCGPU_ASSIGN_OR_RETURN(Bytes msg, td::SerializeResponse(rsp));
  return td::WrapPayload(msg);
}

}  // namespace ccgpu::gpu::tdisp
