// Fuzzes the TDISP DEVICE_INTERFACE_REPORT structure decoder
// (spdm/tdisp/report.h), the bytes a guest reassembles from report portions.
// Oracle: a report that parses re-serialises to exactly the input (the only
// reserved field is zeroed, so the input's own reserved bytes are zeroed
// before the comparison).
#include <cstdint>
#include <vector>

#include "spdm/tdisp/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ccgpu::spdm::tdisp;  // NOLINT
  std::vector<uint8_t> bytes(data, data + size);  // exact-size copy
  auto r = ParseInterfaceReport(bytes);
  if (!r) return 0;
  auto out = SerializeInterfaceReport(*r);
  CCGPU_CHECK(out.has_value());
  bytes[2] = 0;
  bytes[3] = 0;
  CCGPU_CHECK(*out == bytes);
  auto again = ParseInterfaceReport(*out);
  CCGPU_CHECK(again.has_value() && *again == *r);
  return 0;
}
