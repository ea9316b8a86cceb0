// The attach flow end to end against in-process emulated devices, each wrong
// turn a host or a device can produce, and the Context's buffer / stream /
// device-loss behaviour.
#include "runtime/context.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "attest/claims.h"
#include "channel/shm.h"
#include "gpu/config.h"
#include "gpu/device.h"
#include "gpu/pci_config.h"
#include "gpu/tdisp/ide_km.h"
#include "gpu/tdisp/tdi.h"
#include "gpu/provision.h"
#include "gpu/rim_maker.h"
#include "runtime/endpoint.h"
#include "spdm/wire/common.h"

namespace ccgpu {
namespace {

namespace fs = std::filesystem;
using spdm::requester::ExchangeMessage;
using spdm::requester::MessageExchange;

// A host relay that lets a test edit messages in flight.
class EditingRelay final : public MessageExchange {
 public:
  using Edit = std::function<void(bool to_device, bool secured, Bytes& bytes)>;
  EditingRelay(std::unique_ptr<MessageExchange> inner, Edit edit) : inner_(std::move(inner)), edit_(std::move(edit)) {}
  Result<ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
    Bytes req(request.begin(), request.end());
    edit_(true, secured, req);
    CCGPU_ASSIGN_OR_RETURN(ExchangeMessage rsp, inner_->Exchange(secured, req));
    edit_(false, rsp.secured, rsp.bytes);
    return rsp;
  }

 private:
  std::unique_ptr<MessageExchange> inner_;
  Edit edit_;
};

// A host that relays VCA and attestation to device A but the session
// (KEY_EXCHANGE onwards) to device B.
class SwappingRelay final : public MessageExchange {
 public:
  SwappingRelay(std::unique_ptr<MessageExchange> a, std::unique_ptr<MessageExchange> b)
      : a_(std::move(a)), b_(std::move(b)) {}
  Result<ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
    const uint8_t code = request.size() > 1 ? request[1] : 0;
    using spdm::wire::Code;
    if (!secured && code == static_cast<uint8_t>(Code::kKeyExchange)) swapped_ = true;
    if (!swapped_ && !secured &&
        (code == static_cast<uint8_t>(Code::kGetVersion) || code == static_cast<uint8_t>(Code::kGetCapabilities) ||
         code == static_cast<uint8_t>(Code::kNegotiateAlgorithms))) {
      (void)b_->Exchange(secured, request);  // bring B to the same negotiated state
    }
    return (swapped_ ? b_ : a_)->Exchange(secured, request);
  }

 private:
  std::unique_ptr<MessageExchange> a_, b_;
  bool swapped_ = false;
};

class ContextTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = fs::temp_directory_path() / ("ccgpu_runtime_test_" + std::to_string(::getpid()));
    fs::remove_all(state_);
    gpu::ProvisionOptions o;
    o.gpus = 2;
    o.now = SystemClock::Get().Now();
    o.base.protected_memory_bytes = 8u << 20;
    ASSERT_TRUE(gpu::Provision(state_, o).has_value());
    rims_ = state_ / "rims";
    ASSERT_TRUE(gpu::MakeRims(state_, 0, rims_).has_value());
    ASSERT_TRUE(gpu::MakeRims(state_, 1, rims_).has_value());
  }
  static void TearDownTestSuite() { fs::remove_all(state_); }

  static ContextOptions Options() {
    auto trust = EmulatedTrust(state_.string(), rims_.string());
    EXPECT_TRUE(trust.has_value());
    ContextOptions o;
    o.trust = std::move(*trust);
    return o;
  }
  static std::unique_ptr<Context> NewContext(ContextOptions o = Options()) {
    auto c = Context::Create(std::move(o));
    EXPECT_TRUE(c.has_value());
    return c ? std::move(*c) : nullptr;
  }

  static fs::path state_;
  static fs::path rims_;
};
fs::path ContextTest::state_;
fs::path ContextTest::rims_;

TEST_F(ContextTest, AttachesInProcessDeviceThroughVerifiedSessionAndKeepsClaims) {
  auto ctx = NewContext();
  auto id = ctx->Attach(DeviceSpec::InProcess(state_, 0));
  ASSERT_TRUE(id.has_value()) << id.error().ToString() << " / "
                              << (ctx->last_attach_failure() ? ctx->last_attach_failure()->why : "");
  auto rep = ctx->Report(*id);
  ASSERT_TRUE(rep.has_value());
  EXPECT_EQ(rep->reached, AttachStep::kReady);
  EXPECT_FALSE(rep->failed_step.has_value());
  ASSERT_TRUE(rep->attestation.has_value());
  const Attestation& a = *rep->attestation;
  EXPECT_TRUE(a.passed());
  EXPECT_EQ(a.nonce.size(), 32u);
  EXPECT_EQ(a.evidence.size() > 37, true);
  EXPECT_TRUE(std::equal(a.nonce.begin(), a.nonce.end(), a.evidence.begin() + 4));
  EXPECT_EQ(a.claims().value("measres", ""), "success");
  EXPECT_EQ(a.claims().value(attest::kEmulatedClaim, false), true);
  EXPECT_TRUE(a.overall_claims().value("x-nvidia-overall-att-result", false));
  EXPECT_NE(rep->session_id, 0u);
  EXPECT_NE(ctx->HostDevice(*id), nullptr);
  EXPECT_TRUE(ctx->CheckDevice(*id).has_value());
}

TEST_F(ContextTest, EachAttachUsesAFreshNonce) {
  auto ctx = NewContext();
  auto a = ctx->Attach(DeviceSpec::InProcess(state_, 0));
  auto b = ctx->Attach(DeviceSpec::InProcess(state_, 1));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(ctx->Report(*a)->attestation->nonce, ctx->Report(*b)->attestation->nonce);
  EXPECT_EQ(ctx->device_count(), 2u);
}

TEST_F(ContextTest, PolicyRefusingEmulatedDevicesRefusesAtVerify) {
  ContextOptions o = Options();
  attest::PolicyOptions po;
  po.accept_ocsp_unknown = true;
  o.trust.policy = attest::Policy::Default(po);  // allow_emulated = false
  auto ctx = NewContext(std::move(o));
  auto id = ctx->Attach(DeviceSpec::InProcess(state_, 0));
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::kEmulatedNotAllowed);
  EXPECT_NE(std::string(id.error().context).find("verify"), std::string::npos);
  const auto& f = ctx->last_attach_failure();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->failed_step, AttachStep::kVerify);
  ASSERT_TRUE(f->attestation.has_value());  // the claims show why
  EXPECT_FALSE(f->attestation->passed());
  EXPECT_EQ(ctx->device_count(), 0u);
}

TEST_F(ContextTest, TamperedFirmwareIsRefusedWithMeasurementMismatch) {
  // A copy of the state directory whose device 0 boots tampered GSP firmware.
  const fs::path dir = state_.string() + "_tampered";
  fs::remove_all(dir);
  fs::copy(state_, dir, fs::copy_options::recursive);
  const fs::path img = gpu::DeviceDir(dir, 0) / "firmware/gsp-firmware.bin";
  Bytes fw = gpu::ReadFileBytes(img).value();
  fw[10] ^= 0x40;
  ASSERT_TRUE(gpu::WriteFileAtomic(img, fw).has_value());
  auto ctx = NewContext();  // RIMs made from the untampered firmware
  auto id = ctx->Attach(DeviceSpec::InProcess(dir, 0));
  fs::remove_all(dir);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::kMeasurementMismatch);
  const auto& f = ctx->last_attach_failure();
  ASSERT_TRUE(f.has_value() && f->attestation.has_value());
  EXPECT_EQ(f->failed_step, AttachStep::kVerify);
  EXPECT_EQ(f->attestation->claims().value("measres", ""), "fail");
  const auto& m = f->attestation->report.devices[0].measurements;
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->mismatches.size(), 1u);
  EXPECT_EQ(m->mismatches[0].index, 21u);
}

TEST_F(ContextTest, UntrustedRootIsRefusedAtCertificate) {
  const fs::path other = state_.string() + "_other";
  fs::remove_all(other);
  gpu::ProvisionOptions o;
  o.gpus = 1;
  o.now = SystemClock::Get().Now();
  o.base.protected_memory_bytes = 1u << 20;
  ASSERT_TRUE(gpu::Provision(other, o).has_value());
  ContextOptions opts = Options();
  auto other_trust = EmulatedTrust(other.string(), rims_.string());
  ASSERT_TRUE(other_trust.has_value());
  opts.trust.device_roots = other_trust->device_roots;  // not state_'s manufacturer
  opts.trust.emulated_roots = other_trust->emulated_roots;
  auto ctx = NewContext(std::move(opts));
  auto id = ctx->Attach(DeviceSpec::InProcess(state_, 0));
  fs::remove_all(other);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::kChainInvalid);
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kCertificate);
  EXPECT_FALSE(ctx->last_attach_failure()->attestation.has_value());
}

TEST_F(ContextTest, HostRewritingTheNonceInFlightIsRefused) {
  auto ctx = NewContext();
  DeviceSpec spec = DeviceSpec::InProcess(state_, 0);
  spec.relay = [](std::unique_ptr<MessageExchange> inner) -> std::unique_ptr<MessageExchange> {
    return std::make_unique<EditingRelay>(std::move(inner), [](bool to_device, bool secured, Bytes& b) {
      if (to_device && !secured && b.size() == 37 && b[1] == 0xE0) b[4] ^= 0x01;  // nonce byte 0
    });
  };
  auto id = ctx->Attach(spec);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::kBadSignature);
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kEvidence);
}

TEST_F(ContextTest, HostReplayingStaleEvidenceIsRefused) {
  // The host records one attach's MEASUREMENTS and answers the next
  // attach's GET_MEASUREMENTS with it.
  auto recorded = std::make_shared<Bytes>();
  auto ctx = NewContext();
  DeviceSpec record = DeviceSpec::InProcess(state_, 0);
  record.relay = [recorded](std::unique_ptr<MessageExchange> inner) -> std::unique_ptr<MessageExchange> {
    return std::make_unique<EditingRelay>(std::move(inner), [recorded](bool to_device, bool secured, Bytes& b) {
      if (!to_device && !secured && b.size() > 2 && b[1] == 0x60) *recorded = b;
    });
  };
  ASSERT_TRUE(ctx->Attach(record).has_value());
  ASSERT_FALSE(recorded->empty());
  DeviceSpec replay = DeviceSpec::InProcess(state_, 0);
  replay.relay = [recorded](std::unique_ptr<MessageExchange> inner) -> std::unique_ptr<MessageExchange> {
    return std::make_unique<EditingRelay>(std::move(inner), [recorded](bool to_device, bool secured, Bytes& b) {
      if (!to_device && !secured && b.size() > 2 && b[1] == 0x60) b = *recorded;
    });
  };
  auto id = ctx->Attach(replay);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::kBadSignature);
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kEvidence);
}

TEST_F(ContextTest, SessionWithAnotherDeviceThanTheVerifiedOneIsRefused) {
  auto other = runtime::OpenInProcessHost(state_, 1, std::make_shared<gpu::engine::PeerLinkHub>());
  ASSERT_TRUE(other.has_value());
  auto other_conn = (*other)->Connect();
  ASSERT_TRUE(other_conn.has_value());
  auto shared_conn = std::make_shared<std::unique_ptr<MessageExchange>>(std::move(*other_conn));
  auto ctx = NewContext();
  DeviceSpec spec = DeviceSpec::InProcess(state_, 0);
  spec.relay = [shared_conn](std::unique_ptr<MessageExchange> inner) -> std::unique_ptr<MessageExchange> {
    return std::make_unique<SwappingRelay>(std::move(inner), std::move(*shared_conn));
  };
  auto id = ctx->Attach(spec);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::kBadSignature);
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kSession);
  // Verification itself passed: it was the session that was not bound.
  ASSERT_TRUE(ctx->last_attach_failure()->attestation.has_value());
  EXPECT_TRUE(ctx->last_attach_failure()->attestation->passed());
}

TEST_F(ContextTest, UnreachableGpudIsRefusedAtConnect) {
  auto ctx = NewContext();
  auto id = ctx->Attach(DeviceSpec::Gpud("127.0.0.1", 1));  // nothing listens on port 1
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kConnect);
}

TEST_F(ContextTest, AttachLocksChecksAndStartsTheTdispInterface) {
  auto ctx = NewContext();
  auto id = ctx->Attach(DeviceSpec::InProcess(state_, 0));
  ASSERT_TRUE(id.has_value()) << (ctx->last_attach_failure() ? ctx->last_attach_failure()->why : "");
  auto rep = ctx->Report(*id);
  EXPECT_TRUE(rep->tdisp);
  ASSERT_TRUE(rep->interface_report.has_value());
  EXPECT_FALSE(rep->interface_report->mmio_ranges.empty());
  EXPECT_EQ(ctx->HostDevice(*id)->Tdi()->state(), spdm::tdisp::TdiState::kRun);
  // Before LOCK, the selective IDE stream (default_stream_id 0) got fresh
  // keys for RX/TX × PR/NPR/CPL, all in use on the device.
  EXPECT_TRUE(rep->ide);
  EXPECT_TRUE(rep->ide_note.empty()) << rep->ide_note;
  const auto ide = ctx->HostDevice(*id)->IdeKm()->Status();
  EXPECT_EQ(ide.keys_in_use, 6u);
  EXPECT_EQ(ide.secure_stream, std::optional<uint8_t>(0));
}

TEST_F(ContextTest, IdeStreamCanBeLeftOut) {
  ContextOptions o = Options();
  o.ide_stream = false;
  auto ctx = NewContext(std::move(o));
  auto id = ctx->Attach(DeviceSpec::InProcess(state_, 0));
  ASSERT_TRUE(id.has_value()) << (ctx->last_attach_failure() ? ctx->last_attach_failure()->why : "");
  auto rep = ctx->Report(*id);
  EXPECT_FALSE(rep->ide);
  EXPECT_TRUE(rep->tdisp);
  EXPECT_EQ(ctx->HostDevice(*id)->IdeKm()->Status().keys_in_use, 0u);
}

TEST_F(ContextTest, InterfaceReportNotMatchingTheHostMappingIsRefused) {
  // The host says it mapped BAR1 elsewhere than the device reports (a
  // remapped or swapped device).
  auto host = runtime::OpenInProcessHost(state_, 0, std::make_shared<gpu::engine::PeerLinkHub>());
  ASSERT_TRUE(host.has_value());
  const gpu::PciConfig pci = (*host)->device()->Pci();
  attach::HostMapping m;
  m.function_id = pci.function_id();
  for (const gpu::PciBar& b : pci.bars()) m.bars.push_back({b.index, b.address, b.size});
  m.bars[1].address += 256ull << 20;
  auto ctx = NewContext();
  DeviceSpec spec = DeviceSpec::InProcess(state_, 0);
  spec.mapping = m;
  auto id = ctx->Attach(spec);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::kTdiReportMismatch);
  const auto& f = ctx->last_attach_failure();
  EXPECT_EQ(f->failed_step, AttachStep::kTdispReport);
  EXPECT_NE(f->why.find("BAR1"), std::string::npos) << f->why;
  EXPECT_EQ(ctx->device_count(), 0u);
}

TEST_F(ContextTest, GpudDeviceWithoutAHostMappingIsNotAttachedInsecurely) {
  // Nothing listens: refused at connect; with a listener and no mapping the
  // refusal would be at tdisp lock (require_tdisp is the default).
  ContextOptions o = Options();
  EXPECT_TRUE(o.require_tdisp);
  auto ctx = NewContext(std::move(o));
  auto id = ctx->Attach(DeviceSpec::Gpud("127.0.0.1", 1));
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kConnect);
}

TEST_F(ContextTest, DeviceMapsChannelRegionsThroughTheHostsDmaHook) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto ctx = NewContext();
  DeviceSpec spec = DeviceSpec::InProcess(state_, 0);
  spec.map_region = [names](const std::string& name) {
    names->push_back(name);
    return channel::SharedRegion::OpenNamed(name);
  };
  auto id = ctx->Attach(spec);
  ASSERT_TRUE(id.has_value()) << (ctx->last_attach_failure() ? ctx->last_attach_failure()->why : "");
  ASSERT_EQ(names->size(), 4u);
  EXPECT_NE((*names)[0].find("-cmd"), std::string::npos);
  EXPECT_NE((*names)[3].find("-d2h"), std::string::npos);
  auto b = ctx->Alloc(*id, 100);
  ASSERT_TRUE(b.has_value());
  Bytes in(100, 0x5A), out(100);
  ASSERT_TRUE(ctx->CopyToDevice(*b, in).has_value());
  ASSERT_TRUE(ctx->CopyFromDevice(*b, out).has_value());
  EXPECT_EQ(out, in);
}

TEST_F(ContextTest, HostGivingTheDeviceOtherMemoryThanTheGuestsRingsIsRefusedAtOpenChannel) {
  auto ctx = NewContext();
  DeviceSpec spec = DeviceSpec::InProcess(state_, 0);
  spec.map_region = [](const std::string& name) -> Result<channel::SharedRegion> {
    CCGPU_ASSIGN_OR_RETURN(auto real, channel::SharedRegion::OpenNamed(name));
    return channel::SharedRegion::CreateAnonymous(real.size(), "host-swapped");  // zeroes, not a ring
  };
  auto id = ctx->Attach(spec);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kOpenChannel);
}

// ---- Data path through the attached devices' sealed channels.
class ContextDataTest : public ContextTest {
 protected:
  void SetUp() override {
    ContextOptions o = Options();
    o.channel.timeout = std::chrono::milliseconds(1500);  // a reset device never answers
    ctx_ = NewContext(std::move(o));
    for (unsigned i = 0; i < 2; ++i) {
      auto id = ctx_->Attach(DeviceSpec::InProcess(state_, i));
      ASSERT_TRUE(id.has_value()) << id.error().ToString() << " "
                                  << (ctx_->last_attach_failure() ? ctx_->last_attach_failure()->why : "");
      ids_[i] = *id;
    }
  }
  static Bytes Pattern(std::size_t n, uint8_t seed) {
    Bytes b(n);
    uint32_t x = 0x9E3779B9u * (seed + 1u);
    for (auto& v : b) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      v = static_cast<uint8_t>(x);
    }
    return b;
  }
  static Bytes Floats(const std::vector<float>& f) {
    Bytes b(f.size() * 4);
    std::memcpy(b.data(), f.data(), b.size());
    return b;
  }
  std::unique_ptr<Context> ctx_;
  DeviceId ids_[2] = {0, 0};
};

TEST_F(ContextDataTest, AttachReachesReadyWithAChannel) {
  auto rep = ctx_->Report(ids_[1]);
  ASSERT_TRUE(rep.has_value());
  EXPECT_EQ(rep->reached, AttachStep::kReady);
  EXPECT_EQ(rep->device_index, 1u);
  EXPECT_EQ(rep->protected_memory_bytes, 8u << 20);
  EXPECT_TRUE(ctx_->HostDevice(ids_[1])->ready());
}

TEST_F(ContextDataTest, CopiesRoundTripBitExactAtOddSizesAndOffsets) {
  for (std::size_t n : {std::size_t{1}, std::size_t{15}, std::size_t{4095}, std::size_t{4097},
                        std::size_t{(256u << 10) * 2 + 3}}) {
    auto b = ctx_->Alloc(ids_[0], n + 7);
    ASSERT_TRUE(b.has_value()) << n;
    const Bytes in = Pattern(n, static_cast<uint8_t>(n));
    ASSERT_TRUE(ctx_->CopyToDevice(*b, in, 7).has_value()) << n;
    Bytes out(n);
    ASSERT_TRUE(ctx_->CopyFromDevice(*b, out, 7).has_value()) << n;
    EXPECT_EQ(in, out) << n;
  }
  auto b = ctx_->Alloc(ids_[0], 16);
  ASSERT_TRUE(b.has_value());
  Bytes in(8, 1);
  EXPECT_EQ(ctx_->CopyToDevice(*b, in, 9).error().code, Errc::kInvalidArgument);
  Bytes big(17);
  EXPECT_EQ(ctx_->CopyFromDevice(*b, big).error().code, Errc::kInvalidArgument);
  DeviceBuffer empty;
  EXPECT_EQ(ctx_->CopyToDevice(empty, in).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(ctx_->Alloc(ids_[0], 0).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(ctx_->Alloc(7, 16).error().code, Errc::kNotFound);
}

TEST_F(ContextDataTest, BufferMemoryIsReturnedOnDestructionAndOnlyOnceAfterMove) {
  const uint64_t big = 5u << 20;  // of 8 MiB
  {
    auto a = ctx_->Alloc(ids_[0], big);
    ASSERT_TRUE(a.has_value());
    // While it lives a second one does not fit: the check below can fail.
    auto b = ctx_->Alloc(ids_[0], big);
    ASSERT_FALSE(b.has_value());
    EXPECT_EQ(b.error().code, Errc::kResourceExhausted);
    DeviceBuffer moved = std::move(*a);
    EXPECT_FALSE(a->valid());
    EXPECT_EQ(moved.size(), big);
    EXPECT_EQ(moved.device(), ids_[0]);
  }  // `moved` frees; `*a` (moved from) frees nothing
  auto c = ctx_->Alloc(ids_[0], big);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->Release().has_value());
  EXPECT_FALSE(c->valid());
  EXPECT_TRUE(ctx_->Alloc(ids_[0], big).has_value());
}

TEST_F(ContextDataTest, LaunchRunsKernelsAndRefusesForeignBuffersAndUnknownKernels) {
  auto x = ctx_->Alloc(ids_[0], 16);
  auto y = ctx_->Alloc(ids_[0], 16);
  auto other = ctx_->Alloc(ids_[1], 16);
  ASSERT_TRUE(x && y && other);
  ASSERT_TRUE(ctx_->CopyToDevice(*x, Floats({1, 2, 3, 4})).has_value());
  ASSERT_TRUE(ctx_->CopyToDevice(*y, Floats({10, 20, 30, 40})).has_value());
  ASSERT_TRUE(ctx_->Launch(ids_[0], "saxpy",
                           {KernelArg::U64(4), KernelArg::F32(2.0f), KernelArg::Buffer(*x), KernelArg::Buffer(*y)})
                  .has_value());
  Bytes out(16);
  ASSERT_TRUE(ctx_->CopyFromDevice(*y, out).has_value());
  EXPECT_EQ(out, Floats({12, 24, 36, 48}));
  EXPECT_EQ(ctx_->Launch(ids_[0], "saxpy",
                         {KernelArg::U64(4), KernelArg::F32(2.0f), KernelArg::Buffer(*x), KernelArg::Buffer(*other)})
                .error()
                .code,
            Errc::kInvalidArgument);
  EXPECT_EQ(ctx_->Launch(ids_[0], "no_such_kernel", {KernelArg::Buffer(*x)}).error().code, Errc::kNotFound);
  EXPECT_EQ(ctx_->Launch(ids_[0], "", {}).error().code, Errc::kInvalidArgument);
  // The device still works after refusals.
  EXPECT_TRUE(ctx_->CheckDevice(ids_[0]).has_value());
}

TEST_F(ContextDataTest, AsyncOperationsOnAStreamRunInEnqueueOrder) {
  // y = x + y, five times, between an upload and a download: any reordering
  // changes the result.
  Stream& s = ctx_->CreateStream();
  auto x = ctx_->Alloc(ids_[0], 4 * 1024);
  auto y = ctx_->Alloc(ids_[0], 4 * 1024);
  ASSERT_TRUE(x && y);
  std::vector<float> xf(1024), yf(1024);
  for (std::size_t i = 0; i < xf.size(); ++i) {
    xf[i] = static_cast<float>(i);
    yf[i] = 1.0f;
  }
  const Bytes xb = Floats(xf), yb = Floats(yf);
  Bytes out(4 * 1024);
  std::vector<std::future<Status>> f;
  f.push_back(ctx_->CopyToDeviceAsync(s, *x, xb));
  f.push_back(ctx_->CopyToDeviceAsync(s, *y, yb));
  for (int i = 0; i < 5; ++i) {
    f.push_back(ctx_->LaunchAsync(s, ids_[0], "saxpy",
                                  {KernelArg::U64(1024), KernelArg::F32(1.0f), KernelArg::Buffer(*x),
                                   KernelArg::Buffer(*y)}));
  }
  f.push_back(ctx_->CopyFromDeviceAsync(s, *y, out));
  ASSERT_TRUE(ctx_->Synchronize().has_value());
  for (auto& x1 : f) EXPECT_TRUE(x1.get().has_value());
  for (std::size_t i = 0; i < xf.size(); ++i) yf[i] = 1.0f + 5.0f * static_cast<float>(i);
  EXPECT_EQ(out, Floats(yf));
}

TEST_F(ContextDataTest, StreamsOnTwoDevicesRunAndSynchronizeReportsTheFirstFailure) {
  Stream& s0 = ctx_->CreateStream();
  Stream& s1 = ctx_->CreateStream();
  auto a = ctx_->Alloc(ids_[0], 1 << 16);
  auto b = ctx_->Alloc(ids_[1], 1 << 16);
  ASSERT_TRUE(a && b);
  const Bytes pa = Pattern(1 << 16, 1), pb = Pattern(1 << 16, 2);
  Bytes oa(1 << 16), ob(1 << 16);
  (void)ctx_->CopyToDeviceAsync(s0, *a, pa);
  (void)ctx_->CopyToDeviceAsync(s1, *b, pb);
  auto bad = ctx_->LaunchAsync(s1, ids_[1], "no_such_kernel", {KernelArg::Buffer(*b)});
  auto skipped = ctx_->CopyFromDeviceAsync(s1, *b, ob);
  auto fa = ctx_->CopyFromDeviceAsync(s0, *a, oa);
  Status sync = ctx_->Synchronize();
  ASSERT_FALSE(sync.has_value());
  EXPECT_EQ(sync.error().code, Errc::kNotFound);
  EXPECT_EQ(bad.get().error().code, Errc::kNotFound);
  EXPECT_FALSE(skipped.get().has_value());
  EXPECT_TRUE(fa.get().has_value());
  EXPECT_EQ(oa, pa);
  // The failure was reported once; both streams work again.
  EXPECT_TRUE(ctx_->CopyFromDeviceAsync(s1, *b, ob).get().has_value());
  EXPECT_EQ(ob, pb);
  EXPECT_TRUE(ctx_->Synchronize().has_value());
}

TEST_F(ContextDataTest, ThreadsUsingBothDevicesAtOnceEachSeeTheirOwnData) {
  std::atomic<int> failures{0};
  auto worker = [&](DeviceId id, uint8_t seed) {
    for (int i = 0; i < 8; ++i) {
      const Bytes in = Pattern(4096 + static_cast<std::size_t>(i), static_cast<uint8_t>(seed + i));
      auto b = ctx_->Alloc(id, in.size());
      if (!b) { failures.fetch_add(1); continue; }
      Bytes out(in.size());
      if (!ctx_->CopyToDevice(*b, in) || !ctx_->CopyFromDevice(*b, out) || out != in) failures.fetch_add(1);
    }
  };
  std::thread t0(worker, ids_[0], uint8_t{10}), t1(worker, ids_[1], uint8_t{50}), t2(worker, ids_[0], uint8_t{90});
  std::thread checker([&] {
    for (int i = 0; i < 8; ++i) {
      if (!ctx_->CheckDevice(ids_[i % 2])) failures.fetch_add(1);
    }
  });
  t0.join();
  t1.join();
  t2.join();
  checker.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(ContextDataTest, PeerCopyMovesDataBetweenGpusBothWays) {
  const std::size_t n = (256u << 10) + 5;
  auto a = ctx_->Alloc(ids_[0], n);
  auto b = ctx_->Alloc(ids_[1], n);
  ASSERT_TRUE(a && b);
  const Bytes in = Pattern(n, 3);
  ASSERT_TRUE(ctx_->CopyToDevice(*a, in).has_value());
  ASSERT_TRUE(ctx_->PeerCopy(*b, *a).has_value());
  Bytes out(n);
  ASSERT_TRUE(ctx_->CopyFromDevice(*b, out).has_value());
  EXPECT_EQ(out, in);
  // Back the other way (same pair key, the other direction of the link).
  const Bytes in2 = Pattern(n, 4);
  ASSERT_TRUE(ctx_->CopyToDevice(*b, in2).has_value());
  Stream& s = ctx_->CreateStream();
  EXPECT_TRUE(ctx_->PeerCopyAsync(s, *a, *b).get().has_value());
  ASSERT_TRUE(ctx_->CopyFromDevice(*a, out).has_value());
  EXPECT_EQ(out, in2);
  EXPECT_EQ(ctx_->PeerCopy(*a, *a).error().code, Errc::kInvalidArgument);
  auto small = ctx_->Alloc(ids_[1], 16);
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(ctx_->PeerCopy(*small, *a).error().code, Errc::kInvalidArgument);
}

TEST_F(ContextDataTest, DeviceResetMidRunIsDetectedAsLostWithAClearError) {
  auto buf = ctx_->Alloc(ids_[0], 4096);
  ASSERT_TRUE(buf.has_value());
  const Bytes data = Pattern(4096, 5);
  ASSERT_TRUE(ctx_->CopyToDevice(*buf, data).has_value());
  // The host resets the device: memory scrubbed, session and channel keys gone.
  ASSERT_TRUE(ctx_->HostDevice(ids_[0])->Reset().has_value());
  Bytes out(4096);
  Status st = ctx_->CopyFromDevice(*buf, out);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, Errc::kDeviceLost) << st.error().ToString();
  auto rep = ctx_->Report(ids_[0]);
  EXPECT_TRUE(rep->lost);
  EXPECT_NE(rep->lost_why.find("session"), std::string::npos) << rep->lost_why;
  EXPECT_NE(out, data);  // nothing came back
  // Every later operation says so at once; the other device is unaffected.
  EXPECT_EQ(ctx_->CopyToDevice(*buf, data).error().code, Errc::kDeviceLost);
  EXPECT_EQ(ctx_->Alloc(ids_[0], 8).error().code, Errc::kDeviceLost);
  EXPECT_EQ(ctx_->CheckDevice(ids_[0]).error().code, Errc::kDeviceLost);
  EXPECT_EQ(buf->Release().error().code, Errc::kDeviceLost);
  EXPECT_TRUE(ctx_->CheckDevice(ids_[1]).has_value());
  auto other = ctx_->Alloc(ids_[1], 64);
  EXPECT_TRUE(other.has_value());
  // Synchronize skips the lost device and fences the live one.
  EXPECT_TRUE(ctx_->Synchronize().has_value());
}

TEST_F(ContextDataTest, HostConfigChangeWhileRunningDropsTheDeviceToErrorAndItIsLost) {
  auto buf = ctx_->Alloc(ids_[1], 4096);
  ASSERT_TRUE(buf.has_value());
  const Bytes data = Pattern(4096, 6);
  ASSERT_TRUE(ctx_->CopyToDevice(*buf, data).has_value());
  // The hypervisor turns memory decoding off on the running device.
  gpu::Device* dev = ctx_->HostDevice(ids_[1]);
  ASSERT_TRUE(dev->HostConfigWrite(gpu::pci::kCommand, gpu::pci::kCommandBusMaster).has_value());
  EXPECT_EQ(dev->Tdi()->state(), spdm::tdisp::TdiState::kError);
  // The next operation fails (the device scrubbed and dropped the channel);
  // the Context re-checks, sees ERROR and says the device is lost.
  Bytes out(4096);
  Status st = ctx_->CopyFromDevice(*buf, out);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, Errc::kDeviceLost) << st.error().ToString();
  EXPECT_NE(out, data);
  auto rep = ctx_->Report(ids_[1]);
  EXPECT_TRUE(rep->lost);
  EXPECT_NE(rep->lost_why.find("ERROR"), std::string::npos) << rep->lost_why;
  EXPECT_EQ(ctx_->Launch(ids_[1], "relu_f32", {KernelArg::U64(1), KernelArg::Buffer(*buf)}).error().code,
            Errc::kDeviceLost);
  EXPECT_TRUE(ctx_->CheckDevice(ids_[0]).has_value());
}

TEST_F(ContextDataTest, CheckDeviceSeesAnInterfaceInErrorWithoutAnyOperation) {
  ASSERT_TRUE(ctx_->HostDevice(ids_[0])->HostBarMove(1, 0x3A0000000000ull).has_value());
  Status st = ctx_->CheckDevice(ids_[0]);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, Errc::kDeviceLost);
  EXPECT_NE(ctx_->Report(ids_[0])->lost_why.find("ERROR"), std::string::npos);
}

TEST_F(ContextDataTest, CheckDeviceSeesAResetWithoutAnyOperation) {
  ASSERT_TRUE(ctx_->CheckDevice(ids_[1]).has_value());
  ASSERT_TRUE(ctx_->HostDevice(ids_[1])->Reset().has_value());
  EXPECT_EQ(ctx_->CheckDevice(ids_[1]).error().code, Errc::kDeviceLost);
  EXPECT_TRUE(ctx_->Report(ids_[1])->lost);
}

}  // namespace
}  // namespace ccgpu
