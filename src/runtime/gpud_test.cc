// The Context against devices in another process, over TCP (spdm-emu
// framing, MCTP): ccgpu_engine_device plays gpud's device side (DeviceService
// per device with the TDISP responder and the ccgpu control protocol, one
// GPU link hub). The guest creates the channel regions; the device process
// maps them by name.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gpu/pci_config.h"
#include "gpu/provision.h"
#include "gpu/rim_maker.h"
#include "runtime/context.h"

namespace ccgpu {
namespace {

namespace fs = std::filesystem;

class GpudTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ccgpu_runtime_gpud_test_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    gpu::ProvisionOptions o;
    o.gpus = 2;
    o.now = SystemClock::Get().Now();
    o.base.protected_memory_bytes = 8u << 20;
    ASSERT_TRUE(gpu::Provision(dir_, o).has_value());
    for (unsigned i = 0; i < 2; ++i) ASSERT_TRUE(gpu::MakeRims(dir_, i, dir_ / "rims").has_value());
    int in[2], out[2];
    ASSERT_EQ(pipe(in), 0);
    ASSERT_EQ(pipe(out), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      execl(CCGPU_ENGINE_DEVICE, CCGPU_ENGINE_DEVICE, dir_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    FILE* f = fdopen(out[0], "r");
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      unsigned dev = 0, port = 0;
      // Lines may come in any order (one serving thread per device).
      if (std::sscanf(line, "device %u port %u", &dev, &port) == 2 && dev < 2) {
        ports_.resize(2, 0);
        ports_[dev] = static_cast<uint16_t>(port);
      }
      if (std::strncmp(line, "ready", 5) == 0) break;
    }
    std::fclose(f);
    ASSERT_TRUE(ports_.size() == 2 && ports_[0] != 0 && ports_[1] != 0) << "the device process did not start";
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      close(stdin_);  // the child stops serving at EOF
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    fs::remove_all(dir_);
  }

  static std::unique_ptr<Context> NewContext() {
    auto trust = EmulatedTrust(dir_.string(), (dir_ / "rims").string());
    EXPECT_TRUE(trust.has_value());
    ContextOptions o;
    o.trust = std::move(*trust);
    auto c = Context::Create(std::move(o));
    EXPECT_TRUE(c.has_value());
    return std::move(*c);
  }
  // What the host says it mapped: a fresh gpud's PCI configuration.
  static DeviceSpec Spec(unsigned i) {
    DeviceSpec s = DeviceSpec::Gpud("127.0.0.1", ports_.at(i));
    const gpu::PciConfig pci = gpu::PciConfig::ForDevice(i);
    attach::HostMapping m;
    m.function_id = pci.function_id();
    for (const gpu::PciBar& b : pci.bars()) m.bars.push_back({b.index, b.address, b.size});
    s.mapping = m;
    return s;
  }

  static fs::path dir_;
  static pid_t pid_;
  static int stdin_;
  static std::vector<uint16_t> ports_;
};
fs::path GpudTest::dir_;
pid_t GpudTest::pid_ = -1;
int GpudTest::stdin_ = -1;
std::vector<uint16_t> GpudTest::ports_;

TEST_F(GpudTest, RefusesADeviceWhoseHostDidNotSayWhatItMapped) {
  auto ctx = NewContext();
  DeviceSpec s = Spec(0);
  s.mapping.reset();
  auto id = ctx->Attach(s);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kTdispLock);
  // Verified and in session before that: the refusal is about secure attach.
  ASSERT_TRUE(ctx->last_attach_failure()->attestation.has_value());
  EXPECT_TRUE(ctx->last_attach_failure()->attestation->passed());
}

TEST_F(GpudTest, RefusesAnInterfaceReportThatDiffersFromTheHostMapping) {
  auto ctx = NewContext();
  DeviceSpec s = Spec(1);
  s.mapping->bars[0].size /= 2;
  auto id = ctx->Attach(s);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, Errc::kTdiReportMismatch);
  EXPECT_EQ(ctx->last_attach_failure()->failed_step, AttachStep::kTdispReport);
}

TEST_F(GpudTest, AttachesTwoGpudDevicesAndRunsCopiesKernelsAndAPeerCopy) {
  for (int round = 0; round < 2; ++round) {  // a second Context re-attaches after a clean detach
    auto ctx = NewContext();
    DeviceId ids[2];
    for (unsigned i = 0; i < 2; ++i) {
      auto id = ctx->Attach(Spec(i));
      ASSERT_TRUE(id.has_value()) << id.error().ToString() << " "
                                  << (ctx->last_attach_failure() ? ctx->last_attach_failure()->why : "");
      ids[i] = *id;
      auto rep = ctx->Report(*id);
      EXPECT_TRUE(rep->tdisp);
      EXPECT_TRUE(rep->ide) << rep->ide_note;  // IDE_KM across the process boundary
      EXPECT_EQ(rep->device_index, i);
      EXPECT_EQ(ctx->HostDevice(*id), nullptr);  // not ours: another process
    }
    const std::size_t n = (256u << 10) + 9;
    Bytes in(n);
    for (std::size_t k = 0; k < n; ++k) in[k] = static_cast<uint8_t>(k * 7 + static_cast<std::size_t>(round));
    auto a = ctx->Alloc(ids[0], n);
    auto b = ctx->Alloc(ids[1], n);
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(ctx->CopyToDevice(*a, in).has_value());
    ASSERT_TRUE(ctx->PeerCopy(*b, *a).has_value());
    Bytes out(n);
    ASSERT_TRUE(ctx->CopyFromDevice(*b, out).has_value());
    EXPECT_EQ(out, in);
    auto c = ctx->Alloc(ids[1], 8);
    ASSERT_TRUE(c.has_value());
    ASSERT_TRUE(ctx->Launch(ids[1], "checksum", {KernelArg::Buffer(*b), KernelArg::Buffer(*c)}).has_value());
    Bytes sum(8);
    ASSERT_TRUE(ctx->CopyFromDevice(*c, sum).has_value());
    EXPECT_NE(sum, Bytes(8, 0));
    EXPECT_TRUE(ctx->Synchronize().has_value());
    EXPECT_TRUE(ctx->CheckDevice(ids[0]).has_value());
  }
}

}  // namespace
}  // namespace ccgpu
