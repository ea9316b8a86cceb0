// Test-only helpers: paths of NVIDIA's test vectors copied under
// tests/data/third_party/nvidia (see the README there).
#ifndef CCGPU_ATTEST_TEST_DATA_H_
#define CCGPU_ATTEST_TEST_DATA_H_

#include <fstream>
#include <sstream>
#include <string>

namespace ccgpu::attest {

inline const std::string kNvidiaDir = std::string(CCGPU_TESTDATA_DIR) + "/third_party/nvidia/";
inline const std::string kSdk = "attestation-sdk/nv-attestation-sdk-cpp/unit-tests/testdata/";
inline const std::string kNvtrustVerifier =
    "nvtrust/guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/";
inline const std::string kNvtrustSamples = kNvtrustVerifier + "samples/";
inline const std::string kV213Samples =
    "nvtrust-history/v2.1.3/guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/samples/";

namespace testing {
inline std::string NvidiaPath(const std::string& rel) { return kNvidiaDir + rel; }
inline std::string ReadNvidia(const std::string& rel) {
  std::ifstream in(NvidiaPath(rel), std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace testing

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_TEST_DATA_H_
