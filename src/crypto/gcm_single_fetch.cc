#include "crypto/gcm_single_fetch.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "base/secret.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define CCGPU_GCM_X86 1
#endif

// How GHASH is computed here: GHASH over byte-reversed blocks equals POLYVAL
// (RFC 8452, appendix A), whose multiplication maps directly onto PCLMULQDQ
// on little-endian registers:
//   GHASH(H, X1..Xn) = rev(POLYVAL(mulX(rev(H)), rev(X1), ..., rev(Xn)))
// POLYVAL's product is dot(a, b) = a·b·x^-128 mod x^128+x^127+x^126+x^121+1,
// one 256-bit carry-less product and a two-step Montgomery reduction by the
// constant 0xc2000000_00000000. Sixteen blocks are folded per step with the
// key powers H^16..H^1 and one reduction (the products are summed unreduced).
//
// The bulk loop stitches GHASH into the AES rounds (Step): on the 2-core
// AMD EPYC (Zen 3) that took one core's 16 KiB–1 MiB rate from 7.0–7.3 to
// 7.7–8.0 GB/s sealing and from 7.0–7.5 to 7.6–8.1 GB/s opening
// (crypto_bench, three interleaved pairs; docs/PERFORMANCE.md, session 9).
// The AES unit is then the limit: Karatsuba (three multiplies per block
// instead of four) measured no faster.

namespace ccgpu::crypto::internal {

#if CCGPU_GCM_X86

namespace {

constexpr int kSteps = GcmSingleFetch::kStepBlocks;
constexpr int kLast = kSteps - 1;  // powers[kLast] = H^1

// Every function that uses the instructions carries the target attribute, so
// the rest of the build stays baseline x86-64; Supported() gates the calls.
#define CCGPU_VAES_FN __attribute__((target("avx2,aes,pclmul,vaes,vpclmulqdq,prfchw")))

// How far ahead Bulk asks for its input (read) and output (write, PREFETCHW)
// lines. A large transfer streams from and into DRAM, and the out-of-order
// window covers only a few 256-byte steps: on a 16-core Xeon (300 MiB L3)
// one thread sealing a 1 GiB buffer ran at ~4.1 GB/s against 5–6.8 GB/s
// on cached data, and 5.2–5.7 GB/s with these prefetches 4 KiB ahead
// (2 KiB: 5.1–5.3, 1 KiB: 4.3–5.0; docs/PERFORMANCE.md, session 8). On the
// 2-core EPYC it made no difference. Prefetches never fault, so running
// past the end of a buffer is harmless, and they fetch no value: the
// single-fetch rule (each shared byte loaded into a register once) holds.
// The macro is only for building the A/B variants.
#ifndef CCGPU_GCM_PREFETCH_AHEAD
#define CCGPU_GCM_PREFETCH_AHEAD 4096
#endif
constexpr std::size_t kPrefetchAhead = CCGPU_GCM_PREFETCH_AHEAD;


CCGPU_VAES_FN inline __m128i ReverseMask128() {
  return _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
CCGPU_VAES_FN inline __m256i ReverseMask256() {
  return _mm256_broadcastsi128_si256(ReverseMask128());
}

// The only way ciphertext is read: one load into a register, in inline asm so
// the compiler can neither repeat the load nor fold it into two instructions
// (a repeated load is exactly the double fetch this file exists to avoid).
CCGPU_VAES_FN inline __m256i FetchOnce256(const uint8_t* p) {
  __m256i v;
  asm volatile("vmovdqu %1, %0" : "=x"(v) : "m"(*reinterpret_cast<const uint8_t(*)[32]>(p)));
  return v;
}
CCGPU_VAES_FN inline __m128i FetchOnce128(const uint8_t* p) {
  __m128i v;
  asm volatile("vmovdqu %1, %0" : "=x"(v) : "m"(*reinterpret_cast<const uint8_t(*)[16]>(p)));
  return v;
}

// Montgomery reduction of the 256-bit product hi:lo (POLYVAL's dot).
CCGPU_VAES_FN inline __m128i Reduce(__m128i lo, __m128i hi) {
  const __m128i poly = _mm_set_epi64x(static_cast<long long>(0xc200000000000000ULL), 1);
  __m128i t = _mm_clmulepi64_si128(lo, poly, 0x10);
  lo = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4e), t);
  t = _mm_clmulepi64_si128(lo, poly, 0x10);
  lo = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4e), t);
  return _mm_xor_si128(hi, lo);
}

CCGPU_VAES_FN inline __m128i Dot(__m128i a, __m128i b) {
  __m128i lo = _mm_clmulepi64_si128(a, b, 0x00);
  __m128i hi = _mm_clmulepi64_si128(a, b, 0x11);
  const __m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x01), _mm_clmulepi64_si128(a, b, 0x10));
  lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
  hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
  return Reduce(lo, hi);
}

// v·x in POLYVAL's field (RFC 8452 mulX_POLYVAL).
CCGPU_VAES_FN inline __m128i MulX(__m128i v) {
  const uint64_t lo = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  const uint64_t hi = static_cast<uint64_t>(_mm_extract_epi64(v, 1));
  uint64_t new_lo = lo << 1;
  uint64_t new_hi = (hi << 1) | (lo >> 63);
  if (hi >> 63) {
    new_lo ^= 1;
    new_hi ^= 0xc200000000000000ULL;
  }
  return _mm_set_epi64x(static_cast<long long>(new_hi), static_cast<long long>(new_lo));
}

// AES-256 key expansion steps (FIPS 197 §5.2 with AESKEYGENASSIST).
CCGPU_VAES_FN inline __m128i SpreadXor(__m128i k) {
  k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
  k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
  return _mm_xor_si128(k, _mm_slli_si128(k, 4));
}
template <int kRcon>
CCGPU_VAES_FN inline __m128i EvenRoundKey(__m128i two_back, __m128i prev) {
  return _mm_xor_si128(SpreadXor(two_back), _mm_shuffle_epi32(_mm_aeskeygenassist_si128(prev, kRcon), 0xff));
}
CCGPU_VAES_FN inline __m128i OddRoundKey(__m128i two_back, __m128i prev) {
  return _mm_xor_si128(SpreadXor(two_back), _mm_shuffle_epi32(_mm_aeskeygenassist_si128(prev, 0), 0xaa));
}

CCGPU_VAES_FN inline __m128i RoundKey128(const uint8_t (*rk)[32], int r) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(rk[r]));
}
CCGPU_VAES_FN inline __m256i RoundKey256(const uint8_t (*rk)[32], int r) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(rk[r]));
}

CCGPU_VAES_FN inline __m128i EncryptBlock(const uint8_t (*rk)[32], __m128i b) {
  b = _mm_xor_si128(b, RoundKey128(rk, 0));
  for (int r = 1; r < 14; ++r) b = _mm_aesenc_si128(b, RoundKey128(rk, r));
  return _mm_aesenclast_si128(b, RoundKey128(rk, 14));
}

// GHASH of `data` (private memory), zero-padded to whole blocks.
CCGPU_VAES_FN __m128i GhashPrivate(__m128i s, __m128i h1, const uint8_t* data, std::size_t n) {
  const __m128i rev = ReverseMask128();
  for (; n >= 16; data += 16, n -= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data));
    s = Dot(_mm_xor_si128(s, _mm_shuffle_epi8(x, rev)), h1);
  }
  if (n > 0) {
    alignas(16) uint8_t last[16] = {};
    std::memcpy(last, data, n);
    s = Dot(_mm_xor_si128(s, _mm_shuffle_epi8(_mm_load_si128(reinterpret_cast<const __m128i*>(last)), rev)), h1);
  }
  return s;
}

CCGPU_VAES_FN void Expand(const uint8_t* key, uint8_t (*rk)[32], uint8_t (*powers)[16]) {
  __m128i k[15];
  k[0] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
  k[1] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key + 16));
  k[2] = EvenRoundKey<0x01>(k[0], k[1]);
  k[3] = OddRoundKey(k[1], k[2]);
  k[4] = EvenRoundKey<0x02>(k[2], k[3]);
  k[5] = OddRoundKey(k[3], k[4]);
  k[6] = EvenRoundKey<0x04>(k[4], k[5]);
  k[7] = OddRoundKey(k[5], k[6]);
  k[8] = EvenRoundKey<0x08>(k[6], k[7]);
  k[9] = OddRoundKey(k[7], k[8]);
  k[10] = EvenRoundKey<0x10>(k[8], k[9]);
  k[11] = OddRoundKey(k[9], k[10]);
  k[12] = EvenRoundKey<0x20>(k[10], k[11]);
  k[13] = OddRoundKey(k[11], k[12]);
  k[14] = EvenRoundKey<0x40>(k[12], k[13]);
  for (int r = 0; r < 15; ++r) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(rk[r]), _mm256_broadcastsi128_si256(k[r]));
  }
  // H = E(0^128) in POLYVAL form, then H^1..H^16; powers[j] = H^(16-j), so
  // the 32 bytes at powers[2i] pair block 2i and 2i+1 of a 16-block step
  // with the powers they are multiplied by.
  const __m128i h = MulX(_mm_shuffle_epi8(EncryptBlock(rk, _mm_setzero_si128()), ReverseMask128()));
  __m128i p = h;
  for (int e = 1; e <= kSteps; ++e) {
    _mm_store_si128(reinterpret_cast<__m128i*>(powers[kSteps - e]), p);
    p = Dot(p, h);
  }
  volatile __m128i* wipe = k;  // the expanded key on the stack
  for (int r = 0; r < 15; ++r) wipe[r] = _mm_setzero_si128();
}

// The per-record GCM state while a record is processed.
struct Record {
  __m128i s;    // GHASH accumulator (POLYVAL domain)
  __m256i ctr;  // next two counter blocks, byte-reversed (see Start)
  __m128i j0;   // the pre-counter block: E(J0) masks the tag
};

CCGPU_VAES_FN Record Start(const uint8_t (*powers)[16], const uint8_t* nonce, ByteSpan aad) {
  alignas(16) uint8_t j0_bytes[16];
  std::memcpy(j0_bytes, nonce, 12);
  j0_bytes[12] = 0;
  j0_bytes[13] = 0;
  j0_bytes[14] = 0;
  j0_bytes[15] = 1;
  Record r;
  r.j0 = _mm_load_si128(reinterpret_cast<const __m128i*>(j0_bytes));
  // Counter blocks are kept byte-reversed, so GCM's 32-bit big-endian block
  // counter is the lowest dword and VPADDD implements inc32 (mod 2^32).
  // Data starts at J0 + 1: lanes hold counters 2 and 3.
  const __m128i j0_rev = _mm_shuffle_epi8(r.j0, ReverseMask128());
  r.ctr = _mm256_add_epi32(_mm256_broadcastsi128_si256(j0_rev), _mm256_set_epi32(0, 0, 0, 2, 0, 0, 0, 1));
  const __m128i h1 = _mm_load_si128(reinterpret_cast<const __m128i*>(powers[kLast]));
  r.s = GhashPrivate(_mm_setzero_si128(), h1, aad.data(), aad.size());
  return r;
}

// Next single counter block (the low lane), advancing both lanes by one.
CCGPU_VAES_FN inline __m128i NextCounter(Record& r) {
  const __m128i c = _mm256_castsi256_si128(r.ctr);
  r.ctr = _mm256_add_epi32(r.ctr, _mm256_set_epi32(0, 0, 0, 1, 0, 0, 0, 1));
  return _mm_shuffle_epi8(c, ReverseMask128());
}

// Adds the products of one 32-byte register of byte-reversed blocks with
// their key powers, unreduced, to lo:mid:hi.
CCGPU_VAES_FN inline void MulAdd256(__m256i x, __m256i p, __m256i& lo, __m256i& mid, __m256i& hi) {
  lo = _mm256_xor_si256(lo, _mm256_clmulepi64_epi128(x, p, 0x00));
  hi = _mm256_xor_si256(hi, _mm256_clmulepi64_epi128(x, p, 0x11));
  mid = _mm256_xor_si256(mid, _mm256_xor_si256(_mm256_clmulepi64_epi128(x, p, 0x01),
                                               _mm256_clmulepi64_epi128(x, p, 0x10)));
}

// Folds the lane sums into one 256-bit product and reduces it.
CCGPU_VAES_FN inline __m128i ReduceLanes(__m256i lo, __m256i mid, __m256i hi) {
  __m128i lo128 = _mm_xor_si128(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
  __m128i hi128 = _mm_xor_si128(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
  const __m128i mid128 = _mm_xor_si128(_mm256_castsi256_si128(mid), _mm256_extracti128_si256(mid, 1));
  lo128 = _mm_xor_si128(lo128, _mm_slli_si128(mid128, 8));
  hi128 = _mm_xor_si128(hi128, _mm_srli_si128(mid128, 8));
  return Reduce(lo128, hi128);
}

// One 256-byte step of the bulk loop with GHASH stitched into the AES
// rounds: the multiplications of 16 blocks are spread over the rounds, so
// the AES and carry-less-multiply units work side by side instead of in
// turns. Opening hashes the step's own ciphertext (known up front); sealing
// hashes the previous step's, left in `hash_in` (its ciphertext exists only
// after the last round), and kHash is false for a record's first step.
// Ciphertext is loaded from `in` (open) or computed (seal) into a register
// once; what the step keeps for later goes to private stack arrays, never
// back to shared memory.
template <bool kSeal, bool kHash>
CCGPU_VAES_FN __attribute__((always_inline)) inline void Step(const uint8_t (*rk)[32], const uint8_t (*powers)[16],
                                                              Record& rec, const uint8_t* in, uint8_t* out,
                                                              __m256i (&hash_in)[kSteps / 2]) {
  constexpr int kRegs = kSteps / 2;
  const __m256i rev256 = ReverseMask256();
  const __m256i two = _mm256_set_epi32(0, 0, 0, 2, 0, 0, 0, 2);
  if constexpr (kPrefetchAhead > 0) {
#pragma GCC unroll 4
    for (std::size_t line = 0; line < 32 * kRegs; line += 64) {
      // Addresses as integers: they may lie past the buffers' ends.
      __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(in) + kPrefetchAhead + line), 0, 3);
      __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(out) + kPrefetchAhead + line), 1, 3);
    }
  }
  alignas(32) __m256i ct_kept[kRegs];  // open: this step's ciphertext (private copy)
  if constexpr (!kSeal) {
#pragma GCC unroll 8
    for (int i = 0; i < kRegs; ++i) {
      const __m256i ct = FetchOnce256(in + 32 * i);
      ct_kept[i] = ct;
      __m256i x = _mm256_shuffle_epi8(ct, rev256);
      if (i == 0) x = _mm256_xor_si256(x, _mm256_zextsi128_si256(rec.s));
      hash_in[i] = x;
    }
  }
  __m256i blocks[kRegs];
#pragma GCC unroll 8
  for (int i = 0; i < kRegs; ++i) {
    blocks[i] = _mm256_xor_si256(_mm256_shuffle_epi8(rec.ctr, rev256), RoundKey256(rk, 0));
    rec.ctr = _mm256_add_epi32(rec.ctr, two);
  }
  __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256(), mid = _mm256_setzero_si256();
#pragma GCC unroll 13
  for (int r = 1; r < 14; ++r) {
    const __m256i key = RoundKey256(rk, r);
#pragma GCC unroll 8
    for (int i = 0; i < kRegs; ++i) blocks[i] = _mm256_aesenc_epi128(blocks[i], key);
    if (kHash && r <= kRegs) {
      MulAdd256(hash_in[r - 1], _mm256_load_si256(reinterpret_cast<const __m256i*>(powers[2 * (r - 1)])), lo, mid, hi);
    }
  }
  if constexpr (kHash) rec.s = ReduceLanes(lo, mid, hi);
  const __m256i last_key = RoundKey256(rk, 14);
#pragma GCC unroll 8
  for (int i = 0; i < kRegs; ++i) {
    const __m256i ks = _mm256_aesenclast_epi128(blocks[i], last_key);
    if constexpr (kSeal) {
      const __m256i ct = _mm256_xor_si256(ks, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 32 * i)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * i), ct);
      __m256i x = _mm256_shuffle_epi8(ct, rev256);
      if (i == 0) x = _mm256_xor_si256(x, _mm256_zextsi128_si256(rec.s));
      hash_in[i] = x;
    } else {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * i), _mm256_xor_si256(ks, ct_kept[i]));
    }
  }
}

// Whole 256-byte steps of in -> out (16 blocks, 8 registers per step);
// returns the bytes done. kSeal: in is plaintext, the ciphertext goes to out
// and, from the register, into GHASH (out is never read back). Open: in is
// ciphertext, fetched once, and that register feeds both GHASH and the XOR.
template <bool kSeal>
CCGPU_VAES_FN std::size_t Bulk(const uint8_t (*rk)[32], const uint8_t (*powers)[16], Record& rec,
                               const uint8_t* in, uint8_t* out, std::size_t n) {
  constexpr std::size_t kStepBytes = 16 * kSteps;
  // Byte-reversed blocks for the next GHASH step, the GHASH state folded
  // into the first.
  alignas(32) __m256i hash_in[kSteps / 2];
  std::size_t done = 0;
  if constexpr (kSeal) {
    if (n < kStepBytes) return 0;
    Step<true, false>(rk, powers, rec, in, out, hash_in);
    for (done = kStepBytes; n - done >= kStepBytes; done += kStepBytes) {
      Step<true, true>(rk, powers, rec, in + done, out + done, hash_in);
    }
    // The last step's ciphertext.
    __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256(), mid = _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int j = 0; j < kSteps / 2; ++j) {
      MulAdd256(hash_in[j], _mm256_load_si256(reinterpret_cast<const __m256i*>(powers[2 * j])), lo, mid, hi);
    }
    rec.s = ReduceLanes(lo, mid, hi);
  } else {
    for (; n - done >= kStepBytes; done += kStepBytes) {
      Step<false, true>(rk, powers, rec, in + done, out + done, hash_in);
    }
  }
  if (done > 0) SecureWipe(hash_in, sizeof hash_in);  // hash_in[0] carries GHASH state, a function of H
  return done;
}

// Whole 16-byte blocks one at a time (the same rules as Bulk).
template <bool kSeal>
CCGPU_VAES_FN std::size_t Blocks(const uint8_t (*rk)[32], const uint8_t (*powers)[16], Record& rec,
                                 const uint8_t* in, uint8_t* out, std::size_t n) {
  const __m128i rev = ReverseMask128();
  const __m128i h1 = _mm_load_si128(reinterpret_cast<const __m128i*>(powers[kLast]));
  std::size_t done = 0;
  for (; n - done >= 16; done += 16) {
    const __m128i ks = EncryptBlock(rk, NextCounter(rec));
    __m128i ct;
    if constexpr (kSeal) {
      ct = _mm_xor_si128(ks, _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + done)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + done), ct);
    } else {
      ct = FetchOnce128(in + done);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + done), _mm_xor_si128(ks, ct));
    }
    rec.s = Dot(_mm_xor_si128(rec.s, _mm_shuffle_epi8(ct, rev)), h1);
  }
  return done;
}

// The last, partial block (0 < n < 16) through a private 16-byte copy; GHASH
// sees the zero-padded ciphertext.
template <bool kSeal>
CCGPU_VAES_FN void PartialBlock(const uint8_t (*rk)[32], const uint8_t (*powers)[16], Record& rec,
                                const uint8_t* in, uint8_t* out, std::size_t n) {
  alignas(16) uint8_t block[16] = {};
  std::memcpy(block, in, n);
  const __m128i ks = EncryptBlock(rk, NextCounter(rec));
  const __m128i x = _mm_load_si128(reinterpret_cast<const __m128i*>(block));
  _mm_store_si128(reinterpret_cast<__m128i*>(block), _mm_xor_si128(ks, x));
  std::memcpy(out, block, n);
  // Ciphertext for GHASH: the input (open) or the result (seal), zero-padded.
  if constexpr (kSeal) std::memset(block + n, 0, 16 - n);
  const __m128i ct = kSeal ? _mm_load_si128(reinterpret_cast<const __m128i*>(block)) : x;
  rec.s = Dot(_mm_xor_si128(rec.s, _mm_shuffle_epi8(ct, ReverseMask128())),
              _mm_load_si128(reinterpret_cast<const __m128i*>(powers[kLast])));
  SecureWipe(block, sizeof block);
}

// The tag: GHASH of the length block, byte-reversed, masked with E(J0).
CCGPU_VAES_FN __m128i Tag(const uint8_t (*rk)[32], const uint8_t (*powers)[16], const Record& rec,
                          std::size_t aad_len, std::size_t n) {
  const __m128i lengths = _mm_set_epi64x(static_cast<long long>(uint64_t{aad_len} * 8),
                                         static_cast<long long>(uint64_t{n} * 8));
  const __m128i s = Dot(_mm_xor_si128(rec.s, lengths), _mm_load_si128(reinterpret_cast<const __m128i*>(powers[kLast])));
  return _mm_xor_si128(_mm_shuffle_epi8(s, ReverseMask128()), EncryptBlock(rk, rec.j0));
}

CCGPU_VAES_FN bool OpenImpl(const uint8_t (*rk)[32], const uint8_t (*powers)[16], const uint8_t* nonce,
                            ByteSpan aad, const uint8_t* in, std::size_t n, const uint8_t* tag_in,
                            uint8_t* out) {
  Record rec = Start(powers, nonce, aad);
  std::size_t done = Bulk<false>(rk, powers, rec, in, out, n);
  done += Blocks<false>(rk, powers, rec, in + done, out + done, n - done);
  if (done < n) PartialBlock<false>(rk, powers, rec, in + done, out + done, n - done);
  const __m128i diff = _mm_xor_si128(Tag(rk, powers, rec, aad.size(), n), FetchOnce128(tag_in));
  return _mm_testz_si128(diff, diff) != 0;  // no early exit: constant time
}

CCGPU_VAES_FN void SealImpl(const uint8_t (*rk)[32], const uint8_t (*powers)[16], const uint8_t* nonce,
                            ByteSpan aad, std::span<const ByteSpan> pieces, uint8_t* out,
                            uint8_t* tag_out) {
  Record rec = Start(powers, nonce, aad);
  // Plaintext of a block split across pieces is gathered here (private).
  alignas(16) uint8_t carry[16];
  std::size_t carry_len = 0, total = 0;
  for (ByteSpan piece : pieces) {
    if (piece.empty()) continue;  // (its data() may be null: no memcpy from it)
    const uint8_t* p = piece.data();
    std::size_t m = piece.size();
    if (carry_len > 0) {
      const std::size_t take = std::min(16 - carry_len, m);
      std::memcpy(carry + carry_len, p, take);
      carry_len += take;
      p += take;
      m -= take;
      if (carry_len < 16) continue;
      total += Blocks<true>(rk, powers, rec, carry, out + total, 16);
      carry_len = 0;
    }
    std::size_t done = Bulk<true>(rk, powers, rec, p, out + total, m);
    done += Blocks<true>(rk, powers, rec, p + done, out + total + done, m - done);
    total += done;
    carry_len = m - done;
    std::memcpy(carry, p + done, carry_len);
  }
  if (carry_len > 0) {
    PartialBlock<true>(rk, powers, rec, carry, out + total, carry_len);
    total += carry_len;
  }
  SecureWipe(carry, sizeof carry);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(tag_out), Tag(rk, powers, rec, aad.size(), total));
}

bool DetectCpu() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const bool aes = (c >> 25) & 1, pclmul = (c >> 1) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  if (!aes || !pclmul || !osxsave || !avx) return false;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  asm volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 6) != 6) return false;  // the OS saves XMM and YMM state
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1, vaes = (c >> 9) & 1, vpclmul = (c >> 10) & 1;
  if (__get_cpuid(0x80000001, &a, &b, &c, &d) == 0) return false;
  const bool prefetchw = (c >> 8) & 1;
  return avx2 && vaes && vpclmul && prefetchw;
}

std::atomic<bool> g_enabled{true};  // SetEnabledForTesting

}  // namespace

bool GcmSingleFetch::Supported() {
  static const bool cpu = DetectCpu();
  return cpu && g_enabled.load(std::memory_order_relaxed);
}

GcmSingleFetch::GcmSingleFetch(ByteSpan key) { Expand(key.data(), round_keys_, h_powers_); }

bool GcmSingleFetch::Open(const uint8_t* nonce, ByteSpan aad, const uint8_t* ct, std::size_t n,
                          const uint8_t* tag, uint8_t* out) const {
  return OpenImpl(round_keys_, h_powers_, nonce, aad, ct, n, tag, out);
}

void GcmSingleFetch::Seal(const uint8_t* nonce, ByteSpan aad, std::span<const ByteSpan> pieces,
                          uint8_t* out, uint8_t* tag) const {
  SealImpl(round_keys_, h_powers_, nonce, aad, pieces, out, tag);
}

#else  // not x86-64: never Supported(), so never constructed

bool GcmSingleFetch::Supported() { return false; }
GcmSingleFetch::GcmSingleFetch(ByteSpan) : round_keys_{}, h_powers_{} {}
bool GcmSingleFetch::Open(const uint8_t*, ByteSpan, const uint8_t*, std::size_t, const uint8_t*,
                          uint8_t*) const {
  return false;
}
void GcmSingleFetch::Seal(const uint8_t*, ByteSpan, std::span<const ByteSpan>, uint8_t*, uint8_t*) const {}

#endif

void GcmSingleFetch::SetEnabledForTesting(bool enabled) {
#if CCGPU_GCM_X86
  g_enabled.store(enabled);
#else
  (void)enabled;
#endif
}

GcmSingleFetch::~GcmSingleFetch() {
  SecureWipe(round_keys_, sizeof round_keys_);
  SecureWipe(h_powers_, sizeof h_powers_);
}

}  // namespace ccgpu::crypto::internal
