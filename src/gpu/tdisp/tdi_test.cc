// The device's TDISP responder driven directly through its VENDOR_DEFINED
// handler (the SPDM session is modelled by VendorRequest::session_id; the
// real in-session path is tested in src/attach).
#include "gpu/tdisp/tdi.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/rng.h"
#include "gpu/provision.h"

namespace ccgpu::gpu::tdisp {
namespace {
namespace fs = std::filesystem;
namespace td = spdm::tdisp;
using td::ErrorCode;

constexpr uint32_t kSession = 0xFFFEFFFE;
constexpr uint32_t kOtherSession = 0xFFFDFFFD;

spdm::responder::VendorRequest Req(uint16_t standard_id, ByteSpan vendor_id, ByteSpan payload,
                                   std::optional<uint32_t> session) {
  spdm::responder::VendorRequest vr;
  vr.standard_id = standard_id;
  vr.vendor_id = vendor_id;
  vr.payload = payload;
  vr.session_id = session;
  return vr;
}

class TdiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("ccgpu_tdi_test_" + std::to_string(::getpid())));
    ProvisionOptions o;
    o.gpus = 1;
    o.now = SystemClock::Get().Now();
    o.base.protected_memory_bytes = 1u << 20;
    ASSERT_TRUE(Provision(*dir_, o).has_value());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    auto d = Device::Open(*dir_, 0);
    ASSERT_TRUE(d.has_value());
    device_ = std::move(*d);
    tdi_ = device_->Tdi().get();
    fid_ = device_->Pci().function_id();
  }

  // Sends one request; returns the TDISP answer (ProtocolID stripped).
  Bytes Send(const td::RequestBody& body, std::optional<uint32_t> session = kSession,
             std::optional<uint32_t> fid = std::nullopt, uint8_t version = td::kVersion10) {
    td::Request req{td::Header{version, 0, td::InterfaceId{fid.value_or(fid_)}}, body};
    auto msg = td::SerializeRequest(req);
    EXPECT_TRUE(msg);
    auto payload = td::WrapPayload(*msg);
    auto rsp = tdi_->Handle(Req(td::kStandardIdPciSig, td::kVendorIdPciSig, *payload, session));
    EXPECT_TRUE(rsp) << rsp.error().ToString();
    if (!rsp) return {};
    auto inner = td::UnwrapPayload(*rsp);
    EXPECT_TRUE(inner);
    return Bytes(inner->begin(), inner->end());
  }
  // The TDISP_ERROR code of `raw`, or 0 if it is not an error.
  static uint32_t ErrorOf(const Bytes& raw) {
    auto r = td::ParseResponse(raw);
    if (!r) return 0xFFFFFFFF;
    const auto* e = std::get_if<td::ErrorRsp>(&r->body);
    return e ? e->error_code : 0;
  }
  static uint32_t Code(ErrorCode c) { return static_cast<uint32_t>(c); }
  td::StartNonce Lock(uint16_t flags = tdisp::kSupportedLockFlags, uint32_t session = kSession) {
    const Bytes raw = Send(td::LockInterface{flags, 0, 0, 0}, session);
    auto r = td::ParseResponse(raw);
    EXPECT_TRUE(r);
    const auto* l = r ? std::get_if<td::LockInterfaceRsp>(&r->body) : nullptr;
    EXPECT_NE(l, nullptr) << "LOCK answered " << ErrorOf(raw);
    return l ? l->start_interface_nonce : td::StartNonce{};
  }

  static fs::path* dir_;
  std::unique_ptr<Device> device_;
  TdiResponder* tdi_ = nullptr;
  uint32_t fid_ = 0;
};
fs::path* TdiTest::dir_ = nullptr;

TEST_F(TdiTest, VersionAndCapabilities) {
  auto v = td::ParseResponse(Send(td::GetVersion{}));
  ASSERT_TRUE(v);
  EXPECT_EQ(std::get<td::VersionRsp>(v->body).versions, std::vector<uint8_t>{0x10});
  const Bytes raw = Send(td::GetCapabilities{0});
  auto c = td::ParseResponse(raw);
  ASSERT_TRUE(c);
  const auto& caps = std::get<td::CapabilitiesRsp>(c->body);
  EXPECT_EQ(caps.req_msg_supported[0], 0xFE);
  EXPECT_EQ(caps.lock_interface_flags_supported, kSupportedLockFlags);
}

TEST_F(TdiTest, FullLifecycleLockReportStartStop) {
  EXPECT_EQ(tdi_->state(), TdiState::kConfigUnlocked);
  const td::StartNonce nonce = Lock();
  EXPECT_EQ(tdi_->state(), TdiState::kConfigLocked);
  EXPECT_EQ(tdi_->Status().bound_session, kSession);
  // The report, in portions of at most 256 bytes, equals the one built from
  // the PCI config.
  const Bytes expected =
      *td::SerializeInterfaceReport(TdiResponder::BuildReport(device_->Pci(), 0, kSupportedLockFlags));
  Bytes got;
  for (;;) {
    const Bytes raw = Send(td::GetInterfaceReport{static_cast<uint16_t>(got.size()), 0});
    auto r = td::ParseResponse(raw);
    ASSERT_TRUE(r);
    const auto& p = std::get<td::InterfaceReportRsp>(r->body);
    ASSERT_LE(p.portion.size(), 256u);
    got.insert(got.end(), p.portion.begin(), p.portion.end());
    if (p.remainder_length == 0) break;
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(ErrorOf(Send(td::StartInterface{nonce})), 0u);
  EXPECT_EQ(tdi_->state(), TdiState::kRun);
  auto s = td::ParseResponse(Send(td::GetInterfaceState{}));
  ASSERT_TRUE(s);
  EXPECT_EQ(std::get<td::InterfaceStateRsp>(s->body).tdi_state, TdiState::kRun);
  const uint64_t scrubs = device_->scrub_generation();
  EXPECT_EQ(ErrorOf(Send(td::StopInterface{})), 0u);
  EXPECT_EQ(tdi_->state(), TdiState::kConfigUnlocked);
  EXPECT_EQ(device_->scrub_generation(), scrubs + 1) << "leaving RUN must scrub";
}

TEST_F(TdiTest, ReportMatchesPciConfigByteForByte) {
  const PciConfig pci = device_->Pci();
  const td::InterfaceReport r = TdiResponder::BuildReport(pci, 0x1000000000ull, 0);
  // BAR0 split around the MSI-X table and PBA pages, then BAR1, BAR3.
  ASSERT_EQ(r.mmio_ranges.size(), 7u);
  const PciBar bar0 = *pci.Bar(0);
  EXPECT_EQ(r.mmio_ranges[0].first_page, bar0.address + 0x1000000000ull);
  EXPECT_EQ(r.mmio_ranges[0].number_of_pages, pci.msix().table_offset / 4096);
  EXPECT_EQ(r.mmio_ranges[1].range_attributes, td::range_attr::kMsixTable | td::range_attr::kIsNonTeeMem);
  EXPECT_EQ(r.mmio_ranges[3].range_attributes, td::range_attr::kMsixPba | td::range_attr::kIsNonTeeMem);
  EXPECT_EQ(r.mmio_ranges[5].range_id, 1);
  EXPECT_EQ(r.mmio_ranges[6].range_id, 3);
  uint64_t pages0 = 0;
  for (int i = 0; i < 5; ++i) pages0 += r.mmio_ranges[static_cast<std::size_t>(i)].number_of_pages;
  EXPECT_EQ(pages0 * 4096, bar0.size);
  // LOCK_MSIX makes the MSI-X pages TEE memory; NO_FW_UPDATE shows in
  // interface_info.
  const td::InterfaceReport locked =
      TdiResponder::BuildReport(pci, 0, td::lock_flags::kLockMsix | td::lock_flags::kNoFwUpdate);
  EXPECT_EQ(locked.mmio_ranges[1].range_attributes, td::range_attr::kMsixTable);
  EXPECT_NE(locked.interface_info & td::interface_info::kNoUpdateAfterLock, 0);
}

TEST_F(TdiTest, RequestsOutsideASessionAreRefusedAndChangeNothing) {
  for (const td::RequestBody& b : std::vector<td::RequestBody>{
           td::GetVersion{}, td::LockInterface{}, td::GetInterfaceState{}, td::StopInterface{}}) {
    EXPECT_EQ(ErrorOf(Send(b, std::nullopt)), Code(ErrorCode::kInvalidRequest));
  }
  EXPECT_EQ(tdi_->state(), TdiState::kConfigUnlocked);
  Lock();
  EXPECT_EQ(ErrorOf(Send(td::StartInterface{}, std::nullopt)), Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(ErrorOf(Send(td::StopInterface{}, std::nullopt)), Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(tdi_->state(), TdiState::kConfigLocked);
}

TEST_F(TdiTest, LockedInterfaceBelongsToTheLockingSession) {
  const td::StartNonce nonce = Lock();
  EXPECT_EQ(ErrorOf(Send(td::GetInterfaceReport{0, 0}, kOtherSession)), Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(ErrorOf(Send(td::StartInterface{nonce}, kOtherSession)), Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(ErrorOf(Send(td::StopInterface{}, kOtherSession)), Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(tdi_->state(), TdiState::kConfigLocked);
  EXPECT_EQ(ErrorOf(Send(td::StartInterface{nonce})), 0u);
}

TEST_F(TdiTest, WrongNonceIsInvalidNonceAndKeepsTheLock) {
  td::StartNonce nonce = Lock();
  for (std::size_t i = 0; i < nonce.size(); i += 7) {
    td::StartNonce bad = nonce;
    bad[i] ^= 0x01;
    EXPECT_EQ(ErrorOf(Send(td::StartInterface{bad})), Code(ErrorCode::kInvalidNonce));
  }
  EXPECT_EQ(tdi_->state(), TdiState::kConfigLocked);
  EXPECT_EQ(ErrorOf(Send(td::StartInterface{nonce})), 0u);
}

TEST_F(TdiTest, ReplayedStartAfterRunIsRefused) {
  const td::StartNonce nonce = Lock();
  EXPECT_EQ(ErrorOf(Send(td::StartInterface{nonce})), 0u);
  EXPECT_EQ(ErrorOf(Send(td::StartInterface{nonce})), Code(ErrorCode::kInvalidInterfaceState));
  EXPECT_EQ(tdi_->state(), TdiState::kRun);
  // After STOP and a new LOCK the old nonce is worthless.
  EXPECT_EQ(ErrorOf(Send(td::StopInterface{})), 0u);
  const td::StartNonce fresh = Lock();
  EXPECT_NE(fresh, nonce);
  EXPECT_EQ(ErrorOf(Send(td::StartInterface{nonce})), Code(ErrorCode::kInvalidNonce));
}

TEST_F(TdiTest, WrongStateRequests) {
  EXPECT_EQ(ErrorOf(Send(td::GetInterfaceReport{0, 0})), Code(ErrorCode::kInvalidInterfaceState));
  EXPECT_EQ(ErrorOf(Send(td::StartInterface{})), Code(ErrorCode::kInvalidInterfaceState));
  EXPECT_EQ(ErrorOf(Send(td::StopInterface{})), Code(ErrorCode::kInvalidInterfaceState));
  Lock();
  EXPECT_EQ(ErrorOf(Send(td::LockInterface{})), Code(ErrorCode::kInvalidInterfaceState));
}

TEST_F(TdiTest, RngFailureIsInsufficientEntropyAndLeavesItUnlocked) {
  tdi_->SetRandomSource([](std::span<uint8_t>) { return Status(Fail(Errc::kRngFailure, "test: no entropy")); });
  EXPECT_EQ(ErrorOf(Send(td::LockInterface{})), Code(ErrorCode::kInsufficientEntropy));
  EXPECT_EQ(tdi_->state(), TdiState::kConfigUnlocked);
  tdi_->SetRandomSource([](std::span<uint8_t> out) { return crypto::RandomBytes(out); });
  Lock();
}

TEST_F(TdiTest, BadVersionInterfaceFlagsAndOffsets) {
  EXPECT_EQ(ErrorOf(Send(td::GetInterfaceState{}, kSession, std::nullopt, 0x11)), Code(ErrorCode::kVersionMismatch));
  EXPECT_EQ(ErrorOf(Send(td::GetInterfaceState{}, kSession, fid_ + 1)), Code(ErrorCode::kInvalidInterface));
  EXPECT_EQ(ErrorOf(Send(td::LockInterface{td::lock_flags::kBindP2p, 0, 0, 0})), Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(ErrorOf(Send(td::LockInterface{0, 0, ~uint64_t{0} - 4096, 0})), Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(tdi_->state(), TdiState::kConfigUnlocked);
  Lock();
  auto big = td::ParseResponse(Send(td::GetInterfaceReport{0xFFFF, 0}));
  ASSERT_TRUE(big);
  EXPECT_EQ(std::get<td::ErrorRsp>(big->body).error_code, Code(ErrorCode::kInvalidRequest));
  // A length of 3 gets 3 bytes.
  const Bytes raw = Send(td::GetInterfaceReport{0, 3});
  auto p = td::ParseResponse(raw);
  ASSERT_TRUE(p);
  EXPECT_EQ(std::get<td::InterfaceReportRsp>(p->body).portion.size(), 3u);
}

TEST_F(TdiTest, UnparsableAndForeignRequests) {
  // Truncated TDISP message → INVALID_REQUEST; unknown type → UNSUPPORTED.
  const Bytes short_msg = {td::kProtocolIdTdisp, 0x10, 0x85, 0, 0};
  auto r = tdi_->Handle(Req(td::kStandardIdPciSig, td::kVendorIdPciSig, short_msg, kSession));
  ASSERT_TRUE(r);
  EXPECT_EQ(ErrorOf(Bytes(r->begin() + 1, r->end())), Code(ErrorCode::kInvalidRequest));
  Bytes vdm = {td::kProtocolIdTdisp, 0x10, 0x8B, 0, 0};
  vdm.resize(1 + td::kHeaderSize, 0);
  r = tdi_->Handle(Req(td::kStandardIdPciSig, td::kVendorIdPciSig, vdm, kSession));
  ASSERT_TRUE(r);
  EXPECT_EQ(ErrorOf(Bytes(r->begin() + 1, r->end())), Code(ErrorCode::kUnsupportedRequest));
  // Not PCI-SIG, IDE_KM, empty: SPDM-level refusals.
  EXPECT_EQ(tdi_->Handle(Req(4, td::kVendorIdPciSig, vdm, kSession)).error().code, Errc::kUnsupported);
  Bytes ide = vdm;
  ide[0] = td::kProtocolIdIdeKm;
  EXPECT_EQ(tdi_->Handle(Req(td::kStandardIdPciSig, td::kVendorIdPciSig, ide, kSession)).error().code,
            Errc::kUnsupported);
  EXPECT_EQ(tdi_->Handle(Req(td::kStandardIdPciSig, td::kVendorIdPciSig, ByteSpan(), kSession)).error().code,
            Errc::kMalformed);
}

TEST_F(TdiTest, LockNeedsCcOnAndAssignedBars) {
  ASSERT_FALSE(device_->RequestCcMode(CcMode::kDevtools));  // staged: kResetRequired
  EXPECT_EQ(ErrorOf(Send(td::LockInterface{})), Code(ErrorCode::kInvalidDeviceConfiguration));
  ASSERT_TRUE(device_->RequestCcMode(CcMode::kOn));
  ASSERT_TRUE(device_->HostBarMove(3, 0));
  EXPECT_EQ(ErrorOf(Send(td::LockInterface{})), Code(ErrorCode::kInvalidDeviceConfiguration));
  EXPECT_EQ(tdi_->state(), TdiState::kConfigUnlocked);
}

// Each security-relevant host change moves a running interface to ERROR and
// scrubs the guest state; the guest can still read ERROR and STOP it.
TEST_F(TdiTest, HostChangesWhileRunningMoveItToErrorAndScrub) {
  struct Change {
    const char* name;
    std::function<void(Device&)> apply;
  };
  const std::vector<Change> changes = {
      {"config write MSE off", [](Device& d) { ASSERT_TRUE(d.HostConfigWrite(pci::kCommand, pci::kCommandBusMaster)); }},
      {"config write BAR0", [](Device& d) { ASSERT_TRUE(d.HostConfigWrite(pci::kBar0, 0xD0000000u)); }},
      {"config write MSI-X enable", [](Device& d) { ASSERT_TRUE(d.HostConfigWrite(pci::kMsixCap, 0x80000000u)); }},
      {"BAR move", [](Device& d) { ASSERT_TRUE(d.HostBarMove(1, 0x3A0000000000ull)); }},
      {"FLR", [](Device& d) { ASSERT_TRUE(d.HostFlr()); }},
      {"CC mode change", [](Device& d) { ASSERT_FALSE(d.RequestCcMode(CcMode::kOff)); }},
      {"reset", [](Device& d) { ASSERT_TRUE(d.Reset()); }},
      {"reassign", [](Device& d) { d.AssignGuest("mallory"); }},
  };
  for (const Change& c : changes) {
    SCOPED_TRACE(c.name);
    SetUp();  // a fresh device and TDI for each change
    device_->AssignGuest("alice");
    const td::StartNonce nonce = Lock();
    ASSERT_EQ(ErrorOf(Send(td::StartInterface{nonce})), 0u);
    device_->SetReady(true);
    ASSERT_TRUE(device_->EngineWrite(0, Bytes(64, 0xAB)));
    const uint64_t scrubs = device_->scrub_generation();
    c.apply(*device_);
    EXPECT_EQ(tdi_->state(), TdiState::kError);
    EXPECT_FALSE(tdi_->Status().error_reason.empty());
    EXPECT_FALSE(device_->ready()) << "scrub clears ready";
    if (std::string(c.name) != "reset") {
      EXPECT_GT(device_->scrub_generation(), scrubs);
    }
    device_->SetReady(true);
    Bytes back(64, 0);
    ASSERT_TRUE(device_->EngineRead(0, back));
    EXPECT_EQ(back, Bytes(64, 0)) << "guest data must be gone";
    device_->SetReady(false);
    auto s = td::ParseResponse(Send(td::GetInterfaceState{}));
    ASSERT_TRUE(s);
    EXPECT_EQ(std::get<td::InterfaceStateRsp>(s->body).tdi_state, TdiState::kError);
    EXPECT_EQ(ErrorOf(Send(td::GetInterfaceReport{0, 0})), Code(ErrorCode::kInvalidInterfaceState));
    EXPECT_EQ(ErrorOf(Send(td::StartInterface{nonce})), Code(ErrorCode::kInvalidInterfaceState));
    EXPECT_EQ(ErrorOf(Send(td::LockInterface{})), Code(ErrorCode::kInvalidInterfaceState));
    // STOP from any session recovers it.
    EXPECT_EQ(ErrorOf(Send(td::StopInterface{}, kOtherSession)), 0u);
    EXPECT_EQ(tdi_->state(), TdiState::kConfigUnlocked);
    ASSERT_TRUE(device_->RequestCcMode(CcMode::kOn));  // unstage (config.json is shared)
  }
}

TEST_F(TdiTest, HostChangesThatChangeNothingOrHitAnUnlockedInterfaceAreHarmless) {
  const td::StartNonce nonce = Lock();
  ASSERT_EQ(ErrorOf(Send(td::StartInterface{nonce})), 0u);
  // Writes to read-only registers and same-value writes change nothing.
  EXPECT_EQ(*device_->HostConfigWrite(0x00, 0xFFFFFFFFu), ConfigChange::kNone);
  EXPECT_EQ(*device_->HostConfigWrite(pci::kCommand, device_->Pci().command()), ConfigChange::kNone);
  EXPECT_EQ(*device_->HostBarMove(0, device_->Pci().Bar(0)->address), ConfigChange::kNone);
  EXPECT_EQ(tdi_->state(), TdiState::kRun);
  ASSERT_EQ(ErrorOf(Send(td::StopInterface{})), 0u);
  ASSERT_TRUE(device_->HostBarMove(1, 0x3A0000000000ull));
  EXPECT_EQ(tdi_->state(), TdiState::kConfigUnlocked);
}

TEST(PciConfig, BarSizingReadsBackTheSizeMaskAndMovesTheBar) {
  PciConfig c = PciConfig::ForDevice(2);
  EXPECT_EQ(c.function_id(), 0x4300u);
  EXPECT_EQ(*c.Read32(0x00), 0x233110DEu);
  EXPECT_EQ(*c.Write32(0x10, 0xFFFFFFFFu), ConfigChange::kBar);
  EXPECT_EQ(*c.Read32(0x10), 0xFF000000u);  // 16 MiB, 32-bit, non-prefetchable
  EXPECT_EQ(*c.Read32(0x14) & 0xF, 0xCu);    // 64-bit prefetchable
  EXPECT_EQ(c.Write32(0x11, 0).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(c.Read32(0x100).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(c.MoveBar(2, 0).error().code, Errc::kNotFound);
  EXPECT_EQ(c.MoveBar(0, 0x1000).error().code, Errc::kInvalidArgument);       // unaligned
  EXPECT_EQ(c.MoveBar(0, 0x100000000ull).error().code, Errc::kInvalidArgument);  // 32-bit BAR above 4 GiB
  EXPECT_EQ(*c.MoveBar(1, 0x400000000000ull), ConfigChange::kBar);
  EXPECT_EQ(*c.Read32(0x18), 0x4000u);
  c.Flr();
  EXPECT_FALSE(c.memory_enabled());
  EXPECT_FALSE(c.bus_master_enabled());
}

}  // namespace
}  // namespace ccgpu::gpu::tdisp
