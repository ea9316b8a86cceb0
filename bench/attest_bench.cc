// Verifier benchmark (issue 4): full offline verification of NVIDIA's
// v2.1.3 vector (device chain, report signature, two RIMs with schema +
// XML-DSig + signer chains, measurements, claims, policy), cold and warm
// (RIM and chain caches), and — in the same run — the ECDSA P-384
// signature verifications a cold verification must do, so the verifier's
// own overhead can be computed: (cold - signatures) / cold.
//
// What is set up once, outside the timed loops (configuration a verifier
// service prepares when it starts, never anything taken from the evidence):
//   - the pinned NVIDIA device root, parsed into a crypto::Certificate;
//   - the RimVerifier (pinned NVIDIA RIM root parsed, its digest computed)
//     and the XSD schemas compiled (RimSchema::Builtin, once per process);
//   - libxml2 / xmlsec1 / OpenSSL initialisation and algorithm fetches;
//   - the evidence hex decoded and the PEM text / nonce / time read (inputs).
// Cold: every iteration starts with RimVerifier::ClearCache() (no verified
// RIM document, no decoded RIM certificate except the pinned root) and a new
// empty ChainCache, so the device chain (PEM -> 5 certificates), both RIM
// files (read from disk), their parse, XSD validation, C14N, reference
// digests, signer chains and signatures are all done inside the iteration.
// Inside one iteration a certificate that occurs twice (the L3 and CA
// certificates both RIMs carry; the chain's copy of the pinned root) is
// decoded once: same bytes, same parse.
//
// Run: build/release/bench/attest_bench --benchmark_repetitions=10
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "attest/policy.h"
#include "attest/roots.h"
#include "attest/rim/rim_schema.h"
#include "attest/sources.h"
#include "attest/verifier.h"
#include "base/encoding.h"
#include "crypto/ec.h"
#include "crypto/x509.h"

namespace ccgpu::attest {
namespace {

const std::string kNv = std::string(CCGPU_TESTDATA_DIR) + "/third_party/nvidia/";
const std::string kV213 =
    kNv + "nvtrust-history/v2.1.3/guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/samples/";
const std::string kSamples = kNv + "nvtrust/guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/samples/";

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Vector {
  DeviceInput input;
  Bytes nonce;
  TimePoint at;
  std::vector<crypto::Certificate> device_roots;
};

const Vector& V213() {
  static const Vector v = [] {
    Vector x;
    x.input.evidence = HexDecode(TrimAsciiWhitespace(Read(kV213 + "attestationReport.txt"))).value();
    x.input.cert_chain_pem = Read(kV213 + "gpuAkCertChain.txt");
    x.nonce = HexDecode("4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e").value();
    x.at = ParseRfc3339("2024-06-01T00:00:00Z").value();
    x.device_roots = {crypto::Certificate::FromPem(NvidiaDeviceRootPem()).value()};
    return x;
  }();
  return v;
}

std::unique_ptr<FileRimSource> MakeRims() {
  auto rims = std::make_unique<FileRimSource>(RimVerifier::Create(NvidiaRimRootPem()).value());
  rims->verifier().ClearCache();
  rims->SetFile(RimRole::kDriver, kSamples + "Driver_RIM_test_no_gpu.swidtag");
  rims->SetFile(RimRole::kVbios, kSamples + "1010_0200_882_96005E0001_test_no_gpu.swidtag");
  return rims;
}

// Signatures a verification checked: device chain links + report (counted by
// the verifier) + per RIM not served from cache: its document signature and
// the links of its signer chain (signer .. CA -> pinned root).
int CountSignatures(const DeviceReport& d) {
  int n = d.signatures_checked;
  for (const auto* rim : {&d.driver_rim, &d.vbios_rim}) {
    if (rim->has_value() && !(*rim)->from_cache) n += 1 + static_cast<int>((*rim)->chain_certs.size()) - 1;
  }
  return n;
}

// Cold: RIM caches cleared and a fresh chain cache every iteration (file
// reads included); the RIM verifier itself (pinned root, schema) is
// configuration and made once.
// One cold verification: the RIM verifier's caches (documents, decoded
// certificates) cleared and a new chain cache, so everything
// evidence-dependent is done inside the call.
VerificationReport VerifyCold(const Vector& v, FileRimSource& rims, const Policy& policy) {
  rims.verifier().ClearCache();
  ChainCache cache;
  VerifierConfig cfg;
  cfg.device_roots = v.device_roots;
  cfg.rims = &rims;
  cfg.chain_cache = &cache;
  return Verify(cfg, {v.input}, v.nonce, v.at, policy);
}

void BM_VerifyV213Cold(benchmark::State& state) {
  const Vector& v = V213();
  const Policy policy = Policy::Default({.accept_ocsp_unknown = true});
  auto rims = MakeRims();
  int sigs = 0;
  for (auto _ : state) {
    VerificationReport r = VerifyCold(v, *rims, policy);
    if (!r.policy_passed) state.SkipWithError("v2.1.3 vector did not verify");
    sigs = CountSignatures(r.devices[0]);
    benchmark::DoNotOptimize(r);
  }
  state.counters["signatures"] = sigs;
}
BENCHMARK(BM_VerifyV213Cold)->Unit(benchmark::kMillisecond);

// Warm: same GPU type again; RIMs and the intermediate chain come from caches.
void BM_VerifyV213Warm(benchmark::State& state) {
  const Vector& v = V213();
  const Policy policy = Policy::Default({.accept_ocsp_unknown = true});
  auto rims = MakeRims();
  ChainCache cache;
  VerifierConfig cfg;
  cfg.device_roots = v.device_roots;
  cfg.rims = rims.get();
  cfg.chain_cache = &cache;
  (void)Verify(cfg, {v.input}, v.nonce, v.at, policy);  // fill the caches
  int sigs = 0;
  for (auto _ : state) {
    VerificationReport r = Verify(cfg, {v.input}, v.nonce, v.at, policy);
    if (!r.policy_passed) state.SkipWithError("v2.1.3 vector did not verify");
    sigs = CountSignatures(r.devices[0]);
    benchmark::DoNotOptimize(r);
  }
  state.counters["signatures"] = sigs;
}
BENCHMARK(BM_VerifyV213Warm)->Unit(benchmark::kMillisecond);

// The signature verifications alone: 13 ECDSA P-384/SHA-384 verifications
// (the count a cold verification does) of the real report signature.
void BM_SignatureVerifications(benchmark::State& state) {
  const Vector& v = V213();
  const int count = static_cast<int>(state.range(0));
  auto chain = crypto::Certificate::ParsePemChain(v.input.cert_chain_pem).value();
  const auto key = chain[0].PublicKey().value();
  const Evidence ev = ParseEvidence(v.input.evidence, DeviceKind::kGpu).value();
  for (auto _ : state) {
    for (int i = 0; i < count; ++i) {
      auto st = key.VerifyRaw(crypto::HashAlg::kSha384, ev.SignedBytes(), ev.response.signature);
      if (!st) state.SkipWithError("signature");
    }
  }
  state.counters["signatures"] = count;
}
BENCHMARK(BM_SignatureVerifications)->Arg(13)->Arg(2)->Unit(benchmark::kMillisecond);

// Cold verification and the 13 signature verifications, alternated inside
// one timed loop and each timed with the thread's CPU clock, so both halves
// of every pair run under the same machine conditions (the build machine is
// shared; separate benchmarks drift apart by up to ±25 %). Counters: medians
// over the pairs of cold_ms and sig13_ms, and the median per-pair overhead
// (cold - signatures) / cold in percent. The cold half is exactly
// BM_VerifyV213Cold's iteration.
double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}
double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
void BM_ColdVersusSignaturesPaired(benchmark::State& state) {
  const Vector& v = V213();
  const Policy policy = Policy::Default({.accept_ocsp_unknown = true});
  auto rims = MakeRims();
  auto chain = crypto::Certificate::ParsePemChain(v.input.cert_chain_pem).value();
  const auto key = chain[0].PublicKey().value();
  const Evidence ev = ParseEvidence(v.input.evidence, DeviceKind::kGpu).value();
  std::vector<double> cold_ms, sig_ms, overhead;
  int sigs = 0;
  for (auto _ : state) {
    const double t0 = ThreadCpuMs();
    VerificationReport r = VerifyCold(v, *rims, policy);
    if (!r.policy_passed) state.SkipWithError("v2.1.3 vector did not verify");
    sigs = CountSignatures(r.devices[0]);
    benchmark::DoNotOptimize(r);
    const double t1 = ThreadCpuMs();
    for (int i = 0; i < sigs; ++i) {
      auto st = key.VerifyRaw(crypto::HashAlg::kSha384, ev.SignedBytes(), ev.response.signature);
      if (!st) state.SkipWithError("signature");
    }
    const double t2 = ThreadCpuMs();
    cold_ms.push_back(t1 - t0);
    sig_ms.push_back(t2 - t1);
    overhead.push_back(100.0 * ((t1 - t0) - (t2 - t1)) / (t1 - t0));
  }
  state.counters["signatures"] = sigs;
  state.counters["cold_ms"] = Median(cold_ms);
  state.counters["sig_ms"] = Median(sig_ms);
  state.counters["overhead_pct"] = Median(overhead);
}
BENCHMARK(BM_ColdVersusSignaturesPaired)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ccgpu::attest

// Breakdown of a cold verification (for docs/PERFORMANCE.md).
namespace ccgpu::attest {
namespace {
// Device half: chain parse, nonce, chain (4 links), report signature.
void BM_PartDevice(benchmark::State& state) {
  const Vector& v = V213();
  for (auto _ : state) {
    VerifierConfig cfg;
    cfg.device_roots = v.device_roots;
    DeviceReport d = VerifyDevice(cfg, v.input, v.nonce, v.at, 0);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_PartDevice)->Unit(benchmark::kMillisecond);
void BM_PartRim(benchmark::State& state) {
  auto verifier = RimVerifier::Create(NvidiaRimRootPem()).value();
  auto xml = Read(kSamples + "Driver_RIM_test_no_gpu.swidtag");
  const auto at = V213().at;
  for (auto _ : state) {
    verifier.ClearCache();
    auto r = verifier.Verify(AsBytes(xml), at);
    if (!r) state.SkipWithError("rim");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PartRim)->Unit(benchmark::kMillisecond);
void BM_PartChainParse(benchmark::State& state) {
  const Vector& v = V213();
  for (auto _ : state) {
    auto c = crypto::Certificate::ParsePemChain(v.input.cert_chain_pem);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_PartChainParse)->Unit(benchmark::kMillisecond);
void BM_PartSchema(benchmark::State& state) {
  auto schema = RimSchema::Builtin().value();
  auto xml = Read(kSamples + "Driver_RIM_test_no_gpu.swidtag");
  for (auto _ : state) {
    auto r = schema->Validate(AsBytes(xml));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PartSchema)->Unit(benchmark::kMillisecond);
}  // namespace
}  // namespace ccgpu::attest
BENCHMARK_MAIN();
