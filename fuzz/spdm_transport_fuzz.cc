// Fuzzes the platform-port frame parser and the MCTP / PCI DOE decoders with
// round-trip oracles.
#include "spdm/transport/platform.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ccgpu;                  // NOLINT
  using namespace ccgpu::spdm::transport;  // NOLINT
  const ByteSpan in(data, size);
  if (auto f = ParseFrame(in, 1 << 16)) {
    auto again = EncodeFrame(f->command, f->transport_type, f->payload);
    CCGPU_CHECK(again.has_value() && *again == Bytes(in.begin(), in.end()));
  }
  if (auto m = DecodeMctp(in)) {
    CCGPU_CHECK(EncodeMctp(m->type, m->body) == Bytes(in.begin(), in.end()));
  }
  if (auto d = DecodeDoe(in)) {
    auto again = EncodeDoe(d->type, d->body, d->vendor_id);
    CCGPU_CHECK(again.has_value() && again->size() == in.size());
    if (d->type == kDoeTypeDiscovery) {
      if (auto idx = ParseDoeDiscoveryRequest(d->body)) {
        CCGPU_CHECK(EncodeDoeDiscoveryRequest(*idx).size() == 4);
      }
      if (auto r = ParseDoeDiscoveryResponse(d->body)) {
        CCGPU_CHECK(EncodeDoeDiscoveryResponse(*r).size() == 4);
      }
    }
  }
  return 0;
}
