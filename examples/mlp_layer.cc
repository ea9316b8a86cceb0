// One confidential MLP layer on emulated confidential GPUs, through the
// public runtime API (ccgpu::Context):
//
//   Y = softmax(relu(X · W + b))     X: batch × in, W: in × out, b: out
//
// The program makes its own emulated "data centre" (a state directory with
// two provisioned GPUs and their signed RIMs, as `ccgpu gpud` / `ccgpu rim
// make` would), attaches both GPUs (attestation verified against the RIMs,
// SPDM session bound to the evidence, secure channel, ready), uploads the
// weights and inputs through the encrypted path, runs GEMM + bias/ReLU +
// softmax on GPU 0 on a stream, moves the result GPU 0 → GPU 1 over the
// encrypted peer link, reads it back from GPU 1 and compares it with a CPU
// reference. Exit 0 only if every step passed and the results match.
//
// Usage: mlp_layer [--keep DIR]   (DIR: use/keep this state directory)
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "attest/claims.h"
#include "gpu/provision.h"
#include "gpu/rim_maker.h"
#include "runtime/context.h"

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kBatch = 16, kIn = 128, kOut = 64;

int Fail(const char* what, const ccgpu::Error& e) {
  std::fprintf(stderr, "mlp_layer: %s: %s\n", what, e.ToString().c_str());
  return 1;
}

// Host floats <-> the bytes the device sees (little-endian IEEE-754).
ccgpu::Bytes ToBytes(const std::vector<float>& v) {
  ccgpu::Bytes out(v.size() * sizeof(float));
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}
std::vector<float> ToFloats(const ccgpu::Bytes& b) {
  std::vector<float> out(b.size() / sizeof(float));
  std::memcpy(out.data(), b.data(), out.size() * sizeof(float));
  return out;
}

// CPU reference: Y = softmax(relu(X·W + b)), row-wise softmax.
std::vector<float> Reference(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b) {
  std::vector<float> y(kBatch * kOut, 0.0f);
  for (uint64_t i = 0; i < kBatch; ++i) {
    for (uint64_t j = 0; j < kOut; ++j) {
      float acc = 0.0f;
      for (uint64_t k = 0; k < kIn; ++k) acc += x[i * kIn + k] * w[k * kOut + j];
      y[i * kOut + j] = std::max(0.0f, acc + b[j]);
    }
    float mx = y[i * kOut];
    for (uint64_t j = 1; j < kOut; ++j) mx = std::max(mx, y[i * kOut + j]);
    float sum = 0.0f;
    for (uint64_t j = 0; j < kOut; ++j) sum += (y[i * kOut + j] = std::exp(y[i * kOut + j] - mx));
    for (uint64_t j = 0; j < kOut; ++j) y[i * kOut + j] /= sum;
  }
  return y;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path state = fs::temp_directory_path() / ("ccgpu_example_" + std::to_string(::getpid()));
  bool keep = false;
  if (argc == 3 && std::strcmp(argv[1], "--keep") == 0) {
    state = argv[2];
    keep = true;
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: mlp_layer [--keep DIR]\n");
    return 2;
  }
  struct Cleanup {
    fs::path dir;
    bool keep;
    ~Cleanup() {
      std::error_code ec;
      if (!keep) fs::remove_all(dir, ec);
    }
  } cleanup{state, keep};

  // ---- The emulated data centre: two GPUs and their reference values.
  const fs::path rims = state / "rims";
  if (!fs::exists(state / "gpud.json")) {
    ccgpu::gpu::ProvisionOptions po;
    po.gpus = 2;
    po.now = ccgpu::SystemClock::Get().Now();
    po.base.protected_memory_bytes = 16u << 20;
    if (auto st = ccgpu::gpu::Provision(state, po); !st) return Fail("provision", st.error());
    for (unsigned i = 0; i < 2; ++i) {
      if (auto r = ccgpu::gpu::MakeRims(state, i, rims); !r) return Fail("rim make", r.error());
    }
  }
  std::printf("emulated GPUs provisioned in %s (NOT FOR PRODUCTION)\n", state.c_str());

  // ---- Attach both GPUs: attestation, verification, session, channel.
  auto trust = ccgpu::EmulatedTrust(state.string(), rims.string());
  if (!trust) return Fail("trust", trust.error());
  ccgpu::ContextOptions options;
  options.trust = std::move(*trust);
  auto ctx = ccgpu::Context::Create(std::move(options));
  if (!ctx) return Fail("context", ctx.error());
  ccgpu::Context& c = **ctx;
  ccgpu::DeviceId gpu[2];
  for (unsigned i = 0; i < 2; ++i) {
    auto id = c.Attach(ccgpu::DeviceSpec::InProcess(state, i));
    if (!id) {
      const auto& f = c.last_attach_failure();
      std::fprintf(stderr, "mlp_layer: attach GPU %u failed at step '%s': %s\n", i,
                   f ? std::string(ccgpu::AttachStepName(*f->failed_step)).c_str() : "?",
                   f ? f->why.c_str() : id.error().ToString().c_str());
      return 1;
    }
    gpu[i] = *id;
    auto rep = c.Report(*id);
    const auto& claims = rep->attestation->claims();
    std::printf("GPU %u attached: measres=%s secboot=%s dbgstat=%s emulated=%s session=0x%08x\n", i,
                claims.value("measres", "?").c_str(), claims.value("secboot", false) ? "true" : "false",
                claims.value("dbgstat", "?").c_str(), claims.value(ccgpu::attest::kEmulatedClaim, false) ? "yes" : "no",
                rep->session_id);
  }

  // ---- Data (deterministic), CPU reference.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(kBatch * kIn), w(kIn * kOut), b(kOut);
  for (auto& v : x) v = dist(rng);
  for (auto& v : w) v = dist(rng) * 0.2f;
  for (auto& v : b) v = dist(rng) * 0.1f;
  const std::vector<float> expect = Reference(x, w, b);

  // ---- Device buffers (freed when they go out of scope).
  auto dx = c.Alloc(gpu[0], x.size() * sizeof(float));
  auto dw = c.Alloc(gpu[0], w.size() * sizeof(float));
  auto db = c.Alloc(gpu[0], b.size() * sizeof(float));
  auto dy = c.Alloc(gpu[0], expect.size() * sizeof(float));
  auto dy1 = c.Alloc(gpu[1], expect.size() * sizeof(float));
  for (auto* r : {&dx, &dw, &db, &dy, &dy1}) {
    if (!*r) return Fail("alloc", r->error());
  }

  // ---- The layer, on one stream: uploads, three kernels, download.
  ccgpu::Stream& s = c.CreateStream();
  const ccgpu::Bytes bx = ToBytes(x), bw = ToBytes(w), bb = ToBytes(b);  // live until Synchronize
  ccgpu::Bytes y0_bytes(expect.size() * sizeof(float));
  (void)c.CopyToDeviceAsync(s, *dx, bx);
  (void)c.CopyToDeviceAsync(s, *dw, bw);
  (void)c.CopyToDeviceAsync(s, *db, bb);
  using ccgpu::KernelArg;
  (void)c.LaunchAsync(s, gpu[0], "gemm_f32",
                      {KernelArg::U64(kBatch), KernelArg::U64(kOut), KernelArg::U64(kIn), KernelArg::Buffer(*dx),
                       KernelArg::Buffer(*dw), KernelArg::Buffer(*dy)});
  (void)c.LaunchAsync(s, gpu[0], "bias_relu_f32",
                      {KernelArg::U64(kBatch), KernelArg::U64(kOut), KernelArg::Buffer(*dy), KernelArg::Buffer(*db)});
  (void)c.LaunchAsync(s, gpu[0], "softmax_f32", {KernelArg::U64(kBatch), KernelArg::U64(kOut), KernelArg::Buffer(*dy)});
  auto done = c.CopyFromDeviceAsync(s, *dy, y0_bytes);
  if (auto st = c.Synchronize(); !st) return Fail("layer on GPU 0", st.error());
  if (auto st = done.get(); !st) return Fail("download from GPU 0", st.error());
  const std::vector<float> y0 = ToFloats(y0_bytes);

  // ---- GPU 0 -> GPU 1 over the encrypted peer link, then back to the host.
  ccgpu::Bytes y1_bytes(expect.size() * sizeof(float));
  if (auto st = c.PeerCopy(*dy1, *dy); !st) return Fail("peer copy GPU 0 -> GPU 1", st.error());
  if (auto st = c.CopyFromDevice(*dy1, y1_bytes); !st) return Fail("download from GPU 1", st.error());

  // ---- Compare with the CPU reference.
  double max_err = 0.0;
  for (std::size_t i = 0; i < expect.size(); ++i) {
    max_err = std::max(max_err, static_cast<double>(std::fabs(y0[i] - expect[i])));
  }
  const bool peer_exact = y0_bytes == y1_bytes;
  std::printf("layer %llux%llu -> %llu: max |GPU - CPU| = %.3g; peer copy bit-exact: %s\n",
              static_cast<unsigned long long>(kBatch), static_cast<unsigned long long>(kIn),
              static_cast<unsigned long long>(kOut), max_err, peer_exact ? "yes" : "NO");
  if (max_err > 1e-5 || !peer_exact) {
    std::fprintf(stderr, "mlp_layer: results differ from the CPU reference\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
