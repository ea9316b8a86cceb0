// Fuzzes every SPDM response parser (dispatch on the code byte) with a
// round-trip oracle, plus the nested formats a response carries (measurement
// records, DMTF measurements, opaque data, cert chains). Input: 1 parameter
// byte, then the response.
#include <algorithm>

#include "spdm/wire/certificate.h"
#include "spdm/wire/opaque.h"
#include "spdm_wire_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ccgpu;              // NOLINT
  using namespace ccgpu::spdm::wire;  // NOLINT
  fuzz::RoundTrip(data, size, ParseResponse, SerializeResponse);
  if (size < 1) return 0;
  const ByteSpan body(data + 1, size - 1);
  for (OpaqueFormat f : {OpaqueFormat::kFmt1, OpaqueFormat::kDmtfSpecId}) {
    if (auto e = ParseOpaqueData(body, f)) {
      auto again = SerializeOpaqueData(*e, f);
      CCGPU_CHECK(again.has_value() && again->size() == body.size());
    }
  }
  if (auto c = ParseCertChain(
          body, fuzz::ParamsFromByte(data[0]).negotiated.hash_size)) {
    auto again = SerializeCertChain(*c);
    // Reserved bytes are zeroed on output, so compare size and content spans.
    CCGPU_CHECK(again.has_value() && again->size() == body.size());
    auto reparsed = ParseCertChain(*again, c->root_hash.size());
    CCGPU_CHECK(reparsed.has_value() &&
                std::equal(reparsed->certificates.begin(),
                           reparsed->certificates.end(),
                           c->certificates.begin(), c->certificates.end()));
    (void)SplitDerCertificates(c->certificates);
  }
  if (auto r = ParseMeasurementRecord(body, data[0])) {
    CCGPU_CHECK(r->size() == data[0]);
  }
  return 0;
}
