#include "gpu/engine/executor.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <optional>
#include <thread>

#include "channel/commands.h"
#include "channel/record.h"
#include "channel/ring.h"
#include "channel/transfer.h"
#include "channel/worker_pool.h"
#include "gpu/kernels/kernels.h"

namespace ccgpu::gpu::engine {

using channel::CommandMessage;
using channel::Completion;
using channel::Op;
using channel::SlotRing;
using channel::TransferError;
using channel::TransferPlan;
using SteadyClock = std::chrono::steady_clock;

namespace {

// How long one idle wait for a command record lasts before the thread looks
// at its stop/kill flags again.
constexpr auto kPollInterval = std::chrono::milliseconds(50);
// Payload of the last completion of a channel that rejected a record.
constexpr uint8_t kChannelClosedMarker = 1;

Bytes U64Payload(uint64_t v) {
  Bytes out(8);
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
  return out;
}

// An outcome of one command: status and payload for its completion.
struct Outcome {
  Errc code = Errc{};
  Bytes payload;
  static Outcome Ok(Bytes p = {}) { return {Errc{}, std::move(p)}; }
  static Outcome Err(const Error& e) { return {e.code, {}}; }
  static Outcome Transfer(const TransferError& e) { return {e.error.code, U64Payload(e.chunk_index)}; }
};

// Link streams: engine 0 carries the lower-numbered GPU → higher, 1 the reverse.
channel::StreamId LinkStream(uint32_t link_id, uint32_t from, uint32_t to) {
  return {link_id, channel::Direction::kPeer, static_cast<uint8_t>(from < to ? 0 : 1)};
}

}  // namespace

struct ChannelExecutor::State {
  Device& device;
  DeviceAllocator& allocator;
  PeerLinkHub* links;
  ExecutorConfig config;
  ChannelRegions regions;
  SlotRing cmd_ring, cpl_ring, h2d_ring, d2h_ring;
  uint64_t memory_bytes = 0;

  // Keys (dropped when the channel dies).
  std::optional<channel::RecordReceiver> receiver;
  std::optional<channel::RecordSender> sender;
  std::optional<channel::StreamOpener> opener;
  std::optional<channel::StreamSealer> sealer;
  struct Peer {
    uint32_t link_id;
    channel::StreamSealer sealer;  // this GPU → peer
    channel::StreamOpener opener;  // peer → this GPU
  };
  std::map<uint32_t, Peer> peers;

  channel::WorkerPool pool;
  std::atomic<bool> stop{false};
  std::atomic<bool> killed{false};
  std::atomic<bool> alive{true};
  std::atomic<uint64_t> commands{0}, refused{0}, failed{0};
  int reset_listener = 0;
  int scrub_listener = 0;
  std::thread thread;

  State(Device& d, DeviceAllocator& a, PeerLinkHub* l, const ExecutorConfig& c, ChannelRegions r,
        SlotRing cmd, SlotRing cpl, SlotRing h2d, SlotRing d2h)
      : device(d), allocator(a), links(l), config(c), regions(std::move(r)), cmd_ring(cmd),
        cpl_ring(cpl), h2d_ring(h2d), d2h_ring(d2h), pool(std::max<std::size_t>(c.threads, 1) - 1) {}

  std::size_t parallelism() const { return std::max<std::size_t>(config.threads, 1); }
  SteadyClock::time_point TransferDeadline() const { return SteadyClock::now() + config.transfer_timeout; }
  uint32_t max_chunk() const { return config.geometry.max_chunk(); }

  void Run();
  void Die();
  bool SendCompletion(uint64_t seq, Errc code, Bytes payload);
  Outcome Execute(const CommandMessage& msg);

  Outcome DoAlloc(const channel::AllocCmd& c);
  Outcome DoFree(const channel::FreeCmd& c);
  Outcome DoCopyH2D(const channel::CopyCmd& c);
  Outcome DoCopyD2H(const channel::CopyCmd& c);
  Outcome DoBatch(Op op, const channel::CopyBatchCmd& c);
  Outcome DoLaunch(const channel::LaunchCmd& c);
  Outcome DoSetPeerKey(const channel::SetPeerKeyCmd& c);
  Outcome DoPeerSend(const channel::PeerCopyCmd& c);
  Outcome DoPeerReceive(const channel::PeerCopyCmd& c);

  // Consumes the plan's chunks without opening them (the copy was refused):
  // the ring stays in step with the sender.
  void Drain(const SlotRing& ring, const TransferPlan& plan) {
    const auto deadline = TransferDeadline();
    for (uint64_t i = 0; i < plan.chunk_count(); ++i) {
      if (!ring.AcquireRead(plan.first_ticket + i, deadline)) return;
      ring.ReleaseRead(plan.first_ticket + i);
    }
  }
  // Publishes empty slots for the plan's chunks (a refused send): the
  // receiver fails each at once instead of waiting for its deadline.
  void FillEmpty(const SlotRing& ring, const TransferPlan& plan) {
    const auto deadline = TransferDeadline();
    for (uint64_t i = 0; i < plan.chunk_count(); ++i) {
      if (!ring.AcquireWrite(plan.first_ticket + i, deadline)) return;
      (void)ring.PublishWrite(plan.first_ticket + i, 0);
    }
  }
  // A sane plan (chunk size within the ring's slots); refusing a copy
  // before drain needs it.
  Status CheckChunk(uint32_t chunk_size, uint32_t max) const {
    if (chunk_size == 0 || chunk_size > max) {
      return Fail(Errc::kInvalidArgument, "copy: chunk size 0 or larger than the ring's slots");
    }
    return OkStatus();
  }
  void Scrub(const MemorySpan& s) {
    (void)device.WithEngineRange(s.offset, s.length, [](std::span<uint8_t> m) {
      std::memset(m.data(), 0, m.size());
      return OkStatus();
    });
  }
};

void ChannelExecutor::State::Die() {
  alive.store(false);
  receiver.reset();
  sender.reset();
  opener.reset();
  sealer.reset();
  peers.clear();
}

bool ChannelExecutor::State::SendCompletion(uint64_t seq, Errc code, Bytes payload) {
  if (code != Errc{}) failed.fetch_add(1);
  auto bytes = channel::EncodeCompletion(Completion{seq, static_cast<uint16_t>(code), std::move(payload)});
  if (!bytes || !sender) return false;
  return sender->Send(cpl_ring, *bytes, TransferDeadline()).has_value();
}

void ChannelExecutor::State::Run() {
  while (!stop.load() && !killed.load()) {
    auto rec = receiver->Receive(cmd_ring, SteadyClock::now() + kPollInterval);
    if (!rec) {
      if (rec.error().code == Errc::kTimeout) continue;
      // A forged, altered, replayed, reordered or dropped record: the
      // genuine one is gone, so the channel can never continue. Say why
      // once, for the number the guest is waiting on, then die.
      (void)SendCompletion(receiver->next_sequence(), rec.error().code, Bytes{kChannelClosedMarker});
      break;
    }
    if (killed.load()) break;
    commands.fetch_add(1);
    const uint64_t seq = receiver->next_sequence() - 1;
    auto msg = channel::DecodeCommand(rec->reveal());
    Outcome out = msg ? Execute(*msg) : Outcome::Err(msg.error());
    if (msg) {
      if (auto* k = std::get_if<channel::SetPeerKeyCmd>(&msg->cmd)) SecureWipe(k->key.data(), k->key.size());
    }
    if (!SendCompletion(seq, out.code, std::move(out.payload))) break;
  }
  Die();
}

Outcome ChannelExecutor::State::Execute(const CommandMessage& msg) {
  if (!device.ready()) {
    refused.fetch_add(1);
    // Keep the data rings in step: consume what the guest sends, fill what
    // it waits for.
    if (const auto* c = std::get_if<channel::CopyCmd>(&msg.cmd); c && CheckChunk(c->chunk_size, max_chunk())) {
      const TransferPlan plan{c->transfer_id, c->range.offset, c->range.length, c->chunk_size, c->first_ticket};
      if (msg.op == Op::kCopyH2D) Drain(h2d_ring, plan);
      if (msg.op == Op::kCopyD2H) FillEmpty(d2h_ring, plan);
    }
    if (const auto* b = std::get_if<channel::CopyBatchCmd>(&msg.cmd); b && CheckChunk(b->chunk_size, max_chunk())) {
      uint64_t total = 0;
      for (const auto& r : b->ranges) total += std::min<uint64_t>(r.length, channel::kMaxBatchBytes);
      if (total <= channel::kMaxBatchBytes) {
        const TransferPlan plan{b->transfer_id, 0, total, b->chunk_size, b->first_ticket};
        if (msg.op == Op::kCopyH2DBatch) Drain(h2d_ring, plan);
        if (msg.op == Op::kCopyD2HBatch) FillEmpty(d2h_ring, plan);
      }
    }
    return Outcome::Err(Error{Errc::kNotReady, "device not ready"});
  }
  switch (msg.op) {
    case Op::kAlloc: return DoAlloc(std::get<channel::AllocCmd>(msg.cmd));
    case Op::kFree: return DoFree(std::get<channel::FreeCmd>(msg.cmd));
    case Op::kCopyH2D: return DoCopyH2D(std::get<channel::CopyCmd>(msg.cmd));
    case Op::kCopyD2H: return DoCopyD2H(std::get<channel::CopyCmd>(msg.cmd));
    case Op::kCopyH2DBatch:
    case Op::kCopyD2HBatch: return DoBatch(msg.op, std::get<channel::CopyBatchCmd>(msg.cmd));
    case Op::kLaunch: return DoLaunch(std::get<channel::LaunchCmd>(msg.cmd));
    case Op::kFence: return Outcome::Ok();  // commands run in order: all earlier ones are done
    case Op::kSetPeerKey: return DoSetPeerKey(std::get<channel::SetPeerKeyCmd>(msg.cmd));
    case Op::kPeerCopy: return DoPeerSend(std::get<channel::PeerCopyCmd>(msg.cmd));
    case Op::kPeerReceive: return DoPeerReceive(std::get<channel::PeerCopyCmd>(msg.cmd));
  }
  return Outcome::Err(Error{Errc::kUnsupported, "unknown op"});
}

Outcome ChannelExecutor::State::DoAlloc(const channel::AllocCmd& c) {
  auto h = allocator.Alloc(config.channel_id, c.size);
  if (!h) return Outcome::Err(h.error());
  return Outcome::Ok(U64Payload(*h));
}

Outcome ChannelExecutor::State::DoFree(const channel::FreeCmd& c) {
  auto span = allocator.Free(config.channel_id, c.handle);
  if (!span) return Outcome::Err(span.error());
  Scrub(*span);
  return Outcome::Ok();
}

Outcome ChannelExecutor::State::DoCopyH2D(const channel::CopyCmd& c) {
  if (auto st = CheckChunk(c.chunk_size, max_chunk()); !st) return Outcome::Err(st.error());
  const TransferPlan plan{c.transfer_id, c.range.offset, c.range.length, c.chunk_size, c.first_ticket};
  auto span = allocator.Resolve(config.channel_id, c.range);
  if (!span) {
    Drain(h2d_ring, plan);
    return Outcome::Err(span.error());
  }
  std::optional<TransferError> terr;
  Status st = device.WithEngineRange(span->offset, span->length, [&](std::span<uint8_t> dest) -> Status {
    // Opened straight into protected memory; a failure poisons `dest`.
    auto r = channel::ReceiveSealed(*opener, h2d_ring, pool, parallelism(), plan, dest, TransferDeadline());
    if (!r) terr = r.error();
    return OkStatus();
  });
  if (!st) {
    Drain(h2d_ring, plan);
    return Outcome::Err(st.error());
  }
  if (terr) return Outcome::Transfer(*terr);
  return Outcome::Ok();
}

Outcome ChannelExecutor::State::DoCopyD2H(const channel::CopyCmd& c) {
  if (auto st = CheckChunk(c.chunk_size, max_chunk()); !st) return Outcome::Err(st.error());
  const TransferPlan plan{c.transfer_id, c.range.offset, c.range.length, c.chunk_size, c.first_ticket};
  auto span = allocator.Resolve(config.channel_id, c.range);
  if (!span) {
    FillEmpty(d2h_ring, plan);
    return Outcome::Err(span.error());
  }
  bool started = false;
  Status st = device.WithEngineRange(span->offset, span->length, [&](std::span<uint8_t> src) -> Status {
    started = true;
    // Sealed straight from protected memory into the shared slots.
    return channel::SendSealed(*sealer, d2h_ring, pool, parallelism(), plan, src, TransferDeadline());
  });
  if (!st) {
    if (!started) FillEmpty(d2h_ring, plan);
    return Outcome::Err(st.error());
  }
  return Outcome::Ok();
}

Outcome ChannelExecutor::State::DoBatch(Op op, const channel::CopyBatchCmd& c) {
  if (auto st = CheckChunk(c.chunk_size, max_chunk()); !st) return Outcome::Err(st.error());
  uint64_t total = 0;
  std::vector<MemorySpan> spans;
  std::optional<Error> bad;
  for (const auto& r : c.ranges) {
    total += std::min<uint64_t>(r.length, channel::kMaxBatchBytes + 1);
    auto s = allocator.Resolve(config.channel_id, r);
    if (!s) {
      if (!bad) bad = s.error();
      continue;
    }
    spans.push_back(*s);
  }
  if (total > channel::kMaxBatchBytes) {
    // Neither end moves data for an oversized batch (the guest's own
    // SendBatchSealed refuses it too).
    return Outcome::Err(Error{Errc::kInvalidArgument, "batch: larger than kMaxBatchBytes"});
  }
  const TransferPlan plan{c.transfer_id, 0, total, c.chunk_size, c.first_ticket};
  const bool h2d = op == Op::kCopyH2DBatch;
  if (bad) {
    if (h2d) Drain(h2d_ring, plan);
    else FillEmpty(d2h_ring, plan);
    return Outcome::Err(*bad);
  }
  std::optional<TransferError> terr;
  bool started = false;
  Status st = device.WithEngineRange(0, memory_bytes, [&](std::span<uint8_t> mem) -> Status {
    started = true;
    if (h2d) {
      std::vector<std::span<uint8_t>> dests;
      for (const auto& s : spans) dests.push_back(mem.subspan(s.offset, s.length));
      auto r = channel::ReceiveBatchSealed(*opener, h2d_ring, pool, parallelism(), plan, dests,
                                           TransferDeadline());
      if (!r) terr = r.error();
      return OkStatus();
    }
    std::vector<ByteSpan> srcs;
    for (const auto& s : spans) srcs.push_back(mem.subspan(s.offset, s.length));
    return channel::SendBatchSealed(*sealer, d2h_ring, pool, parallelism(), plan, srcs, TransferDeadline());
  });
  if (!st) {
    if (!started) {
      if (h2d) Drain(h2d_ring, plan);
      else FillEmpty(d2h_ring, plan);
    }
    return Outcome::Err(st.error());
  }
  if (terr) return Outcome::Transfer(*terr);
  return Outcome::Ok();
}

Outcome ChannelExecutor::State::DoLaunch(const channel::LaunchCmd& c) {
  std::vector<MemorySpan> spans(c.args.size());
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    if (c.args[i].kind != channel::LaunchArg::Kind::kBuffer) continue;
    auto s = allocator.Resolve(config.channel_id, c.args[i].buffer);
    if (!s) return Outcome::Err(s.error());
    spans[i] = *s;
  }
  Status st = device.WithEngineRange(0, memory_bytes, [&](std::span<uint8_t> mem) -> Status {
    std::vector<KernelArg> args;
    for (std::size_t i = 0; i < c.args.size(); ++i) {
      const auto& a = c.args[i];
      switch (a.kind) {
        case channel::LaunchArg::Kind::kBuffer:
          args.push_back(KernelArg::Buffer(mem.subspan(spans[i].offset, spans[i].length)));
          break;
        case channel::LaunchArg::Kind::kU64: args.push_back(KernelArg::U64(a.u64)); break;
        case channel::LaunchArg::Kind::kF32: args.push_back(KernelArg::F32(std::bit_cast<float>(a.f32_bits))); break;
      }
    }
    LaunchContext ctx{args, &pool, parallelism()};
    return Launch(c.kernel, ctx);
  });
  if (!st) return Outcome::Err(st.error());
  return Outcome::Ok();
}

Outcome ChannelExecutor::State::DoSetPeerKey(const channel::SetPeerKeyCmd& c) {
  if (links == nullptr) return Outcome::Err(Error{Errc::kUnsupported, "peer link: not available on this device"});
  const uint32_t self = device.index();
  if (c.peer_device == self) return Outcome::Err(Error{Errc::kInvalidArgument, "peer key: peer is this GPU"});
  auto s = channel::StreamSealer::Create(c.key, LinkStream(c.link_id, self, c.peer_device), config.rotation);
  auto o = channel::StreamOpener::Create(c.key, LinkStream(c.link_id, c.peer_device, self), config.rotation);
  if (!s) return Outcome::Err(s.error());
  if (!o) return Outcome::Err(o.error());
  peers.erase(c.peer_device);
  peers.emplace(c.peer_device, Peer{c.link_id, std::move(*s), std::move(*o)});
  return Outcome::Ok();
}

Outcome ChannelExecutor::State::DoPeerSend(const channel::PeerCopyCmd& c) {
  if (links == nullptr) return Outcome::Err(Error{Errc::kUnsupported, "peer link: not available on this device"});
  auto it = peers.find(c.peer_device);
  if (it == peers.end()) return Outcome::Err(Error{Errc::kStateError, "peer copy: no link key for that GPU"});
  if (c.src.length != c.dst.length) return Outcome::Err(Error{Errc::kInvalidArgument, "peer copy: lengths differ"});
  if (auto st = CheckChunk(c.chunk_size, links->max_chunk()); !st) return Outcome::Err(st.error());
  auto link = links->Get(it->second.link_id, device.index(), c.peer_device);
  if (!link) return Outcome::Err(link.error());
  TransferPlan plan{c.transfer_id, c.dst.offset, c.src.length, c.chunk_size, 0};
  plan.first_ticket = (*link)->send_next.fetch_add(plan.chunk_count());
  auto span = allocator.Resolve(config.channel_id, c.src);
  if (!span) {
    FillEmpty((*link)->ring, plan);
    return Outcome::Err(span.error());
  }
  bool started = false;
  Status st = device.WithEngineRange(span->offset, span->length, [&](std::span<uint8_t> src) -> Status {
    started = true;
    return channel::SendSealed(it->second.sealer, (*link)->ring, pool, parallelism(), plan, src,
                               TransferDeadline());
  });
  if (!st) {
    if (!started) FillEmpty((*link)->ring, plan);
    return Outcome::Err(st.error());
  }
  return Outcome::Ok();
}

Outcome ChannelExecutor::State::DoPeerReceive(const channel::PeerCopyCmd& c) {
  if (links == nullptr) return Outcome::Err(Error{Errc::kUnsupported, "peer link: not available on this device"});
  auto it = peers.find(c.peer_device);
  if (it == peers.end()) return Outcome::Err(Error{Errc::kStateError, "peer receive: no link key for that GPU"});
  if (c.src.length != c.dst.length) return Outcome::Err(Error{Errc::kInvalidArgument, "peer copy: lengths differ"});
  if (auto st = CheckChunk(c.chunk_size, links->max_chunk()); !st) return Outcome::Err(st.error());
  auto link = links->Get(it->second.link_id, c.peer_device, device.index());
  if (!link) return Outcome::Err(link.error());
  TransferPlan plan{c.transfer_id, c.dst.offset, c.dst.length, c.chunk_size, 0};
  plan.first_ticket = (*link)->recv_next.fetch_add(plan.chunk_count());
  auto span = allocator.Resolve(config.channel_id, c.dst);
  if (!span) {
    Drain((*link)->ring, plan);
    return Outcome::Err(span.error());
  }
  std::optional<TransferError> terr;
  Status st = device.WithEngineRange(span->offset, span->length, [&](std::span<uint8_t> dest) -> Status {
    auto r = channel::ReceiveSealed(it->second.opener, (*link)->ring, pool, parallelism(), plan, dest,
                                    TransferDeadline());
    if (!r) terr = r.error();
    return OkStatus();
  });
  if (!st) {
    Drain((*link)->ring, plan);
    return Outcome::Err(st.error());
  }
  if (terr) return Outcome::Transfer(*terr);
  return Outcome::Ok();
}

// ------------------------------------------------------------------ public

Result<std::unique_ptr<ChannelExecutor>> ChannelExecutor::Start(Device& device, DeviceAllocator& allocator,
                                                               PeerLinkHub* links, ByteSpan ems,
                                                               const ExecutorConfig& config,
                                                               ChannelRegions regions) {
  const auto& g = config.geometry;
  CCGPU_TRY(channel::CheckGeometry(g));
  CCGPU_ASSIGN_OR_RETURN(SlotRing cmd, SlotRing::Attach(regions.command, g.command.slot_count, g.command.slot_payload));
  CCGPU_ASSIGN_OR_RETURN(SlotRing cpl,
                         SlotRing::Attach(regions.completion, g.completion.slot_count, g.completion.slot_payload));
  CCGPU_ASSIGN_OR_RETURN(SlotRing h2d, SlotRing::Attach(regions.h2d, g.h2d.slot_count, g.h2d.slot_payload));
  CCGPU_ASSIGN_OR_RETURN(SlotRing d2h, SlotRing::Attach(regions.d2h, g.d2h.slot_count, g.d2h.slot_payload));
  auto state = std::make_unique<State>(device, allocator, links, config, std::move(regions), cmd, cpl, h2d, d2h);
  const uint32_t id = config.channel_id;
  CCGPU_ASSIGN_OR_RETURN(auto receiver, channel::RecordReceiver::Create(ems, {id, channel::Direction::kCommand, 0}));
  CCGPU_ASSIGN_OR_RETURN(auto sender, channel::RecordSender::Create(ems, {id, channel::Direction::kCompletion, 0}));
  CCGPU_ASSIGN_OR_RETURN(auto opener, channel::StreamOpener::Create(
                                          ems, {id, channel::Direction::kHostToDevice, 0}, config.rotation));
  CCGPU_ASSIGN_OR_RETURN(auto sealer, channel::StreamSealer::Create(
                                          ems, {id, channel::Direction::kDeviceToHost, 0}, config.rotation));
  state->receiver.emplace(std::move(receiver));
  state->sender.emplace(std::move(sender));
  state->opener.emplace(std::move(opener));
  state->sealer.emplace(std::move(sealer));
  state->memory_bytes = device.Status().protected_memory_bytes;
  State* raw = state.get();
  state->reset_listener = device.AddResetListener([raw](uint64_t) {
    raw->killed.store(true);
    raw->alive.store(false);
  });
  // A TDISP interface leaving LOCKED/RUN (host change, STOP) scrubs the
  // guest's state: this channel's keys die with it, as on a reset.
  state->scrub_listener = device.AddScrubListener([raw](uint64_t) {
    raw->killed.store(true);
    raw->alive.store(false);
  });
  state->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<ChannelExecutor>(new ChannelExecutor(std::move(state)));
}

ChannelExecutor::ChannelExecutor(std::unique_ptr<State> state) : state_(std::move(state)) {}

ChannelExecutor::~ChannelExecutor() {
  state_->device.RemoveResetListener(state_->reset_listener);
  state_->device.RemoveScrubListener(state_->scrub_listener);
  state_->stop.store(true);
  if (state_->thread.joinable()) state_->thread.join();
  for (const MemorySpan& s : state_->allocator.FreeAll(state_->config.channel_id)) state_->Scrub(s);
}

void ChannelExecutor::Kill() {
  state_->killed.store(true);
  state_->alive.store(false);
}

bool ChannelExecutor::alive() const { return state_->alive.load(); }
uint32_t ChannelExecutor::channel_id() const { return state_->config.channel_id; }

ExecutorStats ChannelExecutor::stats() const {
  return {state_->commands.load(), state_->refused.load(), state_->failed.load()};
}

}  // namespace ccgpu::gpu::engine
