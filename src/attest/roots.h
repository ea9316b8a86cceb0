// Trust anchors that ship with ccgpu: NVIDIA's pinned roots, embedded at
// build time from src/attest/roots/*.pem (copied from NVIDIA nvtrust,
// guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/certs).
#ifndef CCGPU_ATTEST_ROOTS_H_
#define CCGPU_ATTEST_ROOTS_H_

#include <string_view>

namespace ccgpu::attest {

// CN=NVIDIA Device Identity CA (P-384): root of GH100 / GB100 / LS_10
// device identity chains; replaces the root the device sends.
std::string_view NvidiaDeviceRootPem();
// CN=NVIDIA CoRIM signing Root CA (P-384): root of every RIM signing chain.
std::string_view NvidiaRimRootPem();

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_ROOTS_H_
