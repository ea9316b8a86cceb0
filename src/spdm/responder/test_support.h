// Test helpers (test binaries only): a throw-away ECDSA test PKI made with the
// openssl command-line tool at test time, and ready-made configurations.
#ifndef CCGPU_SPDM_RESPONDER_TEST_SUPPORT_H_
#define CCGPU_SPDM_RESPONDER_TEST_SUPPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "crypto/ec.h"
#include "crypto/x509.h"
#include "spdm/requester/requester.h"
#include "spdm/responder/loopback.h"
#include "spdm/responder/responder.h"

namespace ccgpu::spdm::testing {

// Root CA → intermediate CA → leaf (device) on one curve, held in memory (the
// temporary directory openssl worked in is removed).
struct TestPki {
  std::vector<Bytes> chain_der;  // root first
  crypto::Certificate root;
  std::string leaf_key_pem;
};

// Generated once per process and curve (cached). Aborts the test on failure.
const TestPki& Pki(crypto::Curve curve);

// A responder config over Pki(curve) with the sample measurements.
responder::ResponderConfig ResponderConfigFor(crypto::Curve curve);
// A requester config trusting Pki(curve)'s root.
requester::RequesterConfig RequesterConfigFor(crypto::Curve curve);

// A requester and responder wired through a LoopbackExchange.
struct Pair {
  std::unique_ptr<responder::Responder> responder;
  std::unique_ptr<LoopbackExchange> exchange;
  std::unique_ptr<requester::Requester> requester;
};
Pair MakePair(responder::ResponderConfig rc, requester::RequesterConfig qc);

}  // namespace ccgpu::spdm::testing

#endif  // CCGPU_SPDM_RESPONDER_TEST_SUPPORT_H_
