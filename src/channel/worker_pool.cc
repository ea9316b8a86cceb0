#include "channel/worker_pool.h"

#include <algorithm>

#include "channel/spin.h"

namespace ccgpu::channel {

WorkerPool::WorkerPool(std::size_t threads) {
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    workers_.emplace_back([this, i] { Loop(i + 1); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void WorkerPool::Loop(std::size_t index) {
  std::size_t seen = 0;
  for (;;) {
    const std::function<void(std::size_t)>* job = nullptr;
    // Transfers come back to back (a batch of small copies is one job every
    // ~100 µs), and waking a sleeping thread costs tens of µs, more on a VM:
    // watch for the next job for a short while before sleeping.
    SpinWhile([&] { return generation_.load(std::memory_order_acquire) == seen; });
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (index >= job_width_) continue;  // not needed for this job
      job = job_;
    }
    (*job)(index);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--running_ == 0) done_cv_.notify_all();
    }
  }
}

void WorkerPool::RunOnAll(std::size_t parallelism,
                          const std::function<void(std::size_t)>& fn) {
  const std::size_t width = std::clamp<std::size_t>(parallelism, 1, workers_.size() + 1);
  if (width > 1) {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    job_width_ = width;
    running_ = width - 1;
    ++generation_;
  }
  if (width > 1) cv_.notify_all();
  fn(0);
  if (width > 1) {
    // The others usually finish within microseconds of us: watch before
    // sleeping (as in Loop).
    SpinWhile([&] { return running_.load(std::memory_order_acquire) != 0; });
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return running_ == 0; });
    job_ = nullptr;
  }
}

}  // namespace ccgpu::channel
