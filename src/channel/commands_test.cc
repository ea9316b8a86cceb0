#include <gtest/gtest.h>

#include "channel/commands.h"

namespace ccgpu::channel {
namespace {

std::vector<CommandMessage> Samples() {
  LaunchCmd launch{"gemm_f32",
                   {LaunchArg{LaunchArg::Kind::kU64, {}, 64, 0},
                    LaunchArg{LaunchArg::Kind::kF32, {}, 0, 0x3f800000},
                    LaunchArg{LaunchArg::Kind::kBuffer, {7, 256, 4096}, 0, 0}}};
  return {
      {Op::kAlloc, AllocCmd{1 << 20}},
      {Op::kFree, FreeCmd{42}},
      {Op::kCopyH2D, CopyCmd{5, {1, 0, 100000}, 65536, 17}},
      {Op::kCopyD2H, CopyCmd{6, {1, 8, 3}, 4096, 99}},
      {Op::kLaunch, launch},
      {Op::kFence, FenceCmd{}},
      {Op::kPeerCopy, PeerCopyCmd{1, 9, {2, 0, 4096}, {3, 64, 4096}, 4096}},
      {Op::kSetPeerKey, SetPeerKeyCmd{1, 77, Bytes(48, 0xab)}},
      {Op::kPeerReceive, PeerCopyCmd{0, 9, {2, 0, 4096}, {3, 64, 4096}, 4096}},
      {Op::kCopyH2DBatch, CopyBatchCmd{11, 4096, 3, {{1, 0, 15}, {2, 7, 1}}}},
      {Op::kCopyD2HBatch, CopyBatchCmd{12, 65536, 40, {{1, 0, 4097}}}},
  };
}

TEST(CommandsTest, RoundTripEveryCommand) {
  for (const auto& msg : Samples()) {
    auto bytes = EncodeCommand(msg);
    ASSERT_TRUE(bytes) << static_cast<int>(msg.op);
    auto back = DecodeCommand(*bytes);
    ASSERT_TRUE(back) << static_cast<int>(msg.op);
    EXPECT_EQ(back->op, msg.op);
    EXPECT_TRUE(back->cmd == msg.cmd) << static_cast<int>(msg.op);
    EXPECT_EQ(*EncodeCommand(*back), *bytes);
  }
}

TEST(CommandsTest, TruncationAtEveryLengthAndTrailingData) {
  for (const auto& msg : Samples()) {
    const Bytes bytes = *EncodeCommand(msg);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto r = DecodeCommand(ByteSpan(bytes).first(n));
      ASSERT_FALSE(r) << static_cast<int>(msg.op) << " at " << n;
      EXPECT_EQ(r.error().code, Errc::kTruncated) << static_cast<int>(msg.op) << " at " << n;
    }
    Bytes longer = bytes;
    longer.push_back(0);
    EXPECT_EQ(DecodeCommand(longer).error().code, Errc::kTrailingData);
  }
}

TEST(CommandsTest, KernelNameLengthFieldTooShortOrTooLong) {
  const Bytes bytes = *EncodeCommand({Op::kLaunch, LaunchCmd{"relu_f32", {}}});
  // bytes: op | name_len | name | arg_count
  Bytes shorter = bytes;
  shorter[1] = 7;  // name swallows one byte less: arg count misread, then trailing
  EXPECT_FALSE(DecodeCommand(shorter));
  Bytes longer = bytes;
  longer[1] = 10;
  EXPECT_EQ(DecodeCommand(longer).error().code, Errc::kTruncated);
  Bytes empty = bytes;
  empty[1] = 0;
  EXPECT_FALSE(DecodeCommand(empty));
}

TEST(CommandsTest, RejectsUnknownOpKindAndLimits) {
  EXPECT_EQ(DecodeCommand(Bytes{0x99}).error().code, Errc::kMalformed);
  Bytes bad_kind = *EncodeCommand({Op::kLaunch, LaunchCmd{"x", {LaunchArg{}}}});
  bad_kind[4] = 9;  // op, len, 'x', count, kind
  EXPECT_EQ(DecodeCommand(bad_kind).error().code, Errc::kMalformed);
  Bytes many = *EncodeCommand({Op::kLaunch, LaunchCmd{"x", {}}});
  many[3] = 17;
  EXPECT_EQ(DecodeCommand(many).error().code, Errc::kMalformed);
  EXPECT_EQ(EncodeCommand({Op::kLaunch, LaunchCmd{std::string(65, 'k'), {}}}).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(EncodeCommand({Op::kSetPeerKey, SetPeerKeyCmd{1, 1, Bytes(47)}}).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(EncodeCommand({Op::kAlloc, FreeCmd{1}}).error().code, Errc::kInvalidArgument);
}

TEST(CommandsTest, BatchRangeCountFieldOutOfLimitsOrWrong) {
  const Bytes bytes = *EncodeCommand({Op::kCopyH2DBatch, CopyBatchCmd{1, 4096, 0, {{1, 0, 8}}}});
  // op | transfer_id u64 | chunk u32 | first_ticket u64 | count u16 at offset 21
  Bytes zero = bytes;
  zero[21] = 0;
  EXPECT_EQ(DecodeCommand(zero).error().code, Errc::kMalformed);
  Bytes two = bytes;
  two[21] = 2;  // claims one more range than present
  EXPECT_EQ(DecodeCommand(two).error().code, Errc::kTruncated);
  Bytes huge = bytes;
  huge[21] = 1;
  huge[22] = 1;  // 257
  EXPECT_EQ(DecodeCommand(huge).error().code, Errc::kMalformed);
  EXPECT_EQ(EncodeCommand({Op::kCopyH2DBatch, CopyBatchCmd{}}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(EncodeCommand({Op::kCopyD2HBatch,
                           CopyBatchCmd{1, 1, 0, std::vector<DeviceRange>(257)}}).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(EncodeCommand({Op::kPeerReceive, CopyBatchCmd{}}).error().code, Errc::kInvalidArgument);
}

TEST(CommandsTest, CompletionRoundTripAndTruncation) {
  const Completion c{12, static_cast<uint16_t>(Errc::kNotReady), Bytes{1, 2, 3}};
  const Bytes bytes = *EncodeCompletion(c);
  EXPECT_EQ(*DecodeCompletion(bytes), c);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(DecodeCompletion(ByteSpan(bytes).first(n)).error().code, Errc::kTruncated) << n;
  }
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(DecodeCompletion(longer).error().code, Errc::kTrailingData);
}

}  // namespace
}  // namespace ccgpu::channel
