// The SPDM responder state machine (DMTF DSP0274 1.1-1.3, secured messages
// DSP0277): it answers one request at a time, keeps the connection state
// (VCA, transcripts A/B/L, sessions) and never trusts the requester. Codecs
// live in spdm/wire, transcripts and keys in spdm/session; this layer only
// decides what is allowed when and builds the answers (one rsp_*.cc per
// message).
//
// Every request gets an answer: a malformed, out-of-order or unsupported
// request gets the ERROR DSP0274 1.2 §10.12 prescribes (InvalidRequest,
// UnexpectedRequest, UnsupportedRequest, VersionMismatch, SessionRequired,
// DecryptError, SessionLimitExceeded, ResponseTooLarge, …), never a crash.
#ifndef CCGPU_SPDM_RESPONDER_RESPONDER_H_
#define CCGPU_SPDM_RESPONDER_RESPONDER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "spdm/responder/app_message.h"
#include "spdm/responder/faults.h"
#include "spdm/responder/measurement_provider.h"
#include "spdm/responder/signer.h"
#include "spdm/responder/vendor_handler.h"
#include "spdm/session/secured_message.h"
#include "spdm/session/psk_store.h"
#include "spdm/session/transcript.h"
#include "spdm/wire/message.h"
#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::responder {

// Capabilities the responder advertises by default (DSP0274 1.2 §10.4):
// CERT | CHAL | MEAS_SIG | MEAS_FRESH | ENCRYPT | MAC | KEY_EX |
// PSK with context | HBEAT | KEY_UPD | CHUNK (1.2+: large messages in chunks,
// see rsp_chunk.cc). PSK is cleared without a PSK store, MEAS without a
// measurement provider.
inline constexpr uint32_t kDefaultCapabilities =
    wire::cap::kCert | wire::cap::kChal | wire::cap::kMeasSig | wire::cap::kMeasFresh |
    wire::cap::kEncrypt | wire::cap::kMac | wire::cap::kKeyEx | wire::cap::kPskWithContext |
    wire::cap::kHbeat | wire::cap::kKeyUpd | wire::cap::kChunk;

struct ResponderConfig {
  // SPDM versions answered in VERSION (0x11, 0x12, 0x13).
  std::vector<uint8_t> versions = {wire::kVersion11, wire::kVersion12, wire::kVersion13};
  uint32_t capabilities = kDefaultCapabilities;  // wire::cap flags
  uint8_t ct_exponent = 12;
  // DataTransferSize: the largest single message it takes, 1.2+.
  uint32_t data_transfer_size = 0x1200;
  // MaxSPDMmsgSize: the largest message reassembled from CHUNK_SEND (1.2+).
  // 0 means: DataTransferSize without CHUNK_CAP, 64 KiB with it. Above
  // DataTransferSize only with CHUNK_CAP (DSP0274 1.2 §10.4).
  uint32_t max_spdm_msg_size = 0;
  // Algorithm preferences, most preferred first (only implemented bits).
  std::vector<uint32_t> base_hash = {wire::alg::kSha384, wire::alg::kSha256};
  std::vector<uint16_t> dhe = {wire::alg::kSecp384r1, wire::alg::kSecp256r1};
  // MeasurementHashAlgo (one bit of SHA-256/384/512): 0 follows the base
  // hash. DMTF's emulator measures with SHA-512 by default.
  uint32_t measurement_hash = 0;
  std::vector<uint16_t> aead = {wire::alg::kAes256Gcm, wire::alg::kChaCha20Poly1305};
  // Slot-0 certificate chain: DER certificates, root first, leaf last (the
  // leaf's key is the signer's).
  std::vector<Bytes> cert_chain_der;
  std::shared_ptr<const Signer> signer;
  // Without a provider the MEAS capability bits are cleared.
  std::shared_ptr<MeasurementProvider> measurements;
  // Pre-shared keys for PSK_EXCHANGE sessions; without a store the PSK
  // capability bits are cleared. With PSK_CAP 10b (with context) the
  // responder adds a ResponderContext and the session ends its handshake
  // with PSK_FINISH; with 01b it is established by PSK_EXCHANGE_RSP.
  std::shared_ptr<const session::PskStore> psk_store;
  // Application protocols in a session (MCTP inner types other than SPDM,
  // e.g. PLDM). Without a handler such a record gets ERROR(UnsupportedRequest)
  // in the session; either way its sequence number is used, so the session
  // stays in step.
  std::shared_ptr<ApplicationMessageHandler> app_messages;
  // Without a handler VENDOR_DEFINED_REQUEST gets ERROR(UnsupportedRequest).
  std::shared_ptr<VendorDefinedHandler> vendor;
  // How secured records are carried (MCTP: 2-byte sequence number and random
  // padding; PCI DOE: neither).
  session::TransportBinding binding = session::TransportBinding::Mctp();
  // KEY_EXCHANGE_RSP HeartbeatPeriod (seconds) when both sides set HBEAT_CAP.
  uint8_t heartbeat_period = 0;
  std::size_t max_sessions = 4;
  // Per-key record limit (tests inject small values).
  session::SessionOptions session_options;
  // Misbehaviour for tests (faults.h). kNone in production.
  Fault fault = Fault::kNone;
  // PCI DOE: requests may end with up to 3 zero bytes of DWORD padding.
  bool allow_dword_padding = false;
};

// A message as the transport carries it: a plain SPDM message, or (secured)
// a DSP0277 record.
struct TransportMessage {
  bool secured = false;
  Bytes bytes;
};

class Responder {
 public:
  // kInvalidArgument: no signer, no or unparsable certificate chain, a leaf
  // key that is not the signer's, empty versions, unimplemented algorithm
  // bits, MaxSPDMmsgSize below DataTransferSize or above it without
  // CHUNK_CAP; kUnsupported for DataTransferSize < 42.
  static Result<std::unique_ptr<Responder>> Create(ResponderConfig config);

  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // Answers one request. `secured` says the transport marked it as a DSP0277
  // record. Always produces a reply (an ERROR for anything refused).
  TransportMessage Handle(bool secured, ByteSpan bytes);

  // Why the last ERROR was sent (static text, for logs and tests).
  const char* last_error_context() const { return last_error_context_; }
  // Sessions currently open (handshake or application phase).
  std::size_t session_count() const { return sessions_.size(); }
  // Export master secret of an established session (once; kSessionClosed if
  // there is no such session). For the emulated GPU's channel keys.
  Result<SecretBytes> TakeExportMasterSecret(uint32_t session_id);

  // The SPDM cert chain (Length | Reserved | RootHash | certs) for `hash`.
  static Result<Bytes> BuildCertChain(crypto::HashAlg hash, const std::vector<Bytes>& der_root_first);

  ~Responder();

 private:
  explicit Responder(ResponderConfig config);

  enum class ConnState { kNotStarted, kAfterVersion, kAfterCapabilities, kNegotiated };
  struct SessionState;
  // What to do once the response has been sealed/sent.
  enum class PostAction { kNone, kEnterApplication, kEndSession };
  struct Ctx {
    SessionState* session = nullptr;  // the request came in this session
    ByteSpan request;                 // exact request bytes (no padding)
  };

  Result<Bytes> Dispatch(ByteSpan msg, SessionState* session);
  Result<Bytes> Route(const wire::Request& req, const Ctx& ctx);
  Bytes ErrorMessage(wire::ErrorCode code, uint8_t data);
  Bytes ErrorFor(const Error& e, uint8_t request_code);
  void ResetConnection();
  uint8_t Version() const;
  wire::ParseParams Params() const;
  Result<Bytes> SignTranscript(session::SigningContext context, ByteSpan digest);
  Result<Bytes> MeasurementSummaryHash(uint8_t type);
  // Shared by KEY_EXCHANGE and PSK_EXCHANGE (rsp_key_exchange.cc): the
  // opaque-data format of the connection; MeasurementSummaryHashType checks
  // (InvalidRequest with `message` when MEAS_CAP is off); the response's
  // opaque data selecting a secured-message version from the request's
  // SupportedVersionList; a new SessionID for `req_session_id`.
  wire::OpaqueFormat OpaqueFormat() const;
  Status CheckMeasSummaryType(uint8_t type, const char* message) const;
  Result<Bytes> SecuredVersionSelection(ByteSpan request_opaque);
  uint32_t AllocateSessionId(uint16_t req_session_id);

  Result<Bytes> OnGetVersion(const wire::GetVersion& m, const Ctx& ctx);
  Result<Bytes> OnGetCapabilities(const wire::GetCapabilities& m, const Ctx& ctx);
  Result<Bytes> OnNegotiateAlgorithms(const wire::NegotiateAlgorithms& m, const Ctx& ctx);
  Result<Bytes> OnGetDigests(const wire::GetDigests& m, const Ctx& ctx);
  Result<Bytes> OnGetCertificate(const wire::GetCertificate& m, const Ctx& ctx);
  Result<Bytes> OnChallenge(const wire::Challenge& m, const Ctx& ctx);
  Result<Bytes> OnGetMeasurements(const wire::GetMeasurements& m, const Ctx& ctx);
  Result<Bytes> OnKeyExchange(const wire::KeyExchange& m, const Ctx& ctx);
  Result<Bytes> OnFinish(const wire::Finish& m, const Ctx& ctx);
  Result<Bytes> OnPskExchange(const wire::PskExchange& m, const Ctx& ctx);
  Result<Bytes> OnPskFinish(const wire::PskFinish& m, const Ctx& ctx);
  Result<Bytes> OnHeartbeat(const wire::Heartbeat& m, const Ctx& ctx);
  Result<Bytes> OnKeyUpdate(const wire::KeyUpdate& m, const Ctx& ctx);
  Result<Bytes> OnEndSession(const wire::EndSession& m, const Ctx& ctx);
  Result<Bytes> OnVendorDefined(const wire::VendorDefinedRequest& m, const Ctx& ctx);
  Result<Bytes> OnRespondIfReady(const wire::RespondIfReady& m, const Ctx& ctx);
  Result<Bytes> OnChunkSend(const wire::ChunkSend& m, const Ctx& ctx);
  Result<Bytes> OnChunkGet(const wire::ChunkGet& m, const Ctx& ctx);
  // The reply to a request: `r` if it fits the requester's DataTransferSize
  // after `overhead` bytes of an enclosing CHUNK_SEND_ACK, else
  // ERROR(LargeResponse) with `r` kept for CHUNK_GET (or ResponseTooLarge
  // when chunking is off or the requester's MaxSPDMmsgSize is exceeded); the
  // mapped ERROR when `r` failed.
  Bytes Answer(SessionState* s, const Result<Bytes>& r, uint8_t code, std::size_t overhead);
  // A record of another protocol than SPDM in session `s` (app_message.h).
  TransportMessage HandleApplicationMessage(SessionState& s, const session::RecordContent& content);
  bool Chunking() const;

  ResponderConfig config_;
  ConnState state_ = ConnState::kNotStarted;
  uint8_t capabilities_version_ = 0;  // GET_CAPABILITIES' version, once it passed the version check
  // Negotiated connection parameters (valid from kNegotiated on; version
  // from kAfterCapabilities).
  struct Negotiated {
    uint8_t version = 0;
    uint32_t req_caps = 0;
    uint32_t rsp_caps = 0;
    uint32_t req_data_transfer_size = 0;
    uint32_t req_max_spdm_msg_size = 0;
    uint32_t base_asym = 0, base_hash = 0, meas_hash = 0;
    uint16_t dhe = 0, aead = 0;
    uint8_t other_params = 0;
    uint8_t meas_spec = 0;
    crypto::HashAlg hash = crypto::HashAlg::kSha384;
    wire::NegotiatedParams wire;
  } neg_;
  session::MessageA message_a_;
  Bytes message_b_;  // B: digests/certificate exchanges since VCA or the last CHALLENGE
  std::optional<session::MeasurementTranscript> l_;  // out-of-session L1/L2
  Bytes cert_chain_;                                 // SPDM format for neg_.hash
  Bytes cert_chain_hash_;
  // The slot-0 chain in SPDM format and its digest, per hash algorithm,
  // built the first time a connection negotiates that hash (the DER
  // certificates are fixed at Create), so a new connection does not
  // re-encode and re-hash the chain.
  struct EncodedChain {
    crypto::HashAlg hash;
    Bytes chain;
    Bytes digest;
  };
  std::vector<EncodedChain> encoded_chains_;
  std::map<uint32_t, std::unique_ptr<SessionState>> sessions_;
  uint32_t in_clear_handshake_session_ = 0;  // session awaiting a plain FINISH
  uint16_t next_rsp_session_id_ = 0xFFFF;
  PostAction post_action_ = PostAction::kNone;
  const char* last_error_context_ = "";
  // Fault bookkeeping.
  bool fault_fired_ = false;
  Bytes cached_signed_measurements_;
  struct Deferred {
    uint8_t request_code = 0;
    uint8_t token = 0;
    Bytes response;
  };
  std::optional<Deferred> deferred_;
  uint8_t next_token_ = 1;
  // Large messages (DSP0274 1.2 CHUNK_SEND / CHUNK_GET): one of each at a
  // time, tied to the session (0: none) it belongs to; any other request
  // drops them.
  struct ChunkSendState {
    uint8_t handle = 0;
    uint32_t session_id = 0;
    wire::ChunkReassembly request;
  };
  struct ChunkGetState {
    uint8_t handle = 0;
    uint16_t next_seq = 0;
    uint32_t session_id = 0;
    std::size_t done = 0;  // bytes sent
    Bytes bytes;           // the whole response
  };
  // RequesterContexts of PSK sessions without a ResponderContext (rsp_psk.cc:
  // a repeat is a replay), the oldest dropped first; kept across connections.
  static constexpr std::size_t kRememberedContexts = 4096;
  std::set<Bytes> psk_contexts_;
  std::deque<Bytes> psk_context_order_;
  std::optional<ChunkSendState> chunk_send_;
  std::optional<ChunkGetState> chunk_get_;
  uint8_t next_chunk_handle_ = 0;
};

}  // namespace ccgpu::spdm::responder

#endif  // CCGPU_SPDM_RESPONDER_RESPONDER_H_
