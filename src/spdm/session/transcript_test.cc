#include "spdm/session/transcript.h"

#include <gtest/gtest.h>

#include <string>

#include "base/encoding.h"
#include "crypto/rng.h"

namespace ccgpu::spdm::session {
namespace {

Bytes Random(std::size_t n) {
  auto r = crypto::RandomBytes(n);
  CCGPU_CHECK(r.has_value());
  return *r;
}
Bytes Cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes H384(ByteSpan data) {
  auto h = crypto::Hash(crypto::HashAlg::kSha384, data);
  CCGPU_CHECK(h.has_value());
  return *h;
}

constexpr SigningContext kAllContexts[] = {
    SigningContext::kResponderChallengeAuth,
    SigningContext::kResponderMeasurements,
    SigningContext::kResponderKeyExchangeRsp, SigningContext::kRequesterFinish,
    SigningContext::kRequesterChallengeAuth};

TEST(CombinedSpdmPrefix, IsFourVersionStringsZeroPadAndContext) {
  for (SpdmVersion v : {SpdmVersion::k12, SpdmVersion::k13}) {
    const std::string part =
        v == SpdmVersion::k12 ? "dmtf-spdm-v1.2.*" : "dmtf-spdm-v1.3.*";
    for (SigningContext c : kAllContexts) {
      auto prefix = CombinedSpdmPrefix(v, c);
      ASSERT_TRUE(prefix);
      ASSERT_EQ(prefix->size(), 100u);
      for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(std::string(prefix->begin() + 16 * i,
                              prefix->begin() + 16 * (i + 1)),
                  part);
      }
      const std::string_view ctx = SigningContextString(c);
      const std::size_t pad = 36 - ctx.size();
      for (std::size_t i = 64; i < 64 + pad; ++i) EXPECT_EQ((*prefix)[i], 0);
      EXPECT_EQ(std::string(prefix->begin() + 64 + static_cast<long>(pad),
                            prefix->end()),
                std::string(ctx));
    }
  }
  EXPECT_EQ(SigningContextString(SigningContext::kResponderKeyExchangeRsp),
            "responder-key_exchange_rsp signing");
  auto v11 = CombinedSpdmPrefix(SpdmVersion::k11,
                                SigningContext::kResponderMeasurements);
  ASSERT_FALSE(v11);
  EXPECT_EQ(v11.error().code, Errc::kInvalidArgument);
}

TEST(SignatureInput, VersionSelectsPrefixOrDigestForm) {
  const Bytes th = Random(48);
  auto v11 = BuildSignatureInput(SpdmVersion::k11,
                                 SigningContext::kResponderChallengeAuth, th);
  ASSERT_TRUE(v11);
  EXPECT_EQ(v11->form, SignatureInput::Form::kDigest);
  EXPECT_EQ(v11->bytes, th);
  auto v12 = BuildSignatureInput(SpdmVersion::k12,
                                 SigningContext::kResponderChallengeAuth, th);
  ASSERT_TRUE(v12);
  EXPECT_EQ(v12->form, SignatureInput::Form::kMessage);
  auto prefix = CombinedSpdmPrefix(SpdmVersion::k12,
                                   SigningContext::kResponderChallengeAuth);
  ASSERT_TRUE(prefix);
  EXPECT_EQ(v12->bytes, Cat({*prefix, th}));
  EXPECT_FALSE(BuildSignatureInput(SpdmVersion::k12,
                                   SigningContext::kRequesterFinish, {}));
}

TEST(SignatureInput, SignAndVerifyEachFormAndRejectEveryBitFlip) {
  for (auto [curve, hash] :
       {std::pair{crypto::Curve::kP384, crypto::HashAlg::kSha384},
        std::pair{crypto::Curve::kP256, crypto::HashAlg::kSha256}}) {
    auto key = crypto::EcPrivateKey::Generate(curve);
    ASSERT_TRUE(key);
    auto pub = key->PublicKey();
    ASSERT_TRUE(pub);
    const Bytes th = Random(crypto::DigestSize(hash));
    for (SpdmVersion v : {SpdmVersion::k11, SpdmVersion::k12}) {
      auto input =
          BuildSignatureInput(v, SigningContext::kResponderMeasurements, th);
      ASSERT_TRUE(input);
      auto sig = Sign(*key, hash, *input);
      ASSERT_TRUE(sig);
      EXPECT_EQ(sig->size(), 2 * crypto::CoordinateSize(curve));
      EXPECT_TRUE(VerifySignature(*pub, hash, *input, *sig));
      // Signed under one context, never valid for another.
      auto other =
          BuildSignatureInput(v, SigningContext::kResponderChallengeAuth, th);
      ASSERT_TRUE(other);
      if (v != SpdmVersion::k11) {
        EXPECT_FALSE(VerifySignature(*pub, hash, *other, *sig));
      }
    }
    // Every bit of one signature (P-256 / 1.2 only, to keep this quick).
    if (curve == crypto::Curve::kP256) {
      auto input = BuildSignatureInput(
          SpdmVersion::k12, SigningContext::kResponderKeyExchangeRsp, th);
      ASSERT_TRUE(input);
      auto sig = Sign(*key, hash, *input);
      ASSERT_TRUE(sig);
      for (std::size_t bit = 0; bit < sig->size() * 8; ++bit) {
        Bytes bad = *sig;
        bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        auto st = VerifySignature(*pub, hash, *input, bad);
        ASSERT_FALSE(st) << bit;
        EXPECT_EQ(st.error().code, Errc::kBadSignature);
      }
    }
  }
}

TEST(ChallengeTranscript, IsHashOfAThenBThenC) {
  const Bytes a = Random(40), b1 = Random(4), b2 = Random(52), c1 = Random(36),
              c2 = Random(130);
  auto t = ChallengeTranscript::Create(crypto::HashAlg::kSha384, a);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->Digest());  // no C yet
  ASSERT_TRUE(t->AppendB(b1));
  ASSERT_TRUE(t->AppendB(b2));
  ASSERT_TRUE(t->AppendC(c1, c2));
  auto d = t->Digest();
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, H384(Cat({a, b1, b2, c1, c2})));
  auto late = t->AppendB(b1);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, Errc::kStateError);
  EXPECT_FALSE(t->AppendC(c1, c2));
}

TEST(MeasurementTranscript, IncludesAFrom12OnAndResets) {
  const Bytes a = Random(40), q1 = Random(4), r1 = Random(60), q2 = Random(37),
              r2 = Random(90);
  for (SpdmVersion v : {SpdmVersion::k11, SpdmVersion::k12, SpdmVersion::k13}) {
    auto t = MeasurementTranscript::Create(crypto::HashAlg::kSha384, v, a);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->Append(q1, r1, false));
    EXPECT_FALSE(t->Digest());  // unsigned so far
    ASSERT_TRUE(t->Append(q2, r2, true));
    auto d = t->Digest();
    ASSERT_TRUE(d);
    const Bytes expect = v == SpdmVersion::k11 ? H384(Cat({q1, r1, q2, r2}))
                                               : H384(Cat({a, q1, r1, q2, r2}));
    EXPECT_EQ(*d, expect);
    auto extra = t->Append(q1, r1, false);  // must Reset first
    ASSERT_FALSE(extra);
    EXPECT_EQ(extra.error().code, Errc::kStateError);
    ASSERT_TRUE(t->Reset());
    ASSERT_TRUE(t->Append(q2, r2, true));
    auto d2 = t->Digest();
    ASSERT_TRUE(d2);
    EXPECT_EQ(*d2, v == SpdmVersion::k11 ? H384(Cat({q2, r2}))
                                         : H384(Cat({a, q2, r2})));
  }
}

TEST(SessionTranscript, DigestsAtEachStepFollowTheFormulas) {
  const Bytes a = Random(150), d = Random(20), cc = Random(48),
              ke = Random(158), rsp_body = Random(150), sig = Random(96),
              rsp_vd = Random(48), fin_hdr = Random(4), fin_vd = Random(48),
              frsp = Random(4);
  auto t = SessionTranscript::Create(crypto::HashAlg::kSha384, a, d, cc);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->Digest());
  ASSERT_TRUE(t->AppendKeyExchange(ke));
  ASSERT_TRUE(t->AppendKeyExchangeRspSigned(rsp_body));
  EXPECT_EQ(*t->Digest(), H384(Cat({a, d, cc, ke, rsp_body})));
  EXPECT_FALSE(t->Th1());
  ASSERT_TRUE(t->AppendKeyExchangeRspSignature(sig));
  const Bytes th1 = H384(Cat({a, d, cc, ke, rsp_body, sig}));
  EXPECT_EQ(*t->Th1(), th1);
  ASSERT_TRUE(t->AppendKeyExchangeRspVerifyData(rsp_vd));
  EXPECT_EQ(*t->Th1(), th1);  // TH1 stays available
  ASSERT_TRUE(t->AppendFinishSigned(fin_hdr));
  EXPECT_EQ(*t->Digest(),
            H384(Cat({a, d, cc, ke, rsp_body, sig, rsp_vd, fin_hdr})));
  EXPECT_FALSE(t->Th2());
  ASSERT_TRUE(t->AppendFinishVerifyData(fin_vd));
  ASSERT_TRUE(t->AppendFinishRspHeader(frsp));
  EXPECT_EQ(
      *t->Th2(),
      H384(Cat({a, d, cc, ke, rsp_body, sig, rsp_vd, fin_hdr, fin_vd, frsp})));
}

TEST(SessionTranscript, MutualAuthAndInClearParts) {
  const Bytes a = Random(10), cc = Random(32), ke = Random(100),
              body = Random(90), sig = Random(64), req_cc = Random(32),
              fin = Random(68), fin_vd = Random(32), frsp = Random(4),
              frsp_vd = Random(32);
  auto t = SessionTranscript::Create(crypto::HashAlg::kSha256, a, {}, cc);
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->AppendKeyExchange(ke));
  ASSERT_TRUE(t->AppendKeyExchangeRspSigned(body));
  ASSERT_TRUE(t->AppendKeyExchangeRspSignature(sig));
  // In the clear: no KEY_EXCHANGE_RSP verify data; mutual auth: req cert.
  ASSERT_TRUE(t->AppendRequesterCertChainHash(req_cc));
  ASSERT_TRUE(t->AppendFinishSigned(fin));
  ASSERT_TRUE(t->AppendFinishVerifyData(fin_vd));
  ASSERT_TRUE(t->AppendFinishRspHeader(frsp));
  auto h = t->Digest();
  ASSERT_TRUE(h);
  ASSERT_TRUE(t->AppendFinishRspVerifyData(frsp_vd));
  auto sha256 = [](ByteSpan x) {
    return *crypto::Hash(crypto::HashAlg::kSha256, x);
  };
  EXPECT_EQ(*h, sha256(Cat({a, cc, ke, body, sig, req_cc, fin, fin_vd, frsp})));
  EXPECT_EQ(
      *t->Th2(),
      sha256(Cat({a, cc, ke, body, sig, req_cc, fin, fin_vd, frsp, frsp_vd})));
}

TEST(SessionTranscript, RefusesPartsOutOfOrder) {
  const Bytes x = Random(48);
  auto t = SessionTranscript::Create(crypto::HashAlg::kSha384, {}, {}, x);
  ASSERT_TRUE(t);
  auto expect_state_error = [](const Status& st) {
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::kStateError);
  };
  expect_state_error(t->AppendKeyExchangeRspSigned(x));
  expect_state_error(t->AppendFinishSigned(x));
  ASSERT_TRUE(t->AppendKeyExchange(x));
  expect_state_error(t->AppendKeyExchange(x));
  expect_state_error(t->AppendKeyExchangeRspSignature(x));
  ASSERT_TRUE(t->AppendKeyExchangeRspSigned(x));
  expect_state_error(t->AppendKeyExchangeRspVerifyData(x));
  ASSERT_TRUE(t->AppendKeyExchangeRspSignature(x));
  expect_state_error(t->AppendFinishRspHeader(x));
  ASSERT_TRUE(t->AppendFinishSigned(x));
  expect_state_error(t->AppendRequesterCertChainHash(x));
  expect_state_error(t->AppendKeyExchangeRspVerifyData(x));
  auto bad_size = t->AppendFinishVerifyData(Random(47));
  ASSERT_FALSE(bad_size);
  EXPECT_EQ(bad_size.error().code, Errc::kInvalidArgument);
  auto bad_cc =
      SessionTranscript::Create(crypto::HashAlg::kSha384, {}, {}, Random(32));
  ASSERT_FALSE(bad_cc);
  EXPECT_EQ(bad_cc.error().code, Errc::kInvalidArgument);
}

// A KEY_EXCHANGE_RSP built to a shape: header(4) sid(2) mut(1) slot(1)
// random(32) exchange(96) [meas hash] opaque_len(2) opaque sig(96) [vd].
Bytes MakeRsp(const KeyExchangeRspShape& s, std::size_t opaque_len) {
  Bytes rsp = Random(4 + 2 + 1 + 1 + 32 + s.exchange_data_size +
                     (s.measurement_summary_hash ? s.hash_size : 0));
  rsp.push_back(static_cast<uint8_t>(opaque_len & 0xFF));
  rsp.push_back(static_cast<uint8_t>(opaque_len >> 8));
  const Bytes tail = Random(opaque_len + s.signature_size +
                            (s.responder_verify_data ? s.hash_size : 0));
  rsp.insert(rsp.end(), tail.begin(), tail.end());
  return rsp;
}

TEST(PskSessionTranscript, DigestsAtEachStepFollowTheFormulas) {
  const Bytes a = Random(150), ex = Random(120), rsp_body = Random(140),
              rsp_vd = Random(48), fin_hdr = Random(4), fin_vd = Random(48),
              frsp = Random(4);
  auto t = PskSessionTranscript::Create(crypto::HashAlg::kSha384, a);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->Digest());
  ASSERT_TRUE(t->AppendPskExchange(ex));
  EXPECT_FALSE(t->Digest());
  ASSERT_TRUE(t->AppendPskExchangeRspBeforeVerifyData(rsp_body));
  EXPECT_EQ(*t->Digest(), H384(Cat({a, ex, rsp_body})));  // TH1
  EXPECT_FALSE(t->Th2());
  ASSERT_TRUE(t->AppendPskExchangeRspVerifyData(rsp_vd));
  // Without PSK_FINISH, TH2 ends with the response.
  EXPECT_EQ(*t->Th2(), H384(Cat({a, ex, rsp_body, rsp_vd})));
  ASSERT_TRUE(t->AppendPskFinishHeader(fin_hdr));
  EXPECT_EQ(*t->Digest(), H384(Cat({a, ex, rsp_body, rsp_vd, fin_hdr})));
  EXPECT_FALSE(t->Th2());
  ASSERT_TRUE(t->AppendPskFinishVerifyData(fin_vd));
  EXPECT_FALSE(t->Th2());
  ASSERT_TRUE(t->AppendPskFinishRsp(frsp));
  EXPECT_EQ(*t->Th2(), H384(Cat({a, ex, rsp_body, rsp_vd, fin_hdr, fin_vd, frsp})));
}

TEST(PskSessionTranscript, RefusesPartsOutOfOrderAndWrongSizes) {
  auto t = PskSessionTranscript::Create(crypto::HashAlg::kSha384, Random(10));
  ASSERT_TRUE(t);
  auto early = t->AppendPskExchangeRspBeforeVerifyData(Random(20));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Errc::kStateError);
  ASSERT_TRUE(t->AppendPskExchange(Random(20)));
  EXPECT_FALSE(t->AppendPskExchange(Random(20)));
  ASSERT_TRUE(t->AppendPskExchangeRspBeforeVerifyData(Random(20)));
  auto short_vd = t->AppendPskExchangeRspVerifyData(Random(32));
  ASSERT_FALSE(short_vd);
  EXPECT_EQ(short_vd.error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(t->AppendPskFinishHeader(Random(4)));
  ASSERT_TRUE(t->AppendPskExchangeRspVerifyData(Random(48)));
  EXPECT_FALSE(t->AppendPskFinishRsp(Random(4)));
  EXPECT_FALSE(t->AppendPskFinishVerifyData(Random(48)));
}

TEST(SplitKeyExchangeRsp, FindsSignatureAndVerifyData) {
  for (bool meas : {false, true}) {
    for (bool vd : {false, true}) {
      KeyExchangeRspShape s;
      s.measurement_summary_hash = meas;
      s.responder_verify_data = vd;
      const Bytes rsp = MakeRsp(s, 12);
      auto split = SplitKeyExchangeRsp(rsp, s);
      ASSERT_TRUE(split);
      const std::size_t sig_at = 4 + 4 + 32 + 96 + (meas ? 48 : 0) + 2 + 12;
      EXPECT_EQ(split->signature_offset, sig_at);
      EXPECT_EQ(split->verify_data_offset, sig_at + 96);
    }
  }
}

TEST(SplitKeyExchangeRsp, RejectsEveryTruncationAndBadOpaqueLength) {
  KeyExchangeRspShape s;
  const Bytes rsp = MakeRsp(s, 12);
  for (std::size_t n = 0; n < rsp.size(); ++n) {
    auto st = SplitKeyExchangeRsp(ByteSpan(rsp).first(n), s);
    ASSERT_FALSE(st) << n;
    EXPECT_EQ(st.error().code, Errc::kTruncated) << n;
  }
  Bytes longer = rsp;
  longer.push_back(0);
  auto t = SplitKeyExchangeRsp(longer, s);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::kTrailingData);
  const std::size_t len_at = 4 + 4 + 32 + 96;
  for (std::size_t bad : {0u, 11u, 13u, 0xFFFFu}) {
    Bytes m = rsp;
    m[len_at] = static_cast<uint8_t>(bad & 0xFF);
    m[len_at + 1] = static_cast<uint8_t>(bad >> 8);
    auto st = SplitKeyExchangeRsp(m, s);
    ASSERT_FALSE(st) << bad;
    EXPECT_TRUE(st.error().code == Errc::kTruncated ||
                st.error().code == Errc::kTrailingData)
        << bad;
  }
}

TEST(MessageA, AccumulatesAndResets) {
  MessageA a;
  a.Append(Bytes{0x10, 0x84, 0, 0});
  a.Append(Bytes{0x10, 0x04});
  EXPECT_EQ(HexEncode(a.bytes()), "108400001004");
  a.Reset();
  EXPECT_TRUE(a.bytes().empty());
}

}  // namespace
}  // namespace ccgpu::spdm::session
