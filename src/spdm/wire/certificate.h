// GET_CERTIFICATE / CERTIFICATE codecs and the SPDM certificate-chain format
// (DSP0274 1.2 §10.8 and §10.6.1). Borrowed: spans point into the input.
#ifndef CCGPU_SPDM_WIRE_CERTIFICATE_H_
#define CCGPU_SPDM_WIRE_CERTIFICATE_H_

#include <vector>

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// GET_CERTIFICATE: header(Param1 bits 3:0 SlotID, Param2 = 1.3 attributes,
// bit 0 SlotSizeRequested) | Offset u16 | Length u16.
struct GetCertificate {
  uint8_t version = kVersion12;
  uint8_t slot_id = 0;               // 0..15 (bits 3:0 of Param1)
  bool slot_size_requested = false;  // 1.3
  uint16_t offset = 0;
  uint16_t length = 0;
};

// CERTIFICATE: header(Param1 bits 3:0 SlotID, Param2 = 1.3 CertificateInfo
// bits 2:0) | PortionLength u16 | RemainderLength u16 | CertChain[Portion].
struct Certificate {
  uint8_t version = kVersion12;
  uint8_t slot_id = 0;
  uint8_t certificate_info = 0;  // 1.3 (certificate model), else 0
  uint16_t remainder_length = 0;
  ByteSpan portion;  // PortionLength bytes of the slot's chain
};

// kTrailingData after the 8 bytes.
Result<GetCertificate> ParseGetCertificate(ByteSpan msg, const ParseParams& p);
// kInvalidArgument if slot_id > 15.
Result<Bytes> SerializeGetCertificate(const GetCertificate& m);

// PortionLength past the end: kTruncated; short of the end: kTrailingData.
Result<Certificate> ParseCertificate(ByteSpan msg, const ParseParams& p);
// kInvalidArgument if slot_id > 15 or the portion exceeds 65535 bytes.
Result<Bytes> SerializeCertificate(const Certificate& m);

// The SPDM certificate chain (DSP0274 1.2 §10.6.1 Table "Certificate chain
// format"): Length u16 (whole chain incl. this header) | Reserved u16 |
// RootHash(H) | Certificates (DER, root first).
struct CertChain {
  ByteSpan root_hash;
  ByteSpan certificates;
};
// Length past the end: kTruncated; short of it: kTrailingData; Length below 4
// + H or no certificates: kMalformed. Needs `hash_size` > 0.
Result<CertChain> ParseCertChain(ByteSpan chain, std::size_t hash_size);
// kOutOfRange if the whole chain exceeds 65535 bytes.
Result<Bytes> SerializeCertChain(const CertChain& c);
// Splits concatenated DER certificates (each a definite-length SEQUENCE) into
// one span per certificate. kMalformed for anything not a SEQUENCE or an
// indefinite/oversized length; kTruncated if a certificate runs past the end.
Result<std::vector<ByteSpan>> SplitDerCertificates(ByteSpan der);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_CERTIFICATE_H_
