// The responder's signing key (DSP0274 signatures: CHALLENGE_AUTH,
// MEASUREMENTS, KEY_EXCHANGE_RSP). An interface so that a device can keep its
// key elsewhere; EcSigner holds an EcPrivateKey in memory.
#ifndef CCGPU_SPDM_RESPONDER_SIGNER_H_
#define CCGPU_SPDM_RESPONDER_SIGNER_H_

#include <memory>

#include "base/result.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "spdm/session/transcript.h"

namespace ccgpu::spdm::responder {

class Signer {
 public:
  virtual ~Signer() = default;
  // The ECDSA curve of the key (selects BaseAsymAlgo).
  virtual crypto::Curve curve() const = 0;
  // Signs `input` (session::BuildSignatureInput) with `hash`; returns the
  // fixed-width big-endian r||s. Errors of the key's implementation.
  virtual Result<Bytes> Sign(crypto::HashAlg hash, const session::SignatureInput& input) const = 0;
  // The public key (checked against the leaf certificate at Create).
  virtual Result<crypto::EcPublicKey> PublicKey() const = 0;
};

// A Signer over an in-memory EC private key (shared, immutable).
class EcSigner final : public Signer {
 public:
  explicit EcSigner(crypto::EcPrivateKey key) : key_(std::move(key)) {}
  // kInvalidPem / kBadKey from crypto::EcPrivateKey::FromPem.
  static Result<std::shared_ptr<EcSigner>> FromPem(std::string_view pem);
  crypto::Curve curve() const override { return key_.curve(); }
  Result<Bytes> Sign(crypto::HashAlg hash, const session::SignatureInput& input) const override;
  Result<crypto::EcPublicKey> PublicKey() const override { return key_.PublicKey(); }

 private:
  crypto::EcPrivateKey key_;
};

}  // namespace ccgpu::spdm::responder

#endif  // CCGPU_SPDM_RESPONDER_SIGNER_H_
