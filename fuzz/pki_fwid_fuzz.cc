// Fuzzes the DICE FWID extension decoder (2.23.133.5.4.1): a decoded FWID is
// 48 bytes and re-encoding with any key yields a value that decodes to it.
#include <cstdint>

#include "crypto/ec.h"
#include "crypto/pki/pki.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fwid = ccgpu::crypto::DecodeDiceFwidExtension(ccgpu::ByteSpan(data, size));
  if (fwid) {
    CCGPU_CHECK(fwid->size() == 48);
    static const auto key = ccgpu::crypto::EcPrivateKey::Generate(ccgpu::crypto::Curve::kP384).value();
    auto again = ccgpu::crypto::EncodeDiceFwidExtension(key.PublicKey().value(), *fwid);
    CCGPU_CHECK(again && ccgpu::crypto::DecodeDiceFwidExtension(*again).value() == *fwid);
  }
  return 0;
}
