// SPDM session establishment in process (issue 3): VCA + GET_DIGESTS +
// GET_CERTIFICATE (chain verified) + signed GET_MEASUREMENTS + KEY_EXCHANGE +
// FINISH between a ccgpu requester and responder, and — in the same run — the
// time of the public-key operations such a session needs:
//   2 ECDSA signatures   (responder: MEASUREMENTS, KEY_EXCHANGE_RSP)
//   4 ECDSA verifications (requester: 2 chain links, MEASUREMENTS, KEY_EXCHANGE_RSP)
//   2 EC key generations  (one ephemeral key per side; each side also
//                          encodes its point and decodes/checks the peer's)
//   2 ECDH derivations    (one per side)
// Total and public-key time are measured interleaved (alternating batches,
// process CPU time) and reported as medians over the repetitions:
// sessions/s, total µs, public-key µs, protocol overhead % = (total -
// public-key) / total. See BM_SessionEstablishment and PublicKeyOps.
// Two cases per algorithm set:
//   first_contact  a new Requester per session: the chain is parsed and its
//                  path verified (2 link verifications counted as public-key)
//   known_device   the same Requester attests the same device again: its
//                  verified-chain cache skips X.509 work, so those 2 link
//                  verifications are neither done nor counted
// The test PKI (root → intermediate → leaf) is made with the openssl CLI.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "crypto/ec.h"
#include "crypto/x509.h"
#include "spdm/requester/requester.h"
#include "spdm/responder/loopback.h"
#include "spdm/responder/responder.h"
#include "spdm/session/psk_store.h"

namespace {

using namespace ccgpu;  // NOLINT

struct Pki {
  std::vector<Bytes> chain;  // root first
  std::string leaf_key;
  crypto::Certificate root;
};

std::string Slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::string s;
  char buf[4096];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) s.append(buf, static_cast<std::size_t>(f.gcount()));
  return s;
}

const Pki& GetPki(crypto::Curve curve) {
  static std::map<crypto::Curve, Pki> cache;
  auto it = cache.find(curve);
  if (it != cache.end()) return it->second;
  char tmpl[] = "/tmp/ccgpu_spdm_bench_XXXXXX";
  const std::string d = mkdtemp(tmpl);
  const std::string c = curve == crypto::Curve::kP384 ? "secp384r1" : "prime256v1";
  const std::string md = curve == crypto::Curve::kP384 ? "-sha384" : "-sha256";
  std::ofstream(d + "/ext.cnf") << "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n"
                                   "[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n";
  const std::string script =
      "cd " + d + " && for k in root inter leaf; do openssl ecparam -name " + c + " -genkey -noout -out $k.key; done && " +
      "openssl req -x509 -new " + md + " -key root.key -subj /CN=bench-root -days 30 -config ext.cnf -extensions ca -out root.pem && " +
      "openssl req -new -key inter.key -subj /CN=bench-inter -config ext.cnf -out inter.csr && " +
      "openssl x509 -req " + md + " -in inter.csr -CA root.pem -CAkey root.key -set_serial 2 -days 30 -extfile ext.cnf -extensions ca -out inter.pem && " +
      "openssl req -new -key leaf.key -subj /CN=bench-device -config ext.cnf -out leaf.csr && " +
      "openssl x509 -req " + md + " -in leaf.csr -CA inter.pem -CAkey inter.key -set_serial 3 -days 30 -extfile ext.cnf -extensions leaf -out leaf.pem && " +
      "for k in root inter leaf; do openssl x509 -in $k.pem -outform DER -out $k.der; done";
  if (std::system(("(" + script + ") >/dev/null 2>&1").c_str()) != 0) std::abort();
  Pki p{{}, Slurp(d + "/leaf.key"), crypto::Certificate::FromPem(Slurp(d + "/root.pem")).value()};
  for (const char* k : {"root", "inter", "leaf"}) {
    std::string der = Slurp(d + "/" + k + ".der");
    p.chain.emplace_back(der.begin(), der.end());
  }
  std::system(("rm -rf " + d).c_str());
  return cache.emplace(curve, std::move(p)).first->second;
}

struct Setup {
  crypto::Curve curve;
  uint32_t asym, hash;
  uint16_t dhe, aead;
  crypto::HashAlg halg;
  // Both ends' DataTransferSize; 0 keeps the default (0x1200: nothing is
  // chunked). 42, the smallest, sends every message over 42 bytes in chunks.
  uint32_t data_transfer_size = 0;
};

// A requester and responder that stay up across sessions: each session
// starts with GET_VERSION, which resets both sides (sessions included).
struct Peers {
  std::unique_ptr<spdm::responder::Responder> responder;
  std::unique_ptr<spdm::LoopbackExchange> exchange;
  spdm::requester::RequesterConfig requester_config;
  std::unique_ptr<spdm::requester::Requester> requester;
};
Peers MakePeers(const Setup& s, const Pki& pki, std::shared_ptr<const spdm::session::PskStore> psk = nullptr) {
  spdm::responder::ResponderConfig rc;
  rc.psk_store = psk;
  rc.cert_chain_der = pki.chain;
  rc.signer = spdm::responder::EcSigner::FromPem(pki.leaf_key).value();
  rc.measurements = spdm::responder::StaticMeasurementProvider::Sample();
  if (s.data_transfer_size != 0) rc.data_transfer_size = s.data_transfer_size;
  Peers p;
  p.responder = spdm::responder::Responder::Create(rc).value();
  p.exchange = std::make_unique<spdm::LoopbackExchange>(p.responder.get());
  spdm::requester::RequesterConfig qc;
  qc.versions = {spdm::wire::kVersion12};
  qc.base_asym = s.asym;
  qc.base_hash = s.hash;
  qc.dhe = s.dhe;
  qc.aead = s.aead;
  qc.roots = {pki.root};
  qc.psk_store = psk;
  if (s.data_transfer_size != 0) qc.data_transfer_size = s.data_transfer_size;
  p.requester_config = qc;
  p.requester = spdm::requester::Requester::Create(qc, p.exchange.get()).value();
  return p;
}

// One full session; aborts on failure (a benchmark of a failing flow is void).
void EstablishOnce(Peers& p, bool first_contact) {
  if (first_contact) p.requester = spdm::requester::Requester::Create(p.requester_config, p.exchange.get()).value();
  auto& req = *p.requester;
  CCGPU_CHECK(req.InitConnection().has_value());
  CCGPU_CHECK(req.GetDigests().has_value());
  CCGPU_CHECK(req.GetCertificate().has_value());
  auto m = req.GetMeasurements(spdm::wire::meas::kOpAll, true);
  CCGPU_CHECK(m.has_value() && m->signature_verified);
  auto sess = req.StartSession();
  CCGPU_CHECK(sess.has_value());
  benchmark::DoNotOptimize(sess->session_id);
}

// The public-key operations of one session, done directly through the same
// crypto-layer calls the session makes, with inputs of the same sizes:
//   responder  2 x EcPrivateKey::SignRaw   (MEASUREMENTS, KEY_EXCHANGE_RSP;
//              SPDM 1.2 signing input = 100-byte combined prefix || H)
//   requester  2 x EcPublicKey::VerifyRaw  (the same two signatures)
//   first contact only: 2 x ECDSA verification of a DER signature over a
//              certificate-sized message (the two X.509 links; OpenSSL's
//              X509_verify is EVP_DigestVerify of the TBS, same curve and
//              hash; which key signed does not change the cost)
//   each side  EcPrivateKey::Generate, PublicRawPoint (its ExchangeData),
//              EcPublicKey::FromRawPoint of the peer's point (decoded and
//              checked on the curve), EcPrivateKey::Ecdh
// The counts were checked against the session with uprobes on libcrypto
// (ECDSA_do_sign_ex, ECDSA_verify, EC_KEY_generate_key, ECDH_compute_key):
// see --count_only below and docs/PERFORMANCE.md.
class PublicKeyOps {
 public:
  PublicKeyOps(const Setup& s, const Pki& pki, bool first_contact)
      : s_(s),
        first_contact_(first_contact),
        leaf_(crypto::EcPrivateKey::FromPem(pki.leaf_key).value()),
        leaf_pub_(leaf_.PublicKey().value()),
        sign_input_(100 + crypto::DigestSize(s.halg), 0x42),
        sig_(leaf_.SignRaw(s.halg, sign_input_).value()),
        cert_(pki.chain.back()),
        cert_sig_(leaf_.SignDer(s.halg, cert_).value()) {}

  void RunOnce() const {
    for (int i = 0; i < 2; ++i) benchmark::DoNotOptimize(leaf_.SignRaw(s_.halg, sign_input_).value().size());
    for (int i = 0; i < 2; ++i) CCGPU_CHECK(leaf_pub_.VerifyRaw(s_.halg, sign_input_, sig_).has_value());
    if (first_contact_) {
      for (int i = 0; i < 2; ++i) CCGPU_CHECK(leaf_pub_.VerifyDer(s_.halg, cert_, cert_sig_).has_value());
    }
    auto a = crypto::EcPrivateKey::Generate(s_.curve).value();
    auto b = crypto::EcPrivateKey::Generate(s_.curve).value();
    const Bytes pa = a.PublicRawPoint().value();
    const Bytes pb = b.PublicRawPoint().value();
    auto peer_of_a = crypto::EcPublicKey::FromRawPoint(s_.curve, pb).value();
    auto peer_of_b = crypto::EcPublicKey::FromRawPoint(s_.curve, pa).value();
    benchmark::DoNotOptimize(a.Ecdh(peer_of_a).value().size());
    benchmark::DoNotOptimize(b.Ecdh(peer_of_b).value().size());
  }

 private:
  Setup s_;
  bool first_contact_;
  crypto::EcPrivateKey leaf_;
  crypto::EcPublicKey leaf_pub_;
  Bytes sign_input_, sig_, cert_, cert_sig_;
};

// Process CPU time (the build machine is shared, so wall time would count
// other processes).
double CpuNowUs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}
template <typename F>
double TimeUs(const F& f, int n) {
  const double t0 = CpuNowUs();
  for (int i = 0; i < n; ++i) f();
  return (CpuNowUs() - t0) / n;
}
double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Total and public-key time, measured interleaved: each repetition times a
// batch of sessions and a batch of the sessions' public-key operations, in
// alternating order, so load drift hits both alike. Counters are medians
// over the repetitions (per session, process CPU µs).
void BM_SessionEstablishment(benchmark::State& state, Setup s, bool first_contact) {
  const Pki& pki = GetPki(s.curve);
  Peers peers = MakePeers(s, pki);
  const PublicKeyOps ops(s, pki, first_contact);
  const int batch = s.curve == crypto::Curve::kP384 ? 6 : 40;
  const int reps = s.curve == crypto::Curve::kP384 ? 15 : 25;
  for (int i = 0; i < batch; ++i) {  // warm-up
    EstablishOnce(peers, first_contact);
    ops.RunOnce();
  }
  std::vector<double> totals, pks, overheads;
  for (auto _ : state) {
    for (int r = 0; r < reps; ++r) {
      double total = 0, pk = 0;
      auto sessions = [&] { total = TimeUs([&] { EstablishOnce(peers, first_contact); }, batch); };
      auto public_key = [&] { pk = TimeUs([&] { ops.RunOnce(); }, batch); };
      if (r % 2 == 0) {
        sessions();
        public_key();
      } else {
        public_key();
        sessions();
      }
      totals.push_back(total);
      pks.push_back(pk);
      overheads.push_back(100.0 * (total - pk) / total);
    }
  }
  const double total = Median(totals), pk = Median(pks);
  state.counters["sessions_per_s"] = 1e6 / total;
  state.counters["total_us"] = total;
  state.counters["public_key_us"] = pk;
  // Overhead of the medians, and the median of the per-repetition overheads
  // (they agree when the run was steady).
  state.counters["overhead_pct"] = 100.0 * (total - pk) / total;
  state.counters["overhead_pct_med"] = Median(overheads);
  state.counters["reps"] = reps;
  double load[1] = {0};
  if (getloadavg(load, 1) == 1) state.counters["loadavg_1m"] = load[0];
  state.counters["batch"] = batch;
}

constexpr Setup kNvidia{crypto::Curve::kP384, spdm::wire::alg::kEcdsaP384, spdm::wire::alg::kSha384,
                        spdm::wire::alg::kSecp384r1, spdm::wire::alg::kAes256Gcm, crypto::HashAlg::kSha384};
constexpr Setup kP256{crypto::Curve::kP256, spdm::wire::alg::kEcdsaP256, spdm::wire::alg::kSha256,
                      spdm::wire::alg::kSecp256r1, spdm::wire::alg::kChaCha20Poly1305, crypto::HashAlg::kSha256};
BENCHMARK_CAPTURE(BM_SessionEstablishment, nvidia_p384_first_contact, kNvidia, true)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_SessionEstablishment, nvidia_p384_known_device, kNvidia, false)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_SessionEstablishment, p256_chacha20_first_contact, kP256, true)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_SessionEstablishment, p256_chacha20_known_device, kP256, false)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->Iterations(1);
// The same sessions with every message over 42 bytes in chunks (CHUNK_SEND /
// CHUNK_GET at the smallest DataTransferSize): what large-message transfer
// adds. Not a target of its own.
constexpr Setup kNvidiaChunked{kNvidia.curve, kNvidia.asym, kNvidia.hash, kNvidia.dhe, kNvidia.aead, kNvidia.halg, 42};
constexpr Setup kP256Chunked{kP256.curve, kP256.asym, kP256.hash, kP256.dhe, kP256.aead, kP256.halg, 42};
BENCHMARK_CAPTURE(BM_SessionEstablishment, nvidia_p384_known_device_chunked42, kNvidiaChunked, false)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_SessionEstablishment, p256_chacha20_known_device_chunked42, kP256Chunked, false)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->Iterations(1);

// PSK sessions (VCA + PSK_EXCHANGE + PSK_FINISH with libspdm's test PSK):
// no certificate and no public-key operation at all, so this is the
// protocol's and the key schedule's own cost. Not a target of its own; it
// shows what a session costs once attestation is not part of it.
void BM_PskSessionEstablishment(benchmark::State& state, Setup s) {
  const Pki& pki = GetPki(s.curve);
  auto store = std::make_shared<spdm::session::InMemoryPskStore>();
  const Bytes hint = {'T', 'e', 's', 't', 'P', 's', 'k', 'H', 'i', 'n', 't', 0};
  const Bytes psk = {'T', 'e', 's', 't', 'P', 's', 'k', 'D', 'a', 't', 'a', 0};
  CCGPU_CHECK(store->Add(hint, SecretBytes::CopyOf(psk)).has_value());
  Peers peers = MakePeers(s, pki, store);
  for (auto _ : state) {
    auto& req = *peers.requester;
    CCGPU_CHECK(req.InitConnection().has_value());
    auto sess = req.StartPskSession(hint);
    CCGPU_CHECK(sess.has_value() && sess->psk_finish);
    benchmark::DoNotOptimize(sess->session_id);
  }
  state.counters["sessions_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_PskSessionEstablishment, psk_sha384_aes256gcm, kNvidia)->Unit(benchmark::kMicrosecond)->MeasureProcessCPUTime();
BENCHMARK_CAPTURE(BM_PskSessionEstablishment, psk_sha256_chacha20, kP256)->Unit(benchmark::kMicrosecond)->MeasureProcessCPUTime();

// --count_only=<nvidia|p256>:<first|known>:<session|pk>:<n>: runs n sessions
// (after one warm-up session) or n public-key operation sets and exits, for
// counting libcrypto calls with uprobes (perf stat -e probe_libcrypto:*).
int CountOnly(const std::string& spec) {
  char set[16] = {0}, contact[16] = {0}, what[16] = {0};
  int n = 0;
  if (std::sscanf(spec.c_str(), "%15[^:]:%15[^:]:%15[^:]:%d", set, contact, what, &n) != 4 || n <= 0) return 2;
  const Setup s = std::string(set) == "nvidia" ? kNvidia : kP256;
  const bool first = std::string(contact) == "first";
  const Pki& pki = GetPki(s.curve);
  Peers peers = MakePeers(s, pki);
  EstablishOnce(peers, first);
  const PublicKeyOps ops(s, pki, first);
  std::fprintf(stderr, "count_only: start\n");
  for (int i = 0; i < n; ++i) {
    if (std::string(what) == "session") {
      EstablishOnce(peers, first);
    } else {
      ops.RunOnce();
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--count_only=", 0) == 0) return CountOnly(a.substr(13));
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
