// SlotRing: a bounded ring of fixed-size slots in host-visible shared memory,
// used for bounce buffers (sealed data chunks) and command/completion rings.
//
// Slots are claimed by ticket (a monotonically increasing number the caller
// assigns, e.g. a chunk's sequence), so several producer threads may fill
// slots out of order while the consumer drains them in ticket order — the
// bounded-queue discipline of D. Vyukov: slot `t % N` is free for ticket t
// when its sequence word equals t, and full when it equals t + 1.
//
// Trust: the ring lives in memory the host can write. Geometry (slot count,
// payload size) comes from the trusted side's own configuration, never from
// the shared header; every length read from a slot is bounds-checked; a host
// that scribbles over sequence words can only stall the ring (every wait has
// a deadline → kTimeout) or hand over bytes that then fail authentication.
// Consumers must read each byte of a slot once — copy it into private memory,
// or open it with crypto::InputSource::kShared — before relying on it, so the
// host cannot change bytes between checks.
#ifndef CCGPU_CHANNEL_RING_H_
#define CCGPU_CHANNEL_RING_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"

namespace ccgpu::channel {

class SlotRing {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Bytes of shared memory a ring of this geometry needs.
  static std::size_t RequiredSize(uint32_t slot_count, uint32_t slot_payload);

  // Initialises a new ring in `region` (zeroed sequence words set to their
  // lap-0 values). kInvalidArgument if the geometry is zero, not a power of
  // two count, or does not fit in `region`.
  static Result<SlotRing> Format(std::span<uint8_t> region, uint32_t slot_count,
                                 uint32_t slot_payload);
  // Attaches to a ring another party formatted, with geometry from trusted
  // configuration. kMalformed if the magic or geometry in the header differs.
  static Result<SlotRing> Attach(std::span<uint8_t> region, uint32_t slot_count,
                                 uint32_t slot_payload);

  // Attaches with the geometry written in the ring's own shared header: what
  // the (untrusted) host does when it relays a ring it did not format. Never
  // for the guest or the device, whose geometry comes from trusted
  // configuration. kMalformed for a bad header or a region too small for it.
  static Result<SlotRing> AttachAsHost(std::span<uint8_t> region);

  uint32_t slot_count() const { return slot_count_; }
  uint32_t slot_payload() const { return slot_payload_; }

  // Producer: waits until the slot for `ticket` is free, returns its payload
  // area to fill. kTimeout at `deadline`.
  Result<std::span<uint8_t>> AcquireWrite(uint64_t ticket, Deadline deadline) const;
  // Producer: marks the slot for `ticket` full with `length` payload bytes.
  // kOutOfRange if length > slot_payload (nothing is published).
  Status PublishWrite(uint64_t ticket, uint32_t length) const;

  // Consumer: waits until the slot for `ticket` is full, returns its payload
  // (length bounds-checked against slot_payload: kMalformed otherwise).
  Result<std::span<const uint8_t>> AcquireRead(uint64_t ticket, Deadline deadline) const;
  // Consumer: frees the slot for `ticket` for the producer's next lap.
  void ReleaseRead(uint64_t ticket) const;

 private:
  SlotRing(uint8_t* base, uint32_t slot_count, uint32_t slot_payload)
      : base_(base), slot_count_(slot_count), slot_payload_(slot_payload) {}
  uint8_t* Slot(uint64_t ticket) const;
  std::atomic<uint64_t>& SeqWord(uint64_t ticket) const;
  std::atomic<uint32_t>& LengthWord(uint64_t ticket) const;
  std::atomic<uint32_t>& WaiterWord(uint64_t ticket) const;
  static Status WaitFor(std::atomic<uint64_t>& word, std::atomic<uint32_t>& waiters,
                        uint64_t want, std::chrono::microseconds watch, Deadline deadline);
  // Stores `value` into the slot's sequence word and wakes its sleepers.
  void Store(uint64_t ticket, uint64_t value) const;

  uint8_t* base_;
  uint32_t slot_count_;
  uint32_t slot_payload_;
};


}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_RING_H_
