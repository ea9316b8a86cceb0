// Certificate parsing and chain verification: the real NVIDIA GH100 device
// chain against NVIDIA's device root, and a test PKI built here with OpenSSL
// for the cases real data cannot give (expired leaf, bad CA flags, AIA).
#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/encoding.h"
#include "crypto/ossl.h"
#include "crypto/x509.h"

namespace ccgpu::crypto {
namespace {

const std::string kNvVerifier = std::string(CCGPU_TESTDATA_DIR) +
                                "/third_party/nvidia/nvtrust/guest_tools/gpu_verifiers/"
                                "local_gpu_verifier/src/verifier/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_TRUE(in.good() || in.eof()) << path;
  return s.str();
}

TimePoint At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

class NvidiaChain : public ::testing::Test {
 protected:
  void SetUp() override {
    auto chain = Certificate::ParsePemChain(ReadFile(kNvVerifier + "samples/hopperCertChain.txt"));
    ASSERT_TRUE(chain) << chain.error().ToString();
    chain_ = *chain;
    ASSERT_EQ(chain_.size(), 5u);
    root_ = Certificate::FromPem(ReadFile(kNvVerifier + "certs/verifier_device_root.pem")).value();
    // As NVIDIA's verifier does: drop the device-supplied root, pin ours.
    device_part_.assign(chain_.begin(), chain_.begin() + 4);
  }
  std::vector<Certificate> chain_, device_part_;
  std::optional<Certificate> root_;
};

TEST_F(NvidiaChain, ParsesFieldsOfTheRealChain) {
  const Certificate& leaf = chain_[0];
  EXPECT_EQ(leaf.CommonName(), "GH100 A01 GSP FMC LF");
  EXPECT_EQ(leaf.Subject(),
            "CN=GH100 A01 GSP FMC LF,O=NVIDIA Corporation,C=US,"
            "serialNumber=53C22BA15E5D68088282DA074ED9FB37AA585771");
  EXPECT_EQ(leaf.Issuer(),
            "CN=GH100 A01 GSP BROM,O=NVIDIA Corporation,C=US,serialNumber=41431D480FE5E87274");
  EXPECT_EQ(HexEncode(leaf.SerialNumber()), "53c22ba15e5d68088282da074ed9fb37aa585771");
  EXPECT_EQ(FormatRfc3339(leaf.NotBefore()), "2020-10-17T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(leaf.NotAfter()), "9999-12-31T23:59:59Z");
  EXPECT_FALSE(leaf.OcspUrl().has_value());
  auto key = leaf.PublicKey();
  ASSERT_TRUE(key);
  EXPECT_EQ(key->curve(), Curve::kP384);
  EXPECT_EQ(chain_[4].CommonName(), "NVIDIA Device Identity CA");
  EXPECT_EQ(chain_[4].Der(), root_->Der());
  for (std::size_t i = 0; i + 1 < chain_.size(); ++i) {
    EXPECT_EQ(chain_[i].Issuer(), chain_[i + 1].Subject()) << i;
  }
}

// Subject/Issuer/SerialDecimal/OcspUrl are made on first use: the first
// calls may race (one parsed certificate shared by threads) and all see the
// same text; making them leaves the caller's OpenSSL error queue alone.
TEST_F(NvidiaChain, DisplayFieldsMadeOnFirstUseAreTheSameFromEveryThread) {
  const std::string der_hex = HexEncode(chain_[1].Der());
  for (int round = 0; round < 20; ++round) {
    const Certificate fresh = Certificate::FromDer(HexDecode(der_hex).value()).value();
    std::vector<std::string> seen(8);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < seen.size(); ++t) {
      threads.emplace_back([&, t] {
        seen[t] = fresh.Subject() + "|" + fresh.Issuer() + "|" + fresh.SerialDecimal() + "|" +
                  fresh.OcspUrl().value_or("none");
      });
    }
    for (auto& th : threads) th.join();
    const std::string want = chain_[1].Subject() + "|" + chain_[1].Issuer() + "|" +
                             chain_[1].SerialDecimal() + "|none";
    for (const auto& s : seen) EXPECT_EQ(s, want);
  }
  EXPECT_EQ(chain_[1].Subject(), "CN=GH100 A01 GSP BROM,O=NVIDIA Corporation,C=US,"
                                 "serialNumber=41431D480FE5E87274");
  EXPECT_EQ(chain_[0].SerialDecimal(), "478176379286082186618948445787393647364802107249");

  ERR_clear_error();
  ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
  const Certificate fresh = Certificate::FromDer(chain_[2].Der()).value();
  ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);  // FromDer may clear; raise again
  EXPECT_FALSE(fresh.Subject().empty());
  EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), X509_R_CERT_ALREADY_IN_HASH_TABLE);
  ERR_clear_error();
}

TEST_F(NvidiaChain, LeafCarriesTheTcgDiceFwidExtension) {
  auto ext = chain_[0].Extension("2.23.133.5.4.1");  // tcg-dice-TcbInfo
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext->size(), 189u);
  EXPECT_EQ(HexEncode(ByteSpan(*ext).first(6)), "3081ba020101");
  EXPECT_EQ(chain_[1].Extension("2.23.133.5.4.1").error().code, Errc::kNotFound);
  EXPECT_EQ(chain_[0].Extension("not.an.oid").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(chain_[0].Extension("").error().code, Errc::kInvalidArgument);
  EXPECT_TRUE(chain_[1].Extension("2.5.29.19"));  // basicConstraints
}

TEST_F(NvidiaChain, VerifiesAgainstThePinnedDeviceRoot) {
  const std::vector<Certificate> roots = {*root_};
  ChainFailure failure;
  auto st = VerifyChain(device_part_, roots, {At("2026-11-25T00:00:00Z")}, &failure);
  EXPECT_TRUE(st) << failure.reason;
  // With the device-supplied root still attached (it is the pinned one).
  EXPECT_TRUE(VerifyChain(chain_, roots, {At("2026-11-25T00:00:00Z")}));
  // Last valid second (OpenSSL: notAfter itself counts as expired).
  EXPECT_TRUE(VerifyChain(device_part_, roots, {At("9999-12-31T23:59:58Z")}));
  EXPECT_EQ(VerifyChain(device_part_, roots, {At("9999-12-31T23:59:59Z")}).error().code,
            Errc::kCertExpired);
}

TEST_F(NvidiaChain, NotYetValidAtAnInjectedEarlierTime) {
  const std::vector<Certificate> roots = {*root_};
  ChainFailure failure;
  // 2022-02-01: the root (2021-11-05) and GH100 Identity (2022-01-12) are
  // valid; "NVIDIA GH100 Provisioner ICA 1" starts 2022-03-01.
  auto st = VerifyChain(device_part_, roots, {At("2022-02-01T00:00:00Z")}, &failure);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kCertNotYetValid);
  EXPECT_EQ(failure.index, 2u);
  EXPECT_NE(failure.reason.find("not yet valid"), std::string::npos) << failure.reason;
  // 2020-01-01: before the root itself (index == chain size: the anchor).
  st = VerifyChain(device_part_, roots, {At("2020-01-01T00:00:00Z")}, &failure);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kCertNotYetValid);
  EXPECT_EQ(failure.index, 4u);
  // Time checks off: passes.
  ChainOptions no_time{At("2020-01-01T00:00:00Z")};
  no_time.check_time = false;
  EXPECT_TRUE(VerifyChain(device_part_, roots, no_time));
}

TEST_F(NvidiaChain, WrongRootOrMissingLinkFailsWithChainInvalid) {
  auto rim_root = Certificate::FromPem(ReadFile(kNvVerifier + "certs/verifier_RIM_root.pem"));
  ASSERT_TRUE(rim_root);
  const std::vector<Certificate> wrong = {*rim_root};
  ChainFailure failure;
  auto st = VerifyChain(device_part_, wrong, {At("2026-11-25T00:00:00Z")}, &failure);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kChainInvalid);
  EXPECT_FALSE(failure.reason.empty());
  // Even with NVIDIA's root inside the chain: only pinned roots are trusted.
  st = VerifyChain(chain_, wrong, {At("2026-11-25T00:00:00Z")}, &failure);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kChainInvalid);
  // An intermediate missing.
  const std::vector<Certificate> gap = {chain_[0], chain_[1], chain_[3]};
  const std::vector<Certificate> roots = {*root_};
  st = VerifyChain(gap, roots, {At("2026-11-25T00:00:00Z")}, &failure);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kChainInvalid);
  EXPECT_EQ(failure.index, 1u);
  EXPECT_NE(failure.reason.find("issuer"), std::string::npos) << failure.reason;
  // No chain, no roots.
  EXPECT_EQ(VerifyChain({}, roots, {At("2026-11-25T00:00:00Z")}).error().code,
            Errc::kChainInvalid);
  EXPECT_EQ(VerifyChain(device_part_, {}, {At("2026-11-25T00:00:00Z")}).error().code,
            Errc::kChainInvalid);
}

TEST_F(NvidiaChain, TamperedLeafSignatureFails) {
  Bytes der = chain_[0].Der();
  der[der.size() - 5] ^= 0x01;  // inside the signature value
  auto bad = Certificate::FromDer(der);
  ASSERT_TRUE(bad);
  std::vector<Certificate> chain = device_part_;
  chain[0] = *bad;
  const std::vector<Certificate> roots = {*root_};
  ChainFailure failure;
  auto st = VerifyChain(chain, roots, {At("2026-11-25T00:00:00Z")}, &failure);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kChainInvalid);
  EXPECT_EQ(failure.index, 0u);
  EXPECT_NE(failure.reason.find("signature"), std::string::npos) << failure.reason;
}

TEST_F(NvidiaChain, DerParsersRefuseTruncationAndBadLengths) {
  const Bytes der = chain_[0].Der();
  EXPECT_EQ(Certificate::FromDer(der).value().Der(), der);
  for (std::size_t len = 0; len < der.size(); ++len) {
    auto r = Certificate::FromDer(ByteSpan(der).first(len));
    ASSERT_FALSE(r) << len;
    EXPECT_EQ(r.error().code, Errc::kBadCertificate) << len;
  }
  Bytes longer = der;
  longer.push_back(0);
  EXPECT_EQ(Certificate::FromDer(longer).error().code, Errc::kBadCertificate);
  // Outer SEQUENCE length (30 82 LL LL) one too short and one too long.
  ASSERT_EQ(der[0], 0x30);
  ASSERT_EQ(der[1], 0x82);
  Bytes shorter_len = der, longer_len = der;
  shorter_len[3]--;
  longer_len[3]++;
  EXPECT_EQ(Certificate::FromDer(shorter_len).error().code, Errc::kBadCertificate);
  EXPECT_EQ(Certificate::FromDer(longer_len).error().code, Errc::kBadCertificate);
}

TEST_F(NvidiaChain, DerChainRoundTripsAndRefusesDamage) {
  Bytes all;
  for (const auto& c : chain_) {
    const Bytes d = c.Der();
    all.insert(all.end(), d.begin(), d.end());
  }
  auto parsed = Certificate::ParseDerChain(all);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ((*parsed)[i].Der(), chain_[i].Der());
  EXPECT_EQ(Certificate::ParseDerChain({}).error().code, Errc::kBadCertificate);
  // Cut inside the last certificate, and trailing junk.
  EXPECT_EQ(Certificate::ParseDerChain(ByteSpan(all).first(all.size() - 1)).error().code,
            Errc::kBadCertificate);
  Bytes junk = all;
  junk.push_back(0x30);
  EXPECT_EQ(Certificate::ParseDerChain(junk).error().code, Errc::kBadCertificate);
}

TEST_F(NvidiaChain, DerChainReusesKnownCertificatesByExactBytes) {
  Bytes all;
  std::vector<std::size_t> ends;
  for (const auto& c : chain_) {
    const Bytes d = c.Der();
    all.insert(all.end(), d.begin(), d.end());
    ends.push_back(all.size());
  }
  // The root and one intermediate are known: those two are the known
  // objects themselves, the others are parsed afresh.
  const std::vector<Certificate> known = {chain_[4], chain_[2]};
  auto parsed = Certificate::ParseDerChain(all, known);
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ((*parsed)[i].Der(), chain_[i].Der());
  EXPECT_EQ(&(*parsed)[4].data(), &chain_[4].data());
  EXPECT_EQ(&(*parsed)[2].data(), &chain_[2].data());
  EXPECT_NE(&(*parsed)[0].data(), &chain_[0].data());
  EXPECT_NE(&(*parsed)[3].data(), &chain_[3].data());
  // One changed byte (in the root's signature) and the known root no longer
  // matches: that certificate is parsed, not replaced by the known one.
  Bytes changed = all;
  changed[all.size() - 2] ^= 0x01;
  auto reparsed = Certificate::ParseDerChain(changed, known);
  ASSERT_TRUE(reparsed);
  EXPECT_NE(&(*reparsed)[4].data(), &chain_[4].data());
  EXPECT_NE((*reparsed)[4].Der(), chain_[4].Der());
  // Truncated at every length, with every certificate known: only cuts at a
  // certificate boundary give a (shorter) chain, every other cut fails.
  for (std::size_t n = 0; n < all.size(); ++n) {
    auto r = Certificate::ParseDerChain(ByteSpan(all).first(n), chain_);
    const bool boundary = std::find(ends.begin(), ends.end(), n) != ends.end();
    if (boundary) {
      ASSERT_TRUE(r) << n;
    } else {
      ASSERT_FALSE(r) << n;
      EXPECT_EQ(r.error().code, Errc::kBadCertificate) << n;
    }
  }
  // A first length byte claiming more than there is, or an indefinite
  // length, is left to the full parser, which refuses it.
  Bytes longer = all;
  longer[2] = 0xFF;
  EXPECT_FALSE(Certificate::ParseDerChain(longer, chain_));
  Bytes indefinite = {0x30, 0x80, 0x00, 0x00};
  EXPECT_EQ(Certificate::ParseDerChain(indefinite, chain_).error().code, Errc::kBadCertificate);
}

// ---- CertificatePool: decode each DER once, never change a result ----------

TEST_F(NvidiaChain, PoolDecodesEachDerOnceAndGivesTheSameCertificate) {
  CertificatePool pool;
  const Bytes der = chain_[2].Der();
  auto a = pool.FromDer(der);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(pool.decoded(), 1u);
  auto b = pool.FromDer(der);
  ASSERT_TRUE(b);
  EXPECT_EQ(pool.decoded(), 1u);  // second request: no decode
  EXPECT_EQ(a->DerView().data(), b->DerView().data());  // the very same parsed object
  // Everything a fresh parse gives.
  EXPECT_EQ(b->Der(), chain_[2].Der());
  EXPECT_EQ(b->Subject(), chain_[2].Subject());
  EXPECT_EQ(b->NotAfter(), chain_[2].NotAfter());
  EXPECT_EQ(b->SerialNumber(), chain_[2].SerialNumber());
  // A different certificate is decoded.
  ASSERT_TRUE(pool.FromDer(chain_[3].Der()));
  EXPECT_EQ(pool.decoded(), 2u);
  EXPECT_EQ(pool.size(), 2u);
}

TEST_F(NvidiaChain, PoolRefusesWhatFromDerRefusesAndKeepsNothingOfIt) {
  CertificatePool pool;
  Bytes der = chain_[1].Der();
  EXPECT_EQ(pool.FromDer(ByteSpan(der).first(der.size() - 1)).error().code, Errc::kBadCertificate);
  Bytes trailing = der;
  trailing.push_back(0x00);
  EXPECT_EQ(pool.FromDer(trailing).error().code, Errc::kBadCertificate);
  EXPECT_EQ(pool.FromDer({}).error().code, Errc::kBadCertificate);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.decoded(), 0u);
  // A pooled certificate does not make a damaged copy of it parse.
  ASSERT_TRUE(pool.FromDer(der));
  der[der.size() / 2] ^= 0x01;
  auto damaged = pool.FromDer(der);
  if (damaged) {
    EXPECT_NE(damaged->Der(), chain_[1].Der());  // decoded as what it is, not the pooled one
  }
  EXPECT_EQ(pool.decoded(), damaged ? 2u : 1u);
}

TEST_F(NvidiaChain, PinnedEntriesSurviveClearAndCapacityOthersDoNot) {
  CertificatePool pool(/*capacity=*/2);
  pool.Pin(*root_);
  EXPECT_EQ(pool.size(), 1u);
  // The chain's copy of the pinned root is the pinned object: not decoded.
  auto copy = pool.FromDer(chain_[4].Der());
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->DerView().data(), root_->DerView().data());
  EXPECT_EQ(pool.decoded(), 0u);
  ASSERT_TRUE(pool.FromDer(chain_[0].Der()));
  ASSERT_TRUE(pool.FromDer(chain_[1].Der()));
  EXPECT_EQ(pool.size(), 3u);
  // Third unpinned entry: the unpinned ones are dropped first.
  ASSERT_TRUE(pool.FromDer(chain_[2].Der()));
  EXPECT_EQ(pool.size(), 2u);  // root + chain_[2]
  ASSERT_TRUE(pool.FromDer(chain_[0].Der()));
  EXPECT_EQ(pool.decoded(), 4u);  // chain_[0] decoded again after the drop
  pool.Clear();
  EXPECT_EQ(pool.size(), 1u);
  ASSERT_TRUE(pool.FromDer(chain_[4].Der()));
  EXPECT_EQ(pool.decoded(), 4u);
  // Capacity 0: nothing but pinned entries is ever kept.
  CertificatePool none(0);
  ASSERT_TRUE(none.FromDer(chain_[0].Der()));
  ASSERT_TRUE(none.FromDer(chain_[0].Der()));
  EXPECT_EQ(none.decoded(), 2u);
  EXPECT_EQ(none.size(), 0u);
}

TEST_F(NvidiaChain, PemChainThroughAPoolDecodesOnlyUnknownCertificates) {
  CertificatePool pool;
  pool.Pin(*root_);
  const std::string pem = ReadFile(kNvVerifier + "samples/hopperCertChain.txt");
  auto chain = Certificate::ParsePemChain(pem, &pool);
  ASSERT_TRUE(chain) << chain.error().ToString();
  ASSERT_EQ(chain->size(), 5u);
  EXPECT_EQ(pool.decoded(), 4u);  // the device's copy of the pinned root is not decoded
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ((*chain)[i].Der(), chain_[i].Der());
  EXPECT_EQ((*chain)[4].DerView().data(), root_->DerView().data());
  // It verifies exactly like the plainly parsed chain.
  ChainOptions options{.at = At("2026-11-25T00:00:00Z")};
  const std::vector<Certificate> part(chain->begin(), chain->begin() + 4);
  const std::vector<Certificate> roots = {*root_};
  EXPECT_TRUE(VerifyChain(part, roots, options));
  // Same errors as without a pool.
  EXPECT_EQ(Certificate::ParsePemChain("no pem here", &pool).error().code, Errc::kInvalidPem);
  EXPECT_EQ(Certificate::ParsePemChain(pem, nullptr)->size(), 5u);
}

TEST(CertificatePem, RefusesMissingDamagedOrForeignBlocks) {
  EXPECT_EQ(Certificate::ParsePemChain("").error().code, Errc::kInvalidPem);
  EXPECT_EQ(Certificate::ParsePemChain("hello").error().code, Errc::kInvalidPem);
  EXPECT_EQ(Certificate::FromPem("").error().code, Errc::kInvalidPem);
  EXPECT_EQ(Certificate::ParsePemChain("-----BEGIN CERTIFICATE-----\n!!!!\n"
                                       "-----END CERTIFICATE-----\n")
                .error()
                .code,
            Errc::kInvalidPem);
  EXPECT_EQ(Certificate::ParsePemChain("-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                       "-----END PUBLIC KEY-----\n")
                .error()
                .code,
            Errc::kInvalidPem);
  // Well-formed PEM around bytes that are not a certificate.
  EXPECT_EQ(Certificate::ParsePemChain("-----BEGIN CERTIFICATE-----\nAAAA\n"
                                       "-----END CERTIFICATE-----\n")
                .error()
                .code,
            Errc::kBadCertificate);
  const std::string chain_text = ReadFile(kNvVerifier + "samples/hopperCertChain.txt");
  // A chain cut mid-block.
  EXPECT_FALSE(Certificate::ParsePemChain(chain_text.substr(0, chain_text.size() / 2 + 7)));
  // FromPem takes the first block only.
  EXPECT_EQ(Certificate::FromPem(chain_text).value().CommonName(), "GH100 A01 GSP FMC LF");
}

// ---------------------------------------------------------------- test PKI

struct TestCa {
  OsslPtr<EVP_PKEY> key;
  OsslPtr<X509> cert;
};

OsslPtr<EVP_PKEY> NewKey() { return OsslPtr<EVP_PKEY>(EVP_EC_gen("P-256")); }

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  ASSERT_EQ(X509_add_ext(cert, ext, -1), 1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `cn`, signed by `issuer` (self-signed if
// null), valid [not_before, not_after], a CA if `ca`.
TestCa MakeCert(const char* cn, const TestCa* issuer, int64_t not_before, int64_t not_after,
                bool ca, const char* aia = nullptr) {
  TestCa out{NewKey(), OsslPtr<X509>(X509_new())};
  X509* x = out.cert.get();
  EXPECT_EQ(X509_set_version(x, 2), 1);
  static long serial = 1;
  EXPECT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial), 1);
  X509_NAME* name = X509_get_subject_name(x);
  EXPECT_EQ(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(cn), -1, -1, 0),
            1);
  EXPECT_EQ(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert.get()) : name), 1);
  EXPECT_NE(ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(not_before)), nullptr);
  EXPECT_NE(ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(not_after)), nullptr);
  EXPECT_EQ(X509_set_pubkey(x, out.key.get()), 1);
  X509* issuer_cert = issuer ? issuer->cert.get() : x;
  AddExt(x, issuer_cert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExt(x, issuer_cert, NID_key_usage,
         ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  AddExt(x, issuer_cert, NID_subject_key_identifier, "hash");
  AddExt(x, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (aia != nullptr) AddExt(x, issuer_cert, NID_info_access, aia);
  EXPECT_GT(X509_sign(x, issuer ? issuer->key.get() : out.key.get(), EVP_sha256()), 0);
  return out;
}

Certificate Wrap(const TestCa& c) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(c.cert.get(), &der);
  EXPECT_GT(len, 0);
  Bytes bytes(der, der + len);
  OPENSSL_free(der);
  return Certificate::FromDer(bytes).value();
}

constexpr int64_t kYear = 365 * 24 * 3600;
constexpr int64_t k2025 = 1735689600;  // 2025-01-01T00:00:00Z

TEST(TestPki, ExpiredLeafIsReportedAsExpiredWithItsIndex) {
  TestCa root = MakeCert("Test Root", nullptr, k2025, k2025 + 20 * kYear, true);
  TestCa ica = MakeCert("Test ICA", &root, k2025, k2025 + 10 * kYear, true);
  TestCa leaf = MakeCert("Test Leaf", &ica, k2025, k2025 + kYear, false,
                         "OCSP;URI:http://127.0.0.1:8888/ocsp");
  const std::vector<Certificate> chain = {Wrap(leaf), Wrap(ica)};
  const std::vector<Certificate> roots = {Wrap(root)};
  EXPECT_EQ(chain[0].OcspUrl().value_or(""), "http://127.0.0.1:8888/ocsp");
  EXPECT_EQ(ToUnixSeconds(chain[0].NotAfter()), k2025 + kYear);
  EXPECT_TRUE(VerifyChain(chain, roots, {FromUnixSeconds(k2025 + 100)}));
  // Last valid second: OpenSSL counts the notAfter second itself as expired.
  EXPECT_TRUE(VerifyChain(chain, roots, {FromUnixSeconds(k2025 + kYear - 1)}));
  ChainFailure failure;
  auto st = VerifyChain(chain, roots, {FromUnixSeconds(k2025 + kYear)}, &failure);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kCertExpired);
  EXPECT_EQ(failure.index, 0u);
  EXPECT_NE(failure.reason.find("expired"), std::string::npos) << failure.reason;
  st = VerifyChain(chain, roots, {FromUnixSeconds(k2025 - 1)}, &failure);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kCertNotYetValid);
  EXPECT_TRUE(VerifyChain(chain, roots, {FromUnixSeconds(k2025)}));  // first valid second
  ChainOptions no_time{FromUnixSeconds(k2025 + 5 * kYear)};
  no_time.check_time = false;
  EXPECT_TRUE(VerifyChain(chain, roots, no_time));
}

TEST(TestPki, IntermediateThatIsNotACaIsRefused) {
  TestCa root = MakeCert("Test Root", nullptr, k2025, k2025 + 20 * kYear, true);
  TestCa not_ca = MakeCert("Not A CA", &root, k2025, k2025 + 10 * kYear, false);
  TestCa leaf = MakeCert("Leaf", &not_ca, k2025, k2025 + kYear, false);
  const std::vector<Certificate> chain = {Wrap(leaf), Wrap(not_ca)};
  const std::vector<Certificate> roots = {Wrap(root)};
  ChainFailure failure;
  auto st = VerifyChain(chain, roots, {FromUnixSeconds(k2025 + 100)}, &failure);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kChainInvalid);
  EXPECT_EQ(failure.index, 1u);
}

TEST(TestPki, PinnedIntermediateNeedsPartialChainOption) {
  TestCa root = MakeCert("Test Root", nullptr, k2025, k2025 + 20 * kYear, true);
  TestCa ica = MakeCert("Test ICA", &root, k2025, k2025 + 10 * kYear, true);
  TestCa leaf = MakeCert("Leaf", &ica, k2025, k2025 + kYear, false);
  const std::vector<Certificate> chain = {Wrap(leaf)};
  const std::vector<Certificate> pinned = {Wrap(ica)};
  ChainOptions options{FromUnixSeconds(k2025 + 100)};
  EXPECT_EQ(VerifyChain(chain, pinned, options).error().code, Errc::kChainInvalid);
  options.allow_partial_chain = true;
  EXPECT_TRUE(VerifyChain(chain, pinned, options));
}

}  // namespace
}  // namespace ccgpu::crypto
