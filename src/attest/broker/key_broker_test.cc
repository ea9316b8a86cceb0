#include "attest/broker/key_broker.h"

#include <gtest/gtest.h>

#include "attest/token/eat.h"
#include "base/encoding.h"
#include "crypto/rng.h"

namespace ccgpu::attest {
namespace {

using std::chrono::seconds;

class KeyBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    verifier_ = *crypto::EcPrivateKey::Generate(crypto::Curve::kP384);
    requester_ = *crypto::EcPrivateKey::Generate(crypto::Curve::kP384);
    auto jwk = *PublicJwk(*verifier_.PublicKey(), "verifier-1");
    nlohmann::json set = {{"keys", nlohmann::json::array({jwk})}};
    broker_ = std::make_unique<KeyBroker>(*Jwks::Parse(set.dump()), BrokerPolicy{.min_devices = 2}, clock_);
    model_key_ = *crypto::RandomBytes(kModelKeySize);
    ASSERT_TRUE(broker_->AddKey("mlp", SecretBytes::CopyOf(model_key_)).has_value());
  }

  // A detached EAT for two GPUs with the given measres values, signed by `key`.
  std::string Token(ByteSpan nonce, bool overall = true, std::string gpu1_measres = "success",
                    const crypto::EcPrivateKey* key = nullptr) {
    std::vector<DeviceClaims> devices = {
        {"GPU-0", nlohmann::json{{"measres", "success"}}},
        {"GPU-1", nlohmann::json{{"measres", gpu1_measres}}},
    };
    EatIssueOptions options;
    options.nonce_hex = HexEncode(nonce);
    options.kid = "verifier-1";
    return *IssueDetachedEat(devices, overall, key ? *key : verifier_, options, clock_);
  }

  FixedClock clock_{TimePoint(seconds(1'780'000'000))};
  crypto::EcPrivateKey verifier_ = *crypto::EcPrivateKey::Generate(crypto::Curve::kP384);
  crypto::EcPrivateKey requester_ = *crypto::EcPrivateKey::Generate(crypto::Curve::kP384);
  std::unique_ptr<KeyBroker> broker_;
  Bytes model_key_;
};

TEST_F(KeyBrokerTest, ReleasesKeyWrappedToRequesterForValidFreshToken) {
  Bytes nonce = *broker_->Challenge();
  ReleaseDenial denial;
  auto wrapped = broker_->Release("mlp", nonce, Token(nonce), *requester_.PublicKey(), &denial);
  ASSERT_TRUE(wrapped.has_value()) << denial.reason;
  auto key = UnwrapKey(*wrapped, "mlp", nonce, requester_);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(Bytes(key->reveal().begin(), key->reveal().end()), model_key_);
  EXPECT_EQ(broker_->released_count(), 1u);
}

TEST_F(KeyBrokerTest, WrappedKeyOpensOnlyForItsRequesterNameAndNonce) {
  Bytes nonce = *broker_->Challenge();
  auto wrapped = *broker_->Release("mlp", nonce, Token(nonce), *requester_.PublicKey());
  auto other = *crypto::EcPrivateKey::Generate(crypto::Curve::kP384);
  EXPECT_EQ(UnwrapKey(wrapped, "mlp", nonce, other).error().code, Errc::kAuthFailed);
  EXPECT_EQ(UnwrapKey(wrapped, "mlq", nonce, requester_).error().code, Errc::kAuthFailed);
  Bytes other_nonce = nonce;
  other_nonce[0] ^= 1;
  EXPECT_EQ(UnwrapKey(wrapped, "mlp", other_nonce, requester_).error().code, Errc::kAuthFailed);
  for (std::size_t bit = 0; bit < wrapped.ciphertext.size() * 8; ++bit) {
    WrappedKey bad = wrapped;
    bad.ciphertext[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_EQ(UnwrapKey(bad, "mlp", nonce, requester_).error().code, Errc::kAuthFailed) << bit;
  }
}

TEST_F(KeyBrokerTest, ChallengeIsSingleUseEvenAfterARefusal) {
  Bytes nonce = *broker_->Challenge();
  auto first = broker_->Release("mlp", nonce, Token(nonce, /*overall=*/false), *requester_.PublicKey());
  EXPECT_EQ(first.error().code, Errc::kPolicyFailed);
  auto again = broker_->Release("mlp", nonce, Token(nonce), *requester_.PublicKey());
  EXPECT_EQ(again.error().code, Errc::kNonceMismatch);
}

TEST_F(KeyBrokerTest, RefusesNonceItNeverIssued) {
  Bytes nonce = *crypto::RandomBytes(kBrokerNonceSize);
  ReleaseDenial denial;
  auto r = broker_->Release("mlp", nonce, Token(nonce), *requester_.PublicKey(), &denial);
  EXPECT_EQ(r.error().code, Errc::kNonceMismatch);
  EXPECT_FALSE(denial.reason.empty());
}

TEST_F(KeyBrokerTest, RefusesExpiredChallenge) {
  Bytes nonce = *broker_->Challenge();
  clock_.Advance(seconds(301));
  auto r = broker_->Release("mlp", nonce, Token(nonce), *requester_.PublicKey());
  EXPECT_EQ(r.error().code, Errc::kNonceMismatch);
}

TEST_F(KeyBrokerTest, RefusesTokenForAnotherNonce) {
  Bytes nonce = *broker_->Challenge();
  Bytes other = *broker_->Challenge();
  auto r = broker_->Release("mlp", nonce, Token(other), *requester_.PublicKey());
  EXPECT_EQ(r.error().code, Errc::kTokenInvalid);
}

TEST_F(KeyBrokerTest, RefusesTokenSignedByUntrustedVerifier) {
  Bytes nonce = *broker_->Challenge();
  auto rogue = *crypto::EcPrivateKey::Generate(crypto::Curve::kP384);
  ReleaseDenial denial;
  auto r = broker_->Release("mlp", nonce, Token(nonce, true, "success", &rogue), *requester_.PublicKey(),
                            &denial);
  EXPECT_EQ(r.error().code, Errc::kTokenInvalid);
  EXPECT_NE(denial.reason.find("overall"), std::string::npos) << denial.reason;
}

TEST_F(KeyBrokerTest, RefusesDeviceWhoseMeasurementsFailedAndNamesIt) {
  Bytes nonce = *broker_->Challenge();
  ReleaseDenial denial;
  auto r = broker_->Release("mlp", nonce, Token(nonce, true, "fail"), *requester_.PublicKey(), &denial);
  EXPECT_EQ(r.error().code, Errc::kPolicyFailed);
  EXPECT_NE(denial.reason.find("GPU-1"), std::string::npos) << denial.reason;
}

TEST_F(KeyBrokerTest, RefusesTooFewDevices) {
  Bytes nonce = *broker_->Challenge();
  EatIssueOptions options;
  options.nonce_hex = HexEncode(nonce);
  options.kid = "verifier-1";
  auto token = *IssueDetachedEat({{"GPU-0", nlohmann::json{{"measres", "success"}}}}, true, verifier_, options,
                                 clock_);
  EXPECT_EQ(broker_->Release("mlp", nonce, token, *requester_.PublicKey()).error().code, Errc::kPolicyFailed);
}

TEST_F(KeyBrokerTest, RefusesExpiredToken) {
  // A broker whose clock is past the token's exp (lifetime 1 h, leeway 60 s).
  FixedClock later(clock_.Now() + seconds(3600 + 120));
  KeyBroker late(*Jwks::Parse(nlohmann::json{{"keys", {*PublicJwk(*verifier_.PublicKey(), "verifier-1")}}}.dump()),
                 BrokerPolicy{}, later);
  ASSERT_TRUE(late.AddKey("mlp", SecretBytes::CopyOf(model_key_)).has_value());
  Bytes nonce = *late.Challenge();
  auto r = late.Release("mlp", nonce, Token(nonce), *requester_.PublicKey());  // issued at clock_
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kTokenInvalid);
}

TEST_F(KeyBrokerTest, RefusesUnknownKeyAndBadKeys) {
  Bytes nonce = *broker_->Challenge();
  EXPECT_EQ(broker_->Release("nope", nonce, Token(nonce), *requester_.PublicKey()).error().code, Errc::kNotFound);
  EXPECT_EQ(broker_->AddKey("mlp", SecretBytes::CopyOf(model_key_)).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(broker_->AddKey("", SecretBytes::CopyOf(model_key_)).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(broker_->AddKey("short", SecretBytes(16)).error().code, Errc::kInvalidArgument);
  Bytes n2 = *broker_->Challenge();
  auto p256 = *crypto::EcPrivateKey::Generate(crypto::Curve::kP256);
  EXPECT_EQ(broker_->Release("mlp", n2, Token(n2), *p256.PublicKey()).error().code, Errc::kBadKey);
}

TEST(SealedModelTest, RoundTripsAndNamesTheModel) {
  SecretBytes key = SecretBytes::CopyOf(*crypto::RandomBytes(kModelKeySize));
  for (std::size_t n : {0u, 1u, 15u, 4096u, 100'003u}) {
    Bytes weights = *crypto::RandomBytes(n == 0 ? 1 : n);
    weights.resize(n);
    auto sealed = *SealModel(key, "mlp-layer", weights);
    std::string name;
    auto opened = OpenModel(key, sealed, &name);
    ASSERT_TRUE(opened.has_value()) << n;
    EXPECT_EQ(Bytes(opened->reveal().begin(), opened->reveal().end()), weights);
    EXPECT_EQ(name, "mlp-layer");
  }
}

TEST(SealedModelTest, EveryBitFlipAndEveryTruncationIsRejected) {
  SecretBytes key = SecretBytes::CopyOf(*crypto::RandomBytes(kModelKeySize));
  Bytes weights = *crypto::RandomBytes(40);
  auto sealed = *SealModel(key, "m", weights);
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    Bytes bad = sealed;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_FALSE(OpenModel(key, bad).has_value()) << bit;
  }
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    ASSERT_FALSE(OpenModel(key, ByteSpan(sealed).first(n)).has_value()) << n;
  }
  Bytes longer = sealed;
  longer.push_back(0);
  EXPECT_EQ(OpenModel(key, longer).error().code, Errc::kTrailingData);
  SecretBytes other = SecretBytes::CopyOf(*crypto::RandomBytes(kModelKeySize));
  EXPECT_EQ(OpenModel(other, sealed).error().code, Errc::kAuthFailed);
}

}  // namespace
}  // namespace ccgpu::attest
