// Bounded spinning before a thread sleeps. Waking a sleeping thread costs
// tens of microseconds (more on a VM, where the idle vCPU must be woken by
// the hypervisor), which dominates small transfers; a waiter that expects the
// other side within microseconds watches for it first, then sleeps.
#ifndef CCGPU_CHANNEL_SPIN_H_
#define CCGPU_CHANNEL_SPIN_H_

#include <sched.h>

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace ccgpu::channel {

// How long a waiter watches before sleeping: about one small transfer.
inline constexpr std::chrono::microseconds kSpinBeforeSleep{50};
// The first part of that watch is a pause loop, which notices the other
// side within nanoseconds; after it the waiter yields between checks (about
// a microsecond each), so that on a machine with more runnable threads than
// cores the thread being waited for can have this core.
inline constexpr std::chrono::microseconds kPauseSpin{4};

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Watches `busy()` for up to `limit`; returns whether it stopped being busy
// (false: the caller should sleep on its own condition).
template <typename Busy>
bool SpinWhile(Busy busy, std::chrono::microseconds limit = kSpinBeforeSleep) {
  const auto start = std::chrono::steady_clock::now();
  const auto pause_until = start + std::min(limit, kPauseSpin);
  const auto until = start + limit;
  for (int i = 1; busy(); ++i) {
    if (i % 16 != 0) {
      CpuRelax();
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return false;
    if (now >= pause_until) sched_yield();
  }
  return true;
}

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_SPIN_H_
