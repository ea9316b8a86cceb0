// Guest ↔ device across processes: the device side (ccgpu_engine_device:
// every GPU of a state directory behind gpu::DeviceService on loopback TCP,
// with the ccgpu control protocol registered) runs as a child process; this
// process is the guest (real SPDM: VCA, certificate, KEY_EXCHANGE/FINISH,
// export master secret, OPEN_CHANNEL in the session) and also the host,
// which maps the named regions and tampers with them while the device
// process is stopped (SIGSTOP: the host controls scheduling).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "channel/shm.h"
#include "gpu/config.h"
#include "gpu/kernels/kernels.h"
#include "gpu/provision.h"
#include "runtime/device_channel.h"
#include "runtime/test_pattern.h"
#include "spdm/requester/requester.h"
#include "spdm/requester/transport_exchange.h"
#include "spdm/transport/socket.h"
#include "spdm/transport/spdm_transport.h"
#include "spdm/wire/message.h"

namespace ccgpu::runtime {
namespace {

namespace fs = std::filesystem;
namespace tp = spdm::transport;
namespace wire = spdm::wire;

using testing_support::Pattern;

// The device process, shared by every test of this binary.
class DeviceProcess : public ::testing::Environment {
 public:
  static DeviceProcess*& Get() {
    static DeviceProcess* p = nullptr;
    return p;
  }
  void SetUp() override {
    Get() = this;
    dir_ = fs::temp_directory_path() / ("ccgpu_device_channel_process_test_" + std::to_string(getpid()));
    gpu::ProvisionOptions o;
    o.gpus = 2;
    o.now = SystemClock::Get().Now();
    o.base.protected_memory_bytes = 256u << 20;
    ASSERT_TRUE(gpu::Provision(dir_, o).has_value());
    int in[2], out[2];
    ASSERT_EQ(pipe(in), 0);
    ASSERT_EQ(pipe(out), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      execl(CCGPU_ENGINE_DEVICE, CCGPU_ENGINE_DEVICE, dir_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    FILE* f = fdopen(out[0], "r");
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      unsigned dev = 0, port = 0;
      // The devices' server threads print in any order.
      if (std::sscanf(line, "device %u port %u", &dev, &port) == 2 && dev < 2) {
        ports_.resize(2);
        ports_[dev] = static_cast<uint16_t>(port);
      }
      if (std::strncmp(line, "ready", 5) == 0) break;
    }
    std::fclose(f);
    ASSERT_TRUE(ports_.size() == 2 && ports_[0] != 0 && ports_[1] != 0) << "the device process did not start";
    root_ = crypto::Certificate::FromPem(*gpu::ReadFileText(gpu::ManufacturerDir(dir_) / "device_root.pem")).value();
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGCONT);
      close(stdin_);  // the child stops serving at EOF
      int status = 0;
      waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    }
    fs::remove_all(dir_);
  }
  pid_t pid() const { return pid_; }
  uint16_t port(unsigned i) const { return ports_.at(i); }
  const crypto::Certificate& root() const { return *root_; }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::vector<uint16_t> ports_;
  std::optional<crypto::Certificate> root_;
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new DeviceProcess);

// The guest's SPDM session with one device and its channel over it.
struct Guest {
  std::unique_ptr<tp::PlatformPortTransport> transport;
  std::unique_ptr<spdm::requester::TransportExchange> exchange;
  std::unique_ptr<spdm::requester::Requester> requester;
  uint32_t session_id = 0;
  VendorCall call;
  std::unique_ptr<DeviceChannel> channel;
};

std::unique_ptr<Guest> AttachPort(uint16_t port, const crypto::Certificate& root, DeviceChannelOptions opts,
                                  bool ready);
std::unique_ptr<Guest> Attach(unsigned device, DeviceChannelOptions opts = {}, bool ready = true) {
  return AttachPort(DeviceProcess::Get()->port(device), DeviceProcess::Get()->root(), std::move(opts), ready);
}
std::unique_ptr<Guest> AttachPort(uint16_t port, const crypto::Certificate& root, DeviceChannelOptions opts,
                                  bool ready) {
  auto g = std::make_unique<Guest>();
  auto conn = tp::TcpConnection::Connect("127.0.0.1", port);
  EXPECT_TRUE(conn);
  if (!conn) return nullptr;
  g->transport = std::make_unique<tp::PlatformPortTransport>(std::move(*conn), tp::TransportType::kMctp,
                                                              tp::Role::kRequester);
  EXPECT_TRUE(g->transport->Hello());
  g->exchange = std::make_unique<spdm::requester::TransportExchange>(g->transport.get());
  spdm::requester::RequesterConfig cfg;
  cfg.versions = {wire::kVersion12};
  cfg.base_asym = wire::alg::kEcdsaP384;
  cfg.base_hash = wire::alg::kSha384;
  cfg.dhe = wire::alg::kSecp384r1;
  cfg.aead = wire::alg::kAes256Gcm;
  cfg.roots = {root};
  cfg.binding = *spdm::requester::RecordBindingFor(tp::TransportType::kMctp);
  g->requester = std::move(*spdm::requester::Requester::Create(cfg, g->exchange.get()));
  EXPECT_TRUE(g->requester->InitConnection());
  EXPECT_TRUE(g->requester->GetCertificate());
  auto s = g->requester->StartSession();
  EXPECT_TRUE(s) << (s ? "" : s.error().ToString());
  if (!s) return nullptr;
  g->session_id = s->session_id;
  auto ems = g->requester->TakeExportMasterSecret(s->session_id);
  EXPECT_TRUE(ems);
  Guest* raw = g.get();
  g->call = [raw](uint16_t sid, ByteSpan vid, ByteSpan payload) {
    return raw->requester->VendorDefined(raw->session_id, sid, vid, payload);
  };
  opts.channel_id = 1;
  auto ch = DeviceChannel::Create(ems->reveal(), opts);
  EXPECT_TRUE(ch);
  if (!ch) return nullptr;
  g->channel = std::move(*ch);
  auto st = g->channel->Open(g->call);
  EXPECT_TRUE(st) << (st ? "" : st.error().ToString());
  if (ready) {
    EXPECT_TRUE(DeviceChannel::SetReady(g->call));
  }
  return g;
}

void Detach(Guest& g) {
  EXPECT_TRUE(g.channel->Close(g.call));
}

// Waits until the guest has published `ticket` in a ring region (its
// sequence word reads ticket + 1).
bool WaitPublished(std::span<uint8_t> region, uint64_t ticket, const channel::RingGeometry& rg) {
  const std::size_t stride = (16 + rg.slot_payload + 63) / 64 * 64;
  uint8_t* slot = region.data() + 64 + static_cast<std::size_t>(ticket % rg.slot_count) * stride;
  // Generous: on a loaded machine the guest thread may wait long for a core.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    uint64_t seq;
    std::memcpy(&seq, slot, 8);
    if (seq == ticket + 1) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}
// SIGSTOP is delivered asynchronously: waits until the process is really
// stopped (state T in /proc/PID/stat), so it cannot consume what the guest
// publishes next.
bool StopAndWait(pid_t pid) {
  if (kill(pid, SIGSTOP) != 0) return false;
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream f(path);
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() &&
        (stat[paren + 2] == 'T' || stat[paren + 2] == 't')) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}
uint8_t* SlotPayload(std::span<uint8_t> region, uint64_t ticket, const channel::RingGeometry& rg) {
  const std::size_t stride = (16 + rg.slot_payload + 63) / 64 * 64;
  return region.data() + 64 + static_cast<std::size_t>(ticket % rg.slot_count) * stride + 16;
}

TEST(DeviceChannelProcessTest, RoundTripsBitExactAcrossProcesses) {
  auto g = Attach(0);
  ASSERT_TRUE(g);
  DeviceChannel& ch = *g->channel;
  EXPECT_EQ(ch.device_index(), 0u);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{4095}, std::size_t{4097},
                        (std::size_t{64} << 20) + 3}) {
    const uint64_t offset = n % 2 == 1 ? 3 : 0;
    auto h = ch.Alloc(n + offset + 1);
    ASSERT_TRUE(h) << h.error().ToString();
    const Bytes data = Pattern(n, n);
    ASSERT_TRUE(ch.CopyToDevice({*h, offset, n}, data)) << n;
    Bytes back(n);
    ASSERT_TRUE(ch.CopyFromDevice({*h, offset, n}, back)) << n;
    EXPECT_TRUE(back == data) << n;
    ASSERT_TRUE(ch.Free(*h));
  }
  // No plaintext of the last transfer is left in any region.
  const Bytes probe = Pattern(64, (std::size_t{64} << 20) + 3);
  for (auto region : {ch.command_region(), ch.completion_region(), ch.h2d_region(), ch.d2h_region()}) {
    EXPECT_EQ(memmem(region.data(), region.size(), probe.data(), 32), nullptr);
  }
  Detach(*g);
}

TEST(DeviceChannelProcessTest, RotationBatchesAndAModelLayerAcrossProcesses) {
  DeviceChannelOptions o;
  o.chunk_size = 16 * 1024;
  o.rotation.max_units_per_key = 5000;  // 4 chunks per key
  o.rotation.epoch_window = 8;
  auto g = Attach(0, o);
  ASSERT_TRUE(g);
  DeviceChannel& ch = *g->channel;
  const Bytes data = Pattern((2u << 20) + 9, 5);
  auto h = *ch.Alloc(data.size());
  ASSERT_TRUE(ch.CopyToDevice({h, 0, data.size()}, data));
  Bytes back(data.size());
  ASSERT_TRUE(ch.CopyFromDevice({h, 0, data.size()}, back));
  EXPECT_TRUE(back == data);
  // Batched small copies.
  std::vector<Bytes> small;
  std::vector<HostToDeviceCopy> ins;
  for (int i = 0; i < 64; ++i) small.push_back(Pattern(100 + static_cast<std::size_t>(i), static_cast<uint64_t>(i)));
  uint64_t at = 0;
  std::vector<DeviceRange> ranges;
  for (const auto& s : small) {
    ranges.push_back({h, at, s.size()});
    ins.push_back({ranges.back(), s});
    at += s.size() + 1;
  }
  ASSERT_TRUE(ch.CopyToDeviceBatch(ins));
  std::vector<Bytes> outs;
  std::vector<DeviceToHostCopy> out_copies;
  for (const auto& r : ranges) outs.emplace_back(r.length);
  for (std::size_t i = 0; i < ranges.size(); ++i) out_copies.push_back({ranges[i], outs[i]});
  ASSERT_TRUE(ch.CopyFromDeviceBatch(out_copies));
  for (std::size_t i = 0; i < small.size(); ++i) EXPECT_TRUE(outs[i] == small[i]) << i;
  // relu(x) then checksum: equal to the CPU's.
  std::vector<float> x = {-1.5f, 2.0f, 0.0f, -0.25f, 7.5f, 3.0f, -9.0f, 1.0f};
  Bytes xb(x.size() * 4);
  std::memcpy(xb.data(), x.data(), xb.size());
  auto hx = *ch.Alloc(xb.size());
  auto hc = *ch.Alloc(8);
  ASSERT_TRUE(ch.CopyToDevice({hx, 0, xb.size()}, xb));
  const LaunchArg relu[] = {U64Arg(x.size()), BufferArg({hx, 0, xb.size()})};
  ASSERT_TRUE(ch.Launch("relu_f32", relu));
  const LaunchArg sum[] = {BufferArg({hx, 0, xb.size()}), BufferArg({hc, 0, 8})};
  ASSERT_TRUE(ch.Launch("checksum", sum));
  for (auto& v : x) v = std::max(0.0f, v);
  std::memcpy(xb.data(), x.data(), xb.size());
  Bytes c(8);
  ASSERT_TRUE(ch.CopyFromDevice({hc, 0, 8}, c));
  uint64_t got = 0;
  for (int i = 7; i >= 0; --i) got = (got << 8) | c[static_cast<std::size_t>(i)];
  EXPECT_EQ(got, gpu::Fnv1a64(xb));
  Detach(*g);
}

TEST(DeviceChannelProcessTest, CommandsBeforeReadyAreRefused) {
  // Device 1 of a fresh device process: no guest has set it ready yet (the
  // tests run in this order, and ctest runs each in its own process).
  auto g = Attach(1, {}, /*ready=*/false);
  ASSERT_TRUE(g);
  auto h = g->channel->Alloc(10);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, Errc::kNotReady);
  Bytes out(5000);
  EXPECT_EQ(g->channel->CopyFromDevice({1, 0, out.size()}, out).error().error.code, Errc::kNotReady);
  ASSERT_TRUE(DeviceChannel::SetReady(g->call));
  EXPECT_TRUE(g->channel->Alloc(10));
  Detach(*g);
}

TEST(DeviceChannelProcessTest, HostTamperingWhileTheDeviceIsStoppedIsDetected) {
  DeviceChannelOptions o;
  o.chunk_size = 4096;
  auto g = Attach(0, o);
  ASSERT_TRUE(g);
  DeviceChannel& ch = *g->channel;
  const auto& geo = ch.open_request().geometry;
  const std::size_t n = 4 * 4096;
  auto h = *ch.Alloc(n);
  const Bytes data = Pattern(n, 99);
  ASSERT_TRUE(ch.CopyToDevice({h, 0, n}, data));  // H2D tickets 0..3
  const pid_t dev = DeviceProcess::Get()->pid();

  // H2D: a bit flipped in chunk 2 while the device is stopped.
  ASSERT_TRUE(StopAndWait(dev));
  TransferStatus result;
  std::thread guest([&] { result = ch.CopyToDevice({h, 0, n}, Pattern(n, 100)); });
  const bool published = WaitPublished(ch.h2d_region(), 4 + 3, geo.h2d);
  if (!published) kill(dev, SIGCONT);
  ASSERT_TRUE(published) << (guest.join(), "H2D chunks not published");
  SlotPayload(ch.h2d_region(), 4 + 2, geo.h2d)[40 + 11] ^= 0x20;
  ASSERT_EQ(kill(dev, SIGCONT), 0);
  guest.join();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().error.code, Errc::kAuthFailed);
  EXPECT_EQ(result.error().chunk_index, 2u);
  Bytes back(n);
  ASSERT_TRUE(ch.CopyFromDevice({h, 0, n}, back));
  EXPECT_TRUE(back == Bytes(n, channel::kPoisonByte));
  ASSERT_TRUE(ch.CopyToDevice({h, 0, n}, data));  // the retry works
  ASSERT_TRUE(ch.CopyFromDevice({h, 0, n}, back));
  EXPECT_TRUE(back == data);

  // Commands: a bit flipped in the next command record kills the channel.
  ASSERT_TRUE(StopAndWait(dev));
  Result<uint64_t> alloc = Fail(Errc::kTimeout, "not run");
  std::thread guest2([&] { alloc = ch.Alloc(64); });
  // Alloc, CopyToDevice ×3, CopyFromDevice ×2 came before: command seq 6.
  const bool cmd_published = WaitPublished(ch.command_region(), 6, geo.command);
  if (!cmd_published) kill(dev, SIGCONT);
  ASSERT_TRUE(cmd_published) << (guest2.join(), "command not published");
  SlotPayload(ch.command_region(), 6, geo.command)[8 + 1] ^= 0x01;
  ASSERT_EQ(kill(dev, SIGCONT), 0);
  guest2.join();
  ASSERT_FALSE(alloc);
  EXPECT_EQ(alloc.error().code, Errc::kAuthFailed);
  EXPECT_FALSE(ch.healthy());
  EXPECT_EQ(ch.Fence().error().code, Errc::kChannelBroken);
}

TEST(DeviceChannelProcessTest, PeerCopyAcrossTheLinkAndLinkTamperingAcrossProcesses) {
  DeviceChannelOptions o;
  o.chunk_size = 4096;
  auto a = Attach(0, o);
  auto b = Attach(1, o);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->channel->device_index(), 1u);
  auto key = *NewPeerKey();
  ASSERT_TRUE(a->channel->SetPeerKey(1, 42, key));
  ASSERT_TRUE(b->channel->SetPeerKey(0, 42, key));
  const std::size_t n = 3 * 4096 + 5;
  const Bytes data = Pattern(n, 3);
  auto ha = *a->channel->Alloc(n);
  auto hb = *b->channel->Alloc(n);
  ASSERT_TRUE(a->channel->CopyToDevice({ha, 0, n}, data));
  ASSERT_TRUE(DeviceChannel::PeerCopy(*a->channel, {ha, 0, n}, *b->channel, {hb, 0, n}));
  Bytes back(n);
  ASSERT_TRUE(b->channel->CopyFromDevice({hb, 0, n}, back));
  EXPECT_TRUE(back == data);
  // The link region is host-visible (named shm of the device process): it
  // holds only ciphertext, and a flipped bit is caught by the destination.
  auto link = channel::SharedRegion::OpenNamed("/ccgpu-link-" + std::to_string(DeviceProcess::Get()->pid()) +
                                               "-42-0to1");
  ASSERT_TRUE(link) << link.error().ToString();
  EXPECT_EQ(memmem(link->bytes().data(), link->bytes().size(), data.data(), 32), nullptr);
  ASSERT_TRUE(a->channel->PeerSend(1, 500, {ha, 0, n}, {hb, 0, n}));  // link tickets 4..7
  const channel::RingGeometry lg{16, 256 * 1024 + static_cast<uint32_t>(channel::kChunkOverhead)};
  SlotPayload(link->bytes(), 4 + 1, lg)[40 + 4000] ^= 0x08;
  auto r = b->channel->PeerReceive(0, 500, {ha, 0, n}, {hb, 0, n});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error.code, Errc::kAuthFailed);
  EXPECT_EQ(r.error().chunk_index, 1u);
  ASSERT_TRUE(b->channel->CopyFromDevice({hb, 0, n}, back));
  EXPECT_TRUE(back == Bytes(n, channel::kPoisonByte));
  ASSERT_TRUE(DeviceChannel::PeerCopy(*a->channel, {ha, 0, n}, *b->channel, {hb, 0, n}));
  ASSERT_TRUE(b->channel->CopyFromDevice({hb, 0, n}, back));
  EXPECT_TRUE(back == data);
  Detach(*a);
  Detach(*b);
}

#ifdef CCGPU_CLI  // the ccgpu binary (device_channel.cmake)
// The real `ccgpu gpud` (SPDM on its configured ports, TDISP and the ccgpu
// control protocol registered per device): a channel on each of its two
// GPUs, a round trip and a peer copy. Skipped if the ports are taken.
TEST(DeviceChannelProcessTest, RealGpudServesTheControlProtocol) {
  const fs::path dir = fs::temp_directory_path() / ("ccgpu_dc_gpud_" + std::to_string(getpid()));
  // Below the kernel's ephemeral range (32768+), so no test's own sockets take it.
  const uint16_t base = static_cast<uint16_t>(20000 + (getpid() % 700) * 16);
  gpu::ProvisionOptions po;
  po.gpus = 2;
  po.now = SystemClock::Get().Now();
  po.base.protected_memory_bytes = 64u << 20;
  po.spdm_base_port = base;
  ASSERT_TRUE(gpu::Provision(dir, po).has_value());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    execl(CCGPU_CLI, CCGPU_CLI, "gpud", "--state", dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  auto root = crypto::Certificate::FromPem(*gpu::ReadFileText(gpu::ManufacturerDir(dir) / "device_root.pem")).value();
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    for (uint16_t p : {base, static_cast<uint16_t>(base + 1)}) {
      up = tp::TcpConnection::Connect("127.0.0.1", p).has_value();
      if (!up) break;
    }
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  int status = 0;
  if (!up || waitpid(pid, &status, WNOHANG) != 0) {
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    fs::remove_all(dir);
    GTEST_SKIP() << "gpud did not start serving on ports " << base << ".." << base + 1;
  }
  {
    DeviceChannelOptions o;
    o.chunk_size = 64 * 1024;
    auto a = AttachPort(base, root, o, true);
    auto b = AttachPort(static_cast<uint16_t>(base + 1), root, o, true);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(b->channel->device_index(), 1u);
    const Bytes data = Pattern((1u << 20) + 1, 12);
    auto ha = *a->channel->Alloc(data.size());
    auto hb = *b->channel->Alloc(data.size());
    ASSERT_TRUE(a->channel->CopyToDevice({ha, 0, data.size()}, data));
    auto key = *NewPeerKey();
    ASSERT_TRUE(a->channel->SetPeerKey(1, 1, key));
    ASSERT_TRUE(b->channel->SetPeerKey(0, 1, key));
    ASSERT_TRUE(DeviceChannel::PeerCopy(*a->channel, {ha, 0, data.size()}, *b->channel, {hb, 0, data.size()}));
    Bytes back(data.size());
    ASSERT_TRUE(b->channel->CopyFromDevice({hb, 0, data.size()}, back));
    EXPECT_TRUE(back == data);
    Detach(*a);
    Detach(*b);
  }
  kill(pid, SIGTERM);
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  fs::remove_all(dir);
}
#endif  // CCGPU_CLI

}  // namespace
}  // namespace ccgpu::runtime
