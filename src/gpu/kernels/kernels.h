// Compute kernels of the emulated GPU: a small registry of kernels that run
// on device threads against protected device memory — enough for a real
// model layer (GEMM + bias + ReLU + softmax) and for integrity checks.
//
// A launch names a kernel and passes arguments: buffers (already resolved by
// the device from handles to spans of protected memory) and scalars. Every
// kernel validates shapes against buffer sizes before touching memory
// (kInvalidArgument naming what does not fit); nothing is trusted because it
// arrived over the sealed channel — a bug in the guest must not become an
// out-of-bounds access on the device.
#ifndef CCGPU_GPU_KERNELS_KERNELS_H_
#define CCGPU_GPU_KERNELS_KERNELS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "channel/worker_pool.h"

namespace ccgpu::gpu {

// One launch argument.
struct KernelArg {
  enum class Kind : uint8_t { kBuffer = 1, kU64 = 2, kF32 = 3 };
  Kind kind = Kind::kU64;
  std::span<uint8_t> buffer;  // kBuffer: device memory (protected)
  uint64_t u64 = 0;           // kU64
  float f32 = 0;              // kF32

  static KernelArg Buffer(std::span<uint8_t> b) { return {Kind::kBuffer, b, 0, 0}; }
  static KernelArg U64(uint64_t v) { return {Kind::kU64, {}, v, 0}; }
  static KernelArg F32(float v) { return {Kind::kF32, {}, 0, v}; }
};

// Everything a kernel may use: its arguments and the device's threads.
struct LaunchContext {
  std::span<const KernelArg> args;
  channel::WorkerPool* pool = nullptr;  // may be null: run on the caller
  std::size_t parallelism = 1;
};

using KernelFn = Status (*)(const LaunchContext&);

struct KernelInfo {
  std::string_view name;
  std::string_view signature;  // human-readable argument list
  KernelFn fn;
};

// The registered kernels:
//   saxpy(u64 n, f32 a, buf x, buf y)            y[i] = a*x[i] + y[i]
//   gemm_f32(u64 m, u64 n, u64 k, buf a, buf b, buf c)   C[m×n] = A[m×k] · B[k×n]
//   bias_relu_f32(u64 rows, u64 cols, buf x, buf bias)   x = max(0, x + bias[col])
//   relu_f32(u64 n, buf x)                        x = max(0, x)
//   softmax_f32(u64 rows, u64 cols, buf x)        row-wise, numerically stable
//   checksum(buf data, buf out8)                  out = FNV-1a 64 of data (LE)
std::span<const KernelInfo> Kernels();
// kNotFound for an unknown name.
Result<const KernelInfo*> FindKernel(std::string_view name);
// Runs kernel `name` with `ctx`.
Status Launch(std::string_view name, const LaunchContext& ctx);

// FNV-1a 64-bit (the checksum kernel's function), for reference checks.
uint64_t Fnv1a64(ByteSpan data);

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_KERNELS_KERNELS_H_
