// Secure attach end to end in one process: a real SPDM responder whose
// VENDOR_DEFINED handler is the emulated GPU's (TDI), a real requester over
// the LoopbackExchange, a KEY_EXCHANGE/FINISH secure session, and the guest's
// TdispClient inside it — with each wrong turn the host can cause.
#include "attach/tdisp_client.h"

#include <gtest/gtest.h>

#include "attach/device_session_fixture.h"
#include "gpu/tdisp/tdi.h"

namespace ccgpu::attach {
namespace {
namespace td = spdm::tdisp;

#define EXPECT_ERRC(expr, errc)                                              \
  do {                                                                       \
    auto ccgpu_r_ = (expr);                                                  \
    ASSERT_FALSE(ccgpu_r_) << #expr " unexpectedly succeeded";               \
    EXPECT_EQ(ccgpu_r_.error().code, (errc)) << ccgpu_r_.error().ToString(); \
  } while (false)

class AttachTest : public testing::DeviceSessionTest {
 protected:
  void SetUp() override {
    DeviceSessionTest::SetUp();
    if (HasFatalFailure()) return;
    const gpu::PciConfig pci = device_->Pci();
    mapping_.function_id = pci.function_id();
    for (const gpu::PciBar& b : pci.bars()) mapping_.bars.push_back({b.index, b.address, b.size});
    client_ = std::make_unique<TdispClient>(RequesterTransport(*pair_.requester, session_), mapping_.function_id);
  }

  gpu::tdisp::TdiResponder& Tdi() { return *device_->Tdi(); }

  HostMapping mapping_;
  std::unique_ptr<TdispClient> client_;
};

TEST_F(AttachTest, AttachesThroughTheWholeFlowInsideTheSession) {
  auto report = client_->Attach(mapping_);
  ASSERT_TRUE(report) << report.error().ToString() << " " << client_->last_mismatch();
  EXPECT_EQ(report->mmio_ranges.size(), 7u);
  EXPECT_EQ(Tdi().state(), td::TdiState::kRun);
  EXPECT_EQ(Tdi().Status().bound_session, session_);
  EXPECT_TRUE(client_->EnsureRunning());
  // Stop scrubs and unlocks; a second attach works with a fresh nonce.
  ASSERT_TRUE(client_->Stop());
  EXPECT_ERRC(client_->EnsureRunning(), Errc::kTdiWrongState);
  EXPECT_TRUE(client_->Attach(mapping_));
}

TEST_F(AttachTest, ReportIsReassembledFromSmallPortionsIdentically) {
  ASSERT_TRUE(client_->Lock({}));
  auto whole = client_->GetInterfaceReport();
  ASSERT_TRUE(whole);
  Tdi().SetMaxReportPortion(7);
  auto pieces = client_->GetInterfaceReport(5);
  ASSERT_TRUE(pieces) << pieces.error().ToString();
  EXPECT_EQ(*pieces, *whole);
}

TEST_F(AttachTest, ReportMismatchWhenTheHostMappedSomethingElse) {
  LockOptions lo;
  ASSERT_TRUE(client_->Lock(lo));
  auto report = client_->GetInterfaceReport();
  ASSERT_TRUE(report);
  // The host claims BAR1 elsewhere (a swapped or remapped device).
  HostMapping moved = mapping_;
  moved.bars[1].address += 256ull << 20;
  EXPECT_ERRC(client_->CheckReport(*report, moved, lo), Errc::kTdiReportMismatch);
  EXPECT_NE(client_->last_mismatch().find("BAR1"), std::string::npos) << client_->last_mismatch();
  // The host claims a smaller BAR0.
  HostMapping smaller = mapping_;
  smaller.bars[0].size /= 2;
  EXPECT_ERRC(client_->CheckReport(*report, smaller, lo), Errc::kTdiReportMismatch);
  // The host did not tell the guest about BAR3, but the device reports it.
  HostMapping fewer = mapping_;
  fewer.bars.pop_back();
  EXPECT_ERRC(client_->CheckReport(*report, fewer, lo), Errc::kTdiReportMismatch);
  EXPECT_NE(client_->last_mismatch().find("did not map"), std::string::npos);
  // A report offset the device did not apply.
  LockOptions shifted = lo;
  shifted.mmio_reporting_offset = 1ull << 40;
  EXPECT_ERRC(client_->CheckReport(*report, mapping_, shifted), Errc::kTdiReportMismatch);
  // An MSI-X table left to the host although LOCK_MSIX was asked.
  td::InterfaceReport leaky = *report;
  leaky.mmio_ranges[1].range_attributes |= td::range_attr::kIsNonTeeMem;
  EXPECT_ERRC(client_->CheckReport(leaky, mapping_, lo), Errc::kTdiReportMismatch);
  EXPECT_TRUE(client_->CheckReport(*report, mapping_, lo));
  EXPECT_EQ(Tdi().state(), td::TdiState::kConfigLocked) << "a mismatch starts nothing";
}

TEST_F(AttachTest, BarMovedBeforeLockShowsAsMismatchInAttach) {
  ASSERT_TRUE(device_->HostBarMove(1, mapping_.bars[1].address + (1ull << 32)));
  auto r = client_->Attach(mapping_);  // mapping_ still has the old address
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kTdiReportMismatch);
  EXPECT_NE(Tdi().state(), td::TdiState::kRun);
}

TEST_F(AttachTest, ReportMismatchWithAReportingOffset) {
  LockOptions lo;
  lo.mmio_reporting_offset = 0x100000000000ull;
  auto r = client_->Attach(mapping_, lo);
  ASSERT_TRUE(r) << r.error().ToString() << " " << client_->last_mismatch();
  EXPECT_EQ(r->mmio_ranges[0].first_page, mapping_.bars[0].address + lo.mmio_reporting_offset);
}

TEST_F(AttachTest, WrongNonceIsRefusedAndTheRightOneStillWorks) {
  auto nonce = client_->Lock({});
  ASSERT_TRUE(nonce);
  StartNonce wrong = *nonce;
  wrong[31] ^= 0x80;
  EXPECT_ERRC(client_->Start(wrong), Errc::kTdiInvalidNonce);
  EXPECT_EQ(client_->last_tdisp_error(), static_cast<uint32_t>(td::ErrorCode::kInvalidNonce));
  EXPECT_EQ(Tdi().state(), td::TdiState::kConfigLocked);
  EXPECT_TRUE(client_->Start(*nonce));
}

TEST_F(AttachTest, ReplayedStartIsRefusedAtBothLayers) {
  // Capture the secured record that carries START_INTERFACE.
  Bytes start_record;
  pair_.exchange->set_tamper([&](bool to_responder, bool secured, Bytes& bytes) {
    if (to_responder && secured) start_record = bytes;
  });
  auto nonce = client_->Lock({});
  ASSERT_TRUE(nonce);
  ASSERT_TRUE(client_->Start(*nonce));
  pair_.exchange->set_tamper(nullptr);
  ASSERT_FALSE(start_record.empty());
  // The host replays the record: the session's sequence numbers refuse it
  // before the TDI ever sees it.
  const uint64_t refusals = Tdi().Status().refusals;
  auto replay = pair_.exchange->Exchange(true, start_record);
  (void)replay;  // whatever came back, the TDI did not act on it
  EXPECT_EQ(Tdi().Status().starts, 1u);
  EXPECT_EQ(Tdi().Status().refusals, refusals);
  // A START sent again in the session (the host re-driving the guest) finds
  // the interface running.
  auto again = client_->Start(*nonce);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kTdiWrongState);
  EXPECT_NE(std::string(again.error().context).find("replayed START"), std::string::npos);
  EXPECT_EQ(Tdi().state(), td::TdiState::kRun);
}

TEST_F(AttachTest, HostConfigWriteWhileRunningDropsItToErrorAndTheGuestSeesIt) {
  ASSERT_TRUE(client_->Attach(mapping_));
  device_->SetReady(true);
  ASSERT_TRUE(device_->EngineWrite(128, Bytes(32, 0x5A)));
  ASSERT_TRUE(device_->HostConfigWrite(gpu::pci::kCommand, 0));  // MSE and BME off
  auto s = client_->EnsureRunning();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kTdiInError);
  EXPECT_EQ(*client_->State(), td::TdiState::kError);
  EXPECT_ERRC(client_->GetInterfaceReport(), Errc::kTdiInError);
  EXPECT_FALSE(device_->ready());
  EXPECT_NE(Tdi().Status().error_reason.find("config-write"), std::string::npos);
  // The guest stops it (scrubbed) and may attach again after the host put
  // things back.
  ASSERT_TRUE(client_->Stop());
  ASSERT_TRUE(device_->HostConfigWrite(gpu::pci::kCommand, gpu::pci::kCommandMemoryEnable | gpu::pci::kCommandBusMaster));
  EXPECT_TRUE(client_->Attach(mapping_));
}

TEST_F(AttachTest, FlrWhileRunningIsError) {
  ASSERT_TRUE(client_->Attach(mapping_));
  ASSERT_TRUE(device_->HostFlr());
  EXPECT_ERRC(client_->EnsureRunning(), Errc::kTdiInError);
}

TEST_F(AttachTest, BarMoveWhileLockedIsErrorBeforeStart) {
  auto nonce = client_->Lock({});
  ASSERT_TRUE(nonce);
  ASSERT_TRUE(device_->HostBarMove(3, mapping_.bars[2].address + (32ull << 20)));
  EXPECT_ERRC(client_->GetInterfaceReport(), Errc::kTdiInError);
  EXPECT_ERRC(client_->Start(*nonce), Errc::kTdiInError);
}

TEST_F(AttachTest, DeviceResetAndCcModeChangeWhileRunningAreError) {
  ASSERT_TRUE(client_->Attach(mapping_));
  ASSERT_FALSE(device_->RequestCcMode(gpu::CcMode::kDevtools));
  EXPECT_ERRC(client_->EnsureRunning(), Errc::kTdiInError);
  ASSERT_TRUE(device_->RequestCcMode(gpu::CcMode::kOn));
  ASSERT_TRUE(client_->Stop());
  ASSERT_TRUE(client_->Attach(mapping_));
  ASSERT_TRUE(device_->Reset());
  EXPECT_ERRC(client_->EnsureRunning(), Errc::kTdiInError);
}

TEST_F(AttachTest, RequestsOutsideTheSessionAreRefused) {
  TdispClient clear(
      [this](ByteSpan msg) -> Result<Bytes> {
        CCGPU_ASSIGN_OR_RETURN(Bytes payload, td::WrapPayload(msg));
        CCGPU_ASSIGN_OR_RETURN(Bytes rsp, pair_.requester->VendorDefined(std::nullopt, td::kStandardIdPciSig,
                                                                         td::kVendorIdPciSig, payload));
        CCGPU_ASSIGN_OR_RETURN(ByteSpan inner, td::UnwrapPayload(rsp));
        return Bytes(inner.begin(), inner.end());
      },
      mapping_.function_id);
  EXPECT_ERRC(clear.Lock({}), Errc::kTdispError);
  EXPECT_EQ(clear.last_tdisp_error(), static_cast<uint32_t>(td::ErrorCode::kInvalidRequest));
  EXPECT_EQ(Tdi().state(), td::TdiState::kConfigUnlocked);
}

TEST_F(AttachTest, AnotherSessionCannotDriveTheGuestsInterface) {
  auto nonce = client_->Lock({});
  ASSERT_TRUE(nonce);
  auto other = pair_.requester->StartSession();
  ASSERT_TRUE(other);
  TdispClient host(RequesterTransport(*pair_.requester, other->session_id), mapping_.function_id);
  EXPECT_ERRC(host.Start(*nonce), Errc::kTdispError);
  EXPECT_ERRC(host.Stop(), Errc::kTdispError);
  EXPECT_ERRC(host.GetInterfaceReport(), Errc::kTdispError);
  EXPECT_TRUE(client_->Start(*nonce));
}

TEST_F(AttachTest, NoEntropyAtLockIsRngFailure) {
  Tdi().SetRandomSource([](std::span<uint8_t>) { return Status(Fail(Errc::kRngFailure, "test: no entropy")); });
  EXPECT_ERRC(client_->Lock({}), Errc::kRngFailure);
  EXPECT_EQ(Tdi().state(), td::TdiState::kConfigUnlocked);
}

TEST_F(AttachTest, WrongInterfaceAndDoubleLock) {
  TdispClient wrong(RequesterTransport(*pair_.requester, session_), mapping_.function_id + 1);
  EXPECT_ERRC(wrong.Lock({}), Errc::kTdispError);
  EXPECT_EQ(wrong.last_tdisp_error(), static_cast<uint32_t>(td::ErrorCode::kInvalidInterface));
  ASSERT_TRUE(client_->Lock({}));
  EXPECT_ERRC(client_->Lock({}), Errc::kTdiWrongState);
}

// A device (or host in the middle) that answers with something else: the
// client refuses it precisely.
TEST(TdispClientUnit, RefusesAnswersThatDoNotMatchTheRequest) {
  Bytes canned;
  TdispClient c([&](ByteSpan) -> Result<Bytes> { return canned; }, 0x4100);
  auto make = [](td::ResponseBody body, uint32_t fid, uint8_t version = td::kVersion10) {
    return *td::SerializeResponse(td::Response{td::Header{version, 0, td::InterfaceId{fid}}, std::move(body)});
  };
  canned = make(td::InterfaceStateRsp{td::TdiState::kRun}, 0x4100);
  EXPECT_ERRC(c.Stop(), Errc::kUnexpectedMessage);  // a state answer to STOP
  canned = make(td::StopInterfaceRsp{}, 0x4200);
  EXPECT_ERRC(c.Stop(), Errc::kUnexpectedMessage);  // another interface
  canned = make(td::StopInterfaceRsp{}, 0x4100, 0x11);
  EXPECT_ERRC(c.Stop(), Errc::kVersionMismatch);
  canned = make(td::VersionRsp{{0x11}}, 0x4100);
  EXPECT_ERRC(c.GetVersion(), Errc::kVersionMismatch);
  canned = {0x10};
  EXPECT_ERRC(c.Stop(), Errc::kTruncated);
  // Report portions that disagree or stall.
  Bytes portion(4, 0);
  canned = make(td::InterfaceReportRsp{portion, 10}, 0x4100);
  int calls = 0;
  TdispClient stall(
      [&](ByteSpan) -> Result<Bytes> {
        ++calls;
        return calls == 1 ? canned : make(td::InterfaceReportRsp{portion, 9}, 0x4100);
      },
      0x4100);
  EXPECT_ERRC(stall.GetInterfaceReport(), Errc::kMalformed);
  TdispClient empty([&](ByteSpan) -> Result<Bytes> { return make(td::InterfaceReportRsp{{}, 5}, 0x4100); }, 0x4100);
  EXPECT_ERRC(empty.GetInterfaceReport(), Errc::kMalformed);
  TdispClient longer([&](ByteSpan) -> Result<Bytes> { return make(td::InterfaceReportRsp{portion, 0}, 0x4100); },
                     0x4100);
  EXPECT_ERRC(longer.GetInterfaceReport(2), Errc::kMalformed);
}

}  // namespace
}  // namespace ccgpu::attach
