#include "runtime/stream.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ccgpu {
namespace {

TEST(StreamTest, RunsOperationsInEnqueueOrder) {
  Stream s;
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::future<Status>> futures;
  for (int i = 0; i < 200; ++i) {
    futures.push_back(s.Enqueue([&, i] {
      // Vary the duration so a reordering worker would show.
      if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
      return OkStatus();
    }));
  }
  for (auto& f : futures) EXPECT_TRUE(f.get().has_value());
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST(StreamTest, SynchronizeWaitsForAllQueuedWork) {
  Stream s;
  std::atomic<int> done{0};
  for (int i = 0; i < 20; ++i) {
    (void)s.Enqueue([&] {
      std::this_thread::sleep_for(std::chrono::microseconds(300));
      done.fetch_add(1);
      return OkStatus();
    });
  }
  EXPECT_TRUE(s.Synchronize().has_value());
  EXPECT_EQ(done.load(), 20);
  EXPECT_EQ(s.pending(), 0u);
}

TEST(StreamTest, FailureIsStickyUntilSynchronizeAndSkipsLaterWork) {
  Stream s;
  std::atomic<int> ran{0};
  auto a = s.Enqueue([&] { ran.fetch_add(1); return OkStatus(); });
  auto b = s.Enqueue([&] { ran.fetch_add(1); return Status(Fail(Errc::kAuthFailed, "test: tag")); });
  auto c = s.Enqueue([&] { ran.fetch_add(1); return OkStatus(); });
  EXPECT_TRUE(a.get().has_value());
  Status sb = b.get();
  ASSERT_FALSE(sb.has_value());
  EXPECT_EQ(sb.error().code, Errc::kAuthFailed);
  Status sc = c.get();
  ASSERT_FALSE(sc.has_value());
  EXPECT_EQ(sc.error().code, Errc::kAuthFailed);  // skipped, carrying the first failure
  EXPECT_NE(std::string(sc.error().context).find("skipped"), std::string::npos);
  EXPECT_EQ(ran.load(), 2);
  Status sync = s.Synchronize();
  ASSERT_FALSE(sync.has_value());
  EXPECT_EQ(sync.error().code, Errc::kAuthFailed);
  // Cleared: the stream works again.
  auto d = s.Enqueue([&] { ran.fetch_add(1); return OkStatus(); });
  EXPECT_TRUE(d.get().has_value());
  EXPECT_TRUE(s.Synchronize().has_value());
  EXPECT_EQ(ran.load(), 3);
}

TEST(StreamTest, DestructorDrainsQueueSoEveryFutureBecomesReady) {
  std::vector<std::future<Status>> futures;
  std::atomic<int> ran{0};
  {
    Stream s;
    for (int i = 0; i < 10; ++i) {
      futures.push_back(s.Enqueue([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ran.fetch_add(1);
        return OkStatus();
      }));
    }
  }
  EXPECT_EQ(ran.load(), 10);
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_TRUE(f.get().has_value());
  }
}

TEST(StreamTest, TwoStreamsOverlap) {
  // An operation blocked on stream A does not hold up stream B.
  Stream a, b;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  auto fa = a.Enqueue([gate] { gate.wait(); return OkStatus(); });
  auto fb = b.Enqueue([] { return OkStatus(); });
  ASSERT_EQ(fb.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(fa.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  release.set_value();
  EXPECT_TRUE(fa.get().has_value());
}

TEST(StreamTest, EmptyOperationIsAnError) {
  Stream s;
  Status st = s.Enqueue(Stream::Op()).get();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(s.Synchronize().has_value());
}

}  // namespace
}  // namespace ccgpu
