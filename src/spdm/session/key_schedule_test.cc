#include "spdm/session/key_schedule.h"
#include "spdm/session/psk_store.h"

#include <gtest/gtest.h>

#include <set>
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

SessionAlgorithms Algs(SpdmVersion v, crypto::HashAlg h,
                       crypto::AeadAlg a = crypto::AeadAlg::kAes256Gcm) {
  SessionAlgorithms s;
  s.version = v;
  s.hash = h;
  s.aead = a;
  return s;
}

TEST(BinConcat, MatchesObservedBinStrBytes) {
  // Observed on the wire (reference/spdm.md §3.5).
  auto finished = BinConcat(SpdmVersion::k12, 48, "finished");
  ASSERT_TRUE(finished);
  EXPECT_EQ(HexEncode(*finished), "30007370646d312e322066696e6973686564");
  auto key = BinConcat(SpdmVersion::k12, 32, "key");
  ASSERT_TRUE(key);
  EXPECT_EQ(HexEncode(*key), "20007370646d312e32206b6579");
  auto iv = BinConcat(SpdmVersion::k11, 12, "iv");
  ASSERT_TRUE(iv);
  EXPECT_EQ(HexEncode(*iv), "0c007370646d312e31206976");
  auto upd = BinConcat(SpdmVersion::k13, 48, "traffic upd");
  ASSERT_TRUE(upd);
  EXPECT_EQ(HexEncode(*upd), "30007370646d312e33207472616666696320757064");
  const Bytes th(48, 0xAB);
  auto with_ctx = BinConcat(SpdmVersion::k12, 48, "req hs data", th);
  ASSERT_TRUE(with_ctx);
  EXPECT_EQ(with_ctx->size(), 2u + 8 + 11 + 48);
  auto too_long = BinConcat(SpdmVersion::k12, 0x10000, "key");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, Errc::kOutOfRange);
}

TEST(KeySchedule, Sha256AndChaChaSizes) {
  for (auto aead :
       {crypto::AeadAlg::kAes256Gcm, crypto::AeadAlg::kChaCha20Poly1305}) {
    const auto algs = Algs(SpdmVersion::k12, crypto::HashAlg::kSha256, aead);
    auto ks = KeySchedule::Create(algs, SecretBytes::CopyOf(Random(32)));
    ASSERT_TRUE(ks);
    ASSERT_TRUE(ks->DeriveHandshake(Random(32)));
    auto keys = ks->TakeHandshakeKeys(Direction::kRequesterToResponder);
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->key.size(), 32u);
    EXPECT_EQ(keys->iv.size(), 12u);
    auto vd = ks->VerifyData(Direction::kResponderToRequester, Random(32));
    ASSERT_TRUE(vd);
    EXPECT_EQ(vd->size(), 32u);
    ASSERT_TRUE(ks->DeriveApplication(Random(32)));
    auto exp = ks->TakeExportMasterSecret();
    ASSERT_TRUE(exp);
    EXPECT_EQ(exp->size(), 32u);
  }
}

TEST(KeySchedule, VersionLabelChangesEveryKey) {
  const Bytes dhe = Random(48), th1 = Random(48);
  std::set<std::string> keys;
  for (SpdmVersion v : {SpdmVersion::k11, SpdmVersion::k12, SpdmVersion::k13}) {
    auto ks = KeySchedule::Create(Algs(v, crypto::HashAlg::kSha384),
                                  SecretBytes::CopyOf(dhe));
    ASSERT_TRUE(ks);
    ASSERT_TRUE(ks->DeriveHandshake(th1));
    auto k = ks->TakeHandshakeKeys(Direction::kRequesterToResponder);
    ASSERT_TRUE(k);
    keys.insert(HexEncode(k->key.reveal()));
  }
  EXPECT_EQ(keys.size(), 3u);
}

TEST(KeySchedule, StagesRefuseOutOfOrderUse) {
  const auto algs = Algs(SpdmVersion::k12, crypto::HashAlg::kSha384);
  auto ks = KeySchedule::Create(algs, SecretBytes::CopyOf(Random(48)));
  ASSERT_TRUE(ks);
  auto code = [](const auto& r) { return r ? Errc{} : r.error().code; };
  EXPECT_EQ(code(ks->TakeHandshakeKeys(Direction::kRequesterToResponder)),
            Errc::kStateError);
  EXPECT_EQ(code(ks->DeriveApplication(Random(48))), Errc::kStateError);
  EXPECT_EQ(code(ks->ApplicationKeys(Direction::kRequesterToResponder)),
            Errc::kStateError);
  EXPECT_EQ(code(ks->DeriveHandshake(Random(32))), Errc::kInvalidArgument);
  ASSERT_TRUE(ks->DeriveHandshake(Random(48)));
  EXPECT_EQ(code(ks->DeriveHandshake(Random(48))), Errc::kStateError);
  ASSERT_TRUE(ks->TakeHandshakeKeys(Direction::kRequesterToResponder));
  EXPECT_EQ(code(ks->TakeHandshakeKeys(Direction::kRequesterToResponder)),
            Errc::kStateError);
  EXPECT_EQ(code(ks->UpdateApplicationSecret(Direction::kRequesterToResponder)),
            Errc::kStateError);
  EXPECT_EQ(code(ks->TakeExportMasterSecret()), Errc::kStateError);
  ASSERT_TRUE(ks->DeriveApplication(Random(48)));
  // Handshake material is gone in the application stage.
  EXPECT_EQ(code(ks->TakeHandshakeKeys(Direction::kResponderToRequester)),
            Errc::kStateError);
  EXPECT_EQ(code(ks->CheckVerifyData(Direction::kRequesterToResponder,
                                     Random(48), Random(48))),
            Errc::kStateError);
}

TEST(KeySchedule, RejectsUnsupportedAlgorithmsAndEmptySecret) {
  auto sha512 =
      KeySchedule::Create(Algs(SpdmVersion::k12, crypto::HashAlg::kSha512),
                          SecretBytes::CopyOf(Random(48)));
  ASSERT_FALSE(sha512);
  EXPECT_EQ(sha512.error().code, Errc::kUnsupportedAlgorithm);
  auto empty = KeySchedule::Create(
      Algs(SpdmVersion::k12, crypto::HashAlg::kSha384), SecretBytes());
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::kInvalidArgument);
  auto v = SpdmVersionFromByte(0x10);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kUnsupported);
}

TEST(KeySchedule, UpdatesChainAndEachDirectionIndependently) {
  const auto algs = Algs(SpdmVersion::k13, crypto::HashAlg::kSha384);
  auto ks = KeySchedule::Create(algs, SecretBytes::CopyOf(Random(48)));
  ASSERT_TRUE(ks);
  ASSERT_TRUE(ks->DeriveHandshake(Random(48)));
  ASSERT_TRUE(ks->DeriveApplication(Random(48)));
  auto rsp0 = ks->ApplicationKeys(Direction::kResponderToRequester);
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    auto k = ks->ApplicationKeys(Direction::kRequesterToResponder);
    ASSERT_TRUE(k);
    EXPECT_TRUE(seen.insert(HexEncode(k->key.reveal())).second);
    ASSERT_TRUE(ks->UpdateApplicationSecret(Direction::kRequesterToResponder));
  }
  auto rsp1 = ks->ApplicationKeys(Direction::kResponderToRequester);
  ASSERT_TRUE(rsp0 && rsp1);
  EXPECT_EQ(HexEncode(rsp0->key.reveal()), HexEncode(rsp1->key.reveal()));
}

}  // namespace
}  // namespace ccgpu::spdm::session

namespace ccgpu::spdm::session {
namespace {

// HandshakeSecret of a PSK session for libspdm's test PSK "TestPskData\0":
// HMAC-SHA-384 keyed with Salt_0, computed outside ccgpu (Python's hmac
// module): 0x00 x 48 up to 1.2, 0xFF x 48 from 1.3 (DSP0274 1.3 §12).
TEST(PskHandshakeSecret, KnownAnswersPerVersion) {
  const std::string psk_text("TestPskData", 12);
  const Bytes psk(psk_text.begin(), psk_text.end());
  struct Case {
    SpdmVersion v;
    crypto::HashAlg h;
    const char* hex;
  };
  const Case cases[] = {
      {SpdmVersion::k11, crypto::HashAlg::kSha384,
       "91fbda7e6788022587660ddb807f5dd82f023377f888afe7bd2808348dc00292e009232334f6017a59a6567b0c860e07"},
      {SpdmVersion::k12, crypto::HashAlg::kSha384,
       "91fbda7e6788022587660ddb807f5dd82f023377f888afe7bd2808348dc00292e009232334f6017a59a6567b0c860e07"},
      {SpdmVersion::k13, crypto::HashAlg::kSha384,
       "83597efed2289c01c4e62677d1665e269a220aee9247b15b2ca72bda07a3ebfc770600487c3358224034f02d627ca97e"},
      {SpdmVersion::k13, crypto::HashAlg::kSha256, "508be04163ecb50a38170e637c8f630c562d896e76953e1f91549b399f1d8995"},
  };
  for (const Case& c : cases) {
    auto hs = DeriveHandshakeSecretFromPsk(Algs(c.v, c.h), psk);
    ASSERT_TRUE(hs) << hs.error().ToString();
    EXPECT_EQ(HexEncode(hs->reveal()), c.hex) << static_cast<int>(c.v);
  }
  EXPECT_FALSE(DeriveHandshakeSecretFromPsk(Algs(SpdmVersion::k12, crypto::HashAlg::kSha384), {}));
}

// A PSK schedule runs the same stages as a DHE one, and the same PSK gives
// the same keys on both sides while another PSK does not.
TEST(PskHandshakeSecret, ScheduleFromPskRunsEveryStage) {
  const SessionAlgorithms algs = Algs(SpdmVersion::k13, crypto::HashAlg::kSha384);
  const Bytes psk = Random(32), th1 = Random(48), th2 = Random(48);
  auto a = KeySchedule::CreateFromPsk(algs, psk);
  auto b = KeySchedule::CreateFromPsk(algs, psk);
  auto other = KeySchedule::CreateFromPsk(algs, Random(32));
  ASSERT_TRUE(a && b && other);
  for (auto* ks : {&*a, &*b, &*other}) {
    ASSERT_TRUE(ks->DeriveHandshake(th1));
  }
  auto vd_a = a->VerifyData(Direction::kResponderToRequester, th1);
  ASSERT_TRUE(vd_a);
  EXPECT_TRUE(b->CheckVerifyData(Direction::kResponderToRequester, th1, *vd_a));
  auto wrong = other->CheckVerifyData(Direction::kResponderToRequester, th1, *vd_a);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::kTranscriptMismatch);
  ASSERT_TRUE(a->DeriveApplication(th2));
  ASSERT_TRUE(b->DeriveApplication(th2));
  auto ka = a->ApplicationKeys(Direction::kRequesterToResponder);
  auto kb = b->ApplicationKeys(Direction::kRequesterToResponder);
  ASSERT_TRUE(ka && kb);
  EXPECT_EQ(Bytes(ka->key.reveal().begin(), ka->key.reveal().end()), Bytes(kb->key.reveal().begin(), kb->key.reveal().end()));
  EXPECT_FALSE(KeySchedule::CreateFromPsk(algs, {}));
}

}  // namespace
}  // namespace ccgpu::spdm::session

namespace ccgpu::spdm::session {
namespace {

TEST(InMemoryPskStore, FindsByExactHintAndRefusesBadEntries) {
  InMemoryPskStore store;
  const Bytes hint = {'h', 'i', 'n', 't'};
  const Bytes psk = Random(32);
  ASSERT_TRUE(store.Add(hint, SecretBytes::CopyOf(psk)));
  ASSERT_TRUE(store.Add({}, SecretBytes::CopyOf(Random(16))));  // an empty hint names a PSK too
  auto dup = store.Add(hint, SecretBytes::CopyOf(Random(32)));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(store.Add(Bytes{'x'}, SecretBytes()));
  EXPECT_FALSE(store.Add(Bytes(kMaxPskHintSize + 1, 'h'), SecretBytes::CopyOf(psk)));

  const SessionAlgorithms algs = Algs(SpdmVersion::k12, crypto::HashAlg::kSha384);
  auto ks = store.Schedule(algs, hint);
  ASSERT_TRUE(ks) << ks.error().ToString();
  auto direct = KeySchedule::CreateFromPsk(algs, psk);
  ASSERT_TRUE(direct);
  const Bytes th1 = Random(48);
  ASSERT_TRUE(ks->DeriveHandshake(th1));
  ASSERT_TRUE(direct->DeriveHandshake(th1));
  EXPECT_EQ(*ks->VerifyData(Direction::kRequesterToResponder, th1),
            *direct->VerifyData(Direction::kRequesterToResponder, th1));
  auto unknown = store.Schedule(algs, Bytes{'h', 'i', 'n'});  // a prefix is not the hint
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace ccgpu::spdm::session
