// CHALLENGE / CHALLENGE_AUTH codecs (DSP0274 1.2 §10.9; 1.3 RequesterContext).
// Borrowed: hash, opaque and signature spans point into the input.
#ifndef CCGPU_SPDM_WIRE_CHALLENGE_H_
#define CCGPU_SPDM_WIRE_CHALLENGE_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// MeasurementSummaryHashType (CHALLENGE Param2, KEY_EXCHANGE Param1).
inline constexpr uint8_t kMeasSummaryHashNone = 0x00;
inline constexpr uint8_t kMeasSummaryHashTcb = 0x01;
inline constexpr uint8_t kMeasSummaryHashAll = 0xFF;

// CHALLENGE: header(Param1 SlotID (0..7, 0xFF = provisioned public key),
// Param2 MeasurementSummaryHashType) | Nonce(32) | [1.3 RequesterContext(8)].
struct Challenge {
  uint8_t version = kVersion12;
  uint8_t slot_id = 0;
  uint8_t meas_summary_hash_type = kMeasSummaryHashNone;
  Nonce nonce{};
  RequesterContext requester_context{};  // 1.3 only
};

// CHALLENGE_AUTH: header(Param1 = ResponseAttribute: bits 3:0 SlotID, bit 7
// BasicMutAuthReq (1.1); Param2 = SlotMask) | CertChainHash(H) | Nonce(32) |
// MeasurementSummaryHash(0 or H) | OpaqueDataLength u16 | OpaqueData |
// [1.3 RequesterContext(8)] | Signature(S).
struct ChallengeAuth {
  uint8_t version = kVersion12;
  uint8_t response_attribute = 0;  // Param1 as sent (SlotID in bits 3:0)
  uint8_t slot_mask = 0;
  ByteSpan cert_chain_hash;
  Nonce nonce{};
  ByteSpan measurement_summary_hash;  // empty when not requested
  ByteSpan opaque_data;
  RequesterContext requester_context{};  // 1.3 only
  ByteSpan signature;
};

// kTrailingData after 36 (1.1/1.2) or 44 (1.3) bytes; kTruncated before.
Result<Challenge> ParseChallenge(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeChallenge(const Challenge& m);

// Needs negotiated.hash_size and signature_size; MeasurementSummaryHash is
// present iff p.measurement_summary_hash. OpaqueDataLength > 1024: kMalformed;
// a length that runs into the signature leaves too few bytes: kTruncated;
// a short one leaves kTrailingData.
Result<ChallengeAuth> ParseChallengeAuth(ByteSpan msg, const ParseParams& p);
// kInvalidArgument if opaque data exceeds 1024 bytes.
Result<Bytes> SerializeChallengeAuth(const ChallengeAuth& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_CHALLENGE_H_
