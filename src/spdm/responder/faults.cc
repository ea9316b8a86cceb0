#include "spdm/responder/faults.h"

namespace ccgpu::spdm::responder {

std::string_view FaultName(Fault f) {
  switch (f) {
    case Fault::kNone: return "none";
    case Fault::kBadChallengeSignature: return "bad-challenge-signature";
    case Fault::kBadMeasurementSignature: return "bad-measurement-signature";
    case Fault::kBadKeyExchangeSignature: return "bad-key-exchange-signature";
    case Fault::kWrongDheGroup: return "wrong-dhe-group";
    case Fault::kTruncatedOpaqueData: return "truncated-opaque-data";
    case Fault::kReplayedRecord: return "replayed-record";
    case Fault::kSkippedSequenceNumber: return "skipped-sequence-number";
    case Fault::kStaleMeasurement: return "stale-measurement";
    case Fault::kWrongVersion: return "wrong-version";
    case Fault::kAlgorithmOutsideOffer: return "algorithm-outside-offer";
    case Fault::kBadResponderVerifyData: return "bad-responder-verify-data";
    case Fault::kBadFinishRspVerifyData: return "bad-finish-rsp-verify-data";
    case Fault::kBadCertChainDigest: return "bad-cert-chain-digest";
    case Fault::kTrailingBytes: return "trailing-bytes";
    case Fault::kResponseNotReadyOnce: return "response-not-ready-once";
    case Fault::kBusyOnce: return "busy-once";
    case Fault::kWrongSessionId: return "wrong-session-id";
    case Fault::kNoSupportedSlotMask: return "no-supported-slot-mask";
  }
  return "";
}

}  // namespace ccgpu::spdm::responder
