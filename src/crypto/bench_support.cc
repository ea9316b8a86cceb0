#include "crypto/bench_support.h"

#include "crypto/ossl.h"

namespace ccgpu::crypto::bench {

struct SpeedLoopState {
  OsslPtr<EVP_CIPHER_CTX> ctx;
  bool decrypt = false;
  SpeedLoopMode mode = SpeedLoopMode::kStream;
  uint8_t iv[12] = {0};
  uint8_t aad[13] = {0xcc};
  uint8_t fake_tag[16] = {0};
};

OpensslSpeedLoop::OpensslSpeedLoop(std::unique_ptr<SpeedLoopState> state)
    : state_(std::move(state)) {}
OpensslSpeedLoop::OpensslSpeedLoop(OpensslSpeedLoop&&) noexcept = default;
OpensslSpeedLoop& OpensslSpeedLoop::operator=(OpensslSpeedLoop&&) noexcept = default;
OpensslSpeedLoop::~OpensslSpeedLoop() = default;

Result<OpensslSpeedLoop> OpensslSpeedLoop::Create(AeadAlg alg, bool decrypt,
                                                  SpeedLoopMode mode) {
  const EVP_CIPHER* cipher = FetchedCipher(alg);
  if (cipher == nullptr) return OsslFail(Errc::kUnsupportedAlgorithm, "bench: cipher");
  // Fixed key and IV, as openssl speed uses.
  const uint8_t key[32] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
  const uint8_t iv[12] = {0};
  auto state = std::make_unique<SpeedLoopState>();
  state->ctx.reset(EVP_CIPHER_CTX_new());
  state->decrypt = decrypt;
  state->mode = mode;
  if (!state->ctx ||
      EVP_CipherInit_ex2(state->ctx.get(), cipher, key, iv, decrypt ? 0 : 1, nullptr) != 1) {
    return OsslFail(Errc::kCryptoFailure, "bench: EVP_CipherInit_ex2");
  }
  return OpensslSpeedLoop(std::move(state));
}

Status OpensslSpeedLoop::Run(std::span<uint8_t> buf) {
  if (buf.size() > kMaxOsslChunk) return Fail(Errc::kCryptoFailure, "bench: buffer too long");
  SpeedLoopState& s = *state_;
  EVP_CIPHER_CTX* ctx = s.ctx.get();
  int outl = 0;
  const int len = static_cast<int>(buf.size());
  if (s.mode == SpeedLoopMode::kStream) {
    const int rc = s.decrypt ? EVP_DecryptUpdate(ctx, buf.data(), &outl, buf.data(), len)
                             : EVP_EncryptUpdate(ctx, buf.data(), &outl, buf.data(), len);
    if (rc != 1) return OsslFail(Errc::kCryptoFailure, "bench: EVP update");
    return OkStatus();
  }
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, s.iv, -1) != 1) {
    return OsslFail(Errc::kCryptoFailure, "bench: set IV");
  }
  if (s.decrypt) {
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, s.fake_tag) != 1 ||
        EVP_DecryptUpdate(ctx, nullptr, &outl, s.aad, sizeof(s.aad)) != 1 ||
        EVP_DecryptUpdate(ctx, buf.data(), &outl, buf.data(), len) != 1) {
      return OsslFail(Errc::kCryptoFailure, "bench: decrypt record");
    }
    (void)EVP_DecryptFinal_ex(ctx, buf.data() + outl, &outl);  // fake tag: fails by design
    ERR_clear_error();
    return OkStatus();
  }
  if (EVP_EncryptUpdate(ctx, nullptr, &outl, s.aad, sizeof(s.aad)) != 1 ||
      EVP_EncryptUpdate(ctx, buf.data(), &outl, buf.data(), len) != 1 ||
      EVP_EncryptFinal_ex(ctx, buf.data() + outl, &outl) != 1) {
    return OsslFail(Errc::kCryptoFailure, "bench: encrypt record");
  }
  return OkStatus();
}

}  // namespace ccgpu::crypto::bench
