// Responder conformance, modelled on what DMTF's SPDM-Responder-Validator
// checks (reference/spdm.md §2): success shapes, and the ERROR codes for
// malformed, out-of-order and unsupported requests. Raw bytes in, raw bytes
// out, starting from one valid message and changing one field.
#include "spdm/responder/responder.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "spdm/responder/test_support.h"
#include "spdm/wire/message.h"

namespace ccgpu::spdm::responder {
namespace {

using wire::ErrorCode;

std::unique_ptr<Responder> Make(ResponderConfig c = testing::ResponderConfigFor(crypto::Curve::kP384)) {
  return Responder::Create(std::move(c)).value();
}

Bytes Send(Responder& r, const Bytes& req) {
  TransportMessage m = r.Handle(false, req);
  EXPECT_FALSE(m.secured);
  return m.bytes;
}

// ERROR code of a response, or 0 if it is not an ERROR.
int ErrorOf(const Bytes& rsp) {
  if (rsp.size() >= 4 && rsp[1] == 0x7F) return rsp[2];
  return 0;
}

const Bytes kGetVersion = {0x10, 0x84, 0x00, 0x00};
Bytes GetCaps(uint8_t v) {
  wire::GetCapabilities c;
  c.version = v;
  c.ct_exponent = 12;
  c.flags = wire::cap::kCert | wire::cap::kChal | wire::cap::kEncrypt | wire::cap::kMac | wire::cap::kKeyEx |
            wire::cap::kHbeat | wire::cap::kKeyUpd;
  if (v >= 0x12) {
    c.data_transfer_size = 0x1200;
    c.max_spdm_msg_size = 0x1200;
  }
  return wire::SerializeGetCapabilities(c).value();
}
Bytes NegAlgs(uint8_t v, uint32_t base_hash = wire::alg::kSha384) {
  wire::NegotiateAlgorithms n;
  n.version = v;
  n.measurement_specification = wire::alg::kMeasSpecDmtf;
  n.other_params_support = v >= 0x12 ? wire::alg::kOpaqueDataFmt1 : 0;
  n.base_asym_algo = wire::alg::kEcdsaP384;
  n.base_hash_algo = base_hash;
  n.alg_structs = {{wire::alg::kAlgTypeDhe, wire::alg::kSecp384r1, {}},
                   {wire::alg::kAlgTypeAead, wire::alg::kAes256Gcm, {}},
                   {wire::alg::kAlgTypeKeySchedule, wire::alg::kKeyScheduleSpdm, {}}};
  return wire::SerializeNegotiateAlgorithms(n).value();
}
void Vca(Responder& r, uint8_t v = 0x12) {
  ASSERT_EQ(Send(r, kGetVersion)[1], 0x04);
  ASSERT_EQ(Send(r, GetCaps(v))[1], 0x61);
  ASSERT_EQ(Send(r, NegAlgs(v))[1], 0x63);
}

TEST(Version, AnswersWithEveryConfiguredVersionIn0x10) {
  auto r = Make();
  Bytes v = Send(*r, kGetVersion);
  auto parsed = wire::ParseVersion(v, {});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(v[0], 0x10);
  ASSERT_EQ(parsed->entries.size(), 3u);
  EXPECT_EQ(parsed->entries[0].version_byte(), 0x11);
  EXPECT_EQ(parsed->entries[2].version_byte(), 0x13);
}

TEST(Version, GetVersionWithAnotherVersionIsVersionMismatch) {
  auto r = Make();
  EXPECT_EQ(ErrorOf(Send(*r, {0x11, 0x84, 0, 0})), int(ErrorCode::kVersionMismatch));
}

TEST(Version, TrailingByteIsInvalidRequest) {
  auto r = Make();
  EXPECT_EQ(ErrorOf(Send(*r, {0x10, 0x84, 0, 0, 0})), int(ErrorCode::kInvalidRequest));
}

TEST(Ordering, CapabilitiesBeforeVersionIsUnexpected) {
  auto r = Make();
  EXPECT_EQ(ErrorOf(Send(*r, GetCaps(0x12))), int(ErrorCode::kUnexpectedRequest));
}

TEST(Ordering, UndefinedCodeBeforeVcaIsInvalidRequest) {
  auto r = Make();
  EXPECT_EQ(ErrorOf(Send(*r, {0x10, 0x99, 0, 0})), int(ErrorCode::kInvalidRequest));
}

TEST(Ordering, EveryRequestBeforeAlgorithmsIsUnexpected) {
  auto r = Make();
  ASSERT_EQ(Send(*r, kGetVersion)[1], 0x04);
  ASSERT_EQ(Send(*r, GetCaps(0x12))[1], 0x61);
  for (uint8_t code : std::vector<uint8_t>{0x81, 0x82, 0x83, 0xE0, 0xE4, 0xE5, 0xE8, 0xE9, 0xEC}) {
    Bytes req = {0x12, code, 0, 0};
    req.resize(48, 0);
    EXPECT_EQ(ErrorOf(Send(*r, req)), int(ErrorCode::kUnexpectedRequest)) << std::hex << int(code);
  }
}

TEST(Capabilities, UnsupportedVersionIsVersionMismatch) {
  for (uint8_t v : std::vector<uint8_t>{0x10, 0x14, 0x20}) {
    auto r = Make();
    ASSERT_EQ(Send(*r, kGetVersion)[1], 0x04);
    Bytes caps = GetCaps(0x12);
    caps[0] = v;
    EXPECT_EQ(ErrorOf(Send(*r, caps)), int(ErrorCode::kVersionMismatch)) << int(v);
  }
}

TEST(Capabilities, RepeatedRequestIsUnexpected) {
  auto r = Make();
  ASSERT_EQ(Send(*r, kGetVersion)[1], 0x04);
  ASSERT_EQ(Send(*r, GetCaps(0x12))[1], 0x61);
  EXPECT_EQ(ErrorOf(Send(*r, GetCaps(0x12))), int(ErrorCode::kUnexpectedRequest));
}

TEST(Capabilities, InvalidFieldsAreInvalidRequest) {
  // DataTransferSize below 42; MaxSPDMmsgSize below DataTransferSize;
  // ENCRYPT without KEY_EX/PSK; truncated; trailing byte.
  std::vector<Bytes> bad;
  Bytes c = GetCaps(0x12);
  Bytes dts = c;
  dts[12] = 41, dts[13] = 0;
  bad.push_back(dts);
  Bytes max = c;
  max[16] = 0x10, max[17] = 0;
  bad.push_back(max);
  Bytes flags = c;
  flags[9] &= static_cast<uint8_t>(~(wire::cap::kKeyEx >> 8));
  bad.push_back(flags);
  bad.push_back(Bytes(c.begin(), c.end() - 1));
  Bytes trailing = c;
  trailing.push_back(0);
  bad.push_back(trailing);
  for (std::size_t i = 0; i < bad.size(); ++i) {
    auto r = Make();
    ASSERT_EQ(Send(*r, kGetVersion)[1], 0x04);
    const Bytes rsp = Send(*r, bad[i]);
    EXPECT_EQ(ErrorOf(rsp), int(ErrorCode::kInvalidRequest)) << i;
    // The first request after GET_VERSION sets the connection's version even
    // when it fails (DSP0274 §10.3): the ERROR carries 0x12, not 0x10.
    EXPECT_EQ(rsp[0], 0x12) << i;
  }
}

TEST(Capabilities, Spdm11MutualAuthWithoutEncapIsInvalidRequest) {
  // DSP0274 1.1 ENCAP_CAP: set whenever MUT_AUTH_CAP is; 1.2 dropped the rule.
  for (uint8_t v : std::vector<uint8_t>{0x11, 0x12}) {
    Bytes c = GetCaps(v);
    c[9] |= static_cast<uint8_t>(wire::cap::kMutAuth >> 8);
    auto r = Make();
    ASSERT_EQ(Send(*r, kGetVersion)[1], 0x04);
    const Bytes rsp = Send(*r, c);
    if (v == 0x11) {
      EXPECT_EQ(ErrorOf(rsp), int(ErrorCode::kInvalidRequest));
      EXPECT_EQ(rsp[0], 0x11);
    } else {
      EXPECT_EQ(rsp[1], 0x61) << "1.2 CAPABILITIES";
    }
  }
}

TEST(Capabilities, ResponseFlagsAreConsistent) {
  for (uint8_t v : std::vector<uint8_t>{0x11, 0x12, 0x13}) {
    auto r = Make();
    ASSERT_EQ(Send(*r, kGetVersion)[1], 0x04);
    Bytes rsp = Send(*r, GetCaps(v));
    wire::ParseParams p;
    p.negotiated.version = v;
    auto c = wire::ParseCapabilities(rsp, p);
    ASSERT_TRUE(c) << int(v);
    const uint32_t f = c->flags;
    // ENCRYPT/MAC ⇒ KEY_EX or PSK; MEAS_FRESH ⇒ MEAS; KEY_EX ⇒ ENCRYPT or MAC.
    EXPECT_TRUE((f & (wire::cap::kEncrypt | wire::cap::kMac)) == 0 || (f & (wire::cap::kKeyEx | wire::cap::kPskMask)) != 0);
    EXPECT_TRUE((f & wire::cap::kMeasFresh) == 0 || (f & wire::cap::kMeasMask) != 0);
    if (v >= 0x12) {
      EXPECT_GE(c->data_transfer_size, wire::kMinDataTransferSize);
      EXPECT_GE(c->max_spdm_msg_size, c->data_transfer_size);
    }
  }
}

TEST(Algorithms, SelectsExactlyOneOfferedBitPerField) {
  for (uint8_t v : std::vector<uint8_t>{0x11, 0x12, 0x13}) {
    auto r = Make();
    ASSERT_EQ(Send(*r, kGetVersion)[1], 0x04);
    ASSERT_EQ(Send(*r, GetCaps(v))[1], 0x61);
    wire::NegotiateAlgorithms n;
    n.version = v;
    n.measurement_specification = wire::alg::kMeasSpecDmtf;
    n.base_asym_algo = wire::alg::kEcdsaP256 | wire::alg::kEcdsaP384 | wire::alg::kRsassa2048;
    n.base_hash_algo = wire::alg::kSha256 | wire::alg::kSha384 | wire::alg::kSha512;
    n.alg_structs = {{wire::alg::kAlgTypeDhe, wire::alg::kSecp256r1 | wire::alg::kSecp384r1 | wire::alg::kFfdhe2048, {}},
                     {wire::alg::kAlgTypeAead, 0x7, {}},
                     {wire::alg::kAlgTypeReqBaseAsym, wire::alg::kEcdsaP384, {}},
                     {wire::alg::kAlgTypeKeySchedule, wire::alg::kKeyScheduleSpdm, {}}};
    Bytes req = wire::SerializeNegotiateAlgorithms(n).value();
    Bytes rsp = Send(*r, req);
    wire::ParseParams p;
    p.negotiated.version = v;
    auto a = wire::ParseAlgorithms(rsp, p);
    ASSERT_TRUE(a) << int(v);
    EXPECT_EQ(a->base_asym_sel, wire::alg::kEcdsaP384);
    EXPECT_EQ(a->base_hash_sel, wire::alg::kSha384);
    EXPECT_EQ(a->measurement_specification_sel, wire::alg::kMeasSpecDmtf);
    EXPECT_EQ(a->measurement_hash_algo, wire::alg::kMeasSha384);
    EXPECT_TRUE(a->ext_asym_sel.empty());
    EXPECT_EQ(a->Selected(wire::alg::kAlgTypeDhe), wire::alg::kSecp384r1);
    EXPECT_EQ(a->Selected(wire::alg::kAlgTypeAead), wire::alg::kAes256Gcm);
    EXPECT_EQ(a->Selected(wire::alg::kAlgTypeReqBaseAsym), 0);
    EXPECT_EQ(a->Selected(wire::alg::kAlgTypeKeySchedule), wire::alg::kKeyScheduleSpdm);
  }
}

TEST(Algorithms, BadLengthAndWrongVersionAreRefused) {
  auto r = Make();
  ASSERT_EQ(Send(*r, kGetVersion)[1], 0x04);
  ASSERT_EQ(Send(*r, GetCaps(0x12))[1], 0x61);
  Bytes n = NegAlgs(0x12);
  Bytes bad_len = n;
  bad_len[4] = static_cast<uint8_t>(bad_len[4] + 4);
  EXPECT_EQ(ErrorOf(Send(*r, bad_len)), int(ErrorCode::kInvalidRequest));
  Bytes wrong_ver = n;
  wrong_ver[0] = 0x11;
  EXPECT_EQ(ErrorOf(Send(*r, wrong_ver)), int(ErrorCode::kVersionMismatch));
  EXPECT_EQ(Send(*r, n)[1], 0x63);  // the state is unchanged by the refusals
  EXPECT_EQ(ErrorOf(Send(*r, n)), int(ErrorCode::kUnexpectedRequest));
}

TEST(Digests, DigestIsTheHashOfTheSpdmChainAndVersionIsChecked) {
  auto r = Make();
  Vca(*r);
  EXPECT_EQ(ErrorOf(Send(*r, {0x11, 0x81, 0, 0})), int(ErrorCode::kVersionMismatch));
  Bytes rsp = Send(*r, {0x12, 0x81, 0, 0});
  ASSERT_EQ(rsp.size(), 4u + 48u);
  EXPECT_EQ(rsp[3], 0x01);
  Bytes chain = Responder::BuildCertChain(crypto::HashAlg::kSha384, testing::Pki(crypto::Curve::kP384).chain_der).value();
  Bytes h = crypto::Hash(crypto::HashAlg::kSha384, chain).value();
  EXPECT_TRUE(std::equal(h.begin(), h.end(), rsp.begin() + 4));
}

TEST(Digests, EachConnectionGetsTheChainOfItsOwnHashAgainAndAgain) {
  // The encoded chain is kept per hash: SHA-384, SHA-256, SHA-384 again on
  // one responder each give the digest of the chain built for that hash.
  auto r = Make();
  const auto& der = testing::Pki(crypto::Curve::kP384).chain_der;
  for (uint32_t hash : {wire::alg::kSha384, wire::alg::kSha256, wire::alg::kSha384, wire::alg::kSha256}) {
    const crypto::HashAlg alg = hash == wire::alg::kSha384 ? crypto::HashAlg::kSha384 : crypto::HashAlg::kSha256;
    ASSERT_EQ(Send(*r, kGetVersion)[1], 0x04);
    ASSERT_EQ(Send(*r, GetCaps(0x12))[1], 0x61);
    ASSERT_EQ(Send(*r, NegAlgs(0x12, hash))[1], 0x63);
    Bytes rsp = Send(*r, {0x12, 0x81, 0, 0});
    ASSERT_EQ(rsp.size(), 4u + crypto::DigestSize(alg));
    const Bytes chain = Responder::BuildCertChain(alg, der).value();
    EXPECT_EQ(Bytes(rsp.begin() + 4, rsp.end()), crypto::Hash(alg, chain).value());
    // GET_CERTIFICATE serves that chain: its header and RootHash.
    Bytes cert = Send(*r, {0x12, 0x82, 0, 0, 0, 0, 0x40, 0});
    ASSERT_EQ(cert[1], 0x02);
    ASSERT_GE(cert.size(), 8u + 0x40u);
    EXPECT_EQ(Bytes(cert.begin() + 8, cert.begin() + 8 + 0x40), Bytes(chain.begin(), chain.begin() + 0x40));
  }
}

TEST(Certificate, PortionsRemainderAndBadRequests) {
  auto r = Make();
  Vca(*r);
  Bytes chain = Responder::BuildCertChain(crypto::HashAlg::kSha384, testing::Pki(crypto::Curve::kP384).chain_der).value();
  Bytes got;
  for (int i = 0; i < 100; ++i) {
    const uint16_t off = static_cast<uint16_t>(got.size());
    Bytes req = {0x12, 0x82, 0, 0, static_cast<uint8_t>(off), static_cast<uint8_t>(off >> 8), 0x00, 0x02};
    Bytes rsp = Send(*r, req);
    ASSERT_EQ(rsp[1], 0x02);
    const std::size_t portion = rsp[4] | (rsp[5] << 8);
    const std::size_t remainder = rsp[6] | (rsp[7] << 8);
    EXPECT_LE(portion, 0x200u);
    got.insert(got.end(), rsp.begin() + 8, rsp.end());
    EXPECT_EQ(remainder, chain.size() - got.size());
    if (remainder == 0) break;
  }
  EXPECT_EQ(got, chain);
  // Chain header: Length = whole chain; RootHash = H(root).
  EXPECT_EQ(std::size_t(got[0] | (got[1] << 8)), chain.size());
  Bytes rh = crypto::Hash(crypto::HashAlg::kSha384, testing::Pki(crypto::Curve::kP384).chain_der[0]).value();
  EXPECT_TRUE(std::equal(rh.begin(), rh.end(), got.begin() + 4));
  EXPECT_EQ(ErrorOf(Send(*r, {0x12, 0x82, 1, 0, 0, 0, 0x00, 0x02})), int(ErrorCode::kInvalidRequest));  // slot 1
  EXPECT_EQ(ErrorOf(Send(*r, {0x12, 0x82, 0, 0, 0xFF, 0xFF, 0x00, 0x02})), int(ErrorCode::kInvalidRequest));  // offset
  EXPECT_EQ(ErrorOf(Send(*r, {0x12, 0x82, 0, 0, 0, 0})), int(ErrorCode::kInvalidRequest));  // truncated
}

TEST(Certificate, SlotSizeRequestedIgnoresOffsetAndLength) {
  // DSP0274 1.3 GET_CERTIFICATE Param2 bit 0: no portion, RemainderLength =
  // the slot's chain size, whatever Offset and Length say.
  auto r = Make();
  Vca(*r, 0x13);
  const std::size_t size =
      Responder::BuildCertChain(crypto::HashAlg::kSha384, testing::Pki(crypto::Curve::kP384).chain_der).value().size();
  for (const Bytes& req : {Bytes{0x13, 0x82, 0, 1, 0, 0, 0, 0}, Bytes{0x13, 0x82, 0, 1, 0xFF, 0xFF, 0x55, 0xAA}}) {
    const Bytes rsp = Send(*r, req);
    ASSERT_EQ(rsp.size(), 8u) << HexEncode(rsp);
    EXPECT_EQ(rsp[1], 0x02);
    EXPECT_EQ(rsp[4] | (rsp[5] << 8), 0);
    EXPECT_EQ(std::size_t(rsp[6] | (rsp[7] << 8)), size);
  }
}

TEST(Challenge, BadSlotAndSummaryTypeAreInvalidRequest) {
  auto r = Make();
  Vca(*r);
  Bytes ch = {0x12, 0x83, 0, 0};
  ch.resize(36, 0x5A);
  Bytes slot = ch;
  slot[2] = 3;
  EXPECT_EQ(ErrorOf(Send(*r, slot)), int(ErrorCode::kInvalidRequest));
  Bytes type = ch;
  type[3] = 2;
  EXPECT_EQ(ErrorOf(Send(*r, type)), int(ErrorCode::kInvalidRequest));
  EXPECT_EQ(Send(*r, ch)[1], 0x03);
  Bytes wrong = ch;
  wrong[0] = 0x13;
  EXPECT_EQ(ErrorOf(Send(*r, wrong)), int(ErrorCode::kVersionMismatch));
}

TEST(Measurements, WalkOverEveryIndexLikeDmtfsRequester) {
  // Indices 1..0xFE one at a time; absent ones are InvalidRequest; the last
  // request is signed and verifies over L2 (which restarted at each ERROR).
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  testing::Pair p = testing::MakePair(testing::ResponderConfigFor(crypto::Curve::kP384), qc);
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->GetCertificate());
  int present = 0;
  for (int i = 1; i <= 0xFE; ++i) {
    auto m = p.requester->GetMeasurements(static_cast<uint8_t>(i), i == 0xFE || i == 4);
    if (m) {
      ++present;
      if (i == 4) {
        EXPECT_TRUE(m->signature_verified);
      }
    } else {
      ASSERT_EQ(m.error().code, Errc::kPeerError) << i;
      ASSERT_EQ(p.requester->last_peer_error(), ErrorCode::kInvalidRequest) << i;
    }
  }
  EXPECT_EQ(present, 4);
  auto all = p.requester->GetMeasurements(wire::meas::kOpAll, true);
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->signature_verified);
}

TEST(Measurements, SignedRequestForUnprovisionedSlotIsInvalidRequest) {
  auto r = Make();
  Vca(*r);
  Bytes gm = {0x12, 0xE0, 0x01, 0xFF};
  gm.resize(4 + 32 + 1, 0x11);
  gm.back() = 0x02;
  EXPECT_EQ(ErrorOf(Send(*r, gm)), int(ErrorCode::kInvalidRequest));
  gm.back() = 0x00;
  EXPECT_EQ(Send(*r, gm)[1], 0x60);
}

TEST(Measurements, WithoutProviderGetMeasurementsIsUnsupported) {
  auto c = testing::ResponderConfigFor(crypto::Curve::kP384);
  c.measurements = nullptr;
  auto r = Make(c);
  Vca(*r);
  Bytes rsp = Send(*r, {0x12, 0xE0, 0x00, 0xFF});
  EXPECT_EQ(ErrorOf(rsp), int(ErrorCode::kUnsupportedRequest));
  EXPECT_EQ(rsp[3], 0xE0);  // ErrorData = the request code
}

TEST(Session, SessionOnlyRequestsOutsideASessionAreSessionRequired) {
  auto r = Make();
  Vca(*r);
  EXPECT_EQ(ErrorOf(Send(*r, {0x12, 0xE8, 0, 0})), int(ErrorCode::kSessionRequired));
  EXPECT_EQ(ErrorOf(Send(*r, {0x12, 0xE9, 1, 1})), int(ErrorCode::kSessionRequired));
  EXPECT_EQ(ErrorOf(Send(*r, {0x12, 0xEC, 0, 0})), int(ErrorCode::kSessionRequired));
  Bytes fin = {0x12, 0xE5, 0, 0};
  fin.resize(4 + 48, 0);
  EXPECT_EQ(ErrorOf(Send(*r, fin)), int(ErrorCode::kSessionRequired));
}

TEST(Session, RecordForUnknownSessionAndGarbageRecordsAreRefused) {
  auto r = Make();
  Vca(*r);
  TransportMessage m = r->Handle(true, Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0x12, 0});
  EXPECT_FALSE(m.secured);
  EXPECT_EQ(ErrorOf(m.bytes), int(ErrorCode::kSessionRequired));
  m = r->Handle(true, Bytes{0xFF});
  EXPECT_EQ(ErrorOf(m.bytes), int(ErrorCode::kInvalidRequest));
}

struct InSession {
  testing::Pair pair;
  uint32_t sid = 0;
};
InSession Open(bool in_clear = false) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  qc.versions = {0x12};
  if (in_clear) {
    rc.capabilities |= wire::cap::kHandshakeInTheClear;
    qc.capabilities |= wire::cap::kHandshakeInTheClear;
  }
  InSession s{testing::MakePair(rc, qc), 0};
  CCGPU_CHECK(s.pair.requester->InitConnection().has_value());
  CCGPU_CHECK(s.pair.requester->GetCertificate().has_value());
  return s;
}

TEST(Session, OutOfPlaceRequestsInsideASessionAreUnexpected) {
  InSession s = Open();
  auto info = s.pair.requester->StartSession();
  ASSERT_TRUE(info);
  auto& q = *s.pair.requester;
  auto err = [&](const Bytes& req) {
    auto rsp = q.SendApplicationMessage(info->session_id, req);
    EXPECT_TRUE(rsp);
    return rsp ? ErrorOf(*rsp) : -1;
  };
  EXPECT_EQ(err(kGetVersion), int(ErrorCode::kUnexpectedRequest));
  Bytes fin = {0x12, 0xE5, 0, 0};
  fin.resize(52, 0);
  EXPECT_EQ(err(fin), int(ErrorCode::kUnexpectedRequest));  // FINISH in the application phase
  Bytes ch = {0x12, 0x83, 0, 0};
  ch.resize(36, 0);
  EXPECT_EQ(err(ch), int(ErrorCode::kUnexpectedRequest));  // CHALLENGE in a session
  EXPECT_EQ(err({0x12, 0xE9, 4, 1}), int(ErrorCode::kInvalidRequest));  // KEY_UPDATE bad op
  EXPECT_EQ(err({0x12, 0xE8, 0, 0}), 0);                                // HEARTBEAT works
  EXPECT_EQ(err({0x11, 0xE8, 0, 0}), int(ErrorCode::kVersionMismatch));
  EXPECT_TRUE(q.Heartbeat(info->session_id));  // and the session still works
}

TEST(Session, KeyExchangeInsideASessionIsUnexpected) {
  InSession s = Open();
  auto info = s.pair.requester->StartSession();
  ASSERT_TRUE(info);
  Bytes ke = {0x12, 0xE4, 0, 0};
  ke.resize(4 + 4 + 32 + 96 + 2, 0);
  auto rsp = s.pair.requester->SendApplicationMessage(info->session_id, ke);
  ASSERT_TRUE(rsp);
  EXPECT_EQ(ErrorOf(*rsp), int(ErrorCode::kUnexpectedRequest));
}

TEST(Session, BadRequesterVerifyDataInTheClearIsDecryptError) {
  InSession s = Open(/*in_clear=*/true);
  s.pair.exchange->set_tamper([](bool to, bool secured, Bytes& b) {
    if (to && !secured && b.size() > 4 && b[1] == 0xE5) b.back() ^= 0x80;
  });
  auto info = s.pair.requester->StartSession();
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, Errc::kPeerError);
  EXPECT_EQ(s.pair.requester->last_peer_error(), ErrorCode::kDecryptError);
  EXPECT_EQ(s.pair.responder->session_count(), 1u);  // still waiting for a good FINISH
}

TEST(Session, SessionLimitIsSessionLimitExceeded) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP256);
  rc.max_sessions = 2;
  testing::Pair p = testing::MakePair(rc, testing::RequesterConfigFor(crypto::Curve::kP256));
  ASSERT_TRUE(p.requester->InitConnection());
  ASSERT_TRUE(p.requester->GetCertificate());
  ASSERT_TRUE(p.requester->StartSession());
  ASSERT_TRUE(p.requester->StartSession());
  auto third = p.requester->StartSession();
  ASSERT_FALSE(third);
  EXPECT_EQ(p.requester->last_peer_error(), ErrorCode::kSessionLimitExceeded);
}

TEST(Session, GetVersionEndsEverySession) {
  InSession s = Open();
  auto info = s.pair.requester->StartSession();
  ASSERT_TRUE(info);
  EXPECT_EQ(s.pair.responder->session_count(), 1u);
  ASSERT_TRUE(s.pair.requester->InitConnection());
  EXPECT_EQ(s.pair.responder->session_count(), 0u);
}

TEST(Vendor, WithoutHandlerIsUnsupportedRequest) {
  auto r = Make();
  Vca(*r);
  Bytes rsp = Send(*r, {0x12, 0xFE, 0, 0, 0x03, 0x00, 0x02, 0xDE, 0x10, 0x01, 0x00, 0x42});
  EXPECT_EQ(ErrorOf(rsp), int(ErrorCode::kUnsupportedRequest));
}

TEST(Robustness, EveryTruncationOfEveryValidRequestGetsAnError) {
  // Each valid request of a full flow, truncated at every length, sent to a
  // responder in the matching state: never a crash, always an ERROR.
  const std::vector<Bytes> reqs = {kGetVersion, GetCaps(0x12), NegAlgs(0x12)};
  for (std::size_t k = 0; k < reqs.size(); ++k) {
    for (std::size_t len = 0; len < reqs[k].size(); ++len) {
      auto r = Make();
      for (std::size_t j = 0; j < k; ++j) ASSERT_NE(Send(*r, reqs[j])[1], 0x7F);
      Bytes cut(reqs[k].begin(), reqs[k].begin() + static_cast<std::ptrdiff_t>(len));
      Bytes rsp = Send(*r, cut);
      ASSERT_GE(rsp.size(), 4u);
      EXPECT_EQ(rsp[1], 0x7F) << k << " len " << len;
    }
  }
}

TEST(Config, RejectsSignerThatIsNotTheLeafKey) {
  auto c = testing::ResponderConfigFor(crypto::Curve::kP384);
  c.signer = std::make_shared<EcSigner>(crypto::EcPrivateKey::Generate(crypto::Curve::kP384).value());
  EXPECT_EQ(Responder::Create(c).error().code, Errc::kInvalidArgument);
  auto d = testing::ResponderConfigFor(crypto::Curve::kP384);
  d.versions = {0x10};
  EXPECT_EQ(Responder::Create(d).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::spdm::responder
