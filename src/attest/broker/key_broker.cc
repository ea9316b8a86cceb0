#include "attest/broker/key_broker.h"

#include <utility>

#include "attest/token/eat.h"
#include "base/ct.h"
#include "base/encoding.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/rng.h"

namespace ccgpu::attest {
namespace {

constexpr std::string_view kWrapLabel = "ccgpu key release v1";
constexpr std::string_view kModelLabel = "ccgpu model v1";
constexpr std::string_view kModelMagic = "CCGPUMD1";
constexpr std::size_t kSaltSize = 32;

// key (32) || nonce mask (12) from HKDF-SHA-384(salt, ikm, label || name).
Result<crypto::SealingContext> DeriveContext(ByteSpan salt, ByteSpan ikm, std::string_view label,
                                             std::string_view name) {
  CCGPU_ASSIGN_OR_RETURN(SecretBytes prk, crypto::HkdfExtract(crypto::HashAlg::kSha384, salt, ikm));
  Bytes info(label.begin(), label.end());
  info.insert(info.end(), name.begin(), name.end());
  CCGPU_ASSIGN_OR_RETURN(SecretBytes okm, crypto::HkdfExpand(crypto::HashAlg::kSha384, prk.reveal(), info,
                                                             crypto::kAeadKeySize + crypto::kAeadNonceSize));
  SecretBytes key = SecretBytes::CopyOf(okm.reveal().first(crypto::kAeadKeySize));
  // One record per key: the limit makes a second seal impossible.
  return crypto::SealingContext::Create(crypto::AeadAlg::kAes256Gcm, std::move(key),
                                        okm.reveal().subspan(crypto::kAeadKeySize),
                                        crypto::CounterLayout::kBigEndianRight, /*limit=*/1);
}

}  // namespace

KeyBroker::KeyBroker(Jwks verifier_keys, BrokerPolicy policy, const Clock& clock)
    : jwks_(std::move(verifier_keys)), policy_(policy), clock_(&clock) {}

Status KeyBroker::AddKey(std::string name, SecretBytes key) {
  if (name.empty()) return Fail(Errc::kInvalidArgument, "broker: empty key name");
  if (key.size() != kModelKeySize) return Fail(Errc::kInvalidArgument, "broker: model key is not 32 bytes");
  std::lock_guard lock(mu_);
  if (keys_.contains(name)) return Fail(Errc::kInvalidArgument, "broker: key name already in use");
  keys_.emplace(std::move(name), std::move(key));
  return OkStatus();
}

Result<Bytes> KeyBroker::Challenge() {
  CCGPU_ASSIGN_OR_RETURN(Bytes nonce, crypto::RandomBytes(kBrokerNonceSize));
  std::lock_guard lock(mu_);
  const TimePoint now = clock_->Now();
  std::erase_if(challenges_, [&](const auto& c) { return c.second < now; });
  challenges_[HexEncode(nonce)] = now + policy_.challenge_lifetime;
  return nonce;
}

Result<WrappedKey> KeyBroker::Release(std::string_view name, ByteSpan nonce, std::string_view eat_json,
                                      const crypto::EcPublicKey& requester_key, ReleaseDenial* denial) {
  auto deny = [&](Errc code, const char* context, std::string reason) -> Result<WrappedKey> {
    if (denial != nullptr) denial->reason = std::move(reason);
    return Fail(code, context);
  };
  const std::string nonce_hex = HexEncode(nonce);
  {
    std::lock_guard lock(mu_);
    // One use per challenge, whatever the outcome: a refused token cannot be
    // retried against the same nonce.
    auto it = challenges_.find(nonce_hex);
    if (it == challenges_.end()) {
      return deny(Errc::kNonceMismatch, "broker: nonce is not an outstanding challenge",
                  "nonce was never issued or was already used");
    }
    const bool expired = it->second < clock_->Now();
    challenges_.erase(it);
    if (expired) return deny(Errc::kNonceMismatch, "broker: challenge expired", "challenge expired");
    if (!keys_.contains(name)) return deny(Errc::kNotFound, "broker: no key with that name", "unknown key name");
  }
  if (requester_key.curve() != crypto::Curve::kP384) {
    return deny(Errc::kBadKey, "broker: requester key is not P-384", "requester key is not P-384");
  }

  EatVerifyOptions options;
  options.at = clock_->Now();
  options.nonce_hex = nonce_hex;
  EatFailure failure;
  auto eat = VerifyDetachedEat(eat_json, jwks_, options, &failure);
  if (!eat) {
    return deny(Errc::kTokenInvalid, "broker: attestation token does not verify",
                (failure.where.empty() ? std::string("envelope") : failure.where) + ": " + eat.error().context);
  }
  if (!eat->overall_result) {
    return deny(Errc::kPolicyFailed, "broker: overall attestation result is false",
                "x-nvidia-overall-att-result is false");
  }
  if (eat->devices.size() < policy_.min_devices) {
    return deny(Errc::kPolicyFailed, "broker: too few attested devices",
                std::to_string(eat->devices.size()) + " device(s), policy needs " +
                    std::to_string(policy_.min_devices));
  }
  for (const auto& [device, jws] : eat->devices) {
    const auto m = jws.payload.find("measres");
    if (m == jws.payload.end() || !m->is_string() || m->get<std::string>() != "success") {
      return deny(Errc::kPolicyFailed, "broker: a device's measurements did not match",
                  device + ": measres is not \"success\"");
    }
  }

  // Wrap: ECDH with a fresh ephemeral key, HKDF salted with the challenge.
  CCGPU_ASSIGN_OR_RETURN(auto ephemeral, crypto::EcPrivateKey::Generate(crypto::Curve::kP384));
  CCGPU_ASSIGN_OR_RETURN(auto ephemeral_pub, ephemeral.PublicKey());
  CCGPU_ASSIGN_OR_RETURN(SecretBytes shared, ephemeral.Ecdh(requester_key));
  CCGPU_ASSIGN_OR_RETURN(auto ctx, DeriveContext(nonce, shared.reveal(), kWrapLabel, name));
  WrappedKey out;
  CCGPU_ASSIGN_OR_RETURN(out.ephemeral_point, ephemeral_pub.RawPoint());
  {
    std::lock_guard lock(mu_);
    const auto it = keys_.find(name);
    if (it == keys_.end()) return deny(Errc::kNotFound, "broker: no key with that name", "unknown key name");
    CCGPU_ASSIGN_OR_RETURN(out.ciphertext, ctx.Seal(AsBytes(name), it->second.reveal()));
    ++released_;
  }
  return out;
}

std::size_t KeyBroker::released_count() const {
  std::lock_guard lock(mu_);
  return released_;
}

Result<SecretBytes> UnwrapKey(const WrappedKey& wrapped, std::string_view name, ByteSpan nonce,
                              const crypto::EcPrivateKey& requester_key) {
  CCGPU_ASSIGN_OR_RETURN(auto ephemeral_pub,
                         crypto::EcPublicKey::FromRawPoint(crypto::Curve::kP384, wrapped.ephemeral_point));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes shared, requester_key.Ecdh(ephemeral_pub));
  CCGPU_ASSIGN_OR_RETURN(auto ctx, DeriveContext(nonce, shared.reveal(), kWrapLabel, name));
  return ctx.Open(0, AsBytes(name), wrapped.ciphertext);
}

Result<Bytes> SealModel(const SecretBytes& key, std::string_view name, ByteSpan plaintext) {
  if (key.size() != kModelKeySize) return Fail(Errc::kInvalidArgument, "model: key is not 32 bytes");
  CCGPU_ASSIGN_OR_RETURN(Bytes salt, crypto::RandomBytes(kSaltSize));
  ByteWriter w;
  w.Append(AsBytes(kModelMagic)).Prefixed16(AsBytes(name), "model: name").Append(salt).U64(plaintext.size());
  CCGPU_ASSIGN_OR_RETURN(Bytes out, std::move(w).Finish());
  CCGPU_ASSIGN_OR_RETURN(auto ctx, DeriveContext(salt, key.reveal(), kModelLabel, name));
  const std::size_t header = out.size();
  out.resize(header + plaintext.size() + crypto::kAeadTagSize);
  const Bytes aad(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(header));
  CCGPU_TRY(ctx.Seal(aad, plaintext, std::span<uint8_t>(out).subspan(header)));
  return out;
}

Result<SecretBytes> OpenModel(const SecretBytes& key, ByteSpan sealed, std::string* name) {
  if (key.size() != kModelKeySize) return Fail(Errc::kInvalidArgument, "model: key is not 32 bytes");
  ByteReader r(sealed);
  CCGPU_ASSIGN_OR_RETURN(ByteSpan magic, r.Take(kModelMagic.size(), "model: magic"));
  if (!CtEqual(magic, AsBytes(kModelMagic))) return Fail(Errc::kMalformed, "model: not a CCGPUMD1 file");
  CCGPU_ASSIGN_OR_RETURN(ByteSpan name_bytes, r.Prefixed16("model: name"));
  CCGPU_ASSIGN_OR_RETURN(ByteSpan salt, r.Take(kSaltSize, "model: salt"));
  CCGPU_ASSIGN_OR_RETURN(uint64_t length, r.U64("model: plaintext length"));
  const std::size_t header = r.offset();
  if (length > sealed.size() || sealed.size() - header < crypto::kAeadTagSize) {
    return Fail(Errc::kTruncated, "model: ciphertext shorter than the header says");
  }
  const std::size_t body = sealed.size() - header - crypto::kAeadTagSize;
  if (body < length) return Fail(Errc::kTruncated, "model: ciphertext shorter than the header says");
  if (body > length) return Fail(Errc::kTrailingData, "model: bytes after the tag");
  const std::string model_name(name_bytes.begin(), name_bytes.end());
  CCGPU_ASSIGN_OR_RETURN(auto ctx, DeriveContext(salt, key.reveal(), kModelLabel, model_name));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes plain, ctx.Open(0, sealed.first(header), sealed.subspan(header)));
  if (name != nullptr) *name = model_name;
  return plain;
}

}  // namespace ccgpu::attest
