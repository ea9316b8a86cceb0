#include "spdm/session/algorithms.h"

namespace ccgpu::spdm::session {

Result<SpdmVersion> SpdmVersionFromByte(uint8_t version) {
  switch (version) {
    case 0x11:
      return SpdmVersion::k11;
    case 0x12:
      return SpdmVersion::k12;
    case 0x13:
      return SpdmVersion::k13;
    default:
      return Fail(Errc::kUnsupported,
                  "spdm.session: SPDM version has no session support here");
  }
}

std::string_view BinStrVersionLabel(SpdmVersion version) {
  switch (version) {
    case SpdmVersion::k11:
      return "spdm1.1 ";
    case SpdmVersion::k12:
      return "spdm1.2 ";
    case SpdmVersion::k13:
      return "spdm1.3 ";
  }
  CCGPU_CHECK(false);
  return {};
}

Status CheckSessionAlgorithms(const SessionAlgorithms& algs) {
  if (algs.hash != crypto::HashAlg::kSha256 &&
      algs.hash != crypto::HashAlg::kSha384) {
    return Fail(Errc::kUnsupportedAlgorithm,
                "spdm.session: session hash must be SHA-256 or SHA-384");
  }
  if (algs.aead != crypto::AeadAlg::kAes256Gcm &&
      algs.aead != crypto::AeadAlg::kChaCha20Poly1305) {
    return Fail(Errc::kUnsupportedAlgorithm,
                "spdm.session: AEAD must be AES-256-GCM or ChaCha20-Poly1305");
  }
  switch (algs.version) {
    case SpdmVersion::k11:
    case SpdmVersion::k12:
    case SpdmVersion::k13:
      return OkStatus();
  }
  return Fail(Errc::kUnsupported, "spdm.session: SPDM version");
}

}  // namespace ccgpu::spdm::session
