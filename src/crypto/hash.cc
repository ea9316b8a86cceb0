#include "crypto/hash.h"

#include "crypto/ossl.h"

namespace ccgpu::crypto {

struct HasherState {
  OsslPtr<EVP_MD_CTX> ctx;
};

std::size_t DigestSize(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256: return 32;
    case HashAlg::kSha384: return 48;
    case HashAlg::kSha512: return 64;
  }
  return 0;
}

const char* HashName(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256: return "SHA-256";
    case HashAlg::kSha384: return "SHA-384";
    case HashAlg::kSha512: return "SHA-512";
  }
  return "unknown hash";
}

namespace {

Result<Bytes> Final(EVP_MD_CTX* ctx, HashAlg alg) {
  Bytes out(DigestSize(alg));
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) {
    return OsslFail(Errc::kCryptoFailure, "hash: EVP_DigestFinal_ex");
  }
  return out;
}

}  // namespace

Result<Bytes> Hash(HashAlg alg, ByteSpan data) {
  CCGPU_ASSIGN_OR_RETURN(Hasher h, Hasher::Create(alg));
  CCGPU_TRY(h.Update(data));
  return h.Finish();
}

Hasher::Hasher(HashAlg alg, std::unique_ptr<HasherState> state)
    : alg_(alg), state_(std::move(state)) {}

Result<Hasher> Hasher::Create(HashAlg alg) {
  const EVP_MD* md = FetchedMd(alg);
  if (md == nullptr) {
    return OsslFail(Errc::kUnsupportedAlgorithm, "hash: digest not available");
  }
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) {
    return OsslFail(Errc::kCryptoFailure, "hash: EVP_DigestInit_ex2");
  }
  auto state = std::make_unique<HasherState>();
  state->ctx = std::move(ctx);
  return Hasher(alg, std::move(state));
}

Hasher::Hasher(const Hasher& other)
    : alg_(other.alg_), finished_(other.finished_) {
  state_ = std::make_unique<HasherState>();
  state_->ctx.reset(EVP_MD_CTX_new());
  CCGPU_CHECK(state_->ctx != nullptr);
  if (other.state_ && other.state_->ctx) {
    // Copying a digest context only fails if memory is exhausted.
    CCGPU_CHECK(EVP_MD_CTX_copy_ex(state_->ctx.get(), other.state_->ctx.get()) == 1);
  }
}

Hasher& Hasher::operator=(const Hasher& other) {
  if (this != &other) {
    Hasher copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

Status Hasher::Update(ByteSpan data) {
  if (finished_ || !state_) {
    return Fail(Errc::kStateError, "hash: Update after Finish");
  }
  return DigestUpdateAll(state_->ctx.get(), data, "hash: EVP_DigestUpdate");
}

Result<Bytes> Hasher::Peek() const {
  if (finished_ || !state_) {
    return Fail(Errc::kStateError, "hash: Peek after Finish");
  }
  OsslPtr<EVP_MD_CTX> copy(EVP_MD_CTX_new());
  if (!copy || EVP_MD_CTX_copy_ex(copy.get(), state_->ctx.get()) != 1) {
    return OsslFail(Errc::kCryptoFailure, "hash: EVP_MD_CTX_copy_ex");
  }
  return Final(copy.get(), alg_);
}

Result<Bytes> Hasher::Finish() {
  if (finished_ || !state_) {
    return Fail(Errc::kStateError, "hash: Finish called twice");
  }
  finished_ = true;
  return Final(state_->ctx.get(), alg_);
}

}  // namespace ccgpu::crypto
