// Runs every vector of the Wycheproof files the crypto layer covers
// (tests/data/third_party/wycheproof, from C2SP/wycheproof, Apache-2.0).
//
// Each file's test prints how many vectors it ran, how many it checked as
// refused by design (parameters the API does not offer, e.g. AES-128 keys or
// 8-byte nonces: the API must return kInvalidArgument for them), and fails
// if the file yields no vector at all.
//
// Treatment of "acceptable" (documented policy, asserted per flag):
// - ECDH CompressedPublic: accepted; the shared secret must match.
// - ECDH UnnamedCurve (explicit curve parameters): refused (named curves only).
// - ECDH InvalidAsn (BER variants of the SPKI): either outcome allowed, as
//   OpenSSL's DER decoder decides; if accepted, the secret must match.
// - Any other acceptable vector: either outcome; if accepted, must match.
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "crypto/aead.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/mac.h"

namespace ccgpu::crypto {
namespace {

using nlohmann::json;

json LoadVectors(const std::string& name) {
  const std::string path =
      std::string(CCGPU_TESTDATA_DIR) + "/third_party/wycheproof/" + name;
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(doc.is_discarded()) << path << " is missing or not JSON";
  EXPECT_TRUE(doc.contains("testGroups")) << path;
  return doc;
}

Bytes Hex(const json& value) {
  auto bytes = HexDecode(value.get<std::string>());
  EXPECT_TRUE(bytes.has_value()) << value;
  return bytes.value_or(Bytes{});
}

bool HasFlag(const json& test, const char* flag) {
  if (!test.contains("flags")) return false;
  for (const auto& f : test["flags"]) {
    if (f.get<std::string>() == flag) return true;
  }
  return false;
}

std::string Id(const std::string& file, const json& test) {
  return file + " tcId " + std::to_string(test["tcId"].get<int>()) + " (" +
         test["comment"].get<std::string>() + ")";
}

struct Tally {
  explicit Tally(std::string f) : file(std::move(f)) {}
  std::string file;
  int ran = 0;
  int refused_by_design = 0;
  std::map<std::string, int> notes;
  ~Tally() {
    std::printf("[wycheproof] %s: ran %d vectors, checked %d as refused by design", file.c_str(),
                ran, refused_by_design);
    for (const auto& [k, v] : notes) std::printf(", %s %d", k.c_str(), v);
    std::printf("\n");
  }
};

// ---------------------------------------------------------------- AEAD

void RunAeadFile(const std::string& file, AeadAlg alg) {
  const json doc = LoadVectors(file);
  Tally tally(file);
  for (const auto& group : doc["testGroups"]) {
    const int key_bits = group["keySize"].get<int>();
    const int iv_bits = group["ivSize"].get<int>();
    const int tag_bits = group["tagSize"].get<int>();
    for (const auto& t : group["tests"]) {
      const std::string id = Id(file, t);
      const Bytes key = Hex(t["key"]), iv = Hex(t["iv"]), aad = Hex(t["aad"]),
                  msg = Hex(t["msg"]), ct = Hex(t["ct"]), tag = Hex(t["tag"]);
      const std::string result = t["result"].get<std::string>();
      auto aead = AeadPrimitive::Create(alg, key);
      if (key_bits != 256) {
        // Only 256-bit keys exist in this API.
        ASSERT_FALSE(aead) << id;
        EXPECT_EQ(aead.error().code, Errc::kInvalidArgument) << id;
        ++tally.refused_by_design;
        tally.notes["refused (key size)"]++;
        continue;
      }
      ASSERT_TRUE(aead) << id;
      ASSERT_EQ(tag_bits, 128) << id;
      Bytes sealed_in = ct;
      sealed_in.insert(sealed_in.end(), tag.begin(), tag.end());
      if (iv_bits != 96) {
        // Only 96-bit nonces exist in this API: both directions refuse others.
        Bytes out(msg.size() + kAeadTagSize);
        auto s = aead->Seal(iv, aad, msg, out);
        ASSERT_FALSE(s) << id;
        EXPECT_EQ(s.error().code, Errc::kInvalidArgument) << id;
        Bytes opened(ct.size());
        auto o = aead->Open(iv, aad, sealed_in, opened);
        ASSERT_FALSE(o) << id;
        EXPECT_EQ(o.error().code, Errc::kInvalidArgument) << id;
        ++tally.refused_by_design;
        tally.notes["refused (nonce size)"]++;
        continue;
      }
      ++tally.ran;
      // Both open paths: private input (OpenSSL) and shared input (for
      // AES-GCM on a VAES CPU, the single-fetch implementation).
      for (InputSource source : {InputSource::kPrivate, InputSource::kShared}) {
        const std::string where = id + (source == InputSource::kShared ? " (shared input)" : "");
        Bytes opened(ct.size(), 0xAA);
        auto o = aead->Open(iv, aad, sealed_in, opened, source);
        if (result == "valid") {
          ASSERT_TRUE(o) << where;
          EXPECT_EQ(opened, msg) << where;
        } else {
          ASSERT_EQ(result, "invalid") << where;  // no acceptable AEAD vectors
          ASSERT_FALSE(o) << where;
          EXPECT_EQ(o.error().code, Errc::kAuthFailed) << where;
          EXPECT_EQ(opened, Bytes(ct.size(), 0)) << where << ": plaintext released";
        }
      }
      if (result == "valid") {
        Bytes sealed(msg.size() + kAeadTagSize);
        ASSERT_TRUE(aead->Seal(iv, aad, msg, sealed)) << id;
        EXPECT_EQ(sealed, sealed_in) << id;
      }
    }
  }
  EXPECT_GT(tally.ran, 0) << file << " yielded no vectors";
}

TEST(Wycheproof, AesGcm) { RunAeadFile("aes_gcm_test.json", AeadAlg::kAes256Gcm); }
TEST(Wycheproof, ChaCha20Poly1305) {
  RunAeadFile("chacha20_poly1305_test.json", AeadAlg::kChaCha20Poly1305);
}

// ---------------------------------------------------------------- ECDSA

void RunEcdsaFile(const std::string& file, Curve curve, HashAlg hash, bool p1363) {
  const json doc = LoadVectors(file);
  Tally tally(file);
  for (const auto& group : doc["testGroups"]) {
    auto key = EcPublicKey::FromDer(Hex(group["publicKeyDer"]));
    ASSERT_TRUE(key) << file << ": group key does not load";
    ASSERT_EQ(key->curve(), curve);
    // The same key from its raw uncompressed point and from PEM.
    auto raw = EcPublicKey::FromRawPoint(curve, Hex(group["publicKey"]["uncompressed"]));
    ASSERT_TRUE(raw) << file;
    EXPECT_EQ(raw->RawPoint().value(), key->RawPoint().value());
    auto pem = EcPublicKey::FromPem(group["publicKeyPem"].get<std::string>());
    ASSERT_TRUE(pem) << file;
    EXPECT_EQ(pem->RawPoint().value(), key->RawPoint().value());
    for (const auto& t : group["tests"]) {
      const std::string id = Id(file, t);
      const Bytes msg = Hex(t["msg"]), sig = Hex(t["sig"]);
      const std::string result = t["result"].get<std::string>();
      const Status st = p1363 ? key->VerifyRaw(hash, msg, sig) : key->VerifyDer(hash, msg, sig);
      ++tally.ran;
      if (result == "valid") {
        EXPECT_TRUE(st) << id;
        if (p1363) {  // the digest form agrees
          EXPECT_TRUE(key->VerifyDigestRaw(Hash(hash, msg).value(), sig)) << id;
        }
      } else if (result == "invalid") {
        ASSERT_FALSE(st) << id;
        EXPECT_EQ(st.error().code, Errc::kBadSignature) << id;
      } else {
        tally.notes[st ? "acceptable accepted" : "acceptable refused"]++;
      }
    }
  }
  EXPECT_GT(tally.ran, 0) << file << " yielded no vectors";
}

TEST(Wycheproof, EcdsaP256Sha256Der) {
  RunEcdsaFile("ecdsa_secp256r1_sha256_test.json", Curve::kP256, HashAlg::kSha256, false);
}
TEST(Wycheproof, EcdsaP256Sha256P1363) {
  RunEcdsaFile("ecdsa_secp256r1_sha256_p1363_test.json", Curve::kP256, HashAlg::kSha256, true);
}
TEST(Wycheproof, EcdsaP384Sha384Der) {
  RunEcdsaFile("ecdsa_secp384r1_sha384_test.json", Curve::kP384, HashAlg::kSha384, false);
}
TEST(Wycheproof, EcdsaP384Sha384P1363) {
  RunEcdsaFile("ecdsa_secp384r1_sha384_p1363_test.json", Curve::kP384, HashAlg::kSha384, true);
}

// ---------------------------------------------------------------- ECDH

void RunEcdhFile(const std::string& file, Curve curve) {
  const json doc = LoadVectors(file);
  Tally tally(file);
  for (const auto& group : doc["testGroups"]) {
    ASSERT_EQ(group["encoding"].get<std::string>(), "asn") << file;
    for (const auto& t : group["tests"]) {
      const std::string id = Id(file, t);
      const std::string result = t["result"].get<std::string>();
      auto priv = EcPrivateKey::FromScalar(curve, Hex(t["private"]));
      ASSERT_TRUE(priv) << id << ": private scalar refused";
      auto pub = EcPublicKey::FromDer(Hex(t["public"]));
      Result<SecretBytes> shared =
          pub ? priv->Ecdh(*pub) : Result<SecretBytes>(tl::unexpected(pub.error()));
      const Bytes expected = Hex(t["shared"]);
      auto matches = [&] {
        return shared && Bytes(shared->reveal().begin(), shared->reveal().end()) == expected;
      };
      ++tally.ran;
      if (result == "valid") {
        EXPECT_TRUE(matches()) << id;
      } else if (result == "invalid") {
        EXPECT_FALSE(shared) << id;
        if (!shared) tally.notes["invalid refused as " + std::string(ErrcName(shared.error().code))]++;
      } else if (HasFlag(t, "CompressedPublic")) {
        EXPECT_TRUE(matches()) << id << ": compressed points are accepted";
        tally.notes["acceptable CompressedPublic accepted"]++;
      } else if (HasFlag(t, "UnnamedCurve")) {
        EXPECT_FALSE(shared) << id << ": explicit curve parameters are refused";
        tally.notes["acceptable UnnamedCurve refused"]++;
      } else {
        if (shared) {
          EXPECT_TRUE(matches()) << id;
        }
        const std::string flag = HasFlag(t, "InvalidAsn") ? "InvalidAsn" : "other";
        tally.notes["acceptable " + flag + (shared ? " accepted" : " refused")]++;
      }
    }
  }
  EXPECT_GT(tally.ran, 0) << file << " yielded no vectors";
}

TEST(Wycheproof, EcdhP256) { RunEcdhFile("ecdh_secp256r1_test.json", Curve::kP256); }
TEST(Wycheproof, EcdhP384) { RunEcdhFile("ecdh_secp384r1_test.json", Curve::kP384); }

// ---------------------------------------------------------------- HKDF

void RunHkdfFile(const std::string& file, HashAlg hash) {
  const json doc = LoadVectors(file);
  Tally tally(file);
  for (const auto& group : doc["testGroups"]) {
    for (const auto& t : group["tests"]) {
      const std::string id = Id(file, t);
      const std::string result = t["result"].get<std::string>();
      const std::size_t size = t["size"].get<std::size_t>();
      auto prk = HkdfExtract(hash, Hex(t["salt"]), Hex(t["ikm"]));
      ASSERT_TRUE(prk) << id;
      ASSERT_EQ(prk->size(), DigestSize(hash));
      auto okm = HkdfExpand(hash, prk->reveal(), Hex(t["info"]), size);
      ++tally.ran;
      if (result == "valid") {
        ASSERT_TRUE(okm) << id;
        EXPECT_EQ(Bytes(okm->reveal().begin(), okm->reveal().end()), Hex(t["okm"])) << id;
      } else {
        ASSERT_EQ(result, "invalid") << id;
        ASSERT_FALSE(okm) << id;
        EXPECT_EQ(okm.error().code, Errc::kInvalidArgument) << id;
      }
    }
  }
  EXPECT_GT(tally.ran, 0) << file << " yielded no vectors";
}

TEST(Wycheproof, HkdfSha256) { RunHkdfFile("hkdf_sha256_test.json", HashAlg::kSha256); }
TEST(Wycheproof, HkdfSha384) { RunHkdfFile("hkdf_sha384_test.json", HashAlg::kSha384); }

// ---------------------------------------------------------------- HMAC

void RunHmacFile(const std::string& file, HashAlg hash) {
  const json doc = LoadVectors(file);
  Tally tally(file);
  for (const auto& group : doc["testGroups"]) {
    const std::size_t tag_bytes = group["tagSize"].get<std::size_t>() / 8;
    for (const auto& t : group["tests"]) {
      const std::string id = Id(file, t);
      const std::string result = t["result"].get<std::string>();
      const Bytes key = Hex(t["key"]), msg = Hex(t["msg"]), tag = Hex(t["tag"]);
      auto mac = Hmac(hash, key, msg);
      ASSERT_TRUE(mac) << id;
      ASSERT_LE(tag_bytes, mac->size());
      const bool prefix_equal =
          tag.size() == tag_bytes && Bytes(mac->begin(), mac->begin() + static_cast<long>(tag_bytes)) == tag;
      ++tally.ran;
      if (tag_bytes == DigestSize(hash)) {
        // Full-length tags go through the constant-time verifier.
        const Status st = HmacVerify(hash, key, msg, tag);
        EXPECT_EQ(static_cast<bool>(st), result == "valid") << id;
        if (!st) {
          EXPECT_EQ(st.error().code, Errc::kAuthFailed) << id;
        }
      } else {
        tally.notes["truncated-tag vectors (prefix compared)"]++;
      }
      EXPECT_EQ(prefix_equal, result == "valid") << id;
    }
  }
  EXPECT_GT(tally.ran, 0) << file << " yielded no vectors";
}

TEST(Wycheproof, HmacSha256) { RunHmacFile("hmac_sha256_test.json", HashAlg::kSha256); }
TEST(Wycheproof, HmacSha384) { RunHmacFile("hmac_sha384_test.json", HashAlg::kSha384); }

}  // namespace
}  // namespace ccgpu::crypto
