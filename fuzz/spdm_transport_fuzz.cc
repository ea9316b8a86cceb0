// Fuzzes the platform-port frame parser and the MCTP / PCI DOE decoders with
// round-trip oracles.
#include "spdm/transport/platform.h"
#include "spdm/transport/spdm_transport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ccgpu;                   // NOLINT
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
  for (TransportType t :
       {TransportType::kNone, TransportType::kMctp, TransportType::kPciDoe}) {
    auto d = Decapsulate(t, in);
    if (!d || d->kind == Decapsulated::Kind::kDoeDiscovery) continue;
    auto again =
        Encapsulate(t, d->data, d->kind == Decapsulated::Kind::kSecured);
    CCGPU_CHECK(again.has_value() && again->size() == in.size());
  }
  return 0;
}
