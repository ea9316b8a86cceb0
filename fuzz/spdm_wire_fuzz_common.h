// Shared by the spdm_request / spdm_response fuzz targets: the first input
// byte picks the negotiated sizes and per-request flags, the rest is the
// message. Oracle: a message that parses re-serialises to exactly as many
// bytes as it occupied, and parse∘serialise is stable.
#ifndef CCGPU_FUZZ_SPDM_WIRE_FUZZ_COMMON_H_
#define CCGPU_FUZZ_SPDM_WIRE_FUZZ_COMMON_H_

#include <cstdint>

#include "spdm/wire/message.h"

namespace ccgpu::spdm::wire::fuzz {

inline ParseParams ParamsFromByte(uint8_t b) {
  ParseParams p;
  static constexpr std::size_t kHash[4] = {32, 48, 64, 48};
  p.negotiated.hash_size = kHash[b & 3];
  const bool p256 = (b & 0x80) != 0;
  p.negotiated.signature_size = p256 ? 64 : 96;
  p.negotiated.req_signature_size = p256 ? 64 : 96;
  p.negotiated.dhe_size = p256 ? 64 : 96;
  p.measurement_summary_hash = (b & 0x04) != 0;
  p.measurement_signature = (b & 0x08) != 0;
  p.negotiated.handshake_in_the_clear = (b & 0x10) != 0;
  p.negotiated.multi_key_conn = (b & 0x20) != 0;
  p.allow_dword_padding = (b & 0x40) != 0;
  return p;
}

template <typename ParseFn, typename SerializeFn>
void RoundTrip(const uint8_t* data, size_t size, ParseFn parse,
               SerializeFn serialize) {
  if (size < 1) return;
  const ParseParams p = ParamsFromByte(data[0]);
  const ByteSpan msg(data + 1, size - 1);
  auto decoded = parse(msg, p);
  if (!decoded) return;
  auto bytes = serialize(decoded->message);
  CCGPU_CHECK(bytes.has_value());
  CCGPU_CHECK(bytes->size() == decoded->bytes.size());
  auto again = parse(ByteSpan(*bytes), p);
  CCGPU_CHECK(again.has_value());
  auto bytes2 = serialize(again->message);
  CCGPU_CHECK(bytes2.has_value() && *bytes2 == *bytes);
}

}  // namespace ccgpu::spdm::wire::fuzz

#endif  // CCGPU_FUZZ_SPDM_WIRE_FUZZ_COMMON_H_
