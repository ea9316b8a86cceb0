#include "demo_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace ccgpu::cli::demo {
namespace {

std::vector<float> Uniform(std::size_t n, float scale, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(n);
  for (float& f : v) f = dist(gen);
  return v;
}

}  // namespace

Weights MakeWeights(const LayerShape& shape, uint64_t seed) {
  Weights w;
  w.shape = shape;
  // Scaled like a trained layer's init (1/sqrt(fan-in)) so the softmax is
  // neither flat nor saturated.
  const float scale = 1.0f / std::sqrt(static_cast<float>(shape.in));
  w.w = Uniform(shape.in * shape.out, scale, seed);
  w.b = Uniform(shape.out, 0.1f, seed + 1);
  return w;
}

std::vector<float> MakeInput(const LayerShape& shape, uint64_t seed) {
  return Uniform(shape.batch * shape.in, 1.0f, seed);
}

Bytes FloatsToBytes(const std::vector<float>& v) {
  Bytes out;
  out.reserve(v.size() * 4);
  for (float f : v) {
    const uint32_t u = std::bit_cast<uint32_t>(f);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(u >> (8 * i)));
  }
  return out;
}

Result<std::vector<float>> BytesToFloats(ByteSpan bytes) {
  if (bytes.size() % 4 != 0) return Fail(Errc::kMalformed, "demo: float buffer size is not a multiple of 4");
  std::vector<float> v(bytes.size() / 4);
  for (std::size_t i = 0; i < v.size(); ++i) {
    uint32_t u = 0;
    for (int k = 0; k < 4; ++k) u |= static_cast<uint32_t>(bytes[i * 4 + static_cast<std::size_t>(k)]) << (8 * k);
    v[i] = std::bit_cast<float>(u);
  }
  return v;
}

Bytes SerializeWeights(const Weights& weights) {
  Bytes out = FloatsToBytes(weights.w);
  const Bytes b = FloatsToBytes(weights.b);
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Result<Weights> ParseWeights(const LayerShape& shape, ByteSpan bytes) {
  const std::size_t w_bytes = shape.in * shape.out * 4;
  if (bytes.size() != w_bytes + shape.out * 4) {
    return Fail(Errc::kMalformed, "demo: model file size does not match the layer shape");
  }
  Weights w;
  w.shape = shape;
  CCGPU_ASSIGN_OR_RETURN(w.w, BytesToFloats(bytes.first(w_bytes)));
  CCGPU_ASSIGN_OR_RETURN(w.b, BytesToFloats(bytes.subspan(w_bytes)));
  return w;
}

std::vector<float> CpuReference(const Weights& weights, const std::vector<float>& x) {
  const LayerShape& s = weights.shape;
  std::vector<float> y(s.batch * s.out);
  std::vector<double> row(s.out);
  for (uint64_t r = 0; r < s.batch; ++r) {
    for (uint64_t c = 0; c < s.out; ++c) {
      double acc = 0;
      for (uint64_t k = 0; k < s.in; ++k) {
        acc += static_cast<double>(x[r * s.in + k]) * static_cast<double>(weights.w[k * s.out + c]);
      }
      row[c] = std::max(0.0, acc + static_cast<double>(weights.b[c]));
    }
    const double peak = *std::max_element(row.begin(), row.end());
    double sum = 0;
    for (double& v : row) sum += (v = std::exp(v - peak));
    for (uint64_t c = 0; c < s.out; ++c) y[r * s.out + c] = static_cast<float>(row[c] / sum);
  }
  return y;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (!(d <= worst)) worst = d;  // NaN propagates as "worst"
  }
  return worst;
}

}  // namespace ccgpu::cli::demo
