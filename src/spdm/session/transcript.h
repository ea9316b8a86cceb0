// SPDM transcripts (DSP0274 1.2, "Transcript and transcript hash calculation
// rules"), the message layout helpers they need, and the 1.2+ signing input
// ("Signature generation": combined_spdm_prefix || Hash(transcript)).
//
// Everything here works on raw message bytes exactly as they were sent or
// received; nothing re-serialises a message. Each transcript object enforces
// the order of its parts and answers kStateError when a part comes out of
// order, so a caller cannot silently hash a different transcript than the
// peer did.
#ifndef CCGPU_SPDM_SESSION_TRANSCRIPT_H_
#define CCGPU_SPDM_SESSION_TRANSCRIPT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "spdm/session/algorithms.h"

namespace ccgpu::spdm::session {

// ---------------------------------------------------------------------------
// Message A (VCA)

// Accumulates message A = GET_VERSION || VERSION || GET_CAPABILITIES ||
// CAPABILITIES || NEGOTIATE_ALGORITHMS || ALGORITHMS (the full messages, in
// the order they were exchanged). GET_VERSION resets it. Owns a copy.
class MessageA {
 public:
  // Appends one full VCA message.
  void Append(ByteSpan message);
  // Forgets everything (on GET_VERSION / connection reset).
  void Reset() { bytes_.clear(); }
  ByteSpan bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

// ---------------------------------------------------------------------------
// M1/M2 (CHALLENGE_AUTH signature)

// M1/M2 = Hash(A || B || C) (DSP0274 1.2, CHALLENGE_AUTH signature
// generation):
//   A = VCA,
//   B = every GET_DIGESTS, DIGESTS, GET_CERTIFICATE, CERTIFICATE exchanged
//       since VCA (full messages, in order),
//   C = CHALLENGE || CHALLENGE_AUTH without its Signature field.
class ChallengeTranscript {
 public:
  // Starts with A. kUnsupportedAlgorithm / kCryptoFailure from the hasher.
  static Result<ChallengeTranscript> Create(crypto::HashAlg hash,
                                            ByteSpan message_a);
  // One message of B. kStateError after AppendC.
  Status AppendB(ByteSpan message);
  // C. `challenge_auth_without_signature` ends right before Signature.
  // kStateError if C was already appended.
  Status AppendC(ByteSpan challenge, ByteSpan challenge_auth_without_signature);
  // Hash(A || B || C): the transcript hash the responder signs. kStateError
  // before AppendC.
  Result<Bytes> Digest() const;

 private:
  explicit ChallengeTranscript(crypto::Hasher h) : hasher_(std::move(h)) {}
  crypto::Hasher hasher_;
  bool have_c_ = false;
};

// ---------------------------------------------------------------------------
// L1/L2 (signed MEASUREMENTS)

// L1/L2 (DSP0274 1.2, MEASUREMENTS signature generation):
//   1.2+: L = A || GET_MEASUREMENTS_1 || MEASUREMENTS_1 || ... ||
//             GET_MEASUREMENTS_n || MEASUREMENTS_n (the last without its
//             Signature field)
//   1.1:  the same without A (DSP0274 1.1 signs only the measurement
//         exchanges).
// The accumulation starts again (Reset) after each signed MEASUREMENTS, after
// an ERROR answer to GET_MEASUREMENTS and on a new VCA.
class MeasurementTranscript {
 public:
  // `message_a` is kept (copied) so that Reset can start over from it; it is
  // ignored for SPDM 1.1.
  static Result<MeasurementTranscript> Create(crypto::HashAlg hash,
                                              SpdmVersion version,
                                              ByteSpan message_a);
  // One request/response pair. For the signed (last) response pass it
  // without its Signature field; kStateError if a signed pair was already
  // appended without a Reset in between.
  Status Append(ByteSpan get_measurements, ByteSpan measurements,
                bool signed_response);
  // The hash a signed MEASUREMENTS covers. kStateError unless the last pair
  // appended was the signed one.
  Result<Bytes> Digest() const;
  // Starts over from A (1.2+) or from nothing (1.1).
  Status Reset();

 private:
  MeasurementTranscript(crypto::Hasher h, SpdmVersion v, Bytes a)
      : hasher_(std::move(h)), version_(v), message_a_(std::move(a)) {}
  crypto::Hasher hasher_;
  SpdmVersion version_;
  Bytes message_a_;
  bool have_signed_ = false;
};

// ---------------------------------------------------------------------------
// TH (KEY_EXCHANGE session transcript)

// The session transcript of a KEY_EXCHANGE session (DSP0274 1.2, KEY_EXCHANGE
// / FINISH and "Transcript and transcript hash calculation rules"):
//
//   TH = A || [D] || Hash(CertChain) || K || [Hash(ReqCertChain)] || F
//   K  = KEY_EXCHANGE || KEY_EXCHANGE_RSP
//   F  = FINISH || FINISH_RSP
//   D  = (1.3, MultiKeyConnRsp only) the first DIGESTS response after VCA.
//
// The hashes taken along the way, in order:
//   signature TH = Hash(A||[D]||H(CC)||KEY_EXCHANGE||KEY_EXCHANGE_RSP up to,
//                  not including, Signature)         -> rsp signature input
//   TH1          = the same plus Signature (without ResponderVerifyData)
//                                -> ResponderVerifyData, handshake secrets
//   finish TH    = Hash(... || K(full) || [H(ReqCC)] || FINISH up to, not
//                  including, RequesterVerifyData)  -> RequesterVerifyData
//   (in the clear) Hash(... || FINISH(full) || FINISH_RSP header) ->
//                  FINISH_RSP's ResponderVerifyData
//   TH2          = Hash(... || FINISH(full) || FINISH_RSP(full))
//                                -> application secrets
// Each Append* below checks it comes in this order (kStateError otherwise).
class SessionTranscript {
 public:
  // `message_d` is empty unless SPDM 1.3 with MultiKeyConnRsp.
  // `cert_chain_hash` = Hash(whole SPDM cert chain of the used slot: 4-byte
  // header, RootHash and the DER certificates). kInvalidArgument if its size
  // is not the digest size.
  static Result<SessionTranscript> Create(crypto::HashAlg hash,
                                          ByteSpan message_a,
                                          ByteSpan message_d,
                                          ByteSpan cert_chain_hash);
  // The full KEY_EXCHANGE request.
  Status AppendKeyExchange(ByteSpan key_exchange);
  // KEY_EXCHANGE_RSP up to, not including, Signature. After this Digest() is
  // the hash the responder's signature covers.
  Status AppendKeyExchangeRspSigned(ByteSpan rsp_before_signature);
  // The Signature field. After this Digest() is TH1.
  Status AppendKeyExchangeRspSignature(ByteSpan signature);
  // ResponderVerifyData of KEY_EXCHANGE_RSP (absent when both sides
  // negotiated HANDSHAKE_IN_THE_CLEAR: then skip this call).
  Status AppendKeyExchangeRspVerifyData(ByteSpan verify_data);
  // Mutual authentication only: Hash(requester's cert chain).
  Status AppendRequesterCertChainHash(ByteSpan req_cert_chain_hash);
  // FINISH up to, not including, RequesterVerifyData (header and, with
  // mutual authentication, the Signature). After this Digest() is the hash
  // RequesterVerifyData covers.
  Status AppendFinishSigned(ByteSpan finish_before_verify_data);
  Status AppendFinishVerifyData(ByteSpan verify_data);
  // FINISH_RSP up to, not including, its ResponderVerifyData (the 4-byte
  // header). In the clear, Digest() is then the hash that field covers.
  Status AppendFinishRspHeader(ByteSpan finish_rsp_header);
  // FINISH_RSP's ResponderVerifyData (only in the clear).
  Status AppendFinishRspVerifyData(ByteSpan verify_data);
  // Digest of everything appended so far (see the list above for what it is
  // at each step). kStateError before AppendKeyExchangeRspSigned.
  Result<Bytes> Digest() const;
  // TH1; kStateError unless the last part appended was the signature or the
  // KEY_EXCHANGE_RSP verify data would come next.
  Result<Bytes> Th1() const;
  // TH2; kStateError unless FINISH_RSP is complete.
  Result<Bytes> Th2() const;

 private:
  enum class Stage : uint8_t {
    kStart,
    kKeyExchange,
    kRspSigned,
    kRspSignature,  // TH1 available
    kRspVerifyData,
    kReqCertHash,
    kFinishSigned,
    kFinishVerifyData,
    kFinishRspHeader,  // TH2 available if nothing more follows
    kFinishRspVerifyData,
  };
  explicit SessionTranscript(crypto::Hasher h) : hasher_(std::move(h)) {}
  Status Step(Stage earliest, Stage latest, Stage to, ByteSpan data);
  crypto::Hasher hasher_;
  Stage stage_ = Stage::kStart;
  Bytes th1_;  // captured when the signature is appended
};

// The session transcript of a PSK session (DSP0274 1.2 PSK_EXCHANGE /
// PSK_FINISH). There is no certificate and no signature:
//
//   TH = A || PSK_EXCHANGE || PSK_EXCHANGE_RSP || [PSK_FINISH || PSK_FINISH_RSP]
//
//   TH1       = Hash(A || PSK_EXCHANGE || PSK_EXCHANGE_RSP up to, not
//               including, ResponderVerifyData) -> ResponderVerifyData,
//               handshake secrets
//   finish TH = Hash(... || PSK_EXCHANGE_RSP(full) || PSK_FINISH header)
//               -> RequesterVerifyData
//   TH2       = Hash(... || PSK_FINISH(full) || PSK_FINISH_RSP), or, when
//               the responder has no PSK context (PSK_CAP 01b: no
//               PSK_FINISH), Hash(... || PSK_EXCHANGE_RSP(full))
//               -> application secrets
// Each Append* checks it comes in this order (kStateError otherwise).
class PskSessionTranscript {
 public:
  static Result<PskSessionTranscript> Create(crypto::HashAlg hash,
                                             ByteSpan message_a);
  Status AppendPskExchange(ByteSpan psk_exchange);
  // PSK_EXCHANGE_RSP up to ResponderVerifyData; Digest() is then TH1.
  Status AppendPskExchangeRspBeforeVerifyData(ByteSpan rsp);
  Status AppendPskExchangeRspVerifyData(ByteSpan verify_data);
  // PSK_FINISH's 4-byte header; Digest() is then the finish TH.
  Status AppendPskFinishHeader(ByteSpan header);
  Status AppendPskFinishVerifyData(ByteSpan verify_data);
  Status AppendPskFinishRsp(ByteSpan psk_finish_rsp);
  // Digest of everything so far. kStateError before the response's first
  // part.
  Result<Bytes> Digest() const;
  // TH2: after PSK_FINISH_RSP, or right after ResponderVerifyData for a
  // session without PSK_FINISH. kStateError in between.
  Result<Bytes> Th2() const;

 private:
  enum class Stage : uint8_t {
    kStart,
    kExchange,
    kRspBeforeVerifyData,  // TH1
    kRspVerifyData,        // TH2 without PSK_FINISH
    kFinishHeader,
    kFinishVerifyData,
    kFinishRsp,  // TH2
  };
  explicit PskSessionTranscript(crypto::Hasher h) : hasher_(std::move(h)) {}
  Status Step(Stage from, Stage to, ByteSpan data);
  crypto::Hasher hasher_;
  Stage stage_ = Stage::kStart;
};

// Offsets of the variable-length parts of a KEY_EXCHANGE_RSP (DSP0274 1.2
// KEY_EXCHANGE_RSP table): header(4) | RspSessionID(2) | MutAuthRequested(1)
// | ReqSlotIDParam(1) | RandomData(32) | ExchangeData(D) |
// MeasurementSummaryHash(0|H) | OpaqueDataLength(2) | OpaqueData |
// Signature(S) | ResponderVerifyData(0|H).
struct KeyExchangeRspShape {
  std::size_t exchange_data_size = 96;    // 2 x coordinate size for ECDHE
  bool measurement_summary_hash = false;  // KEY_EXCHANGE Param1 != 0
  std::size_t hash_size = 48;
  std::size_t signature_size = 96;
  bool responder_verify_data = true;  // false in the clear
};
struct KeyExchangeRspSplit {
  std::size_t signature_offset = 0;    // end of the signed part
  std::size_t verify_data_offset = 0;  // end of the signature
};
// Splits `rsp` per `shape`. kTruncated if it is shorter than the shape says,
// kTrailingData if longer (the message has no trailing bytes).
Result<KeyExchangeRspSplit> SplitKeyExchangeRsp(
    ByteSpan rsp, const KeyExchangeRspShape& shape);

// ---------------------------------------------------------------------------
// Signing input

// The context strings of DSP0274 1.2 "Signature generation" (1.2+).
enum class SigningContext {
  kResponderChallengeAuth,   // "responder-challenge_auth signing"
  kResponderMeasurements,    // "responder-measurements signing"
  kResponderKeyExchangeRsp,  // "responder-key_exchange_rsp signing"
  kRequesterFinish,          // "requester-finish signing"
  kRequesterChallengeAuth,   // "requester-challenge_auth signing" (encap)
};
std::string_view SigningContextString(SigningContext context);

// combined_spdm_prefix for SPDM 1.2+ (100 bytes):
//   "dmtf-spdm-v1.X.*" four times (64 bytes) || zero pad (36 - len(context))
//   || context
// kInvalidArgument for 1.1 (which has no prefix).
Result<Bytes> CombinedSpdmPrefix(SpdmVersion version, SigningContext context);

// What the signature is computed over.
struct SignatureInput {
  enum class Form {
    kMessage,  // 1.2+: sign/verify `bytes` as a message (hashed inside ECDSA)
    kDigest,   // 1.1: `bytes` is Hash(transcript), signed directly
  };
  Form form;
  Bytes bytes;
};
// 1.2+: {kMessage, combined_spdm_prefix || transcript_hash};
// 1.1:  {kDigest, transcript_hash} (the signature is over the transcript
// hashed once with the negotiated hash). kInvalidArgument if the hash is
// empty.
Result<SignatureInput> BuildSignatureInput(SpdmVersion version,
                                           SigningContext context,
                                           ByteSpan transcript_hash);

// Verifies a fixed-width r||s ECDSA signature over `input`. kBadSignature on
// mismatch (errors of crypto::EcPublicKey otherwise).
Status VerifySignature(const crypto::EcPublicKey& key, crypto::HashAlg hash,
                       const SignatureInput& input, ByteSpan r_s);
// Signs `input` with `key`: fixed-width r||s.
Result<Bytes> Sign(const crypto::EcPrivateKey& key, crypto::HashAlg hash,
                   const SignatureInput& input);

}  // namespace ccgpu::spdm::session

#endif  // CCGPU_SPDM_SESSION_TRANSCRIPT_H_
