// The attach flow end to end against in-process emulated devices, each wrong
// turn a host or a device can produce, and the Context's buffer / stream /
// device-loss behaviour.
#include "runtime/context.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include <gtest/gtest.h>

#include "attest/claims.h"
#include "gpu/config.h"
#include "gpu/device.h"
#include "gpu/provision.h"
#include "gpu/rim_maker.h"
#include "runtime/device_ops.h"
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

// An in-memory device for the Context's own logic (buffer lifetime, stream
// order, argument checks); the sealed channel to a real device executor is
// tested where it is built.
class MemoryDeviceOps final : public runtime::DeviceOps {
 public:
  struct Log {
    std::mutex mu;
    std::vector<std::string> ops;
    std::map<uint64_t, Bytes> mem;
    std::vector<uint64_t> freed;
    int peer_keys = 0;
  };
  MemoryDeviceOps(std::shared_ptr<Log> log, uint32_t index) : log_(std::move(log)), index_(index) {}
  Result<uint64_t> Alloc(uint64_t size) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    const uint64_t h = next_++ + (uint64_t{index_} << 32);
    log_->mem[h] = Bytes(size);
    log_->ops.push_back("alloc");
    return h;
  }
  Status Free(uint64_t handle) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    if (log_->mem.erase(handle) == 0) return Fail(Errc::kNotFound, "no such handle");
    log_->freed.push_back(handle);
    return OkStatus();
  }
  Status CopyToDevice(const channel::DeviceRange& dst, ByteSpan src) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    Bytes& m = log_->mem.at(dst.handle);
    std::copy(src.begin(), src.end(), m.begin() + static_cast<std::ptrdiff_t>(dst.offset));
    log_->ops.push_back("h2d");
    return OkStatus();
  }
  Status CopyFromDevice(const channel::DeviceRange& src, std::span<uint8_t> dst) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    const Bytes& m = log_->mem.at(src.handle);
    std::copy_n(m.begin() + static_cast<std::ptrdiff_t>(src.offset), dst.size(), dst.begin());
    log_->ops.push_back("d2h");
    return OkStatus();
  }
  Status Launch(std::string_view kernel, std::span<const channel::LaunchArg> args) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    if (kernel != "add_one") return Fail(Errc::kNotFound, "unknown kernel");
    Bytes& m = log_->mem.at(args[0].buffer.handle);
    for (uint64_t i = 0; i < args[0].buffer.length; ++i) ++m[args[0].buffer.offset + i];
    log_->ops.push_back("launch");
    return OkStatus();
  }
  Status Fence() override {
    std::lock_guard<std::mutex> lock(log_->mu);
    log_->ops.push_back("fence");
    return OkStatus();
  }
  Status SetPeerKey(uint32_t, uint32_t, const SecretBytes& key) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    if (key.size() != channel::kPeerKeySize) return Fail(Errc::kInvalidArgument, "key size");
    ++log_->peer_keys;
    return OkStatus();
  }
  Status PeerCopy(DeviceOps&, const channel::DeviceRange& src, const channel::DeviceRange& dst) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    log_->mem.at(dst.handle) = log_->mem.at(src.handle);
    log_->ops.push_back("peer");
    return OkStatus();
  }
  uint32_t device_index() const override { return index_; }

 private:
  std::shared_ptr<Log> log_;
  uint32_t index_;
  uint64_t next_ = 1;
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
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kVerify);
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
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kVerify);
}

TEST_F(ContextTest, SessionWithAnotherDeviceThanTheVerifiedOneIsRefused) {
  auto other = runtime::OpenInProcessHost(state_, 1);
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

TEST_F(ContextTest, RequiringTdispWithoutAClientRefusesTheDevice) {
  ContextOptions o = Options();
  o.require_tdisp = true;
  auto ctx = NewContext(std::move(o));
  auto id = ctx->Attach(DeviceSpec::InProcess(state_, 0));
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::kUnsupported);
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kTdispLock);
}

TEST_F(ContextTest, DeviceResetAfterAttachIsDetectedAsLost) {
  auto ctx = NewContext();
  auto id = ctx->Attach(DeviceSpec::InProcess(state_, 0));
  ASSERT_TRUE(id.has_value());
  auto log = std::make_shared<MemoryDeviceOps::Log>();
  ASSERT_TRUE(ctx->ReplaceDeviceOpsForTesting(*id, std::make_unique<MemoryDeviceOps>(log, 0)).has_value());
  auto buf = ctx->Alloc(*id, 64);
  ASSERT_TRUE(buf.has_value());
  ASSERT_TRUE(ctx->CheckDevice(*id).has_value());
  // The host resets the device: session keys die with it.
  ASSERT_TRUE(ctx->HostDevice(*id)->Reset().has_value());
  Status st = ctx->CheckDevice(*id);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, Errc::kDeviceLost);
  auto rep = ctx->Report(*id);
  EXPECT_TRUE(rep->lost);
  EXPECT_NE(rep->lost_why.find("session"), std::string::npos) << rep->lost_why;
  // Every later operation says so.
  Bytes data(64, 1);
  EXPECT_EQ(ctx->CopyToDevice(*buf, data).error().code, Errc::kDeviceLost);
  EXPECT_EQ(ctx->Alloc(*id, 8).error().code, Errc::kDeviceLost);
  EXPECT_EQ(buf->Release().error().code, Errc::kDeviceLost);
}

// ---- Context logic over an in-memory device (see MemoryDeviceOps).
class ContextOpsTest : public ContextTest {
 protected:
  void SetUp() override {
    ctx_ = NewContext();
    for (unsigned i = 0; i < 2; ++i) {
      auto id = ctx_->Attach(DeviceSpec::InProcess(state_, i));
      ASSERT_TRUE(id.has_value());
      ASSERT_TRUE(ctx_->ReplaceDeviceOpsForTesting(*id, std::make_unique<MemoryDeviceOps>(log_, i)).has_value());
    }
  }
  std::unique_ptr<Context> ctx_;
  std::shared_ptr<MemoryDeviceOps::Log> log_ = std::make_shared<MemoryDeviceOps::Log>();
};

TEST_F(ContextOpsTest, BufferIsFreedOnDestructionAndNotTwiceAfterMove) {
  uint64_t handle = 0;
  {
    auto b = ctx_->Alloc(0, 128);
    ASSERT_TRUE(b.has_value());
    handle = b->handle();
    DeviceBuffer moved = std::move(*b);
    EXPECT_FALSE(b->valid());
    EXPECT_TRUE(moved.valid());
    EXPECT_EQ(moved.size(), 128u);
    EXPECT_TRUE(log_->freed.empty());
  }
  ASSERT_EQ(log_->freed.size(), 1u);
  EXPECT_EQ(log_->freed[0], handle);
}

TEST_F(ContextOpsTest, CopiesRoundTripAndRangesAreChecked) {
  auto b = ctx_->Alloc(0, 16);
  ASSERT_TRUE(b.has_value());
  Bytes in = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(ctx_->CopyToDevice(*b, in, 8).has_value());
  Bytes out(8);
  ASSERT_TRUE(ctx_->CopyFromDevice(*b, out, 8).has_value());
  EXPECT_EQ(in, out);
  EXPECT_EQ(ctx_->CopyToDevice(*b, in, 9).error().code, Errc::kInvalidArgument);
  Bytes big(17);
  EXPECT_EQ(ctx_->CopyFromDevice(*b, big).error().code, Errc::kInvalidArgument);
  DeviceBuffer empty;
  EXPECT_EQ(ctx_->CopyToDevice(empty, in).error().code, Errc::kInvalidArgument);
}

TEST_F(ContextOpsTest, LaunchRefusesBuffersOfAnotherDevice) {
  auto b0 = ctx_->Alloc(0, 4);
  auto b1 = ctx_->Alloc(1, 4);
  ASSERT_TRUE(b0 && b1);
  EXPECT_EQ(ctx_->Launch(0, "add_one", {KernelArg::Buffer(*b1)}).error().code, Errc::kInvalidArgument);
  EXPECT_TRUE(ctx_->Launch(0, "add_one", {KernelArg::Buffer(*b0)}).has_value());
  EXPECT_EQ(ctx_->Launch(0, "", {}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(ctx_->Launch(0, "nope", {KernelArg::Buffer(*b0)}).error().code, Errc::kNotFound);
}

TEST_F(ContextOpsTest, AsyncOperationsOnAStreamRunInOrder) {
  Stream& s = ctx_->CreateStream();
  auto b = ctx_->Alloc(0, 1024);
  ASSERT_TRUE(b.has_value());
  Bytes in(1024, 7), out(1024, 0);
  std::vector<std::future<Status>> f;
  f.push_back(ctx_->CopyToDeviceAsync(s, *b, in));
  for (int i = 0; i < 5; ++i) f.push_back(ctx_->LaunchAsync(s, 0, "add_one", {KernelArg::Buffer(*b)}));
  f.push_back(ctx_->CopyFromDeviceAsync(s, *b, out));
  ASSERT_TRUE(ctx_->Synchronize().has_value());
  for (auto& x : f) EXPECT_TRUE(x.get().has_value());
  EXPECT_EQ(out, Bytes(1024, 12));
  std::lock_guard<std::mutex> lock(log_->mu);
  // h2d, 5 launches, d2h in order, then the fences of Synchronize.
  std::vector<std::string> expect = {"alloc", "h2d", "launch", "launch", "launch", "launch", "launch", "d2h"};
  ASSERT_GE(log_->ops.size(), expect.size() + 2);
  EXPECT_TRUE(std::equal(expect.begin(), expect.end(), log_->ops.begin()));
  EXPECT_EQ(log_->ops[expect.size()], "fence");
}

TEST_F(ContextOpsTest, PeerCopyInstallsOnePairKeyInBothDevicesOnce) {
  auto a = ctx_->Alloc(0, 32);
  auto b = ctx_->Alloc(1, 32);
  ASSERT_TRUE(a && b);
  Bytes in(32, 9);
  ASSERT_TRUE(ctx_->CopyToDevice(*a, in).has_value());
  ASSERT_TRUE(ctx_->PeerCopy(*b, *a).has_value());
  ASSERT_TRUE(ctx_->PeerCopy(*a, *b).has_value());
  EXPECT_EQ(log_->peer_keys, 2);  // one key, installed in both, reused
  Bytes out(32);
  ASSERT_TRUE(ctx_->CopyFromDevice(*b, out).has_value());
  EXPECT_EQ(out, in);
  EXPECT_EQ(ctx_->PeerCopy(*a, *a).error().code, Errc::kInvalidArgument);
  auto c = ctx_->Alloc(1, 16);
  EXPECT_EQ(ctx_->PeerCopy(*c, *a).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu
