#include "crypto/selftest.h"

#include <string_view>

#include "base/ct.h"
#include "base/encoding.h"
#include "crypto/aead.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/mac.h"
#include "crypto/rng.h"

namespace ccgpu::crypto {
namespace {

Bytes H(std::string_view hex) {
  auto b = HexDecode(hex);
  CCGPU_CHECK(b.has_value());  // the constants below are well-formed
  return *b;
}

Status Expect(bool ok, const char* what) {
  if (!ok) return Fail(Errc::kMalformed, what);
  return OkStatus();
}

// Seals and opens one known-answer vector, then checks a tampered tag fails.
Status AeadKat(AeadAlg alg, std::string_view key, std::string_view nonce,
               std::string_view aad, std::string_view pt, std::string_view ct_tag) {
  CCGPU_ASSIGN_OR_RETURN(AeadPrimitive aead, AeadPrimitive::Create(alg, H(key)));
  const Bytes p = H(pt), expected = H(ct_tag);
  Bytes sealed(p.size() + kAeadTagSize);
  CCGPU_TRY(aead.Seal(H(nonce), H(aad), p, sealed));
  CCGPU_TRY(Expect(sealed == expected, "crypto selftest: AEAD seal known answer"));
  Bytes opened(p.size());
  CCGPU_TRY(aead.Open(H(nonce), H(aad), sealed, opened));
  CCGPU_TRY(Expect(opened == p, "crypto selftest: AEAD open known answer"));
  sealed.back() ^= 1;
  auto bad = aead.Open(H(nonce), H(aad), sealed, opened);
  return Expect(!bad && bad.error().code == Errc::kAuthFailed,
                "crypto selftest: AEAD accepted a tampered tag");
}

}  // namespace

Status CryptoSelfTest(std::vector<std::string>* done) {
  // Wycheproof aes_gcm_test.json tcId 100 (AES-256, 96-bit IV).
  CCGPU_TRY(AeadKat(AeadAlg::kAes256Gcm,
                    "b279f57e19c8f53f2f963f5f2519fdb7c1779be2ca2b3ae8e1128b7d6c627fc4",
                    "98bc2c7438d5cd7665d76f6e", "c0",
                    "fcc515b294408c8645c9183e3f4ecee5127846d1",
                    "eb5500e3825952866d911253f8de860c00831c81"
                    "ecb660e1fb0541ec41e8d68a64141b3a"));
  done->push_back("crypto: AES-256-GCM seal/open known answer (Wycheproof tcId 100), bad tag refused");
  // RFC 8439 §2.8.2.
  CCGPU_TRY(AeadKat(
      AeadAlg::kChaCha20Poly1305,
      "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
      "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
      "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66"
      "202739393a204966204920636f756c64206f6666657220796f75206f6e6c79206f6e6520"
      "74697020666f7220746865206675747572652c2073756e73637265656e20776f756c6420"
      "62652069742e",
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e"
      "8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c"
      "9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d265"
      "86cec64b6116"
      "1ae10b594f09e26a7e902ecbd0600691"));
  done->push_back("crypto: ChaCha20-Poly1305 seal/open known answer (RFC 8439 2.8.2), bad tag refused");

  // FIPS 180-2 appendix D.1.
  CCGPU_ASSIGN_OR_RETURN(Bytes sha, Hash(HashAlg::kSha384, AsBytes("abc")));
  CCGPU_TRY(Expect(sha == H("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
                            "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
                   "crypto selftest: SHA-384(\"abc\")"));
  CCGPU_ASSIGN_OR_RETURN(Hasher hasher, Hasher::Create(HashAlg::kSha384));
  CCGPU_TRY(hasher.Update(AsBytes("a")));
  CCGPU_TRY(hasher.Update(AsBytes("bc")));
  CCGPU_ASSIGN_OR_RETURN(Bytes incremental, hasher.Finish());
  CCGPU_TRY(Expect(incremental == sha, "crypto selftest: incremental SHA-384"));
  done->push_back("crypto: SHA-384(\"abc\") one-shot and incremental (FIPS 180-2 D.1)");

  // RFC 4231 test case 2.
  CCGPU_ASSIGN_OR_RETURN(Bytes mac, Hmac(HashAlg::kSha256, AsBytes("Jefe"),
                                         AsBytes("what do ya want for nothing?")));
  CCGPU_TRY(Expect(mac == H("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
                   "crypto selftest: HMAC-SHA-256 (RFC 4231 case 2)"));
  done->push_back("crypto: HMAC-SHA-256 known answer (RFC 4231 case 2)");

  // RFC 5869 A.1.
  CCGPU_ASSIGN_OR_RETURN(
      SecretBytes prk, HkdfExtract(HashAlg::kSha256, H("000102030405060708090a0b0c"),
                                   H("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b")));
  CCGPU_TRY(Expect(CtEqual(prk.reveal(), H("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c31"
                                           "22ec844ad7c2b3e5")),
                   "crypto selftest: HKDF-Extract (RFC 5869 A.1)"));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes okm, HkdfExpand(HashAlg::kSha256, prk.reveal(),
                                                     H("f0f1f2f3f4f5f6f7f8f9"), 42));
  CCGPU_TRY(Expect(CtEqual(okm.reveal(), H("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c"
                                           "5db02d56ecc4c5bf34007208d5b887185865")),
                   "crypto selftest: HKDF-Expand (RFC 5869 A.1)"));
  done->push_back("crypto: HKDF-SHA-256 extract+expand known answer (RFC 5869 A.1)");

  // ECDSA P-384 with SHA-384, both signature forms; a flipped bit fails.
  CCGPU_ASSIGN_OR_RETURN(EcPrivateKey signer, EcPrivateKey::Generate(Curve::kP384));
  CCGPU_ASSIGN_OR_RETURN(EcPublicKey verifier, signer.PublicKey());
  const Bytes message = {'c', 'c', 'g', 'p', 'u'};
  CCGPU_ASSIGN_OR_RETURN(Bytes raw_sig, signer.SignRaw(HashAlg::kSha384, message));
  CCGPU_TRY(verifier.VerifyRaw(HashAlg::kSha384, message, raw_sig));
  CCGPU_ASSIGN_OR_RETURN(Bytes der_sig, signer.SignDer(HashAlg::kSha384, message));
  CCGPU_TRY(verifier.VerifyDer(HashAlg::kSha384, message, der_sig));
  raw_sig[5] ^= 0x10;
  CCGPU_TRY(Expect(!verifier.VerifyRaw(HashAlg::kSha384, message, raw_sig),
                   "crypto selftest: ECDSA accepted a damaged signature"));
  done->push_back("crypto: ECDSA P-384/SHA-384 sign+verify (raw and DER), damaged signature refused");

  // ECDH P-384: Wycheproof ecdh_secp384r1_test.json tcId 1, then both ways.
  CCGPU_ASSIGN_OR_RETURN(
      EcPrivateKey kat_priv,
      EcPrivateKey::FromScalar(Curve::kP384, H("766e61425b2da9f846c09fc3564b93a6f8603b7392c78516"
                                               "5bf20da948c49fd1fb1dee4edd64356b9f21c588b75dfd81")));
  CCGPU_ASSIGN_OR_RETURN(
      EcPublicKey kat_pub,
      EcPublicKey::FromDer(H("3076301006072a8648ce3d020106052b8104002203620004790a6e059ef9a594"
                             "0163183d4a7809135d29791643fc43a2f17ee8bf677ab84f791b64a6be15969f"
                             "fa012dd9185d8796d9b954baa8a75e82df711b3b56eadff6b0f668c3b26b4b1a"
                             "eb308a1fcc1c680d329a6705025f1c98a0b5e5bfcb163caa")));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes kat_shared, kat_priv.Ecdh(kat_pub));
  CCGPU_TRY(Expect(CtEqual(kat_shared.reveal(),
                           H("6461defb95d996b24296f5a1832b34db05ed031114fbe7d98d098f93859866e4"
                             "de1e229da71fef0c77fe49b249190135")),
                   "crypto selftest: ECDH P-384 known answer"));
  CCGPU_ASSIGN_OR_RETURN(EcPrivateKey a, EcPrivateKey::Generate(Curve::kP384));
  CCGPU_ASSIGN_OR_RETURN(EcPrivateKey b, EcPrivateKey::Generate(Curve::kP384));
  CCGPU_ASSIGN_OR_RETURN(EcPublicKey a_pub, a.PublicKey());
  CCGPU_ASSIGN_OR_RETURN(EcPublicKey b_pub, b.PublicKey());
  CCGPU_ASSIGN_OR_RETURN(SecretBytes ab, a.Ecdh(b_pub));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes ba, b.Ecdh(a_pub));
  CCGPU_TRY(Expect(ab.size() == 48 && CtEqual(ab.reveal(), ba.reveal()),
                   "crypto selftest: ECDH P-384 secrets differ"));
  done->push_back("crypto: ECDH P-384 known answer (Wycheproof tcId 1) and agreement both ways");

  Bytes r1(32), r2(32);
  CCGPU_TRY(RandomBytes(std::span<uint8_t>(r1)));
  CCGPU_TRY(RandomBytes(std::span<uint8_t>(r2)));
  CCGPU_TRY(Expect(r1 != r2, "crypto selftest: CSPRNG repeated itself"));
  done->push_back("crypto: CSPRNG produces distinct outputs");
  return OkStatus();
}

}  // namespace ccgpu::crypto
