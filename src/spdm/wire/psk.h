// PSK_EXCHANGE / PSK_EXCHANGE_RSP / PSK_FINISH / PSK_FINISH_RSP codecs
// (DSP0274 1.2 §10.17-10.18, from 1.1; SessionPolicy from 1.2). Borrowed:
// spans point into the input. A PSK session is keyed by a pre-shared key the
// PSKHint names instead of by ECDHE and a certificate, so nothing is signed:
// both sides prove knowledge of the PSK by their VerifyData.
#ifndef CCGPU_SPDM_WIRE_PSK_H_
#define CCGPU_SPDM_WIRE_PSK_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// PSK_EXCHANGE: header(Param1 MeasurementSummaryHashType, Param2
// SessionPolicy from 1.2, reserved in 1.1) | ReqSessionID u16 |
// PSKHintLength u16 (P) | RequesterContextLength u16 (R) | OpaqueDataLength
// u16 | PSKHint(P) | RequesterContext(R) | OpaqueData.
struct PskExchange {
  uint8_t version = kVersion12;
  uint8_t meas_summary_hash_type = 0;
  uint8_t session_policy = 0;  // 1.2+, else 0
  uint16_t req_session_id = 0;
  ByteSpan psk_hint;
  ByteSpan requester_context;
  ByteSpan opaque_data;
};

// PSK_EXCHANGE_RSP: header(Param1 HeartbeatPeriod, Param2 reserved) |
// RspSessionID u16 | Reserved u16 | ResponderContextLength u16 (Q) |
// OpaqueDataLength u16 | MeasurementSummaryHash(0 or H) |
// ResponderContext(Q) | OpaqueData | ResponderVerifyData(H).
struct PskExchangeRsp {
  uint8_t version = kVersion12;
  uint8_t heartbeat_period = 0;
  uint16_t rsp_session_id = 0;
  ByteSpan measurement_summary_hash;  // empty when not requested
  ByteSpan responder_context;         // empty: PSK_CAP without context
  ByteSpan opaque_data;
  ByteSpan responder_verify_data;
};

// PSK_FINISH: header(reserved, reserved) | RequesterVerifyData(H). Sent in
// the session, under the handshake keys, only when the responder supports
// PSK_CAP with context.
struct PskFinish {
  uint8_t version = kVersion12;
  ByteSpan requester_verify_data;
};

// PSK_FINISH_RSP: the 4-byte header only.
struct PskFinishRsp {
  uint8_t version = kVersion12;
};

// Length fields that overrun the message: kTruncated; bytes after
// OpaqueData: kTrailingData; OpaqueDataLength > 1024: kMalformed. kUnsupported
// for 1.0.
Result<PskExchange> ParsePskExchange(ByteSpan msg, const ParseParams& p);
// kInvalidArgument if a field exceeds its 16-bit length or the opaque data
// 1024 bytes.
Result<Bytes> SerializePskExchange(const PskExchange& m);

// Needs hash_size; MeasurementSummaryHash iff p.measurement_summary_hash.
Result<PskExchangeRsp> ParsePskExchangeRsp(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializePskExchangeRsp(const PskExchangeRsp& m);

// Needs hash_size.
Result<PskFinish> ParsePskFinish(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializePskFinish(const PskFinish& m);

Result<PskFinishRsp> ParsePskFinishRsp(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializePskFinishRsp(const PskFinishRsp& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_PSK_H_
