#include <cstring>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "channel/record.h"
#include "channel/shm.h"

namespace ccgpu::channel {
namespace {

const Bytes kEms(48, 0x21);
constexpr StreamId kCmd{3, Direction::kCommand, 0};

SlotRing::Deadline Soon() { return std::chrono::steady_clock::now() + std::chrono::milliseconds(500); }

struct Rig {
  SharedRegion region;
  SlotRing ring;
  RecordSender sender;
  RecordReceiver receiver;
};

Rig MakeRig() {
  auto region = SharedRegion::CreateAnonymous(SlotRing::RequiredSize(8, 256), "cmd");
  CCGPU_CHECK(region);
  auto ring = SlotRing::Format(region->bytes(), 8, 256);
  auto s = RecordSender::Create(kEms, kCmd);
  auto r = RecordReceiver::Create(kEms, kCmd);
  CCGPU_CHECK(ring && s && r);
  return Rig{std::move(*region), *ring, std::move(*s), std::move(*r)};
}

std::string Str(const SecretBytes& b) { return std::string(b.reveal().begin(), b.reveal().end()); }

TEST(RecordTest, InOrderRecordsOpen) {
  Rig rig = MakeRig();
  for (int i = 0; i < 20; ++i) {
    const std::string msg = "command " + std::to_string(i);
    ASSERT_TRUE(rig.sender.Send(rig.ring, AsBytes(msg), Soon()));
    auto got = rig.receiver.Receive(rig.ring, Soon());
    ASSERT_TRUE(got);
    EXPECT_EQ(Str(*got), msg);
  }
  EXPECT_EQ(rig.receiver.next_sequence(), 20u);
}

TEST(RecordTest, NoPlaintextInSlot) {
  Rig rig = MakeRig();
  const std::string secret = "launch gemm with secret weights!";
  ASSERT_TRUE(rig.sender.Send(rig.ring, AsBytes(secret), Soon()));
  const auto bytes = rig.region.bytes();
  const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());  // NOLINT
  EXPECT_EQ(view.find("secret weights"), std::string_view::npos);
}

TEST(RecordTest, EveryBitFlipIsRejected) {
  Rig rig = MakeRig();
  ASSERT_TRUE(rig.sender.Send(rig.ring, AsBytes("alloc 4096"), Soon()));
  // Snapshot the genuine slot; try each single-bit change in a fresh receiver.
  auto slot = rig.ring.AcquireRead(0, Soon());
  ASSERT_TRUE(slot);
  const Bytes genuine(slot->begin(), slot->end());
  for (std::size_t bit = 0; bit < genuine.size() * 8; ++bit) {
    Rig fresh = MakeRig();
    auto w = fresh.ring.AcquireWrite(0, Soon());
    ASSERT_TRUE(w);
    std::memcpy(w->data(), genuine.data(), genuine.size());
    (*w)[bit / 8] = static_cast<uint8_t>((*w)[bit / 8] ^ (1u << (bit % 8)));
    ASSERT_TRUE(fresh.ring.PublishWrite(0, static_cast<uint32_t>(genuine.size())));
    auto got = fresh.receiver.Receive(fresh.ring, Soon());
    ASSERT_FALSE(got) << "bit " << bit;
    EXPECT_TRUE(got.error().code == Errc::kAuthFailed || got.error().code == Errc::kReplay) << bit;
  }
}

TEST(RecordTest, ReplayedAndReorderedRecordsAreRejected) {
  // The host copies record 0 into slot 1 (replay).
  {
    Rig rig = MakeRig();
    ASSERT_TRUE(rig.sender.Send(rig.ring, AsBytes("first"), Soon()));
    ASSERT_TRUE(rig.sender.Send(rig.ring, AsBytes("second"), Soon()));
    auto s0 = rig.ring.AcquireRead(0, Soon());
    auto w1 = rig.ring.AcquireRead(1, Soon());
    ASSERT_TRUE(s0 && w1);
    std::memcpy(const_cast<uint8_t*>(w1->data()), s0->data(), s0->size());  // NOLINT: host
    ASSERT_TRUE(rig.receiver.Receive(rig.ring, Soon()));
    auto got = rig.receiver.Receive(rig.ring, Soon());
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, Errc::kReplay);
  }
  // The host swaps records 0 and 1 (reorder), rewriting sequence fields too.
  {
    Rig rig = MakeRig();
    ASSERT_TRUE(rig.sender.Send(rig.ring, AsBytes("AAAA"), Soon()));
    ASSERT_TRUE(rig.sender.Send(rig.ring, AsBytes("BBBB"), Soon()));
    auto s0 = rig.ring.AcquireRead(0, Soon());
    auto s1 = rig.ring.AcquireRead(1, Soon());
    Bytes a(s0->begin(), s0->end()), b(s1->begin(), s1->end());
    std::swap(a[0], b[0]);  // sequence fields keep their slots' numbers
    std::memcpy(const_cast<uint8_t*>(s0->data()), b.data(), b.size());  // NOLINT: host
    std::memcpy(const_cast<uint8_t*>(s1->data()), a.data(), a.size());  // NOLINT: host
    auto got = rig.receiver.Receive(rig.ring, Soon());
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, Errc::kAuthFailed);
    // Channel is out of step from now on: the next record is refused too.
    EXPECT_FALSE(rig.receiver.Receive(rig.ring, Soon()));
  }
}

TEST(RecordTest, WrongChannelOrDirectionCannotOpen) {
  Rig rig = MakeRig();
  ASSERT_TRUE(rig.sender.Send(rig.ring, AsBytes("x"), Soon()));
  auto other = RecordReceiver::Create(kEms, {3, Direction::kCompletion, 0});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->Receive(rig.ring, Soon()).error().code, Errc::kAuthFailed);
}

TEST(RecordTest, OversizeRecordRefusedAndNothingArrivesTimesOut) {
  Rig rig = MakeRig();
  Bytes big(256);
  EXPECT_EQ(rig.sender.Send(rig.ring, big, Soon()).error().code, Errc::kOutOfRange);
  EXPECT_EQ(rig.receiver.Receive(rig.ring, std::chrono::steady_clock::now()).error().code, Errc::kTimeout);
}

}  // namespace
}  // namespace ccgpu::channel
