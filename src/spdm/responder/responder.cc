// Responder core: configuration checks, the request dispatcher (ordering,
// version and session rules common to all messages), ERROR mapping and the
// secured-record path. The per-message logic is in rsp_*.cc.
#include "spdm/responder/responder.h"

#include <algorithm>
#include <type_traits>
#include <variant>

#include "crypto/x509.h"
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {
namespace {

bool IsDefinedRequest(uint8_t code) {
  switch (static_cast<wire::Code>(code)) {
    case wire::Code::kGetDigests:
    case wire::Code::kGetCertificate:
    case wire::Code::kChallenge:
    case wire::Code::kGetVersion:
    case wire::Code::kChunkSend:
    case wire::Code::kChunkGet:
    case wire::Code::kGetEndpointInfo:
    case wire::Code::kGetMeasurements:
    case wire::Code::kGetCapabilities:
    case wire::Code::kGetSupportedEventTypes:
    case wire::Code::kNegotiateAlgorithms:
    case wire::Code::kKeyExchange:
    case wire::Code::kFinish:
    case wire::Code::kPskExchange:
    case wire::Code::kPskFinish:
    case wire::Code::kHeartbeat:
    case wire::Code::kKeyUpdate:
    case wire::Code::kGetEncapsulatedRequest:
    case wire::Code::kDeliverEncapsulatedResponse:
    case wire::Code::kEndSession:
    case wire::Code::kGetCsr:
    case wire::Code::kSetCertificate:
    case wire::Code::kGetMel:
    case wire::Code::kGetKeyPairInfo:
    case wire::Code::kVendorDefinedRequest:
    case wire::Code::kRespondIfReady:
      return true;
    default:
      return false;
  }
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

Responder::Responder(ResponderConfig config) : config_(std::move(config)) {}
Responder::~Responder() = default;

Result<Bytes> Responder::BuildCertChain(crypto::HashAlg hash, const std::vector<Bytes>& der_root_first) {
  if (der_root_first.empty()) return Fail(Errc::kInvalidArgument, "spdm responder: empty certificate chain");
  Bytes certs;
  for (const Bytes& c : der_root_first) certs.insert(certs.end(), c.begin(), c.end());
  CCGPU_ASSIGN_OR_RETURN(Bytes root_hash, crypto::Hash(hash, der_root_first.front()));
  // DSP0274 1.2 §10.6.1: Length u16 | Reserved u16 | RootHash | Certificates.
  return wire::SerializeCertChain(wire::CertChain{root_hash, certs});
}

Result<std::unique_ptr<Responder>> Responder::Create(ResponderConfig config) {
  if (!config.signer) return Fail(Errc::kInvalidArgument, "spdm responder: no signer");
  if (config.versions.empty()) return Fail(Errc::kInvalidArgument, "spdm responder: no versions");
  for (uint8_t v : config.versions) {
    if (v < wire::kVersion11 || v > wire::kVersion13) {
      return Fail(Errc::kInvalidArgument, "spdm responder: version outside 1.1..1.3");
    }
  }
  std::sort(config.versions.begin(), config.versions.end());
  config.versions.erase(std::unique(config.versions.begin(), config.versions.end()), config.versions.end());
  if (config.data_transfer_size < wire::kMinDataTransferSize) {
    return Fail(Errc::kUnsupported, "spdm responder: DataTransferSize below 42");
  }
  CCGPU_ASSIGN_OR_RETURN(config.max_spdm_msg_size,
                         wire::ResolveMaxSpdmMsgSize(config.capabilities, config.data_transfer_size,
                                                     config.max_spdm_msg_size));
  for (uint32_t b : config.base_hash) {
    if (!SingleBit(b) || (b & kImplementedBaseHash) == 0) return Fail(Errc::kInvalidArgument, "spdm responder: base hash not implemented");
  }
  for (uint16_t b : config.dhe) {
    if (!SingleBit(b) || (b & kImplementedDhe) == 0) return Fail(Errc::kInvalidArgument, "spdm responder: DHE group not implemented");
  }
  for (uint16_t b : config.aead) {
    if (!SingleBit(b) || (b & kImplementedAead) == 0) return Fail(Errc::kInvalidArgument, "spdm responder: AEAD not implemented");
  }
  if (config.base_hash.empty()) return Fail(Errc::kInvalidArgument, "spdm responder: no base hash");
  if (config.measurement_hash != 0 &&
      (!SingleBit(config.measurement_hash) || (config.measurement_hash & kImplementedMeasHash) == 0)) {
    return Fail(Errc::kInvalidArgument, "spdm responder: measurement hash not implemented");
  }
  if (config.cert_chain_der.empty()) return Fail(Errc::kInvalidArgument, "spdm responder: no certificate chain");
  std::vector<crypto::Certificate> certs;
  for (const Bytes& der : config.cert_chain_der) {
    auto c = crypto::Certificate::FromDer(der);
    if (!c) return Fail(Errc::kInvalidArgument, "spdm responder: certificate chain does not parse");
    certs.push_back(*c);
  }
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey leaf_key, certs.back().PublicKey());
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey signer_key, config.signer->PublicKey());
  CCGPU_ASSIGN_OR_RETURN(Bytes a, leaf_key.RawPoint());
  CCGPU_ASSIGN_OR_RETURN(Bytes b, signer_key.RawPoint());
  if (leaf_key.curve() != signer_key.curve() || a != b) {
    return Fail(Errc::kInvalidArgument, "spdm responder: leaf certificate key is not the signer's key");
  }
  if ((config.capabilities & wire::cap::kPskMask) == wire::cap::kPskMask) {
    return Fail(Errc::kInvalidArgument, "spdm responder: PSK_CAP 11b is reserved");
  }
  if (!config.measurements) config.capabilities &= ~(wire::cap::kMeasMask | wire::cap::kMeasFresh);
  if (!config.psk_store) config.capabilities &= ~wire::cap::kPskMask;
  if (config.max_sessions == 0) config.capabilities &= ~wire::cap::kKeyEx;
  return std::unique_ptr<Responder>(new Responder(std::move(config)));
}

uint8_t Responder::Version() const {
  if (state_ >= ConnState::kAfterCapabilities) return neg_.version;
  // DSP0274 §10.3: the version of the first request after GET_VERSION is the
  // connection's, whether or not that request succeeds, so the ERROR to a
  // GET_CAPABILITIES refused for its fields carries the request's version.
  return capabilities_version_ != 0 ? capabilities_version_ : wire::kVersion10;
}

wire::ParseParams Responder::Params() const {
  wire::ParseParams p;
  p.negotiated = neg_.wire;
  p.allow_dword_padding = config_.allow_dword_padding;
  return p;
}

void Responder::ResetConnection() {
  state_ = ConnState::kNotStarted;
  neg_ = Negotiated{};
  capabilities_version_ = 0;
  message_a_.Reset();
  message_b_.clear();
  l_.reset();
  cert_chain_.clear();
  cert_chain_hash_.clear();
  for (auto& [id, s] : sessions_) {
    if (s->secure) s->secure->End();
  }
  sessions_.clear();
  in_clear_handshake_session_ = 0;
  deferred_.reset();
  chunk_send_.reset();
  chunk_get_.reset();
}

Bytes Responder::ErrorMessage(wire::ErrorCode code, uint8_t data) {
  wire::ErrorResponse e;
  e.version = Version();
  e.error_code = code;
  e.error_data = data;
  auto b = wire::SerializeError(e);
  CCGPU_CHECK(b.has_value());
  return std::move(*b);
}

Bytes Responder::ErrorFor(const Error& e, uint8_t request_code) {
  last_error_context_ = e.context;
  using EC = wire::ErrorCode;
  switch (e.code) {
    case Errc::kUnexpectedMessage:
    case Errc::kStateError:
      return ErrorMessage(EC::kUnexpectedRequest, 0);
    case Errc::kUnsupported:
    case Errc::kUnsupportedAlgorithm:
      return ErrorMessage(EC::kUnsupportedRequest, request_code);
    case Errc::kVersionMismatch:
      return ErrorMessage(EC::kVersionMismatch, 0);
    case Errc::kAuthFailed:
    case Errc::kTranscriptMismatch:
    case Errc::kReplay:
      return ErrorMessage(EC::kDecryptError, 0);
    case Errc::kSessionClosed:
      return ErrorMessage(EC::kSessionRequired, 0);
    case Errc::kResourceExhausted:
      return ErrorMessage(EC::kSessionLimitExceeded, 0);
    case Errc::kLengthOverflow:
      return ErrorMessage(EC::kResponseTooLarge, 0);
    case Errc::kBusy:
      return ErrorMessage(EC::kBusy, 0);
    case Errc::kInvalidArgument:
    case Errc::kMalformed:
    case Errc::kTruncated:
    case Errc::kTrailingData:
    case Errc::kOutOfRange:
    case Errc::kNotFound:
    case Errc::kBadPublicPoint:
    case Errc::kBadKey:
      return ErrorMessage(EC::kInvalidRequest, 0);
    default:
      return ErrorMessage(EC::kUnspecified, 0);
  }
}

Result<Bytes> Responder::SignTranscript(session::SigningContext context, ByteSpan digest) {
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(neg_.version));
  CCGPU_ASSIGN_OR_RETURN(session::SignatureInput in, session::BuildSignatureInput(v, context, digest));
  return config_.signer->Sign(neg_.hash, in);
}

Result<Bytes> Responder::Route(const wire::Request& req, const Ctx& ctx) {
  return std::visit(
      Overloaded{
          [&](const wire::GetVersion& m) { return OnGetVersion(m, ctx); },
          [&](const wire::GetCapabilities& m) { return OnGetCapabilities(m, ctx); },
          [&](const wire::NegotiateAlgorithms& m) { return OnNegotiateAlgorithms(m, ctx); },
          [&](const wire::GetDigests& m) { return OnGetDigests(m, ctx); },
          [&](const wire::GetCertificate& m) { return OnGetCertificate(m, ctx); },
          [&](const wire::Challenge& m) { return OnChallenge(m, ctx); },
          [&](const wire::GetMeasurements& m) { return OnGetMeasurements(m, ctx); },
          [&](const wire::KeyExchange& m) { return OnKeyExchange(m, ctx); },
          [&](const wire::Finish& m) { return OnFinish(m, ctx); },
          [&](const wire::Heartbeat& m) { return OnHeartbeat(m, ctx); },
          [&](const wire::KeyUpdate& m) { return OnKeyUpdate(m, ctx); },
          [&](const wire::EndSession& m) { return OnEndSession(m, ctx); },
          [&](const wire::VendorDefinedRequest& m) { return OnVendorDefined(m, ctx); },
          [&](const wire::RespondIfReady& m) { return OnRespondIfReady(m, ctx); },
          [&](const wire::ChunkSend& m) { return OnChunkSend(m, ctx); },
          [&](const wire::ChunkGet& m) { return OnChunkGet(m, ctx); },
          [&](const wire::PskExchange& m) { return OnPskExchange(m, ctx); },
          [&](const wire::PskFinish& m) { return OnPskFinish(m, ctx); },
      },
      req);
}

Result<Bytes> Responder::Dispatch(ByteSpan msg, SessionState* s) {
  CCGPU_ASSIGN_OR_RETURN(wire::Header h, wire::PeekHeader(msg));
  const uint8_t code = h.code;
  if (!wire::IsRequestCode(code)) return Invalid("spdm responder: not a request code");
  if (!IsDefinedRequest(code)) {
    // Undefined codes: InvalidRequest before negotiation (as DMTF's responder
    // answers), UnsupportedRequest after (DSP0274 1.2 §10.12).
    if (state_ < ConnState::kNegotiated) return Invalid("spdm responder: undefined request code");
    return Unsupported("spdm responder: undefined request code");
  }
  const auto c = static_cast<wire::Code>(code);
  // A large message in transfer is abandoned by any other request.
  if (c != wire::Code::kChunkSend) chunk_send_.reset();
  if (c != wire::Code::kChunkGet) chunk_get_.reset();
  // DSP0274 1.2 §10.3: GET_VERSION always carries 0x10.
  if (c == wire::Code::kGetVersion) {
    if (h.version != wire::kVersion10) return Fail(Errc::kVersionMismatch, "spdm responder: GET_VERSION not 0x10");
  } else if (c == wire::Code::kGetCapabilities && state_ <= ConnState::kAfterVersion) {
    if (std::find(config_.versions.begin(), config_.versions.end(), h.version) == config_.versions.end()) {
      return Fail(Errc::kVersionMismatch, "spdm responder: GET_CAPABILITIES version not supported");
    }
    if (state_ == ConnState::kAfterVersion) capabilities_version_ = h.version;
  } else if (state_ < ConnState::kAfterCapabilities) {
    return Unexpected("spdm responder: request before GET_VERSION/GET_CAPABILITIES");
  } else if (h.version != neg_.version) {
    return Fail(Errc::kVersionMismatch, "spdm responder: request version differs from the negotiated one");
  }
  // Chunk transfers may carry NEGOTIATE_ALGORITHMS and ALGORITHMS: both
  // sides know each other's DataTransferSize from CAPABILITIES on.
  if (state_ < ConnState::kNegotiated && c != wire::Code::kGetVersion && c != wire::Code::kGetCapabilities &&
      c != wire::Code::kNegotiateAlgorithms && c != wire::Code::kChunkSend && c != wire::Code::kChunkGet) {
    return Unexpected("spdm responder: request before NEGOTIATE_ALGORITHMS");
  }
  wire::ParseParams p = Params();
  if (c == wire::Code::kGetCapabilities && state_ <= ConnState::kAfterVersion) p.negotiated.version = 0;
  auto decoded = wire::ParseRequest(msg, p);
  if (!decoded) {
    switch (decoded.error().code) {
      case Errc::kVersionMismatch:
      case Errc::kUnsupported:
        return tl::unexpected(decoded.error());
      default:
        return Invalid(decoded.error().context);
    }
  }
  return Route(decoded->message, Ctx{s, decoded->bytes});
}

Bytes Responder::Answer(SessionState* s, const Result<Bytes>& r, uint8_t code, std::size_t overhead) {
  if (r) {
    const uint32_t limit = neg_.req_data_transfer_size;
    if (limit == 0 || r->size() + overhead <= limit) return *r;
    // DSP0274 1.2 §10.x: a response larger than the requester's
    // DataTransferSize goes by CHUNK_GET when both sides chunk, announced by
    // ERROR(LargeResponse) carrying the handle; else ResponseTooLarge.
    if (!Chunking() || r->size() > neg_.req_max_spdm_msg_size) {
      last_error_context_ = "spdm responder: response exceeds the requester's DataTransferSize";
      return ErrorMessage(wire::ErrorCode::kResponseTooLarge, 0);
    }
    if (r->size() > wire::ChunkRoom(limit, 0) + wire::ChunkRoom(limit, 1) * std::size_t{0xFFFF}) {
      last_error_context_ = "spdm responder: response needs more chunks than ChunkSeqNo counts";
      return ErrorMessage(wire::ErrorCode::kResponseTooLarge, 0);
    }
    ChunkGetState g;
    g.handle = next_chunk_handle_++;
    g.session_id = s != nullptr ? s->id : 0;
    g.bytes = *r;
    const uint8_t handle = g.handle;
    chunk_get_ = std::move(g);
    wire::ErrorResponse e;
    e.version = Version();
    e.error_code = wire::ErrorCode::kLargeResponse;
    e.extended_error_data = ByteSpan(&handle, 1);
    auto b = wire::SerializeError(e);
    CCGPU_CHECK(b.has_value());
    return std::move(*b);
  }
  // DSP0274 1.2 §10.11: an ERROR to GET_MEASUREMENTS restarts L1/L2.
  if (code == static_cast<uint8_t>(wire::Code::kGetMeasurements)) {
    auto& l = s != nullptr ? s->l : l_;
    if (l) (void)l->Reset();
  }
  post_action_ = PostAction::kNone;
  return ErrorFor(r.error(), code);
}

TransportMessage Responder::Handle(bool secured, ByteSpan bytes) {
  post_action_ = PostAction::kNone;
  SessionState* post_session = nullptr;
  auto code_of = [](ByteSpan m) -> uint8_t { return m.size() >= 2 ? m[1] : 0; };

  if (!secured) {
    auto r = Dispatch(bytes, nullptr);
    Bytes out = Answer(nullptr, r, code_of(bytes), 0);
    if (post_action_ == PostAction::kEnterApplication && in_clear_handshake_session_ != 0) {
      auto it = sessions_.find(in_clear_handshake_session_);
      if (it != sessions_.end()) post_session = it->second.get();
      in_clear_handshake_session_ = 0;
    }
    if (post_session != nullptr && post_session->secure) {
      if (post_session->secure->EnterApplicationPhase(post_session->th2)) post_session->established = true;
    }
    return {false, std::move(out)};
  }

  auto sid = session::PeekSessionId(bytes);
  if (!sid) {
    last_error_context_ = "spdm responder: secured record shorter than a SessionID";
    return {false, ErrorMessage(wire::ErrorCode::kInvalidRequest, 0)};
  }
  auto it = sessions_.find(*sid);
  if (it == sessions_.end() || !it->second->secure) {
    last_error_context_ = "spdm responder: secured record for an unknown session";
    return {false, ErrorMessage(wire::ErrorCode::kSessionRequired, 0)};
  }
  SessionState& s = *it->second;
  auto content = s.secure->OpenContent(bytes);
  if (!content) {
    // DSP0277: a record that does not authenticate is not processed.
    last_error_context_ = content.error().context;
    return {false, ErrorMessage(wire::ErrorCode::kDecryptError, 0)};
  }
  if (!content->is_spdm(config_.binding)) return HandleApplicationMessage(s, *content);
  const Bytes& plain = content->message;
  auto r = Dispatch(plain, &s);
  Bytes rsp = Answer(&s, r, code_of(plain), 0);
  if (s.established && config_.fault == Fault::kSkippedSequenceNumber && !fault_fired_ && s.app_responses == 1) {
    (void)s.secure->Seal(rsp);  // sealed and dropped: the peer never sees this number
    fault_fired_ = true;
  }
  auto rec = s.secure->Seal(rsp);
  if (!rec) {
    last_error_context_ = rec.error().context;
    return {false, ErrorMessage(wire::ErrorCode::kUnspecified, 0)};
  }
  Bytes out = *rec;
  if (s.established) {
    if (config_.fault == Fault::kReplayedRecord && !fault_fired_ && s.app_responses == 1) {
      out = s.last_record;
      fault_fired_ = true;
    }
    if (config_.fault == Fault::kWrongSessionId && code_of(rsp) == static_cast<uint8_t>(wire::Code::kKeyUpdateAck) &&
        out.size() >= 4) {
      out[0] ^= 0x01;
    }
    s.last_record = *rec;
    ++s.app_responses;
  }
  if (post_action_ == PostAction::kEnterApplication) {
    if (s.secure->EnterApplicationPhase(s.th2)) s.established = true;
  } else if (post_action_ == PostAction::kEndSession) {
    s.secure->End();
    sessions_.erase(it);
  }
  return {true, std::move(out)};
}

TransportMessage Responder::HandleApplicationMessage(SessionState& s, const session::RecordContent& content) {
  // The record authenticated and used its number; the reply goes back in
  // the session: the handler's, under the same type, or an SPDM ERROR.
  const Result<Bytes> reply = [&]() -> Result<Bytes> {
    if (!s.established) return Unexpected("spdm responder: application message during the session handshake");
    if (!config_.app_messages) return Fail(Errc::kUnsupported, "spdm responder: no handler for this application protocol");
    return config_.app_messages->Handle(s.id, *content.type, content.message);
  }();
  Result<Bytes> rec = reply ? s.secure->SealApplication(*content.type, *reply)
                            : s.secure->Seal(ErrorFor(reply.error(), 0));
  if (!rec) {
    last_error_context_ = rec.error().context;
    return {false, ErrorMessage(wire::ErrorCode::kUnspecified, 0)};
  }
  if (!reply) last_error_context_ = reply.error().context;
  return {true, std::move(*rec)};
}

Result<SecretBytes> Responder::TakeExportMasterSecret(uint32_t session_id) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || !it->second->established) {
    return Fail(Errc::kSessionClosed, "spdm responder: no established session with that ID");
  }
  return it->second->secure->TakeExportMasterSecret();
}

}  // namespace ccgpu::spdm::responder
