#include "spdm/wire/message.h"

namespace ccgpu::spdm::wire {
namespace {

template <typename Variant, typename T>
Result<Variant> Wrap(Result<T> r) {
  if (!r) return tl::unexpected(r.error());
  return Variant(std::move(*r));
}

Result<Request> DispatchRequest(ByteSpan msg, const ParseParams& p,
                                uint8_t code) {
  switch (static_cast<Code>(code)) {
    case Code::kGetVersion:
      return Wrap<Request>(ParseGetVersion(msg, p));
    case Code::kGetCapabilities:
      return Wrap<Request>(ParseGetCapabilities(msg, p));
    case Code::kNegotiateAlgorithms:
      return Wrap<Request>(ParseNegotiateAlgorithms(msg, p));
    case Code::kGetDigests:
      return Wrap<Request>(ParseGetDigests(msg, p));
    case Code::kGetCertificate:
      return Wrap<Request>(ParseGetCertificate(msg, p));
    case Code::kChallenge:
      return Wrap<Request>(ParseChallenge(msg, p));
    case Code::kGetMeasurements:
      return Wrap<Request>(ParseGetMeasurements(msg, p));
    case Code::kKeyExchange:
      return Wrap<Request>(ParseKeyExchange(msg, p));
    case Code::kFinish:
      return Wrap<Request>(ParseFinish(msg, p));
    case Code::kHeartbeat:
      return Wrap<Request>(ParseHeartbeat(msg, p));
    case Code::kKeyUpdate:
      return Wrap<Request>(ParseKeyUpdate(msg, p));
    case Code::kEndSession:
      return Wrap<Request>(ParseEndSession(msg, p));
    case Code::kVendorDefinedRequest:
      return Wrap<Request>(ParseVendorDefinedRequest(msg, p));
    case Code::kRespondIfReady:
      return Wrap<Request>(ParseRespondIfReady(msg, p));
    case Code::kChunkSend:
      return Wrap<Request>(ParseChunkSend(msg, p));
    case Code::kChunkGet:
      return Wrap<Request>(ParseChunkGet(msg, p));
    case Code::kPskExchange:
      return Wrap<Request>(ParsePskExchange(msg, p));
    case Code::kPskFinish:
      return Wrap<Request>(ParsePskFinish(msg, p));
    default:
      return Fail(Errc::kUnsupported, "spdm: request code without a codec");
  }
}

Result<Response> DispatchResponse(ByteSpan msg, const ParseParams& p,
                                  uint8_t code) {
  switch (static_cast<Code>(code)) {
    case Code::kVersion:
      return Wrap<Response>(ParseVersion(msg, p));
    case Code::kCapabilities:
      return Wrap<Response>(ParseCapabilities(msg, p));
    case Code::kAlgorithms:
      return Wrap<Response>(ParseAlgorithms(msg, p));
    case Code::kDigests:
      return Wrap<Response>(ParseDigests(msg, p));
    case Code::kCertificate:
      return Wrap<Response>(ParseCertificate(msg, p));
    case Code::kChallengeAuth:
      return Wrap<Response>(ParseChallengeAuth(msg, p));
    case Code::kMeasurements:
      return Wrap<Response>(ParseMeasurements(msg, p));
    case Code::kKeyExchangeRsp:
      return Wrap<Response>(ParseKeyExchangeRsp(msg, p));
    case Code::kFinishRsp:
      return Wrap<Response>(ParseFinishRsp(msg, p));
    case Code::kHeartbeatAck:
      return Wrap<Response>(ParseHeartbeatAck(msg, p));
    case Code::kKeyUpdateAck:
      return Wrap<Response>(ParseKeyUpdateAck(msg, p));
    case Code::kEndSessionAck:
      return Wrap<Response>(ParseEndSessionAck(msg, p));
    case Code::kVendorDefinedResponse:
      return Wrap<Response>(ParseVendorDefinedResponse(msg, p));
    case Code::kError:
      return Wrap<Response>(ParseError(msg, p));
    case Code::kChunkSendAck:
      return Wrap<Response>(ParseChunkSendAck(msg, p));
    case Code::kChunkResponse:
      return Wrap<Response>(ParseChunkResponse(msg, p));
    case Code::kPskExchangeRsp:
      return Wrap<Response>(ParsePskExchangeRsp(msg, p));
    case Code::kPskFinishRsp:
      return Wrap<Response>(ParsePskFinishRsp(msg, p));
    default:
      return Fail(Errc::kUnsupported, "spdm: response code without a codec");
  }
}

struct SerializeVisitor {
  Result<Bytes> operator()(const GetVersion& m) const {
    return SerializeGetVersion(m);
  }
  Result<Bytes> operator()(const GetCapabilities& m) const {
    return SerializeGetCapabilities(m);
  }
  Result<Bytes> operator()(const NegotiateAlgorithms& m) const {
    return SerializeNegotiateAlgorithms(m);
  }
  Result<Bytes> operator()(const GetDigests& m) const {
    return SerializeGetDigests(m);
  }
  Result<Bytes> operator()(const GetCertificate& m) const {
    return SerializeGetCertificate(m);
  }
  Result<Bytes> operator()(const Challenge& m) const {
    return SerializeChallenge(m);
  }
  Result<Bytes> operator()(const GetMeasurements& m) const {
    return SerializeGetMeasurements(m);
  }
  Result<Bytes> operator()(const KeyExchange& m) const {
    return SerializeKeyExchange(m);
  }
  Result<Bytes> operator()(const Finish& m) const { return SerializeFinish(m); }
  Result<Bytes> operator()(const Heartbeat& m) const {
    return SerializeHeartbeat(m);
  }
  Result<Bytes> operator()(const KeyUpdate& m) const {
    return SerializeKeyUpdate(m);
  }
  Result<Bytes> operator()(const EndSession& m) const {
    return SerializeEndSession(m);
  }
  Result<Bytes> operator()(const VendorDefinedRequest& m) const {
    return SerializeVendorDefinedRequest(m);
  }
  Result<Bytes> operator()(const RespondIfReady& m) const {
    return SerializeRespondIfReady(m);
  }
  Result<Bytes> operator()(const Version& m) const {
    return SerializeVersion(m);
  }
  Result<Bytes> operator()(const Capabilities& m) const {
    return SerializeCapabilities(m);
  }
  Result<Bytes> operator()(const Algorithms& m) const {
    return SerializeAlgorithms(m);
  }
  Result<Bytes> operator()(const Digests& m) const {
    return SerializeDigests(m);
  }
  Result<Bytes> operator()(const Certificate& m) const {
    return SerializeCertificate(m);
  }
  Result<Bytes> operator()(const ChallengeAuth& m) const {
    return SerializeChallengeAuth(m);
  }
  Result<Bytes> operator()(const Measurements& m) const {
    return SerializeMeasurements(m);
  }
  Result<Bytes> operator()(const KeyExchangeRsp& m) const {
    return SerializeKeyExchangeRsp(m);
  }
  Result<Bytes> operator()(const FinishRsp& m) const {
    return SerializeFinishRsp(m);
  }
  Result<Bytes> operator()(const HeartbeatAck& m) const {
    return SerializeHeartbeatAck(m);
  }
  Result<Bytes> operator()(const KeyUpdateAck& m) const {
    return SerializeKeyUpdateAck(m);
  }
  Result<Bytes> operator()(const EndSessionAck& m) const {
    return SerializeEndSessionAck(m);
  }
  Result<Bytes> operator()(const VendorDefinedResponse& m) const {
    return SerializeVendorDefinedResponse(m);
  }
  Result<Bytes> operator()(const ErrorResponse& m) const {
    return SerializeError(m);
  }
  Result<Bytes> operator()(const ChunkSend& m) const {
    return SerializeChunkSend(m);
  }
  Result<Bytes> operator()(const ChunkGet& m) const {
    return SerializeChunkGet(m);
  }
  Result<Bytes> operator()(const ChunkSendAck& m) const {
    return SerializeChunkSendAck(m);
  }
  Result<Bytes> operator()(const ChunkResponse& m) const {
    return SerializeChunkResponse(m);
  }
  Result<Bytes> operator()(const PskExchange& m) const {
    return SerializePskExchange(m);
  }
  Result<Bytes> operator()(const PskExchangeRsp& m) const {
    return SerializePskExchangeRsp(m);
  }
  Result<Bytes> operator()(const PskFinish& m) const {
    return SerializePskFinish(m);
  }
  Result<Bytes> operator()(const PskFinishRsp& m) const {
    return SerializePskFinishRsp(m);
  }
};

// The exact size of a parsed message is the size of its serialisation
// (reserved bytes change value, never size), so the unpadded bytes are the
// input's prefix of that length.
template <typename Variant>
Result<Decoded<Variant>> WithBytes(ByteSpan msg, Variant v) {
  CCGPU_ASSIGN_OR_RETURN(Bytes again, std::visit(SerializeVisitor{}, v));
  if (again.size() > msg.size())
    return Fail(Errc::kMalformed,
                "spdm: message re-encodes longer than its input");
  return Decoded<Variant>{std::move(v), msg.first(again.size())};
}

}  // namespace

Result<Decoded<Request>> ParseRequest(ByteSpan msg, const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(Header h, PeekHeader(msg));
  CCGPU_ASSIGN_OR_RETURN(Request v, DispatchRequest(msg, p, h.code));
  return WithBytes(msg, std::move(v));
}

Result<Bytes> SerializeRequest(const Request& m) {
  return std::visit(SerializeVisitor{}, m);
}

Result<Decoded<Response>> ParseResponse(ByteSpan msg, const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(Header h, PeekHeader(msg));
  CCGPU_ASSIGN_OR_RETURN(Response v, DispatchResponse(msg, p, h.code));
  return WithBytes(msg, std::move(v));
}

Result<Bytes> SerializeResponse(const Response& m) {
  return std::visit(SerializeVisitor{}, m);
}

}  // namespace ccgpu::spdm::wire
