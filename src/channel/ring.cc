#include "channel/ring.h"

#include <sched.h>

#include <cstring>
#include <new>
#include <thread>

namespace ccgpu::channel {
namespace {

// Shared header: magic, geometry (informational; never trusted).
constexpr uint64_t kMagic = 0x31474e5255504743ULL;  // "CGPURNG1"
constexpr std::size_t kHeaderSize = 64;
// Slot: [u64 seq][u32 length][u32 reserved] payload..., padded to 64 bytes.
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

Status SlotRing::WaitFor(std::atomic<uint64_t>& word, uint64_t want,
                         Deadline deadline) {
  // Spin briefly, then yield, then sleep: a pipeline stage is usually only a
  // chunk behind, but on a 2-core machine spinning starves the other stage.
  for (uint32_t i = 0;; ++i) {
    if (word.load(std::memory_order_acquire) == want) return OkStatus();
    if (i < 64) continue;
    if (i < 256) {
      sched_yield();
      continue;
    }
    if ((i & 63) == 0 && std::chrono::steady_clock::now() >= deadline) {
      return Fail(Errc::kTimeout, "ring: slot not ready before deadline");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

Result<std::span<uint8_t>> SlotRing::AcquireWrite(uint64_t ticket,
                                                  Deadline deadline) const {
  CCGPU_TRY(WaitFor(SeqWord(ticket), ticket, deadline));
  return std::span<uint8_t>(Slot(ticket) + kSlotHeader, slot_payload_);
}

Status SlotRing::PublishWrite(uint64_t ticket, uint32_t length) const {
  if (length > slot_payload_) return Fail(Errc::kOutOfRange, "ring: length exceeds slot");
  LengthWord(ticket).store(length, std::memory_order_relaxed);
  SeqWord(ticket).store(ticket + 1, std::memory_order_release);
  return OkStatus();
}

Result<std::span<const uint8_t>> SlotRing::AcquireRead(uint64_t ticket,
                                                       Deadline deadline) const {
  CCGPU_TRY(WaitFor(SeqWord(ticket), ticket + 1, deadline));
  const uint32_t length = LengthWord(ticket).load(std::memory_order_relaxed);
  if (length > slot_payload_) {
    return Fail(Errc::kMalformed, "ring: slot length exceeds slot size (host tampering?)");
  }
  return std::span<const uint8_t>(Slot(ticket) + kSlotHeader, length);
}

void SlotRing::ReleaseRead(uint64_t ticket) const {
  SeqWord(ticket).store(ticket + slot_count_, std::memory_order_release);
}

void CopyOut(std::span<const uint8_t> shared, std::span<uint8_t> out) {
  CCGPU_CHECK(shared.size() == out.size());
  std::memcpy(out.data(), shared.data(), shared.size());
}

}  // namespace ccgpu::channel
