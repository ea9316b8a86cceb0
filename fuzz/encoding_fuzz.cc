// Fuzzes the hex and base64 decoders with a round-trip oracle.
#include <cstdint>
#include <string_view>

#include "base/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
  if (auto hex = ccgpu::HexDecode(text)) {
    auto again = ccgpu::HexDecode(ccgpu::HexEncode(*hex));
    CCGPU_CHECK(again && *again == *hex);
  }
  if (auto b64 = ccgpu::Base64Decode(text)) {
    auto again = ccgpu::Base64Decode(ccgpu::Base64Encode(*b64));
    CCGPU_CHECK(again && *again == *b64);
  }
  if (auto b64u = ccgpu::Base64UrlDecode(text)) {
    CCGPU_CHECK(ccgpu::Base64UrlEncode(*b64u) == text);  // canonical: no padding, zero bits
  }
  return 0;
}
