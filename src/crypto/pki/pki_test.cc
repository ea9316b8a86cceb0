#include "crypto/pki/pki.h"

#include <gtest/gtest.h>

#include <chrono>

#include "base/encoding.h"
#include "crypto/hash.h"

namespace ccgpu::crypto {
namespace {

TimePoint Day(int y, int m, int d) {
  return std::chrono::sys_days{std::chrono::year{y} / m / d};
}

struct Ca {
  EcPrivateKey key;
  Certificate cert;
};

Ca MakeRoot(const std::string& cn) {
  auto key = EcPrivateKey::Generate(Curve::kP384).value();
  CertificateSpec spec;
  spec.subject = {{"CN", cn}, {"O", "ccgpu test"}};
  spec.not_before = Day(2024, 1, 1);
  spec.not_after = Day(9999, 12, 31);
  spec.is_ca = true;
  spec.key_usage = kKuKeyCertSign | kKuCrlSign;
  auto cert = IssueCertificate(spec, key.PublicKey().value(), nullptr, key);
  EXPECT_TRUE(cert.has_value()) << (cert ? "" : cert.error().context);
  return {key, *cert};
}

TEST(PkiTest, IssuedChainVerifiesToRootAndCarriesFields) {
  Ca root = MakeRoot("Test Root — NOT FOR PRODUCTION");
  auto leaf_key = EcPrivateKey::Generate(Curve::kP384).value();
  Bytes fwid = Hash(HashAlg::kSha384, AsBytes("firmware")).value();
  CertificateSpec spec;
  spec.subject = {{"serialNumber", "0011AABB"}, {"C", "US"}, {"CN", "Leaf"}};
  spec.serial = {0x01, 0x02, 0x03};
  spec.not_before = Day(2024, 1, 1);
  spec.not_after = Day(2030, 1, 1);
  spec.key_usage = kKuDigitalSignature;
  spec.extensions.push_back(
      {kDiceFwidOid, false, EncodeDiceFwidExtension(leaf_key.PublicKey().value(), fwid).value()});
  spec.extensions.push_back(
      {kSubjectAltNameOid, false, EncodeOtherNameSan("1.3.6.1.4.1.412.274.1", "EMU:GH100:01").value()});
  auto leaf = IssueCertificate(spec, leaf_key.PublicKey().value(), &root.cert, root.key);
  ASSERT_TRUE(leaf.has_value()) << static_cast<int>(leaf.error().code);
  EXPECT_EQ(leaf->CommonName(), "Leaf");
  EXPECT_EQ(leaf->SerialNumber(), (Bytes{0x01, 0x02, 0x03}));
  EXPECT_EQ(leaf->NotAfter(), Day(2030, 1, 1));
  EXPECT_EQ(root.cert.CommonName(), "Test Root — NOT FOR PRODUCTION");

  std::vector<Certificate> chain{*leaf};
  std::vector<Certificate> roots{root.cert};
  ChainOptions opts;
  opts.at = Day(2026, 11, 25);
  EXPECT_TRUE(VerifyChain(chain, roots, opts).has_value());
  opts.at = Day(2031, 1, 1);
  EXPECT_EQ(VerifyChain(chain, roots, opts).error().code, Errc::kCertExpired);

  // The FWID extension round-trips.
  auto ext = leaf->Extension(kDiceFwidOid);
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(DecodeDiceFwidExtension(*ext).value(), fwid);
  // Its last 48 bytes are the FWID (how NVIDIA's verifiers read it).
  EXPECT_EQ(Bytes(ext->end() - 48, ext->end()), fwid);

  // Another root does not anchor it.
  Ca other = MakeRoot("Other");
  std::vector<Certificate> wrong{other.cert};
  opts.at = Day(2026, 11, 25);
  EXPECT_EQ(VerifyChain(chain, wrong, opts).error().code, Errc::kChainInvalid);
}

TEST(PkiTest, FwidExtensionMatchesNvidiaHopperLayout) {
  // Same DER shape as NVIDIA's GH100 leaf: 30 81 BA 02 01 01 30 76 ... 30 3D 06 09 ... 04 30 <fwid>.
  auto key = EcPrivateKey::Generate(Curve::kP384).value();
  Bytes fwid(48, 0xAB);
  Bytes v = EncodeDiceFwidExtension(key.PublicKey().value(), fwid).value();
  ASSERT_EQ(v.size(), 0xBDu);
  EXPECT_EQ(v[0], 0x30);
  EXPECT_EQ(v[1], 0x81);
  EXPECT_EQ(v[2], 0xBA);
  EXPECT_EQ((Bytes{v[3], v[4], v[5], v[6], v[7]}), (Bytes{0x02, 0x01, 0x01, 0x30, 0x76}));
  EXPECT_EQ(v[0x7E], 0x30);
  EXPECT_EQ(v[0x7F], 0x3D);
  EXPECT_TRUE(EncodeDiceFwidExtension(key.PublicKey().value(), Bytes(47, 0)).error().code ==
              Errc::kInvalidArgument);
  // Truncations never decode.
  for (std::size_t n = 0; n < v.size(); ++n) {
    EXPECT_FALSE(DecodeDiceFwidExtension(ByteSpan(v).first(n)).has_value()) << n;
  }
}

TEST(PkiTest, RejectsMismatchedIssuerKeyAndBadInput) {
  Ca root = MakeRoot("Root");
  auto k = EcPrivateKey::Generate(Curve::kP384).value();
  CertificateSpec spec;
  spec.subject = {{"CN", "x"}};
  spec.not_before = Day(2024, 1, 1);
  spec.not_after = Day(2025, 1, 1);
  EXPECT_EQ(IssueCertificate(spec, k.PublicKey().value(), &root.cert, k).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(IssueCertificate(spec, k.PublicKey().value(), nullptr, root.key).error().code,
            Errc::kInvalidArgument);
  CertificateSpec bad = spec;
  bad.subject = {{"NoSuchAttr", "x"}};
  EXPECT_EQ(IssueCertificate(bad, k.PublicKey().value(), nullptr, k).error().code, Errc::kInvalidArgument);
  bad = spec;
  bad.not_after = Day(2023, 1, 1);
  EXPECT_EQ(IssueCertificate(bad, k.PublicKey().value(), nullptr, k).error().code, Errc::kInvalidArgument);
  bad = spec;
  bad.extensions.push_back({"not.an.oid", false, {0x05, 0x00}});
  EXPECT_EQ(IssueCertificate(bad, k.PublicKey().value(), nullptr, k).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::crypto
