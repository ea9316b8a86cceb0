// Secure attach across processes: `ccgpu gpud` runs as a real child process
// serving the device's SPDM responder on TCP (TDISP registered with its
// DeviceService); this test is the guest (SPDM over TCP, secure session,
// TdispClient) and the untrusted host (gpud's management socket: status,
// assign, config-write, bar-move, flr, reset).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "attach/tdisp_client.h"
#include "base/encoding.h"
#include "crypto/x509.h"
#include "gpu/gpud.h"
#include "gpu/provision.h"
#include "spdm/requester/transport_exchange.h"
#include "spdm/transport/socket.h"
#include "spdm/transport/spdm_transport.h"

extern char** environ;

namespace ccgpu::attach {
namespace {
namespace fs = std::filesystem;
namespace td = spdm::tdisp;
namespace tp = spdm::transport;
using json = nlohmann::json;

#define EXPECT_ERRC(expr, errc)                                              \
  do {                                                                       \
    auto ccgpu_r_ = (expr);                                                  \
    ASSERT_FALSE(ccgpu_r_) << #expr " unexpectedly succeeded";               \
    EXPECT_EQ(ccgpu_r_.error().code, (errc)) << ccgpu_r_.error().ToString(); \
  } while (false)

// The guest's end: a TCP connection to the device's SPDM port, VCA, the
// certificate chain to the pinned device root, a secure session.
struct Guest {
  std::unique_ptr<tp::PlatformPortTransport> transport;
  std::unique_ptr<spdm::requester::TransportExchange> exchange;
  std::unique_ptr<spdm::requester::Requester> requester;
  uint32_t session_id = 0;
  std::unique_ptr<TdispClient> tdisp;
};

class GpudAttachTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("ccgpu_attach_gpud_" + std::to_string(::getpid())));
    port_ = static_cast<uint16_t>(21000 + (::getpid() * 7) % 30000);
    gpu::ProvisionOptions o;
    o.gpus = 1;
    o.now = SystemClock::Get().Now();
    o.base.protected_memory_bytes = 4u << 20;
    o.spdm_base_port = port_;
    ASSERT_TRUE(gpu::Provision(*dir_, o).has_value());
    const std::string ccgpu = std::string(CCGPU_BINARY_DIR) + "/tools/ccgpu/ccgpu";
    const std::string state = dir_->string();
    const std::string log = (*dir_ / "gpud.log").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> args = {ccgpu, "gpud", "--state", state};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, ccgpu.c_str(), &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    // Ready when the management socket answers and the SPDM port accepts.
    for (int i = 0; i < 200; ++i) {
      if (gpu::ManagementCall(*dir_, R"({"op":"list"})") && tp::TcpConnection::Connect("127.0.0.1", port_)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "gpud did not start (see " << log << ")";
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "gpud did not exit cleanly";
    }
    fs::remove_all(*dir_);
    delete dir_;
  }

  // The host's management verbs.
  static json Host(json req) {
    req["device"] = 0;
    auto text = gpu::ManagementCall(*dir_, req.dump());
    EXPECT_TRUE(text);
    json j = json::parse(text ? *text : "{}", nullptr, false);
    EXPECT_TRUE(j.is_object() && j.value("ok", false)) << (text ? *text : "");
    return j;
  }
  static json Attach() { return Host({{"op", "status"}})["device"]["attach"]; }
  // What the host says it mapped: from its own status view.
  static HostMapping MappingFromHost() {
    const json a = Attach();
    HostMapping m;
    m.function_id = static_cast<uint32_t>(std::stoul(a["function_id"].get<std::string>(), nullptr, 16));
    for (const auto& b : a["bars"]) {
      m.bars.push_back({b["bar"].get<uint8_t>(), std::stoull(b["address"].get<std::string>(), nullptr, 16),
                        b["size"].get<uint64_t>()});
    }
    return m;
  }

  static std::unique_ptr<Guest> Connect(uint32_t function_id) {
    auto g = std::make_unique<Guest>();
    auto conn = tp::TcpConnection::Connect("127.0.0.1", port_);
    EXPECT_TRUE(conn);
    if (!conn) return nullptr;
    g->transport = std::make_unique<tp::PlatformPortTransport>(std::move(*conn), tp::TransportType::kMctp,
                                                               tp::Role::kRequester);
    EXPECT_TRUE(g->transport->Hello());
    g->exchange = std::make_unique<spdm::requester::TransportExchange>(g->transport.get());
    spdm::requester::RequesterConfig qc;
    auto root_pem = gpu::ReadFileText(gpu::ManufacturerDir(*dir_) / "device_root.pem");
    EXPECT_TRUE(root_pem);
    qc.roots = *crypto::Certificate::ParsePemChain(*root_pem);
    qc.binding = *spdm::requester::RecordBindingFor(tp::TransportType::kMctp);
    auto q = spdm::requester::Requester::Create(qc, g->exchange.get());
    EXPECT_TRUE(q);
    g->requester = std::move(*q);
    EXPECT_TRUE(g->requester->InitConnection());
    auto chain = g->requester->GetCertificate();
    EXPECT_TRUE(chain) << (chain ? "" : chain.error().ToString());
    auto s = g->requester->StartSession();
    EXPECT_TRUE(s) << (s ? "" : s.error().ToString());
    if (!s) return nullptr;
    g->session_id = s->session_id;
    g->tdisp = std::make_unique<TdispClient>(RequesterTransport(*g->requester, g->session_id), function_id);
    return g;
  }

  static fs::path* dir_;
  static uint16_t port_;
  static pid_t pid_;
};
fs::path* GpudAttachTest::dir_ = nullptr;
uint16_t GpudAttachTest::port_ = 0;
pid_t GpudAttachTest::pid_ = 0;

TEST_F(GpudAttachTest, GuestAttachesAndSeesTheHostsConfigWriteAsError) {
  Host({{"op", "assign"}, {"guest", "tvm-1"}});
  const HostMapping mapping = MappingFromHost();
  auto g = Connect(mapping.function_id);
  ASSERT_TRUE(g);
  auto report = g->tdisp->Attach(mapping);
  ASSERT_TRUE(report) << report.error().ToString() << " " << g->tdisp->last_mismatch();
  EXPECT_EQ(Attach()["tdi_state"], "RUN");
  EXPECT_EQ(Attach()["assigned_guest"], "tvm-1");
  // The host turns memory decoding off on the running interface.
  Host({{"op", "config-write"}, {"offset", 4}, {"value", 0}});
  EXPECT_ERRC(g->tdisp->EnsureRunning(), Errc::kTdiInError);
  const json a = Attach();
  EXPECT_EQ(a["tdi_state"], "ERROR");
  EXPECT_NE(a["tdi_error_reason"].get<std::string>().find("config-write"), std::string::npos);
  EXPECT_GE(a["scrub_generation"].get<uint64_t>(), 1u);
  ASSERT_TRUE(g->tdisp->Stop());
  EXPECT_EQ(Attach()["tdi_state"], "CONFIG_UNLOCKED");
  Host({{"op", "config-write"}, {"offset", 4}, {"value", 6}});
}

TEST_F(GpudAttachTest, StaleMappingAfterABarMoveIsAReportMismatch) {
  const HostMapping mapping = MappingFromHost();
  // The host moves BAR3 but tells the guest the old layout.
  Host({{"op", "bar-move"}, {"bar", 3}, {"address", mapping.bars[2].address + (32ull << 20)}});
  auto g = Connect(mapping.function_id);
  ASSERT_TRUE(g);
  EXPECT_ERRC(g->tdisp->Attach(mapping), Errc::kTdiReportMismatch);
  EXPECT_NE(g->tdisp->last_mismatch().find("BAR3"), std::string::npos) << g->tdisp->last_mismatch();
  EXPECT_EQ(Attach()["tdi_state"], "CONFIG_LOCKED") << "nothing started";
  ASSERT_TRUE(g->tdisp->Stop());
  // With the host's current (truthful) mapping it attaches.
  EXPECT_TRUE(g->tdisp->Attach(MappingFromHost()));
  // An FLR while running drops it to ERROR.
  Host({{"op", "flr"}});
  EXPECT_ERRC(g->tdisp->EnsureRunning(), Errc::kTdiInError);
  ASSERT_TRUE(g->tdisp->Stop());
  Host({{"op", "config-write"}, {"offset", 4}, {"value", 6}});
}

TEST_F(GpudAttachTest, DeviceResetKillsTheSessionAndLeavesTheInterfaceInError) {
  const HostMapping mapping = MappingFromHost();
  auto g = Connect(mapping.function_id);
  ASSERT_TRUE(g);
  ASSERT_TRUE(g->tdisp->Attach(mapping));
  Host({{"op", "reset"}});
  // The session's keys died with the reset: the guest cannot talk in it.
  EXPECT_FALSE(g->tdisp->EnsureRunning());
  g.reset();
  // A new session (after re-attestation, in real use) finds ERROR and stops it.
  auto g2 = Connect(mapping.function_id);
  ASSERT_TRUE(g2);
  EXPECT_ERRC(g2->tdisp->EnsureRunning(), Errc::kTdiInError);
  ASSERT_TRUE(g2->tdisp->Stop());
  EXPECT_TRUE(g2->tdisp->Attach(MappingFromHost()));
  ASSERT_TRUE(g2->tdisp->Stop());
}

TEST_F(GpudAttachTest, WrongNonceAndReplayedStartAreRefusedByTheDeviceProcess) {
  const HostMapping mapping = MappingFromHost();
  auto g = Connect(mapping.function_id);
  ASSERT_TRUE(g);
  const LockOptions options;
  auto nonce = g->tdisp->Lock(options);
  ASSERT_TRUE(nonce) << nonce.error().ToString();
  auto report = g->tdisp->GetInterfaceReport();
  ASSERT_TRUE(report);
  ASSERT_TRUE(g->tdisp->CheckReport(*report, mapping, options));
  // A START whose nonce is not the one LOCK issued (one bit off) is refused.
  StartNonce wrong = *nonce;
  wrong[0] ^= 0x01;
  EXPECT_ERRC(g->tdisp->Start(wrong), Errc::kTdiInvalidNonce);
  EXPECT_EQ(Attach()["tdi_state"], "CONFIG_LOCKED");
  ASSERT_TRUE(g->tdisp->Start(*nonce));
  EXPECT_EQ(Attach()["tdi_state"], "RUN");
  // The same START again (a replay inside the session) finds it running.
  EXPECT_ERRC(g->tdisp->Start(*nonce), Errc::kTdiWrongState);
  EXPECT_EQ(Attach()["tdi_state"], "RUN");
  ASSERT_TRUE(g->tdisp->Stop());
}

}  // namespace
}  // namespace ccgpu::attach
