// Fuzzes the emulated GPU's PCI-SIG responders (gpu/tdisp/tdi.h TDISP and
// gpu/tdisp/ide_km.h IDE_KM, behind the device's ProtocolID router) with the
// VENDOR_DEFINED payloads a requester can send, against a provisioned device
// kept across inputs (so sequences of inputs walk the state machines).
// Input: 1 byte of framing choices (bit 0: inside a session; bit 1: a second
// session; bit 2: another StandardID), then the payload. Oracle: nothing
// crashes; an answer is a TDISP response for the same interface ID, and
// refusals never change the TDI state; an IDE_KM answer parses as an IDE_KM
// object.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

#include "gpu/device.h"
#include "gpu/provision.h"
#include "gpu/tdisp/ide_km.h"
#include "gpu/tdisp/tdi.h"

namespace {
namespace td = ccgpu::spdm::tdisp;

std::filesystem::path g_dir;
void RemoveState() { std::filesystem::remove_all(g_dir); }

ccgpu::gpu::Device& TheDevice() {
  static std::unique_ptr<ccgpu::gpu::Device> device = [] {
    g_dir = std::filesystem::temp_directory_path() / ("ccgpu_fuzz_tdisp_" + std::to_string(::getpid()));
    std::filesystem::remove_all(g_dir);
    ccgpu::gpu::ProvisionOptions o;
    o.gpus = 1;
    o.base.protected_memory_bytes = 1u << 20;
    o.now = ccgpu::SystemClock::Get().Now();
    CCGPU_CHECK(ccgpu::gpu::Provision(g_dir, o).has_value());
    std::atexit(RemoveState);
    auto d = ccgpu::gpu::Device::Open(g_dir, 0);
    CCGPU_CHECK(d.has_value());
    return std::move(*d);
  }();
  return *device;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ccgpu::gpu::Device& device = TheDevice();
  ccgpu::gpu::tdisp::TdiResponder& tdi = *device.Tdi();
  const std::vector<uint8_t> payload(data + 1, data + size);  // exact-size copy
  ccgpu::spdm::responder::VendorRequest vr;
  vr.standard_id = (data[0] & 4) != 0 ? uint16_t{4} : td::kStandardIdPciSig;
  vr.vendor_id = td::kVendorIdPciSig;
  vr.payload = payload;
  if ((data[0] & 1) != 0) vr.session_id = (data[0] & 2) != 0 ? 0xFFFDFFFDu : 0xFFFEFFFEu;
  const auto before = tdi.state();
  auto rsp = device.PciSig()->Handle(vr);
  if (!rsp) {
    CCGPU_CHECK(tdi.state() == before);
    return 0;
  }
  if (auto ide = ccgpu::spdm::idekm::UnwrapPayload(*rsp)) {
    CCGPU_CHECK(ccgpu::spdm::idekm::Parse(*ide).has_value());
    CCGPU_CHECK(tdi.state() == before);
    return 0;
  }
  auto inner = td::UnwrapPayload(*rsp);
  CCGPU_CHECK(inner.has_value());
  auto parsed = td::ParseResponse(*inner);
  CCGPU_CHECK(parsed.has_value());
  if (std::holds_alternative<td::ErrorRsp>(parsed->body)) CCGPU_CHECK(tdi.state() == before);
  return 0;
}
