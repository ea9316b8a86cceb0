// Pipelined chunked transfers over a SlotRing: the sending side seals chunks
// into ring slots on several threads while the receiving side opens earlier
// chunks on several threads — a pipeline bounded by the ring, whatever the
// transfer size.
//
// Both ends know the transfer's plan (id, destination, length, chunk size,
// first ring ticket) from the sealed command channel; nothing about the plan
// is read from shared memory.
#ifndef CCGPU_CHANNEL_TRANSFER_H_
#define CCGPU_CHANNEL_TRANSFER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>

#include "base/result.h"
#include "channel/ring.h"
#include "channel/stream.h"
#include "channel/worker_pool.h"

namespace ccgpu::channel {

struct TransferPlan {
  uint64_t transfer_id = 0;
  uint64_t dst_offset = 0;
  uint64_t length = 0;
  uint32_t chunk_size = 256 * 1024;
  uint64_t first_ticket = 0;  // ring ticket of chunk 0

  // Chunks in the transfer (a zero-length transfer is one empty chunk, so
  // the receiver still gets an authenticated "last" marker).
  uint64_t chunk_count() const {
    return length == 0 ? 1 : (length + chunk_size - 1) / chunk_size;
  }
  ChunkInfo Chunk(uint64_t i) const;
};

// The chunk size for a transfer of `length` bytes sealed or opened on
// `parallelism` threads, given the largest chunk `max_chunk`. Large
// transfers use `max_chunk`. A transfer that would be only a few chunks
// is cut into about 2 × (parallelism + 1) chunks (multiples of 4 KiB, at
// least kMinSplitChunk), so each thread has work and the other end works
// on earlier chunks meanwhile: a 1 MiB batch in 256 KiB chunks is four
// chunks, which leaves four of eight threads idle.
inline constexpr uint32_t kMinSplitChunk = 32 * 1024;
uint32_t ChunkSizeFor(uint64_t length, std::size_t parallelism, uint32_t max_chunk);

// Where and why a transfer failed.
struct TransferError {
  Error error;               // kAuthFailed, kReplay, kMalformed, kTimeout, …
  uint64_t chunk_index = 0;  // the first chunk that failed
};

using Deadline = SlotRing::Deadline;

// Seals `data` (plan.length bytes) into the ring on up to `parallelism`
// threads. Slot payloads must hold chunk_size + kChunkOverhead bytes.
Status SendSealed(StreamSealer& sealer, const SlotRing& ring, WorkerPool& pool,
                  std::size_t parallelism, const TransferPlan& plan,
                  ByteSpan data, Deadline deadline);

// Opens the transfer's chunks from the ring into `dest` (plan.length bytes)
// on up to `parallelism` threads. Every chunk is copied out of shared memory
// before it is authenticated. On the first failure every remaining chunk of
// the transfer is still drained (so the ring stays in step and the channel
// can retry), `dest` is poisoned (filled with kPoisonByte) and the error
// names the failing chunk. Returns true on success.
inline constexpr uint8_t kPoisonByte = 0xDB;
tl::expected<void, TransferError> ReceiveSealed(
    StreamOpener& opener, const SlotRing& ring, WorkerPool& pool,
    std::size_t parallelism, const TransferPlan& plan,
    std::span<uint8_t> dest, Deadline deadline);

// The same pipeline without encryption (the baseline the benchmark compares
// against): chunks are copied into and out of the ring as they are.
Status SendPlain(const SlotRing& ring, WorkerPool& pool, std::size_t parallelism,
                 const TransferPlan& plan, ByteSpan data, Deadline deadline);
Status ReceivePlain(const SlotRing& ring, WorkerPool& pool, std::size_t parallelism,
                    const TransferPlan& plan, std::span<uint8_t> dest,
                    Deadline deadline);

// Many small copies batched into one sealed transfer: the sources are
// gathered (in private memory) into one stream of chunks and scattered at
// the receiver, so each small copy costs a memcpy instead of a transfer.
// Both ends know the copy list (from the sealed command channel). The batch
// is bounded: at most kMaxBatchBytes in total.
inline constexpr std::size_t kMaxBatchBytes = 16u << 20;
Status SendBatchSealed(StreamSealer& sealer, const SlotRing& ring, WorkerPool& pool,
                       std::size_t parallelism, const TransferPlan& plan,
                       std::span<const ByteSpan> sources, Deadline deadline);
tl::expected<void, TransferError> ReceiveBatchSealed(
    StreamOpener& opener, const SlotRing& ring, WorkerPool& pool,
    std::size_t parallelism, const TransferPlan& plan,
    std::span<const std::span<uint8_t>> destinations, Deadline deadline);

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_TRANSFER_H_
