// ECDSA and ECDH behaviour: round trips in every form, every-bit tampering,
// wrong curves, key encodings, and the parser's handling of damaged input.
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/ec.h"

namespace ccgpu::crypto {
namespace {

Bytes H(std::string_view hex) { return HexDecode(hex).value(); }

class EcTest : public ::testing::TestWithParam<Curve> {
 protected:
  Curve curve() const { return GetParam(); }
  HashAlg hash() const { return curve() == Curve::kP256 ? HashAlg::kSha256 : HashAlg::kSha384; }
  Curve other() const { return curve() == Curve::kP256 ? Curve::kP384 : Curve::kP256; }
};

TEST_P(EcTest, SignVerifyRoundTripsInEveryForm) {
  auto key = EcPrivateKey::Generate(curve()).value();
  EXPECT_EQ(key.curve(), curve());
  auto pub = key.PublicKey().value();
  const ByteSpan text = AsBytes("attestation report");
  const Bytes msg(text.begin(), text.end());
  const Bytes der = key.SignDer(hash(), msg).value();
  EXPECT_TRUE(pub.VerifyDer(hash(), msg, der));
  const Bytes raw = key.SignRaw(hash(), msg).value();
  EXPECT_EQ(raw.size(), 2 * CoordinateSize(curve()));
  EXPECT_TRUE(pub.VerifyRaw(hash(), msg, raw));
  const Bytes digest = Hash(hash(), msg).value();
  EXPECT_TRUE(pub.VerifyDigestRaw(digest, raw));
  const Bytes raw_digest = key.SignDigestRaw(digest).value();
  EXPECT_TRUE(pub.VerifyRaw(hash(), msg, raw_digest));
  EXPECT_TRUE(pub.VerifyDigestRaw(digest, raw_digest));
  // ECDSA is randomised: two signatures differ, both verify.
  EXPECT_NE(key.SignRaw(hash(), msg).value(), raw);
  // A signature in one form does not pass as the other.
  EXPECT_FALSE(pub.VerifyDer(hash(), msg, raw));
  EXPECT_FALSE(pub.VerifyRaw(hash(), msg, der));
  // Another hash than the signer's fails.
  EXPECT_FALSE(pub.VerifyRaw(HashAlg::kSha512, msg, raw));
  EXPECT_EQ(key.SignDigestRaw({}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(pub.VerifyDigestRaw({}, raw).error().code, Errc::kInvalidArgument);
}

TEST_P(EcTest, EveryBitFlipOfSignatureOrMessageIsRejected) {
  auto key = EcPrivateKey::Generate(curve()).value();
  auto pub = key.PublicKey().value();
  const Bytes msg = H("00112233445566778899aabbccddeeff");
  const Bytes raw = key.SignRaw(hash(), msg).value();
  const Bytes der = key.SignDer(hash(), msg).value();
  for (std::size_t bit = 0; bit < raw.size() * 8; ++bit) {
    Bytes bad = raw;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto st = pub.VerifyRaw(hash(), msg, bad);
    ASSERT_FALSE(st) << "raw bit " << bit;
    EXPECT_EQ(st.error().code, Errc::kBadSignature);
  }
  for (std::size_t bit = 0; bit < der.size() * 8; ++bit) {
    Bytes bad = der;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto st = pub.VerifyDer(hash(), msg, bad);
    ASSERT_FALSE(st) << "der bit " << bit;
    EXPECT_EQ(st.error().code, Errc::kBadSignature);
  }
  for (std::size_t bit = 0; bit < msg.size() * 8; ++bit) {
    Bytes bad = msg;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_FALSE(pub.VerifyRaw(hash(), bad, raw)) << "message bit " << bit;
    ASSERT_FALSE(pub.VerifyDer(hash(), bad, der)) << "message bit " << bit;
  }
  // Truncated / extended signatures.
  for (std::size_t n = 0; n < der.size(); ++n) {
    ASSERT_FALSE(pub.VerifyDer(hash(), msg, ByteSpan(der).first(n))) << n;
  }
  Bytes longer = der;
  longer.push_back(0);
  EXPECT_FALSE(pub.VerifyDer(hash(), msg, longer));
  EXPECT_EQ(pub.VerifyRaw(hash(), msg, ByteSpan(raw).first(raw.size() - 1)).error().code,
            Errc::kBadSignature);
  Bytes raw_longer = raw;
  raw_longer.push_back(0);
  EXPECT_EQ(pub.VerifyRaw(hash(), msg, raw_longer).error().code, Errc::kBadSignature);
  EXPECT_EQ(pub.VerifyRaw(hash(), msg, Bytes(raw.size(), 0)).error().code, Errc::kBadSignature);
}

TEST_P(EcTest, WrongKeyAndWrongCurveAreRejected) {
  auto key = EcPrivateKey::Generate(curve()).value();
  auto stranger = EcPrivateKey::Generate(curve()).value().PublicKey().value();
  auto other_curve = EcPrivateKey::Generate(other()).value();
  const Bytes msg = {1, 2, 3};
  const Bytes raw = key.SignRaw(hash(), msg).value();
  const Bytes der = key.SignDer(hash(), msg).value();
  EXPECT_EQ(stranger.VerifyRaw(hash(), msg, raw).error().code, Errc::kBadSignature);
  auto other_pub = other_curve.PublicKey().value();
  EXPECT_EQ(other_pub.VerifyDer(hash(), msg, der).error().code, Errc::kBadSignature);
  EXPECT_EQ(other_pub.VerifyRaw(hash(), msg, raw).error().code, Errc::kBadSignature);
  // ECDH with a key on the other curve.
  auto ecdh = key.Ecdh(other_pub);
  ASSERT_FALSE(ecdh);
  EXPECT_EQ(ecdh.error().code, Errc::kBadPublicPoint);
  // A raw point of this curve offered as the other curve's.
  const Bytes point = key.PublicKey().value().RawPoint().value();
  EXPECT_EQ(EcPublicKey::FromRawPoint(other(), point).error().code, Errc::kBadPublicPoint);
}

TEST_P(EcTest, EcdhAgreesBothWays) {
  auto a = EcPrivateKey::Generate(curve()).value();
  auto b = EcPrivateKey::Generate(curve()).value();
  auto ab = a.Ecdh(b.PublicKey().value()).value();
  auto ba = b.Ecdh(a.PublicKey().value()).value();
  EXPECT_EQ(ab.size(), CoordinateSize(curve()));
  EXPECT_EQ(HexEncode(ab.reveal()), HexEncode(ba.reveal()));
  auto c = EcPrivateKey::Generate(curve()).value();
  EXPECT_NE(HexEncode(a.Ecdh(c.PublicKey().value()).value().reveal()), HexEncode(ab.reveal()));
}

TEST_P(EcTest, PublicKeyEncodingsRoundTrip) {
  auto pub = EcPrivateKey::Generate(curve()).value().PublicKey().value();
  const Bytes xy = pub.RawPoint().value();
  ASSERT_EQ(xy.size(), 2 * CoordinateSize(curve()));
  Bytes sec1 = {0x04};
  sec1.insert(sec1.end(), xy.begin(), xy.end());
  EXPECT_EQ(EcPublicKey::FromRawPoint(curve(), sec1).value().RawPoint().value(), xy);
  const Bytes spki = pub.SpkiDer().value();
  auto from_der = EcPublicKey::FromDer(spki).value();
  EXPECT_EQ(from_der.curve(), curve());
  EXPECT_EQ(from_der.RawPoint().value(), xy);
  const std::string pem = pub.ToPem().value();
  EXPECT_NE(pem.find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_EQ(EcPublicKey::FromPem(pem).value().RawPoint().value(), xy);
}

TEST_P(EcTest, GeneratedKeysAreNamedCurveKeysWithTheirOwnPoint) {
  // Keys made from the per-curve template: fresh each time, named curve,
  // PublicRawPoint the same as PublicKey().RawPoint().
  auto a = EcPrivateKey::Generate(curve()).value();
  auto b = EcPrivateKey::Generate(curve()).value();
  const Bytes pa = a.PublicRawPoint().value();
  ASSERT_EQ(pa.size(), 2 * CoordinateSize(curve()));
  EXPECT_EQ(pa, a.PublicKey().value().RawPoint().value());
  EXPECT_NE(pa, b.PublicRawPoint().value());
  // The SPKI names the curve (not explicit parameters) and parses back.
  auto pub = EcPublicKey::FromDer(a.PublicKey().value().SpkiDer().value()).value();
  EXPECT_EQ(pub.curve(), curve());
  EXPECT_EQ(pub.RawPoint().value(), pa);
  // A key imported from a raw point verifies what the private key signs.
  auto imported = EcPublicKey::FromRawPoint(curve(), pa).value();
  const Bytes sig = a.SignRaw(HashAlg::kSha256, AsBytes("m")).value();
  EXPECT_TRUE(imported.VerifyRaw(HashAlg::kSha256, AsBytes("m"), sig));
  EXPECT_FALSE(EcPublicKey::FromRawPoint(curve(), b.PublicRawPoint().value())
                   .value()
                   .VerifyRaw(HashAlg::kSha256, AsBytes("m"), sig));
}

TEST_P(EcTest, RawPointsOffOrBesideTheCurveAreRefused) {
  const Bytes xy = EcPrivateKey::Generate(curve()).value().PublicKey().value().RawPoint().value();
  const std::size_t n = CoordinateSize(curve());
  Bytes off = xy;
  off.back() ^= 1;  // y+-1: not on the curve
  EXPECT_EQ(EcPublicKey::FromRawPoint(curve(), off).error().code, Errc::kBadPublicPoint);
  EXPECT_EQ(EcPublicKey::FromRawPoint(curve(), Bytes(2 * n, 0)).error().code,
            Errc::kBadPublicPoint);
  Bytes compressed = {0x02};
  compressed.insert(compressed.end(), xy.begin(), xy.begin() + static_cast<long>(n));
  EXPECT_EQ(EcPublicKey::FromRawPoint(curve(), compressed).error().code, Errc::kBadPublicPoint);
  Bytes wrong_prefix = {0x05};
  wrong_prefix.insert(wrong_prefix.end(), xy.begin(), xy.end());
  EXPECT_EQ(EcPublicKey::FromRawPoint(curve(), wrong_prefix).error().code,
            Errc::kBadPublicPoint);
  for (std::size_t len = 0; len < xy.size(); ++len) {
    ASSERT_FALSE(EcPublicKey::FromRawPoint(curve(), ByteSpan(xy).first(len))) << len;
  }
}

TEST_P(EcTest, SpkiTruncatedAtEveryLengthOrExtendedIsRefused) {
  const Bytes spki =
      EcPrivateKey::Generate(curve()).value().PublicKey().value().SpkiDer().value();
  for (std::size_t len = 0; len < spki.size(); ++len) {
    auto r = EcPublicKey::FromDer(ByteSpan(spki).first(len));
    ASSERT_FALSE(r) << len;
  }
  Bytes longer = spki;
  longer.push_back(0);
  EXPECT_EQ(EcPublicKey::FromDer(longer).error().code, Errc::kBadKey);
  // The outer SEQUENCE length one too short and one too long.
  Bytes shorter_len = spki, longer_len = spki;
  shorter_len[1]--;
  longer_len[1]++;
  EXPECT_FALSE(EcPublicKey::FromDer(shorter_len));
  EXPECT_FALSE(EcPublicKey::FromDer(longer_len));
}

TEST_P(EcTest, PrivateKeyPemRoundTripsAndScalarRangeIsChecked) {
  auto key = EcPrivateKey::Generate(curve()).value();
  const std::string pem = key.ToPem().value();
  EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  auto again = EcPrivateKey::FromPem(pem).value();
  EXPECT_EQ(again.curve(), curve());
  EXPECT_EQ(again.PublicKey().value().RawPoint().value(),
            key.PublicKey().value().RawPoint().value());
  const std::size_t n = CoordinateSize(curve());
  EXPECT_EQ(EcPrivateKey::FromScalar(curve(), Bytes(n, 0)).error().code, Errc::kBadKey);
  EXPECT_EQ(EcPrivateKey::FromScalar(curve(), {}).error().code, Errc::kBadKey);
  EXPECT_EQ(EcPrivateKey::FromScalar(curve(), Bytes(n, 0xff)).error().code, Errc::kBadKey);
  EXPECT_EQ(EcPrivateKey::FromScalar(curve(), Bytes(n + 1, 1)).error().code, Errc::kBadKey);
  Bytes one(n, 0);
  one.back() = 1;
  auto d1 = EcPrivateKey::FromScalar(curve(), one);
  ASSERT_TRUE(d1);  // d = 1: public key is the generator
  EXPECT_EQ(EcPrivateKey::FromPem("not a key").error().code, Errc::kInvalidPem);
  EXPECT_EQ(EcPublicKey::FromPem(pem).error().code, Errc::kInvalidPem);
}

INSTANTIATE_TEST_SUITE_P(Curves, EcTest, ::testing::Values(Curve::kP256, Curve::kP384),
                         [](const auto& param_info) {
                           return param_info.param == Curve::kP256 ? "P256" : "P384";
                         });

TEST(Ec, P256GeneratorFromScalarOne) {
  Bytes one(32, 0);
  one.back() = 1;
  auto key = EcPrivateKey::FromScalar(Curve::kP256, one).value();
  // SEC 2 §2.4.2: G for secp256r1.
  EXPECT_EQ(HexEncode(key.PublicKey().value().RawPoint().value()),
            "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
            "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
}

TEST(Ec, SecOneEcPrivateKeyPemLoads) {
  // RFC 5915 "EC PRIVATE KEY" for d = 1 on P-256 (DER built by hand, PEM by `openssl ec`).
  const char* pem =
      "-----BEGIN EC PRIVATE KEY-----\n"
      "MHcCAQEEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABoAoGCCqGSM49\n"
      "AwEHoUQDQgAEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpZP40Li/hp/\n"
      "m47n60p8D54WK84zV2sxXs7LtkBoN79R9Q==\n"
      "-----END EC PRIVATE KEY-----\n";
  auto key = EcPrivateKey::FromPem(pem);
  ASSERT_TRUE(key) << key.error().ToString();
  EXPECT_EQ(key->curve(), Curve::kP256);
}

TEST(Ec, NonEcAndUnsupportedKeysAreRefused) {
  // Ed25519 SubjectPublicKeyInfo (RFC 8410 §10.1 example).
  const Bytes ed25519 =
      H("302a300506032b657003210019bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1");
  EXPECT_EQ(EcPublicKey::FromDer(ed25519).error().code, Errc::kBadKey);
  // secp256k1 SPKI (named curve 1.3.132.0.10) with its generator as the point.
  const Bytes k1 = H(
      "3056301006072a8648ce3d020106052b8104000a03420004"
      "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
      "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
  EXPECT_EQ(EcPublicKey::FromDer(k1).error().code, Errc::kUnsupportedAlgorithm);
  EXPECT_EQ(EcPublicKey::FromDer({}).error().code, Errc::kBadKey);
}

}  // namespace
}  // namespace ccgpu::crypto
