// Test helpers for spdm_wire_test: hex, KAT files, and the generic codec checks
// (round trip both ways, truncation at every length, trailing data, padding).
#ifndef CCGPU_SPDM_WIRE_WIRE_TEST_UTIL_H_
#define CCGPU_SPDM_WIRE_WIRE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire::testing {

Bytes Hex(std::string_view hex);
// name -> bytes for every hex line of a KAT file under
// tests/data/third_party/spdm.
std::map<std::string, Bytes> LoadKat(const std::string& file);
// The whole hex text file under tests/data (whitespace trimmed).
Bytes LoadHexFile(const std::string& relative);
// Cuts `all` into consecutive pieces of the given sizes (must cover it all).
std::vector<Bytes> Split(const Bytes& all,
                         const std::vector<std::size_t>& sizes);
// Writes `value` little-endian into msg[offset, offset+width).
Bytes Patched(Bytes msg, std::size_t offset, std::size_t width, uint64_t value);

// The messages of a captured VCA stream (requests and responses
// alternating, as the KAT files hold it), cut by the lengths the messages
// carry; `rest` is what follows ALGORITHMS (1.3 multi-key: DIGESTS).
struct CapturedVca {
  Bytes get_version, version, get_capabilities, capabilities, negotiate_algorithms, algorithms, rest;
};
CapturedVca SplitCapturedVca(const Bytes& vca, uint8_t spdm_version);

// Parameters for P-384 / SHA-384 / secp384r1 at `version`.
ParseParams P384(uint8_t version = kVersion12);

// Runs the generic checks on one valid message `msg`:
//  * parse succeeds; serialise(parse(msg)) == msg; parse∘serialise is stable;
//  * every strict prefix → kTruncated (exact-size copies);
//  * one extra byte → kTrailingData; with allow_dword_padding, zero padding to
//    a DWORD is accepted and anything else still rejected.
template <typename ParseFn, typename SerializeFn>
void CheckCodec(const Bytes& msg, const ParseParams& p, ParseFn parse,
                SerializeFn serialize, bool check_trailing = true) {
  auto m = parse(ByteSpan(msg), p);
  ASSERT_TRUE(m) << m.error().ToString();
  auto out = serialize(*m);
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(*out, msg) << "serialise(parse(msg)) != msg";
  auto m2 = parse(ByteSpan(*out), p);
  ASSERT_TRUE(m2) << m2.error().ToString();
  auto out2 = serialize(*m2);
  ASSERT_TRUE(out2);
  EXPECT_EQ(*out2, *out) << "parse∘serialise not stable";
  for (std::size_t n = 0; n < msg.size(); ++n) {
    Bytes prefix(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(n));
    auto t = parse(ByteSpan(prefix), p);
    ASSERT_FALSE(t) << "prefix of " << n << " bytes parsed";
    EXPECT_EQ(t.error().code, Errc::kTruncated)
        << "prefix " << n << ": " << t.error().ToString();
  }
  if (!check_trailing) return;
  Bytes longer = msg;
  longer.push_back(0);
  auto t = parse(ByteSpan(longer), p);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::kTrailingData) << t.error().ToString();
  // DOE padding: zeros up to a DWORD boundary are accepted only when allowed.
  ParseParams padded = p;
  padded.allow_dword_padding = true;
  Bytes pad = msg;
  while (pad.size() % 4 != 0) pad.push_back(0);
  if (pad.size() != msg.size()) {
    auto ok = parse(ByteSpan(pad), padded);
    EXPECT_TRUE(ok) << "zero DWORD padding rejected";
    auto strict = parse(ByteSpan(pad), p);
    EXPECT_FALSE(strict) << "padding accepted without allow_dword_padding";
    pad.back() = 1;
    auto bad = parse(ByteSpan(pad), padded);
    ASSERT_FALSE(bad) << "non-zero padding accepted";
    EXPECT_EQ(bad.error().code, Errc::kTrailingData);
  }
  Bytes four_more = msg;
  four_more.insert(four_more.end(), {0, 0, 0, 0});
  auto too_much = parse(ByteSpan(four_more), padded);
  ASSERT_FALSE(too_much) << "4 bytes of padding accepted";
  EXPECT_EQ(too_much.error().code, Errc::kTrailingData);
}

// Expects `r` to fail with `code`.
#define EXPECT_ERRC(expr, errc)                                              \
  do {                                                                       \
    auto ccgpu_r_ = (expr);                                                  \
    ASSERT_FALSE(ccgpu_r_) << #expr " unexpectedly succeeded";               \
    EXPECT_EQ(ccgpu_r_.error().code, (errc)) << ccgpu_r_.error().ToString(); \
  } while (false)

}  // namespace ccgpu::spdm::wire::testing

#endif  // CCGPU_SPDM_WIRE_WIRE_TEST_UTIL_H_
