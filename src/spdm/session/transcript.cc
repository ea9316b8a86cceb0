#include "spdm/session/transcript.h"

#include <utility>

#include "base/encoding.h"

namespace ccgpu::spdm::session {

void MessageA::Append(ByteSpan message) {
  bytes_.insert(bytes_.end(), message.begin(), message.end());
}

// --- M1/M2 -----------------------------------------------------------------

Result<ChallengeTranscript> ChallengeTranscript::Create(crypto::HashAlg hash,
                                                        ByteSpan message_a) {
  CCGPU_ASSIGN_OR_RETURN(crypto::Hasher h, crypto::Hasher::Create(hash));
  // M1/M2 = Hash(A || B || C): A first.
  CCGPU_TRY(h.Update(message_a));
  return ChallengeTranscript(std::move(h));
}

Status ChallengeTranscript::AppendB(ByteSpan message) {
  if (have_c_) {
    return Fail(Errc::kStateError,
                "spdm.transcript.m1: message B after message C");
  }
  return hasher_.Update(message);
}

Status ChallengeTranscript::AppendC(ByteSpan challenge,
                                    ByteSpan challenge_auth_without_signature) {
  if (have_c_) {
    return Fail(Errc::kStateError, "spdm.transcript.m1: message C twice");
  }
  // C = CHALLENGE || CHALLENGE_AUTH (without Signature).
  CCGPU_TRY(hasher_.Update(challenge));
  CCGPU_TRY(hasher_.Update(challenge_auth_without_signature));
  have_c_ = true;
  return OkStatus();
}

Result<Bytes> ChallengeTranscript::Digest() const {
  if (!have_c_) {
    return Fail(Errc::kStateError, "spdm.transcript.m1: no message C yet");
  }
  return hasher_.Peek();
}

// --- L1/L2 -----------------------------------------------------------------

Result<MeasurementTranscript> MeasurementTranscript::Create(
    crypto::HashAlg hash, SpdmVersion version, ByteSpan message_a) {
  CCGPU_ASSIGN_OR_RETURN(crypto::Hasher h, crypto::Hasher::Create(hash));
  Bytes a(message_a.begin(), message_a.end());
  // L1/L2 (1.2+) = A || measurement exchanges; 1.1 has no A.
  if (version != SpdmVersion::k11) CCGPU_TRY(h.Update(a));
  return MeasurementTranscript(std::move(h), version, std::move(a));
}

Status MeasurementTranscript::Append(ByteSpan get_measurements,
                                     ByteSpan measurements,
                                     bool signed_response) {
  if (have_signed_) {
    return Fail(Errc::kStateError,
                "spdm.transcript.l1: exchange after the signed one without "
                "Reset");
  }
  CCGPU_TRY(hasher_.Update(get_measurements));
  CCGPU_TRY(hasher_.Update(measurements));
  have_signed_ = signed_response;
  return OkStatus();
}

Result<Bytes> MeasurementTranscript::Digest() const {
  if (!have_signed_) {
    return Fail(Errc::kStateError,
                "spdm.transcript.l1: no signed MEASUREMENTS appended");
  }
  return hasher_.Peek();
}

Status MeasurementTranscript::Reset() {
  CCGPU_ASSIGN_OR_RETURN(crypto::Hasher h,
                         crypto::Hasher::Create(hasher_.alg()));
  if (version_ != SpdmVersion::k11) CCGPU_TRY(h.Update(message_a_));
  hasher_ = std::move(h);
  have_signed_ = false;
  return OkStatus();
}

// --- TH --------------------------------------------------------------------

Result<SessionTranscript> SessionTranscript::Create(crypto::HashAlg hash,
                                                    ByteSpan message_a,
                                                    ByteSpan message_d,
                                                    ByteSpan cert_chain_hash) {
  if (cert_chain_hash.size() != crypto::DigestSize(hash)) {
    return Fail(Errc::kInvalidArgument,
                "spdm.transcript.th: cert chain hash size is not the digest "
                "size");
  }
  CCGPU_ASSIGN_OR_RETURN(crypto::Hasher h, crypto::Hasher::Create(hash));
  // TH = A || [D] || Hash(CertChain) || ...
  CCGPU_TRY(h.Update(message_a));
  CCGPU_TRY(h.Update(message_d));
  CCGPU_TRY(h.Update(cert_chain_hash));
  return SessionTranscript(std::move(h));
}

Status SessionTranscript::Step(Stage earliest, Stage latest, Stage to,
                               ByteSpan data) {
  // Parts must come in order: this part may follow any stage in
  // [earliest, latest] (optional parts in between may be skipped).
  if (stage_ < earliest || stage_ > latest) {
    return Fail(Errc::kStateError,
                "spdm.transcript.th: transcript part out of order");
  }
  CCGPU_TRY(hasher_.Update(data));
  stage_ = to;
  return OkStatus();
}

Status SessionTranscript::AppendKeyExchange(ByteSpan key_exchange) {
  // ... || KEY_EXCHANGE
  return Step(Stage::kStart, Stage::kStart, Stage::kKeyExchange, key_exchange);
}

Status SessionTranscript::AppendKeyExchangeRspSigned(ByteSpan rsp) {
  // ... || KEY_EXCHANGE_RSP[..Signature)
  return Step(Stage::kKeyExchange, Stage::kKeyExchange, Stage::kRspSigned, rsp);
}

Status SessionTranscript::AppendKeyExchangeRspSignature(ByteSpan signature) {
  // ... || KEY_EXCHANGE_RSP.Signature; the digest now is TH1.
  CCGPU_TRY(Step(Stage::kRspSigned, Stage::kRspSigned, Stage::kRspSignature,
                 signature));
  CCGPU_ASSIGN_OR_RETURN(th1_, hasher_.Peek());
  return OkStatus();
}

Status SessionTranscript::AppendKeyExchangeRspVerifyData(ByteSpan vd) {
  if (vd.size() != crypto::DigestSize(hasher_.alg())) {
    return Fail(Errc::kInvalidArgument,
                "spdm.transcript.th: verify data size is not the digest size");
  }
  return Step(Stage::kRspSignature, Stage::kRspSignature, Stage::kRspVerifyData,
              vd);
}

Status SessionTranscript::AppendRequesterCertChainHash(ByteSpan hash) {
  if (hash.size() != crypto::DigestSize(hasher_.alg())) {
    return Fail(Errc::kInvalidArgument,
                "spdm.transcript.th: requester cert chain hash size");
  }
  return Step(Stage::kRspSignature, Stage::kRspVerifyData, Stage::kReqCertHash,
              hash);
}

Status SessionTranscript::AppendFinishSigned(ByteSpan finish) {
  // ... || K(full) || [H(ReqCertChain)] || FINISH[..RequesterVerifyData)
  return Step(Stage::kRspSignature, Stage::kReqCertHash, Stage::kFinishSigned,
              finish);
}

Status SessionTranscript::AppendFinishVerifyData(ByteSpan vd) {
  if (vd.size() != crypto::DigestSize(hasher_.alg())) {
    return Fail(Errc::kInvalidArgument,
                "spdm.transcript.th: verify data size is not the digest size");
  }
  return Step(Stage::kFinishSigned, Stage::kFinishSigned,
              Stage::kFinishVerifyData, vd);
}

Status SessionTranscript::AppendFinishRspHeader(ByteSpan header) {
  return Step(Stage::kFinishVerifyData, Stage::kFinishVerifyData,
              Stage::kFinishRspHeader, header);
}

Status SessionTranscript::AppendFinishRspVerifyData(ByteSpan vd) {
  if (vd.size() != crypto::DigestSize(hasher_.alg())) {
    return Fail(Errc::kInvalidArgument,
                "spdm.transcript.th: verify data size is not the digest size");
  }
  return Step(Stage::kFinishRspHeader, Stage::kFinishRspHeader,
              Stage::kFinishRspVerifyData, vd);
}

Result<Bytes> SessionTranscript::Digest() const {
  if (stage_ < Stage::kRspSigned) {
    return Fail(Errc::kStateError,
                "spdm.transcript.th: nothing to sign or MAC yet");
  }
  return hasher_.Peek();
}

Result<Bytes> SessionTranscript::Th1() const {
  if (stage_ < Stage::kRspSignature) {
    return Fail(Errc::kStateError,
                "spdm.transcript.th: TH1 needs the KEY_EXCHANGE_RSP signature");
  }
  return th1_;
}

Result<Bytes> SessionTranscript::Th2() const {
  // TH2 = Hash(... || FINISH(full) || FINISH_RSP(full)).
  if (stage_ < Stage::kFinishRspHeader) {
    return Fail(Errc::kStateError, "spdm.transcript.th: TH2 needs FINISH_RSP");
  }
  return hasher_.Peek();
}

Result<PskSessionTranscript> PskSessionTranscript::Create(crypto::HashAlg hash,
                                                          ByteSpan message_a) {
  CCGPU_ASSIGN_OR_RETURN(crypto::Hasher h, crypto::Hasher::Create(hash));
  CCGPU_TRY(h.Update(message_a));  // TH = A || ...
  return PskSessionTranscript(std::move(h));
}

Status PskSessionTranscript::Step(Stage from, Stage to, ByteSpan data) {
  if (stage_ != from) {
    return Fail(Errc::kStateError,
                "spdm.transcript.psk: transcript part out of order");
  }
  CCGPU_TRY(hasher_.Update(data));
  stage_ = to;
  return OkStatus();
}

Status PskSessionTranscript::AppendPskExchange(ByteSpan psk_exchange) {
  return Step(Stage::kStart, Stage::kExchange, psk_exchange);
}

Status PskSessionTranscript::AppendPskExchangeRspBeforeVerifyData(
    ByteSpan rsp) {
  return Step(Stage::kExchange, Stage::kRspBeforeVerifyData, rsp);
}

Status PskSessionTranscript::AppendPskExchangeRspVerifyData(ByteSpan vd) {
  if (vd.size() != crypto::DigestSize(hasher_.alg())) {
    return Fail(Errc::kInvalidArgument,
                "spdm.transcript.psk: verify data size is not the digest size");
  }
  return Step(Stage::kRspBeforeVerifyData, Stage::kRspVerifyData, vd);
}

Status PskSessionTranscript::AppendPskFinishHeader(ByteSpan header) {
  return Step(Stage::kRspVerifyData, Stage::kFinishHeader, header);
}

Status PskSessionTranscript::AppendPskFinishVerifyData(ByteSpan vd) {
  if (vd.size() != crypto::DigestSize(hasher_.alg())) {
    return Fail(Errc::kInvalidArgument,
                "spdm.transcript.psk: verify data size is not the digest size");
  }
  return Step(Stage::kFinishHeader, Stage::kFinishVerifyData, vd);
}

Status PskSessionTranscript::AppendPskFinishRsp(ByteSpan psk_finish_rsp) {
  return Step(Stage::kFinishVerifyData, Stage::kFinishRsp, psk_finish_rsp);
}

Result<Bytes> PskSessionTranscript::Digest() const {
  if (stage_ < Stage::kRspBeforeVerifyData) {
    return Fail(Errc::kStateError,
                "spdm.transcript.psk: nothing to MAC yet");
  }
  return hasher_.Peek();
}

Result<Bytes> PskSessionTranscript::Th2() const {
  if (stage_ != Stage::kRspVerifyData && stage_ != Stage::kFinishRsp) {
    return Fail(Errc::kStateError,
                "spdm.transcript.psk: TH2 needs the whole PSK_EXCHANGE_RSP "
                "or PSK_FINISH_RSP");
  }
  return hasher_.Peek();
}

Result<KeyExchangeRspSplit> SplitKeyExchangeRsp(
    ByteSpan rsp, const KeyExchangeRspShape& shape) {
  ByteReader r(rsp);
  CCGPU_TRY(r.Skip(4, "spdm.key_exchange_rsp: header"));
  CCGPU_TRY(r.Skip(2 + 1 + 1, "spdm.key_exchange_rsp: session id/mut auth"));
  CCGPU_TRY(r.Skip(32, "spdm.key_exchange_rsp: RandomData"));
  CCGPU_TRY(
      r.Skip(shape.exchange_data_size, "spdm.key_exchange_rsp: ExchangeData"));
  if (shape.measurement_summary_hash) {
    CCGPU_TRY(r.Skip(shape.hash_size,
                     "spdm.key_exchange_rsp: MeasurementSummaryHash"));
  }
  CCGPU_TRY(r.Prefixed16("spdm.key_exchange_rsp: OpaqueData"));
  KeyExchangeRspSplit split;
  split.signature_offset = r.offset();
  CCGPU_TRY(r.Skip(shape.signature_size, "spdm.key_exchange_rsp: Signature"));
  split.verify_data_offset = r.offset();
  if (shape.responder_verify_data) {
    CCGPU_TRY(
        r.Skip(shape.hash_size, "spdm.key_exchange_rsp: ResponderVerifyData"));
  }
  CCGPU_TRY(r.ExpectEnd("spdm.key_exchange_rsp: bytes after the message"));
  return split;
}

// --- Signing input
// ------------------------------------------------------------

std::string_view SigningContextString(SigningContext context) {
  switch (context) {
    case SigningContext::kResponderChallengeAuth:
      return "responder-challenge_auth signing";
    case SigningContext::kResponderMeasurements:
      return "responder-measurements signing";
    case SigningContext::kResponderKeyExchangeRsp:
      return "responder-key_exchange_rsp signing";
    case SigningContext::kRequesterFinish:
      return "requester-finish signing";
    case SigningContext::kRequesterChallengeAuth:
      return "requester-challenge_auth signing";
  }
  CCGPU_CHECK(false);
  return {};
}

namespace {
constexpr std::size_t kPrefixPartSize = 16;    // "dmtf-spdm-v1.2.*"
constexpr std::size_t kPrefixRepeat = 4;       // 64 bytes
constexpr std::size_t kContextFieldSize = 36;  // zero pad + context
}  // namespace

Result<Bytes> CombinedSpdmPrefix(SpdmVersion version, SigningContext context) {
  std::string_view part;
  switch (version) {
    case SpdmVersion::k11:
      return Fail(Errc::kInvalidArgument,
                  "spdm.signing: SPDM 1.1 has no combined_spdm_prefix");
    case SpdmVersion::k12:
      part = "dmtf-spdm-v1.2.*";
      break;
    case SpdmVersion::k13:
      part = "dmtf-spdm-v1.3.*";
      break;
  }
  CCGPU_CHECK(part.size() == kPrefixPartSize);
  const std::string_view ctx = SigningContextString(context);
  CCGPU_CHECK(ctx.size() <= kContextFieldSize);
  // DSP0274 1.2 "Signature generation": combined_spdm_prefix =
  //   spdm_prefix ("dmtf-spdm-v1.2.*" x 4) || zero_pad || spdm_context,
  // zero_pad = 36 - len(spdm_context) bytes of 0x00; 100 bytes in all.
  ByteWriter w;
  for (std::size_t i = 0; i < kPrefixRepeat; ++i) w.Append(AsBytes(part));
  w.Zeros(kContextFieldSize - ctx.size());
  w.Append(AsBytes(ctx));
  return std::move(w).Finish();
}

Result<SignatureInput> BuildSignatureInput(SpdmVersion version,
                                           SigningContext context,
                                           ByteSpan transcript_hash) {
  if (transcript_hash.empty()) {
    return Fail(Errc::kInvalidArgument, "spdm.signing: empty transcript hash");
  }
  if (version == SpdmVersion::k11) {
    // 1.1: the signature is over the transcript itself, i.e. ECDSA of
    // Hash(transcript) with the negotiated hash.
    return SignatureInput{
        SignatureInput::Form::kDigest,
        Bytes(transcript_hash.begin(), transcript_hash.end())};
  }
  // 1.2+: M = combined_spdm_prefix || Hash(transcript), signed as a message.
  CCGPU_ASSIGN_OR_RETURN(Bytes m, CombinedSpdmPrefix(version, context));
  m.insert(m.end(), transcript_hash.begin(), transcript_hash.end());
  return SignatureInput{SignatureInput::Form::kMessage, std::move(m)};
}

Status VerifySignature(const crypto::EcPublicKey& key, crypto::HashAlg hash,
                       const SignatureInput& input, ByteSpan r_s) {
  if (input.form == SignatureInput::Form::kDigest) {
    if (input.bytes.size() != crypto::DigestSize(hash)) {
      return Fail(Errc::kInvalidArgument,
                  "spdm.signing: digest size differs from the hash");
    }
    return key.VerifyDigestRaw(input.bytes, r_s);
  }
  return key.VerifyRaw(hash, input.bytes, r_s);
}

Result<Bytes> Sign(const crypto::EcPrivateKey& key, crypto::HashAlg hash,
                   const SignatureInput& input) {
  if (input.form == SignatureInput::Form::kDigest) {
    if (input.bytes.size() != crypto::DigestSize(hash)) {
      return Fail(Errc::kInvalidArgument,
                  "spdm.signing: digest size differs from the hash");
    }
    return key.SignDigestRaw(input.bytes);
  }
  return key.SignRaw(hash, input.bytes);
}

}  // namespace ccgpu::spdm::session
