// Shared by the spdm_responder and spdm_requester fuzz targets: a responder
// and a requester over the fixed P-256 fuzz PKI (spdm_responder_fuzz_pki.inc),
// SPDM 1.2 unless told otherwise, the requester not checking certificate
// times (the fixed certificates expire).
#ifndef CCGPU_FUZZ_SPDM_FUZZ_PEERS_H_
#define CCGPU_FUZZ_SPDM_FUZZ_PEERS_H_

#include <iterator>

#include "spdm/requester/requester.h"
#include "spdm/responder/responder.h"
#include "spdm_responder_fuzz_pki.inc"

namespace ccgpu::spdm::fuzz {

inline responder::ResponderConfig FuzzResponderConfig() {
  responder::ResponderConfig c;
  c.cert_chain_der = {Bytes(std::begin(kFuzzRootDer), std::end(kFuzzRootDer)),
                      Bytes(std::begin(kFuzzLeafDer), std::end(kFuzzLeafDer))};
  static const auto signer = responder::EcSigner::FromPem(kFuzzLeafKeyPem).value();
  c.signer = signer;
  c.measurements = responder::StaticMeasurementProvider::Sample();
  return c;
}

inline requester::RequesterConfig FuzzRequesterConfig() {
  requester::RequesterConfig qc;
  qc.versions = {wire::kVersion12};
  qc.roots = {crypto::Certificate::FromDer(Bytes(std::begin(kFuzzRootDer), std::end(kFuzzRootDer))).value()};
  qc.check_time = false;
  return qc;
}

}  // namespace ccgpu::spdm::fuzz

#endif  // CCGPU_FUZZ_SPDM_FUZZ_PEERS_H_
