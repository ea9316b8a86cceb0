// Pre-shared keys by PSKHint, for PSK sessions (DSP0274 1.2 PSK_EXCHANGE).
//
// A store hands out the key schedule of a PSK session, not the key: like
// Signer for the certificate key, the interface lets a device keep its PSKs
// in storage that never releases them (DMTF's libspdm does the same with its
// "PSK handshake secret" hook). InMemoryPskStore keeps them in SecretBytes.
#ifndef CCGPU_SPDM_SESSION_PSK_STORE_H_
#define CCGPU_SPDM_SESSION_PSK_STORE_H_

#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "spdm/session/key_schedule.h"

namespace ccgpu::spdm::session {

// DSP0274 puts no bound on PSKHint but its 16-bit length; DMTF's libspdm
// takes at most 16 bytes. ccgpu takes hints up to this size.
inline constexpr std::size_t kMaxPskHintSize = 64;

class PskStore {
 public:
  virtual ~PskStore() = default;
  // The schedule of a session keyed by the PSK that `hint` names
  // (KeySchedule::CreateFromPsk). kNotFound for a hint the store does not
  // hold (an empty hint names a PSK too, if one was stored under it).
  virtual Result<KeySchedule> Schedule(const SessionAlgorithms& algs,
                                       ByteSpan hint) const = 0;
};

class InMemoryPskStore final : public PskStore {
 public:
  // kInvalidArgument for an empty PSK, a hint over kMaxPskHintSize bytes or
  // a hint already stored.
  Status Add(ByteSpan hint, SecretBytes psk);
  Result<KeySchedule> Schedule(const SessionAlgorithms& algs,
                               ByteSpan hint) const override;

 private:
  std::vector<std::pair<Bytes, SecretBytes>> entries_;
};

}  // namespace ccgpu::spdm::session

#endif  // CCGPU_SPDM_SESSION_PSK_STORE_H_
