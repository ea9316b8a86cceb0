// `ccgpu bench transfer --through-device`: the real data path, measured end
// to end — the guest's DeviceChannel (sealing/opening on T threads) talking
// to an in-process emulated GPU's executor (opening into / sealing from
// protected memory on T device threads) through the sealed command channel:
// command record, pipelined sealed chunks, completion record, per copy.
#ifndef CCGPU_TOOLS_CCGPU_BENCH_DEVICE_H_
#define CCGPU_TOOLS_CCGPU_BENCH_DEVICE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"

namespace ccgpu::cli {

struct DeviceBenchRow {
  std::string mode;  // "h2d-device" or "d2h-device"
  std::size_t size = 0;
  std::size_t threads = 0;
  double bytes_per_s = 0;
};

// Provisions a throwaway emulated GPU in a temporary state directory
// (removed afterwards), opens one channel per thread count and measures
// CopyToDevice / CopyFromDevice for every size (each at least min_seconds).
// `step` is called before each measurement (progress display).
Result<std::vector<DeviceBenchRow>> BenchThroughDevice(const std::vector<std::size_t>& sizes,
                                                       const std::vector<std::size_t>& threads,
                                                       uint32_t chunk, uint32_t ring_slots, double min_seconds,
                                                       const std::function<void(const std::string&)>& step);

}  // namespace ccgpu::cli

#endif  // CCGPU_TOOLS_CCGPU_BENCH_DEVICE_H_
