// A fixed pool of worker threads for data-path work (sealing and opening
// chunks in parallel). Jobs are plain callables; ParallelFor splits an index
// range across the workers and the calling thread, and returns when all are
// done.
#ifndef CCGPU_CHANNEL_WORKER_POOL_H_
#define CCGPU_CHANNEL_WORKER_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ccgpu::channel {

class WorkerPool {
 public:
  // `threads` background workers (0 = run everything on the caller).
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  std::size_t threads() const { return workers_.size(); }

  // Runs fn(worker_index) on up to `parallelism` threads (the caller counts
  // as one, index 0) and waits for all of them. Each fn typically pulls work
  // items from a shared atomic counter until none are left.
  void RunOnAll(std::size_t parallelism,
                const std::function<void(std::size_t)>& fn);

 private:
  void Loop(std::size_t index);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t job_width_ = 0;    // workers taking part in the current job
  std::atomic<std::size_t> generation_{0};  // bumped per job (under mu_; read
                                            // without it while spinning)
  std::atomic<std::size_t> running_{0};  // workers still inside the current
                                         // job (changed under mu_)
  bool stop_ = false;
};

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_WORKER_POOL_H_
