#include <gtest/gtest.h>

#include "channel/control.h"

namespace ccgpu::channel {
namespace {

OpenChannelRequest Sample() {
  OpenChannelRequest r;
  r.channel_id = 7;
  r.rotation.max_units_per_key = 1000;
  r.rotation.max_records_per_key = 50;
  r.rotation.epoch_window = 3;
  r.command_shm = "/ccgpu-1-ab-cmd";
  r.completion_shm = "/ccgpu-1-ab-cpl";
  r.h2d_shm = "/ccgpu-1-ab-h2d";
  r.d2h_shm = "/ccgpu-1-ab-d2h";
  return r;
}

TEST(ControlTest, OpenChannelRoundTrip) {
  const Bytes bytes = *EncodeOpenChannel(Sample());
  EXPECT_EQ(bytes[0], kControlVersion);
  EXPECT_EQ(bytes[1], 0x01);
  auto back = DecodeControlRequest(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->code, ControlCode::kOpenChannel);
  EXPECT_TRUE(back->open == Sample());
}

TEST(ControlTest, EveryRequestTruncatedAtEveryLengthAndWithTrailingData) {
  for (const Bytes& bytes : {*EncodeOpenChannel(Sample()), EncodeSetReady(), EncodeCloseChannel(9)}) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto r = DecodeControlRequest(ByteSpan(bytes).first(n));
      ASSERT_FALSE(r) << n;
      EXPECT_EQ(r.error().code, Errc::kTruncated) << n;
    }
    Bytes longer = bytes;
    longer.push_back(0);
    EXPECT_EQ(DecodeControlRequest(longer).error().code, Errc::kTrailingData);
  }
  auto close = DecodeControlRequest(EncodeCloseChannel(9));
  ASSERT_TRUE(close);
  EXPECT_EQ(close->code, ControlCode::kCloseChannel);
  EXPECT_EQ(close->channel_id, 9u);
}

TEST(ControlTest, NameLengthFieldsTooShortAndTooLong) {
  const Bytes bytes = *EncodeOpenChannel(Sample());
  // The first name's length byte follows 2 + 4 + 32 + 20 = 58 bytes.
  ASSERT_EQ(bytes[58], Sample().command_shm.size());
  Bytes shorter = bytes;
  --shorter[58];
  EXPECT_FALSE(DecodeControlRequest(shorter));
  Bytes longer = bytes;
  longer[58] = 0xff;
  EXPECT_EQ(DecodeControlRequest(longer).error().code, Errc::kTruncated);
  // The last name's length byte: too long runs off the end, too short leaves bytes.
  const std::size_t last = bytes.size() - 1 - Sample().d2h_shm.size();
  Bytes last_long = bytes;
  ++last_long[last];
  EXPECT_EQ(DecodeControlRequest(last_long).error().code, Errc::kTruncated);
  Bytes last_short = bytes;
  --last_short[last];
  EXPECT_EQ(DecodeControlRequest(last_short).error().code, Errc::kTrailingData);
}

TEST(ControlTest, RejectsBadNamesGeometryVersionAndCode) {
  for (const char* bad : {"", "/ccgpu-", "/other-x", "ccgpu-x", "/ccgpu-a/b", "/ccgpu-a b"}) {
    OpenChannelRequest r = Sample();
    r.h2d_shm = bad;
    EXPECT_EQ(EncodeOpenChannel(r).error().code, Errc::kInvalidArgument) << bad;
  }
  OpenChannelRequest r = Sample();
  r.h2d_shm = "/ccgpu-" + std::string(201, 'a');
  EXPECT_EQ(EncodeOpenChannel(r).error().code, Errc::kInvalidArgument);
  r = Sample();
  r.geometry.command.slot_count = 3;
  EXPECT_EQ(EncodeOpenChannel(r).error().code, Errc::kOutOfRange);
  r = Sample();
  r.geometry.d2h.slot_payload = 10;
  EXPECT_EQ(EncodeOpenChannel(r).error().code, Errc::kOutOfRange);
  Bytes bytes = *EncodeOpenChannel(Sample());
  Bytes geometry = bytes;
  geometry[6] = 5;  // command slot_count
  EXPECT_EQ(DecodeControlRequest(geometry).error().code, Errc::kOutOfRange);
  Bytes zero_window = bytes;
  for (int i = 0; i < 4; ++i) zero_window[54 + i] = 0;  // epoch_window
  EXPECT_EQ(DecodeControlRequest(zero_window).error().code, Errc::kMalformed);
  Bytes name_char = bytes;
  name_char[59 + 8] = '/';
  EXPECT_EQ(DecodeControlRequest(name_char).error().code, Errc::kInvalidArgument);
  Bytes version = bytes;
  version[0] = 2;
  EXPECT_EQ(DecodeControlRequest(version).error().code, Errc::kUnsupported);
  EXPECT_EQ(DecodeControlRequest(Bytes{1, 0x7f}).error().code, Errc::kUnsupported);
}

TEST(ControlTest, ResponsesCarryStatusAndBody) {
  const OpenChannelResponse resp{3, 1ull << 30};
  const Bytes ok = EncodeControlResponse(ControlCode::kOpenChannel, Errc{}, EncodeOpenChannelResponse(resp));
  auto body = DecodeControlResponse(ControlCode::kOpenChannel, ok);
  ASSERT_TRUE(body);
  EXPECT_EQ(*DecodeOpenChannelResponse(*body), resp);
  for (std::size_t n = 0; n < 4; ++n) {
    EXPECT_EQ(DecodeControlResponse(ControlCode::kOpenChannel, ByteSpan(ok).first(n)).error().code,
              Errc::kTruncated);
  }
  for (std::size_t n = 0; n < body->size(); ++n) {
    EXPECT_EQ(DecodeOpenChannelResponse(ByteSpan(*body).first(n)).error().code, Errc::kTruncated);
  }
  Bytes longer = *body;
  longer.push_back(0);
  EXPECT_EQ(DecodeOpenChannelResponse(longer).error().code, Errc::kTrailingData);
  EXPECT_EQ(DecodeControlResponse(ControlCode::kSetReady, ok).error().code, Errc::kMalformed);
  const Bytes refused = EncodeControlResponse(ControlCode::kSetReady, Errc::kNotReady);
  EXPECT_EQ(refused.size(), 4u);
  EXPECT_EQ(DecodeControlResponse(ControlCode::kSetReady, refused).error().code, Errc::kNotReady);
  Bytes v2 = refused;
  v2[0] = 2;
  EXPECT_EQ(DecodeControlResponse(ControlCode::kSetReady, v2).error().code, Errc::kUnsupported);
}

}  // namespace
}  // namespace ccgpu::channel
