// Inside the validator: the raw connection to the responder under test
// (Probe), the assertion recorder (CaseRun), the setup steps every group
// shares (VCA, reading a slot's chain, opening a session) and the group
// entry points. Not for use outside src/spdm/validator.
//
// House rules for group files (they are compiled as one unity batch):
// file-local helpers live in a namespace named after the group (group7::),
// never in an anonymous namespace, so that two files' helpers cannot clash.
#ifndef CCGPU_SPDM_VALIDATOR_VALIDATOR_INTERNAL_H_
#define CCGPU_SPDM_VALIDATOR_VALIDATOR_INTERNAL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ec.h"
#include "crypto/hash.h"
#include "spdm/requester/exchange.h"
#include "spdm/session/secured_message.h"
#include "spdm/session/transcript.h"
#include "spdm/validator/validator.h"
#include "spdm/wire/message.h"
#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::validator::internal {

// Raw exchanges with the responder under test. Nothing here interprets a
// response beyond what a step needs to go on.
class Probe {
 public:
  Probe(requester::MessageExchange* exchange, const ValidatorConfig& config)
      : exchange_(exchange), config_(config) {}

  // Sends one plain SPDM request and returns the raw response, whatever it
  // is (ERROR included), except that ERROR(ResponseNotReady) for this
  // request is followed by RESPOND_IF_READY (bounded number of tries) as
  // DMTF's validator relies on. An empty response means the responder sent
  // nothing back (a silent drop). kUnexpectedMessage: a secured reply;
  // transport errors as they come.
  Result<Bytes> Send(ByteSpan request);
  // Inside a session: seals `request` with `s`, sends the record and opens
  // the reply. A reply in the clear (an ERROR sent unprotected, e.g.
  // DecryptError) comes back with secured = false and its raw bytes.
  Result<requester::ExchangeMessage> SendSecured(session::SecureSession& s, ByteSpan request);
  // Sends `record` as a secured message as it is (tampered records) and
  // returns the raw reply.
  Result<requester::ExchangeMessage> SendRecord(ByteSpan record);

  const ValidatorConfig& config() const { return config_; }
  // The last response Send / SendSecured received (plaintext for a
  // secured one), for failure details.
  ByteSpan last_response() const { return last_response_; }
  // Parse parameters for responses after VCA (hash, signature, DHE sizes).
  wire::ParseParams Params(const wire::NegotiatedParams& np) const;

  // Chunked responses (1.2+, both sides CHUNK_CAP): while `data_transfer_size`
  // (the validator's, as offered) is set, Send answers an ERROR(LargeResponse)
  // by fetching the response with CHUNK_GET and returns it whole. Vca sets it
  // when chunking was negotiated and clears it otherwise; a case that
  // inspects the chunks itself turns it off.
  void set_large_responses(uint32_t data_transfer_size) { large_dts_ = data_transfer_size; }
  uint32_t large_responses() const { return large_dts_; }
  // CHUNK_GET 0, 1, … for `handle` until LastChunk; the chunks' messages in
  // order go to `chunks` when given. kMalformed when sequence, handle or
  // sizes disagree, kPeerError for an ERROR.
  Result<Bytes> FetchLarge(uint8_t version, uint8_t handle, std::vector<Bytes>* chunks = nullptr);

 private:
  requester::MessageExchange* exchange_;
  ValidatorConfig config_;
  Bytes last_response_;
  uint32_t large_dts_ = 0;
};

// Records one case: each assertion with its DMTF number.
class CaseRun {
 public:
  CaseRun(std::string id, std::string title);
  // Records assertion `id` ("2.2.4"); returns `holds`.
  bool Check(const std::string& id, bool holds, std::string what, std::string detail = {});
  // The case does not apply to this responder (a version it does not list,
  // a capability it lacks, …).
  void Skip(std::string reason);
  // A step could not be carried out (no response, or a setup response that
  // is not what the step needs): recorded as failed assertion `id`, with
  // the error and (when given) the response that stopped it, e.g.
  // run.StepFailed(AssertionId(run, 1), "VCA", e, probe.last_response()).
  void StepFailed(const std::string& id, const std::string& step, const Error& e, ByteSpan last_response = {});
  const std::string& id() const { return result_.id; }
  CaseResult Take() { return std::move(result_); }

 private:
  CaseResult result_;
};

// The assertions DMTF writes for an expected ERROR, numbered from `first`
// within the case (N.M.first … N.M.first+4): sizeof(response) >=
// sizeof(ERROR), RequestResponseCode == ERROR, SPDMVersion == `version`,
// Param1 == `code`, Param2 == 0.
void CheckError(CaseRun& run, ByteSpan response, uint8_t version, wire::ErrorCode code, int first = 1);
// CheckError without the Param2 assertion: N.M.first … N.M.first+3 (the
// cases whose documents list only four, e.g. 9.7, 11.6, 11.8).
void CheckErrorNoParam2(CaseRun& run, ByteSpan response, uint8_t version, wire::ErrorCode code, int first = 1);
// "ERROR(code) or silent drop": an empty response passes all five.
void CheckErrorOrDrop(CaseRun& run, ByteSpan response, uint8_t version, wire::ErrorCode code, int first = 1);
// "<case>.<n>" for a case id and a number.
std::string AssertionId(const CaseRun& run, int n);
// The DSP0274 name of an ERROR code ("InvalidRequest").
std::string ErrorName(wire::ErrorCode code);
// Hex of at most the first `max` bytes (for details).
std::string HexPrefix(ByteSpan bytes, std::size_t max = 16);

// "0x12".
std::string ByteHex(uint8_t b);
// The slots set in a SlotMask, ascending.
std::vector<uint8_t> SlotsOf(uint8_t mask);
// `message` with only its SPDMVersion byte changed.
Bytes WithVersion(ByteSpan message, uint8_t version);

// What the validator offers in VCA (only what it can verify).
struct VcaOffer {
  uint32_t flags = wire::cap::kCert | wire::cap::kChal | wire::cap::kEncrypt | wire::cap::kMac |
                   wire::cap::kKeyEx | wire::cap::kHbeat | wire::cap::kKeyUpd;
  uint8_t ct_exponent = 12;
  uint32_t data_transfer_size = 0x1200;  // 1.2+
  uint32_t max_spdm_msg_size = 0;        // 1.2+; 0: = DataTransferSize
  uint32_t base_asym = wire::alg::kEcdsaP256 | wire::alg::kEcdsaP384;
  uint32_t base_hash = wire::alg::kSha256 | wire::alg::kSha384;
  uint16_t dhe = wire::alg::kSecp256r1 | wire::alg::kSecp384r1;
  uint16_t aead = wire::alg::kAes256Gcm | wire::alg::kChaCha20Poly1305;
};
// The offer of DMTF's group 7-16 setups: the default plus ENCAP_CAP.
VcaOffer OfferWithEncap();

// Skip reason of the session cases on a transport without secured messages.
inline constexpr const char* kNoBinding = "the transport carries no secured messages (no binding configured)";

// NegotiatedVersion-1 then NegotiatedVersion+1: the versions, in DMTF's
// order, that its VersionMismatch cases send.
std::array<uint8_t, 2> WrongVersions(uint8_t v);

// What VCA settled, and the exact bytes exchanged.
struct Negotiated {
  uint8_t version = 0;
  uint32_t responder_flags = 0;
  uint8_t responder_ct_exponent = 0;
  uint32_t base_asym = 0, base_hash = 0, measurement_hash = 0;
  uint8_t measurement_spec = 0, other_params = 0;
  uint16_t dhe = 0, aead = 0, key_schedule = 0;
  crypto::HashAlg hash = crypto::HashAlg::kSha384;
  wire::NegotiatedParams np;
  session::MessageA message_a;  // GET_VERSION … ALGORITHMS
  bool Has(uint32_t cap) const { return (responder_flags & cap) == cap; }
};

// GET_VERSION (0x10): the versions the responder lists that ccgpu speaks
// (0x11..0x13), ascending. kUnexpectedMessage if the reply is not VERSION.
Result<std::vector<uint8_t>> ListedVersions(Probe& probe);
// GET_CAPABILITIES as the validator sends it in `version` with `offer`
// (1.1: the low 16 flag bits and no transfer sizes).
wire::GetCapabilities CapabilitiesRequest(uint8_t version, const VcaOffer& offer = {});
// GET_VERSION then GET_CAPABILITIES (the first half of Vca): message A so
// far, the responder's flags and CTExponent; np holds the version only.
Result<Negotiated> VersionAndCapabilities(Probe& probe, uint8_t version, const VcaOffer& offer = {});
// GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS in `version` with
// `offer`; kPeerError (with the code in the context) when a step gets an
// ERROR, kUnexpectedMessage / parse errors otherwise.
Result<Negotiated> Vca(Probe& probe, uint8_t version, const VcaOffer& offer = {});

// A slot's certificate chain, read with GET_DIGESTS then GET_CERTIFICATE
// portions after VCA.
struct SlotChain {
  Bytes digests_request, digests_response;  // GET_DIGESTS / DIGESTS
  Bytes chain;                              // SPDM format: Length | Reserved | RootHash | certs
  Bytes chain_hash;                         // H(chain) under the negotiated hash
  std::vector<Bytes> certificate_messages;  // GET_CERTIFICATE, CERTIFICATE, … in order
  std::vector<Bytes> certificates_der;      // root first
  std::optional<crypto::EcPublicKey> leaf_key;  // nullopt if the leaf's key is not P-256/P-384
};
// With `with_digests` the GET_DIGESTS exchange comes first (transcript B
// holds both, in order). `portion`: GET_CERTIFICATE Length.
Result<SlotChain> ReadChain(Probe& probe, const Negotiated& n, uint8_t slot, bool with_digests = true,
                            uint16_t portion = 0x400);
// Verifies `signature` made by `leaf` over `transcript_hash` in `context`
// (1.2+: combined SPDM prefix; 1.1: the hash itself).
Status VerifySpdmSignature(const Negotiated& n, const crypto::EcPublicKey& leaf, session::SigningContext context,
                           ByteSpan transcript_hash, ByteSpan signature);

// The handshake as a requester drives it, step by step (session_support.cc).
// Cases about the handshake itself use the steps; cases that only need a
// session use Establish.

// OpaqueDataFmt the connection negotiated (fmt1 in 1.2+, else DMTF spec ID).
wire::OpaqueFormat OpaqueFormatOf(const Negotiated& n);
// KEY_EXCHANGE with SupportedVersionList opaque data and SessionPolicy 0
// (as DMTF sends it), with `exchange_data` as ExchangeData.
Result<Bytes> BuildKeyExchange(const Negotiated& n, uint8_t slot, uint8_t meas_summary, ByteSpan exchange_data);
// A fresh ephemeral public point of the negotiated DHE group.
Result<Bytes> EphemeralPoint(const Negotiated& n);
// The slot whose chain `chain` is (GET_CERTIFICATE Param1).
uint8_t SlotOfChain(const SlotChain& chain);

// One KEY_EXCHANGE and its KEY_EXCHANGE_RSP, each check kept apart.
struct KeyExchangeTry {
  Bytes request, response;
  std::optional<Error> parse_error;        // the response is not a well-formed KEY_EXCHANGE_RSP
  std::optional<Error> signature_error;    // nullopt: the signature over TH verified
  std::optional<Error> verify_data_error;  // nullopt: ResponderVerifyData verified (or in the clear)
  uint8_t mut_auth_requested = 0;
  Bytes opaque_data;        // the response's OpaqueData
  uint32_t session_id = 0;  // ReqSessionID | RspSessionID
  std::optional<session::SessionTranscript> th;  // through KEY_EXCHANGE_RSP
  std::optional<session::SecureSession> secure;  // handshake keys
  bool usable() const { return !parse_error && !signature_error && !verify_data_error && th && secure; }
  Error first_error() const {
    if (parse_error) return *parse_error;
    if (signature_error) return *signature_error;
    if (verify_data_error) return *verify_data_error;
    return Error{Errc::kStateError, "validator: KEY_EXCHANGE did not yield handshake keys"};
  }
};
// KEY_EXCHANGE with MeasurementSummaryHashType `meas_summary` on the chain's
// slot. The Result fails only when nothing could be sent or received, or a
// local step (key generation, transcript, key schedule) failed.
Result<KeyExchangeTry> TryKeyExchange(Probe& probe, const Negotiated& n, const SlotChain& chain, uint8_t meas_summary);

struct FinishTry {
  Bytes response;
  std::optional<Error> parse_error;
  std::optional<Error> verify_data_error;  // in the clear: FINISH_RSP's ResponderVerifyData
};
// FINISH with RequesterVerifyData over the transcript of `ke` (usable()),
// then FINISH_RSP; TH2 and the application keys when it verifies.
Result<FinishTry> TryFinish(Probe& probe, const Negotiated& n, KeyExchangeTry& ke);

// A session opened by KEY_EXCHANGE (+ FINISH) or PSK_EXCHANGE (+ PSK_FINISH)
// against the responder.
struct OpenSession {
  uint32_t session_id = 0;
  std::optional<session::SecureSession> secure;
  Bytes key_exchange_rsp;  // the raw KEY_EXCHANGE_RSP or PSK_EXCHANGE_RSP (Param1: HeartbeatPeriod)
  bool finished = false;   // handshake done: application phase
};
// TryKeyExchange then, when `finish`, TryFinish over the chain in `chain`
// (TH uses Hash(chain)); fails with the precise error (see
// session_support.cc) unless every check a requester must make held.
Result<OpenSession> Establish(Probe& probe, const Negotiated& n, const SlotChain& chain, bool finish = true,
                              uint8_t meas_summary_hash_type = 0);

// PSK sessions (session_support.cc; DSP0274 1.2 §10.17/§10.18), keyed by
// the PSK that ValidatorConfig::psk_hint names in ValidatorConfig::psk_store.
// No certificate, no signature: the responder proves it holds the same PSK by
// its ResponderVerifyData.

// The secured-message opaque data the validator sends in KEY_EXCHANGE and
// PSK_EXCHANGE: one SupportedVersionList element (DSP0277 §8) in the
// connection's OpaqueDataFmt.
Result<Bytes> SecuredVersionOffer(const Negotiated& n);
// PSK_EXCHANGE in n.version: MeasurementSummaryHashType `meas_summary`,
// SessionPolicy `session_policy` (1.2+; 0 in 1.1), the validator's
// ReqSessionID, the configured PSKHint, a fresh RequesterContext of H random
// bytes (32 before ALGORITHMS settled H) and SecuredVersionOffer.
Result<Bytes> BuildPskExchange(const Negotiated& n, ByteSpan psk_hint, uint8_t meas_summary, uint8_t session_policy = 0);

// One PSK_EXCHANGE and its PSK_EXCHANGE_RSP, each check kept apart.
struct PskExchangeTry {
  Bytes request, response;
  std::optional<Error> parse_error;        // not a well-formed PSK_EXCHANGE_RSP
  std::optional<Error> verify_data_error;  // nullopt: ResponderVerifyData = HMAC(rsp_finished_key, TH1)
  Bytes opaque_data;                       // the response's OpaqueData
  std::size_t responder_context_length = 0;
  uint32_t session_id = 0;  // ReqSessionID | RspSessionID
  // Through PSK_EXCHANGE_RSP (its ResponderVerifyData included once it
  // verified).
  std::optional<session::PskSessionTranscript> th;
  std::optional<session::SecureSession> secure;  // handshake keys
  bool usable() const { return !parse_error && !verify_data_error && th && secure; }
};
// PSK_EXCHANGE (BuildPskExchange) and its reply, with the validator's own
// transcript and key schedule: TH1 = Hash(A || PSK_EXCHANGE ||
// PSK_EXCHANGE_RSP up to ResponderVerifyData). The Result fails only when
// nothing could be sent or received, or a local step failed (no store:
// kUnsupported; the store lacks the hint: kNotFound, before anything is
// sent; no AEAD negotiated: kUnsupportedAlgorithm).
Result<PskExchangeTry> TryPskExchange(Probe& probe, const Negotiated& n, uint8_t meas_summary,
                                      uint8_t session_policy = 0);
// Everything a requester checks before it uses the handshake of `t`: the
// reply is PSK_EXCHANGE_RSP (kPeerError for an ERROR, kUnexpectedMessage) in
// the negotiated version (kVersionMismatch), well formed (the parser's
// error), with a ResponderContext exactly when the responder advertised
// PSK_CAP with context (kMalformed), ResponderVerifyData verifying
// (kTranscriptMismatch) and a VersionSelection we offered (kDowngrade).
Status CheckPskExchange(const Negotiated& n, const PskExchangeTry& t);
// PSK_FINISH in `version` whose RequesterVerifyData is HMAC(req_finished_key,
// Hash(TH through PSK_EXCHANGE_RSP || the 4-byte header)), each byte XORed
// with `flip`. `t` (usable()) is not changed.
Result<Bytes> PskFinishFor(const PskExchangeTry& t, uint8_t version, uint8_t flip = 0);
// PSK_FINISH (PskFinishFor) under the handshake keys, then PSK_FINISH_RSP;
// on a well-formed PSK_FINISH_RSP, TH2 and the application keys. `response`
// is the reply's plaintext (or the unprotected reply as it came).
struct PskFinishTry {
  Bytes response;
  bool secured = false;  // the reply came as a record of the session
  std::optional<Error> parse_error;
};
Result<PskFinishTry> TryPskFinish(Probe& probe, const Negotiated& n, PskExchangeTry& t);
// A PSK session in its application phase: TryPskExchange (NoMeasurement),
// CheckPskExchange, then PSK_FINISH when the responder has PSK_CAP with
// context (without it the session is established by PSK_EXCHANGE_RSP).
Result<OpenSession> EstablishPsk(Probe& probe, const Negotiated& n);

// A MEASUREMENTS response read field by field, as far as its bytes go, so
// that each assertion can judge one field (the codec's parser rejects the
// whole message at the first inconsistency):
//   header(4) | NumberOfBlocks u8 | MeasurementRecordLength u24 |
//   MeasurementRecord | Nonce(32) | OpaqueDataLength u16 | OpaqueData |
//   [1.3 RequesterContext(8)] | [Signature(S)].
struct MeasView {
  bool complete = false;  // every field fits: sizeof(MEASUREMENTS) + record + opaque (+ signature)
  uint8_t version = 0, code = 0, param1 = 0, param2 = 0;
  uint8_t number_of_blocks = 0;
  uint32_t record_length = 0;
  ByteSpan record;  // empty unless all MeasurementRecordLength bytes are there
  uint16_t opaque_length = 0;
  std::size_t signed_end = 0;  // end of the message before Signature
  ByteSpan signature;
};
// `signature_size`: S when the request asked for a signature, else 0.
MeasView ViewMeasurements(ByteSpan rsp, uint8_t version, std::size_t signature_size);

// One measurement block of a record (spans borrow the response).
struct Block {
  uint8_t index = 0;
  uint8_t specification = 0;
  ByteSpan measurement;  // Measurement[MeasurementSize]
  ByteSpan whole;        // the block, header included
};
// The blocks of a MeasurementRecord, read up to `number_of_blocks` while they
// fit. `length`: bytes the blocks read take.
struct RecordWalk {
  std::vector<Block> blocks;
  std::size_t length = 0;
};
RecordWalk WalkRecord(ByteSpan record, unsigned number_of_blocks);

// GET_MEASUREMENTS for `operation`; signed: a fresh nonce and `slot`; 1.3: a
// fresh RequesterContext.
Result<Bytes> MeasurementsRequest(uint8_t version, bool sign, uint8_t operation, uint8_t slot);

// Everything a group needs.
struct Env {
  Probe& probe;
  std::vector<uint8_t> versions;  // ListedVersions at the start of the run
  std::vector<CaseResult>& out;
  bool Listed(uint8_t v) const;
  uint8_t Highest() const { return versions.empty() ? 0 : versions.back(); }
  // Appends a finished case.
  void Add(CaseRun&& run) { out.push_back(run.Take()); }
};

// Seals `request` (a FINISH or PSK_FINISH with a wrong RequesterVerifyData,
// named `what`) in `secure`, sends it and checks assertions .1-.4:
// ERROR(DecryptError) with Param2 0, sealed or plain. As DMTF's 9.7, a sealed
// reply that cannot be opened (the responder tore the session down) counts as
// that error too.
void ExpectDecryptErrorInSession(Env& env, CaseRun& run, session::SecureSession& secure, ByteSpan request,
                                 uint8_t version, const std::string& what);

// Group entry points (one per DMTF document).
void RunVersionGroup(Env& env);          // 1  group_vca.cc
void RunCapabilitiesGroup(Env& env);     // 2  group_vca.cc
void RunAlgorithmsGroup(Env& env);       // 3  group_vca.cc
void RunDigestsGroup(Env& env);          // 4  group_cert.cc
void RunCertificateGroup(Env& env);      // 5  group_cert.cc
void RunChallengeAuthGroup(Env& env);    // 6  group_cert.cc
void RunMeasurementsGroup(Env& env);     // 7  group_measurements.cc (outside sessions)
void RunMeasurementsInSessionCases(Env& env);  // 7.7, 7.8, 7.10: group_measurements.cc
void RunKeyExchangeRspGroup(Env& env);   // 8  group_session.cc
void RunFinishRspGroup(Env& env);        // 9  group_session.cc
void RunPskExchangeRspGroup(Env& env);   // 10 group_psk.cc
void RunPskFinishRspGroup(Env& env);     // 11 group_psk.cc
void RunHeartbeatAckGroup(Env& env);     // 12 group_session.cc
void RunKeyUpdateAckGroup(Env& env);     // 13 group_session.cc
void RunEndSessionAckGroup(Env& env);    // 16 group_session.cc
void RunChunkSendAckGroup(Env& env);     // 19 group_chunk.cc
void RunChunkResponseGroup(Env& env);    // 20 group_chunk.cc

}  // namespace ccgpu::spdm::validator::internal

#endif  // CCGPU_SPDM_VALIDATOR_VALIDATOR_INTERNAL_H_
