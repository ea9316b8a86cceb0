#include "base/encoding.h"

#include <array>

namespace ccgpu {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kB64Std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string B64Encode(std::span<const uint8_t> data, const char* alphabet,
                      bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) |
                       data[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t{data[i]} << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

Result<std::vector<uint8_t>> B64Decode(std::string_view text,
                                       const char* alphabet, bool allow_pad) {
  std::array<int, 256> value;
  value.fill(-1);
  for (int i = 0; i < 64; ++i) {
    value[static_cast<unsigned char>(alphabet[i])] = i;
  }
  std::size_t n = text.size();
  std::size_t padding = 0;
  if (allow_pad && n % 4 == 0 && n > 0) {
    while (padding < 2 && text[n - 1 - padding] == '=') ++padding;
  }
  n -= padding;
  if (n % 4 == 1) return Fail(Errc::kInvalidBase64, "base64: impossible length");
  if (padding > 0 && (n + padding) % 4 != 0) {
    return Fail(Errc::kInvalidBase64, "base64: bad padding");
  }
  std::vector<uint8_t> out;
  out.reserve(n * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const int v = value[static_cast<unsigned char>(text[i])];
    if (v < 0) return Fail(Errc::kInvalidBase64, "base64: invalid character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return Fail(Errc::kInvalidBase64, "base64: non-zero trailing bits");
  return out;
}

}  // namespace

std::string HexEncode(std::span<const uint8_t> data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 15];
  }
  return out;
}

Result<std::vector<uint8_t>> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return Fail(Errc::kInvalidHex, "hex: odd number of digits");
  std::vector<uint8_t> out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(text[2 * i]);
    const int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return Fail(Errc::kInvalidHex, "hex: not a hex digit");
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string Base64Encode(std::span<const uint8_t> data) {
  return B64Encode(data, kB64Std, true);
}
Result<std::vector<uint8_t>> Base64Decode(std::string_view text) {
  return B64Decode(text, kB64Std, true);
}
std::string Base64UrlEncode(std::span<const uint8_t> data) {
  return B64Encode(data, kB64Url, false);
}
Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view text) {
  return B64Decode(text, kB64Url, false);
}

std::string_view TrimAsciiWhitespace(std::string_view text) {
  constexpr std::string_view kWs = " \t\r\n\v\f";
  const auto begin = text.find_first_not_of(kWs);
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(kWs);
  return text.substr(begin, end - begin + 1);
}

}  // namespace ccgpu
