// Hash, HMAC, HKDF and RNG behaviour beyond the Wycheproof files.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/mac.h"
#include "crypto/rng.h"
#include "crypto/selftest.h"

namespace ccgpu::crypto {
namespace {

Bytes H(std::string_view hex) { return HexDecode(hex).value(); }

TEST(Hash, KnownAnswersForEveryAlgorithm) {
  // FIPS 180-2 "abc" examples.
  EXPECT_EQ(Hash(HashAlg::kSha256, AsBytes("abc")).value(),
            H("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(Hash(HashAlg::kSha384, AsBytes("abc")).value(),
            H("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
              "8086072ba1e7cc2358baeca134c825a7"));
  EXPECT_EQ(Hash(HashAlg::kSha512, AsBytes("abc")).value(),
            H("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"));
  EXPECT_EQ(Hash(HashAlg::kSha256, {}).value(),
            H("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_EQ(DigestSize(HashAlg::kSha256), 32u);
  EXPECT_EQ(DigestSize(HashAlg::kSha384), 48u);
  EXPECT_EQ(DigestSize(HashAlg::kSha512), 64u);
}

TEST(Hasher, IncrementalEqualsOneShotAndPeekContinues) {
  auto h = Hasher::Create(HashAlg::kSha384);
  ASSERT_TRUE(h);
  ASSERT_TRUE(h->Update(AsBytes("ab")));
  EXPECT_EQ(h->Peek().value(), Hash(HashAlg::kSha384, AsBytes("ab")).value());
  ASSERT_TRUE(h->Update(AsBytes("c")));
  EXPECT_EQ(h->Peek().value(), Hash(HashAlg::kSha384, AsBytes("abc")).value());
  EXPECT_EQ(h->Finish().value(), Hash(HashAlg::kSha384, AsBytes("abc")).value());
}

TEST(Hasher, CopiesForkIndependently) {
  auto h = Hasher::Create(HashAlg::kSha256).value();
  ASSERT_TRUE(h.Update(AsBytes("a")));
  Hasher fork = h;
  ASSERT_TRUE(fork.Update(AsBytes("bc")));
  ASSERT_TRUE(h.Update(AsBytes("x")));
  EXPECT_EQ(fork.Finish().value(), Hash(HashAlg::kSha256, AsBytes("abc")).value());
  EXPECT_EQ(h.Finish().value(), Hash(HashAlg::kSha256, AsBytes("ax")).value());
  Hasher assigned = Hasher::Create(HashAlg::kSha512).value();
  auto src = Hasher::Create(HashAlg::kSha256).value();
  ASSERT_TRUE(src.Update(AsBytes("abc")));
  assigned = src;
  EXPECT_EQ(assigned.alg(), HashAlg::kSha256);
  EXPECT_EQ(assigned.Finish().value(), Hash(HashAlg::kSha256, AsBytes("abc")).value());
}

TEST(Hasher, RefusesUseAfterFinish) {
  auto h = Hasher::Create(HashAlg::kSha256).value();
  ASSERT_TRUE(h.Finish());
  EXPECT_EQ(h.Update(AsBytes("a")).error().code, Errc::kStateError);
  EXPECT_EQ(h.Peek().error().code, Errc::kStateError);
  EXPECT_EQ(h.Finish().error().code, Errc::kStateError);
}

TEST(Hmac, Rfc4231Case1AndEmptyKey) {
  const Bytes key(20, 0x0b);
  EXPECT_EQ(Hmac(HashAlg::kSha256, key, AsBytes("Hi There")).value(),
            H("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
  EXPECT_EQ(Hmac(HashAlg::kSha384, key, AsBytes("Hi There")).value(),
            H("afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
              "faea9ea9076ede7f4af152e8b2fa9cb6"));
  // HMAC with an empty key equals HMAC with a block of zeros.
  EXPECT_EQ(Hmac(HashAlg::kSha256, {}, AsBytes("m")).value(),
            Hmac(HashAlg::kSha256, Bytes(64, 0), AsBytes("m")).value());
}

TEST(Hmac, Rfc4231Case6KeyLongerThanTheBlockIsHashedFirst) {
  // RFC 4231 4.7: a 131-byte key (> the 64- and 128-byte blocks).
  const Bytes key(131, 0xaa);
  const auto msg = AsBytes("Test Using Larger Than Block-Size Key - Hash Key First");
  EXPECT_EQ(Hmac(HashAlg::kSha256, key, msg).value(),
            H("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
  EXPECT_EQ(Hmac(HashAlg::kSha384, key, msg).value(),
            H("4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
              "0c2ef6ab4030fe8296248df163f44952"));
  EXPECT_EQ(Hmac(HashAlg::kSha512, key, msg).value(),
            H("80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
              "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"));
  // A key of exactly one block is used as is (not hashed): it differs from
  // the HMAC under its own hash.
  const Bytes block(64, 0x11);
  EXPECT_NE(Hmac(HashAlg::kSha256, block, msg).value(),
            Hmac(HashAlg::kSha256, Hash(HashAlg::kSha256, block).value(), msg).value());
  const Bytes longer(65, 0x11);
  EXPECT_EQ(Hmac(HashAlg::kSha256, longer, msg).value(),
            Hmac(HashAlg::kSha256, Hash(HashAlg::kSha256, longer).value(), msg).value());
}

TEST(Hmac, VerifyRejectsEveryBitFlipAndWrongLengths) {
  const Bytes key = {1, 2, 3}, msg = {4, 5, 6};
  Bytes tag = Hmac(HashAlg::kSha384, key, msg).value();
  ASSERT_TRUE(HmacVerify(HashAlg::kSha384, key, msg, tag));
  for (std::size_t bit = 0; bit < tag.size() * 8; ++bit) {
    Bytes bad = tag;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto st = HmacVerify(HashAlg::kSha384, key, msg, bad);
    ASSERT_FALSE(st) << bit;
    EXPECT_EQ(st.error().code, Errc::kAuthFailed);
  }
  EXPECT_EQ(HmacVerify(HashAlg::kSha384, key, msg, ByteSpan(tag).first(47)).error().code,
            Errc::kAuthFailed);
  EXPECT_EQ(HmacVerify(HashAlg::kSha384, key, msg, {}).error().code, Errc::kAuthFailed);
}

TEST(HmacKey, EqualsOneShotHmacForEveryKeyLengthAndRepeatedUse) {
  // Keys shorter than, equal to and longer than the block (64 / 128 bytes),
  // and the empty key; each key object makes several MACs (state reuse).
  for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    for (std::size_t klen : {0u, 1u, 32u, 64u, 65u, 128u, 129u, 200u}) {
      Bytes key(klen);
      for (std::size_t i = 0; i < klen; ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
      auto hk = HmacKey::Create(alg, key);
      ASSERT_TRUE(hk);
      EXPECT_EQ(hk->size(), DigestSize(alg));
      for (std::size_t mlen : {0u, 3u, 64u, 300u, 3u}) {
        const Bytes msg(mlen, static_cast<uint8_t>(mlen));
        EXPECT_EQ(HexEncode(hk->Mac(msg).value()),
                  HexEncode(Hmac(alg, key, msg).value()))
            << static_cast<int>(alg) << " key " << klen << " msg " << mlen;
      }
    }
  }
  // RFC 4231 case 1 through the keyed object, split into parts.
  auto hk = HmacKey::Create(HashAlg::kSha256, Bytes(20, 0x0b)).value();
  const ByteSpan parts[] = {AsBytes("Hi "), AsBytes("There")};
  Bytes out(32);
  ASSERT_TRUE(hk.MacInto(parts, out));
  EXPECT_EQ(HexEncode(out),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacKey, OneKeyMacsOnSeveralThreadsAtOnce) {
  // The padded states are only read by a MAC, so threads may share a key.
  const Bytes key(48, 0x5a);
  const auto hk = HmacKey::Create(HashAlg::kSha384, key).value();
  std::vector<Bytes> expected;
  for (int i = 0; i < 256; ++i) {
    expected.push_back(Hmac(HashAlg::kSha384, key, Bytes(static_cast<std::size_t>(i), static_cast<uint8_t>(i))).value());
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 256; ++i) {
          auto mac = hk.Mac(Bytes(static_cast<std::size_t>(i), static_cast<uint8_t>(i)));
          if (!mac || *mac != expected[static_cast<std::size_t>(i)]) ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(HmacKey, OutputMayAliasAnInputPart) {
  // HKDF-Expand feeds T(i-1) and writes T(i) into the same buffer.
  const auto hk = HmacKey::Create(HashAlg::kSha256, Bytes(32, 0x01)).value();
  Bytes buf(32, 0x77);
  const Bytes want = hk.Mac(Bytes(buf)).value();
  const ByteSpan parts[] = {buf};
  ASSERT_TRUE(hk.MacInto(parts, buf));
  EXPECT_EQ(buf, want);
}

TEST(HmacKey, VerifyRejectsEveryBitFlipAndWrongLengths) {
  const Bytes key(48, 0x42);
  const Bytes msg(48, 0x99);
  auto hk = HmacKey::Create(HashAlg::kSha384, key).value();
  const Bytes tag = Hmac(HashAlg::kSha384, key, msg).value();
  ASSERT_TRUE(hk.Verify(msg, tag));
  for (std::size_t bit = 0; bit < tag.size() * 8; ++bit) {
    Bytes bad = tag;
    bad[bit / 8] = static_cast<uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
    auto st = hk.Verify(msg, bad);
    ASSERT_FALSE(st) << bit;
    EXPECT_EQ(st.error().code, Errc::kAuthFailed);
  }
  EXPECT_EQ(hk.Verify(msg, ByteSpan(tag).first(47)).error().code, Errc::kAuthFailed);
  EXPECT_EQ(hk.Verify(msg, {}).error().code, Errc::kAuthFailed);
  // Still usable after failures, and moved-to objects keep working.
  HmacKey moved = std::move(hk);
  EXPECT_TRUE(moved.Verify(msg, tag));
}

TEST(Hkdf, KeyedExpandMatchesRfc5869AndTheUnkeyedPath) {
  // RFC 5869 case 2 (three output blocks, T(i-1) chained) with a keyed PRK.
  Bytes info;
  for (int i = 0; i < 80; ++i) info.push_back(static_cast<uint8_t>(0xb0 + i));
  const Bytes prk = H("06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
  auto hk = HmacKey::Create(HashAlg::kSha256, prk).value();
  auto okm = HkdfExpand(hk, info, 82);
  ASSERT_TRUE(okm);
  EXPECT_EQ(HexEncode(okm->reveal()),
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
            "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
            "cc30c58179ec3e87c14c01d5c1f3434f1d87");
  // Several expansions from one keyed PRK equal the one-shot ones.
  for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384}) {
    const Bytes p(DigestSize(alg), 0x5a);
    auto k = HmacKey::Create(alg, p).value();
    for (std::size_t len : {0u, 1u, 12u, 32u, 48u, 100u}) {
      const Bytes inf(len % 7, static_cast<uint8_t>(len));
      EXPECT_EQ(HexEncode(HkdfExpand(k, inf, len)->reveal()),
                HexEncode(HkdfExpand(alg, p, inf, len)->reveal()));
    }
    EXPECT_EQ(HkdfExpand(k, {}, 255 * DigestSize(alg) + 1).error().code,
              Errc::kInvalidArgument);
  }
}

TEST(Hkdf, Rfc5869Case1) {
  auto prk = HkdfExtract(HashAlg::kSha256, H("000102030405060708090a0b0c"), Bytes(22, 0x0b));
  ASSERT_TRUE(prk);
  EXPECT_EQ(HexEncode(prk->reveal()),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  auto okm = HkdfExpand(HashAlg::kSha256, prk->reveal(), H("f0f1f2f3f4f5f6f7f8f9"), 42);
  ASSERT_TRUE(okm);
  EXPECT_EQ(HexEncode(okm->reveal()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Hkdf, Rfc5869Case2LongInputsThreeBlocks) {
  Bytes ikm, salt, info;
  for (int i = 0; i < 80; ++i) {
    ikm.push_back(static_cast<uint8_t>(i));
    salt.push_back(static_cast<uint8_t>(0x60 + i));
    info.push_back(static_cast<uint8_t>(0xb0 + i));
  }
  auto prk = HkdfExtract(HashAlg::kSha256, salt, ikm);
  ASSERT_TRUE(prk);
  EXPECT_EQ(HexEncode(prk->reveal()),
            "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
  auto okm = HkdfExpand(HashAlg::kSha256, prk->reveal(), info, 82);
  ASSERT_TRUE(okm);
  EXPECT_EQ(HexEncode(okm->reveal()),
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
            "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
            "cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

TEST(Hkdf, Rfc5869Case3EmptySaltAndInfo) {
  auto prk = HkdfExtract(HashAlg::kSha256, {}, Bytes(22, 0x0b));
  ASSERT_TRUE(prk);
  EXPECT_EQ(HexEncode(prk->reveal()),
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  auto okm = HkdfExpand(HashAlg::kSha256, prk->reveal(), {}, 42);
  ASSERT_TRUE(okm);
  EXPECT_EQ(HexEncode(okm->reveal()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(Hkdf, ExtractWithEmptyInputsIsHmacOfZeroKey) {
  // RFC 5869 2.2: no salt = HashLen zeros; PRK = HMAC(salt, IKM).
  for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    auto prk = HkdfExtract(alg, {}, {});
    ASSERT_TRUE(prk);
    const Bytes expected = Hmac(alg, Bytes(DigestSize(alg), 0), {}).value();
    EXPECT_EQ(HexEncode(prk->reveal()), HexEncode(expected));
  }
}

TEST(Hkdf, ExpandLimitsAndEdgeLengths) {
  const Bytes prk(48, 7);
  EXPECT_TRUE(HkdfExpand(HashAlg::kSha384, prk, {}, 255 * 48));
  EXPECT_EQ(HkdfExpand(HashAlg::kSha384, prk, {}, 255 * 48 + 1).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(HkdfExpand(HashAlg::kSha384, {}, {}, 16).error().code, Errc::kInvalidArgument);
  auto empty = HkdfExpand(HashAlg::kSha384, prk, {}, 0);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), 0u);
  // A shorter output is a prefix of a longer one.
  auto a = HkdfExpand(HashAlg::kSha384, prk, AsBytes("i"), 10).value();
  auto b = HkdfExpand(HashAlg::kSha384, prk, AsBytes("i"), 100).value();
  EXPECT_EQ(HexEncode(a.reveal()), HexEncode(b.reveal().first(10)));
}

TEST(Rng, FillsAndDiffers) {
  auto a = RandomBytes(64), b = RandomBytes(64);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 64u);
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, Bytes(64, 0));
  EXPECT_TRUE(RandomBytes(0).value().empty());
}

TEST(Rng, SmallDrawsAcrossBlockRefillsAreAllDistinct) {
  // 32-byte draws span several 512-byte blocks; sizes around the 64-byte
  // cut-over between the block and the direct path are exercised too.
  std::set<Bytes> seen;
  for (int i = 0; i < 100; ++i) {
    Bytes b = RandomBytes(32).value();
    EXPECT_NE(b, Bytes(32, 0));
    EXPECT_TRUE(seen.insert(b).second) << i;
  }
  for (std::size_t n : {1u, 63u, 64u, 65u, 511u, 512u, 513u, 2000u}) {
    Bytes a = RandomBytes(n).value(), b = RandomBytes(n).value();
    ASSERT_EQ(a.size(), n);
    if (n >= 8) {
      EXPECT_NE(a, b) << n;
      EXPECT_NE(a, Bytes(n, 0)) << n;
    }
  }
}

TEST(Rng, ForkedChildNeverRepeatsTheParentsBytes) {
  // Fill this thread's block, then fork: the child's next draw must not be
  // the bytes the parent hands out next from the same block.
  ASSERT_TRUE(RandomBytes(16));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    uint8_t buf[32] = {};
    const bool ok = static_cast<bool>(RandomBytes(std::span<uint8_t>(buf)));
    const ssize_t w = ok ? write(fds[1], buf, sizeof buf) : -1;
    _exit(w == static_cast<ssize_t>(sizeof buf) ? 0 : 1);
  }
  close(fds[1]);
  const Bytes parent = RandomBytes(32).value();
  Bytes child(32);
  std::size_t got = 0;
  while (got < child.size()) {
    const ssize_t r = read(fds[0], child.data() + got, child.size() - got);
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(got, child.size());
  EXPECT_NE(parent, child);
}

TEST(SelfTest, PassesAndReportsEveryCheck) {
  std::vector<std::string> done;
  ASSERT_TRUE(CryptoSelfTest(&done));
  EXPECT_EQ(done.size(), 8u);
}

}  // namespace
}  // namespace ccgpu::crypto
