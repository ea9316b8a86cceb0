// Fuzzes StreamOpener::OpenChunk: the device (H2D) and the guest (D2H) run it
// on a sealed chunk read from a ring slot that the host writes.
//
// Input: byte 0 holds flags (bit 0: the expected chunk is the last one; bit
// 1: open as shared memory, the ring path), the rest is the sealed chunk.
// The expected chunk is transfer 7, index 3, destination 0x1000, with the
// length the input implies. Seeds are chunks sealed under the same key from
// the byte pattern below.
// Oracles: a chunk that opens must yield that pattern (anything else would be
// a forgery), and a chunk that fails authentication leaves `out` wiped.
#include <cstdint>
#include <vector>

#include "channel/stream.h"

namespace {

using ccgpu::channel::ChunkInfo;
using ccgpu::channel::StreamOpener;

StreamOpener& Opener() {
  static StreamOpener* opener = [] {
    const ccgpu::Bytes ems(48, 0x42);
    auto o = StreamOpener::Create(ems, {7, ccgpu::channel::Direction::kHostToDevice, 0}, {});
    CCGPU_CHECK(o);
    return new StreamOpener(std::move(*o));
  }();
  return *opener;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 + ccgpu::channel::kChunkOverhead || size > (1u << 20)) return 0;
  const uint8_t flags = data[0];
  const ccgpu::ByteSpan sealed(data + 1, size - 1);
  const auto length = static_cast<uint32_t>(sealed.size() - ccgpu::channel::kChunkOverhead);
  const ChunkInfo expect{7, 3, 0x1000, length, (flags & 1u) != 0};
  std::vector<uint8_t> out(length, 0xA5);
  const auto source = (flags & 2u) != 0 ? ccgpu::crypto::InputSource::kShared
                                        : ccgpu::crypto::InputSource::kPrivate;
  const ccgpu::Status st = Opener().OpenChunk(expect, sealed, out, source);
  if (st) {
    for (std::size_t i = 0; i < out.size(); ++i) CCGPU_CHECK(out[i] == static_cast<uint8_t>(i * 7 + 1));
  } else if (st.error().code == ccgpu::Errc::kAuthFailed) {
    for (uint8_t b : out) CCGPU_CHECK(b == 0);
  }
  return 0;
}
