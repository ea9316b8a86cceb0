// Key derivation shared by the data-path streams and the sealed record
// (command/completion) channels: everything is derived from the SPDM
// session's export master secret (EMS) with HKDF-SHA-384, labelled by what
// it protects, so no two streams ever share a key.
#ifndef CCGPU_CHANNEL_KEYS_H_
#define CCGPU_CHANNEL_KEYS_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/aead.h"

namespace ccgpu::channel {

enum class Direction : uint8_t {
  kHostToDevice = 0,
  kDeviceToHost = 1,
  kPeer = 2,
  kCommand = 3,     // guest → device command records
  kCompletion = 4,  // device → guest completion records
};

struct StreamId {
  uint32_t channel_id = 0;
  Direction direction = Direction::kHostToDevice;
  uint8_t engine = 0;
};

inline constexpr std::size_t kStreamSecretSize = 48;

// HKDF-Expand(SHA-384, ems, label || channel_id u32 LE || direction u8 || engine u8, 48).
// kInvalidArgument for an empty ems.
Result<SecretBytes> DeriveStreamSecret(ByteSpan ems, std::string_view label,
                                       const StreamId& id);
// HKDF-Expand(secret, "traffic upd", 48): the next epoch's secret.
Result<SecretBytes> NextEpochSecret(const SecretBytes& secret);
// A sealing context keyed by HKDF-Expand(secret, "key", 32) with nonce mask
// HKDF-Expand(secret, "iv", 12), counter big-endian right-aligned.
Result<std::shared_ptr<crypto::SealingContext>> SealingContextFor(
    const SecretBytes& secret, crypto::AeadAlg alg, uint64_t record_limit);

}  // namespace ccgpu::channel

#endif  // CCGPU_CHANNEL_KEYS_H_
