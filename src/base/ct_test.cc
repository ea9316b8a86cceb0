#include <gtest/gtest.h>

#include <vector>

#include "base/ct.h"

namespace ccgpu {
namespace {

TEST(CtEqualTest, EqualAndUnequal) {
  std::vector<uint8_t> a(48, 0x11), b(48, 0x11);
  EXPECT_TRUE(CtEqual(a, b));
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto c = b;
      c[i] = static_cast<uint8_t>(c[i] ^ (1 << bit));
      EXPECT_FALSE(CtEqual(a, c)) << i << ":" << bit;
    }
  }
}

TEST(CtEqualTest, DifferentLengthsAreUnequal) {
  std::vector<uint8_t> a(4), b(5);
  EXPECT_FALSE(CtEqual(a, b));
  EXPECT_TRUE(CtEqual({}, {}));
}

}  // namespace
}  // namespace ccgpu
