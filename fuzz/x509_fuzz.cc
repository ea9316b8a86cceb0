// Fuzzes certificate parsing (PEM and concatenated DER chains) with a
// round-trip oracle: every certificate parsed re-parses from its own DER to
// the same fields, and a DER chain's certificates concatenate back to the
// input.
#include <cstdint>
#include <string_view>

#include "crypto/x509.h"

namespace {

void CheckReparses(const ccgpu::crypto::Certificate& c) {
  auto again = ccgpu::crypto::Certificate::FromDer(c.Der());
  CCGPU_CHECK(again.has_value());
  CCGPU_CHECK(again->Subject() == c.Subject());
  CCGPU_CHECK(again->Issuer() == c.Issuer());
  CCGPU_CHECK(again->SerialNumber() == c.SerialNumber());
  CCGPU_CHECK(again->NotAfter() == c.NotAfter());
  // Accessors that may fail must fail cleanly.
  (void)c.PublicKey();
  (void)c.Extension("2.23.133.5.4.1");
  (void)c.OcspUrl();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ccgpu::ByteSpan bytes(data, size);
  if (auto chain = ccgpu::crypto::Certificate::ParseDerChain(bytes)) {
    CCGPU_CHECK(!chain->empty());
    ccgpu::Bytes joined;
    for (const auto& c : *chain) {
      const ccgpu::Bytes der = c.Der();
      joined.insert(joined.end(), der.begin(), der.end());
      CheckReparses(c);
    }
    CCGPU_CHECK(joined == ccgpu::Bytes(bytes.begin(), bytes.end()));
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
  if (auto chain = ccgpu::crypto::Certificate::ParsePemChain(text)) {
    CCGPU_CHECK(!chain->empty());
    for (const auto& c : *chain) CheckReparses(c);
  }
  return 0;
}
