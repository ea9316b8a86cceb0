// Fuzzes the command and completion decoders (what the device reads from
// opened command records) with a re-encode round-trip oracle.
#include <cstdint>

#include "channel/commands.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ccgpu::ByteSpan in(data, size);
  if (auto msg = ccgpu::channel::DecodeCommand(in)) {
    auto again = ccgpu::channel::EncodeCommand(*msg);
    CCGPU_CHECK(again && *again == ccgpu::Bytes(in.begin(), in.end()));
  }
  if (auto c = ccgpu::channel::DecodeCompletion(in)) {
    auto again = ccgpu::channel::EncodeCompletion(*c);
    CCGPU_CHECK(again && *again == ccgpu::Bytes(in.begin(), in.end()));
  }
  return 0;
}
