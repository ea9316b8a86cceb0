#include "runtime/stream.h"

#include <utility>

namespace ccgpu {

Stream::Stream() : worker_([this] { Loop(); }) {}

Stream::~Stream() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

std::future<Status> Stream::Enqueue(Op op) {
  Item item{std::move(op), std::promise<Status>()};
  std::future<Status> f = item.done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(item));
  }
  cv_.notify_one();
  return f;
}

Status Stream::Synchronize() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
  std::optional<Error> e = std::exchange(first_error_, std::nullopt);
  if (e) return tl::unexpected<Error>(*e);
  return OkStatus();
}

std::size_t Stream::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + running_;
}

void Stream::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // The destructor drains: stop only once the queue is empty.
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    const std::optional<Error> sticky = first_error_;
    lock.unlock();
    Status st;
    if (sticky) {
      st = Fail(sticky->code, "stream: skipped, an earlier operation on this stream failed");
    } else if (!item.op) {
      st = Fail(Errc::kInvalidArgument, "stream: empty operation");
    } else {
      st = item.op();
    }
    lock.lock();
    if (!st && !first_error_) first_error_ = st.error();
    --running_;
    // Resolve the future under the lock so Synchronize sees a consistent
    // state once it returns.
    item.done.set_value(std::move(st));
    if (queue_.empty() && running_ == 0) idle_cv_.notify_all();
  }
}

}  // namespace ccgpu
