// Mapping between the SPDM algorithm bits (DSP0274 1.2 §10.5) and the crypto
// layer's enums, for the algorithms ccgpu implements: ECDSA P-256/P-384,
// SHA-256/SHA-384, secp256r1/secp384r1 ECDHE, AES-256-GCM and
// ChaCha20-Poly1305. Header-only; used by the responder and the requester.
#ifndef CCGPU_SPDM_RESPONDER_ALGORITHM_MAP_H_
#define CCGPU_SPDM_RESPONDER_ALGORITHM_MAP_H_

#include <cstdint>
#include <optional>

#include "crypto/aead.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "spdm/wire/common.h"

namespace ccgpu::spdm {

// Every bit ccgpu can negotiate, per field.
inline constexpr uint32_t kImplementedBaseAsym = wire::alg::kEcdsaP256 | wire::alg::kEcdsaP384;
inline constexpr uint32_t kImplementedBaseHash = wire::alg::kSha256 | wire::alg::kSha384;
inline constexpr uint16_t kImplementedDhe = wire::alg::kSecp256r1 | wire::alg::kSecp384r1;
inline constexpr uint16_t kImplementedAead = wire::alg::kAes256Gcm | wire::alg::kChaCha20Poly1305;
inline constexpr uint32_t kImplementedMeasHash =
    wire::alg::kMeasSha256 | wire::alg::kMeasSha384 | wire::alg::kMeasSha512;

inline std::optional<crypto::HashAlg> HashFromBit(uint32_t bit) {
  if (bit == wire::alg::kSha256) return crypto::HashAlg::kSha256;
  if (bit == wire::alg::kSha384) return crypto::HashAlg::kSha384;
  return std::nullopt;
}
inline std::optional<crypto::HashAlg> MeasHashFromBit(uint32_t bit) {
  if (bit == wire::alg::kMeasSha256) return crypto::HashAlg::kSha256;
  if (bit == wire::alg::kMeasSha384) return crypto::HashAlg::kSha384;
  if (bit == wire::alg::kMeasSha512) return crypto::HashAlg::kSha512;
  return std::nullopt;
}
inline std::optional<crypto::Curve> CurveFromAsymBit(uint32_t bit) {
  if (bit == wire::alg::kEcdsaP256) return crypto::Curve::kP256;
  if (bit == wire::alg::kEcdsaP384) return crypto::Curve::kP384;
  return std::nullopt;
}
inline uint32_t AsymBitFromCurve(crypto::Curve c) {
  return c == crypto::Curve::kP256 ? wire::alg::kEcdsaP256 : wire::alg::kEcdsaP384;
}
inline std::optional<crypto::Curve> CurveFromDheBit(uint32_t bit) {
  if (bit == wire::alg::kSecp256r1) return crypto::Curve::kP256;
  if (bit == wire::alg::kSecp384r1) return crypto::Curve::kP384;
  return std::nullopt;
}
inline std::optional<crypto::AeadAlg> AeadFromBit(uint32_t bit) {
  if (bit == wire::alg::kAes256Gcm) return crypto::AeadAlg::kAes256Gcm;
  if (bit == wire::alg::kChaCha20Poly1305) return crypto::AeadAlg::kChaCha20Poly1305;
  return std::nullopt;
}
// True if exactly one bit is set.
inline bool SingleBit(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }
// The first bit of `priority` (most preferred first) that is set in `offered`, or 0.
template <typename T, std::size_t N>
uint32_t PickFirst(const T (&priority)[N], uint32_t offered) {
  for (T b : priority) {
    if ((offered & b) != 0) return b;
  }
  return 0;
}

}  // namespace ccgpu::spdm

#endif  // CCGPU_SPDM_RESPONDER_ALGORITHM_MAP_H_
