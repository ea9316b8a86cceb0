#include "spdm/responder/test_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

namespace ccgpu::spdm::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string s;
  char buf[4096];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) s.append(buf, static_cast<std::size_t>(f.gcount()));
  return s;
}

void Run(const std::string& cmd) {
  const std::string full = cmd + " >/dev/null 2>&1";
  if (std::system(full.c_str()) != 0) {
    std::fprintf(stderr, "test PKI command failed: %s\n", cmd.c_str());
    std::abort();
  }
}

TestPki MakePki(crypto::Curve curve) {
  char tmpl[] = "/tmp/ccgpu_spdm_pki_XXXXXX";
  const char* d = mkdtemp(tmpl);
  CCGPU_CHECK(d != nullptr);
  const std::string dir = d;
  const std::string name = curve == crypto::Curve::kP384 ? "secp384r1" : "prime256v1";
  const std::string md = curve == crypto::Curve::kP384 ? "-sha384" : "-sha256";
  {
    std::ofstream ext(dir + "/ext.cnf");
    ext << "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
           "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
           "[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
           "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
  }
  const std::string o = "openssl ";
  for (const char* k : {"root", "inter", "leaf"}) {
    Run(o + "ecparam -name " + name + " -genkey -noout -out " + dir + "/" + k + ".key");
  }
  Run(o + "req -x509 -new " + md + " -key " + dir + "/root.key -subj '/CN=ccgpu SPDM test root' -days 3650 -set_serial 1 -config " + dir +
      "/ext.cnf -extensions ca -out " + dir + "/root.pem");
  Run(o + "req -new -key " + dir + "/inter.key -subj '/CN=ccgpu SPDM test intermediate' -config " + dir + "/ext.cnf -out " + dir + "/inter.csr");
  Run(o + "x509 -req " + md + " -in " + dir + "/inter.csr -CA " + dir + "/root.pem -CAkey " + dir +
      "/root.key -set_serial 2 -days 3650 -extfile " + dir + "/ext.cnf -extensions ca -out " + dir + "/inter.pem");
  Run(o + "req -new -key " + dir + "/leaf.key -subj '/CN=ccgpu SPDM test device' -config " + dir + "/ext.cnf -out " + dir + "/leaf.csr");
  Run(o + "x509 -req " + md + " -in " + dir + "/leaf.csr -CA " + dir + "/inter.pem -CAkey " + dir +
      "/inter.key -set_serial 3 -days 3650 -extfile " + dir + "/ext.cnf -extensions leaf -out " + dir + "/leaf.pem");
  for (const char* k : {"root", "inter", "leaf"}) {
    Run(o + "x509 -in " + dir + "/" + k + ".pem -outform DER -out " + dir + "/" + k + ".der");
  }
  TestPki p{{}, crypto::Certificate::FromPem(ReadFile(dir + "/root.pem")).value(), ReadFile(dir + "/leaf.key")};
  for (const char* k : {"root", "inter", "leaf"}) {
    std::string der = ReadFile(dir + "/" + k + ".der");
    p.chain_der.emplace_back(der.begin(), der.end());
  }
  Run("rm -rf " + dir);
  return p;
}

}  // namespace

const TestPki& Pki(crypto::Curve curve) {
  static std::map<crypto::Curve, TestPki>* cache = new std::map<crypto::Curve, TestPki>();
  auto it = cache->find(curve);
  if (it == cache->end()) it = cache->emplace(curve, MakePki(curve)).first;
  return it->second;
}

responder::ResponderConfig ResponderConfigFor(crypto::Curve curve) {
  const TestPki& p = Pki(curve);
  responder::ResponderConfig c;
  c.cert_chain_der = p.chain_der;
  c.signer = responder::EcSigner::FromPem(p.leaf_key_pem).value();
  c.measurements = responder::StaticMeasurementProvider::Sample();
  c.heartbeat_period = 0xF0;
  return c;
}

requester::RequesterConfig RequesterConfigFor(crypto::Curve curve) {
  requester::RequesterConfig c;
  c.roots = {Pki(curve).root};
  return c;
}

Pair MakePair(responder::ResponderConfig rc, requester::RequesterConfig qc) {
  Pair p;
  auto r = responder::Responder::Create(std::move(rc));
  CCGPU_CHECK(r.has_value());
  p.responder = std::move(*r);
  p.exchange = std::make_unique<LoopbackExchange>(p.responder.get());
  auto q = requester::Requester::Create(std::move(qc), p.exchange.get());
  CCGPU_CHECK(q.has_value());
  p.requester = std::move(*q);
  return p;
}

}  // namespace ccgpu::spdm::testing
