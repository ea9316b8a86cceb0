// AeadPrimitive and SealingContext behaviour: round trips, argument checks,
// every-bit tampering, counter exhaustion and nonce layouts.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/aead.h"
#include "crypto/gcm_single_fetch.h"

namespace ccgpu::crypto {
namespace {

Bytes H(std::string_view hex) { return HexDecode(hex).value(); }
Bytes Pattern(std::size_t n, uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + 31 * i);
  return b;
}
SecretBytes Key(uint8_t seed) { return SecretBytes::CopyOf(Pattern(32, seed)); }
const Bytes kMask = H("a0a1a2a3a4a5a6a7a8a9aaab");

class AeadTest : public ::testing::TestWithParam<AeadAlg> {};

// Shared-memory tests run each way crypto handles shared memory: the
// single-fetch implementation (AES-GCM on a VAES CPU) and OpenSSL on private
// copies (every other case; forced here by turning the first off).
class SingleFetchOff {
 public:
  explicit SingleFetchOff(bool off) : off_(off) {
    if (off_) internal::GcmSingleFetch::SetEnabledForTesting(false);
  }
  ~SingleFetchOff() {
    if (off_) internal::GcmSingleFetch::SetEnabledForTesting(true);
  }
  SingleFetchOff(const SingleFetchOff&) = delete;
  SingleFetchOff& operator=(const SingleFetchOff&) = delete;

 private:
  bool off_;
};
constexpr bool kBothSharedPaths[] = {false, true};

TEST_P(AeadTest, RoundTripsAtManyLengths) {
  auto aead = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  const Bytes nonce = Pattern(12, 2), aad = Pattern(13, 3);
  for (std::size_t n : {0, 1, 15, 16, 17, 63, 64, 65, 1000, 4097}) {
    const Bytes pt = Pattern(n, 4);
    Bytes sealed(n + kAeadTagSize);
    ASSERT_TRUE(aead.Seal(nonce, aad, pt, sealed)) << n;
    if (n > 0) {
      EXPECT_NE(Bytes(sealed.begin(), sealed.begin() + static_cast<long>(n)), pt);
    }
    Bytes opened(n);
    ASSERT_TRUE(aead.Open(nonce, aad, sealed, opened)) << n;
    EXPECT_EQ(opened, pt) << n;
  }
}

TEST_P(AeadTest, EachDirectionIsKeyedOnFirstUseInEitherOrder) {
  // The resident contexts are keyed lazily: an object that only opens (a
  // receive direction) must open what another object with the key sealed,
  // and then seal too; a wrong-key object still fails.
  const Bytes nonce = Pattern(12, 2), aad = Pattern(7, 3), pt = Pattern(40, 4);
  auto sender = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  auto receiver = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  auto other = AeadPrimitive::Create(GetParam(), Pattern(32, 9)).value();
  Bytes sealed(pt.size() + kAeadTagSize), opened(pt.size());
  ASSERT_TRUE(sender.Seal(nonce, aad, pt, sealed));
  EXPECT_EQ(other.Open(nonce, aad, sealed, opened).error().code, Errc::kAuthFailed);
  ASSERT_TRUE(receiver.Open(nonce, aad, sealed, opened));
  EXPECT_EQ(opened, pt);
  Bytes again(pt.size() + kAeadTagSize);
  ASSERT_TRUE(receiver.Seal(nonce, aad, pt, again));
  EXPECT_EQ(again, sealed);  // same key, nonce and input: same record
  Bytes mine(pt.size() + kAeadTagSize);
  ASSERT_TRUE(other.Seal(nonce, aad, pt, mine));
  EXPECT_NE(mine, sealed);
}

TEST_P(AeadTest, InPlaceWorksAndPartialOverlapIsRefused) {
  auto aead = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  const Bytes nonce = Pattern(12, 2), pt = Pattern(100, 5);
  Bytes buf = pt;
  buf.resize(pt.size() + kAeadTagSize);
  ASSERT_TRUE(aead.Seal(nonce, {}, ByteSpan(buf).first(pt.size()), buf));
  Bytes expected(pt.size() + kAeadTagSize);
  ASSERT_TRUE(aead.Seal(nonce, {}, pt, expected));
  EXPECT_EQ(buf, expected);
  ASSERT_TRUE(aead.Open(nonce, {}, buf, std::span(buf).first(pt.size())));
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + 100), pt);
  Bytes big(200);
  auto st = aead.Seal(nonce, {}, ByteSpan(big).subspan(1, 50), std::span(big).first(66));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kInvalidArgument);
}

TEST_P(AeadTest, RefusesBadArguments) {
  EXPECT_EQ(AeadPrimitive::Create(GetParam(), Pattern(31, 1)).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(AeadPrimitive::Create(GetParam(), Pattern(16, 1)).error().code,
            Errc::kInvalidArgument);
  auto aead = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  Bytes out(20);
  EXPECT_EQ(aead.Seal(Pattern(11, 0), {}, Pattern(4, 0), out).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(aead.Seal(Pattern(12, 0), {}, Pattern(5, 0), out).error().code,
            Errc::kInvalidArgument);
  Bytes small(3);
  EXPECT_EQ(aead.Open(Pattern(12, 0), {}, Pattern(15, 0), small).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(aead.Open(Pattern(12, 0), {}, Pattern(20, 0), small).error().code,
            Errc::kInvalidArgument);
}

TEST_P(AeadTest, WrongKeyOrNonceFailsAuthentication) {
  auto a = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  auto b = AeadPrimitive::Create(GetParam(), Pattern(32, 9)).value();
  const Bytes pt = Pattern(40, 1);
  Bytes sealed(56), out(40);
  ASSERT_TRUE(a.Seal(Pattern(12, 0), {}, pt, sealed));
  EXPECT_EQ(b.Open(Pattern(12, 0), {}, sealed, out).error().code, Errc::kAuthFailed);
  EXPECT_EQ(a.Open(Pattern(12, 1), {}, sealed, out).error().code, Errc::kAuthFailed);
  EXPECT_EQ(out, Bytes(40, 0));
}

// Every single-bit change of ciphertext, tag or AAD fails, and the output
// buffer (pre-filled with a marker) then holds only zeros.
TEST_P(AeadTest, SealingContextRejectsEveryBitFlipAndReleasesNoPlaintext) {
  for (CounterLayout layout : {CounterLayout::kLittleEndianLeft, CounterLayout::kBigEndianRight}) {
    auto ctx = SealingContext::Create(GetParam(), Key(7), kMask, layout).value();
    const Bytes pt = Pattern(48, 9), aad = Pattern(20, 1);
    uint64_t seq = 99;
    Bytes sealed = ctx.Seal(aad, pt, &seq).value();
    ASSERT_EQ(seq, 0u);
    ASSERT_EQ(sealed.size(), pt.size() + kAeadTagSize);
    Bytes out(pt.size(), 0x5A);
    ASSERT_TRUE(ctx.Open(seq, aad, sealed, out));
    ASSERT_EQ(out, pt);
    auto expect_refused = [&](const Bytes& a, const Bytes& s, const char* what, std::size_t bit) {
      Bytes o(pt.size(), 0x5A);
      auto st = ctx.Open(seq, a, s, o);
      ASSERT_FALSE(st) << what << " bit " << bit;
      EXPECT_EQ(st.error().code, Errc::kAuthFailed) << what << " bit " << bit;
      EXPECT_TRUE(std::all_of(o.begin(), o.end(), [](uint8_t c) { return c == 0; }))
          << what << " bit " << bit << ": output not wiped";
    };
    for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
      Bytes bad = sealed;
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      expect_refused(aad, bad, bit < pt.size() * 8 ? "ciphertext" : "tag", bit);
    }
    for (std::size_t bit = 0; bit < aad.size() * 8; ++bit) {
      Bytes bad = aad;
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      expect_refused(bad, sealed, "aad", bit);
    }
    // Truncated or extended records, and the wrong sequence number, fail too.
    for (std::size_t len = kAeadTagSize; len < sealed.size(); ++len) {
      auto st = ctx.Open(seq, aad, ByteSpan(sealed).first(len));
      ASSERT_FALSE(st) << len;
      EXPECT_EQ(st.error().code, Errc::kAuthFailed) << len;
    }
    EXPECT_EQ(ctx.Open(seq, aad, ByteSpan(sealed).first(kAeadTagSize - 1)).error().code,
              Errc::kInvalidArgument);
    Bytes longer = sealed;
    longer.push_back(0);
    Bytes o(longer.size() - kAeadTagSize);
    EXPECT_EQ(ctx.Open(seq, aad, longer, o).error().code, Errc::kAuthFailed);
    EXPECT_EQ(ctx.Open(seq + 1, aad, sealed).error().code, Errc::kAuthFailed);
  }
}

TEST_P(AeadTest, SealingContextStopsAtItsLimitAndNeverWraps) {
  auto ctx = SealingContext::Create(GetParam(), Key(3), kMask, CounterLayout::kBigEndianRight,
                                    /*limit=*/3)
                 .value();
  std::vector<Bytes> records;
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ctx.next_sequence(), i);
    uint64_t seq = 99;
    records.push_back(ctx.Seal({}, Pattern(10, static_cast<uint8_t>(i)), &seq).value());
    EXPECT_EQ(seq, i);
  }
  for (int again = 0; again < 3; ++again) {
    auto more = ctx.Seal({}, Pattern(10, 0));
    ASSERT_FALSE(more);
    EXPECT_EQ(more.error().code, Errc::kNonceExhausted);
    Bytes out(26);
    auto more_span = ctx.Seal({}, Pattern(10, 0), out);
    ASSERT_FALSE(more_span);
    EXPECT_EQ(more_span.error().code, Errc::kNonceExhausted);
  }
  EXPECT_EQ(ctx.next_sequence(), 3u);
  for (uint64_t i = 0; i < 3; ++i) {
    auto opened = ctx.Open(i, {}, records[i]);
    ASSERT_TRUE(opened) << i;
    EXPECT_EQ(Bytes(opened->reveal().begin(), opened->reveal().end()),
              Pattern(10, static_cast<uint8_t>(i)));
  }
  EXPECT_EQ(ctx.Open(3, {}, records[0]).error().code, Errc::kNonceExhausted);
  EXPECT_EQ(SealingContext::Create(GetParam(), Key(3), kMask, CounterLayout::kBigEndianRight, 0)
                .error()
                .code,
            Errc::kInvalidArgument);
}

TEST_P(AeadTest, SealingContextRefusesBadArgumentsWithoutConsumingANumber) {
  EXPECT_EQ(SealingContext::Create(GetParam(), Key(1), Pattern(8, 0),
                                   CounterLayout::kBigEndianRight)
                .error()
                .code,
            Errc::kInvalidArgument);
  EXPECT_EQ(SealingContext::Create(GetParam(), SecretBytes::CopyOf(Pattern(16, 0)), kMask,
                                   CounterLayout::kBigEndianRight)
                .error()
                .code,
            Errc::kInvalidArgument);
  auto ctx = SealingContext::Create(GetParam(), Key(1), kMask, CounterLayout::kBigEndianRight)
                 .value();
  Bytes wrong(5);
  EXPECT_EQ(ctx.Seal({}, Pattern(10, 0), wrong).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(ctx.next_sequence(), 0u);
}

// The nonce each layout produces, against a hand computation, and proof that
// SealingContext seals under exactly that nonce.
TEST_P(AeadTest, NonceLayoutsMatchHandComputation) {
  const uint64_t seq = 0x0102030405060708;
  // LE left: bytes 0..7 ^= 08 07 06 05 04 03 02 01; bytes 8..11 unchanged.
  //   a0^08=a8 a1^07=a6 a2^06=a4 a3^05=a6 a4^04=a0 a5^03=a6 a6^02=a4 a7^01=a6
  EXPECT_EQ(HexEncode(NonceForSequence(std::span<const uint8_t, 12>(kMask.data(), 12),
                                       CounterLayout::kLittleEndianLeft, seq)),
            "a8a6a4a6a0a6a4a6a8a9aaab");
  // BE right: bytes 4..11 ^= 01 02 03 04 05 06 07 08; bytes 0..3 unchanged.
  //   a4^01=a5 a5^02=a7 a6^03=a5 a7^04=a3 a8^05=ad a9^06=af aa^07=ad ab^08=a3
  EXPECT_EQ(HexEncode(NonceForSequence(std::span<const uint8_t, 12>(kMask.data(), 12),
                                       CounterLayout::kBigEndianRight, seq)),
            "a0a1a2a3a5a7a5a3adafada3");
  EXPECT_EQ(HexEncode(NonceForSequence(std::span<const uint8_t, 12>(kMask.data(), 12),
                                       CounterLayout::kBigEndianRight, 0)),
            HexEncode(kMask));
  EXPECT_EQ(HexEncode(NonceForSequence(std::span<const uint8_t, 12>(kMask.data(), 12),
                                       CounterLayout::kLittleEndianLeft, UINT64_MAX)),
            "5f5e5d5c5b5a5958a8a9aaab");

  // Records 0 and 1 of a context open under the hand-computed nonces.
  const struct {
    CounterLayout layout;
    const char* nonce1;
  } cases[] = {{CounterLayout::kLittleEndianLeft, "a1a1a2a3a4a5a6a7a8a9aaab"},
               {CounterLayout::kBigEndianRight, "a0a1a2a3a4a5a6a7a8a9aaaa"}};
  for (const auto& c : cases) {
    auto ctx = SealingContext::Create(GetParam(), Key(5), kMask, c.layout).value();
    auto prim = AeadPrimitive::Create(GetParam(), Key(5).reveal()).value();
    const Bytes pt = Pattern(33, 2);
    const Bytes r0 = ctx.Seal(AsBytes("hdr"), pt).value();
    const Bytes r1 = ctx.Seal(AsBytes("hdr"), pt).value();
    Bytes out(pt.size());
    ASSERT_TRUE(prim.Open(kMask, AsBytes("hdr"), r0, out));
    EXPECT_EQ(out, pt);
    ASSERT_TRUE(prim.Open(H(c.nonce1), AsBytes("hdr"), r1, out));
    EXPECT_EQ(out, pt);
    EXPECT_NE(r0, r1);
  }
}

TEST_P(AeadTest, ConcurrentSealsClaimDistinctNumbersAndAllOpen) {
  auto ctx = SealingContext::Create(GetParam(), Key(8), kMask, CounterLayout::kBigEndianRight)
                 .value();
  constexpr int kThreads = 4, kPerThread = 100;
  std::vector<std::vector<std::pair<uint64_t, Bytes>>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t seq = 0;
        auto r = ctx.Seal(AsBytes("aad"), Pattern(300, static_cast<uint8_t>(t)), &seq);
        if (r) got[static_cast<std::size_t>(t)].emplace_back(seq, std::move(*r));
        Bytes out(300);
        if (!got[static_cast<std::size_t>(t)].empty()) {
          const auto& last = got[static_cast<std::size_t>(t)].back();
          if (!ctx.Open(last.first, AsBytes("aad"), last.second, out)) {
            got[static_cast<std::size_t>(t)].clear();  // reported below as a count mismatch
            return;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> seqs;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(got[static_cast<std::size_t>(t)].size(), static_cast<std::size_t>(kPerThread));
    for (const auto& [seq, rec] : got[static_cast<std::size_t>(t)]) {
      seqs.insert(seq);
      auto opened = ctx.Open(seq, AsBytes("aad"), rec);
      ASSERT_TRUE(opened);
      EXPECT_EQ(Bytes(opened->reveal().begin(), opened->reveal().end()),
                Pattern(300, static_cast<uint8_t>(t)));
    }
  }
  EXPECT_EQ(seqs.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(*seqs.rbegin(), static_cast<uint64_t>(kThreads * kPerThread - 1));
  EXPECT_EQ(ctx.next_sequence(), static_cast<uint64_t>(kThreads * kPerThread));
}

TEST_P(AeadTest, MovedFromContextSealsAndOpensNothing) {
  auto a = SealingContext::Create(GetParam(), Key(2), kMask, CounterLayout::kBigEndianRight)
               .value();
  const Bytes rec = a.Seal({}, Pattern(5, 0)).value();
  SealingContext b = std::move(a);
  EXPECT_EQ(b.next_sequence(), 1u);
  EXPECT_TRUE(b.Open(0, {}, rec));
  EXPECT_FALSE(a.Seal({}, Pattern(5, 0)));  // NOLINT(bugprone-use-after-move): the point
  EXPECT_FALSE(a.Open(0, {}, rec));         // NOLINT(bugprone-use-after-move)
}

TEST_P(AeadTest, SharedInputOpensLikePrivateAcrossPieceBoundaries) {
  for (bool fallback : kBothSharedPaths) {
  SCOPED_TRACE(fallback ? "OpenSSL on private copies" : "default shared path");
  SingleFetchOff guard(fallback);
  auto aead = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  const Bytes nonce = Pattern(12, 2), aad = Pattern(13, 3);
  for (std::size_t n : {0, 1, 16383, 16384, 16385, 3 * 16384 + 7, 256 * 1024}) {
    const Bytes pt = Pattern(n, 6);
    Bytes sealed(n + kAeadTagSize);
    ASSERT_TRUE(aead.Seal(nonce, aad, pt, sealed)) << n;
    Bytes opened(n, 0xee);
    ASSERT_TRUE(aead.Open(nonce, aad, sealed, opened, InputSource::kShared)) << n;
    EXPECT_EQ(opened, pt) << n;
    if (n == 0) continue;
    // A flip in the last piece (after earlier pieces were already decrypted
    // into `out`) still fails and wipes everything.
    sealed[n - 1] ^= 0x01;
    Bytes bad(n, 0xee);
    auto st = aead.Open(nonce, aad, sealed, bad, InputSource::kShared);
    ASSERT_FALSE(st) << n;
    EXPECT_EQ(st.error().code, Errc::kAuthFailed);
    EXPECT_EQ(bad, Bytes(n, 0)) << n;
    // Sealing into shared memory gives the same record as sealing privately.
    Bytes to_shared(n + kAeadTagSize);
    ASSERT_TRUE(aead.Seal(nonce, aad, pt, to_shared, OutputSink::kShared)) << n;
    sealed[n - 1] ^= 0x01;
    EXPECT_EQ(to_shared, sealed) << n;
  }
  }
}

TEST_P(AeadTest, GatherSealEqualsSealOfTheConcatenation) {
  auto aead = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  const Bytes nonce = Pattern(12, 2), aad = Pattern(13, 3);
  const Bytes a = Pattern(4096, 1), b = Pattern(1, 2), c = Pattern(0, 3), d = Pattern(5000, 4);
  Bytes all = a;
  for (const Bytes* p : {&b, &c, &d}) all.insert(all.end(), p->begin(), p->end());
  Bytes expected(all.size() + kAeadTagSize), got(all.size() + kAeadTagSize);
  ASSERT_TRUE(aead.Seal(nonce, aad, all, expected));
  const ByteSpan pieces[] = {a, b, c, d};
  ASSERT_TRUE(aead.SealGather(nonce, aad, pieces, got));
  EXPECT_EQ(got, expected);
  // Wrong output size, and a piece inside the output, are refused.
  Bytes small(all.size() + kAeadTagSize - 1);
  EXPECT_EQ(aead.SealGather(nonce, aad, pieces, small).error().code, Errc::kInvalidArgument);
  const ByteSpan inside[] = {ByteSpan(got).first(10)};
  EXPECT_EQ(aead.SealGather(nonce, aad, inside, std::span(got).first(10 + kAeadTagSize)).error().code,
            Errc::kInvalidArgument);
  // Through a SealingContext: the record opens like any other.
  auto ctx = SealingContext::Create(GetParam(), Key(9), kMask, CounterLayout::kBigEndianRight).value();
  Bytes rec(all.size() + kAeadTagSize);
  const uint64_t seq = ctx.SealGather(aad, pieces, rec).value();
  const SecretBytes opened = ctx.Open(seq, aad, rec).value();
  EXPECT_EQ(Bytes(opened.reveal().begin(), opened.reveal().end()), all);
}

// The host rewrites a shared record while we open it: every result is either
// the exact plaintext that was sealed or an authentication failure with the
// output wiped — never bytes that differ from what was authenticated.
TEST_P(AeadTest, SharedInputUnderConcurrentWritesYieldsSealedPlaintextOrFailure) {
  auto aead = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  const Bytes nonce = Pattern(12, 2);
  const std::size_t n = 64 * 1024;
  const Bytes pt = Pattern(n, 7);
  Bytes good(n + kAeadTagSize);
  ASSERT_TRUE(aead.Seal(nonce, {}, pt, good));
  std::vector<std::atomic<uint8_t>> shared(good.size());
  for (std::size_t i = 0; i < good.size(); ++i) shared[i].store(good[i]);
  // The AEAD reads plain bytes; std::atomic<uint8_t> is layout-compatible
  // with uint8_t on every platform we build for (checked here).
  static_assert(sizeof(std::atomic<uint8_t>) == 1);
  const ByteSpan view(reinterpret_cast<const uint8_t*>(shared.data()), shared.size());  // NOLINT
  std::atomic<bool> stop{false};
  std::thread host([&] {
    for (std::size_t i = 0; !stop.load(); i = (i * 7 + 12345) % n) {
      shared[i].fetch_xor(0x80);
      shared[i].fetch_xor(0x80);
    }
  });
  int ok = 0, failed = 0;
  for (int round = 0; round < 200; ++round) {
    SingleFetchOff guard(round % 2 == 1);
    Bytes out(n);
    auto st = aead.Open(nonce, {}, view, out, InputSource::kShared);
    if (st) {
      ++ok;
      ASSERT_EQ(out, pt) << "round " << round;
    } else {
      ++failed;
      ASSERT_EQ(st.error().code, Errc::kAuthFailed);
      ASSERT_EQ(out, Bytes(n, 0)) << "round " << round;
    }
  }
  stop.store(true);
  host.join();
  std::printf("shared open under concurrent writes: %d opened, %d refused\n", ok, failed);
}

// The host watches the output of a seal into shared memory and flips a
// ciphertext byte the moment it appears. Had the seal read its output back
// (as OpenSSL does for GHASH), the flip could land between the cipher's
// store and GHASH's load and be authenticated: a forgery. Every record must
// instead either open to exactly the sealed plaintext (flip overwritten)
// or fail authentication (flip detected).
TEST_P(AeadTest, SharedOutputNeverAuthenticatesAConcurrentWrite) {
  auto aead = AeadPrimitive::Create(GetParam(), Pattern(32, 1)).value();
  const Bytes nonce = Pattern(12, 2), aad = Pattern(20, 3);
  const std::size_t n = 64 * 1024 + 100;
  const Bytes pt = Pattern(n, 7);
  std::vector<std::atomic<uint8_t>> shared(n + kAeadTagSize);
  static_assert(sizeof(std::atomic<uint8_t>) == 1);
  const std::span<uint8_t> out(reinterpret_cast<uint8_t*>(shared.data()), shared.size());  // NOLINT
  int detected = 0, overwritten = 0;
  for (int round = 0; round < 300; ++round) {
    SingleFetchOff guard(round % 2 == 1);
    // Positions in the first, a middle and the last (partial) block.
    const std::size_t p = round % 3 == 0 ? 5 : round % 3 == 1 ? n / 2 : n - 3;
    for (auto& b : shared) b.store(0, std::memory_order_relaxed);
    std::atomic<bool> watching{false};
    std::thread host([&] {
      watching.store(true);
      for (int spins = 0; shared[p].load(std::memory_order_relaxed) == 0 && spins < 50'000'000; ++spins) {
      }
      shared[p].fetch_xor(0x01);
    });
    while (!watching.load()) {
    }
    ASSERT_TRUE(aead.Seal(nonce, aad, pt, out, OutputSink::kShared)) << round;
    host.join();
    const Bytes snapshot(out.begin(), out.end());
    Bytes opened(n, 0xee);
    auto st = aead.Open(nonce, aad, snapshot, opened);
    if (st) {
      ASSERT_EQ(opened, pt) << "round " << round << ": a host write was authenticated";
      ++overwritten;
    } else {
      ASSERT_EQ(st.error().code, Errc::kAuthFailed) << round;
      ++detected;
    }
  }
  std::printf("shared seal under a racing writer: %d flips detected, %d overwritten\n", detected, overwritten);
}

INSTANTIATE_TEST_SUITE_P(Both, AeadTest,
                         ::testing::Values(AeadAlg::kAes256Gcm, AeadAlg::kChaCha20Poly1305),
                         [](const auto& param_info) {
                           return param_info.param == AeadAlg::kAes256Gcm ? "Aes256Gcm"
                                                                    : "ChaCha20Poly1305";
                         });

}  // namespace
}  // namespace ccgpu::crypto
