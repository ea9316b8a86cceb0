// Shared by the spdm_responder and spdm_requester fuzz targets: a responder
// and a requester over the fixed P-256 fuzz PKI (spdm_responder_fuzz_pki.inc),
// SPDM 1.2 unless told otherwise, the requester not checking certificate
// times (the fixed certificates expire). Both hold libspdm's test PSK under
// its test hint (kFuzzPskHint), so PSK sessions can be fuzzed too.
#ifndef CCGPU_FUZZ_SPDM_FUZZ_PEERS_H_
#define CCGPU_FUZZ_SPDM_FUZZ_PEERS_H_

#include <iterator>

#include "spdm/requester/requester.h"
#include "spdm/responder/responder.h"
#include "spdm_responder_fuzz_pki.inc"

namespace ccgpu::spdm::fuzz {

inline const Bytes kFuzzPskHint = {'T', 'e', 's', 't', 'P', 's', 'k', 'H', 'i', 'n', 't', 0};

inline std::shared_ptr<const session::PskStore> FuzzPskStore() {
  static const auto store = [] {
    auto s = std::make_shared<session::InMemoryPskStore>();
    const Bytes psk = {'T', 'e', 's', 't', 'P', 's', 'k', 'D', 'a', 't', 'a', 0};
    CCGPU_CHECK(s->Add(kFuzzPskHint, SecretBytes::CopyOf(psk)).has_value());
    return s;
  }();
  return store;
}

inline responder::ResponderConfig FuzzResponderConfig() {
  responder::ResponderConfig c;
  c.cert_chain_der = {Bytes(std::begin(kFuzzRootDer), std::end(kFuzzRootDer)),
                      Bytes(std::begin(kFuzzLeafDer), std::end(kFuzzLeafDer))};
  static const auto signer = responder::EcSigner::FromPem(kFuzzLeafKeyPem).value();
  c.signer = signer;
  c.measurements = responder::StaticMeasurementProvider::Sample();
  c.psk_store = FuzzPskStore();
  c.app_messages = std::make_shared<responder::PldmControlResponder>();
  return c;
}

inline requester::RequesterConfig FuzzRequesterConfig() {
  requester::RequesterConfig qc;
  qc.versions = {wire::kVersion12};
  qc.roots = {crypto::Certificate::FromDer(Bytes(std::begin(kFuzzRootDer), std::end(kFuzzRootDer))).value()};
  qc.check_time = false;
  qc.psk_store = FuzzPskStore();
  return qc;
}

}  // namespace ccgpu::spdm::fuzz

#endif  // CCGPU_FUZZ_SPDM_FUZZ_PEERS_H_
