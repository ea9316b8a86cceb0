#include "channel/transfer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "base/secret.h"

namespace ccgpu::channel {
namespace {

using ProduceFn = std::function<Result<std::size_t>(uint64_t chunk, std::span<uint8_t> slot)>;
using ConsumeFn = std::function<Status(uint64_t chunk, ByteSpan slot, std::size_t worker)>;

Status CheckPlan(const TransferPlan& plan, const SlotRing& ring, std::size_t overhead) {
  if (plan.chunk_size == 0) return Fail(Errc::kInvalidArgument, "transfer: chunk size 0");
  if (uint64_t{plan.chunk_size} + overhead > ring.slot_payload()) {
    return Fail(Errc::kInvalidArgument, "transfer: ring slots smaller than a chunk");
  }
  if (plan.chunk_count() > UINT32_MAX) {
    return Fail(Errc::kInvalidArgument, "transfer: too many chunks");
  }
  return OkStatus();
}

// Producer side: workers claim chunk numbers in order and fill their slots.
Status Produce(const SlotRing& ring, WorkerPool& pool, std::size_t parallelism,
               const TransferPlan& plan, Deadline deadline, const ProduceFn& fn) {
  const uint64_t n = plan.chunk_count();
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  std::optional<Error> first;
  pool.RunOnAll(std::min<uint64_t>(parallelism, n), [&](std::size_t) {
    for (uint64_t i; (i = next.fetch_add(1)) < n;) {
      const uint64_t ticket = plan.first_ticket + i;
      auto slot = ring.AcquireWrite(ticket, deadline);
      Result<std::size_t> len = slot ? fn(i, *slot) : tl::unexpected(slot.error());
      if (!len) {
        std::lock_guard<std::mutex> lock(mu);
        if (!first) first = len.error();
        // Publish an empty slot so the consumer is not left waiting; it
        // fails authentication there.
        if (slot) (void)ring.PublishWrite(ticket, 0);
        continue;
      }
      (void)ring.PublishWrite(ticket, static_cast<uint32_t>(*len));
    }
  });
  if (first) return tl::unexpected(*first);
  return OkStatus();
}

// Consumer side: workers claim chunk numbers in order, copy each slot out and
// hand it to `fn`; after a failure the rest are drained without processing.
tl::expected<void, TransferError> Consume(const SlotRing& ring, WorkerPool& pool,
                                          std::size_t parallelism,
                                          const TransferPlan& plan, Deadline deadline,
                                          const ConsumeFn& fn) {
  const uint64_t n = plan.chunk_count();
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::optional<TransferError> first;
  const std::size_t width = static_cast<std::size_t>(std::min<uint64_t>(parallelism, n));
  pool.RunOnAll(width, [&](std::size_t worker) {
    for (uint64_t i; (i = next.fetch_add(1)) < n;) {
      const uint64_t ticket = plan.first_ticket + i;
      auto slot = ring.AcquireRead(ticket, deadline);
      Status st = slot ? OkStatus() : Status(tl::unexpected(slot.error()));
      if (st && !failed.load(std::memory_order_relaxed)) st = fn(i, *slot, worker);
      if (slot) ring.ReleaseRead(ticket);
      if (!st) {
        failed.store(true, std::memory_order_relaxed);
        std::lock_guard<std::mutex> lock(mu);
        if (!first || i < first->chunk_index) first = TransferError{st.error(), i};
        if (st.error().code == Errc::kTimeout) return;  // nothing more will come
      }
    }
  });
  if (first) return tl::unexpected(*first);
  return {};
}

}  // namespace

uint32_t ChunkSizeFor(uint64_t length, std::size_t parallelism, uint32_t max_chunk) {
  const uint64_t want = 2 * (uint64_t{std::max<std::size_t>(parallelism, 1)} + 1);
  constexpr uint64_t kPage = 4096;
  uint64_t c = (length + want - 1) / want;
  c = std::max<uint64_t>((c + kPage - 1) / kPage * kPage, kMinSplitChunk);
  return static_cast<uint32_t>(std::min<uint64_t>(c, max_chunk));
}

ChunkInfo TransferPlan::Chunk(uint64_t i) const {
  ChunkInfo c;
  c.transfer_id = transfer_id;
  c.chunk_index = static_cast<uint32_t>(i);
  const uint64_t start = i * chunk_size;
  c.dst_offset = dst_offset + start;
  c.length = static_cast<uint32_t>(std::min<uint64_t>(chunk_size, length - std::min(length, start)));
  c.last = i + 1 == chunk_count();
  return c;
}

Status SendSealed(StreamSealer& sealer, const SlotRing& ring, WorkerPool& pool,
                  std::size_t parallelism, const TransferPlan& plan,
                  ByteSpan data, Deadline deadline) {
  CCGPU_TRY(CheckPlan(plan, ring, kChunkOverhead));
  if (data.size() != plan.length) {
    return Fail(Errc::kInvalidArgument, "transfer: data size differs from plan");
  }
  return Produce(ring, pool, parallelism, plan, deadline,
                 [&](uint64_t i, std::span<uint8_t> slot) -> Result<std::size_t> {
                   const ChunkInfo c = plan.Chunk(i);
                   const ByteSpan pt = data.subspan(i * plan.chunk_size, c.length);
                   // Sealed straight into the shared slot: only ciphertext
                   // ever lands in host-visible memory.
                   return sealer.SealChunk(c, pt, slot);
                 });
}

tl::expected<void, TransferError> ReceiveSealed(
    StreamOpener& opener, const SlotRing& ring, WorkerPool& pool,
    std::size_t parallelism, const TransferPlan& plan,
    std::span<uint8_t> dest, Deadline deadline) {
  if (auto st = CheckPlan(plan, ring, kChunkOverhead); !st) {
    return tl::unexpected(TransferError{st.error(), 0});
  }
  if (dest.size() != plan.length) {
    return tl::unexpected(TransferError{
        Error{Errc::kInvalidArgument, "transfer: destination size differs from plan"}, 0});
  }
  // Opened straight from the slot: OpenChunk reads each byte of it once
  // (crypto::InputSource::kShared), so the host cannot change bytes between
  // the tag check and the decryption, and no full-chunk copy is needed.
  auto result = Consume(ring, pool, parallelism, plan, deadline,
                        [&](uint64_t i, ByteSpan slot, std::size_t) -> Status {
                          const ChunkInfo c = plan.Chunk(i);
                          if (slot.size() != kChunkOverhead + c.length) {
                            return Fail(Errc::kMalformed,
                                        "transfer: chunk size differs from plan (truncated?)");
                          }
                          return opener.OpenChunk(c, slot,
                                                  dest.subspan(i * plan.chunk_size, c.length),
                                                  crypto::InputSource::kShared);
                        });
  if (!result) std::fill(dest.begin(), dest.end(), kPoisonByte);
  return result;
}

Status SendPlain(const SlotRing& ring, WorkerPool& pool, std::size_t parallelism,
                 const TransferPlan& plan, ByteSpan data, Deadline deadline) {
  CCGPU_TRY(CheckPlan(plan, ring, 0));
  if (data.size() != plan.length) {
    return Fail(Errc::kInvalidArgument, "transfer: data size differs from plan");
  }
  return Produce(ring, pool, parallelism, plan, deadline,
                 [&](uint64_t i, std::span<uint8_t> slot) -> Result<std::size_t> {
                   const ChunkInfo c = plan.Chunk(i);
                   std::memcpy(slot.data(), data.data() + i * plan.chunk_size, c.length);
                   return std::size_t{c.length};
                 });
}

Status ReceivePlain(const SlotRing& ring, WorkerPool& pool, std::size_t parallelism,
                    const TransferPlan& plan, std::span<uint8_t> dest,
                    Deadline deadline) {
  CCGPU_TRY(CheckPlan(plan, ring, 0));
  auto r = Consume(ring, pool, parallelism, plan, deadline,
                   [&](uint64_t i, ByteSpan slot, std::size_t) -> Status {
                     const ChunkInfo c = plan.Chunk(i);
                     if (slot.size() != c.length) {
                       return Fail(Errc::kMalformed, "transfer: plain chunk size differs");
                     }
                     std::memcpy(dest.data() + i * plan.chunk_size, slot.data(), c.length);
                     return OkStatus();
                   });
  if (!r) return tl::unexpected(r.error().error);
  return OkStatus();
}

namespace {

Result<std::size_t> BatchTotal(const TransferPlan& plan, std::size_t sum) {
  if (sum > kMaxBatchBytes) return Fail(Errc::kInvalidArgument, "transfer: batch too large");
  if (sum != plan.length) return Fail(Errc::kInvalidArgument, "transfer: batch size differs from plan");
  return sum;
}

}  // namespace

Status SendBatchSealed(StreamSealer& sealer, const SlotRing& ring, WorkerPool& pool,
                       std::size_t parallelism, const TransferPlan& plan,
                       std::span<const ByteSpan> sources, Deadline deadline) {
  CCGPU_TRY(CheckPlan(plan, ring, kChunkOverhead));
  std::size_t sum = 0;
  for (ByteSpan s : sources) sum += s.size();
  CCGPU_TRY(BatchTotal(plan, sum));
  // starts[k] = offset of sources[k] in the batch. Each chunk is sealed
  // straight from the sources it covers (a gather): plaintext never goes to
  // the shared ring, and there is no staging copy.
  std::vector<std::size_t> starts;
  starts.reserve(sources.size());
  std::size_t at = 0;
  for (ByteSpan s : sources) {
    starts.push_back(at);
    at += s.size();
  }
  return Produce(ring, pool, parallelism, plan, deadline,
                 [&](uint64_t i, std::span<uint8_t> slot) -> Result<std::size_t> {
                   const ChunkInfo c = plan.Chunk(i);
                   const std::size_t begin = static_cast<std::size_t>(i * plan.chunk_size);
                   const std::size_t end = begin + c.length;
                   // First source that ends after `begin`.
                   std::size_t k = static_cast<std::size_t>(
                       std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin());
                   k = k == 0 ? 0 : k - 1;
                   std::vector<ByteSpan> pieces;
                   for (std::size_t pos = begin; pos < end; ++k) {
                     const ByteSpan s = sources[k];
                     if (s.empty() || starts[k] + s.size() <= pos) continue;
                     const std::size_t from = pos - starts[k];
                     const std::size_t n = std::min(s.size() - from, end - pos);
                     pieces.push_back(s.subspan(from, n));
                     pos += n;
                   }
                   return sealer.SealChunkGather(c, pieces, slot);
                 });
}

tl::expected<void, TransferError> ReceiveBatchSealed(
    StreamOpener& opener, const SlotRing& ring, WorkerPool& pool,
    std::size_t parallelism, const TransferPlan& plan,
    std::span<const std::span<uint8_t>> destinations, Deadline deadline) {
  std::size_t sum = 0;
  for (auto d : destinations) sum += d.size();
  if (auto total = BatchTotal(plan, sum); !total) {
    return tl::unexpected(TransferError{total.error(), 0});
  }
  SecretBytes staging(sum);
  auto got = ReceiveSealed(opener, ring, pool, parallelism, plan,
                           staging.reveal_mutable(), deadline);
  std::size_t at = 0;
  for (auto d : destinations) {
    if (got) {
      std::copy_n(staging.reveal().begin() + static_cast<std::ptrdiff_t>(at), d.size(), d.begin());
    } else {
      std::fill(d.begin(), d.end(), kPoisonByte);
    }
    at += d.size();
  }
  return got;
}

}  // namespace ccgpu::channel
