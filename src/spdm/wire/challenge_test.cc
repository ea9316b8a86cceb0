#include "spdm/wire/challenge.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::P384;
using testing::Patched;

Bytes Fill(std::size_t n, uint8_t base) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(base + i);
  return b;
}

Bytes ChallengeMsg(uint8_t version) {
  Bytes m = {version, 0x83, 0x00, 0xFF};
  Bytes nonce = Fill(32, 1);
  m.insert(m.end(), nonce.begin(), nonce.end());
  if (version >= kVersion13) {
    Bytes ctx = Fill(8, 0x80);
    m.insert(m.end(), ctx.begin(), ctx.end());
  }
  return m;
}

TEST(Challenge, RoundTripsEachVersion) {
  for (uint8_t v : {kVersion11, kVersion12, kVersion13}) {
    Bytes msg = ChallengeMsg(v);
    EXPECT_EQ(msg.size(), v >= kVersion13 ? 44u : 36u);
    CheckCodec(msg, {}, ParseChallenge, SerializeChallenge);
  }
  auto m = ParseChallenge(ChallengeMsg(kVersion13), {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->meas_summary_hash_type, kMeasSummaryHashAll);
  EXPECT_EQ(m->requester_context[0], 0x80);
}

TEST(Challenge, RequesterContextOnlyIn13) {
  Bytes msg13 = ChallengeMsg(kVersion13);
  msg13[0] = kVersion12;
  EXPECT_ERRC(ParseChallenge(msg13, {}), Errc::kTrailingData);
  Bytes msg12 = ChallengeMsg(kVersion12);
  msg12[0] = kVersion13;
  EXPECT_ERRC(ParseChallenge(msg12, {}), Errc::kTruncated);
}

// CHALLENGE_AUTH as observed: 230 B = 4 + 48 + 32 + 48 + 2 + 96 (with the
// measurement summary hash) plus opaque data.
Bytes ChallengeAuthMsg(uint8_t version, bool summary, std::size_t opaque) {
  Bytes m = {version, 0x03, 0x00, 0x01};
  auto add = [&](const Bytes& b) { m.insert(m.end(), b.begin(), b.end()); };
  add(Fill(48, 0x10));
  add(Fill(32, 0x40));
  if (summary) add(Fill(48, 0x60));
  m.push_back(static_cast<uint8_t>(opaque));
  m.push_back(static_cast<uint8_t>(opaque >> 8));
  add(Fill(opaque, 0x90));
  if (version >= kVersion13) add(Fill(8, 0xA0));
  add(Fill(96, 0xC0));
  return m;
}

TEST(ChallengeAuth, RoundTripsWithAndWithoutSummaryHash) {
  for (uint8_t v : {kVersion11, kVersion12, kVersion13}) {
    for (bool summary : {false, true}) {
      ParseParams p = P384(v);
      p.measurement_summary_hash = summary;
      Bytes msg = ChallengeAuthMsg(v, summary, 6);
      CheckCodec(msg, p, ParseChallengeAuth, SerializeChallengeAuth);
    }
  }
  ParseParams p = P384(kVersion12);
  p.measurement_summary_hash = true;
  EXPECT_EQ(ChallengeAuthMsg(kVersion12, true, 0).size(), 230u);
  const Bytes msg =
      ChallengeAuthMsg(kVersion12, true, 0);  // outlives m's spans
  auto m = ParseChallengeAuth(msg, p);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->measurement_summary_hash[0], 0x60);
  EXPECT_EQ(m->signature[0], 0xC0);
}

TEST(ChallengeAuth, SummaryHashPresenceIsAParameter) {
  ParseParams p = P384(kVersion12);
  // The wrong parameter reads the hash bytes as OpaqueDataLength (0x6160,
  // above the 1024 limit) or the length as hash bytes.
  EXPECT_ERRC(ParseChallengeAuth(ChallengeAuthMsg(kVersion12, true, 0), p),
              Errc::kMalformed);
  p.measurement_summary_hash = true;
  EXPECT_FALSE(ParseChallengeAuth(ChallengeAuthMsg(kVersion12, false, 0), p));
  EXPECT_TRUE(ParseChallengeAuth(ChallengeAuthMsg(kVersion12, true, 0), p));
}

TEST(ChallengeAuth, OpaqueLengthTooLongShortOrAboveLimit) {
  ParseParams p = P384(kVersion12);
  Bytes msg = ChallengeAuthMsg(kVersion12, false, 6);
  const std::size_t at = 4 + 48 + 32;
  EXPECT_ERRC(ParseChallengeAuth(Patched(msg, at, 2, 7), p), Errc::kTruncated);
  EXPECT_ERRC(ParseChallengeAuth(Patched(msg, at, 2, 5), p),
              Errc::kTrailingData);
  EXPECT_ERRC(ParseChallengeAuth(Patched(msg, at, 2, 1025), p),
              Errc::kMalformed);
}

TEST(ChallengeAuth, NeedsNegotiatedSizes) {
  ParseParams p = P384(kVersion12);
  p.negotiated.signature_size = 0;
  EXPECT_ERRC(ParseChallengeAuth(ChallengeAuthMsg(kVersion12, false, 0), p),
              Errc::kInvalidArgument);
}

TEST(ChallengeAuth, SerializeRejectsOversizedOpaque) {
  ChallengeAuth m;
  Bytes big(1025, 0);
  m.opaque_data = big;
  EXPECT_ERRC(SerializeChallengeAuth(m), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
