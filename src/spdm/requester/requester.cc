// Requester core: configuration checks, the send/receive path (secured
// records, Busy / ResponseNotReady retries, ERROR → kPeerError) and signature
// checks shared by the req_*.cc handlers.
#include "spdm/requester/requester.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {

Requester::Requester(RequesterConfig config, MessageExchange* exchange)
    : config_(std::move(config)), exchange_(exchange) {}
Requester::~Requester() = default;

Result<std::unique_ptr<Requester>> Requester::Create(RequesterConfig config, MessageExchange* exchange) {
  if (exchange == nullptr) return Fail(Errc::kInvalidArgument, "spdm requester: no message exchange");
  if (config.versions.empty()) return Fail(Errc::kInvalidArgument, "spdm requester: no versions offered");
  for (uint8_t v : config.versions) {
    if (v < wire::kVersion11 || v > wire::kVersion13) return Fail(Errc::kInvalidArgument, "spdm requester: version outside 1.1..1.3");
  }
  if ((config.base_asym & ~kImplementedBaseAsym) != 0 || (config.base_hash & ~kImplementedBaseHash) != 0 ||
      (config.dhe & ~kImplementedDhe) != 0 || (config.aead & ~kImplementedAead) != 0) {
    return Fail(Errc::kInvalidArgument, "spdm requester: algorithm bit not implemented");
  }
  if (config.base_hash == 0 || config.base_asym == 0) return Fail(Errc::kInvalidArgument, "spdm requester: no hash/asym offered");
  if (config.data_transfer_size < wire::kMinDataTransferSize) return Fail(Errc::kInvalidArgument, "spdm requester: DataTransferSize below 42");
  if ((config.capabilities & wire::cap::kPskMask) > wire::cap::kPsk) {
    return Fail(Errc::kInvalidArgument, "spdm requester: PSK_CAP 10b/11b are reserved for a requester");
  }
  if (!config.psk_store) config.capabilities &= ~wire::cap::kPskMask;
  if (config.certificate_portion == 0) return Fail(Errc::kInvalidArgument, "spdm requester: zero certificate portion");
  CCGPU_ASSIGN_OR_RETURN(config.max_spdm_msg_size,
                         wire::ResolveMaxSpdmMsgSize(config.capabilities, config.data_transfer_size,
                                                     config.max_spdm_msg_size));
  return std::unique_ptr<Requester>(new Requester(std::move(config), exchange));
}

wire::ParseParams Requester::Params() const {
  wire::ParseParams p;
  p.negotiated = np_;
  p.allow_dword_padding = config_.allow_dword_padding;
  p.padding_origin = padding_origin_;
  return p;
}

Requester::SessionState* Requester::FindSession(uint32_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

Result<Bytes> Requester::Transmit(SessionState* s, ByteSpan request, const AfterSeal& after_seal) {
  if (s == nullptr) {
    CCGPU_ASSIGN_OR_RETURN(ExchangeMessage reply, exchange_->Exchange(false, request));
    if (reply.secured) return Fail(Errc::kUnexpectedMessage, "spdm requester: secured reply to a plain request");
    return std::move(reply.bytes);
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes record, s->secure->Seal(request));
  if (after_seal) CCGPU_TRY(after_seal());
  CCGPU_ASSIGN_OR_RETURN(ExchangeMessage reply, exchange_->Exchange(true, record));
  if (!reply.secured) {
    // A plain reply to a record: only an ERROR (e.g. DecryptError) is
    // meaningful, and it is not authenticated.
    auto e = wire::ParseError(reply.bytes, Params());
    if (e) {
      last_peer_error_ = e->error_code;
      return Fail(Errc::kPeerError, "spdm requester: plain ERROR in reply to a secured request");
    }
    return Fail(Errc::kUnexpectedMessage, "spdm requester: plain reply to a secured request");
  }
  return s->secure->Open(reply.bytes);
}

Result<Bytes> Requester::SendReceive(SessionState* s, ByteSpan request, const AfterSeal& after_seal) {
  last_peer_error_.reset();
  padding_origin_ = 0;
  const uint32_t peer_dts = conn_.responder_data_transfer_size;
  const bool large = peer_dts != 0 && request.size() > peer_dts;
  if (large && !conn_.chunking) {
    return Fail(Errc::kLengthOverflow, "spdm requester: request exceeds the responder's DataTransferSize and chunking is off");
  }
  auto send = [&](const AfterSeal& after) { return large ? SendLarge(s, request, after) : Transmit(s, request, after); };
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, send(after_seal));
  for (int attempt = 0;; ++attempt) {
    auto h = wire::PeekHeader(raw);
    if (!h || h->code != static_cast<uint8_t>(wire::Code::kError)) return raw;
    CCGPU_ASSIGN_OR_RETURN(wire::ErrorResponse e, wire::ParseError(raw, Params()));
    last_peer_error_ = e.error_code;
    if (e.error_code == wire::ErrorCode::kLargeResponse && conn_.chunking && !e.extended_error_data.empty()) {
      // DSP0274 1.2: the response is fetched in chunks; it is not a retry.
      // ExtendedErrorData is the Handle (plus any DOE padding).
      last_peer_error_.reset();
      padding_origin_ = 0;
      CCGPU_ASSIGN_OR_RETURN(raw, GetLarge(s, e.extended_error_data[0]));
      CCGPU_TRY(RejectError(raw, "spdm requester: the large response is an ERROR"));
      return raw;
    }
    if (attempt >= config_.max_retries) return Fail(Errc::kPeerError, "spdm requester: responder still not ready after retries");
    if (e.error_code == wire::ErrorCode::kBusy) {
      // DSP0274 1.2 §10.12 Busy: the same request again.
      ++retries_;
      CCGPU_ASSIGN_OR_RETURN(raw, send(nullptr));
      continue;
    }
    if (e.error_code == wire::ErrorCode::kResponseNotReady && e.response_not_ready) {
      // DSP0274 1.2 §10.13: wait 2^RDTExponent µs, then RESPOND_IF_READY with
      // the original code and the token.
      const auto& nr = *e.response_not_ready;
      if (request.size() < 2 || nr.request_code != request[1]) {
        return Fail(Errc::kUnexpectedMessage, "spdm requester: ResponseNotReady names another request");
      }
      const unsigned exp = std::min<unsigned>(nr.rdt_exponent, 20);  // at most ~1 s
      std::this_thread::sleep_for(std::chrono::microseconds(1u << exp));
      ++retries_;
      padding_origin_ = 0;
      CCGPU_ASSIGN_OR_RETURN(Bytes rir, wire::SerializeRespondIfReady(wire::RespondIfReady{conn_.version, nr.request_code, nr.token}));
      CCGPU_ASSIGN_OR_RETURN(raw, Transmit(s, rir, nullptr));
      continue;
    }
    return Fail(Errc::kPeerError, "spdm requester: responder answered ERROR");
  }
}

Status Requester::VerifyTranscriptSignature(session::SigningContext context, ByteSpan digest, ByteSpan signature) {
  if (!leaf_key_) return Fail(Errc::kStateError, "spdm requester: no verified certificate chain yet");
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(conn_.version));
  CCGPU_ASSIGN_OR_RETURN(session::SignatureInput in, session::BuildSignatureInput(v, context, digest));
  return session::VerifySignature(*leaf_key_, hash_, in, signature);
}

Result<SecretBytes> Requester::TakeExportMasterSecret(uint32_t session_id) {
  SessionState* s = FindSession(session_id);
  if (s == nullptr || !s->established) return Fail(Errc::kSessionClosed, "spdm requester: no established session with that ID");
  return s->secure->TakeExportMasterSecret();
}

}  // namespace ccgpu::spdm::requester
