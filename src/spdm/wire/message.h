// Dispatch over every request and every response codec by RequestResponseCode.
// Used by the responder/requester loops and the fuzz targets.
#ifndef CCGPU_SPDM_WIRE_MESSAGE_H_
#define CCGPU_SPDM_WIRE_MESSAGE_H_

#include <variant>

#include "spdm/wire/algorithms.h"
#include "spdm/wire/capabilities.h"
#include "spdm/wire/certificate.h"
#include "spdm/wire/challenge.h"
#include "spdm/wire/chunk.h"
#include "spdm/wire/common.h"
#include "spdm/wire/digests.h"
#include "spdm/wire/end_session.h"
#include "spdm/wire/error.h"
#include "spdm/wire/finish.h"
#include "spdm/wire/heartbeat.h"
#include "spdm/wire/key_exchange.h"
#include "spdm/wire/key_update.h"
#include "spdm/wire/measurements.h"
#include "spdm/wire/psk.h"
#include "spdm/wire/vendor_defined.h"
#include "spdm/wire/version.h"

namespace ccgpu::spdm::wire {

using Request =
    std::variant<GetVersion, GetCapabilities, NegotiateAlgorithms, GetDigests,
                 GetCertificate, Challenge, GetMeasurements, KeyExchange,
                 Finish, Heartbeat, KeyUpdate, EndSession, VendorDefinedRequest,
                 RespondIfReady, ChunkSend, ChunkGet, PskExchange,
                 PskFinish>;

using Response =
    std::variant<Version, Capabilities, Algorithms, Digests, Certificate,
                 ChallengeAuth, Measurements, KeyExchangeRsp, FinishRsp,
                 HeartbeatAck, KeyUpdateAck, EndSessionAck,
                 VendorDefinedResponse, ErrorResponse, ChunkSendAck,
                 ChunkResponse, PskExchangeRsp, PskFinishRsp>;

// A parsed message and the exact bytes it occupies in the input (the input
// without transport padding): what transcripts must hash.
template <typename T>
struct Decoded {
  T message;
  ByteSpan bytes;
};

// Parses any request this codec knows. kTruncated under 4 bytes; kUnsupported
// for a request code without a codec here (e.g. GET_CSR) or a
// response code; otherwise what that message's parser returns.
Result<Decoded<Request>> ParseRequest(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeRequest(const Request& m);

// Parses any response this codec knows; kUnsupported for other codes.
Result<Decoded<Response>> ParseResponse(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeResponse(const Response& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_MESSAGE_H_
