#include "channel/host_relay.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace ccgpu::channel {
namespace {

SlotRing::Deadline Soon() { return std::chrono::steady_clock::now() + std::chrono::milliseconds(20); }

}  // namespace

HostRelay::HostRelay(SlotRing in, SlotRing out, Script script)
    : in_(in), out_(out), script_(script ? std::move(script) : Identity()) {
  thread_ = std::thread([this] { Run(); });
}

HostRelay::~HostRelay() {
  stop_.store(true);
  thread_.join();
}

void HostRelay::SetScript(Script script) {
  std::lock_guard lock(mu_);
  script_ = std::move(script);
}

uint64_t HostRelay::seen() {
  std::lock_guard lock(mu_);
  return history_.size();
}

void HostRelay::Run() {
  while (!stop_.load()) {
    // The script for output o is consulted once input o has arrived, so a
    // script set before the guest sends applies to what it sends.
    if (!ReadUpTo(static_cast<int64_t>(next_out_.load()))) return;
    Action a;
    {
      std::lock_guard lock(mu_);
      a = script_(next_out_.load());
    }
    if (!ReadUpTo(a.input)) return;
    Bytes bytes;
    if (a.input >= 0) {
      std::lock_guard lock(mu_);
      bytes = history_[static_cast<std::size_t>(a.input)];
    }
    if (a.mutate) a.mutate(bytes);
    const uint64_t o = next_out_.load();
    for (;;) {
      if (stop_.load()) return;
      auto slot = out_.AcquireWrite(o, Soon());
      if (!slot) continue;
      const std::size_t n = std::min(bytes.size(), slot->size());
      if (n != 0) std::memcpy(slot->data(), bytes.data(), n);  // an empty slot has no data()
      // Counted before the reader can see it: whoever has seen the effect
      // of output o (a completion, say) reads emitted() > o, and a script
      // set from that count aims at the next slot, not at this one.
      next_out_.store(o + 1);
      (void)out_.PublishWrite(o, static_cast<uint32_t>(n));
      break;
    }
  }
}

bool HostRelay::ReadUpTo(int64_t input) {
  while (input >= 0 && seen() <= static_cast<uint64_t>(input)) {
    if (stop_.load()) return false;
    const uint64_t t = seen();
    auto slot = in_.AcquireRead(t, Soon());
    if (!slot) continue;
    Bytes copy(slot->begin(), slot->end());
    {
      // Recorded before the slot is handed back, as emitted() is counted
      // before a slot is published: seen() never lags what the writer sees.
      std::lock_guard lock(mu_);
      history_.push_back(std::move(copy));
    }
    in_.ReleaseRead(t);
  }
  return true;
}

HostRelay::Script HostRelay::Identity() {
  return [](uint64_t o) { return Action{static_cast<int64_t>(o), {}}; };
}

HostRelay::Script HostRelay::Flip(uint64_t target, std::size_t byte, uint8_t mask) {
  return [=](uint64_t o) {
    Action a{static_cast<int64_t>(o), {}};
    if (o == target) {
      a.mutate = [=](Bytes& b) {
        if (byte < b.size()) b[byte] ^= mask;
      };
    }
    return a;
  };
}

HostRelay::Script HostRelay::Map(std::map<uint64_t, int64_t> remap, uint64_t truncate_at) {
  return [remap = std::move(remap), truncate_at](uint64_t o) {
    Action a{static_cast<int64_t>(o), {}};
    if (auto it = remap.find(o); it != remap.end()) a.input = it->second;
    if (o == truncate_at) {
      a.mutate = [](Bytes& b) {
        if (!b.empty()) b.pop_back();
      };
    }
    return a;
  };
}

}  // namespace ccgpu::channel
