#include "gpu/kernels/kernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

namespace ccgpu::gpu {
namespace {

using Kind = KernelArg::Kind;

Status Expect(const LaunchContext& ctx, std::initializer_list<Kind> kinds) {
  if (ctx.args.size() != kinds.size()) {
    return Fail(Errc::kInvalidArgument, "kernel: wrong number of arguments");
  }
  std::size_t i = 0;
  for (Kind k : kinds) {
    if (ctx.args[i++].kind != k) return Fail(Errc::kInvalidArgument, "kernel: argument of wrong kind");
  }
  return OkStatus();
}

// elements × 4 bytes must fit in `buf` (overflow-checked).
Status FitsF32(std::span<uint8_t> buf, uint64_t elements, const char* what) {
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(elements, uint64_t{4}, &bytes) || bytes > buf.size()) {
    return Fail(Errc::kInvalidArgument, what);
  }
  return OkStatus();
}

Result<uint64_t> Product(uint64_t a, uint64_t b) {
  uint64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return Fail(Errc::kInvalidArgument, "kernel: shape overflows");
  return out;
}

// Device memory is bytes; kernels view it as f32 through memcpy-free
// aligned access only when aligned, else they copy. Buffers handed out by the
// device allocator are 256-byte aligned, so the fast path is the norm.
float* AsF32(std::span<uint8_t> buf) {
  CCGPU_CHECK(reinterpret_cast<uintptr_t>(buf.data()) % alignof(float) == 0);  // NOLINT
  return reinterpret_cast<float*>(buf.data());  // NOLINT: device buffer of f32
}

// Splits [0, n) into blocks across the device threads.
template <typename F>
void ParallelRange(const LaunchContext& ctx, uint64_t n, uint64_t grain, F&& body) {
  std::atomic<uint64_t> next{0};
  auto work = [&](std::size_t) {
    for (uint64_t start; (start = next.fetch_add(grain)) < n;) {
      body(start, std::min(n, start + grain));
    }
  };
  if (ctx.pool != nullptr && ctx.parallelism > 1 && n > grain) {
    ctx.pool->RunOnAll(ctx.parallelism, work);
  } else {
    work(0);
  }
}

Status Saxpy(const LaunchContext& ctx) {
  CCGPU_TRY(Expect(ctx, {Kind::kU64, Kind::kF32, Kind::kBuffer, Kind::kBuffer}));
  const uint64_t n = ctx.args[0].u64;
  const float a = ctx.args[1].f32;
  CCGPU_TRY(FitsF32(ctx.args[2].buffer, n, "saxpy: x smaller than n floats"));
  CCGPU_TRY(FitsF32(ctx.args[3].buffer, n, "saxpy: y smaller than n floats"));
  const float* x = AsF32(ctx.args[2].buffer);
  float* y = AsF32(ctx.args[3].buffer);
  ParallelRange(ctx, n, 1 << 16, [&](uint64_t b, uint64_t e) {
    for (uint64_t i = b; i < e; ++i) y[i] = a * x[i] + y[i];
  });
  return OkStatus();
}

Status Gemm(const LaunchContext& ctx) {
  CCGPU_TRY(Expect(ctx, {Kind::kU64, Kind::kU64, Kind::kU64, Kind::kBuffer, Kind::kBuffer, Kind::kBuffer}));
  const uint64_t m = ctx.args[0].u64, n = ctx.args[1].u64, k = ctx.args[2].u64;
  CCGPU_ASSIGN_OR_RETURN(uint64_t mk, Product(m, k));
  CCGPU_ASSIGN_OR_RETURN(uint64_t kn, Product(k, n));
  CCGPU_ASSIGN_OR_RETURN(uint64_t mn, Product(m, n));
  CCGPU_TRY(FitsF32(ctx.args[3].buffer, mk, "gemm_f32: A smaller than m*k floats"));
  CCGPU_TRY(FitsF32(ctx.args[4].buffer, kn, "gemm_f32: B smaller than k*n floats"));
  CCGPU_TRY(FitsF32(ctx.args[5].buffer, mn, "gemm_f32: C smaller than m*n floats"));
  const float* A = AsF32(ctx.args[3].buffer);
  const float* B = AsF32(ctx.args[4].buffer);
  float* C = AsF32(ctx.args[5].buffer);
  // Row blocks across threads; i-k-j loop order streams B and C rows.
  ParallelRange(ctx, m, 8, [&](uint64_t r0, uint64_t r1) {
    for (uint64_t i = r0; i < r1; ++i) {
      float* c = C + i * n;
      std::fill(c, c + n, 0.0f);
      for (uint64_t p = 0; p < k; ++p) {
        const float a = A[i * k + p];
        const float* b = B + p * n;
        for (uint64_t j = 0; j < n; ++j) c[j] += a * b[j];
      }
    }
  });
  return OkStatus();
}

Status BiasRelu(const LaunchContext& ctx) {
  CCGPU_TRY(Expect(ctx, {Kind::kU64, Kind::kU64, Kind::kBuffer, Kind::kBuffer}));
  const uint64_t rows = ctx.args[0].u64, cols = ctx.args[1].u64;
  CCGPU_ASSIGN_OR_RETURN(uint64_t total, Product(rows, cols));
  CCGPU_TRY(FitsF32(ctx.args[2].buffer, total, "bias_relu_f32: x smaller than rows*cols floats"));
  CCGPU_TRY(FitsF32(ctx.args[3].buffer, cols, "bias_relu_f32: bias smaller than cols floats"));
  float* x = AsF32(ctx.args[2].buffer);
  const float* bias = AsF32(ctx.args[3].buffer);
  ParallelRange(ctx, rows, 16, [&](uint64_t r0, uint64_t r1) {
    for (uint64_t r = r0; r < r1; ++r) {
      for (uint64_t c = 0; c < cols; ++c) x[r * cols + c] = std::max(0.0f, x[r * cols + c] + bias[c]);
    }
  });
  return OkStatus();
}

Status Relu(const LaunchContext& ctx) {
  CCGPU_TRY(Expect(ctx, {Kind::kU64, Kind::kBuffer}));
  const uint64_t n = ctx.args[0].u64;
  CCGPU_TRY(FitsF32(ctx.args[1].buffer, n, "relu_f32: x smaller than n floats"));
  float* x = AsF32(ctx.args[1].buffer);
  ParallelRange(ctx, n, 1 << 16, [&](uint64_t b, uint64_t e) {
    for (uint64_t i = b; i < e; ++i) x[i] = std::max(0.0f, x[i]);
  });
  return OkStatus();
}

Status Softmax(const LaunchContext& ctx) {
  CCGPU_TRY(Expect(ctx, {Kind::kU64, Kind::kU64, Kind::kBuffer}));
  const uint64_t rows = ctx.args[0].u64, cols = ctx.args[1].u64;
  if (cols == 0) return Fail(Errc::kInvalidArgument, "softmax_f32: cols must be > 0");
  CCGPU_ASSIGN_OR_RETURN(uint64_t total, Product(rows, cols));
  CCGPU_TRY(FitsF32(ctx.args[2].buffer, total, "softmax_f32: x smaller than rows*cols floats"));
  float* x = AsF32(ctx.args[2].buffer);
  ParallelRange(ctx, rows, 16, [&](uint64_t r0, uint64_t r1) {
    for (uint64_t r = r0; r < r1; ++r) {
      float* row = x + r * cols;
      const float mx = *std::max_element(row, row + cols);
      double sum = 0;
      for (uint64_t c = 0; c < cols; ++c) {
        row[c] = std::exp(row[c] - mx);
        sum += row[c];
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (uint64_t c = 0; c < cols; ++c) row[c] *= inv;
    }
  });
  return OkStatus();
}

Status Checksum(const LaunchContext& ctx) {
  CCGPU_TRY(Expect(ctx, {Kind::kBuffer, Kind::kBuffer}));
  if (ctx.args[1].buffer.size() < 8) return Fail(Errc::kInvalidArgument, "checksum: out smaller than 8 bytes");
  const uint64_t h = Fnv1a64(ctx.args[0].buffer);
  for (int i = 0; i < 8; ++i) ctx.args[1].buffer[static_cast<std::size_t>(i)] = static_cast<uint8_t>(h >> (8 * i));
  return OkStatus();
}

constexpr KernelInfo kKernels[] = {
    {"saxpy", "u64 n, f32 a, buf x, buf y", Saxpy},
    {"gemm_f32", "u64 m, u64 n, u64 k, buf a, buf b, buf c", Gemm},
    {"bias_relu_f32", "u64 rows, u64 cols, buf x, buf bias", BiasRelu},
    {"relu_f32", "u64 n, buf x", Relu},
    {"softmax_f32", "u64 rows, u64 cols, buf x", Softmax},
    {"checksum", "buf data, buf out8", Checksum},
};

}  // namespace

uint64_t Fnv1a64(ByteSpan data) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint8_t b : data) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::span<const KernelInfo> Kernels() { return kKernels; }

Result<const KernelInfo*> FindKernel(std::string_view name) {
  for (const KernelInfo& k : kKernels) {
    if (k.name == name) return &k;
  }
  return Fail(Errc::kNotFound, "kernel: no kernel of that name");
}

Status Launch(std::string_view name, const LaunchContext& ctx) {
  CCGPU_ASSIGN_OR_RETURN(const KernelInfo* k, FindKernel(name));
  return k->fn(ctx);
}

}  // namespace ccgpu::gpu
