#include "channel/keys.h"

#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"

namespace ccgpu::channel {

using crypto::HashAlg;

Result<SecretBytes> DeriveStreamSecret(ByteSpan ems, std::string_view label,
                                       const StreamId& id) {
  if (ems.empty()) return Fail(Errc::kInvalidArgument, "keys: empty export master secret");
  ByteWriter info;
  info.Append(AsBytes(label))
      .U32(id.channel_id)
      .U8(static_cast<uint8_t>(id.direction))
      .U8(id.engine);
  CCGPU_ASSIGN_OR_RETURN(Bytes bytes, std::move(info).Finish());
  return crypto::HkdfExpand(HashAlg::kSha384, ems, bytes, kStreamSecretSize);
}

Result<SecretBytes> NextEpochSecret(const SecretBytes& secret) {
  return crypto::HkdfExpand(HashAlg::kSha384, secret.reveal(), AsBytes("traffic upd"),
                            kStreamSecretSize);
}

Result<std::shared_ptr<crypto::SealingContext>> SealingContextFor(
    const SecretBytes& secret, crypto::AeadAlg alg, uint64_t record_limit) {
  CCGPU_ASSIGN_OR_RETURN(SecretBytes key,
                         crypto::HkdfExpand(HashAlg::kSha384, secret.reveal(),
                                            AsBytes("key"), crypto::kAeadKeySize));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes iv,
                         crypto::HkdfExpand(HashAlg::kSha384, secret.reveal(),
                                            AsBytes("iv"), crypto::kAeadNonceSize));
  CCGPU_ASSIGN_OR_RETURN(crypto::SealingContext ctx,
                         crypto::SealingContext::Create(alg, std::move(key), iv.reveal(),
                                                        crypto::CounterLayout::kBigEndianRight,
                                                        record_limit));
  return std::make_shared<crypto::SealingContext>(std::move(ctx));
}

}  // namespace ccgpu::channel
