#include "runtime/device_channel.h"

#include <unistd.h>

#include <bit>
#include <cstring>
#include <mutex>
#include <optional>

#include "base/encoding.h"
#include "channel/record.h"
#include "channel/ring.h"
#include "channel/shm.h"
#include "channel/worker_pool.h"
#include "crypto/rng.h"

namespace ccgpu::runtime {

using channel::CommandMessage;
using channel::Op;
using channel::SlotRing;
using channel::TransferPlan;
using SteadyClock = std::chrono::steady_clock;

namespace {

// Peer-link chunks: at most the device's link slots (PeerLinkOptions default).
constexpr uint32_t kMaxPeerChunk = 256 * 1024;
constexpr uint32_t kLinkSlots = 16;

TransferError TErr(Errc code, const char* context, uint64_t chunk = 0) {
  return TransferError{Error{code, context}, chunk};
}

Result<uint64_t> U64Of(ByteSpan p) {
  ByteReader r(p);
  CCGPU_ASSIGN_OR_RETURN(uint64_t v, r.U64("completion.payload.u64"));
  CCGPU_TRY(r.ExpectEnd("completion.payload: bytes after the u64"));
  return v;
}

struct Ring {
  channel::SharedRegion region;
  SlotRing ring;
};

Result<Ring> MakeRing(const std::string& name, const channel::RingGeometry& g) {
  CCGPU_ASSIGN_OR_RETURN(auto region,
                         channel::SharedRegion::CreateNamed(name, SlotRing::RequiredSize(g.slot_count, g.slot_payload)));
  CCGPU_ASSIGN_OR_RETURN(auto ring, SlotRing::Format(region.bytes(), g.slot_count, g.slot_payload));
  return Ring{std::move(region), ring};
}

}  // namespace

Status ToStatus(const TransferStatus& s) {
  if (!s) return tl::unexpected(s.error().error);
  return OkStatus();
}

LaunchArg BufferArg(const DeviceRange& r) { return LaunchArg{LaunchArg::Kind::kBuffer, r, 0, 0}; }
LaunchArg U64Arg(uint64_t v) { return LaunchArg{LaunchArg::Kind::kU64, {}, v, 0}; }
LaunchArg F32Arg(float v) { return LaunchArg{LaunchArg::Kind::kF32, {}, 0, std::bit_cast<uint32_t>(v)}; }

struct DeviceChannel::State {
  DeviceChannelOptions opt;
  std::mutex mu;
  Ring cmd, cpl, h2d, d2h;
  channel::RecordSender sender;
  channel::RecordReceiver receiver;
  channel::StreamSealer sealer;
  channel::StreamOpener opener;
  channel::WorkerPool pool;
  channel::OpenChannelRequest open_req;
  uint32_t device_index = 0;
  uint64_t memory_bytes = 0;
  uint64_t next_transfer = 1;
  uint64_t h2d_ticket = 0;
  uint64_t d2h_ticket = 0;
  std::atomic<bool> healthy{true};

  State(const DeviceChannelOptions& o, Ring c, Ring p, Ring h, Ring d, channel::RecordSender s,
        channel::RecordReceiver r, channel::StreamSealer se, channel::StreamOpener op)
      : opt(o), cmd(std::move(c)), cpl(std::move(p)), h2d(std::move(h)), d2h(std::move(d)),
        sender(std::move(s)), receiver(std::move(r)), sealer(std::move(se)), opener(std::move(op)),
        pool(o.threads - 1) {}

  SteadyClock::time_point Deadline() const { return SteadyClock::now() + opt.timeout; }

  TransferPlan NextPlan(uint64_t dst_offset, uint64_t length, bool h2d_dir) {
    TransferPlan plan{next_transfer++, dst_offset, length,
                      channel::ChunkSizeFor(length, opt.threads, opt.chunk_size), 0};
    uint64_t& ticket = h2d_dir ? h2d_ticket : d2h_ticket;
    plan.first_ticket = ticket;
    ticket += plan.chunk_count();
    return plan;
  }

  // Seals and sends one command; its sequence number.
  Result<uint64_t> Send(const CommandMessage& msg) {
    if (!healthy.load()) return Fail(Errc::kChannelBroken, "device channel: closed after a rejected record or timeout");
    CCGPU_ASSIGN_OR_RETURN(Bytes bytes, channel::EncodeCommand(msg));
    const uint64_t seq = sender.next_sequence();
    Status st = sender.Send(cmd.ring, bytes, Deadline());
    SecureWipe(bytes.data(), bytes.size());
    if (!st) {
      healthy.store(false);
      return tl::unexpected(st.error());
    }
    return seq;
  }

  // Opens the completion of command `seq`: its payload, or the device's
  // error (with the payload for transfer errors in `payload_out`).
  Result<Bytes> Await(uint64_t seq, Bytes* payload_out = nullptr) {
    auto rec = receiver.Receive(cpl.ring, Deadline());
    if (!rec) {
      healthy.store(false);  // completions are strictly ordered: nothing later can open
      return tl::unexpected(rec.error());
    }
    auto c = channel::DecodeCompletion(rec->reveal());
    if (!c) {
      healthy.store(false);
      return tl::unexpected(c.error());
    }
    if (c->command_seq != seq) {
      healthy.store(false);
      return Fail(Errc::kChannelBroken, "device channel: completion for another command");
    }
    if (c->status != 0) {
      // The device's last word on a rejected command record (executor.h).
      if (c->payload.size() == 1 && c->payload[0] == 1) healthy.store(false);
      if (payload_out) *payload_out = c->payload;
      return Fail(static_cast<Errc>(c->status), "device: command failed");
    }
    return std::move(c->payload);
  }

  // Completion of a transfer command: chunk index from the payload.
  TransferStatus AwaitTransfer(uint64_t seq, const TransferStatus& local) {
    Bytes payload;
    auto done = Await(seq, &payload);
    if (!done) {
      uint64_t chunk = local ? 0 : local.error().chunk_index;
      if (auto idx = U64Of(payload)) chunk = *idx;
      return tl::unexpected(TransferError{done.error(), chunk});
    }
    return local;
  }
};

DeviceChannel::DeviceChannel(std::unique_ptr<State> state) : state_(std::move(state)) {}
DeviceChannel::~DeviceChannel() = default;

Result<std::unique_ptr<DeviceChannel>> DeviceChannel::Create(ByteSpan ems, const DeviceChannelOptions& options) {
  if (ems.empty()) return Fail(Errc::kInvalidArgument, "device channel: empty export master secret");
  if (options.threads == 0) return Fail(Errc::kInvalidArgument, "device channel: threads must be >= 1");
  CCGPU_TRY(channel::CheckGeometry(options.geometry));
  if (options.chunk_size == 0 || options.chunk_size > options.geometry.max_chunk()) {
    return Fail(Errc::kInvalidArgument, "device channel: chunk size 0 or larger than the data slots");
  }
  {
    // Chunks sealed ahead of the receiver (a ring's depth, data or link)
    // may span this many epochs; the opener must still hold their keys.
    const uint64_t units_per_chunk = (uint64_t{options.chunk_size} + 15) / 16 + 1;
    const uint64_t per_key = std::max<uint64_t>(
        1, std::min(options.rotation.max_units_per_key / units_per_chunk, options.rotation.max_records_per_key));
    const uint64_t depth = std::max({options.geometry.h2d.slot_count, options.geometry.d2h.slot_count,
                                     kLinkSlots});
    if (options.rotation.max_units_per_key < units_per_chunk ||
        options.rotation.epoch_window < (depth + per_key - 1) / per_key + 2) {
      return Fail(Errc::kInvalidArgument,
                  "device channel: rotation limits too small for the chunk size, or epoch window smaller "
                  "than ring depth / chunks per key + 2");
    }
  }
  std::string prefix = options.shm_prefix;
  if (prefix.empty()) {
    CCGPU_ASSIGN_OR_RETURN(Bytes rnd, crypto::RandomBytes(6));
    prefix = "/ccgpu-" + std::to_string(getpid()) + "-" + HexEncode(rnd);
  }
  const auto& g = options.geometry;
  CCGPU_ASSIGN_OR_RETURN(Ring cmd, MakeRing(prefix + "-cmd", g.command));
  CCGPU_ASSIGN_OR_RETURN(Ring cpl, MakeRing(prefix + "-cpl", g.completion));
  CCGPU_ASSIGN_OR_RETURN(Ring h2d, MakeRing(prefix + "-h2d", g.h2d));
  CCGPU_ASSIGN_OR_RETURN(Ring d2h, MakeRing(prefix + "-d2h", g.d2h));
  const uint32_t id = options.channel_id;
  CCGPU_ASSIGN_OR_RETURN(auto sender, channel::RecordSender::Create(ems, {id, channel::Direction::kCommand, 0}));
  CCGPU_ASSIGN_OR_RETURN(auto receiver, channel::RecordReceiver::Create(ems, {id, channel::Direction::kCompletion, 0}));
  CCGPU_ASSIGN_OR_RETURN(auto sealer, channel::StreamSealer::Create(
                                          ems, {id, channel::Direction::kHostToDevice, 0}, options.rotation));
  CCGPU_ASSIGN_OR_RETURN(auto opener, channel::StreamOpener::Create(
                                          ems, {id, channel::Direction::kDeviceToHost, 0}, options.rotation));
  channel::OpenChannelRequest req;
  req.channel_id = id;
  req.geometry = g;
  req.rotation = options.rotation;
  req.command_shm = cmd.region.name();
  req.completion_shm = cpl.region.name();
  req.h2d_shm = h2d.region.name();
  req.d2h_shm = d2h.region.name();
  CCGPU_TRY(channel::EncodeOpenChannel(req));  // names and geometry acceptable to the device
  auto state = std::make_unique<State>(options, std::move(cmd), std::move(cpl), std::move(h2d), std::move(d2h),
                                       std::move(sender), std::move(receiver), std::move(sealer),
                                       std::move(opener));
  state->open_req = std::move(req);
  return std::unique_ptr<DeviceChannel>(new DeviceChannel(std::move(state)));
}

const channel::OpenChannelRequest& DeviceChannel::open_request() const { return state_->open_req; }

Bytes DeviceChannel::OpenChannelMessage() const { return *channel::EncodeOpenChannel(state_->open_req); }

Status DeviceChannel::AcceptOpenResponse(ByteSpan response_payload) {
  CCGPU_ASSIGN_OR_RETURN(Bytes body,
                         channel::DecodeControlResponse(channel::ControlCode::kOpenChannel, response_payload));
  CCGPU_ASSIGN_OR_RETURN(auto resp, channel::DecodeOpenChannelResponse(body));
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->device_index = resp.device_index;
  state_->memory_bytes = resp.protected_memory_bytes;
  return OkStatus();
}

Status DeviceChannel::Open(const VendorCall& call) {
  CCGPU_ASSIGN_OR_RETURN(Bytes resp, call(channel::kControlStandardId, channel::kControlVendorId,
                                          OpenChannelMessage()));
  return AcceptOpenResponse(resp);
}

Status DeviceChannel::SetReady(const VendorCall& call) {
  CCGPU_ASSIGN_OR_RETURN(Bytes resp, call(channel::kControlStandardId, channel::kControlVendorId,
                                          channel::EncodeSetReady()));
  CCGPU_TRY(channel::DecodeControlResponse(channel::ControlCode::kSetReady, resp));
  return OkStatus();
}

Status DeviceChannel::Close(const VendorCall& call) {
  CCGPU_ASSIGN_OR_RETURN(Bytes resp, call(channel::kControlStandardId, channel::kControlVendorId,
                                          channel::EncodeCloseChannel(state_->opt.channel_id)));
  state_->healthy.store(false);
  CCGPU_TRY(channel::DecodeControlResponse(channel::ControlCode::kCloseChannel, resp));
  return OkStatus();
}

uint32_t DeviceChannel::device_index() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->device_index;
}

uint64_t DeviceChannel::protected_memory_bytes() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->memory_bytes;
}

Result<uint64_t> DeviceChannel::Alloc(uint64_t size) {
  if (size == 0) return Fail(Errc::kInvalidArgument, "alloc: size 0");
  std::lock_guard<std::mutex> lock(state_->mu);
  CCGPU_ASSIGN_OR_RETURN(uint64_t seq, state_->Send({Op::kAlloc, channel::AllocCmd{size}}));
  CCGPU_ASSIGN_OR_RETURN(Bytes payload, state_->Await(seq));
  return U64Of(payload);
}

Status DeviceChannel::Free(uint64_t handle) {
  std::lock_guard<std::mutex> lock(state_->mu);
  CCGPU_ASSIGN_OR_RETURN(uint64_t seq, state_->Send({Op::kFree, channel::FreeCmd{handle}}));
  CCGPU_TRY(state_->Await(seq));
  return OkStatus();
}

TransferStatus DeviceChannel::CopyToDevice(const DeviceRange& dst, ByteSpan data) {
  if (data.size() != dst.length) return tl::unexpected(TErr(Errc::kInvalidArgument, "copy: data size differs from range"));
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  const TransferPlan plan = s.NextPlan(dst.offset, dst.length, true);
  auto seq = s.Send({Op::kCopyH2D, channel::CopyCmd{plan.transfer_id, dst, plan.chunk_size, plan.first_ticket}});
  if (!seq) return tl::unexpected(TransferError{seq.error(), 0});
  // Sealed on the workers straight into the shared ring while the device
  // opens earlier chunks.
  TransferStatus local;
  if (auto st = channel::SendSealed(s.sealer, s.h2d.ring, s.pool, s.opt.threads, plan, data, s.Deadline()); !st) {
    local = tl::unexpected(TransferError{st.error(), 0});
  }
  return s.AwaitTransfer(*seq, local);
}

TransferStatus DeviceChannel::CopyFromDevice(const DeviceRange& src, std::span<uint8_t> out) {
  if (out.size() != src.length) return tl::unexpected(TErr(Errc::kInvalidArgument, "copy: output size differs from range"));
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  const TransferPlan plan = s.NextPlan(src.offset, src.length, false);
  auto seq = s.Send({Op::kCopyD2H, channel::CopyCmd{plan.transfer_id, src, plan.chunk_size, plan.first_ticket}});
  if (!seq) return tl::unexpected(TransferError{seq.error(), 0});
  TransferStatus local = channel::ReceiveSealed(s.opener, s.d2h.ring, s.pool, s.opt.threads, plan, out, s.Deadline());
  // The device's own error (e.g. kNotReady) explains a local failure best.
  return s.AwaitTransfer(*seq, local);
}

TransferStatus DeviceChannel::CopyToDeviceBatch(std::span<const HostToDeviceCopy> copies) {
  if (copies.empty() || copies.size() > channel::kMaxBatchRanges) {
    return tl::unexpected(TErr(Errc::kInvalidArgument, "batch: needs 1..256 copies"));
  }
  uint64_t total = 0;
  channel::CopyBatchCmd cmd;
  std::vector<ByteSpan> sources;
  for (const auto& c : copies) {
    if (c.data.size() != c.dst.length) return tl::unexpected(TErr(Errc::kInvalidArgument, "batch: data size differs from range"));
    total += c.data.size();
    cmd.ranges.push_back(c.dst);
    sources.push_back(c.data);
  }
  if (total > channel::kMaxBatchBytes) return tl::unexpected(TErr(Errc::kInvalidArgument, "batch: larger than kMaxBatchBytes"));
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  const TransferPlan plan = s.NextPlan(0, total, true);
  cmd.transfer_id = plan.transfer_id;
  cmd.chunk_size = plan.chunk_size;
  cmd.first_ticket = plan.first_ticket;
  auto seq = s.Send({Op::kCopyH2DBatch, std::move(cmd)});
  if (!seq) return tl::unexpected(TransferError{seq.error(), 0});
  TransferStatus local;
  if (auto st = channel::SendBatchSealed(s.sealer, s.h2d.ring, s.pool, s.opt.threads, plan, sources, s.Deadline());
      !st) {
    local = tl::unexpected(TransferError{st.error(), 0});
  }
  return s.AwaitTransfer(*seq, local);
}

TransferStatus DeviceChannel::CopyFromDeviceBatch(std::span<const DeviceToHostCopy> copies) {
  if (copies.empty() || copies.size() > channel::kMaxBatchRanges) {
    return tl::unexpected(TErr(Errc::kInvalidArgument, "batch: needs 1..256 copies"));
  }
  uint64_t total = 0;
  channel::CopyBatchCmd cmd;
  std::vector<std::span<uint8_t>> dests;
  for (const auto& c : copies) {
    if (c.out.size() != c.src.length) return tl::unexpected(TErr(Errc::kInvalidArgument, "batch: output size differs from range"));
    total += c.out.size();
    cmd.ranges.push_back(c.src);
    dests.push_back(c.out);
  }
  if (total > channel::kMaxBatchBytes) return tl::unexpected(TErr(Errc::kInvalidArgument, "batch: larger than kMaxBatchBytes"));
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  const TransferPlan plan = s.NextPlan(0, total, false);
  cmd.transfer_id = plan.transfer_id;
  cmd.chunk_size = plan.chunk_size;
  cmd.first_ticket = plan.first_ticket;
  auto seq = s.Send({Op::kCopyD2HBatch, std::move(cmd)});
  if (!seq) return tl::unexpected(TransferError{seq.error(), 0});
  TransferStatus local =
      channel::ReceiveBatchSealed(s.opener, s.d2h.ring, s.pool, s.opt.threads, plan, dests, s.Deadline());
  return s.AwaitTransfer(*seq, local);
}

Status DeviceChannel::Launch(std::string_view kernel, std::span<const LaunchArg> args) {
  channel::LaunchCmd cmd{std::string(kernel), std::vector<LaunchArg>(args.begin(), args.end())};
  std::lock_guard<std::mutex> lock(state_->mu);
  CCGPU_ASSIGN_OR_RETURN(uint64_t seq, state_->Send({Op::kLaunch, std::move(cmd)}));
  CCGPU_TRY(state_->Await(seq));
  return OkStatus();
}

Status DeviceChannel::Fence() {
  std::lock_guard<std::mutex> lock(state_->mu);
  CCGPU_ASSIGN_OR_RETURN(uint64_t seq, state_->Send({Op::kFence, channel::FenceCmd{}}));
  CCGPU_TRY(state_->Await(seq));
  return OkStatus();
}

Status DeviceChannel::SetPeerKey(uint32_t peer_device, uint32_t link_id, const SecretBytes& key) {
  if (key.size() != channel::kPeerKeySize) return Fail(Errc::kInvalidArgument, "peer key: must be 48 bytes");
  channel::SetPeerKeyCmd cmd{peer_device, link_id, Bytes(key.reveal().begin(), key.reveal().end())};
  std::lock_guard<std::mutex> lock(state_->mu);
  CommandMessage msg{Op::kSetPeerKey, std::move(cmd)};
  auto seq = state_->Send(msg);
  auto& k = std::get<channel::SetPeerKeyCmd>(msg.cmd).key;
  SecureWipe(k.data(), k.size());
  if (!seq) return tl::unexpected(seq.error());
  CCGPU_TRY(state_->Await(*seq));
  return OkStatus();
}

TransferStatus DeviceChannel::PeerCopy(DeviceChannel& src_channel, const DeviceRange& src,
                                       DeviceChannel& dst_channel, const DeviceRange& dst) {
  if (&src_channel == &dst_channel) return tl::unexpected(TErr(Errc::kInvalidArgument, "peer copy: same channel"));
  if (src.length != dst.length) return tl::unexpected(TErr(Errc::kInvalidArgument, "peer copy: lengths differ"));
  State& a = *src_channel.state_;
  State& b = *dst_channel.state_;
  std::scoped_lock lock(a.mu, b.mu);
  const uint32_t chunk = std::min(a.opt.chunk_size, kMaxPeerChunk);
  const uint64_t transfer_id = a.next_transfer++;
  channel::PeerCopyCmd to_src{b.device_index, transfer_id, src, dst, chunk};
  channel::PeerCopyCmd to_dst{a.device_index, transfer_id, src, dst, chunk};
  // Both commands go out before either completion is awaited: the two
  // devices run the link pipeline concurrently.
  auto seq_a = a.Send({Op::kPeerCopy, to_src});
  if (!seq_a) return tl::unexpected(TransferError{seq_a.error(), 0});
  auto seq_b = b.Send({Op::kPeerReceive, to_dst});
  if (!seq_b) {
    (void)a.Await(*seq_a);
    return tl::unexpected(TransferError{seq_b.error(), 0});
  }
  TransferStatus sent = a.AwaitTransfer(*seq_a, {});
  TransferStatus received = b.AwaitTransfer(*seq_b, {});
  // The destination's verdict names the failing chunk of a tampered link.
  if (!received) return received;
  return sent;
}

TransferStatus DeviceChannel::PeerSend(uint32_t dst_device, uint64_t transfer_id, const DeviceRange& src,
                                       const DeviceRange& dst) {
  if (src.length != dst.length) return tl::unexpected(TErr(Errc::kInvalidArgument, "peer copy: lengths differ"));
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  const uint32_t chunk = std::min(s.opt.chunk_size, kMaxPeerChunk);
  auto seq = s.Send({Op::kPeerCopy, channel::PeerCopyCmd{dst_device, transfer_id, src, dst, chunk}});
  if (!seq) return tl::unexpected(TransferError{seq.error(), 0});
  return s.AwaitTransfer(*seq, {});
}

TransferStatus DeviceChannel::PeerReceive(uint32_t src_device, uint64_t transfer_id, const DeviceRange& src,
                                          const DeviceRange& dst) {
  if (src.length != dst.length) return tl::unexpected(TErr(Errc::kInvalidArgument, "peer copy: lengths differ"));
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  const uint32_t chunk = std::min(s.opt.chunk_size, kMaxPeerChunk);
  auto seq = s.Send({Op::kPeerReceive, channel::PeerCopyCmd{src_device, transfer_id, src, dst, chunk}});
  if (!seq) return tl::unexpected(TransferError{seq.error(), 0});
  return s.AwaitTransfer(*seq, {});
}

bool DeviceChannel::healthy() const { return state_->healthy.load(); }
std::span<uint8_t> DeviceChannel::command_region() const { return state_->cmd.region.bytes(); }
std::span<uint8_t> DeviceChannel::completion_region() const { return state_->cpl.region.bytes(); }
std::span<uint8_t> DeviceChannel::h2d_region() const { return state_->h2d.region.bytes(); }
std::span<uint8_t> DeviceChannel::d2h_region() const { return state_->d2h.region.bytes(); }

Result<SecretBytes> NewPeerKey() {
  SecretBytes key(channel::kPeerKeySize);
  CCGPU_TRY(crypto::RandomBytes(key.reveal_mutable()));
  return key;
}

}  // namespace ccgpu::runtime
