// A local key broker (relying party): holds the keys of models encrypted at
// rest and releases one only against a valid attestation result — a detached
// EAT signed by a verifier it trusts, fresh (its eat_nonce is a challenge the
// broker issued and has not yet seen used), with an overall result of true and
// every device's measurements matching. The key leaves the broker wrapped to
// the requester's ephemeral P-384 key (ECDH + HKDF-SHA-384 + AES-256-GCM), so
// whoever relays the release (the host) learns nothing.
//
// Sealed model files ("CCGPUMD1" format below) are how weights rest on disk:
// the host can read them, only a holder of the released key can open them.
//
// Trust: the broker trusts the verifier's signing keys (JWKS) and its own
// clock; everything a requester sends is untrusted input.
#ifndef CCGPU_ATTEST_BROKER_KEY_BROKER_H_
#define CCGPU_ATTEST_BROKER_KEY_BROKER_H_

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "attest/token/jwt.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/ec.h"

namespace ccgpu::attest {

inline constexpr std::size_t kModelKeySize = 32;
inline constexpr std::size_t kBrokerNonceSize = 32;

// What the broker demands of an attestation result beyond a valid signature
// and a fresh nonce.
struct BrokerPolicy {
  std::size_t min_devices = 1;  // device JWTs in the EAT
  // How long a challenge stays usable.
  std::chrono::seconds challenge_lifetime{300};
};

// A key wrapped for one requester.
struct WrappedKey {
  Bytes ephemeral_point;  // broker's ephemeral P-384 public point (uncompressed)
  Bytes ciphertext;       // AES-256-GCM(key) || tag, AAD = key name
};

// Why a release was refused (for the caller's report; no secrets).
struct ReleaseDenial {
  std::string reason;  // e.g. "GPU-1: measres is fail"
};

class KeyBroker {
 public:
  // `verifier_keys`: the JWKS of the verifiers whose tokens it accepts.
  KeyBroker(Jwks verifier_keys, BrokerPolicy policy, const Clock& clock = SystemClock::Get());

  // Stores a model key under `name` (kInvalidArgument for an empty name or a
  // key that is not 32 bytes or a name already in use).
  Status AddKey(std::string name, SecretBytes key);

  // A fresh 32-byte challenge for the next attestation (its eat_nonce).
  Result<Bytes> Challenge();

  // Releases key `name` wrapped to `requester_key` (P-384) if `eat_json`
  // verifies against the trusted JWKS at the broker's clock, carries the
  // challenge `nonce` (outstanding, not expired; it is consumed whatever the
  // outcome) in every JWT, says x-nvidia-overall-att-result true, has at
  // least policy.min_devices devices and each device's "measres" is
  // "success". kNotFound (no such key), kNonceMismatch (nonce unknown, used or
  // expired), kTokenInvalid (token does not verify), kPolicyFailed (result
  // false, a device failed, too few devices) — *denial says which.
  Result<WrappedKey> Release(std::string_view name, ByteSpan nonce, std::string_view eat_json,
                             const crypto::EcPublicKey& requester_key,
                             ReleaseDenial* denial = nullptr);

  std::size_t released_count() const;

 private:
  Jwks jwks_;
  BrokerPolicy policy_;
  const Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::string, SecretBytes, std::less<>> keys_;
  std::map<std::string, TimePoint> challenges_;  // hex nonce -> expiry
  std::size_t released_ = 0;
};

// Opens a WrappedKey with the requester's private key; `name` and `nonce`
// as given to Release. kAuthFailed if it was not wrapped for this key, name
// and nonce; kBadKey for a malformed point.
Result<SecretBytes> UnwrapKey(const WrappedKey& wrapped, std::string_view name, ByteSpan nonce,
                              const crypto::EcPrivateKey& requester_key);

// Sealed model file:
//   "CCGPUMD1" || name (u16 length-prefixed, LE) || salt[32] ||
//   plaintext length u64 LE || AES-256-GCM ciphertext || tag
// The AEAD key and nonce mask come from HKDF-SHA-384(salt, model key,
// "ccgpu model v1" || name); the header up to the length is the AAD.
// kInvalidArgument for a key that is not 32 bytes.
Result<Bytes> SealModel(const SecretBytes& key, std::string_view name, ByteSpan plaintext);
// kMalformed / kTruncated / kTrailingData for a damaged container (context
// names the field), kAuthFailed for a wrong key or altered bytes.
Result<SecretBytes> OpenModel(const SecretBytes& key, ByteSpan sealed, std::string* name = nullptr);

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_BROKER_KEY_BROKER_H_
