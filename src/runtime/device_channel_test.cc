// Guest DeviceChannel ↔ device engine, in one process (executor threads):
// round trips, batching, rotation, the ready gate, kernels, peer copies, and
// the hostile host (a relay between the guest's rings and the device's, and
// in-place tampering of the link) — each attack with its precise error.
#include "runtime/device_channel.h"
#include "runtime/test_pattern.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "channel/host_relay.h"
#include "channel/record.h"
#include "channel/ring.h"
#include "channel/shm.h"
#include "gpu/device.h"
#include "gpu/engine/device_engine.h"
#include "gpu/kernels/kernels.h"
#include "gpu/provision.h"

namespace ccgpu::runtime {
namespace {

namespace fs = std::filesystem;
using gpu::engine::ControlHandler;
using gpu::engine::DeviceEngine;
using gpu::engine::PeerLinkHub;
using SteadyClock = std::chrono::steady_clock;

const Bytes kEms(48, 0x42);

using testing_support::Pattern;

// A recognisable plaintext: a 32-byte marker repeated.
constexpr std::string_view kMarker = "PLAINTEXT-MARKER-ccgpu-0123456789";
Bytes MarkerData(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(kMarker[i % kMarker.size()]);
  return b;
}
// A leak of the marker data of 48 bytes or more (plaintext would leak in
// whole chunks) contains the marker's first 16 bytes.
bool ContainsMarker(std::span<const uint8_t> region) {
  return memmem(region.data(), region.size(), kMarker.data(), 16) != nullptr;
}

// Ring layout (channel/ring.cc): 64-byte header, slots of 16-byte header
// (seq u64, length u32) + payload, stride rounded up to 64.
std::size_t SlotOffset(uint64_t ticket, uint32_t count, uint32_t payload) {
  const std::size_t stride = (16 + payload + 63) / 64 * 64;
  return 64 + static_cast<std::size_t>(ticket % count) * stride;
}

class ProvisionedState : public ::testing::Environment {
 public:
  static fs::path& Dir() {
    static fs::path dir;
    return dir;
  }
  void SetUp() override {
    Dir() = fs::temp_directory_path() / ("ccgpu_device_channel_test_" + std::to_string(getpid()));
    gpu::ProvisionOptions o;
    o.gpus = 2;
    o.now = SystemClock::Get().Now();
    o.base.protected_memory_bytes = 256u << 20;
    ASSERT_TRUE(gpu::Provision(Dir(), o).has_value());
  }
  void TearDown() override { fs::remove_all(Dir()); }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new ProvisionedState);

// One device with its engine and control handler, reachable through a
// VendorCall that plays the SPDM session (session id 1, EMS kEms).
struct TestDevice {
  std::unique_ptr<gpu::Device> device;
  std::unique_ptr<DeviceEngine> engine;
  std::shared_ptr<ControlHandler> handler;
  VendorCall call;

  TestDevice(unsigned index, PeerLinkHub* hub, gpu::engine::EngineOptions opts = {}) {
    device = std::move(*gpu::Device::Open(ProvisionedState::Dir(), index));
    engine = std::make_unique<DeviceEngine>(*device, hub, opts);
    handler = std::make_shared<ControlHandler>(*engine);
    call = [h = handler](uint16_t sid, ByteSpan vid, ByteSpan payload) -> Result<Bytes> {
      spdm::responder::VendorRequest r{sid, vid, payload, 1u,
                                       [] { return Result<SecretBytes>(SecretBytes::CopyOf(kEms)); }};
      return h->Handle(r);
    };
  }
  ~TestDevice() {
    engine.reset();
    handler.reset();
  }
};

DeviceChannelOptions SmallOptions(uint32_t channel_id = 1) {
  DeviceChannelOptions o;
  o.channel_id = channel_id;
  o.threads = 2;
  o.timeout = std::chrono::milliseconds(10000);
  return o;
}

std::unique_ptr<DeviceChannel> OpenReady(TestDevice& d, DeviceChannelOptions o = SmallOptions()) {
  auto ch = DeviceChannel::Create(kEms, o);
  EXPECT_TRUE(ch) << (ch ? "" : ch.error().ToString());
  if (!ch) return nullptr;
  auto st = (*ch)->Open(d.call);
  EXPECT_TRUE(st) << (st ? "" : st.error().ToString());
  EXPECT_TRUE(DeviceChannel::SetReady(d.call));
  return std::move(*ch);
}

Bytes ReadBack(DeviceChannel& ch, const DeviceRange& r) {
  Bytes out(r.length);
  auto st = ch.CopyFromDevice(r, out);
  EXPECT_TRUE(st) << (st ? "" : st.error().error.ToString());
  return out;
}

// ---------------------------------------------------------------- basics

TEST(DeviceChannelTest, RoundTripsOddSizesAndAlignmentsBitExact) {
  TestDevice dev(0, nullptr);
  auto ch = OpenReady(dev);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->device_index(), 0u);
  EXPECT_EQ(ch->protected_memory_bytes(), 256u << 20);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{4095}, std::size_t{4096},
                        std::size_t{4097}, (std::size_t{64} << 20) + 3}) {
    for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{7}}) {
      if (n > 100000 && offset != 7) continue;  // one odd alignment is enough at 64 MiB
      auto h = ch->Alloc(offset + n + 1);
      ASSERT_TRUE(h) << h.error().ToString();
      const Bytes data = Pattern(n, static_cast<uint32_t>(n + offset));
      const DeviceRange r{*h, offset, n};
      auto st = ch->CopyToDevice(r, data);
      ASSERT_TRUE(st) << n << " " << st.error().error.ToString();
      EXPECT_TRUE(ReadBack(*ch, r) == data) << "size " << n << " offset " << offset;
      ASSERT_TRUE(ch->Free(*h));
    }
  }
}

TEST(DeviceChannelTest, BatchedSmallCopiesRoundTrip) {
  TestDevice dev(0, nullptr);
  auto ch = OpenReady(dev);
  ASSERT_TRUE(ch);
  std::mt19937 rng(5);
  std::vector<Bytes> data;
  std::vector<HostToDeviceCopy> ins;
  std::vector<DeviceRange> ranges;
  for (int i = 0; i < 200; ++i) {
    const std::size_t n = 1 + rng() % 5000;
    auto h = ch->Alloc(n + 3);
    ASSERT_TRUE(h);
    data.push_back(Pattern(n, static_cast<uint32_t>(i)));
    ranges.push_back({*h, static_cast<uint64_t>(i % 3), n});
  }
  for (std::size_t i = 0; i < data.size(); ++i) ins.push_back({ranges[i], data[i]});
  ASSERT_TRUE(ch->CopyToDeviceBatch(ins));
  std::vector<Bytes> outs;
  std::vector<DeviceToHostCopy> out_copies;
  for (const auto& r : ranges) outs.emplace_back(r.length);
  for (std::size_t i = 0; i < ranges.size(); ++i) out_copies.push_back({ranges[i], outs[i]});
  ASSERT_TRUE(ch->CopyFromDeviceBatch(out_copies));
  for (std::size_t i = 0; i < data.size(); ++i) ASSERT_TRUE(outs[i] == data[i]) << i;
  // A batched write is visible to a plain read and the other way round.
  EXPECT_TRUE(ReadBack(*ch, ranges[17]) == data[17]);
  // Limits are checked before anything is sent.
  std::vector<HostToDeviceCopy> too_many(257, ins[0]);
  EXPECT_EQ(ch->CopyToDeviceBatch(too_many).error().error.code, Errc::kInvalidArgument);
  EXPECT_EQ(ch->CopyToDeviceBatch({}).error().error.code, Errc::kInvalidArgument);
  EXPECT_TRUE(ch->Fence());
}

TEST(DeviceChannelTest, KeysRotateInTheMiddleOfTransfersBothWays) {
  TestDevice dev(0, nullptr);
  DeviceChannelOptions o = SmallOptions();
  o.chunk_size = 16 * 1024;
  o.rotation.max_units_per_key = 3000;  // 2 chunks of 16 KiB (1025 units each) per key
  // Too small a window for 16-slot rings at 2 chunks per epoch is refused.
  o.rotation.epoch_window = 9;
  EXPECT_EQ(DeviceChannel::Create(kEms, o).error().code, Errc::kInvalidArgument);
  o.rotation.epoch_window = 10;
  auto ch = OpenReady(dev, o);
  ASSERT_TRUE(ch);
  const Bytes data = Pattern((3u << 20) + 5, 9);
  auto h = ch->Alloc(data.size());
  ASSERT_TRUE(h);
  const DeviceRange r{*h, 0, data.size()};
  auto st = ch->CopyToDevice(r, data);
  ASSERT_TRUE(st) << st.error().error.ToString() << " chunk " << st.error().chunk_index;
  // The H2D ring still holds the transfer's last 16 sealed chunks: their
  // headers (epoch u32 at payload offset 4) show several epochs.
  const auto& g = o.geometry.h2d;
  std::set<uint32_t> epochs;
  for (uint32_t t = 0; t < g.slot_count; ++t) {
    const std::size_t at = SlotOffset(t, g.slot_count, g.slot_payload) + 16 + 4;
    uint32_t e = 0;
    std::memcpy(&e, ch->h2d_region().data() + at, 4);
    epochs.insert(e);
  }
  EXPECT_GE(epochs.size(), 3u);
  EXPECT_GE(*epochs.rbegin(), 90u);  // 193 chunks / 2 per key
  EXPECT_TRUE(ReadBack(*ch, r) == data);
}

TEST(DeviceChannelTest, CommandsBeforeReadyAreRefusedAndRingsStayInStep) {
  TestDevice dev(0, nullptr);
  auto ch = *DeviceChannel::Create(kEms, SmallOptions());
  ASSERT_TRUE(ch->Open(dev.call));
  EXPECT_EQ(ch->Alloc(100).error().code, Errc::kNotReady);
  const Bytes data = Pattern(300000, 1);
  auto h2d = ch->CopyToDevice({1, 0, data.size()}, data);
  ASSERT_FALSE(h2d);
  EXPECT_EQ(h2d.error().error.code, Errc::kNotReady);
  Bytes out(300000);
  auto d2h = ch->CopyFromDevice({1, 0, out.size()}, out);
  ASSERT_FALSE(d2h);
  EXPECT_EQ(d2h.error().error.code, Errc::kNotReady);
  const LaunchArg args[] = {U64Arg(1), BufferArg({1, 0, 4})};
  EXPECT_EQ(ch->Launch("relu_f32", args).error().code, Errc::kNotReady);
  EXPECT_EQ(ch->Fence().error().code, Errc::kNotReady);
  EXPECT_TRUE(ch->healthy());
  // Once ready, the same channel works: nothing was left in the rings.
  ASSERT_TRUE(DeviceChannel::SetReady(dev.call));
  auto h = ch->Alloc(data.size());
  ASSERT_TRUE(h);
  ASSERT_TRUE(ch->CopyToDevice({*h, 0, data.size()}, data));
  EXPECT_TRUE(ReadBack(*ch, {*h, 0, data.size()}) == data);
}

TEST(DeviceChannelTest, AllocatorHandlesBoundsScrubAndOwnership) {
  TestDevice dev(0, nullptr);
  auto a = OpenReady(dev, SmallOptions(1));
  auto b = OpenReady(dev, SmallOptions(2));
  ASSERT_TRUE(a && b);
  auto h1 = a->Alloc(1000);
  auto h2 = a->Alloc(1000);
  ASSERT_TRUE(h1 && h2);
  EXPECT_NE(*h1, *h2);
  const Bytes data = Pattern(1000, 3);
  ASSERT_TRUE(a->CopyToDevice({*h1, 0, 1000}, data));
  // The other channel cannot name this allocation.
  Bytes out(10);
  EXPECT_EQ(b->CopyFromDevice({*h1, 0, 10}, out).error().error.code, Errc::kNotFound);
  EXPECT_EQ(b->Free(*h1).error().code, Errc::kNotFound);
  // Bounds (overflow-checked).
  Bytes eleven(11);
  EXPECT_EQ(a->CopyFromDevice({*h1, 990, 11}, eleven).error().error.code, Errc::kOutOfRange);
  Bytes one(1);
  EXPECT_EQ(a->CopyFromDevice({*h1, UINT64_MAX, 1}, one).error().error.code, Errc::kOutOfRange);
  // Free scrubs: the next allocation of that space reads back zero.
  ASSERT_TRUE(a->Free(*h1));
  EXPECT_EQ(a->Free(*h1).error().code, Errc::kNotFound);
  auto h3 = a->Alloc(1000);
  ASSERT_TRUE(h3);
  EXPECT_NE(*h3, *h1);  // handles are never reused
  EXPECT_TRUE(ReadBack(*a, {*h3, 0, 1000}) == Bytes(1000, 0));
  EXPECT_EQ(a->Alloc(257u << 20).error().code, Errc::kResourceExhausted);
  EXPECT_EQ(a->Alloc(0).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(dev.engine->allocator().allocation_count(), 2u);
  // Closing a channel frees (and scrubs) what it held.
  ASSERT_TRUE(a->Close(dev.call));
  EXPECT_EQ(a->Fence().error().code, Errc::kChannelBroken);
  EXPECT_EQ(dev.engine->allocator().allocation_count(), 0u);
  EXPECT_TRUE(b->Fence());
}

TEST(DeviceChannelTest, ModelLayerMatchesCpuReference) {
  TestDevice dev(0, nullptr);
  auto ch = OpenReady(dev);
  ASSERT_TRUE(ch);
  // Y = softmax(relu(X · W + b)), X: 8×32, W: 32×16, b: 16.
  constexpr std::size_t m = 8, k = 32, n = 16;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(m * k), w(k * n), b(n);
  for (auto& v : x) v = dist(rng);
  for (auto& v : w) v = dist(rng);
  for (auto& v : b) v = dist(rng);
  auto to_bytes = [](const std::vector<float>& v) {
    Bytes out(v.size() * 4);
    std::memcpy(out.data(), v.data(), out.size());
    return out;
  };
  auto hx = *ch->Alloc(m * k * 4), hw = *ch->Alloc(k * n * 4), hb = *ch->Alloc(n * 4), hy = *ch->Alloc(m * n * 4);
  ASSERT_TRUE(ch->CopyToDevice({hx, 0, m * k * 4}, to_bytes(x)));
  ASSERT_TRUE(ch->CopyToDevice({hw, 0, k * n * 4}, to_bytes(w)));
  ASSERT_TRUE(ch->CopyToDevice({hb, 0, n * 4}, to_bytes(b)));
  const DeviceRange X{hx, 0, m * k * 4}, W{hw, 0, k * n * 4}, B{hb, 0, n * 4}, Y{hy, 0, m * n * 4};
  const LaunchArg gemm[] = {U64Arg(m), U64Arg(n), U64Arg(k), BufferArg(X), BufferArg(W), BufferArg(Y)};
  ASSERT_TRUE(ch->Launch("gemm_f32", gemm));
  const LaunchArg bias[] = {U64Arg(m), U64Arg(n), BufferArg(Y), BufferArg(B)};
  ASSERT_TRUE(ch->Launch("bias_relu_f32", bias));
  const LaunchArg soft[] = {U64Arg(m), U64Arg(n), BufferArg(Y)};
  ASSERT_TRUE(ch->Launch("softmax_f32", soft));
  ASSERT_TRUE(ch->Fence());
  Bytes yb = ReadBack(*ch, Y);
  std::vector<float> y(m * n);
  std::memcpy(y.data(), yb.data(), yb.size());
  // CPU reference.
  for (std::size_t i = 0; i < m; ++i) {
    std::vector<double> row(n);
    double mx = -1e30;
    for (std::size_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::size_t p = 0; p < k; ++p) acc += double{x[i * k + p]} * double{w[p * n + j]};
      row[j] = std::max(0.0, acc + b[j]);
      mx = std::max(mx, row[j]);
    }
    double sum = 0;
    for (auto& v : row) sum += (v = std::exp(v - mx));
    for (std::size_t j = 0; j < n; ++j) {
      EXPECT_NEAR(y[i * n + j], row[j] / sum, 1e-5) << i << "," << j;
    }
  }
  // Checksum kernel: the device's FNV-1a of the input equals the CPU's.
  auto hc = *ch->Alloc(8);
  const LaunchArg sum_args[] = {BufferArg(X), BufferArg({hc, 0, 8})};
  ASSERT_TRUE(ch->Launch("checksum", sum_args));
  Bytes c = ReadBack(*ch, {hc, 0, 8});
  uint64_t got = 0;
  for (int i = 7; i >= 0; --i) got = (got << 8) | c[static_cast<std::size_t>(i)];
  EXPECT_EQ(got, gpu::Fnv1a64(to_bytes(x)));
  // saxpy: y = 2x + y on the device vs the CPU.
  const LaunchArg saxpy[] = {U64Arg(n), F32Arg(2.0f), BufferArg({hb, 0, n * 4}), BufferArg({hw, 0, n * 4})};
  ASSERT_TRUE(ch->Launch("saxpy", saxpy));
  Bytes wb = ReadBack(*ch, {hw, 0, n * 4});
  std::vector<float> w2(n);
  std::memcpy(w2.data(), wb.data(), wb.size());
  for (std::size_t j = 0; j < n; ++j) EXPECT_FLOAT_EQ(w2[j], 2.0f * b[j] + w[j]);
}

TEST(DeviceChannelTest, LaunchArgumentsAreValidated) {
  TestDevice dev(0, nullptr);
  auto ch = OpenReady(dev);
  ASSERT_TRUE(ch);
  auto h = *ch->Alloc(64);
  const LaunchArg too_big[] = {U64Arg(17), BufferArg({h, 0, 64})};  // 17 floats > 64 bytes
  EXPECT_EQ(ch->Launch("relu_f32", too_big).error().code, Errc::kInvalidArgument);
  const LaunchArg outside[] = {U64Arg(1), BufferArg({h, 60, 8})};
  EXPECT_EQ(ch->Launch("relu_f32", outside).error().code, Errc::kOutOfRange);
  const LaunchArg unknown_handle[] = {U64Arg(1), BufferArg({h + 100, 0, 4})};
  EXPECT_EQ(ch->Launch("relu_f32", unknown_handle).error().code, Errc::kNotFound);
  const LaunchArg ok[] = {U64Arg(16), BufferArg({h, 0, 64})};
  EXPECT_EQ(ch->Launch("no_such_kernel", ok).error().code, Errc::kNotFound);
  EXPECT_TRUE(ch->Launch("relu_f32", ok));
  EXPECT_TRUE(ch->healthy());
}

TEST(DeviceChannelTest, PlaintextNeverAppearsInSharedMemoryDuringOrAfterTransfers) {
  PeerLinkHub hub;
  TestDevice d0(0, &hub), d1(1, &hub);
  auto a = OpenReady(d0);
  auto b = OpenReady(d1);
  ASSERT_TRUE(a && b);
  auto key = *NewPeerKey();
  ASSERT_TRUE(a->SetPeerKey(1, 5, key));
  ASSERT_TRUE(b->SetPeerKey(0, 5, key));
  const Bytes data = MarkerData(4u << 20);
  auto ha = *a->Alloc(data.size());
  auto hb = *b->Alloc(data.size());
  // The link's region exists once used; create it up front so the scanner sees it.
  auto link = hub.Get(5, 0, 1);
  ASSERT_TRUE(link);
  std::atomic<bool> stop{false};
  std::atomic<int> leaks{0}, scans{0};
  std::thread scanner([&] {
    while (!stop.load()) {
      for (auto region : {a->command_region(), a->completion_region(), a->h2d_region(), a->d2h_region(),
                          b->command_region(), b->completion_region(), (*link)->region.bytes()}) {
        if (ContainsMarker(region)) leaks.fetch_add(1);
      }
      scans.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  ASSERT_TRUE(a->CopyToDevice({ha, 0, data.size()}, data));
  ASSERT_TRUE(DeviceChannel::PeerCopy(*a, {ha, 0, data.size()}, *b, {hb, 0, data.size()}));
  Bytes back(data.size());
  ASSERT_TRUE(b->CopyFromDevice({hb, 0, data.size()}, back));
  // Small copies go through the batch path's private staging too.
  std::vector<HostToDeviceCopy> small;
  for (int i = 0; i < 32; ++i) small.push_back({{ha, static_cast<uint64_t>(i) * 100, 100}, ByteSpan(data).subspan(0, 100)});
  ASSERT_TRUE(a->CopyToDeviceBatch(small));
  stop.store(true);
  scanner.join();
  EXPECT_TRUE(back == data);
  EXPECT_GT(scans.load(), 0);
  EXPECT_EQ(leaks.load(), 0);
  for (auto region : {a->command_region(), a->completion_region(), a->h2d_region(), a->d2h_region(),
                      b->d2h_region(), (*link)->region.bytes()}) {
    EXPECT_FALSE(ContainsMarker(region));
  }
  // The scan itself works: the pattern is found where it is.
  EXPECT_TRUE(ContainsMarker(back));
}

TEST(DeviceChannelTest, PeerCopyBetweenTwoGpusAndLinkNeedsKeys) {
  PeerLinkHub hub;
  TestDevice d0(0, &hub), d1(1, &hub);
  auto a = OpenReady(d0);
  auto b = OpenReady(d1);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->device_index(), 1u);
  auto ha = *a->Alloc(1 << 20);
  auto hb = *b->Alloc(1 << 20);
  EXPECT_EQ(a->PeerSend(1, 1, {ha, 0, 10}, {hb, 0, 10}).error().error.code, Errc::kStateError);
  auto key = *NewPeerKey();
  ASSERT_TRUE(a->SetPeerKey(1, 9, key));
  ASSERT_TRUE(b->SetPeerKey(0, 9, key));
  EXPECT_EQ(a->SetPeerKey(0, 9, key).error().code, Errc::kInvalidArgument);  // itself
  for (std::size_t n : {std::size_t{1}, std::size_t{4097}, std::size_t{(1 << 20) - 3}}) {
    const Bytes data = Pattern(n, static_cast<uint32_t>(n));
    ASSERT_TRUE(a->CopyToDevice({ha, 0, n}, data));
    ASSERT_TRUE(DeviceChannel::PeerCopy(*a, {ha, 0, n}, *b, {hb, 3, n}));
    EXPECT_TRUE(ReadBack(*b, {hb, 3, n}) == data) << n;
    // And back the other way on the same link.
    ASSERT_TRUE(DeviceChannel::PeerCopy(*b, {hb, 3, n}, *a, {ha, 1, n}));
    EXPECT_TRUE(ReadBack(*a, {ha, 1, n}) == data) << n;
  }
  // Different keys on the two GPUs: the destination cannot open the link.
  auto other = *NewPeerKey();
  ASSERT_TRUE(b->SetPeerKey(0, 9, other));
  auto bad = DeviceChannel::PeerCopy(*a, {ha, 0, 100}, *b, {hb, 0, 100});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().error.code, Errc::kAuthFailed);
  EXPECT_EQ(bad.error().chunk_index, 0u);
}

// ------------------------------------------------------------ the host

// In-place tampering of the link: the source seals into the link first
// (PeerSend), the host changes the ring, then the destination opens it.
TEST(DeviceChannelTest, LinkTamperingIsDetectedAndNamesTheChunk) {
  PeerLinkHub hub;  // 16 slots of 256 KiB + overhead
  TestDevice d0(0, &hub), d1(1, &hub);
  DeviceChannelOptions o = SmallOptions();
  o.chunk_size = 4096;
  auto a = OpenReady(d0, o);
  auto b = OpenReady(d1, o);
  ASSERT_TRUE(a && b);
  auto key = *NewPeerKey();
  ASSERT_TRUE(a->SetPeerKey(1, 3, key));
  ASSERT_TRUE(b->SetPeerKey(0, 3, key));
  const std::size_t n = 4 * 4096;  // 4 chunks per transfer
  const Bytes data = Pattern(n, 77);
  auto ha = *a->Alloc(n);
  auto hb = *b->Alloc(n);
  ASSERT_TRUE(a->CopyToDevice({ha, 0, n}, data));
  auto link = *hub.Get(3, 0, 1);
  const uint32_t count = 16, payload = 256 * 1024 + static_cast<uint32_t>(channel::kChunkOverhead);
  auto slot = [&](uint64_t ticket) { return link->region.bytes().data() + SlotOffset(ticket, count, payload); };
  auto len = [&](uint64_t ticket) {
    uint32_t l;
    std::memcpy(&l, slot(ticket) + 8, 4);
    return l;
  };
  auto set_len = [&](uint64_t ticket, uint32_t l) { std::memcpy(slot(ticket) + 8, &l, 4); };
  auto copy_slot = [&](uint64_t from, uint64_t to) {
    std::memcpy(slot(to) + 8, slot(from) + 8, 4);
    std::memcpy(slot(to) + 16, slot(from) + 16, len(from));
  };
  uint64_t tid = 100;
  uint64_t ticket = 0;  // link tickets: 4 per transfer
  // A clean transfer first (also kept as material for splicing).
  ASSERT_TRUE(a->PeerSend(1, tid, {ha, 0, n}, {hb, 0, n}));
  std::vector<Bytes> saved;
  for (uint64_t t = 0; t < 4; ++t) saved.emplace_back(slot(t) + 8, slot(t) + 16 + len(t));
  ASSERT_TRUE(b->PeerReceive(0, tid, {ha, 0, n}, {hb, 0, n}));
  EXPECT_TRUE(ReadBack(*b, {hb, 0, n}) == data);
  ticket += 4;
  ++tid;

  struct Attack {
    const char* name;
    std::function<void(uint64_t first)> apply;
    Errc code;
    uint64_t chunk;
  };
  const std::vector<Attack> attacks = {
      {"flip ciphertext bit", [&](uint64_t f) { slot(f + 2)[16 + 40 + 100] ^= 0x04; }, Errc::kAuthFailed, 2},
      {"flip tag bit", [&](uint64_t f) { slot(f + 1)[16 + 40 + 4096 + 3] ^= 0x80; }, Errc::kAuthFailed, 1},
      {"flip header epoch", [&](uint64_t f) { slot(f + 3)[16 + 4] ^= 0x01; }, Errc::kAuthFailed, 3},
      {"flip header sequence", [&](uint64_t f) { slot(f)[16 + 8] ^= 0x01; }, Errc::kAuthFailed, 0},
      {"flip header destination", [&](uint64_t f) { slot(f + 1)[16 + 32] ^= 0x01; }, Errc::kMalformed, 1},
      {"replay previous chunk", [&](uint64_t f) { copy_slot(f, f + 1); }, Errc::kReplay, 1},
      {"reorder chunks", [&](uint64_t f) {
         Bytes tmp(slot(f + 2) + 8, slot(f + 2) + 16 + len(f + 2));
         copy_slot(f + 3, f + 2);
         std::memcpy(slot(f + 3) + 8, tmp.data(), tmp.size());
       }, Errc::kReplay, 2},
      {"drop a chunk (shift the rest)", [&](uint64_t f) {
         copy_slot(f + 2, f + 1);
         copy_slot(f + 3, f + 2);
       }, Errc::kReplay, 1},
      {"truncate a chunk", [&](uint64_t f) { set_len(f + 3, len(f + 3) - 1); }, Errc::kMalformed, 3},
      {"splice from an earlier transfer", [&](uint64_t f) {
         std::memcpy(slot(f + 2) + 8, saved[2].data(), saved[2].size());
       }, Errc::kReplay, 2},
  };
  for (const Attack& at : attacks) {
    SCOPED_TRACE(at.name);
    ASSERT_TRUE(a->PeerSend(1, tid, {ha, 0, n}, {hb, 0, n}));
    at.apply(ticket);
    auto r = b->PeerReceive(0, tid, {ha, 0, n}, {hb, 0, n});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().error.code, at.code);
    // Swapped or shifted chunks all fail; the destination names the first it saw.
    const bool several = std::string(at.name) == "reorder chunks" || std::string(at.name).rfind("drop", 0) == 0;
    EXPECT_GE(r.error().chunk_index, at.chunk);
    EXPECT_LE(r.error().chunk_index, several ? at.chunk + 1 : at.chunk);
    // The destination range is poisoned, not half-written.
    EXPECT_TRUE(ReadBack(*b, {hb, 0, n}) == Bytes(n, channel::kPoisonByte));
    ticket += 4;
    ++tid;
    // The link stays usable: the retry succeeds.
    ASSERT_TRUE(DeviceChannel::PeerCopy(*a, {ha, 0, n}, *b, {hb, 0, n}));
    EXPECT_TRUE(ReadBack(*b, {hb, 0, n}) == data);
    ticket += 4;
    ++tid;  // PeerCopy took a's next transfer id, not ours; ids only need to be unique
  }
}

// The host between guest and device: channel::HostRelay copies every slot of
// a ring from the guest's region to the device's (or back), and can change,
// drop, replay, reorder or truncate what it carries.
using Relay = channel::HostRelay;

// A guest channel and a device executor whose rings are separate regions,
// with the host relaying every ring.
struct RelayedChannel {
  std::unique_ptr<TestDevice> dev;
  std::unique_ptr<DeviceChannel> guest;
  std::vector<channel::SharedRegion> device_side;
  std::unique_ptr<Relay> cmd, cpl, h2d, d2h;

  explicit RelayedChannel(uint32_t chunk = 4096) {
    gpu::engine::EngineOptions eo;
    eo.transfer_timeout = std::chrono::milliseconds(15000);
    dev = std::make_unique<TestDevice>(0, nullptr, eo);
    DeviceChannelOptions o = SmallOptions();
    o.chunk_size = chunk;
    o.timeout = std::chrono::milliseconds(15000);
    guest = std::move(*DeviceChannel::Create(kEms, o));
    const auto& g = o.geometry;
    gpu::engine::ChannelRegions regions;
    std::vector<channel::SlotRing> rings;
    for (const auto* rg : {&g.command, &g.completion, &g.h2d, &g.d2h}) {
      auto region = *channel::SharedRegion::CreateAnonymous(
          channel::SlotRing::RequiredSize(rg->slot_count, rg->slot_payload), "device-side");
      rings.push_back(*channel::SlotRing::Format(region.bytes(), rg->slot_count, rg->slot_payload));
      device_side.push_back(std::move(region));
    }
    auto attach = [&](std::span<uint8_t> bytes, const channel::RingGeometry& rg) {
      return *channel::SlotRing::Attach(bytes, rg.slot_count, rg.slot_payload);
    };
    cmd = std::make_unique<Relay>(attach(guest->command_region(), g.command), rings[0]);
    cpl = std::make_unique<Relay>(rings[1], attach(guest->completion_region(), g.completion));
    h2d = std::make_unique<Relay>(attach(guest->h2d_region(), g.h2d), rings[2]);
    d2h = std::make_unique<Relay>(rings[3], attach(guest->d2h_region(), g.d2h));
    gpu::engine::ExecutorConfig ec;
    ec.channel_id = o.channel_id;
    ec.geometry = g;
    ec.rotation = o.rotation;
    ec.transfer_timeout = eo.transfer_timeout;
    regions.command = device_side[0].bytes();
    regions.completion = device_side[1].bytes();
    regions.h2d = device_side[2].bytes();
    regions.d2h = device_side[3].bytes();
    EXPECT_TRUE(dev->engine->OpenChannelOnRegions(ec, kEms, std::move(regions)));
    dev->engine->SetReady();
  }
  ~RelayedChannel() {
    // The relays touch both sides' regions: they go first; then the
    // executor (which uses the device-side regions), then the guest.
    cmd.reset();
    cpl.reset();
    h2d.reset();
    d2h.reset();
    dev.reset();
    guest.reset();
  }
};

// Scripts (channel::HostRelay's).
Relay::Script Identity() { return Relay::Identity(); }
Relay::Script Flip(uint64_t target, std::size_t byte, uint8_t bit) { return Relay::Flip(target, byte, bit); }
Relay::Script Map(std::map<uint64_t, int64_t> remap, uint64_t truncate_at = UINT64_MAX) {
  return Relay::Map(std::move(remap), truncate_at);
}

TEST(DeviceChannelHostTest, DataRingAttacksAreDetectedNamedAndRetryable) {
  RelayedChannel rc;
  DeviceChannel& ch = *rc.guest;
  const std::size_t n = 4 * 4096;  // 4 chunks
  const Bytes data = Pattern(n, 21);
  auto h = ch.Alloc(n);
  ASSERT_TRUE(h) << h.error().ToString();
  const DeviceRange r{*h, 0, n};
  ASSERT_TRUE(ch.CopyToDevice(r, data));  // h2d tickets 0..3, kept as splice material
  uint64_t t = 4;                         // next H2D ticket
  struct Attack {
    const char* name;
    std::function<Relay::Script(uint64_t first)> script;
    Errc code;
    uint64_t chunk;
    // Several chunks fail when chunks are swapped or shifted; the first the
    // parallel openers see is named: any in [chunk, chunk_last].
    uint64_t chunk_last = 0;
  };
  const std::vector<Attack> attacks = {
      {"flip a ciphertext bit", [](uint64_t f) { return Flip(f + 1, 40 + 5, 0x10); }, Errc::kAuthFailed, 1},
      {"flip a tag bit", [](uint64_t f) { return Flip(f + 3, 40 + 4096 + 15, 0x01); }, Errc::kAuthFailed, 3},
      {"flip the header's chunk index", [](uint64_t f) { return Flip(f + 2, 24, 0x01); }, Errc::kReplay, 2},
      {"flip the header's transfer id", [](uint64_t f) { return Flip(f + 1, 16, 0x01); }, Errc::kReplay, 1},
      {"flip the header's last flag", [](uint64_t f) { return Flip(f + 3, 1, 0x01); }, Errc::kMalformed, 3},
      {"flip the header's sequence", [](uint64_t f) { return Flip(f, 8, 0x01); }, Errc::kAuthFailed, 0},
      {"replay a chunk", [](uint64_t f) { return Map({{f + 2, static_cast<int64_t>(f + 1)}}); }, Errc::kReplay, 2},
      {"reorder two chunks", [](uint64_t f) {
         return Map({{f + 1, static_cast<int64_t>(f + 2)}, {f + 2, static_cast<int64_t>(f + 1)}});
       }, Errc::kReplay, 1, 2},
      {"drop a chunk", [](uint64_t f) {
         return Map({{f + 1, static_cast<int64_t>(f + 2)}, {f + 2, static_cast<int64_t>(f + 3)}, {f + 3, -1}});
       }, Errc::kReplay, 1, 3},
      {"truncate a chunk", [](uint64_t f) { return Map({}, f + 2); }, Errc::kMalformed, 2},
      {"truncate the transfer (last chunk gone)", [](uint64_t f) { return Map({{f + 3, -1}}); }, Errc::kMalformed, 3},
      {"splice a chunk from an earlier transfer", [](uint64_t f) { return Map({{f + 2, 2}}); }, Errc::kReplay, 2},
  };
  for (const Attack& at : attacks) {
    SCOPED_TRACE(at.name);
    rc.h2d->SetScript(at.script(t));
    const Bytes other = Pattern(n, static_cast<uint32_t>(t));
    auto st = ch.CopyToDevice(r, other);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().error.code, at.code);
    EXPECT_GE(st.error().chunk_index, at.chunk);
    EXPECT_LE(st.error().chunk_index, std::max(at.chunk, at.chunk_last));
    t += 4;
    rc.h2d->SetScript(Identity());
    EXPECT_TRUE(ch.healthy());
    // Poisoned, not half-written.
    EXPECT_TRUE(ReadBack(ch, r) == Bytes(n, channel::kPoisonByte));
    // Retry on the same channel.
    ASSERT_TRUE(ch.CopyToDevice(r, other));
    t += 4;
    EXPECT_TRUE(ReadBack(ch, r) == other);
  }
  // D2H: the guest detects and names the chunk; the device's data is intact.
  uint64_t d = rc.d2h->emitted();
  rc.d2h->SetScript(Flip(d + 2, 40 + 7, 0x02));
  Bytes out(n);
  auto st = ch.CopyFromDevice(r, out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().error.code, Errc::kAuthFailed);
  EXPECT_EQ(st.error().chunk_index, 2u);
  EXPECT_TRUE(out == Bytes(n, channel::kPoisonByte));
  d += 4;
  rc.d2h->SetScript(Map({{d + 1, static_cast<int64_t>(d)}}));
  st = ch.CopyFromDevice(r, out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().error.code, Errc::kReplay);
  EXPECT_EQ(st.error().chunk_index, 1u);
  rc.d2h->SetScript(Identity());
  EXPECT_TRUE(ReadBack(ch, r) == Pattern(n, static_cast<uint32_t>(t - 8)));
}

TEST(DeviceChannelHostTest, CommandRecordAttacksKillTheChannelWithThePreciseError) {
  struct Attack {
    const char* name;
    std::function<Relay::Script(uint64_t next)> script;
    Errc code;
  };
  const std::vector<Attack> attacks = {
      {"flip a bit of a command", [](uint64_t s) { return Flip(s, 8 + 3, 0x01); }, Errc::kAuthFailed},
      {"flip the sequence number", [](uint64_t s) { return Flip(s, 0, 0x01); }, Errc::kReplay},
      {"replay the previous command", [](uint64_t s) { return Map({{s, static_cast<int64_t>(s - 1)}}); },
       Errc::kReplay},
      {"truncate a command", [](uint64_t s) { return Map({}, s); }, Errc::kAuthFailed},
      {"drop a command (an empty slot)", [](uint64_t s) { return Map({{s, -1}}); }, Errc::kMalformed},
  };
  for (const Attack& at : attacks) {
    SCOPED_TRACE(at.name);
    RelayedChannel rc;
    DeviceChannel& ch = *rc.guest;
    ASSERT_TRUE(ch.Fence());
    ASSERT_TRUE(ch.Fence());
    rc.cmd->SetScript(at.script(2));
    auto h = ch.Alloc(100);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code, at.code);
    EXPECT_FALSE(ch.healthy());
    EXPECT_EQ(ch.Fence().error().code, Errc::kChannelBroken);
  }
}

// Reordering needs two commands in flight, which the synchronous client
// never has: the test plays the guest with raw records.
TEST(DeviceChannelHostTest, ReorderedCommandRecordsAreRejectedAsReplay) {
  TestDevice dev(0, nullptr);
  channel::ChannelGeometry g;
  std::vector<channel::SharedRegion> regions;
  std::vector<channel::SlotRing> rings;
  for (const auto* rg : {&g.command, &g.completion, &g.h2d, &g.d2h, &g.command}) {
    regions.push_back(*channel::SharedRegion::CreateAnonymous(
        channel::SlotRing::RequiredSize(rg->slot_count, rg->slot_payload), "raw"));
    rings.push_back(*channel::SlotRing::Format(regions.back().bytes(), rg->slot_count, rg->slot_payload));
  }
  gpu::engine::ExecutorConfig ec;
  ec.channel_id = 4;
  ec.geometry = g;
  gpu::engine::ChannelRegions cr;
  cr.command = regions[0].bytes();
  cr.completion = regions[1].bytes();
  cr.h2d = regions[2].bytes();
  cr.d2h = regions[3].bytes();
  ASSERT_TRUE(dev.engine->OpenChannelOnRegions(ec, kEms, std::move(cr)));
  dev.engine->SetReady();
  auto sender = *channel::RecordSender::Create(kEms, {4, channel::Direction::kCommand, 0});
  auto receiver = *channel::RecordReceiver::Create(kEms, {4, channel::Direction::kCompletion, 0});
  const auto deadline = SteadyClock::now() + std::chrono::seconds(5);
  // Two sealed commands into a scratch ring (index 4), delivered swapped.
  const Bytes fence = *channel::EncodeCommand({channel::Op::kFence, channel::FenceCmd{}});
  ASSERT_TRUE(sender.Send(rings[4], fence, deadline));
  ASSERT_TRUE(sender.Send(rings[4], fence, deadline));
  Relay relay(rings[4], rings[0], Map({{0, 1}, {1, 0}}));
  auto rec = receiver.Receive(rings[1], deadline);
  ASSERT_TRUE(rec);
  auto c = channel::DecodeCompletion(rec->reveal());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->command_seq, 0u);
  EXPECT_EQ(c->status, static_cast<uint16_t>(Errc::kReplay));
  EXPECT_EQ(c->payload, Bytes{1});  // the channel is closed
  // The device answers nothing more.
  EXPECT_EQ(receiver.Receive(rings[1], SteadyClock::now() + std::chrono::milliseconds(300)).error().code,
            Errc::kTimeout);
  EXPECT_EQ(dev.engine->channel_count(), 0u);
}

TEST(DeviceChannelHostTest, CompletionRecordAttacksAreDetectedByTheGuest) {
  {
    RelayedChannel rc;
    ASSERT_TRUE(rc.guest->Fence());
    rc.cpl->SetScript(Flip(1, 8 + 2, 0x40));
    auto h = rc.guest->Alloc(64);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code, Errc::kAuthFailed);
    EXPECT_FALSE(rc.guest->healthy());
    EXPECT_EQ(rc.guest->Fence().error().code, Errc::kChannelBroken);
  }
  {
    RelayedChannel rc;
    ASSERT_TRUE(rc.guest->Fence());
    rc.cpl->SetScript(Map({{1, 0}}));  // the first completion again
    EXPECT_EQ(rc.guest->Fence().error().code, Errc::kReplay);
  }
  {
    RelayedChannel rc;
    ASSERT_TRUE(rc.guest->Fence());
    rc.cpl->SetScript(Map({}, 1));
    EXPECT_EQ(rc.guest->Fence().error().code, Errc::kAuthFailed);
  }
}

TEST(DeviceChannelTest, DeviceResetKillsTheChannel) {
  TestDevice dev(0, nullptr);
  DeviceChannelOptions o = SmallOptions();
  o.timeout = std::chrono::milliseconds(2500);
  auto ch = OpenReady(dev, o);
  ASSERT_TRUE(ch);
  auto h = ch->Alloc(4096);
  ASSERT_TRUE(h);
  ASSERT_TRUE(dev.device->Reset());
  // Keys are gone on the device: the command is never answered.
  EXPECT_EQ(ch->Fence().error().code, Errc::kTimeout);
  EXPECT_FALSE(ch->healthy());
  EXPECT_EQ(ch->Alloc(1).error().code, Errc::kChannelBroken);
  EXPECT_EQ(dev.engine->channel_count(), 0u);
  EXPECT_EQ(dev.engine->allocator().allocation_count(), 0u);
  // A new channel after the guest sets the re-attested device ready works.
  auto again = OpenReady(dev, SmallOptions(2));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->Alloc(10));
}

TEST(DeviceChannelTest, ControlHandlerRefusesOutsideSessionsAndBadRequests) {
  TestDevice dev(0, nullptr);
  auto ch = *DeviceChannel::Create(kEms, SmallOptions());
  const Bytes open = ch->OpenChannelMessage();
  spdm::responder::VendorRequest outside{channel::kControlStandardId, channel::kControlVendorId, open, std::nullopt, {}};
  auto resp = dev.handler->Handle(outside);
  ASSERT_TRUE(resp);
  EXPECT_EQ(channel::DecodeControlResponse(channel::ControlCode::kOpenChannel, *resp).error().code,
            Errc::kAccessDenied);
  const uint8_t other_vendor[] = {1, 2, 3, 4};
  spdm::responder::VendorRequest foreign{channel::kControlStandardId, other_vendor, open, 1u, {}};
  EXPECT_EQ(dev.handler->Handle(foreign).error().code, Errc::kUnsupported);
  // Names of regions that do not exist.
  channel::OpenChannelRequest req = ch->open_request();
  req.h2d_shm = "/ccgpu-does-not-exist-" + std::to_string(getpid());
  const Bytes missing = *channel::EncodeOpenChannel(req);
  resp = dev.call(channel::kControlStandardId, channel::kControlVendorId, missing);
  EXPECT_EQ(channel::DecodeControlResponse(channel::ControlCode::kOpenChannel, *resp).error().code,
            Errc::kNotFound);
  // Geometry that differs from the formatted rings: larger than the region,
  // or fitting but not what the ring's header says.
  req = ch->open_request();
  req.geometry.h2d.slot_count = 32;
  resp = dev.call(channel::kControlStandardId, channel::kControlVendorId, *channel::EncodeOpenChannel(req));
  EXPECT_EQ(channel::DecodeControlResponse(channel::ControlCode::kOpenChannel, *resp).error().code,
            Errc::kInvalidArgument);
  req = ch->open_request();
  req.geometry.h2d.slot_payload -= 64;
  resp = dev.call(channel::kControlStandardId, channel::kControlVendorId, *channel::EncodeOpenChannel(req));
  EXPECT_EQ(channel::DecodeControlResponse(channel::ControlCode::kOpenChannel, *resp).error().code,
            Errc::kMalformed);
  // The real request works once; the same channel id again is busy.
  ASSERT_TRUE(ch->Open(dev.call));
  EXPECT_EQ(ch->Open(dev.call).error().code, Errc::kBusy);
  EXPECT_EQ(dev.call(channel::kControlStandardId, channel::kControlVendorId, channel::EncodeCloseChannel(99))
                .map([](const Bytes& b) {
                  return channel::DecodeControlResponse(channel::ControlCode::kCloseChannel, b).error().code;
                })
                .value(),
            Errc::kNotFound);
  EXPECT_FALSE(dev.device->ready());
  ASSERT_TRUE(DeviceChannel::SetReady(dev.call));
  EXPECT_TRUE(dev.device->ready());
}

}  // namespace
}  // namespace ccgpu::runtime
