// Test fixture shared by the attach tests (test binaries only): a provisioned
// emulated GPU, a real SPDM responder whose PCI-SIG VENDOR_DEFINED handler is
// the device's (IDE_KM and TDISP by ProtocolID), a real requester over the
// LoopbackExchange, and an established KEY_EXCHANGE/FINISH session.
#ifndef CCGPU_ATTACH_DEVICE_SESSION_FIXTURE_H_
#define CCGPU_ATTACH_DEVICE_SESSION_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "gpu/device.h"
#include "gpu/provision.h"
#include "gpu/tdisp/ide_km.h"
#include "spdm/responder/test_support.h"

namespace ccgpu::attach::testing {

class DeviceSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("ccgpu_attach_test_" + std::to_string(::getpid()));
    gpu::ProvisionOptions o;
    o.gpus = 1;
    o.now = SystemClock::Get().Now();
    o.base.protected_memory_bytes = 1u << 20;
    ASSERT_TRUE(gpu::Provision(dir_, o).has_value());
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  void SetUp() override {
    auto d = gpu::Device::Open(dir_, 0);
    ASSERT_TRUE(d.has_value());
    device_ = std::move(*d);
    auto rc = spdm::testing::ResponderConfigFor(crypto::Curve::kP384);
    rc.vendor = device_->PciSig();
    pair_ = spdm::testing::MakePair(rc, spdm::testing::RequesterConfigFor(crypto::Curve::kP384));
    ASSERT_TRUE(pair_.requester->InitConnection());
    ASSERT_TRUE(pair_.requester->GetCertificate());
    auto s = pair_.requester->StartSession();
    ASSERT_TRUE(s) << s.error().ToString();
    session_ = s->session_id;
  }

  inline static std::filesystem::path dir_;
  std::unique_ptr<gpu::Device> device_;  // outlives the responder holding its handlers
  spdm::testing::Pair pair_;
  uint32_t session_ = 0;
};

}  // namespace ccgpu::attach::testing

#endif  // CCGPU_ATTACH_DEVICE_SESSION_FIXTURE_H_
