// Known-answer tests: recompute four captured spdm-emu sessions (SPDM 1.1,
// 1.2, 1.2 handshake-in-the-clear, 1.3 multi-key) from their transcript bytes
// and DHE secret: TH1, TH2, every secret, key and IV, both VerifyData fields,
// the KEY_EXCHANGE_RSP signature, and every captured secured record.
#include <gtest/gtest.h>

#include <string>

#include "base/encoding.h"
#include "crypto/ec.h"
#include "spdm/session/kat_file.h"
#include "spdm/session/key_schedule.h"
#include "spdm/session/secured_message.h"
#include "spdm/session/transcript.h"

namespace ccgpu::spdm::session {
namespace {

using testing::KatFile;
using testing::KatPath;

Bytes B(ByteSpan s) { return Bytes(s.begin(), s.end()); }
Bytes Cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The responder public key (P-384, X||Y) under which all four captured
// KEY_EXCHANGE_RSP signatures verify (spdm-emu's sample responder key). It
// was obtained by ECDSA public-key recovery from the captured signatures:
// the 1.2, 1.2-in-clear and 1.3 signatures (over combined_spdm_prefix ||
// TH) and the 1.1 signature (over TH directly) share exactly this one
// candidate, which is what confirms the prefix layout and the 1.1 form.
constexpr char kResponderPublicPoint[] =
    "0d1cb9201cdcedc864e970a36212dad4fe5994cebdaed7d294e4e3118878b988c0ed5be1"
    "414adf28db490f38815268b5"
    "4c6a110b58b19cc14d4741141f6dd657aca39fd1b964de0711e83178de753ab72c1556ea"
    "f52063930f33a971a37e7819";

struct KatCase {
  const char* file;
  bool in_clear;
};

class SessionKat : public ::testing::TestWithParam<KatCase> {
 protected:
  void SetUp() override {
    auto kat = KatFile::Load(KatPath(GetParam().file));
    ASSERT_TRUE(kat) << kat.error().ToString();
    kat_ = std::move(*kat);
    ASSERT_EQ(kat_.Text("hash"), "SHA-384");
    ASSERT_EQ(kat_.Text("aead"), "AES-256-GCM");
    ASSERT_EQ(kat_.Text("dhe"), "secp384r1");
    auto v = kat_.Hex("SPDMVersion");
    ASSERT_TRUE(v && v->size() == 1);
    auto version = SpdmVersionFromByte((*v)[0]);
    ASSERT_TRUE(version);
    algs_.version = *version;
    algs_.hash = crypto::HashAlg::kSha384;
    algs_.aead = crypto::AeadAlg::kAes256Gcm;
  }

  Bytes Get(const std::string& name) {
    auto v = kat_.Hex(name);
    EXPECT_TRUE(v) << name;
    return v ? *v : Bytes{};
  }

  // Splits the file's VCA field into message A and (1.3 multi-key) message D
  // by walking the six VCA messages' own lengths.
  void SplitVca(Bytes* a, Bytes* d) {
    const Bytes vca = Get("VCA");
    ByteReader r(vca);
    const bool v11 = algs_.version == SpdmVersion::k11;
    ASSERT_TRUE(r.Skip(4));  // GET_VERSION
    ASSERT_TRUE(r.Skip(5));  // VERSION header + Rsvd
    auto n = r.U8();         // VersionNumberEntryCount
    ASSERT_TRUE(n);
    ASSERT_TRUE(r.Skip(2u * *n));
    ASSERT_TRUE(r.Skip(v11 ? 12 : 20));  // GET_CAPABILITIES
    ASSERT_TRUE(r.Skip(v11 ? 12 : 20));  // CAPABILITIES
    for (int i = 0; i < 2; ++i) {        // NEGOTIATE_ALGORITHMS, ALGORITHMS
      ByteReader peek(r.rest());
      ASSERT_TRUE(peek.Skip(4));
      auto len = peek.U16();
      ASSERT_TRUE(len);
      ASSERT_TRUE(r.Skip(*len));
    }
    *a = B(r.consumed());
    *d = B(r.rest());
  }

  KatFile kat_;
  SessionAlgorithms algs_;
};

TEST_P(SessionKat, RecomputesTranscriptSignatureAndVerifyData) {
  Bytes a, d;
  ASSERT_NO_FATAL_FAILURE(SplitVca(&a, &d));
  // Message D is present exactly in the 1.3 multi-key capture, and it is a
  // DIGESTS response.
  if (algs_.version == SpdmVersion::k13) {
    ASSERT_GE(d.size(), 4u);
    EXPECT_EQ(d[0], 0x13);
    EXPECT_EQ(d[1], 0x01);
  } else {
    EXPECT_TRUE(d.empty());
  }

  const Bytes ke = Get("KEY_EXCHANGE");
  const Bytes rsp = Get("KEY_EXCHANGE_RSP");
  const Bytes finish = Get("FINISH_plaintext_spdm");
  const Bytes finish_rsp = Get("FINISH_RSP");
  KeyExchangeRspShape shape;
  shape.exchange_data_size = 96;
  shape.measurement_summary_hash = ke.at(2) != 0;  // KEY_EXCHANGE Param1
  shape.hash_size = 48;
  shape.signature_size = 96;
  shape.responder_verify_data = !GetParam().in_clear;
  auto split = SplitKeyExchangeRsp(rsp, shape);
  ASSERT_TRUE(split) << split.error().ToString();

  auto th =
      SessionTranscript::Create(algs_.hash, a, d, Get("H_cert_chain_slot0"));
  ASSERT_TRUE(th);
  ASSERT_TRUE(th->AppendKeyExchange(ke));
  ASSERT_TRUE(th->AppendKeyExchangeRspSigned(
      ByteSpan(rsp).first(split->signature_offset)));

  // The responder's signature over the signature TH, in the version's form.
  auto sig_hash = th->Digest();
  ASSERT_TRUE(sig_hash);
  auto input = BuildSignatureInput(
      algs_.version, SigningContext::kResponderKeyExchangeRsp, *sig_hash);
  ASSERT_TRUE(input);
  EXPECT_EQ(input->form, algs_.version == SpdmVersion::k11
                             ? SignatureInput::Form::kDigest
                             : SignatureInput::Form::kMessage);
  auto point = HexDecode(kResponderPublicPoint);
  ASSERT_TRUE(point);
  auto key = crypto::EcPublicKey::FromRawPoint(crypto::Curve::kP384, *point);
  ASSERT_TRUE(key) << key.error().ToString();
  const ByteSpan signature = ByteSpan(rsp).subspan(
      split->signature_offset,
      split->verify_data_offset - split->signature_offset);
  EXPECT_TRUE(VerifySignature(*key, algs_.hash, *input, signature));
  // The other form (or the wrong context) does not verify.
  if (algs_.version != SpdmVersion::k11) {
    auto wrong = BuildSignatureInput(
        algs_.version, SigningContext::kResponderChallengeAuth, *sig_hash);
    ASSERT_TRUE(wrong);
    auto st = VerifySignature(*key, algs_.hash, *wrong, signature);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::kBadSignature);
  }

  ASSERT_TRUE(th->AppendKeyExchangeRspSignature(signature));
  auto th1 = th->Th1();
  ASSERT_TRUE(th1);
  EXPECT_EQ(HexEncode(*th1), HexEncode(Get("TH1")));

  const Bytes rsp_finished = Get("rsp_finished_key");
  const Bytes req_finished = Get("req_finished_key");
  if (!GetParam().in_clear) {
    // ResponderVerifyData = HMAC(rsp_finished_key, TH1).
    const ByteSpan vd = ByteSpan(rsp).subspan(split->verify_data_offset);
    auto mine = ComputeVerifyData(algs_, rsp_finished, *th1);
    ASSERT_TRUE(mine);
    EXPECT_EQ(HexEncode(*mine), HexEncode(vd));
    ASSERT_TRUE(th->AppendKeyExchangeRspVerifyData(vd));
  }
  // RequesterVerifyData = HMAC(req_finished_key, Hash(... || FINISH header)).
  ASSERT_EQ(finish.size(), 4u + 48u);
  ASSERT_TRUE(th->AppendFinishSigned(ByteSpan(finish).first(4)));
  auto fin_hash = th->Digest();
  ASSERT_TRUE(fin_hash);
  auto req_vd = ComputeVerifyData(algs_, req_finished, *fin_hash);
  ASSERT_TRUE(req_vd);
  EXPECT_EQ(HexEncode(*req_vd), HexEncode(ByteSpan(finish).subspan(4)));
  ASSERT_TRUE(th->AppendFinishVerifyData(ByteSpan(finish).subspan(4)));

  ASSERT_TRUE(th->AppendFinishRspHeader(ByteSpan(finish_rsp).first(4)));
  if (GetParam().in_clear) {
    // In the clear FINISH_RSP carries ResponderVerifyData = HMAC(
    // rsp_finished_key, Hash(... || FINISH || FINISH_RSP header)).
    ASSERT_EQ(finish_rsp.size(), 4u + 48u);
    auto h = th->Digest();
    ASSERT_TRUE(h);
    auto vd = ComputeVerifyData(algs_, rsp_finished, *h);
    ASSERT_TRUE(vd);
    EXPECT_EQ(HexEncode(*vd), HexEncode(ByteSpan(finish_rsp).subspan(4)));
    ASSERT_TRUE(th->AppendFinishRspVerifyData(ByteSpan(finish_rsp).subspan(4)));
  } else {
    EXPECT_EQ(finish_rsp.size(), 4u);
  }
  auto th2 = th->Th2();
  ASSERT_TRUE(th2);
  EXPECT_EQ(HexEncode(*th2), HexEncode(Get("TH2")));
  // The transcript recomputed from the file's bytes in one piece agrees.
  auto whole =
      crypto::Hash(algs_.hash, Cat({Get("VCA"), Get("H_cert_chain_slot0"), ke,
                                    rsp, finish, finish_rsp}));
  ASSERT_TRUE(whole);
  EXPECT_EQ(*whole, *th2);
}

TEST_P(SessionKat, RecomputesEveryKeyScheduleStep) {
  const Bytes th1 = Get("TH1");
  const Bytes th2 = Get("TH2");
  auto hex = [](const Result<SecretBytes>& s) {
    return s ? HexEncode(s->reveal()) : std::string("error");
  };
  auto hs = DeriveHandshakeSecret(algs_, Get("dhe_secret"));
  ASSERT_TRUE(hs);
  EXPECT_EQ(hex(hs), kat_.Text("handshake_secret"));
  auto req_hs = DeriveDirectionHandshakeSecret(
      algs_, hs->reveal(), Direction::kRequesterToResponder, th1);
  auto rsp_hs = DeriveDirectionHandshakeSecret(
      algs_, hs->reveal(), Direction::kResponderToRequester, th1);
  ASSERT_TRUE(req_hs && rsp_hs);
  EXPECT_EQ(hex(req_hs), kat_.Text("req_hs_secret"));
  EXPECT_EQ(hex(rsp_hs), kat_.Text("rsp_hs_secret"));
  EXPECT_EQ(hex(DeriveFinishedKey(algs_, req_hs->reveal())),
            kat_.Text("req_finished_key"));
  EXPECT_EQ(hex(DeriveFinishedKey(algs_, rsp_hs->reveal())),
            kat_.Text("rsp_finished_key"));
  auto req_keys = DeriveTrafficKeys(algs_, req_hs->reveal());
  auto rsp_keys = DeriveTrafficKeys(algs_, rsp_hs->reveal());
  ASSERT_TRUE(req_keys && rsp_keys);
  EXPECT_EQ(HexEncode(req_keys->key.reveal()), kat_.Text("req_hs_key"));
  EXPECT_EQ(HexEncode(req_keys->iv.reveal()), kat_.Text("req_hs_iv"));
  EXPECT_EQ(HexEncode(rsp_keys->key.reveal()), kat_.Text("rsp_hs_key"));
  EXPECT_EQ(HexEncode(rsp_keys->iv.reveal()), kat_.Text("rsp_hs_iv"));
  auto salt1 = DeriveSalt1(algs_, hs->reveal());
  ASSERT_TRUE(salt1);
  EXPECT_EQ(hex(salt1), kat_.Text("salt1_derived"));
  auto ms = DeriveMasterSecret(algs_, salt1->reveal());
  ASSERT_TRUE(ms);
  EXPECT_EQ(hex(ms), kat_.Text("master_secret"));
  auto req_app = DeriveDirectionAppSecret(
      algs_, ms->reveal(), Direction::kRequesterToResponder, th2);
  auto rsp_app = DeriveDirectionAppSecret(
      algs_, ms->reveal(), Direction::kResponderToRequester, th2);
  ASSERT_TRUE(req_app && rsp_app);
  EXPECT_EQ(hex(req_app), kat_.Text("req_app_secret"));
  EXPECT_EQ(hex(rsp_app), kat_.Text("rsp_app_secret"));
  EXPECT_EQ(hex(DeriveExportMasterSecret(algs_, ms->reveal(), th2)),
            kat_.Text("export_master_secret"));
  auto req_app_keys = DeriveTrafficKeys(algs_, req_app->reveal());
  auto rsp_app_keys = DeriveTrafficKeys(algs_, rsp_app->reveal());
  ASSERT_TRUE(req_app_keys && rsp_app_keys);
  EXPECT_EQ(HexEncode(req_app_keys->key.reveal()), kat_.Text("req_app_key"));
  EXPECT_EQ(HexEncode(req_app_keys->iv.reveal()), kat_.Text("req_app_iv"));
  EXPECT_EQ(HexEncode(rsp_app_keys->key.reveal()), kat_.Text("rsp_app_key"));
  EXPECT_EQ(HexEncode(rsp_app_keys->iv.reveal()), kat_.Text("rsp_app_iv"));
  EXPECT_EQ(hex(DeriveUpdatedSecret(algs_, req_app->reveal())),
            kat_.Text("req_app_secret_after_1_update"));
}

TEST_P(SessionKat, KeyScheduleObjectMatchesAndWipesInOrder) {
  auto ks = KeySchedule::Create(algs_, SecretBytes::CopyOf(Get("dhe_secret")));
  ASSERT_TRUE(ks);
  EXPECT_EQ(ks->stage(), KeySchedule::Stage::kHandshakeSecret);
  ASSERT_TRUE(ks->DeriveHandshake(Get("TH1")));
  EXPECT_EQ(ks->stage(), KeySchedule::Stage::kHandshake);
  auto req = ks->TakeHandshakeKeys(Direction::kRequesterToResponder);
  auto rsp = ks->TakeHandshakeKeys(Direction::kResponderToRequester);
  ASSERT_TRUE(req && rsp);
  EXPECT_EQ(HexEncode(req->key.reveal()), kat_.Text("req_hs_key"));
  EXPECT_EQ(HexEncode(req->iv.reveal()), kat_.Text("req_hs_iv"));
  EXPECT_EQ(HexEncode(rsp->key.reveal()), kat_.Text("rsp_hs_key"));
  EXPECT_EQ(HexEncode(rsp->iv.reveal()), kat_.Text("rsp_hs_iv"));
  const Bytes finish = Get("FINISH_plaintext_spdm");
  if (!GetParam().in_clear) {
    const Bytes rsp_msg = Get("KEY_EXCHANGE_RSP");
    EXPECT_TRUE(ks->CheckVerifyData(Direction::kResponderToRequester,
                                    Get("TH1"), ByteSpan(rsp_msg).last(48)));
    auto st = ks->CheckVerifyData(Direction::kRequesterToResponder, Get("TH1"),
                                  ByteSpan(rsp_msg).last(48));
    ASSERT_FALSE(st);  // the other direction's finished key does not fit
    EXPECT_EQ(st.error().code, Errc::kTranscriptMismatch);
  }
  ASSERT_TRUE(ks->DeriveApplication(Get("TH2")));
  EXPECT_EQ(ks->stage(), KeySchedule::Stage::kApplication);
  // Finished keys are gone once the application secrets exist.
  auto vd = ks->VerifyData(Direction::kRequesterToResponder, Get("TH2"));
  ASSERT_FALSE(vd);
  EXPECT_EQ(vd.error().code, Errc::kStateError);
  auto app = ks->ApplicationKeys(Direction::kResponderToRequester);
  ASSERT_TRUE(app);
  EXPECT_EQ(HexEncode(app->key.reveal()), kat_.Text("rsp_app_key"));
  EXPECT_EQ(HexEncode(app->iv.reveal()), kat_.Text("rsp_app_iv"));
  auto exp = ks->TakeExportMasterSecret();
  ASSERT_TRUE(exp);
  EXPECT_EQ(HexEncode(exp->reveal()), kat_.Text("export_master_secret"));
  EXPECT_FALSE(ks->TakeExportMasterSecret());  // only once
  // KEY_UPDATE: the requester direction's next keys come from the captured
  // "traffic upd" successor secret.
  ASSERT_TRUE(ks->UpdateApplicationSecret(Direction::kRequesterToResponder));
  auto updated = ks->ApplicationKeys(Direction::kRequesterToResponder);
  auto expect = DeriveTrafficKeys(algs_, Get("req_app_secret_after_1_update"));
  ASSERT_TRUE(updated && expect);
  EXPECT_EQ(HexEncode(updated->key.reveal()), HexEncode(expect->key.reveal()));
  EXPECT_EQ(HexEncode(updated->iv.reveal()), HexEncode(expect->iv.reveal()));
  EXPECT_NE(HexEncode(updated->key.reveal()), kat_.Text("req_app_key"));
  ks->Wipe();
  EXPECT_EQ(ks->stage(), KeySchedule::Stage::kWiped);
  EXPECT_FALSE(ks->ApplicationKeys(Direction::kRequesterToResponder));
}

// Builds the responder's SecureSession of the captured session.
Result<SecureSession> CapturedSession(const SessionAlgorithms& algs,
                                      const KatFile& kat, Role role) {
  CCGPU_ASSIGN_OR_RETURN(Bytes dhe, kat.Hex("dhe_secret"));
  CCGPU_ASSIGN_OR_RETURN(Bytes th1, kat.Hex("TH1"));
  CCGPU_ASSIGN_OR_RETURN(KeySchedule ks,
                         KeySchedule::Create(algs, SecretBytes::CopyOf(dhe)));
  CCGPU_TRY(ks.DeriveHandshake(th1));
  return SecureSession::Create(role, 0xFFFFFFFFu, TransportBinding::Mctp(),
                               std::move(ks));
}

// Strips the MCTP transport's message type byte (0x06, secured message).
ByteSpan StripMctpSecuredType(ByteSpan transport_message) {
  EXPECT_FALSE(transport_message.empty());
  if (transport_message.empty()) return {};
  EXPECT_EQ(transport_message[0], 0x06);
  return transport_message.subspan(1);
}

TEST_P(SessionKat, DecryptsEveryCapturedRecord) {
  auto responder = CapturedSession(algs_, kat_, Role::kResponder);
  ASSERT_TRUE(responder) << responder.error().ToString();
  const uint8_t ver = static_cast<uint8_t>(algs_.version);

  if (!GetParam().in_clear) {
    // FINISH travels under the requester's handshake key, sequence 0.
    const Bytes record = Get("FINISH_record_mctp");
    auto view =
        ParseRecord(StripMctpSecuredType(record), TransportBinding::Mctp());
    ASSERT_TRUE(view);
    EXPECT_EQ(view->session_id, 0xFFFFFFFFu);
    EXPECT_EQ(view->sequence_number, 0u);
    auto finish = responder->Open(StripMctpSecuredType(record));
    ASSERT_TRUE(finish) << finish.error().ToString();
    EXPECT_EQ(HexEncode(*finish), kat_.Text("FINISH_plaintext_spdm"));
    EXPECT_EQ(responder->next_receive_sequence(), 1u);
    // The same record again is a replay.
    auto again = responder->Open(StripMctpSecuredType(record));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::kReplay);
  } else {
    EXPECT_FALSE(kat_.Has("FINISH_record_mctp"));  // FINISH went in the clear
  }

  // Application phase: the captured record under the requester's app key.
  ASSERT_TRUE(responder->EnterApplicationPhase(Get("TH2")));
  auto msg =
      responder->Open(StripMctpSecuredType(Get("HEARTBEAT_record_mctp_seq0")));
  ASSERT_TRUE(msg) << msg.error().ToString();
  if (GetParam().in_clear) {
    // This capture's record is END_SESSION (NegotiatedStateClearing).
    EXPECT_EQ(HexEncode(*msg), HexEncode(Bytes{ver, 0xEC, 0x01, 0x00}));
  } else {
    EXPECT_EQ(HexEncode(*msg), HexEncode(Bytes{ver, 0xE8, 0x00, 0x00}));
  }
  auto exp = responder->TakeExportMasterSecret();
  ASSERT_TRUE(exp);
  EXPECT_EQ(HexEncode(exp->reveal()), kat_.Text("export_master_secret"));
}

TEST_P(SessionKat, OurRecordsOpenWithTheCapturedKeysAndBack) {
  // A requester built from the captured secrets seals FINISH; the responder
  // built the same way opens it; then both switch to application keys.
  auto requester = CapturedSession(algs_, kat_, Role::kRequester);
  auto responder = CapturedSession(algs_, kat_, Role::kResponder);
  ASSERT_TRUE(requester && responder);
  const Bytes finish = Get("FINISH_plaintext_spdm");
  auto rec = requester->Seal(finish);
  ASSERT_TRUE(rec);
  auto opened = responder->Open(*rec);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, finish);
  ASSERT_TRUE(requester->EnterApplicationPhase(Get("TH2")));
  ASSERT_TRUE(responder->EnterApplicationPhase(Get("TH2")));
  // KEY_UPDATE(UpdateKey) sequence: the requester's next key is the one from
  // req_app_secret_after_1_update; records under it open on the responder.
  ASSERT_TRUE(responder->OnKeyUpdateRequestReceived(KeyUpdateOp::kUpdateKey));
  ASSERT_TRUE(requester->OnKeyUpdateAckReceived(KeyUpdateOp::kUpdateKey));
  const Bytes hb{static_cast<uint8_t>(algs_.version), 0xE8, 0x00, 0x00};
  auto r2 = requester->Seal(hb);
  ASSERT_TRUE(r2);
  EXPECT_EQ(requester->next_send_sequence(), 1u);
  auto o2 = responder->Open(*r2);
  ASSERT_TRUE(o2);
  EXPECT_EQ(*o2, hb);
  // And the record opens with an AEAD keyed from the captured secret
  // directly (independent of SecureSession's own update path).
  auto keys = DeriveTrafficKeys(algs_, Get("req_app_secret_after_1_update"));
  ASSERT_TRUE(keys);
  auto ctx = crypto::SealingContext::Create(
      algs_.aead, std::move(keys->key), keys->iv.reveal(),
      crypto::CounterLayout::kLittleEndianLeft);
  ASSERT_TRUE(ctx);
  auto view = ParseRecord(*r2, TransportBinding::Mctp());
  ASSERT_TRUE(view);
  auto pt = ctx->Open(0, view->aad, view->ciphertext);
  ASSERT_TRUE(pt);
  auto app = ParseRecordPlaintext(pt->reveal());
  ASSERT_TRUE(app);
  EXPECT_EQ(HexEncode(*app), HexEncode(Cat({Bytes{0x05}, hb})));
}

INSTANTIATE_TEST_SUITE_P(
    Captured, SessionKat,
    ::testing::Values(
        KatCase{"session_1.1_p384_aes256gcm_mctp.txt", false},
        KatCase{"session_1.2_p384_aes256gcm_mctp.txt", false},
        KatCase{"session_1.2_p384_aes256gcm_mctp_handshake_in_clear.txt", true},
        KatCase{"session_1.3_p384_aes256gcm_mctp_multikey.txt", false}),
    [](const ::testing::TestParamInfo<KatCase>& p) {
      switch (p.index) {
        case 0:
          return std::string("Spdm11");
        case 1:
          return std::string("Spdm12");
        case 2:
          return std::string("Spdm12InClear");
        default:
          return std::string("Spdm13MultiKey");
      }
    });

}  // namespace
}  // namespace ccgpu::spdm::session
