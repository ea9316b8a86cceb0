// GET_DIGESTS / DIGESTS codecs (DSP0274 1.2 §10.7; 1.3 multi-key fields).
// Borrowed: digest and key-array spans point into the input.
#ifndef CCGPU_SPDM_WIRE_DIGESTS_H_
#define CCGPU_SPDM_WIRE_DIGESTS_H_

#include <vector>

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// GET_DIGESTS: header only; Param1/Param2 reserved.
struct GetDigests {
  uint8_t version = kVersion12;
};

// DIGESTS: header(Param1 = SupportedSlotMask (1.3, else reserved), Param2 =
// ProvisionedSlotMask / SlotMask) | Digest[n] (H each, n = popcount(Param2)) |
// 1.3 with MultiKeyConn: KeyPairID[n] | CertificateInfo[n] | KeyUsageMask[n]
// (u16).
struct Digests {
  uint8_t version = kVersion12;
  uint8_t supported_slot_mask = 0;  // 1.3, else 0
  uint8_t provisioned_slot_mask = 0;
  std::vector<ByteSpan> digests;  // one per set bit, lowest slot first
  // 1.3 multi-key arrays (present iff NegotiatedParams::multi_key_conn).
  ByteSpan key_pair_ids;       // n bytes
  ByteSpan certificate_infos;  // n bytes
  ByteSpan key_usage_masks;    // 2n bytes (u16 LE each)
};

// kTrailingData after the 4 bytes.
Result<GetDigests> ParseGetDigests(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeGetDigests(const GetDigests& m);

// Needs negotiated.hash_size (kInvalidArgument if 0). kTruncated if digests or
// arrays run past the end; kTrailingData after them.
Result<Digests> ParseDigests(ByteSpan msg, const ParseParams& p);
// kInvalidArgument if the digest count differs from popcount(mask), digests
// differ in size, or the multi-key arrays do not match n.
Result<Bytes> SerializeDigests(const Digests& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_DIGESTS_H_
