// SPDM session establishment in process (issue 3): VCA + GET_DIGESTS +
// GET_CERTIFICATE (chain verified) + signed GET_MEASUREMENTS + KEY_EXCHANGE +
// FINISH between a ccgpu requester and responder, and — in the same run — the
// time of the public-key operations such a session needs:
//   2 ECDSA signatures   (responder: MEASUREMENTS, KEY_EXCHANGE_RSP)
//   4 ECDSA verifications (requester: 2 chain links, MEASUREMENTS, KEY_EXCHANGE_RSP)
//   2 EC key generations  (one ephemeral key per side)
//   2 ECDH derivations    (one per side)
// Counters: sessions/s (CPU), total µs and public-key µs (process CPU time,
// same run), protocol overhead % = (total - public-key) / total.
// Two cases per algorithm set:
//   first_contact  a new Requester per session: the chain is parsed and its
//                  path verified (2 link verifications counted as public-key)
//   known_device   the same Requester attests the same device again: its
//                  verified-chain cache skips X.509 work, so those 2 link
//                  verifications are neither done nor counted
// The test PKI (root → intermediate → leaf) is made with the openssl CLI.
#include <benchmark/benchmark.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "crypto/ec.h"
#include "crypto/x509.h"
#include "spdm/requester/requester.h"
#include "spdm/responder/loopback.h"
#include "spdm/responder/responder.h"

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
  if (std::system((script + " >/dev/null 2>&1").c_str()) != 0) std::abort();
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
};

// A requester and responder that stay up across sessions: each session
// starts with GET_VERSION, which resets both sides (sessions included).
struct Peers {
  std::unique_ptr<spdm::responder::Responder> responder;
  std::unique_ptr<spdm::LoopbackExchange> exchange;
  spdm::requester::RequesterConfig requester_config;
  std::unique_ptr<spdm::requester::Requester> requester;
};
Peers MakePeers(const Setup& s, const Pki& pki) {
  spdm::responder::ResponderConfig rc;
  rc.cert_chain_der = pki.chain;
  rc.signer = spdm::responder::EcSigner::FromPem(pki.leaf_key).value();
  rc.measurements = spdm::responder::StaticMeasurementProvider::Sample();
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

// The public-key operations of one session, done directly.
void PublicKeyOpsOnce(const Setup& s, const Pki& pki, const crypto::EcPrivateKey& leaf, const crypto::EcPublicKey& leaf_pub,
                      const crypto::EcPublicKey& inter_pub, const crypto::EcPublicKey& root_pub,
                      const Bytes& msg, const Bytes& inter_tbs_sig_dummy, bool first_contact) {
  (void)pki;
  (void)inter_tbs_sig_dummy;
  for (int i = 0; i < 2; ++i) {
    auto sig = leaf.SignRaw(s.halg, msg);
    CCGPU_CHECK(sig.has_value());
    CCGPU_CHECK(leaf_pub.VerifyRaw(s.halg, msg, *sig).has_value());
  }
  // Two more verifications stand for the two certificate links (same curve
  // and hash; the signature value does not change the cost).
  auto sig2 = leaf.SignRaw(s.halg, msg);  // not counted: subtracted below
  benchmark::DoNotOptimize(inter_pub);
  benchmark::DoNotOptimize(root_pub);
  if (first_contact) {
    CCGPU_CHECK(leaf_pub.VerifyRaw(s.halg, msg, *sig2).has_value());
    CCGPU_CHECK(leaf_pub.VerifyRaw(s.halg, msg, *sig2).has_value());
  }
  auto a = crypto::EcPrivateKey::Generate(s.curve).value();
  auto b = crypto::EcPrivateKey::Generate(s.curve).value();
  auto ap = a.PublicKey().value();
  auto bp = b.PublicKey().value();
  // Each side validates the peer's raw point, then derives.
  auto ap2 = crypto::EcPublicKey::FromRawPoint(s.curve, ap.RawPoint().value()).value();
  auto bp2 = crypto::EcPublicKey::FromRawPoint(s.curve, bp.RawPoint().value()).value();
  benchmark::DoNotOptimize(a.Ecdh(bp2).value().size());
  benchmark::DoNotOptimize(b.Ecdh(ap2).value().size());
}

// Process CPU time per call in µs (the build machine is shared, so wall time
// would count other processes).
double CpuNowUs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}
double TimeUs(const std::function<void()>& f, int n) {
  const double t0 = CpuNowUs();
  for (int i = 0; i < n; ++i) f();
  return (CpuNowUs() - t0) / n;
}

void BM_SessionEstablishment(benchmark::State& state, Setup s, bool first_contact) {
  const Pki& pki = GetPki(s.curve);
  Peers peers = MakePeers(s, pki);
  for (auto _ : state) EstablishOnce(peers, first_contact);
  state.counters["sessions_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);

  // Same run: total per session again, and the public-key operations alone.
  auto leaf = crypto::EcPrivateKey::FromPem(pki.leaf_key).value();
  auto leaf_pub = leaf.PublicKey().value();
  auto inter_pub = crypto::Certificate::FromDer(pki.chain[1]).value().PublicKey().value();
  auto root_pub = crypto::Certificate::FromDer(pki.chain[0]).value().PublicKey().value();
  const Bytes msg(200, 0x42);
  const int n = 100;
  const double total = TimeUs([&] { EstablishOnce(peers, first_contact); }, n);
  const double one_sign = TimeUs([&] { benchmark::DoNotOptimize(leaf.SignRaw(s.halg, msg).value().size()); }, n);
  const double pk = TimeUs([&] { PublicKeyOpsOnce(s, pki, leaf, leaf_pub, inter_pub, root_pub, msg, {}, first_contact); }, n) - one_sign;
  // Where the rest goes: the requester's X.509 work per session (parse the
  // three certificates and build/verify the path; its two signature checks
  // are already counted as public-key operations above).
  Bytes certs;
  for (const Bytes& c : pki.chain) certs.insert(certs.end(), c.begin(), c.end());
  const double x509 = TimeUs([&] {
    auto parsed = crypto::Certificate::ParseDerChain(certs).value();
    std::vector<crypto::Certificate> leaf_first(parsed.rbegin(), parsed.rend());
    crypto::ChainOptions opt;
    opt.at = SystemClock::Get().Now();
    CCGPU_CHECK(crypto::VerifyChain(leaf_first, std::vector<crypto::Certificate>{pki.root}, opt).has_value());
  }, n);
  state.counters["x509_chain_us"] = x509;
  state.counters["total_us"] = total;
  state.counters["public_key_us"] = pk;
  state.counters["overhead_pct"] = 100.0 * (total - pk) / total;
}

constexpr Setup kNvidia{crypto::Curve::kP384, spdm::wire::alg::kEcdsaP384, spdm::wire::alg::kSha384,
                        spdm::wire::alg::kSecp384r1, spdm::wire::alg::kAes256Gcm, crypto::HashAlg::kSha384};
constexpr Setup kP256{crypto::Curve::kP256, spdm::wire::alg::kEcdsaP256, spdm::wire::alg::kSha256,
                      spdm::wire::alg::kSecp256r1, spdm::wire::alg::kChaCha20Poly1305, crypto::HashAlg::kSha256};
BENCHMARK_CAPTURE(BM_SessionEstablishment, nvidia_p384_first_contact, kNvidia, true)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->MinTime(2.0);
BENCHMARK_CAPTURE(BM_SessionEstablishment, nvidia_p384_known_device, kNvidia, false)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->MinTime(2.0);
BENCHMARK_CAPTURE(BM_SessionEstablishment, p256_chacha20_first_contact, kP256, true)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->MinTime(2.0);
BENCHMARK_CAPTURE(BM_SessionEstablishment, p256_chacha20_known_device, kP256, false)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
