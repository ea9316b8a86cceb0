#include "spdm/wire/common.h"

#include <algorithm>

namespace ccgpu::spdm::wire {

std::size_t HashSize(uint32_t a) {
  switch (a) {
    case alg::kSha256:
    case alg::kSha3_256:
    case alg::kSm3_256:
      return 32;
    case alg::kSha384:
    case alg::kSha3_384:
      return 48;
    case alg::kSha512:
    case alg::kSha3_512:
      return 64;
    default:
      return 0;
  }
}

std::size_t SignatureSize(uint32_t a) {
  switch (a) {
    case alg::kRsassa2048:
    case alg::kRsapss2048:
      return 256;
    case alg::kRsassa3072:
    case alg::kRsapss3072:
      return 384;
    case alg::kRsassa4096:
    case alg::kRsapss4096:
      return 512;
    case alg::kEcdsaP256:
    case alg::kSm2P256:
      return 64;
    case alg::kEcdsaP384:
      return 96;
    case alg::kEcdsaP521:
      return 132;
    case alg::kEddsaEd25519:
      return 64;
    case alg::kEddsaEd448:
      return 114;
    default:
      return 0;
  }
}

std::size_t DheExchangeSize(uint16_t g) {
  switch (g) {
    case alg::kFfdhe2048:
      return 256;
    case alg::kFfdhe3072:
      return 384;
    case alg::kFfdhe4096:
      return 512;
    case alg::kSecp256r1:
    case alg::kSm2P256Dhe:
      return 64;
    case alg::kSecp384r1:
      return 96;
    case alg::kSecp521r1:
      return 132;
    default:
      return 0;
  }
}

std::size_t MeasurementHashSize(uint32_t a) {
  switch (a) {
    case alg::kMeasSha256:
    case alg::kMeasSha3_256:
    case alg::kMeasSm3_256:
      return 32;
    case alg::kMeasSha384:
    case alg::kMeasSha3_384:
      return 48;
    case alg::kMeasSha512:
    case alg::kMeasSha3_512:
      return 64;
    default:
      return 0;
  }
}

Result<Header> PeekHeader(ByteSpan msg) {
  ByteReader r(msg);
  Header h;
  CCGPU_ASSIGN_OR_RETURN(h.version, r.U8("spdm.header: SPDMVersion"));
  CCGPU_ASSIGN_OR_RETURN(h.code, r.U8("spdm.header: RequestResponseCode"));
  CCGPU_ASSIGN_OR_RETURN(h.param1, r.U8("spdm.header: Param1"));
  CCGPU_ASSIGN_OR_RETURN(h.param2, r.U8("spdm.header: Param2"));
  return h;
}

Status CheckVersion(uint8_t version, uint8_t min_version) {
  if (version < min_version || version > kVersion13) {
    return Fail(Errc::kUnsupported,
                "spdm.header: SPDMVersion not supported for this message");
  }
  return OkStatus();
}

static Result<Header> ReadRaw(ByteReader& r) {
  CCGPU_ASSIGN_OR_RETURN(
      ByteSpan b,
      r.Take(kHeaderSize,
             "spdm.header: message shorter than the 4-byte header"));
  return Header{b[0], b[1], b[2], b[3]};
}

Result<Header> ReadHeader(ByteReader& r, Code code, uint8_t min_version,
                          const NegotiatedParams& np) {
  ByteReader probe = r;
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadRaw(probe));
  if (h.code != static_cast<uint8_t>(code)) {
    return Fail(Errc::kMalformed,
                "spdm.header: unexpected RequestResponseCode");
  }
  CCGPU_TRY(CheckVersion(h.version, min_version));
  if (np.version != 0 && h.version != np.version) {
    return Fail(Errc::kVersionMismatch,
                "spdm.header: SPDMVersion differs from the negotiated version");
  }
  r = probe;
  return h;
}

Result<Header> ReadHeaderExact(ByteReader& r, Code code, uint8_t version) {
  ByteReader probe = r;
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadRaw(probe));
  if (h.code != static_cast<uint8_t>(code)) {
    return Fail(Errc::kMalformed,
                "spdm.header: unexpected RequestResponseCode");
  }
  if (h.version != version) {
    return Fail(Errc::kVersionMismatch,
                "spdm.header: GET_VERSION/VERSION must use SPDMVersion 1.0");
  }
  r = probe;
  return h;
}

void WriteHeader(ByteWriter& w, uint8_t version, Code code, uint8_t param1,
                 uint8_t param2) {
  w.U8(version).U8(static_cast<uint8_t>(code)).U8(param1).U8(param2);
}

Status ExpectEnd(const ByteReader& r, const ParseParams& p, const char* what) {
  if (r.empty()) return OkStatus();
  if (p.allow_dword_padding && r.remaining() <= 3) {
    const std::size_t total = r.offset() + r.remaining();
    ByteSpan rest = r.rest();
    const bool zeros =
        std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0; });
    if (zeros && (p.padding_origin + total) % 4 == 0) return OkStatus();
  }
  return Fail(Errc::kTrailingData, what);
}

Status RequireSize(std::size_t size, const char* what) {
  if (size == 0) return Fail(Errc::kInvalidArgument, what);
  return OkStatus();
}

}  // namespace ccgpu::spdm::wire
