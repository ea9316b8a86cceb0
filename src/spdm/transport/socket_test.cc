// Real loopback TCP: framing across arbitrary splits, timeouts, limits, close.
#include "spdm/transport/socket.h"

#include <gtest/gtest.h>

#include <thread>

#include "spdm/transport/frame_codec.h"

namespace ccgpu::spdm::transport {
namespace {

using std::chrono::milliseconds;

struct Pair {
  TcpConnection client;
  TcpConnection server;
};

Pair Connect(SocketOptions opts = {}) {
  auto listener = TcpListener::Bind();
  CCGPU_CHECK(listener.has_value());
  auto client = TcpConnection::Connect("127.0.0.1", listener->port(), opts);
  CCGPU_CHECK(client.has_value());
  auto server = listener->Accept(milliseconds(5000), opts);
  CCGPU_CHECK(server.has_value());
  return {std::move(*client), std::move(*server)};
}

TEST(TcpListener, BindsLoopbackOnAnEphemeralPort) {
  auto l = TcpListener::Bind();
  ASSERT_TRUE(l);
  EXPECT_NE(l->port(), 0);
  // The same port again with SO_REUSEADDR still fails while it is listening.
  auto again = TcpListener::Bind("127.0.0.1", l->port());
  EXPECT_FALSE(again);
  EXPECT_FALSE(TcpListener::Bind("not-an-ip"));
  auto none = l->Accept(milliseconds(20));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kTimeout);
}

TEST(TcpConnection, ConnectRefusedIsAnIoError) {
  uint16_t port;
  {
    auto l = TcpListener::Bind();
    ASSERT_TRUE(l);
    port = l->port();
  }
  auto c = TcpConnection::Connect("127.0.0.1", port);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::kIo);
}

TEST(FrameCodec, ServerReadsAFrameTheClientWritesByteByByte) {
  Pair p = Connect();
  const Bytes payload = {0x05, 0x10, 0x84, 0x00, 0x00};
  auto frame = EncodeFrame(command::kNormal, 1, payload);
  ASSERT_TRUE(frame);
  std::thread writer([&] {
    for (uint8_t b : *frame) {
      ASSERT_TRUE(p.client.SendAll(ByteSpan(&b, 1)));
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  FrameCodec server(p.server);
  auto got = server.Read();
  writer.join();
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->command, command::kNormal);
  EXPECT_EQ(got->transport_type, 1u);
  EXPECT_EQ(got->payload, payload);
}

TEST(FrameCodec, TestAndNormalFramesBothWays) {
  Pair p = Connect();
  std::thread server([&] {
    FrameCodec codec(p.server);
    for (int i = 0; i < 2; ++i) {
      auto f = codec.Read();
      ASSERT_TRUE(f);
      if (f->command == command::kTest) {
        ASSERT_TRUE(codec.Write(command::kTest, 1, kServerHello));
      } else {
        Bytes reply = f->payload;
        reply[2] = 0x04;  // GET_VERSION -> VERSION code
        ASSERT_TRUE(codec.Write(command::kNormal, 1, reply));
      }
    }
  });
  FrameCodec client(p.client);
  ASSERT_TRUE(client.Write(command::kTest, 1, kClientHello));
  auto hello = client.Read();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->command, command::kTest);
  EXPECT_EQ(Bytes(kServerHello.begin(), kServerHello.end()), hello->payload);
  ASSERT_TRUE(
      client.Write(command::kNormal, 1, Bytes{0x05, 0x10, 0x84, 0x00, 0x00}));
  auto reply = client.Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->payload, (Bytes{0x05, 0x10, 0x04, 0x00, 0x00}));
  server.join();
}

TEST(FrameCodec, SplitAcrossManyWritesOfRandomSizes) {
  Pair p = Connect();
  Bytes big(3000);
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<uint8_t>(i * 7);
  auto frame = EncodeFrame(command::kNormal, 2, big);
  ASSERT_TRUE(frame);
  std::thread writer([&] {
    std::size_t off = 0, step = 1;
    while (off < frame->size()) {
      const std::size_t n = std::min(step, frame->size() - off);
      ASSERT_TRUE(p.client.SendAll(ByteSpan(*frame).subspan(off, n)));
      off += n;
      step = step * 3 % 97 + 1;
    }
  });
  FrameCodec server(p.server);
  auto got = server.Read();
  writer.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, big);
}

TEST(FrameCodec, ReceiveTimeoutFires) {
  SocketOptions opts;
  opts.receive_timeout = milliseconds(50);
  Pair p = Connect(opts);
  FrameCodec server(p.server);
  const auto start = std::chrono::steady_clock::now();
  auto got = server.Read();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::kTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(40));
  EXPECT_FALSE(p.server.SetReceiveTimeout(milliseconds(0)));
}

TEST(FrameCodec, OversizePayloadRefusedBeforeAllocation) {
  Pair p = Connect();
  // Header announcing 1 GiB; nothing else follows.
  const Bytes header = {0, 0, 0, 1, 0, 0, 0, 1, 0x40, 0, 0, 0};
  ASSERT_TRUE(p.client.SendAll(header));
  FrameCodec server(p.server, 4096);
  auto got = server.Read();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::kResourceExhausted);
  FrameCodec client(p.client, 4096);
  Bytes too_big(4097);
  auto w = client.Write(command::kNormal, 1, too_big);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::kResourceExhausted);
}

TEST(FrameCodec, PeerCloseIsClosedAtAFrameBoundaryAndMidFrame) {
  {
    Pair p = Connect();
    p.client.Close();
    FrameCodec server(p.server);
    auto got = server.Read();
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, Errc::kClosed);
  }
  {
    Pair p = Connect();
    const Bytes partial = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3};
    ASSERT_TRUE(p.client.SendAll(partial));
    p.client.ShutdownWrite();
    FrameCodec server(p.server);
    auto got = server.Read();
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, Errc::kClosed);
  }
}

TEST(TcpConnection, SendToAClosedPeerIsClosed) {
  Pair p = Connect();
  p.server.Close();
  Bytes chunk(64 * 1024, 0);
  Status s = OkStatus();
  for (int i = 0; i < 50 && s; ++i) s = p.client.SendAll(chunk);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kClosed);
}

}  // namespace
}  // namespace ccgpu::spdm::transport
