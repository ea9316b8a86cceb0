// Google Benchmark for the crypto layer (docs/PERFORMANCE.md, "Crypto layer").
// Rates (bytes_per_second) are computed over CPU time, like `openssl speed`'s
// default; scripts/bench_crypto.sh compares the AES-256-GCM rows with
// `openssl speed -evp aes-256-gcm` in the same run.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/secret.h"
#include "crypto/aead.h"
#include "crypto/bench_support.h"
#include "crypto/ec.h"
#include "crypto/hash.h"

namespace ccgpu::crypto {
namespace {

constexpr int64_t kSizes[] = {1 << 10, 16 << 10, 64 << 10, 1 << 20, 4 << 20};

SecretBytes BenchKey() { return SecretBytes::CopyOf(Bytes(32, 0x42)); }
const Bytes kMask(12, 0x24);
const Bytes kAad(13, 0x17);  // a TLS-record-sized header, as `openssl speed -aead` uses

SealingContext MakeContext(AeadAlg alg) {
  auto ctx = SealingContext::Create(alg, BenchKey(), kMask, CounterLayout::kBigEndianRight);
  if (!ctx) std::abort();
  return std::move(*ctx);
}

// Seal through SealingContext (the only sealing path above crypto), in place:
// the record buffer holds the plaintext and receives ct||tag, as the channel
// does with its chunk buffers (and as `openssl speed` encrypts in place).
void BM_Seal(benchmark::State& state, AeadAlg alg) {
  const auto n = static_cast<std::size_t>(state.range(0));
  SealingContext ctx = MakeContext(alg);
  Bytes buf(n + kAeadTagSize, 0x5c);
  for (auto _ : state) {
    auto seq = ctx.Seal(kAad, ByteSpan(buf).first(n), buf);
    if (!seq) state.SkipWithError("seal failed");
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// Seal into a separate output buffer; with OutputSink::kShared, the data
// path's call for ring slots (on a VAES CPU crypto's single-fetch AES-GCM,
// otherwise OpenSSL on 16 KiB private pieces; crypto/README.md).
void BM_SealCopy(benchmark::State& state, AeadAlg alg, OutputSink sink) {
  const auto n = static_cast<std::size_t>(state.range(0));
  SealingContext ctx = MakeContext(alg);
  const Bytes pt(n, 0x5c);
  Bytes out(n + kAeadTagSize);
  for (auto _ : state) {
    auto seq = ctx.Seal(kAad, pt, out, sink);
    if (!seq) state.SkipWithError("seal failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// Open (decrypt + tag check) of one sealed record into a separate buffer.
// (In place would destroy the record after the first iteration.) With
// InputSource::kShared: the data path's call for ring slots.
void BM_Open(benchmark::State& state, AeadAlg alg, InputSource source) {
  const auto n = static_cast<std::size_t>(state.range(0));
  SealingContext ctx = MakeContext(alg);
  uint64_t seq = 0;
  auto record = ctx.Seal(kAad, Bytes(n, 0x5c), &seq);
  if (!record) std::abort();
  Bytes out(n);
  for (auto _ : state) {
    auto st = ctx.Open(seq, kAad, *record, out, source);
    if (!st) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// The loops `openssl speed -evp aes-256-gcm [-aead] [-decrypt]` time (see
// crypto/bench_support.h), in this process, so scripts/bench_crypto.sh can
// interleave them with BM_Seal/BM_Open under the same load.
void BM_OpensslSpeedLoop(benchmark::State& state, AeadAlg alg, bool decrypt,
                         bench::SpeedLoopMode mode) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto loop = bench::OpensslSpeedLoop::Create(alg, decrypt, mode);
  if (!loop) std::abort();
  Bytes buf(n, 0x5c);
  for (auto _ : state) {
    if (!loop->Run(buf)) state.SkipWithError("openssl loop failed");
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t s : kSizes) b->Arg(s);
}

BENCHMARK_CAPTURE(BM_Seal, AesGcm, AeadAlg::kAes256Gcm)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Open, AesGcm, AeadAlg::kAes256Gcm, InputSource::kPrivate)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_SealCopy, AesGcm, AeadAlg::kAes256Gcm, OutputSink::kPrivate)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_SealCopy, AesGcmShared, AeadAlg::kAes256Gcm, OutputSink::kShared)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Open, AesGcmShared, AeadAlg::kAes256Gcm, InputSource::kShared)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_OpensslSpeedLoop, AesGcmEnc, AeadAlg::kAes256Gcm, false,
                  bench::SpeedLoopMode::kStream)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_OpensslSpeedLoop, AesGcmAeadEnc, AeadAlg::kAes256Gcm, false,
                  bench::SpeedLoopMode::kAeadRecord)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_OpensslSpeedLoop, AesGcmAeadDec, AeadAlg::kAes256Gcm, true,
                  bench::SpeedLoopMode::kAeadRecord)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Seal, ChaCha20Poly1305, AeadAlg::kChaCha20Poly1305)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Open, ChaCha20Poly1305, AeadAlg::kChaCha20Poly1305, InputSource::kPrivate)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_SealCopy, ChaCha20Poly1305Shared, AeadAlg::kChaCha20Poly1305, OutputSink::kShared)
    ->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Open, ChaCha20Poly1305Shared, AeadAlg::kChaCha20Poly1305, InputSource::kShared)->Apply(Sizes);

void BM_Sha384(benchmark::State& state) {
  const Bytes data(static_cast<std::size_t>(state.range(0)), 0x61);
  for (auto _ : state) {
    auto d = Hash(HashAlg::kSha384, data);
    if (!d) state.SkipWithError("hash failed");
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha384)->Arg(64)->Arg(1 << 10)->Arg(16 << 10)->Arg(1 << 20);

void BM_EcdsaP384Sign(benchmark::State& state) {
  auto key = EcPrivateKey::Generate(Curve::kP384);
  if (!key) std::abort();
  const Bytes msg(4096, 0x33);  // about an SPDM measurement transcript
  for (auto _ : state) {
    auto sig = key->SignRaw(HashAlg::kSha384, msg);
    if (!sig) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_EcdsaP384Sign);

void BM_EcdsaP384Verify(benchmark::State& state) {
  auto key = EcPrivateKey::Generate(Curve::kP384);
  if (!key) std::abort();
  auto pub = key->PublicKey();
  const Bytes msg(4096, 0x33);
  auto sig = key->SignRaw(HashAlg::kSha384, msg);
  if (!pub || !sig) std::abort();
  for (auto _ : state) {
    auto st = pub->VerifyRaw(HashAlg::kSha384, msg, *sig);
    if (!st) state.SkipWithError("verify failed");
  }
}
BENCHMARK(BM_EcdsaP384Verify);

// ECDH as SPDM KEY_EXCHANGE does it: the peer's raw point is parsed and
// validated, then the shared secret is derived.
void BM_EcdhP384(benchmark::State& state) {
  auto mine = EcPrivateKey::Generate(Curve::kP384);
  auto peer = EcPrivateKey::Generate(Curve::kP384);
  if (!mine || !peer) std::abort();
  auto peer_point = peer->PublicKey()->RawPoint();
  if (!peer_point) std::abort();
  for (auto _ : state) {
    auto pub = EcPublicKey::FromRawPoint(Curve::kP384, *peer_point);
    if (!pub) state.SkipWithError("point rejected");
    auto secret = mine->Ecdh(*pub);
    if (!secret) state.SkipWithError("ecdh failed");
    benchmark::DoNotOptimize(secret);
  }
}
BENCHMARK(BM_EcdhP384);

void BM_EcdhP384Keygen(benchmark::State& state) {
  for (auto _ : state) {
    auto key = EcPrivateKey::Generate(Curve::kP384);
    if (!key) state.SkipWithError("keygen failed");
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(BM_EcdhP384Keygen);

}  // namespace
}  // namespace ccgpu::crypto

BENCHMARK_MAIN();
