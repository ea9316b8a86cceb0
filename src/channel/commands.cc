#include "channel/commands.h"

#include "base/encoding.h"

namespace ccgpu::channel {
namespace {

void PutRange(ByteWriter& w, const DeviceRange& r) {
  w.U64(r.handle).U64(r.offset).U64(r.length);
}

Result<DeviceRange> GetRange(ByteReader& r) {
  DeviceRange out;
  CCGPU_ASSIGN_OR_RETURN(out.handle, r.U64("command.range.handle"));
  CCGPU_ASSIGN_OR_RETURN(out.offset, r.U64("command.range.offset"));
  CCGPU_ASSIGN_OR_RETURN(out.length, r.U64("command.range.length"));
  return out;
}

Result<CopyCmd> GetCopy(ByteReader& r) {
  CopyCmd c;
  CCGPU_ASSIGN_OR_RETURN(c.transfer_id, r.U64("copy.transfer_id"));
  CCGPU_ASSIGN_OR_RETURN(c.range, GetRange(r));
  CCGPU_ASSIGN_OR_RETURN(c.chunk_size, r.U32("copy.chunk_size"));
  CCGPU_ASSIGN_OR_RETURN(c.first_ticket, r.U64("copy.first_ticket"));
  return c;
}

bool OpMatches(Op op, const Command& cmd) {
  switch (op) {
    case Op::kAlloc: return std::holds_alternative<AllocCmd>(cmd);
    case Op::kFree: return std::holds_alternative<FreeCmd>(cmd);
    case Op::kCopyH2D:
    case Op::kCopyD2H: return std::holds_alternative<CopyCmd>(cmd);
    case Op::kLaunch: return std::holds_alternative<LaunchCmd>(cmd);
    case Op::kFence: return std::holds_alternative<FenceCmd>(cmd);
    case Op::kPeerCopy:
    case Op::kPeerReceive: return std::holds_alternative<PeerCopyCmd>(cmd);
    case Op::kCopyH2DBatch:
    case Op::kCopyD2HBatch: return std::holds_alternative<CopyBatchCmd>(cmd);
    case Op::kSetPeerKey: return std::holds_alternative<SetPeerKeyCmd>(cmd);
  }
  return false;
}

}  // namespace

Result<Bytes> EncodeCommand(const CommandMessage& msg) {
  if (!OpMatches(msg.op, msg.cmd)) return Fail(Errc::kInvalidArgument, "command: op does not match body");
  ByteWriter w;
  w.U8(static_cast<uint8_t>(msg.op));
  if (const auto* c = std::get_if<AllocCmd>(&msg.cmd)) {
    w.U64(c->size);
  } else if (const auto* f = std::get_if<FreeCmd>(&msg.cmd)) {
    w.U64(f->handle);
  } else if (const auto* cp = std::get_if<CopyCmd>(&msg.cmd)) {
    w.U64(cp->transfer_id);
    PutRange(w, cp->range);
    w.U32(cp->chunk_size).U64(cp->first_ticket);
  } else if (const auto* l = std::get_if<LaunchCmd>(&msg.cmd)) {
    if (l->kernel.empty() || l->kernel.size() > kMaxKernelName || l->args.size() > kMaxLaunchArgs) {
      return Fail(Errc::kInvalidArgument, "command: kernel name or argument count out of range");
    }
    w.Prefixed8(AsBytes(l->kernel)).U8(l->args.size());
    for (const LaunchArg& a : l->args) {
      w.U8(static_cast<uint8_t>(a.kind));
      switch (a.kind) {
        case LaunchArg::Kind::kBuffer: PutRange(w, a.buffer); break;
        case LaunchArg::Kind::kU64: w.U64(a.u64); break;
        case LaunchArg::Kind::kF32: w.U32(a.f32_bits); break;
      }
    }
  } else if (std::holds_alternative<FenceCmd>(msg.cmd)) {
    // no body
  } else if (const auto* p = std::get_if<PeerCopyCmd>(&msg.cmd)) {
    w.U32(p->peer_device).U64(p->transfer_id);
    PutRange(w, p->src);
    PutRange(w, p->dst);
    w.U32(p->chunk_size);
  } else if (const auto* k = std::get_if<SetPeerKeyCmd>(&msg.cmd)) {
    if (k->key.size() != kPeerKeySize) return Fail(Errc::kInvalidArgument, "command: peer key must be 48 bytes");
    w.U32(k->peer_device).U32(k->link_id).Append(k->key);
  } else if (const auto* b = std::get_if<CopyBatchCmd>(&msg.cmd)) {
    if (b->ranges.empty() || b->ranges.size() > kMaxBatchRanges) {
      return Fail(Errc::kInvalidArgument, "command: batch needs 1..256 ranges");
    }
    w.U64(b->transfer_id).U32(b->chunk_size).U64(b->first_ticket).U16(b->ranges.size());
    for (const DeviceRange& r : b->ranges) PutRange(w, r);
  }
  return std::move(w).Finish();
}

Result<CommandMessage> DecodeCommand(ByteSpan bytes) {
  ByteReader r(bytes);
  CCGPU_ASSIGN_OR_RETURN(uint8_t op_byte, r.U8("command.op"));
  CommandMessage msg{static_cast<Op>(op_byte), FenceCmd{}};
  switch (msg.op) {
    case Op::kAlloc: {
      AllocCmd c;
      CCGPU_ASSIGN_OR_RETURN(c.size, r.U64("alloc.size"));
      msg.cmd = c;
      break;
    }
    case Op::kFree: {
      FreeCmd c;
      CCGPU_ASSIGN_OR_RETURN(c.handle, r.U64("free.handle"));
      msg.cmd = c;
      break;
    }
    case Op::kCopyH2D:
    case Op::kCopyD2H: {
      CCGPU_ASSIGN_OR_RETURN(CopyCmd c, GetCopy(r));
      msg.cmd = c;
      break;
    }
    case Op::kLaunch: {
      LaunchCmd c;
      CCGPU_ASSIGN_OR_RETURN(ByteSpan name, r.Prefixed8("launch.kernel"));
      if (name.empty() || name.size() > kMaxKernelName) {
        return Fail(Errc::kMalformed, "launch: kernel name empty or longer than 64 bytes");
      }
      c.kernel.assign(name.begin(), name.end());
      CCGPU_ASSIGN_OR_RETURN(uint8_t count, r.U8("launch.arg_count"));
      if (count > kMaxLaunchArgs) return Fail(Errc::kMalformed, "launch: more than 16 arguments");
      for (uint8_t i = 0; i < count; ++i) {
        LaunchArg a;
        CCGPU_ASSIGN_OR_RETURN(uint8_t kind, r.U8("launch.arg.kind"));
        a.kind = static_cast<LaunchArg::Kind>(kind);
        switch (a.kind) {
          case LaunchArg::Kind::kBuffer: {
            CCGPU_ASSIGN_OR_RETURN(a.buffer, GetRange(r));
            break;
          }
          case LaunchArg::Kind::kU64: {
            CCGPU_ASSIGN_OR_RETURN(a.u64, r.U64("launch.arg.u64"));
            break;
          }
          case LaunchArg::Kind::kF32: {
            CCGPU_ASSIGN_OR_RETURN(a.f32_bits, r.U32("launch.arg.f32"));
            break;
          }
          default:
            return Fail(Errc::kMalformed, "launch: unknown argument kind");
        }
        c.args.push_back(a);
      }
      msg.cmd = std::move(c);
      break;
    }
    case Op::kFence:
      msg.cmd = FenceCmd{};
      break;
    case Op::kPeerCopy:
    case Op::kPeerReceive: {
      PeerCopyCmd c;
      CCGPU_ASSIGN_OR_RETURN(c.peer_device, r.U32("peer_copy.peer_device"));
      CCGPU_ASSIGN_OR_RETURN(c.transfer_id, r.U64("peer_copy.transfer_id"));
      CCGPU_ASSIGN_OR_RETURN(c.src, GetRange(r));
      CCGPU_ASSIGN_OR_RETURN(c.dst, GetRange(r));
      CCGPU_ASSIGN_OR_RETURN(c.chunk_size, r.U32("peer_copy.chunk_size"));
      msg.cmd = c;
      break;
    }
    case Op::kSetPeerKey: {
      SetPeerKeyCmd c;
      CCGPU_ASSIGN_OR_RETURN(c.peer_device, r.U32("set_peer_key.peer_device"));
      CCGPU_ASSIGN_OR_RETURN(c.link_id, r.U32("set_peer_key.link_id"));
      CCGPU_ASSIGN_OR_RETURN(ByteSpan key, r.Take(kPeerKeySize, "set_peer_key.key"));
      c.key.assign(key.begin(), key.end());
      msg.cmd = std::move(c);
      break;
    }
    case Op::kCopyH2DBatch:
    case Op::kCopyD2HBatch: {
      CopyBatchCmd c;
      CCGPU_ASSIGN_OR_RETURN(c.transfer_id, r.U64("batch.transfer_id"));
      CCGPU_ASSIGN_OR_RETURN(c.chunk_size, r.U32("batch.chunk_size"));
      CCGPU_ASSIGN_OR_RETURN(c.first_ticket, r.U64("batch.first_ticket"));
      CCGPU_ASSIGN_OR_RETURN(uint16_t count, r.U16("batch.range_count"));
      if (count == 0 || count > kMaxBatchRanges) {
        return Fail(Errc::kMalformed, "batch: range count must be 1..256");
      }
      for (uint16_t i = 0; i < count; ++i) {
        CCGPU_ASSIGN_OR_RETURN(DeviceRange range, GetRange(r));
        c.ranges.push_back(range);
      }
      msg.cmd = std::move(c);
      break;
    }
    default:
      return Fail(Errc::kMalformed, "command: unknown op");
  }
  // One rule for every command: the record holds exactly one message.
  CCGPU_TRY(r.ExpectEnd("command: bytes after the message"));
  return msg;
}

Result<Bytes> EncodeCompletion(const Completion& c) {
  ByteWriter w;
  w.U64(c.command_seq).U16(c.status).Prefixed32(c.payload);
  return std::move(w).Finish();
}

Result<Completion> DecodeCompletion(ByteSpan bytes) {
  ByteReader r(bytes);
  Completion c;
  CCGPU_ASSIGN_OR_RETURN(c.command_seq, r.U64("completion.command_seq"));
  CCGPU_ASSIGN_OR_RETURN(c.status, r.U16("completion.status"));
  CCGPU_ASSIGN_OR_RETURN(ByteSpan payload, r.Prefixed32("completion.payload"));
  c.payload.assign(payload.begin(), payload.end());
  CCGPU_TRY(r.ExpectEnd("completion: bytes after the message"));
  return c;
}

}  // namespace ccgpu::channel
