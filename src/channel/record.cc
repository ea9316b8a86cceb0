#include "channel/record.h"

#include <cstring>

#include "base/encoding.h"

namespace ccgpu::channel {
namespace {

constexpr std::string_view kLabel = "ccgpu record v1";

Result<Bytes> RecordAad(const StreamId& id, uint64_t seq) {
  ByteWriter w(64);
  w.Append(AsBytes(kLabel)).U32(id.channel_id).U8(static_cast<uint8_t>(id.direction))
      .U8(id.engine).U64(seq);
  return std::move(w).Finish();
}

Result<std::shared_ptr<crypto::SealingContext>> MakeContext(ByteSpan ems, const StreamId& id) {
  CCGPU_ASSIGN_OR_RETURN(SecretBytes secret, DeriveStreamSecret(ems, kLabel, id));
  return SealingContextFor(secret, crypto::AeadAlg::kAes256Gcm, UINT64_MAX);
}

}  // namespace

Result<RecordSender> RecordSender::Create(ByteSpan ems, StreamId id) {
  CCGPU_ASSIGN_OR_RETURN(auto ctx, MakeContext(ems, id));
  return RecordSender(id, std::move(ctx));
}

Status RecordSender::Send(const SlotRing& ring, ByteSpan record,
                          SlotRing::Deadline deadline) {
  if (record.size() + kRecordOverhead > ring.slot_payload()) {
    return Fail(Errc::kOutOfRange, "record: does not fit a ring slot");
  }
  const uint64_t seq = ctx_->next_sequence();
  CCGPU_ASSIGN_OR_RETURN(Bytes aad, RecordAad(id_, seq));
  CCGPU_ASSIGN_OR_RETURN(std::span<uint8_t> slot, ring.AcquireWrite(seq, deadline));
  // Sealed straight into the shared slot, never read back (OutputSink::kShared).
  CCGPU_ASSIGN_OR_RETURN(uint64_t used,
                         ctx_->Seal(aad, record, slot.subspan(8, record.size() + crypto::kAeadTagSize),
                                    crypto::OutputSink::kShared));
  CCGPU_CHECK(used == seq);  // one sender per context: numbers are ours alone
  for (int i = 0; i < 8; ++i) slot[static_cast<std::size_t>(i)] = static_cast<uint8_t>(seq >> (8 * i));
  next_ = seq + 1;
  return ring.PublishWrite(seq, static_cast<uint32_t>(record.size() + kRecordOverhead));
}

Result<RecordReceiver> RecordReceiver::Create(ByteSpan ems, StreamId id) {
  CCGPU_ASSIGN_OR_RETURN(auto ctx, MakeContext(ems, id));
  return RecordReceiver(id, std::move(ctx));
}

Result<SecretBytes> RecordReceiver::Receive(const SlotRing& ring,
                                            SlotRing::Deadline deadline) {
  CCGPU_ASSIGN_OR_RETURN(ByteSpan slot, ring.AcquireRead(ticket_, deadline));
  // Copy out of shared memory before anything is checked.
  Bytes copy(slot.begin(), slot.end());
  ring.ReleaseRead(ticket_);
  ++ticket_;
  if (copy.size() < kRecordOverhead) return Fail(Errc::kMalformed, "record: shorter than its overhead");
  ByteReader r(copy);
  CCGPU_ASSIGN_OR_RETURN(uint64_t seq, r.U64("record.seq"));
  if (seq != next_) return Fail(Errc::kReplay, "record: sequence number is not the next one (replayed or reordered)");
  CCGPU_ASSIGN_OR_RETURN(Bytes aad, RecordAad(id_, next_));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes pt, ctx_->Open(next_, aad, r.rest()));
  ++next_;
  return pt;
}

}  // namespace ccgpu::channel
