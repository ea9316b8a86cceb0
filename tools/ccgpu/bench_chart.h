// A self-contained SVG line chart of data-path throughput against transfer
// size, one line per (mode, threads) — the chart docs/PERFORMANCE.md shows.
#ifndef CCGPU_TOOLS_CCGPU_BENCH_CHART_H_
#define CCGPU_TOOLS_CCGPU_BENCH_CHART_H_

#include <cstddef>
#include <string>
#include <vector>

namespace ccgpu::cli {

struct ChartPoint {
  std::string mode;     // "plain-h2d", "h2d", ...
  std::size_t size;     // bytes per transfer
  std::size_t threads;  // T
  double bytes_per_s;
};

// SVG text: x = size (log2 scale), y = GB/s (linear, from 0), a legend, and
// `title` and `subtitle` (e.g. machine and one-core AES rate) on top.
std::string ThroughputSvg(const std::vector<ChartPoint>& points, const std::string& title,
                          const std::string& subtitle);

}  // namespace ccgpu::cli

#endif  // CCGPU_TOOLS_CCGPU_BENCH_CHART_H_
