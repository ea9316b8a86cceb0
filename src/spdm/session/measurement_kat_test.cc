// SPDM 1.1 L1/L2 and the 1.1 signature form on real NVIDIA H100 evidence: the
// blob is GET_MEASUREMENTS (37 bytes, SPDM 1.1) || MEASUREMENTS, signed by
// the device's attestation key over L1 = request || response-without-
// Signature (1.1: no message A, no combined_spdm_prefix).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "base/encoding.h"
#include "crypto/x509.h"
#include "spdm/session/transcript.h"

namespace ccgpu::spdm::session {
namespace {

const std::string kDir = std::string(CCGPU_TESTDATA_DIR) +
                         "/third_party/nvidia/attestation-sdk/"
                         "nv-attestation-sdk-cpp/unit-tests/testdata/"
                         "sample_attestation_data/gpu/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr std::size_t kRequestSize = 37;  // 11 E0 01 FF | nonce(32) | slot
constexpr std::size_t kSignatureSize = 96;

struct Evidence {
  Bytes request, response_unsigned, signature;
};

Evidence Load(const std::string& file) {
  auto blob = HexDecode(TrimAsciiWhitespace(ReadFile(kDir + file)));
  EXPECT_TRUE(blob) << file;
  Evidence e;
  if (!blob || blob->size() < kRequestSize + kSignatureSize) return e;
  const ByteSpan b(*blob);
  e.request.assign(b.begin(), b.begin() + kRequestSize);
  const ByteSpan rsp = b.subspan(kRequestSize);
  e.response_unsigned.assign(rsp.begin(), rsp.end() - kSignatureSize);
  e.signature.assign(rsp.end() - kSignatureSize, rsp.end());
  return e;
}

Result<crypto::EcPublicKey> LeafKey() {
  CCGPU_ASSIGN_OR_RETURN(
      crypto::Certificate leaf,
      crypto::Certificate::FromPem(ReadFile(kDir + "hopperCertChain.txt")));
  return leaf.PublicKey();
}

TEST(MeasurementTranscriptNvidia, Spdm11SignatureVerifiesOverL1WithoutA) {
  const Evidence e = Load("hopperAttestationReport.txt");
  ASSERT_EQ(e.request.size(), kRequestSize);
  EXPECT_EQ(HexEncode(ByteSpan(e.request).first(4)), "11e001ff");
  auto key = LeafKey();
  ASSERT_TRUE(key) << key.error().ToString();
  // Message A is ignored for 1.1; pass something to show it is not hashed.
  const Bytes vca{0x10, 0x84, 0x00, 0x00};
  auto l1 = MeasurementTranscript::Create(crypto::HashAlg::kSha384,
                                          SpdmVersion::k11, vca);
  ASSERT_TRUE(l1);
  ASSERT_TRUE(l1->Append(e.request, e.response_unsigned, true));
  auto digest = l1->Digest();
  ASSERT_TRUE(digest);
  auto input = BuildSignatureInput(
      SpdmVersion::k11, SigningContext::kResponderMeasurements, *digest);
  ASSERT_TRUE(input);
  EXPECT_TRUE(
      VerifySignature(*key, crypto::HashAlg::kSha384, *input, e.signature));
  // The 1.2 form (prefix, with A) over the same bytes does not verify.
  auto l12 = MeasurementTranscript::Create(crypto::HashAlg::kSha384,
                                           SpdmVersion::k12, vca);
  ASSERT_TRUE(l12);
  ASSERT_TRUE(l12->Append(e.request, e.response_unsigned, true));
  auto d12 = l12->Digest();
  ASSERT_TRUE(d12);
  auto input12 = BuildSignatureInput(
      SpdmVersion::k12, SigningContext::kResponderMeasurements, *d12);
  ASSERT_TRUE(input12);
  auto st =
      VerifySignature(*key, crypto::HashAlg::kSha384, *input12, e.signature);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kBadSignature);
}

TEST(MeasurementTranscriptNvidia, InvalidSignatureSampleIsRejected) {
  const Evidence e = Load("hopperAttestationReportInvalidSignature.txt");
  ASSERT_EQ(e.request.size(), kRequestSize);
  auto key = LeafKey();
  ASSERT_TRUE(key);
  auto l1 = MeasurementTranscript::Create(crypto::HashAlg::kSha384,
                                          SpdmVersion::k11, {});
  ASSERT_TRUE(l1);
  ASSERT_TRUE(l1->Append(e.request, e.response_unsigned, true));
  auto input = BuildSignatureInput(
      SpdmVersion::k11, SigningContext::kResponderMeasurements, *l1->Digest());
  ASSERT_TRUE(input);
  auto st =
      VerifySignature(*key, crypto::HashAlg::kSha384, *input, e.signature);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kBadSignature);
}

}  // namespace
}  // namespace ccgpu::spdm::session
