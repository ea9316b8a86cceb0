#include "crypto/hash.h"

#include "crypto/sha2_state.h"

namespace ccgpu::crypto {

struct HasherState {
  internal::Sha2State sha;
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

Result<Bytes> Hash(HashAlg alg, ByteSpan data) {
  internal::Sha2State sha(alg);
  sha.Update(data);
  return sha.Final();
}

Hasher::Hasher(HashAlg alg, std::unique_ptr<HasherState> state)
    : alg_(alg), state_(std::move(state)) {}

Result<Hasher> Hasher::Create(HashAlg alg) {
  return Hasher(alg, std::make_unique<HasherState>(HasherState{internal::Sha2State(alg)}));
}

Hasher::Hasher(const Hasher& other)
    : alg_(other.alg_), finished_(other.finished_) {
  if (other.state_) state_ = std::make_unique<HasherState>(*other.state_);
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
  state_->sha.Update(data);
  return OkStatus();
}

Result<Bytes> Hasher::Peek() const {
  if (finished_ || !state_) {
    return Fail(Errc::kStateError, "hash: Peek after Finish");
  }
  internal::Sha2State copy = state_->sha;
  return copy.Final();
}

Result<Bytes> Hasher::Finish() {
  if (finished_ || !state_) {
    return Fail(Errc::kStateError, "hash: Finish called twice");
  }
  finished_ = true;
  return state_->sha.Final();
}

}  // namespace ccgpu::crypto
