#include "channel/stream.h"

#include <array>
#include <cstring>
#include <map>
#include <span>
#include <string_view>

#include "base/encoding.h"

namespace ccgpu::channel {
namespace {

using crypto::AeadAlg;
using crypto::SealingContext;

constexpr uint8_t kChunkVersion = 1;
constexpr std::string_view kAadLabel = "ccgpu chunk v1";
// How far ahead of the newest authenticated epoch a chunk may be. Bounds the
// key derivations a forged epoch field can cost the opener.
constexpr uint32_t kMaxEpochSkip = 64;

Result<SecretBytes> InitialSecret(ByteSpan ems, const StreamId& id) {
  return DeriveStreamSecret(ems, "ccgpu stream v1", id);
}

uint64_t UnitsFor(std::size_t length) { return (uint64_t{length} + 15) / 16 + 1; }

// Little-endian fields into a fixed-size stack buffer. The AAD and the
// header are built for every chunk; through ByteWriter (checked,
// out-of-line appends into a heap buffer) they were ~15 % of sealing a
// 4 KiB chunk (perf of channel_bench BM_SealChunk/4096). The layouts are
// fixed, so a write past the end is a bug here: it aborts.
class FixedLe {
 public:
  explicit FixedLe(std::span<uint8_t> out) : p_(out.data()), end_(out.data() + out.size()) {}
  ~FixedLe() { CCGPU_CHECK(p_ == end_); }  // every byte written
  FixedLe(const FixedLe&) = delete;
  FixedLe& operator=(const FixedLe&) = delete;
  FixedLe& Put(uint64_t v, std::size_t width) {
    CCGPU_CHECK(width <= static_cast<std::size_t>(end_ - p_));
    for (std::size_t i = 0; i < width; ++i) p_[i] = static_cast<uint8_t>(v >> (8 * i));
    p_ += width;
    return *this;
  }
  FixedLe& Raw(std::string_view bytes) {
    CCGPU_CHECK(bytes.size() <= static_cast<std::size_t>(end_ - p_));
    std::memcpy(p_, bytes.data(), bytes.size());
    p_ += bytes.size();
    return *this;
  }

 private:
  uint8_t* p_;
  uint8_t* end_;
};

constexpr std::size_t kAadSize = kAadLabel.size() + 4 + 1 + 1 + 1 + 1 + 4 + 8 + 4 + 4 + 8;
using ChunkAad = std::array<uint8_t, kAadSize>;

// The fields that place a chunk, in the order both the AAD and the header
// end with.
void PutPlacement(FixedLe& w, const ChunkInfo& info) {
  w.Put(info.transfer_id, 8).Put(info.chunk_index, 4).Put(info.length, 4).Put(info.dst_offset, 8);
}

// AAD for a chunk, from trusted (expected or sender-side) values.
ChunkAad BuildAad(const StreamId& id, const ChunkInfo& info, uint32_t epoch) {
  ChunkAad aad;
  FixedLe w(aad);
  w.Raw(kAadLabel)
      .Put(id.channel_id, 4)
      .Put(static_cast<uint8_t>(id.direction), 1)
      .Put(id.engine, 1)
      .Put(kChunkVersion, 1)
      .Put(info.last ? 1 : 0, 1)
      .Put(epoch, 4);
  PutPlacement(w, info);
  return aad;
}

Status PolicyOk(const RotationPolicy& p) {
  if (p.max_units_per_key == 0 || p.max_records_per_key == 0 || p.epoch_window == 0) {
    return Fail(Errc::kInvalidArgument, "stream: rotation policy limits must be > 0");
  }
  return OkStatus();
}

}  // namespace

// ---------------------------------------------------------------- sealer

struct StreamSealer::State {
  StreamId id;
  RotationPolicy policy;
  AeadAlg alg;
  std::mutex mu;
  SecretBytes secret;  // epoch_secret[epoch]
  uint32_t epoch = 0;
  std::shared_ptr<SealingContext> ctx;
  uint64_t units = 0;
  uint64_t records = 0;

  // Moves to the next epoch. Caller holds mu.
  Status Rotate() {
    if (epoch == UINT32_MAX) {
      return Fail(Errc::kNonceExhausted, "stream: epoch counter exhausted");
    }
    CCGPU_ASSIGN_OR_RETURN(SecretBytes next, NextEpochSecret(secret));
    CCGPU_ASSIGN_OR_RETURN(auto next_ctx, SealingContextFor(next, alg, policy.max_records_per_key));
    secret = std::move(next);  // the old epoch secret is wiped here
    ctx = std::move(next_ctx);
    ++epoch;
    units = 0;
    records = 0;
    return OkStatus();
  }
};

Result<StreamSealer> StreamSealer::Create(ByteSpan ems, StreamId id,
                                          const RotationPolicy& policy,
                                          AeadAlg alg) {
  CCGPU_TRY(PolicyOk(policy));
  auto state = std::make_unique<State>();
  state->id = id;
  state->policy = policy;
  state->alg = alg;
  CCGPU_ASSIGN_OR_RETURN(state->secret, InitialSecret(ems, id));
  CCGPU_ASSIGN_OR_RETURN(state->ctx, SealingContextFor(state->secret, alg, policy.max_records_per_key));
  return StreamSealer(std::move(state));
}

StreamSealer::StreamSealer(std::unique_ptr<State> state) : state_(std::move(state)) {}
StreamSealer::StreamSealer(StreamSealer&&) noexcept = default;
StreamSealer& StreamSealer::operator=(StreamSealer&&) noexcept = default;
StreamSealer::~StreamSealer() = default;

uint32_t StreamSealer::current_epoch() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->epoch;
}

Result<std::size_t> StreamSealer::SealChunk(const ChunkInfo& info, ByteSpan pt,
                                            std::span<uint8_t> out) {
  return SealChunkGather(info, std::span<const ByteSpan>(&pt, 1), out);
}

Result<std::size_t> StreamSealer::SealChunkGather(const ChunkInfo& info,
                                                  std::span<const ByteSpan> pieces,
                                                  std::span<uint8_t> out) {
  std::size_t length = 0;
  for (ByteSpan p : pieces) length += p.size();
  if (length != info.length || out.size() < kChunkOverhead + length) {
    return Fail(Errc::kInvalidArgument, "stream: chunk buffer sizes do not match");
  }
  State& s = *state_;
  const uint64_t need = UnitsFor(length);
  if (need > s.policy.max_units_per_key) {
    return Fail(Errc::kInvalidArgument, "stream: chunk larger than a key's usage limit");
  }
  std::shared_ptr<SealingContext> ctx;
  uint32_t epoch = 0;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.units + need > s.policy.max_units_per_key ||
        s.records >= s.policy.max_records_per_key) {
      CCGPU_TRY(s.Rotate());
    }
    s.units += need;
    ++s.records;
    ctx = s.ctx;
    epoch = s.epoch;
  }
  const ChunkAad aad = BuildAad(s.id, info, epoch);
  const std::size_t total = kChunkOverhead + length;
  const std::span<uint8_t> body = out.subspan(kChunkHeaderSize, total - kChunkHeaderSize);
  // Chunks are sealed into ring slots and link regions the host can write
  // while we do: crypto must not read back what it wrote (OutputSink).
  constexpr auto kSink = crypto::OutputSink::kShared;
  CCGPU_ASSIGN_OR_RETURN(uint64_t seq, pieces.size() == 1 ? ctx->Seal(aad, pieces[0], body, kSink)
                                                          : ctx->SealGather(aad, pieces, body, kSink));
  static_assert(kChunkHeaderSize == 1 + 1 + 2 + 4 + 8 + 8 + 4 + 4 + 8, "chunk header layout");
  FixedLe header(out.first(kChunkHeaderSize));
  header.Put(kChunkVersion, 1).Put(info.last ? 1 : 0, 1).Put(0, 2).Put(epoch, 4).Put(seq, 8);
  PutPlacement(header, info);
  return total;
}

// ---------------------------------------------------------------- opener

struct StreamOpener::State {
  StreamId id;
  RotationPolicy policy;
  AeadAlg alg;
  std::mutex mu;
  SecretBytes newest_secret;  // epoch_secret[newest]
  uint32_t newest = 0;
  std::map<uint32_t, std::shared_ptr<SealingContext>> epochs;  // kept window

  void Prune() {
    while (!epochs.empty() &&
           epochs.begin()->first + policy.epoch_window <= newest) {
      epochs.erase(epochs.begin());  // SealingContext frees (and OpenSSL wipes) the key
    }
  }
};

Result<StreamOpener> StreamOpener::Create(ByteSpan ems, StreamId id,
                                          const RotationPolicy& policy,
                                          AeadAlg alg) {
  CCGPU_TRY(PolicyOk(policy));
  auto state = std::make_unique<State>();
  state->id = id;
  state->policy = policy;
  state->alg = alg;
  CCGPU_ASSIGN_OR_RETURN(state->newest_secret, InitialSecret(ems, id));
  CCGPU_ASSIGN_OR_RETURN(auto ctx, SealingContextFor(state->newest_secret, alg,
                                              policy.max_records_per_key));
  state->epochs.emplace(0, std::move(ctx));
  return StreamOpener(std::move(state));
}

StreamOpener::StreamOpener(std::unique_ptr<State> state) : state_(std::move(state)) {}
StreamOpener::StreamOpener(StreamOpener&&) noexcept = default;
StreamOpener& StreamOpener::operator=(StreamOpener&&) noexcept = default;
StreamOpener::~StreamOpener() = default;

uint32_t StreamOpener::newest_epoch() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->newest;
}

Status StreamOpener::OpenChunk(const ChunkInfo& expect, ByteSpan sealed,
                               std::span<uint8_t> out, crypto::InputSource source) {
  if (out.size() != expect.length) {
    return Fail(Errc::kInvalidArgument, "stream: output size differs from expected length");
  }
  if (sealed.size() != kChunkOverhead + expect.length) {
    return Fail(Errc::kMalformed, "stream: chunk size differs from expected (truncated or resized)");
  }
  // The header is read from a private copy: the fields checked are the
  // fields used.
  std::array<uint8_t, kChunkHeaderSize> header;
  std::memcpy(header.data(), sealed.data(), kChunkHeaderSize);
  ByteReader r(header);
  CCGPU_ASSIGN_OR_RETURN(uint8_t version, r.U8("chunk.version"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t flags, r.U8("chunk.flags"));
  CCGPU_ASSIGN_OR_RETURN(uint16_t reserved, r.U16("chunk.reserved"));
  CCGPU_ASSIGN_OR_RETURN(uint32_t epoch, r.U32("chunk.epoch"));
  CCGPU_ASSIGN_OR_RETURN(uint64_t seq, r.U64("chunk.seq"));
  CCGPU_ASSIGN_OR_RETURN(uint64_t transfer_id, r.U64("chunk.transfer_id"));
  CCGPU_ASSIGN_OR_RETURN(uint32_t chunk_index, r.U32("chunk.chunk_index"));
  CCGPU_ASSIGN_OR_RETURN(uint32_t length, r.U32("chunk.length"));
  CCGPU_ASSIGN_OR_RETURN(uint64_t dst_offset, r.U64("chunk.dst_offset"));
  if (version != kChunkVersion || reserved != 0 || (flags & ~1u) != 0) {
    return Fail(Errc::kMalformed, "stream: chunk header version/flags/reserved invalid");
  }
  if (transfer_id != expect.transfer_id) {
    return Fail(Errc::kReplay, "stream: chunk belongs to another transfer (replayed or spliced)");
  }
  if (chunk_index != expect.chunk_index) {
    return Fail(Errc::kReplay, "stream: chunk out of order, dropped or duplicated");
  }
  if (length != expect.length || dst_offset != expect.dst_offset ||
      ((flags & 1u) != 0) != expect.last) {
    return Fail(Errc::kMalformed, "stream: chunk length, destination or last flag altered");
  }
  CCGPU_TRY(r.ExpectEnd("chunk.header"));
  const ByteSpan body = sealed.subspan(kChunkHeaderSize);
  // The AAD comes from the expected values, so any header change fails below.
  const ChunkAad aad = BuildAad(state_->id, expect, epoch);

  State& s = *state_;
  std::shared_ptr<SealingContext> ctx;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.epochs.find(epoch);
    if (it != s.epochs.end()) {
      ctx = it->second;
    } else if (epoch < s.newest) {
      return Fail(Errc::kReplay, "stream: chunk sealed under a key already retired");
    } else if (epoch - s.newest > kMaxEpochSkip) {
      return Fail(Errc::kReplay, "stream: chunk names an epoch too far ahead");
    } else {
      // Derive forward, but commit only once the chunk authenticates, so a
      // host rewriting the epoch field cannot make us retire live keys.
      SecretBytes secret = s.newest_secret.Clone();
      std::vector<std::pair<uint32_t, std::shared_ptr<SealingContext>>> fresh;
      for (uint32_t e = s.newest + 1; e <= epoch; ++e) {
        CCGPU_ASSIGN_OR_RETURN(SecretBytes next, NextEpochSecret(secret));
        secret = std::move(next);
        CCGPU_ASSIGN_OR_RETURN(auto c, SealingContextFor(secret, s.alg, s.policy.max_records_per_key));
        fresh.emplace_back(e, std::move(c));
      }
      CCGPU_TRY(fresh.back().second->Open(seq, aad, body, out, source));
      for (auto& [e, c] : fresh) s.epochs.emplace(e, std::move(c));
      s.newest = epoch;
      s.newest_secret = std::move(secret);
      s.Prune();
      return OkStatus();
    }
  }
  return ctx->Open(seq, aad, body, out, source);
}

}  // namespace ccgpu::channel
