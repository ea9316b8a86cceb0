// Tests for JWS/JWT, JWK/JWKS and NVIDIA's detached EAT.
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/token/eat.h"
#include "attest/token/jwt.h"
#include "base/encoding.h"
#include "crypto/hash.h"

namespace ccgpu::attest {
namespace {

using ::testing::HasSubstr;
using std::chrono::seconds;

constexpr char kSampleDir[] =
    CCGPU_TESTDATA_DIR "/third_party/nvidia/attestation-sdk/nv-attestation-sdk-cpp/unit-tests/"
                       "testdata/sample_attestation_data/";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string Ctx(const Error& e) { return e.context ? e.context : ""; }

template <typename T>
void ExpectTokenInvalid(const Result<T>& r, const std::string& what) {
  ASSERT_FALSE(r) << "unexpectedly accepted";
  EXPECT_EQ(r.error().code, Errc::kTokenInvalid) << r.error().ToString();
  EXPECT_THAT(Ctx(r.error()), HasSubstr(what));
}

crypto::EcPrivateKey Key(crypto::Curve c = crypto::Curve::kP384) {
  auto k = crypto::EcPrivateKey::Generate(c);
  CCGPU_CHECK(k.has_value());
  return *k;
}

Jwks JwksFor(const crypto::EcPrivateKey& key, const std::string& kid) {
  auto pub = key.PublicKey();
  CCGPU_CHECK(pub.has_value());
  auto jwk = PublicJwk(*pub, kid);
  CCGPU_CHECK(jwk.has_value());
  auto set = Jwks::Parse(nlohmann::json{{"keys", nlohmann::json::array({*jwk})}}.dump());
  CCGPU_CHECK(set.has_value());
  return *set;
}

const TimePoint kT0 = FromUnixSeconds(1795600000);  // 2026-11-25

nlohmann::json GpuClaims(int i) {
  return {{"measres", "success"},
          {"secboot", true},
          {"dbgstat", "disabled"},
          {"hwmodel", "GH100 A01 GSP BROM"},
          {"ueid", std::to_string(478176379 + i)},
          {"x-nvidia-device-type", "gpu"},
          {"x-nvidia-gpu-driver-version", "550.90.07"}};
}

struct Issued {
  crypto::EcPrivateKey key;
  std::string kid;
  std::string eat;
};

Issued Issue(int devices = 2, crypto::Curve curve = crypto::Curve::kP384, bool result = true) {
  Issued out{Key(curve), "test-kid-1", ""};
  std::vector<DeviceClaims> devs;
  for (int i = 0; i < devices; ++i) devs.push_back({"GPU-" + std::to_string(i), GpuClaims(i)});
  EatIssueOptions o;
  o.kid = out.kid;
  o.nonce_hex = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
  FixedClock clock(kT0);
  auto eat = IssueDetachedEat(devs, result, out.key, o, clock);
  CCGPU_CHECK(eat.has_value());
  out.eat = *eat;
  return out;
}

EatVerifyOptions At(TimePoint t) {
  EatVerifyOptions o;
  o.at = t;
  return o;
}

// ------------------------------------------------------------ JWS

TEST(Jws, SignVerifyRoundTripEs384AndEs256) {
  for (auto curve : {crypto::Curve::kP384, crypto::Curve::kP256}) {
    const auto key = Key(curve);
    auto jwt = SignJwt({{"iss", "me"}, {"exp", 2000000000}}, key, "k1");
    ASSERT_TRUE(jwt);
    auto jws = ParseJws(*jwt);
    ASSERT_TRUE(jws) << jws.error().ToString();
    EXPECT_EQ(jws->alg, curve == crypto::Curve::kP384 ? JwsAlg::kEs384 : JwsAlg::kEs256);
    EXPECT_EQ(jws->kid, "k1");
    EXPECT_EQ(jws->payload["iss"], "me");
    EXPECT_EQ(jws->signature.size(), curve == crypto::Curve::kP384 ? 96u : 64u);
    EXPECT_TRUE(VerifyJws(*jws, *key.PublicKey()));
    // Another key of the same curve does not verify it.
    ExpectTokenInvalid(VerifyJws(*jws, *Key(curve).PublicKey()), "signature does not verify");
    // A key of the other curve is refused before any signature math.
    const auto other = Key(curve == crypto::Curve::kP384 ? crypto::Curve::kP256 : crypto::Curve::kP384);
    ExpectTokenInvalid(VerifyJws(*jws, *other.PublicKey()), "alg does not match");
  }
}

TEST(Jws, HeaderIsKidThenAlgLikeNvidia) {
  auto jwt = SignJwt({{"a", 1}}, Key(), "nv-eat-kid-x");
  ASSERT_TRUE(jwt);
  auto header = Base64UrlDecode(jwt->substr(0, jwt->find('.')));
  ASSERT_TRUE(header);
  EXPECT_EQ(std::string(header->begin(), header->end()),
            R"({"kid":"nv-eat-kid-x","alg":"ES384"})");
}

TEST(Jws, FlippingAnyBitOfHeaderPayloadOrSignatureFails) {
  const auto key = Key();
  auto jwt = SignJwt({{"sub", "x"}, {"exp", 2000000000}, {"measres", "success"}}, key, "k");
  ASSERT_TRUE(jwt);
  const auto pub = *key.PublicKey();
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < jwt->size() * 8; ++i) {
    std::string bad = *jwt;
    bad[i / 8] = static_cast<char>(bad[i / 8] ^ (1 << (i % 8)));
    auto jws = ParseJws(bad);
    if (jws && VerifyJws(*jws, pub)) {
      ++accepted;
      ADD_FAILURE() << "bit " << i << " flipped, still verifies";
    }
  }
  EXPECT_EQ(accepted, 0u);
}

TEST(Jws, RejectsMalformedTokens) {
  const auto key = Key();
  auto good = SignJwt({{"exp", 1}}, key, "k");
  ASSERT_TRUE(good);
  const std::string h = good->substr(0, good->find('.'));
  const std::string sig = good->substr(good->rfind('.') + 1);
  auto b64 = [](std::string_view s) { return Base64UrlEncode(AsBytes(s)); };
  ExpectTokenInvalid(ParseJws("abc"), "three dot-separated parts");
  ExpectTokenInvalid(ParseJws(*good + ".x"), "three dot-separated parts");
  ExpectTokenInvalid(ParseJws("a+b." + b64("{}") + "." + sig), "header is not base64url");
  ExpectTokenInvalid(ParseJws(b64("[1]") + "." + b64("{}") + "." + sig), "header is not a JSON object");
  ExpectTokenInvalid(ParseJws(b64(R"({"alg":"none"})") + "." + b64("{}") + "."),
                     "signature is not base64url");
  ExpectTokenInvalid(ParseJws(b64(R"({"alg":"none"})") + "." + b64("{}") + "." + sig),
                     "unsupported alg");
  ExpectTokenInvalid(ParseJws(b64(R"({"alg":"HS256"})") + "." + b64("{}") + "." + sig),
                     "unsupported alg");
  ExpectTokenInvalid(ParseJws(b64(R"({"kid":"k"})") + "." + b64("{}") + "." + sig), "no alg");
  ExpectTokenInvalid(ParseJws(b64(R"({"alg":"ES384","crit":["x"]})") + "." + b64("{}") + "." + sig),
                     "crit");
  ExpectTokenInvalid(ParseJws(b64(R"({"alg":"ES384","kid":7})") + "." + b64("{}") + "." + sig),
                     "kid is not a string");
  ExpectTokenInvalid(ParseJws(h + "." + b64("[]") + "." + sig), "payload is not a JSON object");
  ExpectTokenInvalid(ParseJws(h + "." + b64("{\"a\":\"\xff\"}") + "." + sig),
                     "payload is not a JSON object");  // not UTF-8
  ExpectTokenInvalid(ParseJws(h + "." + b64("{}") + "." + sig.substr(0, 64)),
                     "signature length");
  // ES256 header with an ES384-sized signature.
  ExpectTokenInvalid(ParseJws(b64(R"({"alg":"ES256"})") + "." + b64("{}") + "." + sig),
                     "signature length");
}

TEST(Jwt, TimesAreCheckedWithLeeway) {
  const nlohmann::json c = {{"exp", 1000}, {"nbf", 500}, {"iat", 500}};
  EXPECT_TRUE(CheckJwtTimes(c, FromUnixSeconds(700), seconds(0)));
  EXPECT_TRUE(CheckJwtTimes(c, FromUnixSeconds(1000), seconds(0)));
  ExpectTokenInvalid(CheckJwtTimes(c, FromUnixSeconds(1001), seconds(0)), "expired (exp)");
  EXPECT_TRUE(CheckJwtTimes(c, FromUnixSeconds(1060), seconds(60)));
  ExpectTokenInvalid(CheckJwtTimes(c, FromUnixSeconds(1061), seconds(60)), "expired");
  ExpectTokenInvalid(CheckJwtTimes(c, FromUnixSeconds(499), seconds(0)), "not yet valid (nbf)");
  EXPECT_TRUE(CheckJwtTimes(c, FromUnixSeconds(440), seconds(60)));
  ExpectTokenInvalid(CheckJwtTimes({{"nbf", 1}}, FromUnixSeconds(2), seconds(0)), "exp missing");
  ExpectTokenInvalid(CheckJwtTimes({{"exp", "1000"}}, FromUnixSeconds(2), seconds(0)),
                     "exp is not a number");
  ExpectTokenInvalid(CheckJwtTimes({{"exp", 1000}, {"nbf", true}}, FromUnixSeconds(2), seconds(0)),
                     "nbf is not a number");
  ExpectTokenInvalid(CheckJwtTimes({{"exp", 1000}, {"iat", nullptr}}, FromUnixSeconds(2), seconds(0)),
                     "iat is not a number");
}

// ------------------------------------------------------------ JWK / JWKS

TEST(Jwk, JwksRoundTrip) {
  for (auto curve : {crypto::Curve::kP384, crypto::Curve::kP256}) {
    const auto pub = *Key(curve).PublicKey();
    auto jwk = PublicJwk(pub, "kid-a");
    ASSERT_TRUE(jwk);
    EXPECT_EQ((*jwk)["kty"], "EC");
    EXPECT_EQ((*jwk)["crv"], curve == crypto::Curve::kP384 ? "P-384" : "P-256");
    EXPECT_EQ((*jwk)["alg"], curve == crypto::Curve::kP384 ? "ES384" : "ES256");
    EXPECT_EQ((*jwk)["use"], "sig");
    EXPECT_EQ((*jwk)["kid"], "kid-a");
    EXPECT_EQ((*jwk)["x"].get<std::string>().size(), curve == crypto::Curve::kP384 ? 64u : 43u);
    auto set = Jwks::Parse(nlohmann::json{{"keys", {*jwk}}}.dump());
    ASSERT_TRUE(set) << set.error().ToString();
    ASSERT_EQ(set->keys().size(), 1u);
    EXPECT_EQ(*set->keys()[0].key.RawPoint(), *pub.RawPoint());
    EXPECT_EQ(set->keys()[0].kid, "kid-a");
    auto again = set->ToJson();
    ASSERT_TRUE(again);
    EXPECT_EQ((*again)["keys"][0], *jwk);
  }
}

TEST(Jwk, ThumbprintIsStableBase64UrlSha256) {
  const auto pub = *Key().PublicKey();
  auto a = JwkThumbprint(pub);
  auto b = JwkThumbprint(pub);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->size(), 43u);
  EXPECT_NE(*a, *JwkThumbprint(*Key().PublicKey()));
  // Recompute from the RFC 7638 canonical form.
  auto jwk = *PublicJwk(pub, "");
  const std::string canonical = R"({"crv":"P-384","kty":"EC","x":")" + jwk["x"].get<std::string>() +
                                R"(","y":")" + jwk["y"].get<std::string>() + R"("})";
  EXPECT_EQ(*a, Base64UrlEncode(*crypto::Hash(crypto::HashAlg::kSha256, AsBytes(canonical))));
}

TEST(Jwk, RejectsBadKeys) {
  const auto pub = *Key().PublicKey();
  const nlohmann::json good = *PublicJwk(pub, "k");
  auto with = [&](const char* field, nlohmann::json v) {
    nlohmann::json j = good;
    if (v.is_null()) {
      j.erase(field);
    } else {
      j[field] = v;
    }
    return ParseJwk(j);
  };
  EXPECT_TRUE(ParseJwk(good));
  EXPECT_EQ(with("kty", nullptr).error().code, Errc::kInvalidJson);
  EXPECT_EQ(with("kty", "RSA").error().code, Errc::kUnsupportedAlgorithm);
  EXPECT_EQ(with("crv", "P-521").error().code, Errc::kUnsupportedAlgorithm);
  EXPECT_EQ(with("crv", "P-256").error().code, Errc::kBadPublicPoint);  // 48-byte coordinates
  EXPECT_EQ(with("x", nullptr).error().code, Errc::kInvalidJson);
  EXPECT_EQ(with("x", good["x"].get<std::string>().substr(1)).error().code, Errc::kBadPublicPoint);
  EXPECT_EQ(with("y", good["x"]).error().code, Errc::kBadPublicPoint);  // not on the curve
  EXPECT_EQ(with("alg", "ES256").error().code, Errc::kBadKey);
  EXPECT_EQ(with("kid", 5).error().code, Errc::kInvalidJson);
  EXPECT_FALSE(ParseJwk(nlohmann::json::array()));

  EXPECT_EQ(Jwks::Parse("nope").error().code, Errc::kInvalidJson);
  EXPECT_EQ(Jwks::Parse("{}").error().code, Errc::kInvalidJson);
  EXPECT_EQ(Jwks::Parse(R"({"keys":[1]})").error().code, Errc::kInvalidJson);
  EXPECT_EQ(Jwks::Parse(nlohmann::json{{"keys", {good, good}}}.dump()).error().code,
            Errc::kInvalidJson);  // duplicate kid
  // Keys of other types are skipped.
  auto mixed = Jwks::Parse(nlohmann::json{{"keys", {{{"kty", "RSA"}, {"n", "x"}}, good}}}.dump());
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->keys().size(), 1u);
}

TEST(Jwk, FindByKidAndAlg) {
  const auto k1 = *Key().PublicKey();
  const auto k2 = *Key().PublicKey();
  auto set = Jwks::Parse(nlohmann::json{{"keys", {*PublicJwk(k1, "a"), *PublicJwk(k2, "b")}}}.dump());
  ASSERT_TRUE(set);
  auto b = set->Find(std::string("b"), JwsAlg::kEs384);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->kid, "b");
  ExpectTokenInvalid(set->Find(std::string("c"), JwsAlg::kEs384), "no key with the token's kid");
  ExpectTokenInvalid(set->Find(std::nullopt, JwsAlg::kEs384), "several keys");
  ExpectTokenInvalid(set->Find(std::string("a"), JwsAlg::kEs256), "not usable for this alg");
  auto single = Jwks::Parse(nlohmann::json{{"keys", {*PublicJwk(k1, "")}}}.dump());
  EXPECT_TRUE(single->Find(std::nullopt, JwsAlg::kEs384));
}

// ------------------------------------------------------------ detached EAT

TEST(Eat, IssueThenVerify) {
  const Issued t = Issue();
  auto eat = VerifyDetachedEat(t.eat, JwksFor(t.key, t.kid), At(kT0 + seconds(10)));
  ASSERT_TRUE(eat) << eat.error().ToString();
  EXPECT_TRUE(eat->overall_result);
  ASSERT_EQ(eat->devices.size(), 2u);
  const auto& oc = eat->overall.payload;
  EXPECT_EQ(oc["sub"], "NVIDIA-PLATFORM-ATTESTATION");
  EXPECT_EQ(oc["iss"], "ccgpu-local-verifier");
  EXPECT_EQ(oc["x-nvidia-ver"], "3.0");
  EXPECT_EQ(oc["iat"], ToUnixSeconds(kT0));
  EXPECT_EQ(oc["nbf"], ToUnixSeconds(kT0));
  EXPECT_EQ(oc["exp"], ToUnixSeconds(kT0) + 3600);
  EXPECT_EQ(oc["jti"].get<std::string>().size(), 36u);
  EXPECT_EQ(oc["eat_nonce"], "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
  const auto& gpu1 = eat->devices.at("GPU-1").payload;
  EXPECT_EQ(gpu1["ueid"], "478176380");
  EXPECT_EQ(gpu1["measres"], "success");
  EXPECT_EQ(gpu1["eat_nonce"], oc["eat_nonce"]);
  EXPECT_NE(gpu1["jti"], oc["jti"]);
  // The submod digest is the lowercase hex SHA-256 of the device JWT text.
  const std::string& jwt1 = eat->device_jwts.at("GPU-1");
  EXPECT_EQ(oc["submods"]["GPU-1"],
            nlohmann::json::parse(R"(["DIGEST",["SHA-256",")" +
                                  HexEncode(*crypto::Hash(crypto::HashAlg::kSha256, AsBytes(jwt1))) +
                                  R"("]])"));
  // With the expected nonce, and with a result of false.
  EatVerifyOptions o = At(kT0);
  o.nonce_hex = "931D8DD0ADD203AC3D8B4FBDE75E115278EEFCDCEAC5B87671A748F32364DFCB";
  EXPECT_TRUE(VerifyDetachedEat(t.eat, JwksFor(t.key, t.kid), o));
  const Issued f = Issue(1, crypto::Curve::kP256, /*result=*/false);
  auto ef = VerifyDetachedEat(f.eat, JwksFor(f.key, f.kid), At(kT0));
  ASSERT_TRUE(ef) << ef.error().ToString();
  EXPECT_FALSE(ef->overall_result);
  EXPECT_EQ(ef->overall.alg, JwsAlg::kEs256);
}

TEST(Eat, EnvelopeMatchesNvidiaSampleShape) {
  const Issued t = Issue(1);
  const auto ours = nlohmann::json::parse(t.eat);
  const auto theirs = nlohmann::json::parse(ReadText(std::string(kSampleDir) + "hopperClaimsv3_detached_eat.json"));
  ASSERT_TRUE(ours.is_array() && theirs.is_array());
  ASSERT_EQ(ours.size(), theirs.size());
  EXPECT_EQ(ours[0][0], theirs[0][0]);  // "JWT"
  EXPECT_EQ(ours[1].begin().key(), theirs[1].begin().key());  // "GPU-0"
  // Same overall claim names as NRAS issues (ours adds nothing else).
  auto names = [](const nlohmann::json& j) {
    std::set<std::string> s;
    for (const auto& [k, v] : j.items()) s.insert(k);
    return s;
  };
  auto our_overall = ParseJws(ours[0][1].get<std::string>());
  auto their_overall = ParseJws(theirs[0][1].get<std::string>());
  ASSERT_TRUE(our_overall && their_overall);
  EXPECT_EQ(names(our_overall->payload), names(their_overall->payload));
  EXPECT_EQ(names(our_overall->header), names(their_overall->header));
  EXPECT_EQ(our_overall->payload["submods"]["GPU-0"][1][0],
            their_overall->payload["submods"]["GPU-0"][1][0]);  // "SHA-256"
}

TEST(Eat, NvidiaSamplesParseAndTheirDigestsBind) {
  // NRAS-signed samples: we lack NVIDIA's public key, so we check envelope,
  // JWT structure and SHA-256 submod binding, not the ES384 signatures.
  for (const char* file : {"hopperClaimsv3_detached_eat.json", "switch_detached_eat.json"}) {
    const std::string text = ReadText(std::string(kSampleDir) + file);
    ASSERT_FALSE(text.empty()) << file;
    EatFailure where;
    auto eat = ParseDetachedEat(text, &where);
    ASSERT_TRUE(eat) << file << ": " << eat.error().ToString() << " at " << where.where;
    EXPECT_TRUE(eat->overall_result);
    EXPECT_EQ(eat->overall.alg, JwsAlg::kEs384);
    ASSERT_TRUE(eat->overall.kid);
    EXPECT_THAT(*eat->overall.kid, HasSubstr("nv-eat-kid-"));
    EXPECT_EQ(eat->overall.payload["eat_nonce"],
              "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
    ASSERT_EQ(eat->devices.size(), 1u);
    // The device claims are exactly NVIDIA's decoded sample.
    const std::string decoded_file =
        std::string(file) == "switch_detached_eat.json" ? "switch_decoded.json" : "hopperClaimsv3_decoded.json";
    const auto decoded = nlohmann::json::parse(ReadText(std::string(kSampleDir) + decoded_file));
    const std::string name = eat->devices.begin()->first;
    EXPECT_EQ(name, std::string(file) == "switch_detached_eat.json" ? "SWITCH-0" : "GPU-0");
    EXPECT_EQ(eat->devices.begin()->second.payload, decoded[name]);
    // Signature verification needs NVIDIA's key: with ours, the kid is unknown.
    const auto key = Key();
    EatFailure f;
    ExpectTokenInvalid(VerifyDetachedEat(text, JwksFor(key, "ours"), At(FromUnixSeconds(1749601900)), &f),
                       "no key with the token's kid");
    EXPECT_EQ(f.where, "overall");
    // With a key under NVIDIA's kid, the signature does not verify.
    ExpectTokenInvalid(VerifyDetachedEat(text, JwksFor(key, *eat->overall.kid),
                                         At(FromUnixSeconds(1749601900))),
                       "signature does not verify");
  }
}

TEST(Eat, TamperedSampleDeviceTokenBreaksTheDigest) {
  const std::string text = ReadText(std::string(kSampleDir) + "hopperClaimsv3_detached_eat.json");
  auto j = nlohmann::json::parse(text);
  std::string dev = j[1]["GPU-0"];
  // Change one payload character to another base64url character.
  const std::size_t pos = dev.find('.') + 10;
  dev[pos] = dev[pos] == 'A' ? 'B' : 'A';
  j[1]["GPU-0"] = dev;
  EatFailure f;
  ExpectTokenInvalid(ParseDetachedEat(j.dump(), &f), "does not match its submods digest");
  EXPECT_EQ(f.where, "GPU-0");
}

TEST(Eat, EveryTruncationOfTheSampleIsRejected) {
  const std::string text = ReadText(std::string(kSampleDir) + "switch_detached_eat.json");
  ASSERT_TRUE(ParseDetachedEat(text));
  const std::string trimmed(TrimAsciiWhitespace(text));
  for (std::size_t n = 0; n < trimmed.size(); ++n) {
    EXPECT_FALSE(ParseDetachedEat(std::string_view(trimmed).substr(0, n))) << n;
  }
}

TEST(Eat, WrongKidAndWrongKeyFail) {
  const Issued t = Issue();
  EatFailure f;
  ExpectTokenInvalid(VerifyDetachedEat(t.eat, JwksFor(t.key, "other-kid"), At(kT0), &f),
                     "no key with the token's kid");
  EXPECT_EQ(f.where, "overall");
  ExpectTokenInvalid(VerifyDetachedEat(t.eat, JwksFor(Key(), t.kid), At(kT0)),
                     "signature does not verify");
}

TEST(Eat, ExpiredAndNotYetValidFail) {
  const Issued t = Issue();
  const Jwks jwks = JwksFor(t.key, t.kid);
  EXPECT_TRUE(VerifyDetachedEat(t.eat, jwks, At(kT0 + seconds(3600 + 60))));
  ExpectTokenInvalid(VerifyDetachedEat(t.eat, jwks, At(kT0 + seconds(3600 + 61))), "expired (exp)");
  EXPECT_TRUE(VerifyDetachedEat(t.eat, jwks, At(kT0 - seconds(60))));
  ExpectTokenInvalid(VerifyDetachedEat(t.eat, jwks, At(kT0 - seconds(61))), "not yet valid (nbf)");
  EatVerifyOptions o = At(kT0);
  o.nonce_hex = "00";
  ExpectTokenInvalid(VerifyDetachedEat(t.eat, jwks, o), "not the expected nonce");
}

TEST(Eat, DeviceTokenSwappedForAnotherValidOneFails) {
  const Issued t = Issue();
  auto j = nlohmann::json::parse(t.eat);
  // A correctly signed device JWT that the overall token does not bind.
  nlohmann::json claims = GpuClaims(7);
  claims["exp"] = ToUnixSeconds(kT0) + 3600;
  auto other = SignJwt(claims, t.key, t.kid);
  ASSERT_TRUE(other);
  j[1]["GPU-1"] = *other;
  EatFailure f;
  ExpectTokenInvalid(VerifyDetachedEat(j.dump(), JwksFor(t.key, t.kid), At(kT0), &f),
                     "does not match its submods digest");
  EXPECT_EQ(f.where, "GPU-1");
  // Swapping the two devices' tokens also fails.
  auto k = nlohmann::json::parse(t.eat);
  std::swap(k[1]["GPU-0"], k[1]["GPU-1"]);
  ExpectTokenInvalid(ParseDetachedEat(k.dump()), "does not match its submods digest");
}

TEST(Eat, FlippingAnyBitOfAnyTokenFails) {
  // P-256 keeps this fast; Jws.FlippingAnyBit... covers ES384.
  const Issued t = Issue(1, crypto::Curve::kP256);
  const Jwks jwks = JwksFor(t.key, t.kid);
  const auto j = nlohmann::json::parse(t.eat);
  const std::string overall = j[0][1];
  const std::string device = j[1]["GPU-0"];
  ASSERT_TRUE(VerifyDetachedEat("[[\"JWT\",\"" + overall + "\"],{\"GPU-0\":\"" + device + "\"}]",
                                jwks, At(kT0)));
  std::size_t accepted = 0;
  for (int which = 0; which < 2; ++which) {
    const std::string& tok = which == 0 ? overall : device;
    for (std::size_t i = 0; i < tok.size() * 8; ++i) {
      std::string bad = tok;
      bad[i / 8] = static_cast<char>(bad[i / 8] ^ (1 << (i % 8)));
      std::string quoted;
      try {
        quoted = nlohmann::json(bad).dump();
      } catch (const nlohmann::json::exception&) {
        continue;  // not UTF-8: cannot even be written as JSON text
      }
      const std::string text =
          which == 0 ? "[[\"JWT\"," + quoted + "],{\"GPU-0\":\"" + device + "\"}]"
                     : "[[\"JWT\",\"" + overall + "\"],{\"GPU-0\":" + quoted + "}]";
      if (VerifyDetachedEat(text, jwks, At(kT0))) {
        ++accepted;
        ADD_FAILURE() << (which == 0 ? "overall" : "device") << " bit " << i << " still verifies";
      }
    }
  }
  EXPECT_EQ(accepted, 0u);
}

TEST(Eat, RejectsBrokenEnvelopes) {
  const Issued t = Issue(1);
  const auto j = nlohmann::json::parse(t.eat);
  const std::string overall = j[0][1];
  const std::string device = j[1]["GPU-0"];
  ExpectTokenInvalid(ParseDetachedEat("not json"), "not JSON");
  ExpectTokenInvalid(ParseDetachedEat("{}"), "two-element array");
  ExpectTokenInvalid(ParseDetachedEat(R"([1,2,3])"), "two-element array");
  ExpectTokenInvalid(ParseDetachedEat(nlohmann::json::array({{"JWS", overall}, j[1]}).dump()),
                     "first element");
  ExpectTokenInvalid(ParseDetachedEat(nlohmann::json::array({{"JWT", 5}, j[1]}).dump()),
                     "first element");
  ExpectTokenInvalid(ParseDetachedEat(nlohmann::json::array({j[0], nlohmann::json::object()}).dump()),
                     "non-empty object");
  ExpectTokenInvalid(ParseDetachedEat(nlohmann::json::array({j[0], {{"GPU-0", 1}}}).dump()),
                     "device token is not a string");
  // A device the overall token does not name, and a named device that is missing.
  EatFailure f;
  ExpectTokenInvalid(
      ParseDetachedEat(nlohmann::json::array({j[0], {{"GPU-0", device}, {"GPU-9", device}}}).dump(), &f),
      "not bound by a submods digest");
  EXPECT_EQ(f.where, "GPU-9");
  const Issued two = Issue(2);
  auto k = nlohmann::json::parse(two.eat);
  k[1].erase("GPU-1");
  ExpectTokenInvalid(ParseDetachedEat(k.dump(), &f), "names a device token that is missing");
  EXPECT_EQ(f.where, "GPU-1");
}

TEST(Eat, RejectsBadOverallClaimsAndSubmods) {
  const auto key = Key();
  const Issued t = Issue(1);
  const auto j = nlohmann::json::parse(t.eat);
  const std::string device = j[1]["GPU-0"];
  const std::string digest = HexEncode(*crypto::Hash(crypto::HashAlg::kSha256, AsBytes(device)));
  auto with_overall = [&](const nlohmann::json& claims) {
    auto jwt = SignJwt(claims, key, "k");
    CCGPU_CHECK(jwt.has_value());
    return ParseDetachedEat(nlohmann::json::array({{"JWT", *jwt}, {{"GPU-0", device}}}).dump());
  };
  const nlohmann::json base = {{"sub", "NVIDIA-PLATFORM-ATTESTATION"},
                               {"x-nvidia-overall-att-result", true},
                               {"submods", {{"GPU-0", {"DIGEST", {"SHA-256", digest}}}}}};
  EXPECT_TRUE(with_overall(base));
  nlohmann::json c = base;
  c["submods"]["GPU-0"][1][0] = "SHA256";  // NVAT spelling
  EXPECT_TRUE(with_overall(c));
  c = base;
  c["sub"] = "other";
  ExpectTokenInvalid(with_overall(c), "sub is not NVIDIA-PLATFORM-ATTESTATION");
  c = base;
  c["x-nvidia-overall-att-result"] = "true";
  ExpectTokenInvalid(with_overall(c), "x-nvidia-overall-att-result");
  c = base;
  c.erase("submods");
  ExpectTokenInvalid(with_overall(c), "submods missing");
  c = base;
  c["submods"]["GPU-0"] = {"DIGEST", {"SHA-384", digest}};
  ExpectTokenInvalid(with_overall(c), "not SHA-256");
  c = base;
  c["submods"]["GPU-0"] = {"DIGEST", {"SHA-256", digest.substr(2)}};
  ExpectTokenInvalid(with_overall(c), "not 32 bytes of hex");
  c = base;
  c["submods"]["GPU-0"] = {"HASH", {"SHA-256", digest}};
  ExpectTokenInvalid(with_overall(c), "[\"DIGEST\", [alg, digest]]");
  c = base;
  c["submods"]["GPU-0"] = {"DIGEST", {"SHA-256", std::string(64, '0')}};
  ExpectTokenInvalid(with_overall(c), "does not match its submods digest");
}

TEST(Eat, IssueRejectsBadInput) {
  const auto key = Key();
  FixedClock clock(kT0);
  EXPECT_EQ(IssueDetachedEat({}, true, key, {}, clock).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(IssueDetachedEat({{"", {{"a", 1}}}}, true, key, {}, clock).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(IssueDetachedEat({{"GPU-0", {{"a", 1}}}, {"GPU-0", {{"a", 1}}}}, true, key, {}, clock)
                .error()
                .code,
            Errc::kInvalidArgument);
  EXPECT_EQ(IssueDetachedEat({{"GPU-0", nlohmann::json::array()}}, true, key, {}, clock).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(IssueDetachedEat({{"GPU-0", {{"bad", "\xff"}}}}, true, key, {}, clock).error().code,
            Errc::kInvalidArgument);
  // Default kid: the key's RFC 7638 thumbprint.
  auto eat = IssueDetachedEat({{"GPU-0", {{"a", 1}}}}, true, key, {}, clock);
  ASSERT_TRUE(eat);
  auto parsed = ParseDetachedEat(*eat);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->overall.kid, *JwkThumbprint(*key.PublicKey()));
}

}  // namespace
}  // namespace ccgpu::attest
