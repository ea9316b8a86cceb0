// Fuzzes the OCSP response reader: InspectOcspResponse and the full
// VerifyOcspResponse against a fixed (certificate, issuer) pair, at a fixed
// time at which the seed responses are fresh. Oracles: Inspect is
// deterministic; whatever Verify accepts, Inspect also reads, with a
// SingleResponse for the target's serial carrying the same status.
#include <cstdint>

#include "base/clock.h"
#include "crypto/ocsp/ocsp.h"

namespace {
#include "ocsp_response_fuzz_certs.inc"

const ccgpu::crypto::OcspTarget& Target() {
  static const ccgpu::crypto::OcspTarget target = [] {
    auto t = ccgpu::crypto::OcspTarget::Create(ccgpu::ByteSpan(good_der, good_der_len),
                                               ccgpu::ByteSpan(int_der, int_der_len));
    CCGPU_CHECK(t.has_value());
    return *t;
  }();
  return target;
}

// 2026-11-25T18:38Z: the seed responses were produced then (nextUpdate +1 day).
constexpr int64_t kSeedTime = 1795631900;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ccgpu::crypto::OcspCertStatus;
  const ccgpu::ByteSpan in(data, size);
  auto a = ccgpu::crypto::InspectOcspResponse(in);
  auto b = ccgpu::crypto::InspectOcspResponse(in);
  CCGPU_CHECK(a.has_value() == b.has_value());
  if (a) {
    CCGPU_CHECK(a->response_status == b->response_status);
    CCGPU_CHECK(a->responses.size() == b->responses.size());
    CCGPU_CHECK(a->nonce == b->nonce);
  }
  auto v = ccgpu::crypto::VerifyOcspResponse(in, Target(), nullptr,
                                             ccgpu::FromUnixSeconds(kSeedTime));
  if (v) {
    CCGPU_CHECK(a && a->response_status == 0 && a->basic);
    bool found = false;
    for (const auto& s : a->responses) {
      if (s.serial_hex == Target().serial_hex() && s.status == v->status) found = true;
    }
    CCGPU_CHECK(found);
    CCGPU_CHECK(v->response_valid && !v->nonce_checked);
  }
  return 0;
}
