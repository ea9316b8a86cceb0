#include "channel/ring.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <new>

#include "channel/spin.h"

namespace ccgpu::channel {
namespace {

// Shared header: magic, geometry (informational; never trusted).
constexpr uint64_t kMagic = 0x31474e5255504743ULL;  // "CGPURNG1"
constexpr std::size_t kHeaderSize = 64;
// Slot: [u64 seq][u32 length][u32 waiters] payload..., padded to 64 bytes.
// `waiters` counts threads (of either side) asleep on the slot's futex; a
// store to `seq` wakes them only when it is non-zero. It is shared, so the
// host can falsify it: that only delays a waiter (each sleep is bounded).
constexpr std::size_t kSlotHeader = 16;
constexpr std::size_t kAlign = 64;

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "cross-process rings need address-free lock-free atomics");
static_assert(std::atomic<uint32_t>::is_always_lock_free);

std::size_t SlotStride(uint32_t slot_payload) {
  return (kSlotHeader + slot_payload + kAlign - 1) / kAlign * kAlign;
}

bool GeometryOk(uint32_t slot_count, uint32_t slot_payload) {
  return slot_count > 0 && (slot_count & (slot_count - 1)) == 0 &&
         slot_payload > 0 && slot_payload <= (1u << 30);
}

}  // namespace

std::size_t SlotRing::RequiredSize(uint32_t slot_count, uint32_t slot_payload) {
  return kHeaderSize + std::size_t{slot_count} * SlotStride(slot_payload);
}

Result<SlotRing> SlotRing::Format(std::span<uint8_t> region, uint32_t slot_count,
                                  uint32_t slot_payload) {
  if (!GeometryOk(slot_count, slot_payload)) {
    return Fail(Errc::kInvalidArgument, "ring: slot count must be a power of two, payload > 0");
  }
  if (region.size() < RequiredSize(slot_count, slot_payload) ||
      reinterpret_cast<uintptr_t>(region.data()) % kAlign != 0) {  // NOLINT: alignment check
    return Fail(Errc::kInvalidArgument, "ring: region too small or misaligned");
  }
  SlotRing ring(region.data(), slot_count, slot_payload);
  for (uint32_t i = 0; i < slot_count; ++i) {
    uint8_t* slot = ring.Slot(i);
    new (slot) std::atomic<uint64_t>(i);          // free for ticket i
    new (slot + 8) std::atomic<uint32_t>(0);
    new (slot + 12) std::atomic<uint32_t>(0);
  }
  uint64_t header[3] = {kMagic, slot_count, slot_payload};
  std::memcpy(region.data(), header, sizeof header);
  return ring;
}

Result<SlotRing> SlotRing::Attach(std::span<uint8_t> region, uint32_t slot_count,
                                  uint32_t slot_payload) {
  if (!GeometryOk(slot_count, slot_payload) ||
      region.size() < RequiredSize(slot_count, slot_payload) ||
      reinterpret_cast<uintptr_t>(region.data()) % kAlign != 0) {  // NOLINT: alignment check
    return Fail(Errc::kInvalidArgument, "ring: region does not fit the configured geometry");
  }
  uint64_t header[3];
  std::memcpy(header, region.data(), sizeof header);
  if (header[0] != kMagic || header[1] != slot_count || header[2] != slot_payload) {
    return Fail(Errc::kMalformed, "ring: shared header does not match configured geometry");
  }
  return SlotRing(region.data(), slot_count, slot_payload);
}

Result<SlotRing> SlotRing::AttachAsHost(std::span<uint8_t> region) {
  uint64_t header[3];
  if (region.size() < sizeof header) return Fail(Errc::kMalformed, "ring: region smaller than a ring header");
  std::memcpy(header, region.data(), sizeof header);
  if (header[0] != kMagic || header[1] > UINT32_MAX || header[2] > UINT32_MAX) {
    return Fail(Errc::kMalformed, "ring: no ring header in the region");
  }
  return Attach(region, static_cast<uint32_t>(header[1]), static_cast<uint32_t>(header[2]));
}

uint8_t* SlotRing::Slot(uint64_t ticket) const {
  const std::size_t index = static_cast<std::size_t>(ticket & (slot_count_ - 1));
  return base_ + kHeaderSize + index * SlotStride(slot_payload_);
}

std::atomic<uint64_t>& SlotRing::SeqWord(uint64_t ticket) const {
  return *std::launder(reinterpret_cast<std::atomic<uint64_t>*>(Slot(ticket)));  // NOLINT: placement in shm
}

std::atomic<uint32_t>& SlotRing::LengthWord(uint64_t ticket) const {
  return *std::launder(reinterpret_cast<std::atomic<uint32_t>*>(Slot(ticket) + 8));  // NOLINT
}

std::atomic<uint32_t>& SlotRing::WaiterWord(uint64_t ticket) const {
  return *std::launder(reinterpret_cast<std::atomic<uint32_t>*>(Slot(ticket) + 12));  // NOLINT
}

namespace {

// Futexes on the low 32 bits of a slot's sequence word (little-endian: the
// word's address). Not FUTEX_PRIVATE: the ring is shared between processes.
void FutexWait(std::atomic<uint64_t>& word, uint32_t seen_low, std::chrono::nanoseconds timeout) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
  // Spurious returns (EAGAIN when the word already changed, EINTR,
  // ETIMEDOUT) are fine: the caller re-checks the word.
  (void)syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT, seen_low, &ts,  // NOLINT
                nullptr, 0);
}

void FutexWakeAll(std::atomic<uint64_t>& word) {
  (void)syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE, INT32_MAX,  // NOLINT
                nullptr, nullptr, 0);
}

// Longest single futex sleep: bounds how late a lost wake-up (the host may
// scribble over the waiter count) or the deadline is noticed.
constexpr std::chrono::milliseconds kMaxSleep{2};

// How long a wait watches its slot before sleeping.
//  - A reader waiting for data is on the transfer's critical path: the data
//    is usually a chunk away, and sleeping would add a wake-up (~50 µs on a
//    VM, and the woken thread may land on the writer's core) to every chunk.
//    It watches for about two 256 KiB chunks at one core's AES-GCM rate.
//  - A writer waiting for a free slot has a whole ring of work queued ahead
//    of it: the readers are the bottleneck and need the cores, so it gives
//    up its core soon. On 2 cores with two openers and a DMA-model writer,
//    watching 200 µs here cost D2H at T=2 about a third of its throughput
//    (docs/PERFORMANCE.md, session 5).
constexpr std::chrono::microseconds kEmptySlotWatch{200};
constexpr std::chrono::microseconds kFullRingWatch{20};

}  // namespace

Status SlotRing::WaitFor(std::atomic<uint64_t>& word, std::atomic<uint32_t>& waiters,
                         uint64_t want, std::chrono::microseconds watch, Deadline deadline) {
  // Watch first (spin.h), then sleep on a futex: the other side wakes us
  // when it stores the word (it checks the waiter count, see Store), so a
  // waiting stage costs no CPU on a 2-core machine. How long to watch
  // depends on which side waits (kEmptySlotWatch, kFullRingWatch).
  if (SpinWhile([&] { return word.load(std::memory_order_acquire) != want; }, watch)) {
    return OkStatus();
  }
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      if (word.load(std::memory_order_acquire) == want) return OkStatus();
      return Fail(Errc::kTimeout, "ring: slot not ready before deadline");
    }
    // Announce, then re-check (seq_cst on both sides: either we see the new
    // value, or the storer sees our announcement and wakes us).
    waiters.fetch_add(1, std::memory_order_seq_cst);
    const uint64_t seen = word.load(std::memory_order_seq_cst);
    if (seen != want) {
      FutexWait(word, static_cast<uint32_t>(seen),
                std::min<std::chrono::nanoseconds>(kMaxSleep, deadline - now));
    }
    waiters.fetch_sub(1, std::memory_order_relaxed);
    if (word.load(std::memory_order_acquire) == want) return OkStatus();
  }
}

void SlotRing::Store(uint64_t ticket, uint64_t value) const {
  std::atomic<uint64_t>& word = SeqWord(ticket);
  word.store(value, std::memory_order_seq_cst);
  if (WaiterWord(ticket).load(std::memory_order_seq_cst) != 0) FutexWakeAll(word);
}

Result<std::span<uint8_t>> SlotRing::AcquireWrite(uint64_t ticket,
                                                  Deadline deadline) const {
  CCGPU_TRY(WaitFor(SeqWord(ticket), WaiterWord(ticket), ticket, kFullRingWatch, deadline));
  return std::span<uint8_t>(Slot(ticket) + kSlotHeader, slot_payload_);
}

Status SlotRing::PublishWrite(uint64_t ticket, uint32_t length) const {
  if (length > slot_payload_) return Fail(Errc::kOutOfRange, "ring: length exceeds slot");
  LengthWord(ticket).store(length, std::memory_order_relaxed);
  Store(ticket, ticket + 1);
  return OkStatus();
}

Result<std::span<const uint8_t>> SlotRing::AcquireRead(uint64_t ticket,
                                                       Deadline deadline) const {
  CCGPU_TRY(WaitFor(SeqWord(ticket), WaiterWord(ticket), ticket + 1, kEmptySlotWatch, deadline));
  const uint32_t length = LengthWord(ticket).load(std::memory_order_relaxed);
  if (length > slot_payload_) {
    return Fail(Errc::kMalformed, "ring: slot length exceeds slot size (host tampering?)");
  }
  return std::span<const uint8_t>(Slot(ticket) + kSlotHeader, length);
}

void SlotRing::ReleaseRead(uint64_t ticket) const {
  Store(ticket, ticket + slot_count_);
}

}  // namespace ccgpu::channel
