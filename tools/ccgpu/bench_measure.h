// The measuring loop both `ccgpu bench transfer` paths share.
#ifndef CCGPU_TOOLS_CCGPU_BENCH_MEASURE_H_
#define CCGPU_TOOLS_CCGPU_BENCH_MEASURE_H_

#include <chrono>
#include <cstddef>

#include "base/result.h"

namespace ccgpu::cli {

// Runs `once` until min_seconds have passed (at least once); returns bytes/s
// (wall clock). The first error of `once` is returned as it is.
template <typename F>
Result<double> Measure(double min_seconds, std::size_t bytes_per_run, F&& once) {
  using Clock = std::chrono::steady_clock;
  std::size_t runs = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    CCGPU_TRY(once());
    ++runs;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < min_seconds);
  return static_cast<double>(bytes_per_run) * static_cast<double>(runs) / elapsed;
}

}  // namespace ccgpu::cli

#endif  // CCGPU_TOOLS_CCGPU_BENCH_MEASURE_H_
