// Test support for the runtime tests: pseudo-random bytes (splitmix64), fast
// enough for 64 MiB in a debug build. Header-only; tests only.
#ifndef CCGPU_RUNTIME_TEST_PATTERN_H_
#define CCGPU_RUNTIME_TEST_PATTERN_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/bytes.h"

namespace ccgpu::runtime::testing_support {

inline Bytes Pattern(std::size_t n, uint64_t seed) {
  Bytes b(n);
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (std::size_t i = 0; i < n; i += 8) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    std::memcpy(b.data() + i, &z, std::min<std::size_t>(8, n - i));
  }
  return b;
}

}  // namespace ccgpu::runtime::testing_support

#endif  // CCGPU_RUNTIME_TEST_PATTERN_H_
