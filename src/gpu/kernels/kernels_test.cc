#include <cmath>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "gpu/kernels/kernels.h"

namespace ccgpu::gpu {
namespace {

// Device-like buffer: f32 storage viewed as bytes.
struct Buf {
  std::vector<float> f;
  explicit Buf(std::size_t n, float v = 0) : f(n, v) {}
  std::span<uint8_t> bytes() {
    return {reinterpret_cast<uint8_t*>(f.data()), f.size() * 4};  // NOLINT: test view
  }
};

std::vector<float> Random(std::size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(KernelsTest, RegistryListsAllAndRejectsUnknown) {
  for (const char* name : {"saxpy", "gemm_f32", "bias_relu_f32", "relu_f32", "softmax_f32", "checksum"}) {
    EXPECT_TRUE(FindKernel(name)) << name;
  }
  EXPECT_EQ(FindKernel("rm -rf").error().code, Errc::kNotFound);
  EXPECT_EQ(Kernels().size(), 6u);
}

TEST(KernelsTest, SaxpyMatchesReference) {
  Buf x(1000), y(1000);
  x.f = Random(1000, 1);
  y.f = Random(1000, 2);
  const auto y0 = y.f;
  const KernelArg args[] = {KernelArg::U64(1000), KernelArg::F32(2.5f), KernelArg::Buffer(x.bytes()),
                            KernelArg::Buffer(y.bytes())};
  ASSERT_TRUE(Launch("saxpy", {args, nullptr, 1}));
  for (int i = 0; i < 1000; ++i) EXPECT_FLOAT_EQ(y.f[i], 2.5f * x.f[i] + y0[i]);
}

TEST(KernelsTest, GemmMatchesReferenceMultithreaded) {
  const uint64_t m = 33, n = 17, k = 29;
  Buf a(m * k), b(k * n), c(m * n, 99);
  a.f = Random(m * k, 3);
  b.f = Random(k * n, 4);
  channel::WorkerPool pool(2);
  const KernelArg args[] = {KernelArg::U64(m), KernelArg::U64(n), KernelArg::U64(k),
                            KernelArg::Buffer(a.bytes()), KernelArg::Buffer(b.bytes()),
                            KernelArg::Buffer(c.bytes())};
  ASSERT_TRUE(Launch("gemm_f32", {args, &pool, 3}));
  for (uint64_t i = 0; i < m; ++i) {
    for (uint64_t j = 0; j < n; ++j) {
      double ref = 0;
      for (uint64_t p = 0; p < k; ++p) ref += double{a.f[i * k + p]} * b.f[p * n + j];
      EXPECT_NEAR(c.f[i * n + j], ref, 1e-4) << i << "," << j;
    }
  }
}

TEST(KernelsTest, BiasReluReluSoftmax) {
  Buf x(6), bias(3);
  x.f = {-1, 0.5f, 2, 3, -4, 0};
  bias.f = {0.5f, 0.5f, -1};
  const KernelArg br[] = {KernelArg::U64(2), KernelArg::U64(3), KernelArg::Buffer(x.bytes()),
                          KernelArg::Buffer(bias.bytes())};
  ASSERT_TRUE(Launch("bias_relu_f32", {br, nullptr, 1}));
  EXPECT_EQ(x.f, (std::vector<float>{0, 1, 1, 3.5f, 0, 0}));
  Buf r(3);
  r.f = {-1, 2, -0.0f};
  const KernelArg ra[] = {KernelArg::U64(3), KernelArg::Buffer(r.bytes())};
  ASSERT_TRUE(Launch("relu_f32", {ra, nullptr, 1}));
  EXPECT_EQ(r.f, (std::vector<float>{0, 2, 0}));
  Buf s(4);
  s.f = {1000, 1000, 0, std::log(3.0f)};  // large values: must not overflow
  const KernelArg sa[] = {KernelArg::U64(2), KernelArg::U64(2), KernelArg::Buffer(s.bytes())};
  ASSERT_TRUE(Launch("softmax_f32", {sa, nullptr, 1}));
  EXPECT_FLOAT_EQ(s.f[0], 0.5f);
  EXPECT_FLOAT_EQ(s.f[1], 0.5f);
  EXPECT_NEAR(s.f[2], 0.25f, 1e-6);
  EXPECT_NEAR(s.f[3], 0.75f, 1e-6);
}

TEST(KernelsTest, ChecksumIsFnv1a64) {
  EXPECT_EQ(Fnv1a64({}), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64(AsBytes("a")), 0xaf63dc4c8601ec8cULL);  // published FNV-1a test value
  Bytes data = {'a'};
  Bytes out(8);
  const KernelArg args[] = {KernelArg::Buffer(data), KernelArg::Buffer(out)};
  ASSERT_TRUE(Launch("checksum", {args, nullptr, 1}));
  uint64_t h = 0;
  std::memcpy(&h, out.data(), 8);
  EXPECT_EQ(h, 0xaf63dc4c8601ec8cULL);
}

TEST(KernelsTest, ShapesThatDoNotFitAreRefused) {
  Buf x(10), y(10);
  const KernelArg too_long[] = {KernelArg::U64(11), KernelArg::F32(1), KernelArg::Buffer(x.bytes()),
                                KernelArg::Buffer(y.bytes())};
  EXPECT_EQ(Launch("saxpy", {too_long, nullptr, 1}).error().code, Errc::kInvalidArgument);
  const KernelArg overflow[] = {KernelArg::U64(1ULL << 62), KernelArg::U64(1ULL << 62), KernelArg::U64(2),
                                KernelArg::Buffer(x.bytes()), KernelArg::Buffer(x.bytes()),
                                KernelArg::Buffer(y.bytes())};
  EXPECT_EQ(Launch("gemm_f32", {overflow, nullptr, 1}).error().code, Errc::kInvalidArgument);
  const KernelArg wrong_kind[] = {KernelArg::Buffer(x.bytes()), KernelArg::U64(1)};
  EXPECT_EQ(Launch("relu_f32", {wrong_kind, nullptr, 1}).error().code, Errc::kInvalidArgument);
  const KernelArg too_few[] = {KernelArg::U64(1)};
  EXPECT_EQ(Launch("relu_f32", {too_few, nullptr, 1}).error().code, Errc::kInvalidArgument);
  const KernelArg zero_cols[] = {KernelArg::U64(1), KernelArg::U64(0), KernelArg::Buffer(x.bytes())};
  EXPECT_EQ(Launch("softmax_f32", {zero_cols, nullptr, 1}).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::gpu
