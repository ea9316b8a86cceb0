#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "channel/host_relay.h"
#include "channel/ring.h"
#include "channel/shm.h"
#include "channel/spin.h"
#include "channel/worker_pool.h"

namespace ccgpu::channel {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(SharedRegionTest, AnonymousIsZeroedAndWritable) {
  auto r = SharedRegion::CreateAnonymous(4096, "test");
  ASSERT_TRUE(r);
  for (uint8_t b : r->bytes()) ASSERT_EQ(b, 0);
  r->bytes()[10] = 7;
  EXPECT_EQ(r->bytes()[10], 7);
  EXPECT_EQ(SharedRegion::CreateAnonymous(0, "x").error().code, Errc::kInvalidArgument);
}

TEST(SharedRegionTest, NamedRegionIsSharedBetweenMappingsAndUnlinked) {
  const std::string name = "/ccgpu-test-" + std::to_string(getpid());
  {
    auto a = SharedRegion::CreateNamed(name, 8192);
    ASSERT_TRUE(a);
    EXPECT_EQ(SharedRegion::CreateNamed(name, 8192).error().code, Errc::kBusy);
    auto b = SharedRegion::OpenNamed(name);
    ASSERT_TRUE(b);
    a->bytes()[100] = 0x5a;
    EXPECT_EQ(b->bytes()[100], 0x5a);
    EXPECT_EQ(b->size(), 8192u);
  }
  EXPECT_EQ(SharedRegion::OpenNamed(name).error().code, Errc::kNotFound);
  EXPECT_EQ(SharedRegion::CreateNamed("bad", 10).error().code, Errc::kInvalidArgument);
}

TEST(SlotRingTest, RejectsBadGeometry) {
  auto r = SharedRegion::CreateAnonymous(1 << 16, "ring");
  ASSERT_TRUE(r);
  EXPECT_FALSE(SlotRing::Format(r->bytes(), 3, 64));
  EXPECT_FALSE(SlotRing::Format(r->bytes(), 4, 0));
  EXPECT_FALSE(SlotRing::Format(r->bytes(), 1024, 4096));  // does not fit
  ASSERT_TRUE(SlotRing::Format(r->bytes(), 4, 64));
  EXPECT_EQ(SlotRing::Attach(r->bytes(), 8, 64).error().code, Errc::kMalformed);
  EXPECT_TRUE(SlotRing::Attach(r->bytes(), 4, 64));
}

TEST(SlotRingTest, InOrderHandoffAcrossLaps) {
  auto r = SharedRegion::CreateAnonymous(SlotRing::RequiredSize(4, 32), "ring");
  auto ring = SlotRing::Format(r->bytes(), 4, 32);
  ASSERT_TRUE(ring);
  const auto deadline = Clock::now() + milliseconds(2000);
  for (uint64_t t = 0; t < 20; ++t) {
    auto w = ring->AcquireWrite(t, deadline);
    ASSERT_TRUE(w);
    (*w)[0] = static_cast<uint8_t>(t);
    ASSERT_TRUE(ring->PublishWrite(t, 1));
    auto rd = ring->AcquireRead(t, deadline);
    ASSERT_TRUE(rd);
    ASSERT_EQ(rd->size(), 1u);
    EXPECT_EQ((*rd)[0], t);
    ring->ReleaseRead(t);
  }
}

TEST(SlotRingTest, FullRingTimesOutForProducerEmptyForConsumer) {
  auto r = SharedRegion::CreateAnonymous(SlotRing::RequiredSize(2, 16), "ring");
  auto ring = SlotRing::Format(r->bytes(), 2, 16);
  ASSERT_TRUE(ring);
  const auto soon = Clock::now() + milliseconds(50);
  EXPECT_EQ(ring->AcquireRead(0, soon).error().code, Errc::kTimeout);
  ASSERT_TRUE(ring->PublishWrite(0, 0));
  ASSERT_TRUE(ring->PublishWrite(1, 0));
  EXPECT_EQ(ring->AcquireWrite(2, Clock::now() + milliseconds(50)).error().code,
            Errc::kTimeout);
  EXPECT_EQ(ring->PublishWrite(3, 17).error().code, Errc::kOutOfRange);
}

TEST(SlotRingTest, TamperedLengthIsRejected) {
  auto r = SharedRegion::CreateAnonymous(SlotRing::RequiredSize(2, 16), "ring");
  auto ring = SlotRing::Format(r->bytes(), 2, 16);
  ASSERT_TRUE(ring->PublishWrite(0, 4));
  // The host rewrites the length word of slot 0 (offset 64 header + 8).
  const uint32_t evil = 1000;
  std::memcpy(r->bytes().data() + 64 + 8, &evil, 4);
  EXPECT_EQ(ring->AcquireRead(0, Clock::now() + milliseconds(50)).error().code,
            Errc::kMalformed);
}

TEST(SlotRingTest, CrossProcessProducerConsumer) {
  constexpr uint32_t kSlots = 8, kPayload = 256;
  constexpr uint64_t kItems = 2000;
  auto r = SharedRegion::CreateAnonymous(SlotRing::RequiredSize(kSlots, kPayload), "ring");
  ASSERT_TRUE(r);
  ASSERT_TRUE(SlotRing::Format(r->bytes(), kSlots, kPayload));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto ring = SlotRing::Attach(r->bytes(), kSlots, kPayload);
    if (!ring) _exit(2);
    for (uint64_t t = 0; t < kItems; ++t) {
      auto w = ring->AcquireWrite(t, Clock::now() + milliseconds(5000));
      if (!w) _exit(3);
      std::memset(w->data(), static_cast<int>(t & 0xff), kPayload);
      if (!ring->PublishWrite(t, static_cast<uint32_t>(t % kPayload))) _exit(4);
    }
    _exit(0);
  }
  auto ring = SlotRing::Attach(r->bytes(), kSlots, kPayload);
  ASSERT_TRUE(ring);
  for (uint64_t t = 0; t < kItems; ++t) {
    auto rd = ring->AcquireRead(t, Clock::now() + milliseconds(5000));
    ASSERT_TRUE(rd) << t;
    ASSERT_EQ(rd->size(), t % kPayload);
    for (uint8_t b : *rd) ASSERT_EQ(b, t & 0xff);
    ring->ReleaseRead(t);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(SlotRingTest, ManyProducersOneConsumerInTicketOrder) {
  constexpr uint32_t kSlots = 16, kPayload = 8;
  constexpr uint64_t kItems = 5000;
  auto r = SharedRegion::CreateAnonymous(SlotRing::RequiredSize(kSlots, kPayload), "ring");
  auto ring = SlotRing::Format(r->bytes(), kSlots, kPayload);
  ASSERT_TRUE(ring);
  std::atomic<uint64_t> next{0};
  WorkerPool pool(2);
  std::thread consumer([&] {
    for (uint64_t t = 0; t < kItems; ++t) {
      auto rd = ring->AcquireRead(t, Clock::now() + milliseconds(5000));
      ASSERT_TRUE(rd);
      uint64_t v;
      std::memcpy(&v, rd->data(), 8);
      ASSERT_EQ(v, t);
      ring->ReleaseRead(t);
    }
  });
  pool.RunOnAll(3, [&](std::size_t) {
    for (uint64_t t; (t = next.fetch_add(1)) < kItems;) {
      auto w = ring->AcquireWrite(t, Clock::now() + milliseconds(5000));
      ASSERT_TRUE(w);
      std::memcpy(w->data(), &t, 8);
      ASSERT_TRUE(ring->PublishWrite(t, 8));
    }
  });
  consumer.join();
}

TEST(WorkerPoolTest, RunsOnRequestedWidthAndWaits) {
  WorkerPool pool(3);
  EXPECT_EQ(pool.threads(), 3u);
  for (std::size_t width : {1u, 2u, 4u, 9u}) {
    std::atomic<int> calls{0};
    std::atomic<uint64_t> sum{0};
    std::atomic<uint64_t> next{0};
    pool.RunOnAll(width, [&](std::size_t) {
      calls.fetch_add(1);
      for (uint64_t i; (i = next.fetch_add(1)) < 1000;) sum.fetch_add(i);
    });
    EXPECT_EQ(sum.load(), 499500u);
    EXPECT_EQ(calls.load(), static_cast<int>(std::min<std::size_t>(width, 4)));
  }
  WorkerPool none(0);
  int ran = 0;
  none.RunOnAll(4, [&](std::size_t i) { ran += static_cast<int>(i) + 1; });
  EXPECT_EQ(ran, 1);
}

TEST(SpinWhileTest, ReturnsAsSoonAsTheOtherSideActsAndGivesUpAtItsLimit) {
  // Cleared by another thread: SpinWhile sees it well before its limit.
  std::atomic<bool> busy{true};
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    busy.store(false, std::memory_order_release);
  });
  const auto start = Clock::now();
  EXPECT_TRUE(SpinWhile([&] { return busy.load(std::memory_order_acquire); }, std::chrono::seconds(10)));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  other.join();
  // Never cleared: it returns false once the limit has passed, not before.
  const auto again = Clock::now();
  EXPECT_FALSE(SpinWhile([] { return true; }, std::chrono::microseconds(300)));
  EXPECT_GE(Clock::now() - again, std::chrono::microseconds(300));
  // Already clear: true at once.
  EXPECT_TRUE(SpinWhile([] { return false; }));
}

}  // namespace
}  // namespace ccgpu::channel

// --- HostRelay: the host between two rings ----------------------------------

namespace ccgpu::channel {
namespace {

struct RelayRig {
  SharedRegion a_region = *SharedRegion::CreateAnonymous(SlotRing::RequiredSize(4, 64), "relay-in");
  SharedRegion b_region = *SharedRegion::CreateAnonymous(SlotRing::RequiredSize(4, 64), "relay-out");
  SlotRing a = *SlotRing::Format(a_region.bytes(), 4, 64);
  SlotRing b = *SlotRing::Format(b_region.bytes(), 4, 64);

  void Send(uint64_t t, uint8_t fill) {
    auto slot = *a.AcquireWrite(t, Later());
    std::fill(slot.begin(), slot.begin() + 8, fill);
    ASSERT_TRUE(a.PublishWrite(t, 8));
  }
  Bytes Receive(uint64_t t) {
    auto slot = b.AcquireRead(t, Later());
    if (!slot) return {};
    Bytes out(slot->begin(), slot->end());
    b.ReleaseRead(t);
    return out;
  }
  static SlotRing::Deadline Later() { return std::chrono::steady_clock::now() + std::chrono::seconds(5); }
};

TEST(HostRelayTest, HostAttachesWithTheGeometryInTheHeader) {
  RelayRig r;
  auto host = SlotRing::AttachAsHost(r.a_region.bytes());
  ASSERT_TRUE(host);
  EXPECT_EQ(host->slot_count(), 4u);
  EXPECT_EQ(host->slot_payload(), 64u);
  Bytes garbage(4096, 0x5a);
  EXPECT_EQ(SlotRing::AttachAsHost(garbage).error().code, Errc::kMalformed);
  EXPECT_EQ(SlotRing::AttachAsHost(std::span<uint8_t>(garbage).first(8)).error().code, Errc::kMalformed);
}

// Scripts are aimed from the counts: whoever has received output t must
// read emitted() > t, else a script set for "the next slot" lands on one
// already sent (how the demo's replayed command once went unseen).
TEST(HostRelayTest, ForwardsEverySlotInOrderAcrossLapsAndCountsNeverLag) {
  RelayRig r;
  HostRelay relay(r.a, r.b);
  for (uint64_t t = 0; t < 1000; ++t) {
    r.Send(t, static_cast<uint8_t>(t));
    ASSERT_EQ(r.Receive(t), Bytes(8, static_cast<uint8_t>(t))) << t;
    ASSERT_EQ(relay.emitted(), t + 1) << t;
    ASSERT_EQ(relay.seen(), t + 1) << t;
  }
}

TEST(HostRelayTest, FlipChangesOnlyTheTargetSlot) {
  RelayRig r;
  HostRelay relay(r.a, r.b, HostRelay::Flip(1, 3, 0x80));
  for (uint64_t t = 0; t < 3; ++t) r.Send(t, 0x11);
  EXPECT_EQ(r.Receive(0), Bytes(8, 0x11));
  Bytes flipped(8, 0x11);
  flipped[3] ^= 0x80;
  EXPECT_EQ(r.Receive(1), flipped);
  EXPECT_EQ(r.Receive(2), Bytes(8, 0x11));
}

TEST(HostRelayTest, MapReplaysReordersAndTruncates) {
  RelayRig r;
  HostRelay relay(r.a, r.b, HostRelay::Map({{1, 0}, {2, 3}, {3, 2}}, 4));
  for (uint64_t t = 0; t < 5; ++t) r.Send(t, static_cast<uint8_t>(0x20 + t));
  EXPECT_EQ(r.Receive(0), Bytes(8, 0x20));
  EXPECT_EQ(r.Receive(1), Bytes(8, 0x20));  // replay of slot 0
  EXPECT_EQ(r.Receive(2), Bytes(8, 0x23));  // reordered
  EXPECT_EQ(r.Receive(3), Bytes(8, 0x22));
  EXPECT_EQ(r.Receive(4), Bytes(7, 0x24));  // truncated
}

}  // namespace
}  // namespace ccgpu::channel
