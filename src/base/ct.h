// Constant-time comparison for MACs, tags, verify_data, digests and nonces.
#ifndef CCGPU_BASE_CT_H_
#define CCGPU_BASE_CT_H_

#include <cstdint>
#include <span>

namespace ccgpu {

// True iff a and b have the same length and the same bytes. The time taken
// depends only on the lengths, never on the contents. Lengths are not secret.
bool CtEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace ccgpu

#endif  // CCGPU_BASE_CT_H_
