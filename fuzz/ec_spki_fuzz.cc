// Fuzzes EcPublicKey::FromDer (SubjectPublicKeyInfo) with a round-trip
// oracle: an accepted key re-encodes to an SPKI that parses to the same
// point, and its raw point parses back too.
#include <cstdint>

#include "crypto/ec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto key = ccgpu::crypto::EcPublicKey::FromDer(ccgpu::ByteSpan(data, size));
  if (!key) return 0;
  auto point = key->RawPoint();
  CCGPU_CHECK(point.has_value());
  CCGPU_CHECK(point->size() == 2 * ccgpu::crypto::CoordinateSize(key->curve()));
  auto spki = key->SpkiDer();
  CCGPU_CHECK(spki.has_value());
  auto again = ccgpu::crypto::EcPublicKey::FromDer(*spki);
  CCGPU_CHECK(again.has_value() && again->curve() == key->curve());
  CCGPU_CHECK(again->RawPoint().value() == *point);
  auto raw = ccgpu::crypto::EcPublicKey::FromRawPoint(key->curve(), *point);
  CCGPU_CHECK(raw.has_value());
  // A signature check on an arbitrary key fails cleanly.
  CCGPU_CHECK(!key->VerifyRaw(ccgpu::crypto::HashAlg::kSha256, {},
                              ccgpu::Bytes(point->size(), 1)));
  return 0;
}
