// PlatformPortTransport between a requester and a responder over real
// loopback TCP, for each transport type, plus byte checks against the
// observed spdm-emu wire format.
#include "spdm/transport/spdm_transport.h"

#include <gtest/gtest.h>

#include <thread>

namespace ccgpu::spdm::transport {
namespace {

using std::chrono::milliseconds;

struct Endpoints {
  TcpConnection client;
  TcpConnection server;
};

Endpoints Connect() {
  auto listener = TcpListener::Bind();
  CCGPU_CHECK(listener.has_value());
  auto client = TcpConnection::Connect("127.0.0.1", listener->port());
  CCGPU_CHECK(client.has_value());
  auto server = listener->Accept(milliseconds(5000));
  CCGPU_CHECK(server.has_value());
  return {std::move(*client), std::move(*server)};
}

const Bytes kGetVersion = {0x10, 0x84, 0x00, 0x00};
const Bytes kVersion = {0x10, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12};
const Bytes kRecord = {0xff, 0xff, 0xff, 0xff, 0x05, 0x00,
                       0xaa, 0xbb, 0xcc, 0xdd, 0xee};

// A responder loop: answers each plain message with VERSION and echoes each
// secured record, until the requester ends the connection.
void RunResponder(PlatformPortTransport& rsp, Status* final_status,
                  int* handled) {
  while (true) {
    auto m = rsp.Receive();
    if (!m) {
      *final_status = tl::unexpected(m.error());
      return;
    }
    ++*handled;
    if (m->secured) {
      if (!rsp.Send(m->data, true)) return;
    } else {
      if (!rsp.Send(kVersion, false)) return;
    }
  }
}

class TransportTypes : public ::testing::TestWithParam<TransportType> {};

TEST_P(TransportTypes,
       RequesterAndResponderExchangeMessagesAndEndWithContinue) {
  const TransportType type = GetParam();
  Endpoints e = Connect();
  PlatformPortTransport rsp(std::move(e.server), type, Role::kResponder);
  PlatformPortTransport req(std::move(e.client), type, Role::kRequester);
  Status final_status = OkStatus();
  int handled = 0;
  std::thread responder([&] { RunResponder(rsp, &final_status, &handled); });

  ASSERT_TRUE(req.Hello());
  if (type == TransportType::kPciDoe) {
    auto list = req.DoeDiscovery();
    ASSERT_TRUE(list) << list.error().ToString();
    ASSERT_EQ(list->size(), 3u);
    EXPECT_EQ((*list)[0].type, kDoeTypeDiscovery);
    EXPECT_EQ((*list)[1].type, kDoeTypeSpdm);
    EXPECT_EQ((*list)[2].type, kDoeTypeSecuredSpdm);
  } else {
    EXPECT_FALSE(req.DoeDiscovery());
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(req.Send(kGetVersion, false));
    auto m = req.Receive();
    ASSERT_TRUE(m) << m.error().ToString();
    EXPECT_FALSE(m->secured);
    EXPECT_EQ(m->data, kVersion);  // 8 bytes: no DOE padding needed
  }
  if (req.binding().supported) {
    ASSERT_TRUE(req.Send(kRecord, true));
    auto m = req.Receive();
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->secured);
    Bytes expected = kRecord;
    if (type == TransportType::kPciDoe)
      expected.resize(12, 0);  // DWORD padding
    EXPECT_EQ(m->data, expected);
  } else {
    auto s = req.Send(kRecord, true);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::kUnsupported);
  }
  ASSERT_TRUE(req.End(command::kContinue));
  responder.join();
  ASSERT_FALSE(final_status);
  EXPECT_EQ(final_status.error().code, Errc::kClosed);
  EXPECT_EQ(rsp.end_command(), command::kContinue);
  EXPECT_EQ(handled, req.binding().supported ? 4 : 3);
}

INSTANTIATE_TEST_SUITE_P(All, TransportTypes,
                         ::testing::Values(TransportType::kNone,
                                           TransportType::kMctp,
                                           TransportType::kPciDoe));

TEST(PlatformPortTransport, WireBytesMatchTheEmulatorFormat) {
  struct Case {
    TransportType type;
    Bytes payload;
  };
  const Case cases[] = {
      {TransportType::kNone, {0x10, 0x84, 0x00, 0x00}},
      {TransportType::kMctp, {0x05, 0x10, 0x84, 0x00, 0x00}},
      {TransportType::kPciDoe,
       {0x01, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x84, 0x00,
        0x00}},
  };
  for (const auto& c : cases) {
    Endpoints e = Connect();
    PlatformPortTransport req(std::move(e.client), c.type, Role::kRequester);
    ASSERT_TRUE(req.Send(kGetVersion, false));
    FrameCodec raw(e.server);
    auto f = raw.Read();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, command::kNormal);
    EXPECT_EQ(f->transport_type, static_cast<uint32_t>(c.type));
    EXPECT_EQ(f->payload, c.payload);
  }
}

TEST(PlatformPortTransport, ResponderEchoesShutdownAndAnswersUnknownCommands) {
  {
    Endpoints e = Connect();
    PlatformPortTransport rsp(std::move(e.server), TransportType::kMctp,
                              Role::kResponder);
    PlatformPortTransport req(std::move(e.client), TransportType::kMctp,
                              Role::kRequester);
    std::thread t([&] {
      auto m = rsp.Receive();
      ASSERT_FALSE(m);
      EXPECT_EQ(m.error().code, Errc::kClosed);
    });
    ASSERT_TRUE(req.End(command::kShutdown));
    t.join();
    EXPECT_EQ(rsp.end_command(), command::kShutdown);
  }
  {
    Endpoints e = Connect();
    PlatformPortTransport rsp(std::move(e.server), TransportType::kMctp,
                              Role::kResponder);
    std::thread t([&] {
      auto m = rsp.Receive();
      ASSERT_FALSE(m);
      EXPECT_EQ(m.error().code, Errc::kClosed);
    });
    FrameCodec raw(e.client);
    ASSERT_TRUE(raw.Write(0x1234, 1, {}));
    auto reply = raw.Read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->command, command::kUnknown);
    t.join();
    EXPECT_EQ(rsp.end_command(), command::kUnknown);
  }
}

TEST(PlatformPortTransport, RejectsMismatchedTransportTypeAndBadPayloads) {
  Endpoints e = Connect();
  PlatformPortTransport rsp(std::move(e.server), TransportType::kPciDoe,
                            Role::kResponder);
  FrameCodec raw(e.client);
  // transport_type MCTP to a DOE responder.
  ASSERT_TRUE(
      raw.Write(command::kNormal, 1, Bytes{0x05, 0x10, 0x84, 0x00, 0x00}));
  auto m = rsp.Receive();
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::kMalformed);
  // A DOE object whose Length disagrees with the payload.
  ASSERT_TRUE(raw.Write(command::kNormal, 2,
                        Bytes{1, 0, 1, 0, 4, 0, 0, 0, 0x10, 0x84, 0, 0}));
  auto m2 = rsp.Receive();
  ASSERT_FALSE(m2);
  EXPECT_EQ(m2.error().code, Errc::kTruncated);
}

TEST(PlatformPortTransport, RequesterRejectsUnsolicitedCommandsAndBadHello) {
  Endpoints e = Connect();
  PlatformPortTransport req(std::move(e.client), TransportType::kMctp,
                            Role::kRequester);
  FrameCodec raw(e.server);
  std::thread t([&] {
    auto hello = raw.Read();
    ASSERT_TRUE(hello);
    ASSERT_TRUE(raw.Write(command::kTest, 1, Bytes{'n', 'o', 0}));
    ASSERT_TRUE(raw.Write(command::kShutdown, 1, {}));
  });
  auto s = req.Hello();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kMalformed);
  auto m = req.Receive();
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::kMalformed);
  t.join();
}

TEST(PlatformPortTransport, RoundTripsDoNotWaitOnDelayedAck) {
  // One write per frame with TCP_NODELAY (and QUICKACK re-armed on reads):
  // 100 request/response round trips must not cost ~40 ms each (4 s).
  Endpoints e = Connect();
  PlatformPortTransport rsp(std::move(e.server), TransportType::kMctp,
                            Role::kResponder);
  PlatformPortTransport req(std::move(e.client), TransportType::kMctp,
                            Role::kRequester);
  Status final_status = OkStatus();
  int handled = 0;
  std::thread responder([&] { RunResponder(rsp, &final_status, &handled); });
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(req.Send(kGetVersion, false));
    ASSERT_TRUE(req.Receive());
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(req.End(command::kShutdown));
  responder.join();
  EXPECT_LT(elapsed, milliseconds(2000));
  EXPECT_EQ(handled, 100);
}

TEST(SecuredBinding, PerTransportParameters) {
  EXPECT_FALSE(BindingFor(TransportType::kNone).supported);
  const SecuredBinding mctp = BindingFor(TransportType::kMctp);
  EXPECT_EQ(mctp.sequence_number_size, 2u);
  EXPECT_EQ(mctp.max_random_padding, 32u);
  EXPECT_TRUE(mctp.inner_mctp_type);
  const SecuredBinding doe = BindingFor(TransportType::kPciDoe);
  EXPECT_EQ(doe.sequence_number_size, 0u);
  EXPECT_EQ(doe.max_random_padding, 0u);
  EXPECT_TRUE(doe.dword_padding);
}

}  // namespace
}  // namespace ccgpu::spdm::transport

namespace ccgpu::spdm::transport {
namespace {

class MemoryTypes : public ::testing::TestWithParam<TransportType> {};

TEST_P(MemoryTypes, CarriesMessagesBothWaysAndReportsClose) {
  auto [req, rsp] =
      MemoryTransport::CreatePair(GetParam(), std::chrono::milliseconds(2000));
  std::thread responder([&, r = rsp.get()] {
    while (true) {
      auto m = r->Receive();
      if (!m) {
        EXPECT_EQ(m.error().code, Errc::kClosed);
        return;
      }
      ASSERT_TRUE(r->Send(m->secured ? m->data : kVersion, m->secured));
    }
  });
  ASSERT_TRUE(req->Send(kGetVersion, false));
  auto v = req->Receive();
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->secured);
  EXPECT_EQ(v->data, kVersion);
  if (req->binding().supported) {
    ASSERT_TRUE(req->Send(kRecord, true));
    auto r = req->Receive();
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->secured);
    EXPECT_EQ(
        Bytes(r->data.begin(),
              r->data.begin() + static_cast<std::ptrdiff_t>(kRecord.size())),
        kRecord);
  }
  req->Close();
  responder.join();
  auto after = req->Send(kGetVersion, false);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, Errc::kClosed);
}

INSTANTIATE_TEST_SUITE_P(All, MemoryTypes,
                         ::testing::Values(TransportType::kNone,
                                           TransportType::kMctp,
                                           TransportType::kPciDoe));

TEST(MemoryTransport, ReceiveTimesOut) {
  auto [a, b] = MemoryTransport::CreatePair(TransportType::kMctp,
                                            std::chrono::milliseconds(30));
  auto m = a->Receive();
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::kTimeout);
}

TEST(MemoryTransport, QueuedMessagesSurviveThePeerClosing) {
  auto [a, b] = MemoryTransport::CreatePair(TransportType::kPciDoe);
  ASSERT_TRUE(a->Send(Bytes{0x12, 0x84, 0x00, 0x00, 0x01}, false));
  a.reset();
  auto m = b->Receive();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->data, (Bytes{0x12, 0x84, 0x00, 0x00, 0x01, 0, 0,
                            0}));  // DOE padding kept
  auto end = b->Receive();
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, Errc::kClosed);
}

TEST(Encapsulation, InverseForEveryTypeAndRejectsForeignPayloads) {
  for (TransportType t :
       {TransportType::kNone, TransportType::kMctp, TransportType::kPciDoe}) {
    for (bool secured : {false, true}) {
      auto enc = Encapsulate(t, kRecord, secured);
      if (t == TransportType::kNone && secured) {
        ASSERT_FALSE(enc);
        EXPECT_EQ(enc.error().code, Errc::kUnsupported);
        continue;
      }
      ASSERT_TRUE(enc);
      auto dec = Decapsulate(t, *enc);
      ASSERT_TRUE(dec);
      EXPECT_EQ(dec->kind == Decapsulated::Kind::kSecured, secured);
      EXPECT_TRUE(
          std::equal(kRecord.begin(), kRecord.end(), dec->data.begin()));
    }
  }
  const Bytes foreign_vendor = {0x02, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00};
  EXPECT_FALSE(Decapsulate(TransportType::kPciDoe, foreign_vendor));
  const Bytes cma_type5 = {0x01, 0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00};
  EXPECT_FALSE(Decapsulate(TransportType::kPciDoe, cma_type5));
  EXPECT_FALSE(Decapsulate(TransportType::kMctp, Bytes{0x07, 0x10}));
}

}  // namespace
}  // namespace ccgpu::spdm::transport
