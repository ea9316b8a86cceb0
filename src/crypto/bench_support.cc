#include "crypto/bench_support.h"

#include "crypto/ossl.h"

namespace ccgpu::crypto::bench {

struct SpeedLoopState {
  OsslPtr<EVP_CIPHER_CTX> ctx;
  bool decrypt = false;
};

OpensslSpeedLoop::OpensslSpeedLoop(std::unique_ptr<SpeedLoopState> state)
    : state_(std::move(state)) {}
OpensslSpeedLoop::OpensslSpeedLoop(OpensslSpeedLoop&&) noexcept = default;
OpensslSpeedLoop& OpensslSpeedLoop::operator=(OpensslSpeedLoop&&) noexcept = default;
OpensslSpeedLoop::~OpensslSpeedLoop() = default;

Result<OpensslSpeedLoop> OpensslSpeedLoop::Create(AeadAlg alg, bool decrypt) {
  const EVP_CIPHER* cipher = FetchedCipher(alg);
  if (cipher == nullptr) return OsslFail(Errc::kUnsupportedAlgorithm, "bench: cipher");
  // Fixed key and IV, as openssl speed uses.
  const uint8_t key[32] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
  const uint8_t iv[12] = {0};
  auto state = std::make_unique<SpeedLoopState>();
  state->ctx.reset(EVP_CIPHER_CTX_new());
  state->decrypt = decrypt;
  if (!state->ctx ||
      EVP_CipherInit_ex2(state->ctx.get(), cipher, key, iv, decrypt ? 0 : 1, nullptr) != 1) {
    return OsslFail(Errc::kCryptoFailure, "bench: EVP_CipherInit_ex2");
  }
  return OpensslSpeedLoop(std::move(state));
}

Status OpensslSpeedLoop::Update(std::span<uint8_t> buf) {
  if (buf.size() > kMaxOsslChunk) return Fail(Errc::kCryptoFailure, "bench: buffer too long");
  int outl = 0;
  const int len = static_cast<int>(buf.size());
  const int rc = state_->decrypt
                     ? EVP_DecryptUpdate(state_->ctx.get(), buf.data(), &outl, buf.data(), len)
                     : EVP_EncryptUpdate(state_->ctx.get(), buf.data(), &outl, buf.data(), len);
  if (rc != 1) return OsslFail(Errc::kCryptoFailure, "bench: EVP update");
  return OkStatus();
}

}  // namespace ccgpu::crypto::bench
