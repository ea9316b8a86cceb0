#include <gtest/gtest.h>

#include <type_traits>

#include "base/secret.h"

namespace ccgpu {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(!std::is_copy_constructible_v<SecretArray<32>>);

TEST(SecretBytesTest, CopyOfHoldsBytes) {
  const uint8_t raw[] = {1, 2, 3};
  SecretBytes s = SecretBytes::CopyOf(raw);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s.reveal()[2], 3);
}

TEST(SecretBytesTest, MoveLeavesSourceEmpty) {
  const uint8_t raw[] = {9, 9};
  SecretBytes a = SecretBytes::CopyOf(raw);
  SecretBytes b = std::move(a);
  EXPECT_EQ(a.size(), 0u);  // NOLINT: testing moved-from state
  EXPECT_EQ(b.size(), 2u);
}

TEST(SecretBytesTest, ClearWipesAndEmpties) {
  SecretBytes s(8);
  s.reveal_mutable()[0] = 0xaa;
  s.Clear();
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.reveal().empty());
}

TEST(SecretBytesTest, CloneIsDeep) {
  const uint8_t raw[] = {5};
  SecretBytes a = SecretBytes::CopyOf(raw);
  SecretBytes b = a.Clone();
  b.reveal_mutable()[0] = 6;
  EXPECT_EQ(a.reveal()[0], 5);
}

TEST(SecureWipeTest, ZeroesMemory) {
  uint8_t buf[16];
  for (auto& b : buf) b = 0x5a;
  SecureWipe(buf, sizeof buf);
  for (auto b : buf) EXPECT_EQ(b, 0);
}

TEST(SecretArrayTest, MoveWipesSource) {
  SecretArray<4> a;
  a.reveal_mutable()[0] = 7;
  SecretArray<4> b = std::move(a);
  EXPECT_EQ(b.reveal()[0], 7);
  EXPECT_EQ(a.reveal()[0], 0);  // NOLINT: moved-from is wiped
}

}  // namespace
}  // namespace ccgpu
