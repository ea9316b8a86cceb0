// The single-fetch AES-256-GCM implementation against OpenSSL: every length
// and alignment that exercises its 256-byte bulk steps, block tail and partial
// block, with random keys, nonces and associated data, for opening and for
// (gathered) sealing; every tampered field refused; in-place use.
// (Wycheproof vectors run through it in wycheproof_test.cc; concurrent-writer
// safety in aead_test.cc.)
#include "crypto/gcm_single_fetch.h"

#include <cstdio>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/aead.h"
#include "crypto/rng.h"

namespace ccgpu::crypto::internal {
namespace {

class GcmSingleFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!GcmSingleFetch::Supported()) {
      GTEST_SKIP() << "this CPU lacks AVX2+VAES+VPCLMULQDQ: shared-input opens use the copy path";
    }
  }
};

struct Record {
  Bytes key, nonce, aad, pt, ct, tag;
};

// A random record sealed by OpenSSL (AeadPrimitive::Seal).
Record SealedByOpenSsl(std::size_t n, std::size_t aad_len) {
  Record r{RandomBytes(32).value(), RandomBytes(12).value(), RandomBytes(aad_len).value(),
           RandomBytes(n).value(), {}, {}};
  auto aead = AeadPrimitive::Create(AeadAlg::kAes256Gcm, r.key).value();
  Bytes sealed(n + kAeadTagSize);
  EXPECT_TRUE(aead.Seal(r.nonce, r.aad, r.pt, sealed));
  r.ct.assign(sealed.begin(), sealed.end() - kAeadTagSize);
  r.tag.assign(sealed.end() - kAeadTagSize, sealed.end());
  return r;
}

bool OpenRecord(const Record& r, const Bytes& ct, const Bytes& tag, const Bytes& aad, uint8_t* out) {
  const GcmSingleFetch gcm(r.key);
  return gcm.Open(r.nonce.data(), aad, ct.data(), ct.size(), tag.data(), out);
}

TEST_F(GcmSingleFetchTest, OpensWhatOpenSslSealsAtEveryLengthUpTo600) {
  for (std::size_t aad_len : {0, 1, 15, 16, 17, 48, 200}) {
    for (std::size_t n = 0; n <= 600; ++n) {
      const Record r = SealedByOpenSsl(n, aad_len);
      Bytes out(n, 0xee);
      ASSERT_TRUE(OpenRecord(r, r.ct, r.tag, r.aad, out.data())) << "n=" << n << " aad=" << aad_len;
      ASSERT_EQ(out, r.pt) << "n=" << n << " aad=" << aad_len;
    }
  }
}

TEST_F(GcmSingleFetchTest, LargeRecordsAtOddSizesAndAlignments) {
  for (std::size_t n : {128 * 1024 - 1, 128 * 1024, 256 * 1024 + 77, 1024 * 1024 + 3}) {
    const Record r = SealedByOpenSsl(n, 24);
    for (std::size_t shift : {0, 1, 7, 31}) {
      // Ciphertext and output at unaligned addresses.
      Bytes in(n + shift), out(n + shift);
      std::memcpy(in.data() + shift, r.ct.data(), n);
      const GcmSingleFetch gcm(r.key);
      ASSERT_TRUE(gcm.Open(r.nonce.data(), r.aad, in.data() + shift, n, r.tag.data(), out.data() + shift))
          << n << "+" << shift;
      ASSERT_EQ(0, std::memcmp(out.data() + shift, r.pt.data(), n)) << n << "+" << shift;
    }
  }
}

TEST_F(GcmSingleFetchTest, OpensInPlace) {
  const Record r = SealedByOpenSsl(4096 + 5, 3);
  Bytes buf = r.ct;
  const GcmSingleFetch gcm(r.key);
  ASSERT_TRUE(gcm.Open(r.nonce.data(), r.aad, buf.data(), buf.size(), r.tag.data(), buf.data()));
  EXPECT_EQ(buf, r.pt);
}

TEST_F(GcmSingleFetchTest, RefusesEveryTamperedField) {
  // Lengths that end in the bulk loop, the block tail and a partial block.
  for (std::size_t n : {128, 129, 16 * 9, 1000}) {
    const Record r = SealedByOpenSsl(n, 20);
    Bytes out(n);
    for (std::size_t i : {std::size_t{0}, n / 2, n - 1}) {
      Bytes ct = r.ct;
      ct[i] ^= 0x01;
      EXPECT_FALSE(OpenRecord(r, ct, r.tag, r.aad, out.data())) << "ct byte " << i << " of " << n;
    }
    for (std::size_t i : {0, 15}) {
      Bytes tag = r.tag;
      tag[i] ^= 0x80;
      EXPECT_FALSE(OpenRecord(r, r.ct, tag, r.aad, out.data())) << "tag byte " << i;
    }
    Bytes aad = r.aad;
    aad[7] ^= 0x04;
    EXPECT_FALSE(OpenRecord(r, r.ct, r.tag, aad, out.data())) << "aad";
    // Truncated associated data and ciphertext change the length block.
    EXPECT_FALSE(OpenRecord(r, r.ct, r.tag, Bytes(r.aad.begin(), r.aad.end() - 1), out.data()));
    const Bytes shorter(r.ct.begin(), r.ct.end() - 1);
    EXPECT_FALSE(OpenRecord(r, shorter, r.tag, r.aad, out.data()));
    Record other_nonce = r;
    other_nonce.nonce[11] ^= 0x01;
    EXPECT_FALSE(OpenRecord(other_nonce, r.ct, r.tag, r.aad, out.data()));
  }
}

// Seals r.pt as one piece and compares ciphertext and tag with OpenSSL's.
::testing::AssertionResult SealsAsOpenSsl(const GcmSingleFetch& gcm, const Record& r) {
  Bytes ct(r.pt.size(), 0xee), tag(16, 0xee);
  const ByteSpan whole(r.pt);
  gcm.Seal(r.nonce.data(), r.aad, std::span<const ByteSpan>(&whole, 1), ct.data(), tag.data());
  if (ct != r.ct) return ::testing::AssertionFailure() << "ciphertext differs";
  if (tag != r.tag) return ::testing::AssertionFailure() << "tag differs";
  return ::testing::AssertionSuccess();
}

// Sealing: the same bytes and tag as OpenSSL, for one piece and for gathers
// split at every kind of boundary (inside a block, at a block edge, empty
// pieces, pieces shorter than a block).
TEST_F(GcmSingleFetchTest, SealsWhatOpenSslSealsAtEveryLengthAndSplit) {
  for (std::size_t aad_len : {0, 13, 16, 48}) {
    for (std::size_t n = 0; n <= 420; ++n) {
      const Record r = SealedByOpenSsl(n, aad_len);
      const GcmSingleFetch gcm(r.key);
      ASSERT_TRUE(SealsAsOpenSsl(gcm, r)) << "n=" << n << " aad=" << aad_len;
      const ByteSpan whole(r.pt);
      const std::size_t a = n * 7 / 13, b = std::min(n, a + 1 + n % 17);
      const ByteSpan pieces[] = {whole.first(a), whole.subspan(a, 0), whole.subspan(a, b - a), whole.subspan(b)};
      Bytes ct2(n, 0xee), tag2(16, 0xee);
      gcm.Seal(r.nonce.data(), r.aad, pieces, ct2.data(), tag2.data());
      ASSERT_EQ(ct2, r.ct) << "gather n=" << n << " split " << a << "/" << b;
      ASSERT_EQ(tag2, r.tag) << "gather n=" << n;
    }
  }
}

// AAD of every length up to 80 bytes, around one and two bulk steps' worth
// (kStepBlocks blocks) and longer: OpenSSL's ciphertext and tag when
// sealing, opens what OpenSSL sealed, and a flip of its last byte is caught.
TEST_F(GcmSingleFetchTest, AadOfEveryLength) {
  constexpr std::size_t kGroup = 16 * GcmSingleFetch::kStepBlocks;
  std::vector<std::size_t> lengths;
  for (std::size_t a = 0; a <= 80; ++a) lengths.push_back(a);
  for (std::size_t a = kGroup - 17; a <= kGroup + 17; ++a) lengths.push_back(a);
  for (std::size_t a : {2 * kGroup - 1, 2 * kGroup, 2 * kGroup + 1, 3 * kGroup + 5, std::size_t{4099}}) {
    lengths.push_back(a);
  }
  for (std::size_t aad_len : lengths) {
    for (std::size_t n : {0, 5, 64, 300}) {
      const Record r = SealedByOpenSsl(n, aad_len);
      ASSERT_TRUE(SealsAsOpenSsl(GcmSingleFetch(r.key), r)) << "n=" << n << " aad=" << aad_len;
      Bytes out(n, 0xee);
      ASSERT_TRUE(OpenRecord(r, r.ct, r.tag, r.aad, out.data())) << "n=" << n << " aad=" << aad_len;
      ASSERT_EQ(out, r.pt) << "n=" << n << " aad=" << aad_len;
      if (aad_len > 0) {
        Bytes aad = r.aad;
        aad[aad_len - 1] ^= 0x80;  // the last AAD byte
        EXPECT_FALSE(OpenRecord(r, r.ct, r.tag, aad, out.data())) << "n=" << n << " aad=" << aad_len;
      }
    }
  }
}

TEST_F(GcmSingleFetchTest, SealsLargeRecordsGatheredFromManySmallPieces) {
  const Record r = SealedByOpenSsl(256 * 1024 + 9, 40);
  std::vector<ByteSpan> pieces;
  const ByteSpan whole(r.pt);
  for (std::size_t off = 0, k = 0; off < whole.size(); ++k) {
    const std::size_t len = std::min(whole.size() - off, std::size_t{1} + (k * 977) % 5000);
    pieces.push_back(whole.subspan(off, len));
    off += len;
  }
  const GcmSingleFetch gcm(r.key);
  Bytes ct(whole.size()), tag(16);
  gcm.Seal(r.nonce.data(), r.aad, pieces, ct.data(), tag.data());
  EXPECT_EQ(ct, r.ct);
  EXPECT_EQ(tag, r.tag);
  // In place.
  Bytes buf = r.pt;
  const ByteSpan in_place(buf);
  gcm.Seal(r.nonce.data(), r.aad, std::span<const ByteSpan>(&in_place, 1), buf.data(), tag.data());
  EXPECT_EQ(buf, r.ct);
}

// The path AeadPrimitive takes for shared input is this one here (so the
// differential tests above cover what the data path runs).
TEST_F(GcmSingleFetchTest, AeadPrimitiveSharedOpenAgreesWithPrivateOpen) {
  const Record r = SealedByOpenSsl(70000, 9);
  auto aead = AeadPrimitive::Create(AeadAlg::kAes256Gcm, r.key).value();
  Bytes sealed = r.ct;
  sealed.insert(sealed.end(), r.tag.begin(), r.tag.end());
  Bytes shared_out(r.pt.size()), private_out(r.pt.size());
  ASSERT_TRUE(aead.Open(r.nonce, r.aad, sealed, shared_out, InputSource::kShared));
  ASSERT_TRUE(aead.Open(r.nonce, r.aad, sealed, private_out, InputSource::kPrivate));
  EXPECT_EQ(shared_out, r.pt);
  EXPECT_EQ(private_out, r.pt);
  sealed[100] ^= 1;
  auto st = aead.Open(r.nonce, r.aad, sealed, shared_out, InputSource::kShared);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kAuthFailed);
  EXPECT_EQ(shared_out, Bytes(r.pt.size(), 0));
}

}  // namespace
}  // namespace ccgpu::crypto::internal
