// The messages of the sealed command channel between the guest (libccgpu)
// and the device: commands guest → device and completions device → guest.
// They travel only inside RecordSender/RecordReceiver records, so the host
// sees neither operations nor arguments (kernel scalars, key material).
//
// Wire format (all integers little-endian), one message per record:
//   command    = op u8 || body   (bodies below; each ends exactly: trailing
//                                 bytes are kTrailingData)
//   completion = command_seq u64 || status u16 (0 = ok, else an Errc value)
//                || payload (u32 length-prefixed)
#ifndef CCGPU_CHANNEL_COMMANDS_H_
#define CCGPU_CHANNEL_COMMANDS_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ccgpu::channel {

enum class Op : uint8_t {
  kAlloc = 1,
  kFree = 2,
  kCopyH2D = 3,
  kCopyD2H = 4,
  kLaunch = 5,
  kFence = 6,
  kPeerCopy = 7,
  kSetPeerKey = 8,
  kCopyH2DBatch = 9,   // CopyBatchCmd: many small H2D copies, one transfer
  kCopyD2HBatch = 10,  // CopyBatchCmd: many small D2H copies, one transfer
  kPeerReceive = 11,   // PeerCopyCmd sent to the destination GPU: open from the link
};

// Device memory is named by allocation handle + byte offset.
struct DeviceRange {
  uint64_t handle = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  friend bool operator==(const DeviceRange&, const DeviceRange&) = default;
};

struct AllocCmd { uint64_t size = 0; friend bool operator==(const AllocCmd&, const AllocCmd&) = default; };
struct FreeCmd { uint64_t handle = 0; friend bool operator==(const FreeCmd&, const FreeCmd&) = default; };
// A copy's plan: which transfer, where, how it is chunked and where in the
// data ring its first chunk sits (see transfer.h).
struct CopyCmd {
  uint64_t transfer_id = 0;
  DeviceRange range;
  uint32_t chunk_size = 0;
  uint64_t first_ticket = 0;
  friend bool operator==(const CopyCmd&, const CopyCmd&) = default;
};
// Many small copies as one sealed transfer (transfer.h SendBatchSealed):
// the ranges' bytes, concatenated in order, are the transfer's plaintext.
struct CopyBatchCmd {
  uint64_t transfer_id = 0;
  uint32_t chunk_size = 0;
  uint64_t first_ticket = 0;
  std::vector<DeviceRange> ranges;  // 1..kMaxBatchRanges
  friend bool operator==(const CopyBatchCmd&, const CopyBatchCmd&) = default;
};
struct LaunchArg {
  enum class Kind : uint8_t { kBuffer = 1, kU64 = 2, kF32 = 3 };
  Kind kind = Kind::kU64;
  DeviceRange buffer;  // kBuffer
  uint64_t u64 = 0;    // kU64
  uint32_t f32_bits = 0;  // kF32 (IEEE-754 bits)
  friend bool operator==(const LaunchArg&, const LaunchArg&) = default;
};
struct LaunchCmd {
  std::string kernel;  // 1..64 bytes
  std::vector<LaunchArg> args;  // at most 16
  friend bool operator==(const LaunchCmd&, const LaunchCmd&) = default;
};
struct FenceCmd { friend bool operator==(const FenceCmd&, const FenceCmd&) = default; };
// kPeerCopy (to the source GPU): seal `src` (local) into the link to
// `peer_device`. kPeerReceive (to the destination GPU): open the link from
// `peer_device` into `dst` (local). The guest sends the same body to both.
struct PeerCopyCmd {
  uint32_t peer_device = 0;  // the other GPU of the pair
  uint64_t transfer_id = 0;
  DeviceRange src;
  DeviceRange dst;  // on the peer
  uint32_t chunk_size = 0;
  friend bool operator==(const PeerCopyCmd&, const PeerCopyCmd&) = default;
};
// Installs a per-pair link key created by the guest (48-byte secret from
// which both GPUs derive the link's streams).
struct SetPeerKeyCmd {
  uint32_t peer_device = 0;
  uint32_t link_id = 0;
  Bytes key;  // 48 bytes; secret (only ever inside a sealed record)
  friend bool operator==(const SetPeerKeyCmd&, const SetPeerKeyCmd&) = default;
};

using Command = std::variant<AllocCmd, FreeCmd, CopyCmd /*H2D*/, LaunchCmd,
                             FenceCmd, PeerCopyCmd, SetPeerKeyCmd, CopyBatchCmd>;
// CopyCmd and CopyBatchCmd serve both directions and PeerCopyCmd both ends
// of a peer copy; the op says which.
struct CommandMessage {
  Op op;
  Command cmd;
};

inline constexpr std::size_t kMaxKernelName = 64;
inline constexpr std::size_t kMaxLaunchArgs = 16;
inline constexpr std::size_t kPeerKeySize = 48;
inline constexpr std::size_t kMaxBatchRanges = 256;

// kInvalidArgument if the command breaks a limit above or op does not match
// the command's type.
Result<Bytes> EncodeCommand(const CommandMessage& msg);
// kTruncated, kTrailingData, kMalformed (unknown op or kind, name empty or too
// long, too many args, key of the wrong size, batch of 0 or more than
// kMaxBatchRanges ranges).
Result<CommandMessage> DecodeCommand(ByteSpan bytes);

struct Completion {
  uint64_t command_seq = 0;
  uint16_t status = 0;  // 0 = ok; otherwise static_cast<uint16_t>(Errc)
  Bytes payload;
  friend bool operator==(const Completion&, const Completion&) = default;
};
Result<Bytes> EncodeCompletion(const Completion& c);
Result<Completion> DecodeCompletion(ByteSpan bytes);

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_COMMANDS_H_
