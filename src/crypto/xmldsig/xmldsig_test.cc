#include "crypto/xmldsig/xmldsig.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "base/encoding.h"

namespace ccgpu::crypto {
namespace {

const std::string kNv = std::string(CCGPU_TESTDATA_DIR) + "/third_party/nvidia/";
const std::string kGpu = kNv + "nvtrust/guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/";
const std::string kSdk = kNv + "attestation-sdk/nv-attestation-sdk-cpp/unit-tests/testdata/";
const std::string kRoot = kGpu + "certs/verifier_RIM_root.pem";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}
Bytes ReadBytes(const std::string& path) {
  std::string s = ReadText(path);
  return Bytes(s.begin(), s.end());
}
TimePoint At(const char* rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return *t;
}
XmlDsigVerifier PinnedVerifier() {
  auto v = XmlDsigVerifier::Create(ReadText(kRoot));
  EXPECT_TRUE(v.has_value());
  return *v;
}

struct Case {
  std::string path;
  const char* at;
  Errc expected;  // kOk stand-in: Errc{0}
};
constexpr Errc kOk = Errc{0};

// Every RIM the project uses, with the outcomes of MANIFEST.md / xmlsec1.
const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {kGpu + "samples/Driver_RIM_test_no_gpu.swidtag", "2024-06-01T00:00:00Z", kOk},
      {kGpu + "samples/Driver_RIM_test_no_gpu.swidtag", "2026-11-25T00:00:00Z", Errc::kCertExpired},
      {kGpu + "samples/1010_0200_882_96005E0001_test_no_gpu.swidtag", "2024-06-01T00:00:00Z", kOk},
      {kGpu + "samples/1010_0200_882_96005E0001_test_no_gpu.swidtag", "2026-11-25T00:00:00Z",
       Errc::kCertExpired},
      {kGpu + "samples/1010_0200_882_96005E0001_PROD.swidtag", "2024-06-01T00:00:00Z", kOk},
      {kGpu + "samples/1010_0200_882_96005E0001_PROD.swidtag", "2026-11-25T00:00:00Z",
       Errc::kCertExpired},
      {kGpu + "samples/1010_0205_862_96005E0004_PROD.swidtag", "2024-06-01T00:00:00Z", kOk},
      {kGpu + "samples/1010_0205_862_96005E0004_PROD.swidtag", "2026-11-25T00:00:00Z",
       Errc::kCertExpired},
      {kGpu + "samples/1010_0205_862_9600740020_PROD.swidtag", "2024-06-01T00:00:00Z", kOk},
      {kGpu + "samples/1010_0205_862_9600740020_PROD.swidtag", "2026-11-25T00:00:00Z",
       Errc::kCertExpired},
      {kGpu + "samples/g520_0200_885_9600740001_PROD.swidtag", "2024-06-01T00:00:00Z", kOk},
      {kGpu + "samples/g520_0200_885_9600740001_PROD.swidtag", "2026-11-25T00:00:00Z",
       Errc::kCertExpired},
      {kGpu + "samples/1010_0210_886_9600740011_PROD.swidtag", "2024-06-01T00:00:00Z", kOk},
      {kGpu + "samples/1010_0210_886_9600740011_PROD.swidtag", "2026-11-25T00:00:00Z",
       Errc::kCertExpired},
      {kSdk + "sample_rims/NV_GPU_VBIOS_1010_0200_882_96005E0001_measurement_mismatch.xml",
       "2024-06-01T00:00:00Z", kOk},
      {kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml", "2025-06-01T00:00:00Z", kOk},
      {kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml", "2024-06-01T00:00:00Z", Errc::kCertNotYetValid},
      {kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml", "2027-01-01T00:00:00Z", Errc::kCertExpired},
      {kSdk + "switchVBIOSRim_NV_SWITCH_BIOS_5612_0002_890_9610550001.xml", "2026-06-01T00:00:00Z",
       kOk},
      {kSdk + "switchVBIOSRim_NV_SWITCH_BIOS_5612_0002_890_9610550001.xml", "2025-06-01T00:00:00Z",
       Errc::kCertNotYetValid},
      {kSdk + "incorrect_signature_driver_rim.xml", "2025-06-01T00:00:00Z",
       Errc::kXmlSignatureInvalid},
      {kSdk + "sample_rims/NV_SWITCH_BIOS_5612_0002_890_9610550001_invalid_signature.xml",
       "2025-06-01T00:00:00Z", Errc::kXmlSignatureInvalid},
      {kSdk + "sample_rims/NV_GPU_DRIVER_GH100_535.86.09_measurement_mismatch.xml",
       "2025-06-01T00:00:00Z", Errc::kXmlSignatureInvalid},
      {kSdk + "incorrect_cert_chain_driver_rim.xml", "2025-06-01T00:00:00Z", Errc::kChainInvalid},
      // MANIFEST: "digest mismatch at 2025-01-01, certificate has expired after".
      {kSdk + "sample_rims/NV_GPU_DRIVER_GH100_570.124.03_expired.xml", "2025-01-01T12:00:00Z",
       Errc::kXmlSignatureInvalid},
      {kSdk + "sample_rims/NV_GPU_DRIVER_GH100_570.124.03_expired.xml", "2026-11-25T00:00:00Z",
       Errc::kCertExpired},
  };
  return cases;
}

TEST(XmlDsigTest, EveryRimHasItsManifestOutcome) {
  XmlDsigVerifier v = PinnedVerifier();
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.path + " @ " + c.at);
    XmlDsigReport report;
    auto r = v.Verify(ReadBytes(c.path), At(c.at), &report);
    if (c.expected == kOk) {
      ASSERT_TRUE(r.has_value()) << r.error().ToString() << " chain: " << report.chain_failure_reason
                                 << " sig: " << report.signature_failure_reason;
      EXPECT_TRUE(report.chain_valid);
      EXPECT_TRUE(report.signature_valid);
      // Signer, intermediates, pinned root (the embedded copy is never used).
      ASSERT_GE(r->chain_der.size(), 3u);
      EXPECT_EQ(r->chain_der.back(), v.root_der());
      EXPECT_LE(r->valid_from, At(c.at));
      EXPECT_GE(r->valid_until, At(c.at));
      EXPECT_EQ(report.signature_method, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384");
      EXPECT_EQ(report.canonicalization_method, "http://www.w3.org/2006/12/xml-c14n11");
    } else {
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().code, c.expected) << r.error().ToString();
    }
  }
}

TEST(XmlDsigTest, ExpiryNamesTheExpiredCertificate) {
  XmlDsigReport report;
  auto r = PinnedVerifier().Verify(ReadBytes(kGpu + "samples/Driver_RIM_test_no_gpu.swidtag"),
                                   At("2026-11-25T00:00:00Z"), &report);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kCertExpired);
  EXPECT_EQ(report.chain_failure_reason, "certificate has expired");
  ASSERT_TRUE(report.chain_failure_depth.has_value());
  EXPECT_FALSE(report.signature_checked);
  EXPECT_NE(report.signer_subject.find("CN="), std::string::npos);
}

TEST(XmlDsigTest, NonFatalTimeErrorsReportExpiryButStillCheckEverythingElse) {
  XmlDsigVerifier v = PinnedVerifier();
  XmlDsigOptions options;
  options.at = At("2026-11-25T00:00:00Z");
  options.time_errors_fatal = false;
  XmlDsigReport report;
  auto r = v.Verify(ReadBytes(kGpu + "samples/Driver_RIM_test_no_gpu.swidtag"), options, &report);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_FALSE(r->time_valid);
  EXPECT_EQ(r->time_failure, "certificate has expired");
  EXPECT_FALSE(report.chain_valid);
  EXPECT_TRUE(report.signature_valid);
  EXPECT_LT(r->valid_until, options.at);
  // The synthetic expired RIM has a broken digest: now that expiry is not
  // fatal, the signature failure shows.
  auto e = v.Verify(ReadBytes(kSdk + "sample_rims/NV_GPU_DRIVER_GH100_570.124.03_expired.xml"),
                    options, &report);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, Errc::kXmlSignatureInvalid);
  // A foreign chain still fails.
  EXPECT_EQ(v.Verify(ReadBytes(kSdk + "incorrect_cert_chain_driver_rim.xml"), options)
                .error()
                .code,
            Errc::kChainInvalid);
  // In-window verification reports time_valid.
  options.at = At("2024-06-01T00:00:00Z");
  auto ok = v.Verify(ReadBytes(kGpu + "samples/Driver_RIM_test_no_gpu.swidtag"), options);
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(ok->time_valid);
}

TEST(XmlDsigTest, ForeignChainIsUnableToGetLocalIssuer) {
  XmlDsigReport report;
  auto r = PinnedVerifier().Verify(ReadBytes(kSdk + "incorrect_cert_chain_driver_rim.xml"),
                                   At("2025-06-01T00:00:00Z"), &report);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kChainInvalid);
  EXPECT_EQ(report.chain_failure_reason, "unable to get local issuer certificate");
  EXPECT_EQ(report.embedded_certs_der.size(), 2u);
}

TEST(XmlDsigTest, WrongPinnedRootIsChainFailure) {
  auto v = XmlDsigVerifier::Create(ReadText(kSdk + "incorrect_rim_root.crt"));
  ASSERT_TRUE(v.has_value());
  XmlDsigReport report;
  for (const char* f : {"NV_GPU_DRIVER_GH100_550.144.03.xml", "incorrect_signature_driver_rim.xml"}) {
    auto r = v->Verify(ReadBytes(kSdk + f), At("2025-06-01T00:00:00Z"), &report);
    ASSERT_FALSE(r.has_value()) << f;
    EXPECT_EQ(r.error().code, Errc::kChainInvalid) << f;
    EXPECT_FALSE(report.chain_failure_reason.empty());
  }
}

TEST(XmlDsigTest, SdkRootCopyIsTheSameAnchor) {
  auto v = XmlDsigVerifier::Create(ReadText(kSdk + "trusted_certs/rim_root.crt"));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->root_der(), PinnedVerifier().root_der());
  EXPECT_TRUE(v->Verify(ReadBytes(kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml"),
                        At("2025-06-01T00:00:00Z"))
                  .has_value());
}

TEST(XmlDsigTest, TamperedSignatureNamesDigestOrValue) {
  XmlDsigReport report;
  auto r = PinnedVerifier().Verify(ReadBytes(kSdk + "incorrect_signature_driver_rim.xml"),
                                   At("2025-06-01T00:00:00Z"), &report);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(report.chain_valid);
  EXPECT_TRUE(report.signature_checked);
  EXPECT_FALSE(report.signature_valid);
  EXPECT_EQ(report.signature_failure_reason, "signature value mismatch");

  auto r2 = PinnedVerifier().Verify(
      ReadBytes(kSdk + "sample_rims/NV_SWITCH_BIOS_5612_0002_890_9610550001_invalid_signature.xml"),
      At("2025-06-01T00:00:00Z"), &report);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(report.signature_failure_reason,
            "reference digest mismatch (signed content was altered)");
}

// Changing one byte anywhere in the signed content breaks the signature.
TEST(XmlDsigTest, EditedMeasurementFailsDigest) {
  Bytes doc = ReadBytes(kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  std::string s(doc.begin(), doc.end());
  auto pos = s.find("Hash0=\"");
  ASSERT_NE(pos, std::string::npos);
  pos += 7;
  s[pos] = s[pos] == 'a' ? 'b' : 'a';
  auto r = PinnedVerifier().Verify(AsBytes(s), At("2025-06-01T00:00:00Z"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kXmlSignatureInvalid);
}

TEST(XmlDsigTest, FlippingBitsOfSignatureValueFails) {
  Bytes doc = ReadBytes(kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  std::string s(doc.begin(), doc.end());
  auto start = s.find("<ds:SignatureValue>");
  ASSERT_NE(start, std::string::npos);
  start += std::strlen("<ds:SignatureValue>");
  auto end = s.find("</ds:SignatureValue>", start);
  auto sig = Base64Decode(s.substr(start, end - start));
  ASSERT_TRUE(sig.has_value());
  ASSERT_EQ(sig->size(), 96u);
  XmlDsigVerifier v = PinnedVerifier();
  // Every bit of r||s (96 bytes).
  for (std::size_t bit = 0; bit < sig->size() * 8; ++bit) {
    Bytes flipped = *sig;
    flipped[bit / 8] = static_cast<uint8_t>(flipped[bit / 8] ^ (1u << (bit % 8)));
    std::string t = s.substr(0, start) + Base64Encode(flipped) + s.substr(end);
    auto r = v.Verify(AsBytes(t), At("2025-06-01T00:00:00Z"));
    ASSERT_FALSE(r.has_value()) << bit;
    ASSERT_EQ(r.error().code, Errc::kXmlSignatureInvalid) << bit;
  }
}

TEST(XmlDsigTest, RejectsDocumentsWithoutOneEnvelopedSignature) {
  XmlDsigVerifier v = PinnedVerifier();
  const TimePoint t = At("2025-06-01T00:00:00Z");
  auto code = [&](std::string_view xml) {
    auto r = v.Verify(AsBytes(xml), t);
    return r.has_value() ? kOk : r.error().code;
  };
  EXPECT_EQ(code(""), Errc::kMalformed);
  EXPECT_EQ(code("<a>"), Errc::kMalformed);
  EXPECT_EQ(code("not xml at all"), Errc::kMalformed);
  EXPECT_EQ(code("<a/>"), Errc::kXmlSignatureInvalid);
  // Entities / DTDs are refused outright (no XXE, no entity expansion).
  EXPECT_EQ(code("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                 "<a>&x;</a>"),
            Errc::kMalformed);
  EXPECT_EQ(code("<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/x.dtd\"><a/>"), Errc::kMalformed);

  // Signature nested below the root (not enveloped) and duplicated.
  Bytes doc = ReadBytes(kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  std::string s(doc.begin(), doc.end());
  auto sig_start = s.find("<ds:Signature");
  auto sig_end = s.find("</ds:Signature>") + std::strlen("</ds:Signature>");
  ASSERT_NE(sig_start, std::string::npos);
  const std::string sig = s.substr(sig_start, sig_end - sig_start);
  std::string twice = s.substr(0, sig_end) + sig + s.substr(sig_end);
  EXPECT_EQ(code(twice), Errc::kXmlSignatureInvalid);
  std::string nested = s.substr(0, sig_start) + "<x>" + sig + "</x>" + s.substr(sig_end);
  EXPECT_EQ(code(nested), Errc::kXmlSignatureInvalid);
  // No certificate in KeyInfo.
  auto ki = s.find("<ds:KeyInfo>");
  auto ki_end = s.find("</ds:KeyInfo>") + std::strlen("</ds:KeyInfo>");
  std::string no_certs = s.substr(0, ki) + s.substr(ki_end);
  EXPECT_EQ(code(no_certs), Errc::kBadCertificate);
  // A reference to another URI is not allowed (and never fetched).
  std::string remote = s;
  auto uri = remote.find("URI=\"\"");
  ASSERT_NE(uri, std::string::npos);
  remote.replace(uri, 6, "URI=\"http://127.0.0.1:9/x\"");
  EXPECT_EQ(code(remote), Errc::kXmlSignatureInvalid);
}

// ---- one parse shared by several checks; certificates decoded once --------

TEST(XmlDsigTest, ParsedDocumentGivesEveryManifestOutcome) {
  // The same cases as from bytes, through XmlDocument, with one pool shared
  // by all documents: a pooled certificate never turns a failure into a
  // success (the chain and signature are still checked per document).
  XmlDsigVerifier v = PinnedVerifier();
  CertificatePool pool;
  pool.Pin(v.root());
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.path + " at " + c.at);
    auto doc = XmlDocument::Parse(ReadBytes(c.path));
    ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
    XmlDsigOptions options;
    options.at = At(c.at);
    XmlDsigReport from_doc, from_bytes;
    auto r = v.Verify(*doc, options, &from_doc, &pool);
    auto b = v.Verify(ReadBytes(c.path), options, &from_bytes);
    EXPECT_EQ(r.has_value() ? kOk : r.error().code, c.expected);
    EXPECT_EQ(b.has_value() ? kOk : b.error().code, c.expected);
    EXPECT_EQ(from_doc.chain_failure_reason, from_bytes.chain_failure_reason);
    EXPECT_EQ(from_doc.signature_failure_reason, from_bytes.signature_failure_reason);
    EXPECT_EQ(from_doc.signer_subject, from_bytes.signer_subject);
    if (r && b) {
      EXPECT_EQ(r->chain_der, b->chain_der);
      ASSERT_EQ(r->chain.size(), r->chain_der.size());
      for (std::size_t i = 0; i < r->chain.size(); ++i) EXPECT_EQ(r->chain[i].Der(), r->chain_der[i]);
      EXPECT_EQ(r->chain.back().Der(), v.root_der());  // the pinned root, last
      EXPECT_EQ(r->valid_until, b->valid_until);
    }
  }
}

TEST(XmlDsigTest, SharedIntermediatesAreDecodedOnceAndTheEmbeddedRootNever) {
  XmlDsigVerifier v = PinnedVerifier();
  CertificatePool pool;
  pool.Pin(v.root());
  XmlDsigOptions options;
  options.at = At("2024-06-01T00:00:00Z");
  auto driver = XmlDocument::Parse(ReadBytes(kGpu + "samples/Driver_RIM_test_no_gpu.swidtag"));
  auto vbios =
      XmlDocument::Parse(ReadBytes(kGpu + "samples/1010_0200_882_96005E0001_test_no_gpu.swidtag"));
  ASSERT_TRUE(driver && vbios);
  XmlDsigReport report;
  ASSERT_TRUE(v.Verify(*driver, options, &report, &pool));
  ASSERT_EQ(report.embedded_certs_der.size(), 4u);  // L4, L3, CA, copy of the root
  EXPECT_EQ(pool.decoded(), 3u);                     // the root copy is the pinned root
  auto second = v.Verify(*vbios, options, &report, &pool);
  ASSERT_TRUE(second);
  EXPECT_EQ(pool.decoded(), 4u);  // only its own L4 signer; L3 and CA were pooled
  EXPECT_EQ(second->chain.size(), 4u);
  // Without a pool each document decodes its own certificates, same result.
  auto alone = v.Verify(*vbios, options);
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->chain_der, second->chain_der);
}

TEST(XmlDsigTest, DocumentParseRefusesWhatVerifyRefuses) {
  EXPECT_EQ(XmlDocument::Parse(AsBytes("")).error().code, Errc::kMalformed);
  EXPECT_EQ(XmlDocument::Parse(AsBytes("<a>")).error().code, Errc::kMalformed);
  EXPECT_EQ(XmlDocument::Parse(AsBytes("<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/x.dtd\"><a/>"))
                .error()
                .code,
            Errc::kMalformed);
  Bytes big(kMaxXmlDocumentSize + 1, ' ');
  EXPECT_EQ(XmlDocument::Parse(big).error().code, Errc::kOutOfRange);
  auto ok = XmlDocument::Parse(AsBytes("<a/>"));
  ASSERT_TRUE(ok);
  EXPECT_NE(ok->get(), nullptr);
  XmlDsigOptions options;
  options.at = At("2025-06-01T00:00:00Z");
  EXPECT_EQ(PinnedVerifier().Verify(*ok, options).error().code, Errc::kXmlSignatureInvalid);
}

TEST(XmlDsigTest, TruncationAtEveryHundredthByteNeverVerifies) {
  XmlDsigVerifier v = PinnedVerifier();
  Bytes doc = ReadBytes(kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  for (std::size_t n = 0; n < doc.size(); n += 97) {
    auto r = v.Verify(ByteSpan(doc.data(), n), At("2025-06-01T00:00:00Z"));
    EXPECT_FALSE(r.has_value()) << n;
  }
}

TEST(XmlDsigTest, CreateRejectsBadRoots) {
  EXPECT_EQ(XmlDsigVerifier::Create("").error().code, Errc::kInvalidPem);
  EXPECT_EQ(XmlDsigVerifier::Create("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                .error()
                .code,
            Errc::kBadCertificate);
  Bytes junk = {0x30, 0x03, 0x02, 0x01, 0x01};
  EXPECT_EQ(XmlDsigVerifier::CreateFromDer(junk).error().code, Errc::kBadCertificate);
}

TEST(XmlDsigTest, ConcurrentVerificationsAgree) {
  XmlDsigVerifier v = PinnedVerifier();
  Bytes good = ReadBytes(kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  Bytes bad = ReadBytes(kSdk + "incorrect_signature_driver_rim.xml");
  std::array<int, 4> ok{};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 3; ++k) {
        bool g = v.Verify(good, At("2025-06-01T00:00:00Z")).has_value();
        bool b = v.Verify(bad, At("2025-06-01T00:00:00Z")).has_value();
        if (g && !b) ++ok[static_cast<std::size_t>(i)];
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int n : ok) EXPECT_EQ(n, 3);
}

// Cross-check with the real xmlsec1 command line (same files, same times).
std::string RunXmlsec1(const std::string& file, const char* gmt, const std::string& root) {
  std::string cmd = "xmlsec1 --verify --verification-gmt-time \"" + std::string(gmt) +
                    "\" --trusted-pem '" + root + "' '" + file + "' 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int rc = pclose(p);
  return (rc == 0 ? "rc=0\n" : "rc!=0\n") + out;
}

TEST(XmlDsigTest, AgreesWithXmlsec1Cli) {
  if (std::system("command -v xmlsec1 >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "xmlsec1 CLI not installed (scripts/setup.sh installs it)";
  }
  XmlDsigVerifier v = PinnedVerifier();
  struct Cli {
    std::string file;
    const char* gmt;
    const char* rfc;
    const char* cli_says;  // substring of xmlsec1's output
    Errc ours;
  };
  const Cli cases[] = {
      {kGpu + "samples/Driver_RIM_test_no_gpu.swidtag", "2024-06-01 00:00:00",
       "2024-06-01T00:00:00Z", "rc=0", kOk},
      {kGpu + "samples/Driver_RIM_test_no_gpu.swidtag", "2026-11-25 00:00:00",
       "2026-11-25T00:00:00Z", "certificate has expired", Errc::kCertExpired},
      {kSdk + "incorrect_signature_driver_rim.xml", "2025-06-01 00:00:00", "2025-06-01T00:00:00Z",
       "FAIL", Errc::kXmlSignatureInvalid},
      {kSdk + "incorrect_cert_chain_driver_rim.xml", "2025-06-01 00:00:00", "2025-06-01T00:00:00Z",
       "unable to get local issuer certificate", Errc::kChainInvalid},
      {kSdk + "switchVBIOSRim_NV_SWITCH_BIOS_5612_0002_890_9610550001.xml", "2026-06-01 00:00:00",
       "2026-06-01T00:00:00Z", "rc=0", kOk},
  };
  for (const Cli& c : cases) {
    SCOPED_TRACE(c.file);
    std::string cli = RunXmlsec1(c.file, c.gmt, kRoot);
    EXPECT_NE(cli.find(c.cli_says), std::string::npos) << cli;
    auto r = v.Verify(ReadBytes(c.file), At(c.rfc));
    EXPECT_EQ(r.has_value() ? kOk : r.error().code, c.ours);
    EXPECT_EQ(r.has_value(), cli.rfind("rc=0", 0) == 0);
  }
}

}  // namespace
}  // namespace ccgpu::crypto
