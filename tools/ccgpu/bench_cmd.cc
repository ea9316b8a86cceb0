// `ccgpu bench transfer`: throughput of the encrypted data path against the
// same shared-memory path without encryption, and against the one-core
// AES-256-GCM rate of the crypto layer, all measured in one run.
//
// What each row measures (see docs/PERFORMANCE.md):
//  - plain-h2d / plain-d2h: the bounce-buffer pipeline with memcpy in and
//    out of the ring (the baseline: same rings, same threads, no crypto).
//  - h2d: the guest seals with T threads into the ring; the device side is a
//    copy engine that takes each slot as it is published (on NVIDIA CC
//    hardware the CE decrypts at line rate, so the guest's sealing is the cost).
//  - d2h: the device side places sealed chunks into the ring (the CE's DMA
//    writes, modelled as memcpy of pre-sealed chunks); the guest opens with T threads.
//  - h2d-emulated / peer: both ends in software (the emulated device opens
//    with T threads too; peer = GPU→GPU link, both ends emulated GPUs).
//  - batched-4k: 256 copies of 4 KiB batched into one sealed transfer.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <tuple>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_chart.h"
#include "bench_measure.h"
#include "bench_device.h"
#include "channel/ring.h"
#include "channel/shm.h"
#include "channel/stream.h"
#include "channel/transfer.h"
#include "channel/worker_pool.h"
#include "command.h"
#include "crypto/aead.h"

namespace ccgpu::cli {
namespace {

using channel::Deadline;
using channel::SlotRing;
using channel::TransferPlan;
using channel::WorkerPool;
using SteadyClock = std::chrono::steady_clock;

struct BenchOptions {
  std::vector<std::string> sizes{"4K", "64K", "1M", "16M", "256M", "1G"};
  std::vector<std::size_t> threads;
  uint32_t chunk = 256 * 1024;
  uint32_t ring_slots = 16;
  double min_seconds = 0.25;
  std::size_t rounds = 3;
  std::vector<std::string> modes;  // empty: all
  bool json = false;
  std::string svg;  // chart output path (empty: none)
  bool through_device = false;  // also measure guest DeviceChannel → device executor
};

Result<std::size_t> ParseSize(const std::string& s) {
  if (s.empty()) return Fail(Errc::kInvalidArgument, "bench: empty size");
  std::size_t mult = 1;
  std::string digits = s;
  switch (s.back()) {
    case 'K': case 'k': mult = 1u << 10; digits.pop_back(); break;
    case 'M': case 'm': mult = 1u << 20; digits.pop_back(); break;
    case 'G': case 'g': mult = 1u << 30; digits.pop_back(); break;
    default: break;
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(Errc::kInvalidArgument, "bench: size must be N, NK, NM or NG");
  }
  return std::stoull(digits) * mult;
}

std::string HumanSize(std::size_t n) {
  char buf[32];
  if (n >= (1u << 30) && n % (1u << 30) == 0) std::snprintf(buf, sizeof buf, "%zuG", n >> 30);
  else if (n >= (1u << 20) && n % (1u << 20) == 0) std::snprintf(buf, sizeof buf, "%zuM", n >> 20);
  else if (n >= 1024 && n % 1024 == 0) std::snprintf(buf, sizeof buf, "%zuK", n >> 10);
  else std::snprintf(buf, sizeof buf, "%zu", n);
  return buf;
}

// Peak resident memory so far (VmHWM), in bytes.
std::size_t PeakRss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

void ResetPeakRss() {
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM (Linux ≥ 4.0)
}

class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), tty_(isatty(2)) {}
  void Step(const std::string& what) {
    ++done_;
    if (tty_) {
      std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", done_, total_, what.c_str());
    } else {
      std::fprintf(stderr, "[%zu/%zu] %s\n", done_, total_, what.c_str());
    }
    std::fflush(stderr);
  }
  ~Progress() {
    if (tty_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  std::size_t total_, done_ = 0;
  bool tty_;
};

// One ring with its shared region, and the session material both ends share.
struct Rig {
  channel::SharedRegion region;
  SlotRing ring;
  uint64_t next_ticket = 0;
  uint64_t next_transfer = 1;
};

Result<Rig> MakeRig(uint32_t slots, uint32_t payload) {
  CCGPU_ASSIGN_OR_RETURN(auto region, channel::SharedRegion::CreateAnonymous(
                                          SlotRing::RequiredSize(slots, payload), "bench-ring"));
  CCGPU_ASSIGN_OR_RETURN(auto ring, SlotRing::Format(region.bytes(), slots, payload));
  return Rig{std::move(region), ring};
}

// Chunks as the runtime cuts them (channel::ChunkSizeFor), `chunk` the largest.
TransferPlan NextPlan(Rig& rig, std::size_t length, uint32_t chunk, std::size_t threads) {
  TransferPlan plan;
  plan.transfer_id = rig.next_transfer++;
  plan.length = length;
  plan.chunk_size = channel::ChunkSizeFor(length, threads, chunk);
  plan.first_ticket = rig.next_ticket;
  rig.next_ticket += plan.chunk_count();
  return plan;
}

Deadline Later() { return SteadyClock::now() + std::chrono::seconds(60); }


const Bytes kEms(48, 0x5c);

struct Row {
  std::string mode;
  std::size_t size;
  std::size_t threads;
  double bytes_per_s;
  std::size_t extra_peak_bytes;
};

// The sink that models a hardware copy engine: takes each published slot.
Status SinkConsume(const SlotRing& ring, const TransferPlan& plan) {
  for (uint64_t i = 0; i < plan.chunk_count(); ++i) {
    CCGPU_TRY(ring.AcquireRead(plan.first_ticket + i, Later()));
    ring.ReleaseRead(plan.first_ticket + i);
  }
  return OkStatus();
}

// Models CE DMA writes: copies prepared chunk images into their slots.
Status SourceProduce(const SlotRing& ring, const TransferPlan& plan,
                     const std::vector<Bytes>& images) {
  for (uint64_t i = 0; i < plan.chunk_count(); ++i) {
    CCGPU_ASSIGN_OR_RETURN(auto slot, ring.AcquireWrite(plan.first_ticket + i, Later()));
    const Bytes& img = images[i];
    std::memcpy(slot.data(), img.data(), img.size());
    CCGPU_TRY(ring.PublishWrite(plan.first_ticket + i, static_cast<uint32_t>(img.size())));
  }
  return OkStatus();
}

// Runs `produce` here while `consume` runs on `peer`'s one long-lived worker
// (WorkerPool(1)), so a measured run pays no thread start-up (≈ 50–100 µs,
// which would dominate 4 KiB transfers and small batches); both hand-offs
// are watched before sleeping (spin.h). Returns the first failure
// (producer's first).
Status RunPair(WorkerPool& peer, const std::function<Status()>& produce,
               const std::function<Status()>& consume) {
  Status produced, consumed;
  peer.RunOnAll(2, [&](std::size_t i) {
    if (i == 0) produced = produce();
    else consumed = consume();
  });
  CCGPU_TRY(produced);
  return consumed;
}

Status ToStatus(const tl::expected<void, channel::TransferError>& r) {
  if (!r) return tl::unexpected(r.error().error);
  return OkStatus();
}

// One core's AES-256-GCM rate through the crypto layer, as the data path
// uses it: chunks are sealed into and opened from shared memory
// (OutputSink/InputSource::kShared: on a VAES CPU the single-fetch
// implementation, else OpenSSL on private copies). kOpenSslSeal: OpenSSL
// sealing private memory, the rate of the plain library (for reference).
enum class OneCoreOp { kSeal, kOpen, kOpenSslSeal };

Result<double> OneCoreAesRate(OneCoreOp op, uint32_t chunk, double min_seconds) {
  CCGPU_ASSIGN_OR_RETURN(auto ctx, crypto::SealingContext::Create(
                                       crypto::AeadAlg::kAes256Gcm, SecretBytes(32),
                                       Bytes(12, 1), crypto::CounterLayout::kBigEndianRight));
  Bytes pt(chunk, 0x11), out(chunk + crypto::kAeadTagSize);
  CCGPU_ASSIGN_OR_RETURN(const uint64_t sealed_seq, ctx.Seal({}, pt, out));
  const Bytes sealed = out;
  return Measure(min_seconds, chunk, [&]() -> Status {
    switch (op) {
      case OneCoreOp::kSeal: CCGPU_TRY(ctx.Seal({}, pt, out, crypto::OutputSink::kShared)); break;
      case OneCoreOp::kOpenSslSeal: CCGPU_TRY(ctx.Seal({}, pt, out)); break;
      case OneCoreOp::kOpen: CCGPU_TRY(ctx.Open(sealed_seq, {}, sealed, pt, crypto::InputSource::kShared)); break;
    }
    return OkStatus();
  });
}

// T threads sealing independent records, each with its own key: the most
// AES-GCM throughput T threads of this machine give (no pipeline, no ring).
Result<double> ParallelAesRate(WorkerPool& pool, std::size_t t, uint32_t chunk, double min_seconds) {
  std::vector<crypto::SealingContext> ctxs;
  for (std::size_t i = 0; i < t; ++i) {
    CCGPU_ASSIGN_OR_RETURN(auto ctx, crypto::SealingContext::Create(
                                         crypto::AeadAlg::kAes256Gcm, SecretBytes(32),
                                         Bytes(12, static_cast<uint8_t>(i)), crypto::CounterLayout::kBigEndianRight));
    ctxs.push_back(std::move(ctx));
  }
  std::atomic<uint64_t> bytes{0};
  std::atomic<bool> failed{false};
  const auto start = SteadyClock::now();
  const auto until = start + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(min_seconds));
  pool.RunOnAll(t, [&](std::size_t w) {
    Bytes buf(chunk + crypto::kAeadTagSize, 0x11);
    uint64_t mine = 0;
    while (SteadyClock::now() < until) {
      if (!ctxs[w].Seal({}, ByteSpan(buf).first(chunk), buf, crypto::OutputSink::kShared)) {
        failed = true;
        return;
      }
      mine += chunk;
    }
    bytes += mine;
  });
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (failed) return Fail(Errc::kCryptoFailure, "bench: parallel seal failed");
  return static_cast<double>(bytes.load()) / elapsed;
}

int RunBench(const BenchOptions& opt) {
  std::vector<std::size_t> sizes;
  for (const auto& s : opt.sizes) {
    auto n = ParseSize(s);
    if (!n) {
      std::fprintf(stderr, "ccgpu bench: %s: %s\n", s.c_str(), n.error().ToString().c_str());
      return kExitUsage;
    }
    sizes.push_back(*n);
  }
  std::vector<std::size_t> threads = opt.threads;
  if (threads.empty()) {
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    for (std::size_t t = 1; t <= cores; ++t) threads.push_back(t);
  }
  const std::size_t max_threads = *std::max_element(threads.begin(), threads.end());
  const uint32_t payload = opt.chunk + static_cast<uint32_t>(channel::kChunkOverhead);
  auto rig_or = MakeRig(opt.ring_slots, payload);
  if (!rig_or) {
    std::fprintf(stderr, "ccgpu bench: %s\n", rig_or.error().ToString().c_str());
    return kExitFailed;
  }
  Rig& rig = *rig_or;
  WorkerPool guest_pool(max_threads - 1), device_pool(max_threads - 1);
  WorkerPool peer(1);  // the other end of each pair (RunPair)
  const char* kModes[] = {"plain-h2d", "h2d", "plain-d2h", "d2h", "h2d-emulated", "peer"};
  const std::size_t rounds = std::max<std::size_t>(1, opt.rounds);
  Progress progress(rounds * (2 + threads.size() + sizes.size() * threads.size() * std::size(kModes)) +
                    (opt.through_device ? sizes.size() * threads.size() * 2 : 0) + 1);

  // Every row is measured `rounds` times, the rounds interleaved (round 1 of
  // every row, then round 2, …) so that load drift on the machine affects all
  // rows alike; each row reports its median round.
  std::map<std::tuple<std::string, std::size_t, std::size_t>, std::vector<double>> rates;
  std::map<std::tuple<std::string, std::size_t, std::size_t>, std::size_t> peaks;
  std::vector<double> one_core_rounds, one_core_open_rounds, openssl_seal_rounds, batched_rounds;
  channel::RotationPolicy policy;
  auto fail = [](const char* what, const Error& e) {
    std::fprintf(stderr, "\nccgpu bench: %s failed: %s\n", what, e.ToString().c_str());
    return kExitFailed;
  };
  for (std::size_t round = 0; round < rounds; ++round) {
  progress.Step("one-core AES-256-GCM rates");
  for (auto [op, rounds_of] : {std::pair{OneCoreOp::kSeal, &one_core_rounds}, std::pair{OneCoreOp::kOpen, &one_core_open_rounds},
                               std::pair{OneCoreOp::kOpenSslSeal, &openssl_seal_rounds}}) {
    auto rate = OneCoreAesRate(op, opt.chunk, opt.min_seconds * 2);
    if (!rate) return fail("one-core rate", rate.error());
    rounds_of->push_back(*rate);
  }
  // The crypto ceiling with T threads: T independent sealers, no pipeline.
  for (std::size_t t : threads) {
    progress.Step("aes-parallel T=" + std::to_string(t));
    auto par = ParallelAesRate(guest_pool, t, opt.chunk, opt.min_seconds);
    if (!par) return fail("aes-parallel", par.error());
    rates[{"aes-parallel", opt.chunk, t}].push_back(*par);
  }
  for (std::size_t size : sizes) {
    Bytes src(size, 0x3c), dst(size, 0);
    for (std::size_t t : threads) {
      for (const char* mode : kModes) {
        const std::string m = mode;
        if (!opt.modes.empty() && std::find(opt.modes.begin(), opt.modes.end(), m) == opt.modes.end()) continue;
        progress.Step(m + " " + HumanSize(size) + " T=" + std::to_string(t));
        const channel::StreamId id{1, m == "peer" ? channel::Direction::kPeer
                                   : m.find("d2h") != std::string::npos ? channel::Direction::kDeviceToHost
                                                                        : channel::Direction::kHostToDevice, 0};
        auto sealer = channel::StreamSealer::Create(kEms, id, policy);
        auto opener = channel::StreamOpener::Create(kEms, id, policy);
        if (!sealer || !opener) return fail(mode, sealer ? opener.error() : sealer.error());
        // D2H: the device's sealed chunk images, prepared before timing.
        std::vector<Bytes> images;
        TransferPlan d2h_plan;
        if (m == "d2h" || m == "plain-d2h") {
          d2h_plan = NextPlan(rig, size, opt.chunk, t);
          rig.next_ticket -= d2h_plan.chunk_count();  // tickets are taken per run below
          for (uint64_t i = 0; i < d2h_plan.chunk_count(); ++i) {
            const auto c = d2h_plan.Chunk(i);
            const ByteSpan pt = ByteSpan(src).subspan(i * d2h_plan.chunk_size, c.length);
            if (m == "plain-d2h") {
              images.emplace_back(pt.begin(), pt.end());
            } else {
              images.emplace_back(channel::kChunkOverhead + c.length);
              if (auto n = sealer->SealChunk(c, pt, images.back()); !n) return fail(mode, n.error());
            }
          }
        }
        ResetPeakRss();
        const std::size_t base_rss = PeakRss();
        auto rate = Measure(opt.min_seconds, size, [&]() -> Status {
          if (m == "plain-h2d") {
            TransferPlan plan = NextPlan(rig, size, opt.chunk, t);
            return RunPair(peer, [&] { return SendPlain(rig.ring, guest_pool, t, plan, src, Later()); },
                           [&] { return SinkConsume(rig.ring, plan); });
          }
          if (m == "h2d") {
            TransferPlan plan = NextPlan(rig, size, opt.chunk, t);
            return RunPair(peer, [&] { return SendSealed(*sealer, rig.ring, guest_pool, t, plan, src, Later()); },
                           [&] { return SinkConsume(rig.ring, plan); });
          }
          if (m == "plain-d2h" || m == "d2h") {
            TransferPlan plan = d2h_plan;
            plan.first_ticket = rig.next_ticket;
            rig.next_ticket += plan.chunk_count();
            return RunPair(peer, [&] { return SourceProduce(rig.ring, plan, images); },
                           [&]() -> Status {
                             if (m == "plain-d2h") {
                               return ReceivePlain(rig.ring, guest_pool, t, plan, dst, Later());
                             }
                             return ToStatus(ReceiveSealed(*opener, rig.ring, guest_pool, t, plan, dst, Later()));
                           });
          }
          // h2d-emulated and peer: both ends in software.
          TransferPlan plan = NextPlan(rig, size, opt.chunk, t);
          return RunPair(peer, [&] { return SendSealed(*sealer, rig.ring, guest_pool, t, plan, src, Later()); },
                         [&] { return ToStatus(ReceiveSealed(*opener, rig.ring, device_pool, t, plan, dst, Later())); });
        });
        if (!rate) return fail(mode, rate.error());
        const std::size_t peak = PeakRss();
        rates[{m, size, t}].push_back(*rate);
        auto& p = peaks[{m, size, t}];
        p = std::max(p, peak > base_rss ? peak - base_rss : 0);
      }
    }
  }

  // Batched small copies: 256 × 4 KiB in one sealed transfer, T = max.
  progress.Step("batched-4k x256");
  {
    auto sealer = channel::StreamSealer::Create(kEms, {2, channel::Direction::kHostToDevice, 0}, policy);
    if (!sealer) return fail("batched", sealer.error());
    std::vector<Bytes> srcs(256, Bytes(4096, 0x77));
    std::vector<ByteSpan> src_spans(srcs.begin(), srcs.end());
    auto rate = Measure(opt.min_seconds, 256 * 4096, [&]() -> Status {
      TransferPlan plan = NextPlan(rig, 256 * 4096, opt.chunk, max_threads);
      return RunPair(peer, [&] { return SendBatchSealed(*sealer, rig.ring, guest_pool, max_threads, plan, src_spans, Later()); },
                     [&] { return SinkConsume(rig.ring, plan); });
    });
    if (!rate) return fail("batched", rate.error());
    batched_rounds.push_back(*rate);
  }
  }  // rounds

  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  const double one_core = median(one_core_rounds);  // seal: the H2D ceiling
  const double one_core_open = median(one_core_open_rounds);  // open: the D2H ceiling
  const double openssl_seal = median(openssl_seal_rounds);
  const double batched_rate = median(batched_rounds);
  std::vector<Row> rows;
  for (const char* mode : kModes) {
    if (rates.count({mode, sizes.front(), threads.front()}) == 0) continue;  // not selected
    for (std::size_t size : sizes) {
      for (std::size_t t : threads) rows.push_back({mode, size, t, median(rates[{mode, size, t}]), peaks[{mode, size, t}]});
    }
  }
  for (std::size_t t : threads) rows.push_back({"aes-parallel", opt.chunk, t, median(rates[{"aes-parallel", opt.chunk, t}]), 0});
  if (opt.through_device) {
    auto device_rows = BenchThroughDevice(sizes, threads, opt.chunk, opt.ring_slots, opt.min_seconds,
                                          [&](const std::string& what) { progress.Step(what); });
    if (!device_rows) return fail("through-device", device_rows.error());
    for (const auto& r : *device_rows) rows.push_back({r.mode, r.size, r.threads, r.bytes_per_s, 0});
  }
  progress.Step("done");

  // Targets (issue 6), evaluated on the guest-side rows.
  auto find = [&](const std::string& mode, std::size_t size, std::size_t t) -> double {
    for (const Row& r : rows) {
      if (r.mode == mode && r.size == size && r.threads == t) return r.bytes_per_s;
    }
    return 0;
  };
  const std::size_t large = *std::max_element(sizes.begin(), sizes.end());
  nlohmann::json targets = nlohmann::json::array();
  bool all_met = true;
  for (std::size_t t : threads) {
    for (const char* dir : {"h2d", "d2h"}) {
      const std::string plain = std::string("plain-") + dir;
      if (find(plain, large, t) <= 0 || find(dir, large, t) <= 0) continue;  // pair not measured (--modes)
      // Each direction against its own crypto: H2D seals, D2H opens.
      const double crypto_rate = std::string(dir) == "h2d" ? one_core : one_core_open;
      const double bound = std::min(static_cast<double>(t) * crypto_rate, find(plain, large, t));
      const double got = find(dir, large, t);
      const bool met = got >= 0.85 * bound;
      all_met = all_met && met;
      nlohmann::json target = {{"target", std::string(dir) + " large >= 0.85 x min(T x one-core " + (std::string(dir) == "h2d" ? "seal" : "open") + ", plain)"},
                               {"threads", t}, {"size", large}, {"ratio", bound > 0 ? got / bound : 0}, {"met", met},
                               {"bytes_per_s", got}, {"bound_bytes_per_s", bound}};
      // Context for a miss: how far T threads of bare AES-GCM (no pipeline)
      // got on this machine in this run. On a VM whose vCPUs share physical
      // cores or clock budget with others, that alone can be < 0.85 x T x
      // one core, and no pipeline can then meet the target.
      if (const double par = find("aes-parallel", opt.chunk, t); par > 0) {
        target["aes_parallel_bytes_per_s"] = par;
        target["aes_parallel_scaling"] = par / (static_cast<double>(t) * crypto_rate);
        target["ratio_vs_aes_parallel"] = got / std::min(par, find(plain, large, t));
      }
      targets.push_back(std::move(target));
    }
  }
  // One 4 KiB copy each way (H2D seals, D2H opens), at the first T.
  for (const char* dir : {"h2d", "d2h"}) {
    const std::size_t t = threads.front();
    const double plain = find(std::string("plain-") + dir, 4096, t), sealed = find(dir, 4096, t);
    if (plain <= 0 || sealed <= 0) continue;  // 4K or one of the pair not measured
    const double ratio = plain / std::max(1.0, sealed);
    const bool met = ratio <= 2.0;
    all_met = all_met && met;
    // The time of one copy of each kind too: the ratio alone hides that
    // both can be microseconds (the AES-GCM of 4 KiB is ~0.5 µs).
    targets.push_back({{"target", std::string(dir) + " 4 KiB copy cost <= 2 x plain"}, {"threads", t},
                       {"cost_ratio", ratio}, {"met", met},
                       {"plain_us", 4096e6 / plain}, {"sealed_us", 4096e6 / sealed}});
  }
  {
    const double large_rate = find("h2d", large, max_threads);
    if (large_rate > 0) {
    const double ratio = large_rate > 0 ? batched_rate / large_rate : 0;
    const bool met = ratio >= 0.5;
    all_met = all_met && met;
    targets.push_back({{"target", "batched 4 KiB copies >= 0.5 x large-copy throughput"},
                       {"threads", max_threads}, {"ratio", ratio}, {"met", met}});
    }
  }

  if (!opt.svg.empty()) {
    std::vector<ChartPoint> points;
    for (const Row& r : rows) {
      if (r.mode != "aes-parallel") points.push_back({r.mode, r.size, r.threads, r.bytes_per_s});
    }
    const std::string subtitle = "one-core AES-256-GCM seal " + std::to_string(one_core / 1e9).substr(0, 4) +
                                 " / open " + std::to_string(one_core_open / 1e9).substr(0, 4) + " GB/s; chunk " + HumanSize(opt.chunk) + ", " + std::to_string(opt.ring_slots) +
                                 " ring slots; " + std::to_string(std::thread::hardware_concurrency()) + " CPUs";
    std::ofstream svg_out(opt.svg);
    svg_out << ThroughputSvg(points, "ccgpu data path: encrypted vs plain throughput", subtitle);
    if (!svg_out) {
      std::fprintf(stderr, "bench: cannot write %s\n", opt.svg.c_str());
      return kExitInputUnusable;
    }
  }

  if (opt.json) {
    nlohmann::json out;
    out["one_core_aes_gcm_bytes_per_s"] = one_core;
    out["one_core_aes_gcm_open_bytes_per_s"] = one_core_open;
    out["one_core_openssl_seal_bytes_per_s"] = openssl_seal;
    out["chunk_size"] = opt.chunk;
    out["ring_slots"] = opt.ring_slots;
    out["batched_4k_x256_bytes_per_s"] = batched_rate;
    for (const Row& r : rows) {
      out["rows"].push_back({{"mode", r.mode}, {"size", r.size}, {"threads", r.threads},
                             {"bytes_per_s", r.bytes_per_s}, {"extra_peak_rss", r.extra_peak_bytes}});
    }
    out["targets"] = targets;
    out["all_targets_met"] = all_met;
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("one-core AES-256-GCM (crypto layer, shared memory, %s records): seal %.2f GB/s, open %.2f GB/s"
                " (OpenSSL seal of private memory: %.2f GB/s)\n",
                HumanSize(opt.chunk).c_str(), one_core / 1e9, one_core_open / 1e9, openssl_seal / 1e9);
    std::printf("%-13s %6s %3s %10s %14s\n", "mode", "size", "T", "GB/s", "extra peak RSS");
    for (const Row& r : rows) {
      std::printf("%-13s %6s %3zu %10.3f %13.1fM\n", r.mode.c_str(), HumanSize(r.size).c_str(),
                  r.threads, r.bytes_per_s / 1e9, static_cast<double>(r.extra_peak_bytes) / (1 << 20));
    }
    std::printf("batched 256 x 4 KiB (T=%zu): %.3f GB/s\n", max_threads, batched_rate / 1e9);
    for (const auto& t : targets) {
      std::printf("target %-58s T=%s  %s  %s\n", t["target"].get<std::string>().c_str(),
                  t["threads"].dump().c_str(),
                  t.contains("ratio") ? ("ratio " + std::to_string(t["ratio"].get<double>())).c_str()
                                      : ("cost ratio " + std::to_string(t["cost_ratio"].get<double>())).c_str(),
                  t["met"].get<bool>() ? "MET" : "NOT MET");
      if (t.contains("aes_parallel_scaling")) {
        std::printf("       (%.2f of %.2f GB/s; bare AES-GCM on T threads: %.2f GB/s = %.2f x T x one core;"
                    " %.2f of min(that, plain))\n",
                    t["bytes_per_s"].get<double>() / 1e9, t["bound_bytes_per_s"].get<double>() / 1e9,
                    t["aes_parallel_bytes_per_s"].get<double>() / 1e9, t["aes_parallel_scaling"].get<double>(),
                    t["ratio_vs_aes_parallel"].get<double>());
      }
      if (t.contains("sealed_us")) {
        std::printf("       (one 4 KiB copy: plain %.2f µs, sealed %.2f µs)\n", t["plain_us"].get<double>(),
                    t["sealed_us"].get<double>());
      }
    }
  }
  return kExitOk;
}

}  // namespace

void AddBenchCommand(CLI::App& app, Action& action) {
  auto* bench = app.add_subcommand("bench", "Benchmarks (ratios against baselines measured in the same run)");
  bench->require_subcommand(1);
  auto* transfer = bench->add_subcommand(
      "transfer", "Encrypted vs plain data-path throughput, by size and threads");
  auto opt = std::make_shared<BenchOptions>();
  transfer->add_option("--sizes", opt->sizes, "Transfer sizes (e.g. 4K 1M 1G)")->delimiter(',');
  transfer->add_option("--threads", opt->threads, "Thread counts (default 1..cores)")->delimiter(',');
  transfer->add_option("--chunk", opt->chunk, "Largest chunk in bytes (transfers of few chunks are cut smaller, as the runtime does)")->check(CLI::Range(4096u, 16u << 20));
  transfer->add_option("--ring-slots", opt->ring_slots, "Ring depth (power of two)");
  transfer->add_option("--min-seconds", opt->min_seconds, "Minimum measuring time per row and round");
  transfer->add_option("--rounds", opt->rounds, "Interleaved rounds per row; each row reports its median")
      ->check(CLI::Range(1, 99));
  transfer->add_option("--modes", opt->modes, "Only these modes (default: all; targets need the pairs they compare)")
      ->delimiter(',')
      ->check(CLI::IsMember({"plain-h2d", "h2d", "plain-d2h", "d2h", "h2d-emulated", "peer"}));
  transfer->add_flag("--json", opt->json, "Machine-readable output");
  transfer->add_flag("--through-device", opt->through_device,
                     "Also measure the real path: guest DeviceChannel -> emulated GPU executor (sealed commands)");
  transfer->add_option("--svg", opt->svg, "Also write a chart of throughput against size and threads (SVG)");
  transfer->callback([&action, opt] { action = [opt] { return RunBench(*opt); }; });
}

}  // namespace ccgpu::cli
