// KEY_EXCHANGE / KEY_EXCHANGE_RSP codecs (DSP0274 1.2 §10.15; SessionPolicy
// from 1.2). Borrowed: spans point into the input.
#ifndef CCGPU_SPDM_WIRE_KEY_EXCHANGE_H_
#define CCGPU_SPDM_WIRE_KEY_EXCHANGE_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// SessionPolicy bits (1.2+).
inline constexpr uint8_t kSessionPolicyTermination = 0x01;
inline constexpr uint8_t kSessionPolicyEventAll = 0x02;  // 1.3
// MutAuthRequested bits (KEY_EXCHANGE_RSP).
inline constexpr uint8_t kMutAuthRequested = 0x01;
inline constexpr uint8_t kMutAuthWithEncapRequest = 0x02;
inline constexpr uint8_t kMutAuthWithGetDigests = 0x04;

// KEY_EXCHANGE: header(Param1 MeasurementSummaryHashType, Param2 SlotID) |
// ReqSessionID u16 | SessionPolicy u8 (1.2+, reserved in 1.1) | Reserved u8 |
// RandomData(32) | ExchangeData(D) | OpaqueDataLength u16 | OpaqueData.
struct KeyExchange {
  uint8_t version = kVersion12;
  uint8_t meas_summary_hash_type = 0;
  uint8_t slot_id = 0;
  uint16_t req_session_id = 0;
  uint8_t session_policy = 0;  // 1.2+, else 0
  RandomData random_data{};
  ByteSpan exchange_data;
  ByteSpan opaque_data;
};

// KEY_EXCHANGE_RSP: header(Param1 HeartbeatPeriod, Param2 reserved) |
// RspSessionID u16 | MutAuthRequested u8 | ReqSlotIDParam u8 | RandomData(32) |
// ExchangeData(D) | MeasurementSummaryHash(0 or H) | OpaqueDataLength u16 |
// OpaqueData | Signature(S) | ResponderVerifyData(H, absent when the handshake
// is in the clear).
struct KeyExchangeRsp {
  uint8_t version = kVersion12;
  uint8_t heartbeat_period = 0;
  uint16_t rsp_session_id = 0;
  uint8_t mut_auth_requested = 0;
  uint8_t req_slot_id_param = 0;
  RandomData random_data{};
  ByteSpan exchange_data;
  ByteSpan measurement_summary_hash;  // empty when not requested
  ByteSpan opaque_data;
  ByteSpan signature;
  ByteSpan responder_verify_data;  // empty when in the clear
};

// Needs negotiated.dhe_size. kUnsupported for 1.0. OpaqueDataLength too long:
// kTruncated, too short: kTrailingData, > 1024: kMalformed.
Result<KeyExchange> ParseKeyExchange(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeKeyExchange(const KeyExchange& m);

// Needs dhe_size, hash_size and signature_size; MeasurementSummaryHash iff
// p.measurement_summary_hash; ResponderVerifyData unless
// negotiated.handshake_in_the_clear.
Result<KeyExchangeRsp> ParseKeyExchangeRsp(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeKeyExchangeRsp(const KeyExchangeRsp& m);

// Bytes of a KEY_EXCHANGE_RSP before its Signature and before its
// ResponderVerifyData (for the TH transcripts), computed from a parsed message.
std::size_t KeyExchangeRspSignedSize(const KeyExchangeRsp& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_KEY_EXCHANGE_H_
