// Fuzzes the ccgpu control protocol decoders (what the device reads from
// VENDOR_DEFINED requests, what the guest reads from responses) with a
// re-encode round-trip oracle for OPEN_CHANNEL.
#include <cstdint>

#include "channel/control.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ccgpu::channel;
  const ccgpu::ByteSpan in(data, size);
  if (auto req = DecodeControlRequest(in)) {
    if (req->code == ControlCode::kOpenChannel) {
      auto again = EncodeOpenChannel(req->open);
      CCGPU_CHECK(again && *again == ccgpu::Bytes(in.begin(), in.end()));
    }
  }
  for (ControlCode c : {ControlCode::kOpenChannel, ControlCode::kSetReady, ControlCode::kCloseChannel}) {
    if (auto body = DecodeControlResponse(c, in); body && c == ControlCode::kOpenChannel) {
      if (auto r = DecodeOpenChannelResponse(*body)) {
        CCGPU_CHECK(EncodeOpenChannelResponse(*r) == *body);
      }
    }
  }
  return 0;
}
