#include "bench_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

namespace ccgpu::cli {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string SizeLabel(std::size_t n) {
  char buf[32];
  if (n >= (1u << 30)) std::snprintf(buf, sizeof buf, "%zuG", n >> 30);
  else if (n >= (1u << 20)) std::snprintf(buf, sizeof buf, "%zuM", n >> 20);
  else if (n >= 1024) std::snprintf(buf, sizeof buf, "%zuK", n >> 10);
  else std::snprintf(buf, sizeof buf, "%zu", n);
  return buf;
}

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

std::string ThroughputSvg(const std::vector<ChartPoint>& points, const std::string& title,
                          const std::string& subtitle) {
  constexpr double kW = 860, kH = 520, kLeft = 70, kRight = 230, kTop = 70, kBottom = 60;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  std::set<std::size_t> sizes;
  double max_rate = 0;
  std::map<std::pair<std::string, std::size_t>, std::vector<std::pair<std::size_t, double>>> series;
  for (const auto& p : points) {
    sizes.insert(p.size);
    max_rate = std::max(max_rate, p.bytes_per_s / 1e9);
    series[{p.mode, p.threads}].push_back({p.size, p.bytes_per_s / 1e9});
  }
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Fmt("%.0f", kW) + "\" height=\"" +
                    Fmt("%.0f", kH) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + Fmt("%.0f", kLeft) + "\" y=\"28\" font-size=\"16\" font-weight=\"bold\">" + Escape(title) +
         "</text>\n";
  svg += "<text x=\"" + Fmt("%.0f", kLeft) + "\" y=\"48\" fill=\"#555\">" + Escape(subtitle) + "</text>\n";
  if (sizes.empty()) return svg + "</svg>\n";
  const double lo = std::log2(static_cast<double>(*sizes.begin()));
  const double hi = std::max(lo + 1, std::log2(static_cast<double>(*sizes.rbegin())));
  double y_max = std::max(0.5, std::ceil(max_rate * 1.1 * 2) / 2);  // round up to 0.5 GB/s
  auto x_of = [&](std::size_t size) { return kLeft + (std::log2(static_cast<double>(size)) - lo) / (hi - lo) * plot_w; };
  auto y_of = [&](double gbps) { return kTop + plot_h - gbps / y_max * plot_h; };
  // Axes and grid.
  const int y_ticks = 5;
  for (int i = 0; i <= y_ticks; ++i) {
    const double v = y_max * i / y_ticks, y = y_of(v);
    svg += "<line x1=\"" + Fmt("%.1f", kLeft) + "\" x2=\"" + Fmt("%.1f", kLeft + plot_w) + "\" y1=\"" +
           Fmt("%.1f", y) + "\" y2=\"" + Fmt("%.1f", y) + "\" stroke=\"#ddd\"/>\n";
    svg += "<text x=\"" + Fmt("%.1f", kLeft - 8) + "\" y=\"" + Fmt("%.1f", y + 4) + "\" text-anchor=\"end\">" +
           Fmt("%.2f", v) + "</text>\n";
  }
  for (std::size_t s : sizes) {
    const double x = x_of(s);
    svg += "<line x1=\"" + Fmt("%.1f", x) + "\" x2=\"" + Fmt("%.1f", x) + "\" y1=\"" + Fmt("%.1f", kTop) +
           "\" y2=\"" + Fmt("%.1f", kTop + plot_h) + "\" stroke=\"#eee\"/>\n";
    svg += "<text x=\"" + Fmt("%.1f", x) + "\" y=\"" + Fmt("%.1f", kTop + plot_h + 18) +
           "\" text-anchor=\"middle\">" + SizeLabel(s) + "</text>\n";
  }
  svg += "<text x=\"" + Fmt("%.1f", kLeft + plot_w / 2) + "\" y=\"" + Fmt("%.1f", kH - 14) +
         "\" text-anchor=\"middle\">transfer size (log scale)</text>\n";
  svg += "<text transform=\"translate(18," + Fmt("%.1f", kTop + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">GB/s</text>\n";
  // Lines: one colour per mode, dashed for T = 1.
  static const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"};
  std::map<std::string, const char*> colour;
  int legend = 0;
  for (auto& [key, pts] : series) {
    if (!colour.contains(key.first)) colour[key.first] = kColours[colour.size() % std::size(kColours)];
    std::sort(pts.begin(), pts.end());
    std::string path;
    for (const auto& [s, v] : pts) path += (path.empty() ? "M" : " L") + Fmt("%.1f", x_of(s)) + "," + Fmt("%.1f", y_of(v));
    const bool dashed = key.second == 1;
    svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + colour[key.first] + "\" stroke-width=\"2\"" +
           (dashed ? " stroke-dasharray=\"6,4\"" : "") + "/>\n";
    for (const auto& [s, v] : pts) {
      svg += "<circle cx=\"" + Fmt("%.1f", x_of(s)) + "\" cy=\"" + Fmt("%.1f", y_of(v)) + "\" r=\"3\" fill=\"" +
             colour[key.first] + "\"/>\n";
    }
    const double ly = kTop + 10 + 18 * legend++;
    const double lx = kLeft + plot_w + 20;
    svg += "<line x1=\"" + Fmt("%.1f", lx) + "\" x2=\"" + Fmt("%.1f", lx + 26) + "\" y1=\"" + Fmt("%.1f", ly) +
           "\" y2=\"" + Fmt("%.1f", ly) + "\" stroke=\"" + colour[key.first] + "\" stroke-width=\"2\"" +
           (dashed ? " stroke-dasharray=\"6,4\"" : "") + "/>\n";
    svg += "<text x=\"" + Fmt("%.1f", lx + 32) + "\" y=\"" + Fmt("%.1f", ly + 4) + "\">" + Escape(key.first) +
           ", T=" + std::to_string(key.second) + "</text>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace ccgpu::cli
