// ccgpu::Stream: an ordered queue of device work run by one worker thread,
// like a CUDA stream. Operations enqueued on one stream run one after the
// other in enqueue order; operations on different streams may overlap. Each
// enqueue returns a std::future<Status> for that operation.
//
// Errors are sticky: once an operation fails, the later operations already
// queued (and any enqueued before the next Synchronize) are not run; their
// futures carry the first failure's Errc with the context "stream: skipped,
// an earlier operation on this stream failed". Synchronize() waits for the
// queue to drain, returns that first failure (or OK) and clears it, so the
// stream can be used again.
//
// Ownership: the Stream owns its thread; its destructor drains the queue
// (every future becomes ready) and joins. Work captured in an operation must
// stay valid until its future is ready (the caller owns host buffers).
#ifndef CCGPU_RUNTIME_STREAM_H_
#define CCGPU_RUNTIME_STREAM_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "base/result.h"

namespace ccgpu {

class Stream {
 public:
  using Op = std::function<Status()>;

  Stream();
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Queues `op` after everything queued before it. The future is ready when
  // `op` has run (its Status) or was skipped (the sticky error).
  std::future<Status> Enqueue(Op op);
  // Waits until every queued operation has run or been skipped; returns
  // the first failure since the last Synchronize (then clears it).
  Status Synchronize();
  // Operations queued and not yet finished.
  std::size_t pending() const;

 private:
  struct Item {
    Op op;
    std::promise<Status> done;
  };
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Item> queue_;
  std::size_t running_ = 0;
  std::optional<Error> first_error_;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace ccgpu

#endif  // CCGPU_RUNTIME_STREAM_H_
