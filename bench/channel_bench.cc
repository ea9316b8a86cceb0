// Google Benchmark for the channel's per-chunk work (docs/PERFORMANCE.md,
// "Per-chunk cost"): sealing and opening one chunk through the stream layer
// (key and counter accounting, associated data, chunk header) against the
// bare crypto-layer call on the same bytes, so the stream layer's own cost
// per chunk is the difference of two rows measured in one run.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>

#include "base/bytes.h"
#include "base/secret.h"
#include "channel/stream.h"
#include "crypto/aead.h"

namespace ccgpu::channel {
namespace {

const Bytes kEms(48, 0x5c);
constexpr StreamId kId{1, Direction::kHostToDevice, 0};

ChunkInfo Info(std::size_t n) {
  return ChunkInfo{.transfer_id = 7, .chunk_index = 0, .dst_offset = 0,
                   .length = static_cast<uint32_t>(n), .last = true};
}

// The bare crypto layer: one AES-256-GCM seal into shared memory.
void BM_CryptoSeal(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto ctx = crypto::SealingContext::Create(crypto::AeadAlg::kAes256Gcm, SecretBytes::CopyOf(Bytes(32, 1)),
                                            Bytes(12, 2), crypto::CounterLayout::kBigEndianRight);
  if (!ctx) std::abort();
  const Bytes pt(n, 0x11), aad(kChunkHeaderSize, 0x22);
  Bytes out(n + crypto::kAeadTagSize);
  for (auto _ : state) {
    if (!ctx->Seal(aad, pt, out, crypto::OutputSink::kShared)) state.SkipWithError("seal failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// The same bytes through StreamSealer::SealChunk, as the data path seals a
// ring slot.
void BM_SealChunk(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto sealer = StreamSealer::Create(kEms, kId, RotationPolicy{});
  if (!sealer) std::abort();
  const Bytes pt(n, 0x11);
  Bytes slot(kChunkOverhead + n);
  const ChunkInfo info = Info(n);
  for (auto _ : state) {
    if (!sealer->SealChunk(info, pt, slot)) state.SkipWithError("seal failed");
    benchmark::DoNotOptimize(slot.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// StreamOpener::OpenChunk of chunks sealed beforehand (each chunk can be
// opened once: its sequence number is then used).
void BM_OpenChunk(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kBatch = 256;
  auto sealer = StreamSealer::Create(kEms, kId, RotationPolicy{});
  auto opener = StreamOpener::Create(kEms, kId, RotationPolicy{});
  if (!sealer || !opener) std::abort();
  const Bytes pt(n, 0x11);
  Bytes out(n);
  std::vector<Bytes> slots(kBatch, Bytes(kChunkOverhead + n));
  std::size_t next = kBatch;
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      for (Bytes& s : slots) {
        if (!sealer->SealChunk(Info(n), pt, s)) std::abort();
      }
      next = 0;
      state.ResumeTiming();
    }
    if (!opener->OpenChunk(Info(n), slots[next++], out, crypto::InputSource::kShared)) {
      state.SkipWithError("open failed");
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

BENCHMARK(BM_CryptoSeal)->Arg(4 << 10)->Arg(256 << 10);
BENCHMARK(BM_SealChunk)->Arg(4 << 10)->Arg(256 << 10);
BENCHMARK(BM_OpenChunk)->Arg(4 << 10)->Arg(256 << 10);

}  // namespace
}  // namespace ccgpu::channel

BENCHMARK_MAIN();
