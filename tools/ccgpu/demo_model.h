// The demo's confidential workload: one dense layer of a classifier,
// y = softmax(relu(x · W + b)), with weights that rest encrypted on disk and
// a CPU reference to check the GPU's answer against.
#ifndef CCGPU_TOOLS_CCGPU_DEMO_MODEL_H_
#define CCGPU_TOOLS_CCGPU_DEMO_MODEL_H_

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::cli::demo {

struct LayerShape {
  uint64_t batch = 64;   // rows of x
  uint64_t in = 512;     // features in
  uint64_t out = 256;    // classes out
};

// Model weights: W (in × out, row-major) then b (out), float32.
struct Weights {
  LayerShape shape;
  std::vector<float> w, b;
};

// Deterministic pseudo-random weights and inputs (a fixed-seed generator:
// the demo is reproducible run to run).
Weights MakeWeights(const LayerShape& shape, uint64_t seed);
std::vector<float> MakeInput(const LayerShape& shape, uint64_t seed);

// W || b as little-endian float32 bytes (the sealed model file's content),
// and back (kMalformed if the size does not match the shape).
Bytes SerializeWeights(const Weights& weights);
Result<Weights> ParseWeights(const LayerShape& shape, ByteSpan bytes);

// Little-endian float32 bytes of a vector and back (kMalformed for a size
// that is not a multiple of 4).
Bytes FloatsToBytes(const std::vector<float>& v);
Result<std::vector<float>> BytesToFloats(ByteSpan bytes);

// softmax(relu(x · W + b)) row by row, in double precision.
std::vector<float> CpuReference(const Weights& weights, const std::vector<float>& x);

// Largest |a[i] - b[i]| (infinity for different sizes).
double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace ccgpu::cli::demo

#endif  // CCGPU_TOOLS_CCGPU_DEMO_MODEL_H_
