#include "crypto/xmlsign/xmlsign.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "base/encoding.h"
#include "crypto/pki/pki.h"
#include "crypto/xmldsig/xmldsig.h"

namespace ccgpu::crypto {
namespace {

TimePoint Day(int y, int m, int d) { return std::chrono::sys_days{std::chrono::year{y} / m / d}; }

struct Pki {
  EcPrivateKey root_key, signer_key;
  Certificate root, ca, signer;
};

Pki MakePki() {
  auto rk = EcPrivateKey::Generate(Curve::kP384).value();
  auto ck = EcPrivateKey::Generate(Curve::kP384).value();
  auto sk = EcPrivateKey::Generate(Curve::kP384).value();
  CertificateSpec s;
  s.not_before = Day(2024, 1, 1);
  s.not_after = Day(2040, 1, 1);
  s.is_ca = true;
  s.key_usage = kKuKeyCertSign | kKuCrlSign;
  s.subject = {{"CN", "RIM Root"}};
  auto root = IssueCertificate(s, rk.PublicKey().value(), nullptr, rk).value();
  s.subject = {{"CN", "RIM CA"}};
  auto ca = IssueCertificate(s, ck.PublicKey().value(), &root, rk).value();
  s.subject = {{"CN", "RIM Signer"}};
  s.is_ca = false;
  s.key_usage = kKuDigitalSignature;
  auto signer = IssueCertificate(s, sk.PublicKey().value(), &ca, ck).value();
  return {rk, sk, root, ca, signer};
}

constexpr std::string_view kDoc =
    "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" name=\"x\">"
    "<Payload><Resource index=\"0\" Hash0=\"00\"/></Payload></SoftwareIdentity>";

TEST(XmlSignTest, SignedDocumentVerifiesWithCcgpuVerifier) {
  Pki p = MakePki();
  std::vector<Certificate> chain{p.signer, p.ca, p.root};
  auto signed_xml = SignEnvelopedXml(kDoc, p.signer_key, chain);
  ASSERT_TRUE(signed_xml.has_value()) << static_cast<int>(signed_xml.error().code);
  EXPECT_NE(signed_xml->find("http://www.w3.org/2006/12/xml-c14n11"), std::string::npos);
  EXPECT_NE(signed_xml->find("xmldsig-more#ecdsa-sha384"), std::string::npos);
  EXPECT_NE(signed_xml->find("<ds:Reference URI=\"\">"), std::string::npos);

  auto root_pem_verifier = XmlDsigVerifier::CreateFromDer(p.root.Der()).value();
  XmlDsigReport report;
  auto v = root_pem_verifier.Verify(AsBytes(*signed_xml), Day(2026, 11, 25), &report);
  ASSERT_TRUE(v.has_value()) << report.signature_failure_reason << report.chain_failure_reason;
  EXPECT_EQ(report.embedded_certs_der.size(), 3u);
  EXPECT_EQ(report.signer_subject, p.signer.Subject());

  // A changed hash value breaks the reference digest.
  std::string tampered = *signed_xml;
  tampered.replace(tampered.find("Hash0=\"00\""), 10, "Hash0=\"01\"");
  EXPECT_EQ(root_pem_verifier.Verify(AsBytes(tampered), Day(2026, 11, 25)).error().code,
            Errc::kXmlSignatureInvalid);
}

TEST(XmlSignTest, Xmlsec1CliAcceptsSignedDocument) {
  Pki p = MakePki();
  std::vector<Certificate> chain{p.signer, p.ca, p.root};
  std::string signed_xml = SignEnvelopedXml(kDoc, p.signer_key, chain).value();
  auto dir = std::filesystem::temp_directory_path() / ("xmlsign_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "doc.xml") << signed_xml;
    std::ofstream root(dir / "root.der", std::ios::binary);
    Bytes der = p.root.Der();
    root.write(static_cast<const char*>(static_cast<const void*>(der.data())),
               static_cast<std::streamsize>(der.size()));
  }
  std::string cmd = "xmlsec1 --verify --trusted-der " + (dir / "root.der").string() +
                    " --enabled-key-data x509 " + (dir / "doc.xml").string() + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  // And with a different root it is refused.
  Pki other = MakePki();
  {
    std::ofstream root(dir / "other.der", std::ios::binary);
    Bytes der = other.root.Der();
    root.write(static_cast<const char*>(static_cast<const void*>(der.data())),
               static_cast<std::streamsize>(der.size()));
  }
  cmd = "xmlsec1 --verify --trusted-der " + (dir / "other.der").string() + " --enabled-key-data x509 " +
        (dir / "doc.xml").string() + " >/dev/null 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), 0);
  std::filesystem::remove_all(dir);
}

TEST(XmlSignTest, RejectsBadInput) {
  Pki p = MakePki();
  std::vector<Certificate> chain{p.signer, p.ca};
  EXPECT_EQ(SignEnvelopedXml("<a>", p.signer_key, chain).error().code, Errc::kMalformed);
  EXPECT_EQ(SignEnvelopedXml(kDoc, p.root_key, chain).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(SignEnvelopedXml(kDoc, p.signer_key, {}).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::crypto
