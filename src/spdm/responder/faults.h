// Named misbehaviours of the responder, for tests only: each makes the
// responder break the protocol in one precise way so that a test can expect
// the requester's precise error. Production configurations use kNone.
#ifndef CCGPU_SPDM_RESPONDER_FAULTS_H_
#define CCGPU_SPDM_RESPONDER_FAULTS_H_

#include <cstdint>
#include <string_view>

namespace ccgpu::spdm::responder {

enum class Fault : uint8_t {
  kNone = 0,
  kBadChallengeSignature,     // one bit of the CHALLENGE_AUTH signature flipped
  kBadMeasurementSignature,   // one bit of the MEASUREMENTS signature flipped
  kBadKeyExchangeSignature,   // one bit of the KEY_EXCHANGE_RSP signature flipped
  kWrongDheGroup,             // KEY_EXCHANGE_RSP ExchangeData is a point of the other curve
  kTruncatedOpaqueData,       // KEY_EXCHANGE_RSP opaque data cut inside its element
  kReplayedRecord,            // the second application-phase response replays the first record
  kSkippedSequenceNumber,     // one sequence number is skipped before an application-phase response
  kStaleMeasurement,          // later signed MEASUREMENTS replay the first one verbatim
  kWrongVersion,              // responses after VCA carry a version other than the negotiated one
  kAlgorithmOutsideOffer,     // ALGORITHMS selects a BaseHashAlgo the requester did not offer
  kBadResponderVerifyData,    // KEY_EXCHANGE_RSP ResponderVerifyData wrong
  kBadFinishRspVerifyData,    // in the clear: FINISH_RSP ResponderVerifyData wrong
  kBadCertChainDigest,        // DIGESTS carries a digest that is not H(chain)
  kTrailingBytes,             // DIGESTS has a byte after its last digest (not in the transcript)
  kResponseNotReadyOnce,      // first signed GET_MEASUREMENTS: ERROR(ResponseNotReady), then RESPOND_IF_READY
  kBusyOnce,                  // first GET_DIGESTS: ERROR(Busy)
  kWrongSessionId,            // KEY_UPDATE_ACK sealed under another SessionID
  kNoSupportedSlotMask,       // 1.3 DIGESTS: Param1 SupportedSlotMask 0 (slot 0 provisioned but not "supported")
};
// The last named fault (tests walk kNone … kLastFault): keep it the enum's last.
inline constexpr Fault kLastFault = Fault::kNoSupportedSlotMask;

// The fault's name as used in tests and on the command line ("bad-signature"
// style), or "" for an unknown value.
std::string_view FaultName(Fault f);

}  // namespace ccgpu::spdm::responder

#endif  // CCGPU_SPDM_RESPONDER_FAULTS_H_
