// Text encodings of bytes: hex, base64 and base64url (RFC 4648).
#ifndef CCGPU_BASE_ENCODING_H_
#define CCGPU_BASE_ENCODING_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ccgpu {

// Lowercase hex, two characters per byte.
std::string HexEncode(std::span<const uint8_t> data);
// Decodes hex (either case). kInvalidHex on an odd length or any character
// that is not a hex digit (whitespace included: trim first if the source
// may carry it).
Result<std::vector<uint8_t>> HexDecode(std::string_view text);

// Standard base64 with '=' padding.
std::string Base64Encode(std::span<const uint8_t> data);
// Accepts standard base64, padded or not; kInvalidBase64 on any other
// character, bad padding or non-zero trailing bits.
Result<std::vector<uint8_t>> Base64Decode(std::string_view text);
// base64url without padding (JWT/JWS, RFC 7515 §2).
std::string Base64UrlEncode(std::span<const uint8_t> data);
Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view text);

// `text` without leading and trailing ASCII whitespace.
std::string_view TrimAsciiWhitespace(std::string_view text);

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};  // NOLINT: char->byte view
}

}  // namespace ccgpu

#endif  // CCGPU_BASE_ENCODING_H_
