// DMTF's requester emulator's own requests, replayed to ccgpu's responder:
// the GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS and KEY_EXCHANGE
// bytes of the four captured spdm-emu sessions (tests/data/third_party/spdm,
// SPDM 1.1, 1.2, 1.2 with the handshake in the clear, 1.3 multi-key). The
// responder must accept each one as spdm_requester_emu sends it (its
// capability flags, algorithm offers, opaque data and ephemeral key) and
// answer with what a conforming responder would select.
#include <gtest/gtest.h>

#include "crypto/ec.h"
#include "crypto/hash.h"
#include "spdm/session/transcript.h"
#include "spdm/responder/test_support.h"
#include "spdm/wire/message.h"
#include "spdm/wire/opaque.h"
#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm {
namespace {

class EmuRequestsToOurResponder : public ::testing::TestWithParam<const char*> {};

TEST_P(EmuRequestsToOurResponder, AreAnsweredAndNegotiateNvidiasSet) {
  auto kat = wire::testing::LoadKat(GetParam());
  const uint8_t v = kat.at("SPDMVersion")[0];
  const wire::testing::CapturedVca emu = wire::testing::SplitCapturedVca(kat.at("VCA"), v);
  auto responder = responder::Responder::Create(testing::ResponderConfigFor(crypto::Curve::kP384));
  ASSERT_TRUE(responder);
  auto& r = **responder;
  auto answer = [&](const Bytes& req) {
    auto m = r.Handle(false, req);
    EXPECT_FALSE(m.secured);
    EXPECT_GE(m.bytes.size(), 4u);
    EXPECT_NE(m.bytes[1], static_cast<uint8_t>(wire::Code::kError)) << r.last_error_context();
    return m.bytes;
  };
  const Bytes version = answer(emu.get_version);
  auto vr = wire::ParseVersion(version, {});
  ASSERT_TRUE(vr);
  bool listed = false;
  for (const auto& e : vr->entries) listed = listed || e.version_byte() == v;
  EXPECT_TRUE(listed);

  const Bytes caps = answer(emu.get_capabilities);
  auto req_caps = wire::ParseGetCapabilities(emu.get_capabilities, {});
  ASSERT_TRUE(req_caps);
  EXPECT_TRUE(req_caps->flags & wire::cap::kKeyEx);
  auto rsp_caps = wire::ParseCapabilities(caps, {});
  ASSERT_TRUE(rsp_caps) << rsp_caps.error().ToString();
  EXPECT_EQ(rsp_caps->version, v);

  const Bytes algs = answer(emu.negotiate_algorithms);
  auto a = wire::ParseAlgorithms(algs, {});
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->base_asym_sel, wire::alg::kEcdsaP384);
  EXPECT_EQ(a->base_hash_sel, wire::alg::kSha384);
  EXPECT_EQ(a->Selected(wire::alg::kAlgTypeDhe), wire::alg::kSecp384r1);
  EXPECT_EQ(a->Selected(wire::alg::kAlgTypeAead), wire::alg::kAes256Gcm);
  EXPECT_EQ(a->Selected(wire::alg::kAlgTypeKeySchedule), wire::alg::kKeyScheduleSpdm);
  // No mutual authentication here: no requester asymmetric algorithm chosen.
  EXPECT_EQ(a->Selected(wire::alg::kAlgTypeReqBaseAsym), 0);
  if (v >= wire::kVersion12) {
    EXPECT_EQ(a->other_params_selection & wire::alg::kOpaqueDataFmtMask, wire::alg::kOpaqueDataFmt1);
  }
  // The emulator asks for MULTI_KEY_CONN at 1.3; a responder without
  // MULTI_KEY_CAP does not select it (so no message D in the transcripts).
  EXPECT_EQ(a->other_params_selection & wire::alg::kMultiKeyConn, 0);

  // KEY_EXCHANGE with the emulator's ephemeral key and opaque data.
  const Bytes& ke = kat.at("KEY_EXCHANGE");
  auto m = r.Handle(false, ke);
  ASSERT_GE(m.bytes.size(), 4u);
  ASSERT_EQ(m.bytes[1], static_cast<uint8_t>(wire::Code::kKeyExchangeRsp)) << r.last_error_context();
  wire::ParseParams p = wire::testing::P384(v);
  p.negotiated.handshake_in_the_clear = false;  // ours does not offer it
  p.measurement_summary_hash = ke[2] != wire::kMeasSummaryHashNone;
  auto ke_rsp = wire::ParseKeyExchangeRsp(m.bytes, p);
  ASSERT_TRUE(ke_rsp) << ke_rsp.error().ToString();
  EXPECT_EQ(ke_rsp->mut_auth_requested, 0);
  auto point = crypto::EcPublicKey::FromRawPoint(crypto::Curve::kP384, ke_rsp->exchange_data);
  EXPECT_TRUE(point) << point.error().ToString();
  // The secured-message version chosen is one the emulator listed.
  auto fmt = v >= wire::kVersion12 ? wire::OpaqueFormat::kFmt1 : wire::OpaqueFormat::kDmtfSpecId;
  auto elements = wire::ParseOpaqueData(ke_rsp->opaque_data, fmt);
  ASSERT_TRUE(elements) << elements.error().ToString();
  ASSERT_EQ(elements->size(), 1u);
  auto selected = wire::ParseSmVersionSelection((*elements)[0].data);
  ASSERT_TRUE(selected);
  auto offered_ke = wire::ParseKeyExchange(ke, p);
  ASSERT_TRUE(offered_ke);
  auto offered = wire::ParseOpaqueData(offered_ke->opaque_data, fmt);
  ASSERT_TRUE(offered);
  auto list = wire::ParseSmSupportedVersions((*offered)[0].data);
  ASSERT_TRUE(list);
  bool in_offer = false;
  for (uint16_t e : *list) in_offer = in_offer || (e & 0xFF00) == (*selected & 0xFF00);
  EXPECT_TRUE(in_offer) << std::hex << *selected;
  EXPECT_EQ(r.session_count(), 1u);

  // The signature covers what the emulator would hash from the bytes it sent
  // and received: TH = A || H(CertChain) || KEY_EXCHANGE || KEY_EXCHANGE_RSP
  // up to the signature (DSP0274 1.2 §10.15).
  Bytes message_a;
  for (const Bytes* part : {&emu.get_version, &version, &emu.get_capabilities, &caps, &emu.negotiate_algorithms, &algs}) {
    message_a.insert(message_a.end(), part->begin(), part->end());
  }
  const auto& pki = testing::Pki(crypto::Curve::kP384);
  auto chain = responder::Responder::BuildCertChain(crypto::HashAlg::kSha384, pki.chain_der);
  ASSERT_TRUE(chain);
  auto chain_hash = crypto::Hash(crypto::HashAlg::kSha384, *chain);
  ASSERT_TRUE(chain_hash);
  auto th = session::SessionTranscript::Create(crypto::HashAlg::kSha384, message_a, {}, *chain_hash);
  ASSERT_TRUE(th);
  ASSERT_TRUE(th->AppendKeyExchange(ke));
  const std::size_t signed_size = wire::KeyExchangeRspSignedSize(*ke_rsp);
  ASSERT_TRUE(th->AppendKeyExchangeRspSigned(ByteSpan(m.bytes).first(signed_size)));
  auto digest = th->Digest();
  ASSERT_TRUE(digest);
  auto sv = session::SpdmVersionFromByte(v);
  ASSERT_TRUE(sv);
  auto input = session::BuildSignatureInput(*sv, session::SigningContext::kResponderKeyExchangeRsp, *digest);
  ASSERT_TRUE(input);
  auto leaf = crypto::EcPrivateKey::FromPem(pki.leaf_key_pem);
  ASSERT_TRUE(leaf);
  auto leaf_pub = leaf->PublicKey();
  ASSERT_TRUE(leaf_pub);
  auto verified = session::VerifySignature(*leaf_pub, crypto::HashAlg::kSha384, *input, ke_rsp->signature);
  EXPECT_TRUE(verified) << verified.error().ToString();
  // A transcript one bit off does not verify (the check can fail).
  input->bytes.back() ^= 0x01;
  auto off = session::VerifySignature(*leaf_pub, crypto::HashAlg::kSha384, *input, ke_rsp->signature);
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, Errc::kBadSignature);
}

INSTANTIATE_TEST_SUITE_P(FourCaptures, EmuRequestsToOurResponder,
                         ::testing::Values("session_1.1_p384_aes256gcm_mctp.txt", "session_1.2_p384_aes256gcm_mctp.txt",
                                           "session_1.2_p384_aes256gcm_mctp_handshake_in_clear.txt",
                                           "session_1.3_p384_aes256gcm_mctp_multikey.txt"));

}  // namespace
}  // namespace ccgpu::spdm
