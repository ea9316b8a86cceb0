// Negotiated parameters a session's transcripts, key schedule and secured
// messages depend on: the SPDM version and the negotiated hash and AEAD.
#ifndef CCGPU_SPDM_SESSION_ALGORITHMS_H_
#define CCGPU_SPDM_SESSION_ALGORITHMS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace ccgpu::spdm::session {

// The negotiated SPDM version (the SPDMVersion byte of every message after
// VERSION): 0x11, 0x12 or 0x13. 1.0 has no sessions and is not supported.
enum class SpdmVersion : uint8_t { k11 = 0x11, k12 = 0x12, k13 = 0x13 };

// kUnsupported for any byte other than 0x11, 0x12, 0x13.
Result<SpdmVersion> SpdmVersionFromByte(uint8_t version);

// The bin_str label prefix of DSP0274 §12 ("spdm1.1 ", "spdm1.2 ",
// "spdm1.3 "; always 8 bytes, with the trailing space).
std::string_view BinStrVersionLabel(SpdmVersion version);

// Negotiated algorithms of one session (ALGORITHMS response: BaseHashSel and
// the AEAD AlgStruct). Only SHA-256 and SHA-384 are session hashes here.
struct SessionAlgorithms {
  SpdmVersion version = SpdmVersion::k12;
  crypto::HashAlg hash = crypto::HashAlg::kSha384;
  crypto::AeadAlg aead = crypto::AeadAlg::kAes256Gcm;
};

// kUnsupportedAlgorithm unless hash is SHA-256/384 (both AEADs have 32-byte
// keys, 12-byte IVs and 16-byte tags).
Status CheckSessionAlgorithms(const SessionAlgorithms& algs);

// AEAD key and IV sizes (bin_str5 / bin_str6 lengths).
inline constexpr std::size_t kAeadKeyLength = crypto::kAeadKeySize;
inline constexpr std::size_t kAeadIvLength = crypto::kAeadNonceSize;
inline constexpr std::size_t kAeadMacLength = crypto::kAeadTagSize;

// Which side of the session.
enum class Role { kRequester, kResponder };

// A traffic direction: requester-to-responder ("req") or the reverse ("rsp").
enum class Direction { kRequesterToResponder, kResponderToRequester };

}  // namespace ccgpu::spdm::session

#endif  // CCGPU_SPDM_SESSION_ALGORITHMS_H_
