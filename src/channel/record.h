// Sealed record channels: the command ring (guest → device) and completion
// ring (device → guest). Each record is sealed under its own sequence number;
// the receiver accepts only the next one, so a replayed, reordered, dropped
// or forged record is rejected. A rejected record never advances the
// receiver's expected number: since the genuine record in that slot is gone,
// every later record is rejected too — tampering with a record ring is fatal
// to that channel and always detected, never silently skipped.
//
// Keys: DeriveStreamSecret(EMS, "ccgpu record v1", {channel, kCommand or
// kCompletion, 0}); nonce = counter XOR mask inside SealingContext.
// Slot format: seq u64 LE || ciphertext || tag; AAD = "ccgpu record v1" ||
// channel_id u32 || direction u8 || engine u8 || seq u64. One record per ring
// slot: ticket == seq.
#ifndef CCGPU_CHANNEL_RECORD_H_
#define CCGPU_CHANNEL_RECORD_H_

#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "channel/keys.h"
#include "channel/ring.h"

namespace ccgpu::channel {

inline constexpr std::size_t kRecordOverhead = 8 + crypto::kAeadTagSize;

class RecordSender {
 public:
  static Result<RecordSender> Create(ByteSpan ems, StreamId id);
  // Seals `record` into the ring slot of the next sequence number.
  // kOutOfRange if it does not fit a slot; kTimeout if the ring stays full.
  Status Send(const SlotRing& ring, ByteSpan record, SlotRing::Deadline deadline);
  uint64_t next_sequence() const { return next_; }

 private:
  RecordSender(StreamId id, std::shared_ptr<crypto::SealingContext> ctx)
      : id_(id), ctx_(std::move(ctx)) {}
  StreamId id_;
  std::shared_ptr<crypto::SealingContext> ctx_;
  uint64_t next_ = 0;
};

class RecordReceiver {
 public:
  static Result<RecordReceiver> Create(ByteSpan ems, StreamId id);
  // Opens the next record. kReplay if the slot carries another sequence
  // number (replayed/reordered), kAuthFailed if forged or altered, kMalformed
  // if too short, kTimeout if none arrives. On any failure but kTimeout the
  // slot is consumed and the expected sequence number does not advance.
  Result<SecretBytes> Receive(const SlotRing& ring, SlotRing::Deadline deadline);
  uint64_t next_sequence() const { return next_; }

 private:
  RecordReceiver(StreamId id, std::shared_ptr<crypto::SealingContext> ctx)
      : id_(id), ctx_(std::move(ctx)) {}
  StreamId id_;
  std::shared_ptr<crypto::SealingContext> ctx_;
  uint64_t next_ = 0;     // the sequence number accepted next
  uint64_t ticket_ = 0;   // the ring slot read next
};

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_RECORD_H_
