// ERROR response and RESPOND_IF_READY request codecs (DSP0274 1.2 §10.12,
// §10.13). Borrowed: extended error data points into the input.
#ifndef CCGPU_SPDM_WIRE_ERROR_H_
#define CCGPU_SPDM_WIRE_ERROR_H_

#include <optional>

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// ErrorCode (Param1), DSP0274 1.2 §10.12 Table "Error code and error data".
enum class ErrorCode : uint8_t {
  kInvalidRequest = 0x01,
  kBusy = 0x03,
  kUnexpectedRequest = 0x04,
  kUnspecified = 0x05,
  kDecryptError = 0x06,
  kUnsupportedRequest = 0x07,
  kRequestInFlight = 0x08,
  kInvalidResponseCode = 0x09,
  kSessionLimitExceeded = 0x0A,
  kSessionRequired = 0x0B,
  kResetRequired = 0x0C,
  kResponseTooLarge = 0x0D,
  kRequestTooLarge = 0x0E,
  kLargeResponse = 0x0F,
  kMessageLost = 0x10,
  kInvalidPolicy = 0x11,  // 1.3
  kVersionMismatch = 0x41,
  kResponseNotReady = 0x42,
  kRequestResynch = 0x43,
  kOperationFailed = 0x44,  // 1.3
  kVendorDefined = 0xFF,
};

// DSP0274 1.2: ExtendedErrorData is at most 32 bytes.
inline constexpr std::size_t kMaxExtendedErrorData = 32;

// ExtendedErrorData of ResponseNotReady: RDTExponent | RequestCode | Token |
// RDTM. The requester retries with RESPOND_IF_READY after 2^RDTExponent µs
// (up to RDTM times that).
struct ResponseNotReadyData {
  uint8_t rdt_exponent = 0;
  uint8_t request_code = 0;
  uint8_t token = 0;
  uint8_t rdtm = 0;
};

// ERROR: header(Param1 ErrorCode, Param2 ErrorData) | ExtendedErrorData(0..32).
struct ErrorResponse {
  uint8_t version = kVersion12;
  ErrorCode error_code = ErrorCode::kUnspecified;
  uint8_t error_data = 0;
  // Set iff error_code is ResponseNotReady (then extended_error_data is empty).
  std::optional<ResponseNotReadyData> response_not_ready;
  // Raw ExtendedErrorData for every other code (vendor: Len | VendorID | data;
  // LargeResponse: Handle).
  ByteSpan extended_error_data;
};

// ERROR may carry any SPDMVersion 0x10..0x13 (a peer answers a bad version
// with its own); NegotiatedParams::version is not enforced. ResponseNotReady:
// kTruncated under 4 extended bytes, kTrailingData over. Other codes:
// kTrailingData for more than 32 extended bytes.
Result<ErrorResponse> ParseError(ByteSpan msg, const ParseParams& p);
// kInvalidArgument if ResponseNotReady lacks its data or carries extra bytes,
// or extended data exceeds 32 bytes.
Result<Bytes> SerializeError(const ErrorResponse& m);

// RESPOND_IF_READY: header(Param1 RequestCode of the original request, Param2
// Token from ResponseNotReady).
struct RespondIfReady {
  uint8_t version = kVersion12;
  uint8_t request_code = 0;
  uint8_t token = 0;
};

// kTrailingData after the 4 bytes.
Result<RespondIfReady> ParseRespondIfReady(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeRespondIfReady(const RespondIfReady& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_ERROR_H_
