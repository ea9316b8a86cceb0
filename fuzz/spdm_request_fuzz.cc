// Fuzzes every SPDM request parser (dispatch on the code byte) with a
// round-trip oracle. Input: 1 parameter byte, then the request.
#include "spdm_wire_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ccgpu::spdm::wire;  // NOLINT
  fuzz::RoundTrip(data, size, ParseRequest, SerializeRequest);
  return 0;
}
