#include "spdm/responder/signer.h"

namespace ccgpu::spdm::responder {

Result<std::shared_ptr<EcSigner>> EcSigner::FromPem(std::string_view pem) {
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPrivateKey key, crypto::EcPrivateKey::FromPem(pem));
  return std::make_shared<EcSigner>(std::move(key));
}

Result<Bytes> EcSigner::Sign(crypto::HashAlg hash, const session::SignatureInput& input) const {
  return session::Sign(key_, hash, input);
}

}  // namespace ccgpu::spdm::responder
