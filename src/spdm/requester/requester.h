// The SPDM requester (DMTF DSP0274 1.1-1.3, secured messages DSP0277): drives
// VCA, attestation (digests, certificate chain checked against configured
// roots, CHALLENGE, signed measurements) and KEY_EXCHANGE sessions
// (FINISH, HEARTBEAT, KEY_UPDATE, END_SESSION, application messages).
//
// It trusts nothing the responder says: every choice must lie inside what was
// offered (kDowngrade otherwise), every signature and VerifyData is checked
// over the transcript the requester itself kept, and responses are parsed
// strictly (bytes outside the message are kTrailingData, so nothing unbound
// by the transcript is accepted). An ERROR reply is kPeerError, with the code
// in last_peer_error(); Busy and ResponseNotReady (RESPOND_IF_READY) are
// retried a bounded number of times.
#ifndef CCGPU_SPDM_REQUESTER_REQUESTER_H_
#define CCGPU_SPDM_REQUESTER_REQUESTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "crypto/ec.h"
#include "crypto/x509.h"
#include "spdm/requester/exchange.h"
#include "spdm/session/psk_store.h"
#include "spdm/session/secured_message.h"
#include "spdm/session/transcript.h"
#include "spdm/wire/message.h"
#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::requester {

// CERT | CHAL | ENCRYPT | MAC | KEY_EX | PSK | HBEAT | KEY_UPD | CHUNK
// (DSP0274 1.2 §10.4; CHUNK from 1.2 on). PSK is cleared without a PSK store.
inline constexpr uint32_t kDefaultRequesterCapabilities =
    wire::cap::kCert | wire::cap::kChal | wire::cap::kEncrypt | wire::cap::kMac | wire::cap::kKeyEx |
    wire::cap::kPsk | wire::cap::kHbeat | wire::cap::kKeyUpd | wire::cap::kChunk;

struct RequesterConfig {
  // Versions offered; the highest one the responder also lists is used.
  std::vector<uint8_t> versions = {wire::kVersion11, wire::kVersion12, wire::kVersion13};
  uint32_t capabilities = kDefaultRequesterCapabilities;
  uint8_t ct_exponent = 12;
  uint32_t data_transfer_size = 0x1200;  // the largest single response taken (1.2+)
  // MaxSPDMmsgSize: the largest response reassembled from CHUNK_GET (1.2+).
  // 0 means: DataTransferSize without CHUNK_CAP, 64 KiB with it.
  uint32_t max_spdm_msg_size = 0;
  // Algorithms offered (bit fields, implemented bits only).
  uint32_t base_asym = wire::alg::kEcdsaP256 | wire::alg::kEcdsaP384;
  uint32_t base_hash = wire::alg::kSha256 | wire::alg::kSha384;
  uint16_t dhe = wire::alg::kSecp256r1 | wire::alg::kSecp384r1;
  uint16_t aead = wire::alg::kAes256Gcm | wire::alg::kChaCha20Poly1305;
  // Pre-shared keys for StartPskSession (the same kind of store as the
  // responder's); without one PSK_CAP is not advertised.
  std::shared_ptr<const session::PskStore> psk_store;
  // Trust anchors for the responder's slot-0 chain.
  std::vector<crypto::Certificate> roots;
  const Clock* clock = nullptr;  // nullptr: SystemClock
  bool check_time = true;
  // How secured records are carried (must match the responder's transport).
  session::TransportBinding binding = session::TransportBinding::Mctp();
  bool allow_dword_padding = false;  // PCI DOE
  session::SessionOptions session_options;
  int max_retries = 3;                  // Busy / ResponseNotReady
  uint16_t certificate_portion = 0x400;  // GET_CERTIFICATE Length
};

// What VCA settled.
struct ConnectionInfo {
  uint8_t version = 0;
  uint32_t responder_capabilities = 0;
  uint32_t base_asym = 0, base_hash = 0, measurement_hash = 0;
  uint16_t dhe = 0, aead = 0;
  uint8_t other_params = 0;
  bool handshake_in_the_clear = false;
  // The responder's DataTransferSize and MaxSPDMmsgSize (1.2+; 0 for 1.1).
  uint32_t responder_data_transfer_size = 0;
  uint32_t responder_max_spdm_msg_size = 0;
  // 1.2+ and both sides set CHUNK_CAP: messages larger than the peer's
  // DataTransferSize travel by CHUNK_SEND / CHUNK_GET.
  bool chunking = false;
};

struct CertificateChainInfo {
  Bytes spdm_chain;                          // Length | Reserved | RootHash | certs
  std::vector<crypto::Certificate> certs;    // root first, as sent
  std::string leaf_subject;
};

struct MeasurementInfo {
  uint8_t index = 0;
  uint8_t value_type = 0;  // DMTFSpecMeasurementValueType (bit 7 = raw bit stream)
  Bytes value;
};

struct MeasurementsInfo {
  uint8_t total_count = 0;  // operation 0 only
  std::vector<MeasurementInfo> blocks;
  bool signature_verified = false;
  Bytes opaque_data;  // the response's OpaqueData
  // The exact GET_MEASUREMENTS request and MEASUREMENTS response (signature
  // included). For a signed SPDM 1.1 request of all blocks, request ||
  // response is an NVIDIA evidence blob.
  Bytes request;
  Bytes response;
};

struct SessionInfo {
  uint32_t session_id = 0;
  uint8_t heartbeat_period = 0;
  bool handshake_in_the_clear = false;
  bool psk = false;                   // a PSK_EXCHANGE session
  bool psk_finish = false;            // its handshake ended with PSK_FINISH
  Bytes measurement_summary_hash;     // as the response carried it (may be empty)
};

class Requester {
 public:
  // `exchange` must outlive the requester. kInvalidArgument for empty or
  // out-of-range versions or unimplemented algorithm bits.
  static Result<std::unique_ptr<Requester>> Create(RequesterConfig config, MessageExchange* exchange);

  Requester(const Requester&) = delete;
  Requester& operator=(const Requester&) = delete;
  ~Requester();

  // GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS. kVersionMismatch
  // (no common version, or a response in another version), kDowngrade (a
  // selection outside the offer or not exactly one bit),
  // kUnsupportedAlgorithm (no usable hash), kPeerError, parse errors.
  Status InitConnection();
  const ConnectionInfo& connection() const { return conn_; }

  // GET_DIGESTS: slot 0's digest. kUnexpectedMessage if slot 0 is not
  // provisioned.
  Result<Bytes> GetDigests();
  // GET_CERTIFICATE (slot 0, in portions) and its verification: header
  // Length, RootHash = H(root), chain to a configured root (kChainInvalid /
  // kCertExpired / kCertNotYetValid), and H(chain) = the DIGESTS digest when
  // one was fetched (kChainInvalid).
  Result<CertificateChainInfo> GetCertificate();
  // CHALLENGE: verifies CHALLENGE_AUTH's signature over M1/M2 (kBadSignature),
  // its CertChainHash (kChainInvalid) and SlotID. Returns the
  // MeasurementSummaryHash (empty for type None). Needs GetCertificate first
  // (kStateError).
  Result<Bytes> Challenge(uint8_t meas_summary_hash_type = wire::kMeasSummaryHashNone);
  // GET_MEASUREMENTS for `operation` (0 = count, 1..0xFE one index, 0xFF
  // all), signed or not; in a session when `session_id` is set. A signed
  // response is verified over L1/L2 (kBadSignature). kPeerError for an
  // absent index (ERROR InvalidRequest). `nonce`: the 32-byte requester
  // nonce of a signed request (e.g. a verifier's); empty = fresh random;
  // kInvalidArgument for another size or a nonce on an unsigned request.
  Result<MeasurementsInfo> GetMeasurements(uint8_t operation, bool signed_request,
                                           std::optional<uint32_t> session_id = std::nullopt,
                                           bool raw_bit_stream = false, ByteSpan nonce = {});
  // KEY_EXCHANGE + FINISH: verifies the KEY_EXCHANGE_RSP signature
  // (kBadSignature), the secured-message version choice (kDowngrade), the
  // ExchangeData point (kBadPublicPoint), ResponderVerifyData
  // (kTranscriptMismatch); sends RequesterVerifyData. Needs the certificate.
  Result<SessionInfo> StartSession(uint8_t meas_summary_hash_type = wire::kMeasSummaryHashNone,
                                   uint8_t session_policy = 0);
  // PSK_EXCHANGE (+ PSK_FINISH when the responder has PSK_CAP with
  // context): a session keyed by the PSK that `psk_hint` names in
  // config.psk_store; no certificate is needed. Checks the secured-message
  // version choice (kDowngrade), that the ResponderContext agrees with the
  // responder's PSK_CAP (kMalformed) and ResponderVerifyData
  // (kTranscriptMismatch: also what a responder holding another PSK under
  // that hint produces). kNotFound for a hint the store lacks (nothing is
  // sent), kUnsupported if the responder lacks PSK_CAP.
  Result<SessionInfo> StartPskSession(ByteSpan psk_hint,
                                      uint8_t meas_summary_hash_type = wire::kMeasSummaryHashNone,
                                      uint8_t session_policy = 0);
  Status Heartbeat(uint32_t session_id);
  // One KEY_UPDATE exchange with `op` (a fresh tag each time); kUnexpectedMessage
  // if the ACK does not echo op and tag.
  Status KeyUpdate(uint32_t session_id, session::KeyUpdateOp op);
  Status EndSession(uint32_t session_id);
  // VENDOR_DEFINED_REQUEST (in a session when set): the response payload;
  // kUnexpectedMessage if StandardID/VendorID are not echoed.
  Result<Bytes> VendorDefined(std::optional<uint32_t> session_id, uint16_t standard_id, ByteSpan vendor_id,
                              ByteSpan payload);
  // An application message: any SPDM request, sent in the established
  // session `session_id` (or in the clear when unset), and the raw SPDM
  // response (ERROR included: no retry, no interpretation). Not bound into
  // any transcript; for messages the state machine does not model.
  Result<Bytes> SendApplicationMessage(std::optional<uint32_t> session_id, ByteSpan request);
  // An application-protocol message in the established session
  // `session_id` (MCTP only: `type` is the inner MCTP message type, e.g.
  // 0x01 PLDM) and the record that answers it, whatever its type (the
  // responder may answer with an SPDM ERROR). Not bound into any
  // transcript. kInvalidArgument on a binding without a type byte.
  Result<session::RecordContent> ExchangeApplicationMessage(uint32_t session_id, uint8_t type, ByteSpan message);
  // Export master secret of an established session (once).
  Result<SecretBytes> TakeExportMasterSecret(uint32_t session_id);

  // The ERROR code of the last kPeerError.
  std::optional<wire::ErrorCode> last_peer_error() const { return last_peer_error_; }
  // Responses that were retried (Busy / ResponseNotReady) so far.
  int retries() const { return retries_; }
  // Messages that travelled in chunks so far (requests sent by CHUNK_SEND,
  // responses fetched by CHUNK_GET).
  int chunked_requests() const { return chunked_requests_; }
  int chunked_responses() const { return chunked_responses_; }

 private:
  Requester(RequesterConfig config, MessageExchange* exchange);
  struct SessionState;
  using AfterSeal = std::function<Status()>;

  wire::ParseParams Params() const;
  SessionState* FindSession(uint32_t id);
  Result<Bytes> Transmit(SessionState* s, ByteSpan request, const AfterSeal& after_seal);
  // A request larger than the responder's DataTransferSize, by CHUNK_SEND;
  // returns the response the last CHUNK_SEND_ACK carries.
  Result<Bytes> SendLarge(SessionState* s, ByteSpan request, const AfterSeal& after_seal);
  // The response announced by ERROR(LargeResponse) `handle`, by CHUNK_GET.
  Result<Bytes> GetLarge(SessionState* s, uint8_t handle);
  // kPeerError (`why`, code kept in last_peer_error) if `raw` is an ERROR.
  Status RejectError(ByteSpan raw, const char* why);
  // Sends `request`, retries Busy / ResponseNotReady, and returns the final
  // raw response (kPeerError for any other ERROR).
  Result<Bytes> SendReceive(SessionState* s, ByteSpan request, const AfterSeal& after_seal = nullptr);
  // Parses `raw` expecting type T; returns it and its exact bytes.
  template <typename T>
  Result<wire::Decoded<T>> Expect(ByteSpan raw, const wire::ParseParams& p);
  Status SendFinish(SessionState& s, session::SessionTranscript& th);
  // Shared by KEY_EXCHANGE and PSK_EXCHANGE (req_key_exchange.cc): the
  // opaque-data format of the connection, our SupportedVersionList as opaque
  // data, the check of the responder's VersionSelection (kMalformed with
  // `message` when absent, kDowngrade outside the offer), a free
  // ReqSessionID.
  wire::OpaqueFormat OpaqueFormat() const;
  Result<Bytes> SecuredVersionOffer() const;
  Status CheckSecuredVersionSelection(ByteSpan response_opaque, const char* message) const;
  uint16_t AllocateReqSessionId();
  Status VerifyTranscriptSignature(session::SigningContext context, ByteSpan digest, ByteSpan signature);

  RequesterConfig config_;
  MessageExchange* exchange_;
  ConnectionInfo conn_;
  wire::NegotiatedParams np_;
  crypto::HashAlg hash_ = crypto::HashAlg::kSha384;
  bool connected_ = false;
  session::MessageA message_a_;
  Bytes message_b_;
  std::optional<session::MeasurementTranscript> l_;
  Bytes digest_slot0_;
  Bytes cert_chain_;
  Bytes cert_chain_hash_;
  std::optional<crypto::EcPublicKey> leaf_key_;
  // Chains this requester has already verified, by their exact SPDM chain
  // bytes: attesting the same device again (a new session, a re-attestation)
  // skips X.509 parsing and path building. An entry is used only while the
  // time is inside every certificate's and root's validity, i.e. where the
  // original verification holds; the roots are fixed per requester.
  struct VerifiedChain {
    Bytes spdm_chain;
    crypto::HashAlg hash;                    // the RootHash's algorithm
    std::vector<crypto::Certificate> certs;  // root first
    crypto::EcPublicKey leaf;
    TimePoint valid_from, valid_until;
  };
  static constexpr std::size_t kVerifiedChainSlots = 4;
  std::vector<VerifiedChain> verified_chains_;  // most recently verified last
  std::map<uint32_t, std::unique_ptr<SessionState>> sessions_;
  uint16_t next_req_session_id_ = 0xFFFF;
  uint8_t next_tag_ = 1;
  std::optional<wire::ErrorCode> last_peer_error_;
  int retries_ = 0;
  uint8_t next_chunk_handle_ = 0;
  int chunked_requests_ = 0;
  int chunked_responses_ = 0;
  // DWORD padding origin of the last response (6 when a CHUNK_SEND_ACK
  // carried it), for Params().
  std::size_t padding_origin_ = 0;
};

}  // namespace ccgpu::spdm::requester

#endif  // CCGPU_SPDM_REQUESTER_REQUESTER_H_
