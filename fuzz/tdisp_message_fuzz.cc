// Fuzzes the PCI-SIG message decoders (spdm/tdisp/tdisp.h, ide_km.h) with a
// round-trip oracle. Input: the SPDM VENDOR_DEFINED payload as a device or
// guest receives it (ProtocolID byte, then the message): TDISP (0x01) parsed
// both as a request (what the device sees) and as a response (what the
// guest sees), IDE_KM (0x00) by its object ID.
// Oracle: whatever parses re-serialises, and parse∘serialise is stable.
#include <cstdint>
#include <vector>

#include "spdm/tdisp/ide_km.h"
#include "spdm/tdisp/tdisp.h"

namespace {

template <typename ParseFn, typename SerializeFn>
void RoundTrip(ccgpu::ByteSpan msg, ParseFn parse, SerializeFn serialize) {
  auto m = parse(msg);
  if (!m) return;
  auto bytes = serialize(*m);
  CCGPU_CHECK(bytes.has_value());
  CCGPU_CHECK(bytes->size() == msg.size());  // reserved bytes zeroed, size kept
  auto again = parse(ccgpu::ByteSpan(*bytes));
  CCGPU_CHECK(again.has_value());
  auto bytes2 = serialize(*again);
  CCGPU_CHECK(bytes2.has_value() && *bytes2 == *bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ccgpu::spdm::tdisp;  // NOLINT
  const std::vector<uint8_t> payload(data, data + size);  // exact-size copy
  if (auto ide = ccgpu::spdm::idekm::UnwrapPayload(payload)) {
    RoundTrip(*ide, ccgpu::spdm::idekm::Parse, ccgpu::spdm::idekm::Serialize);
    return 0;
  }
  auto msg = UnwrapPayload(payload);
  if (!msg) return 0;
  RoundTrip(*msg, ParseRequest, SerializeRequest);
  RoundTrip(*msg, ParseResponse, SerializeResponse);
  return 0;
}
