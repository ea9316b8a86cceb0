#include "spdm/wire/certificate.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.8 GET_CERTIFICATE request. Trailing rule: exactly 8 bytes.
Result<GetCertificate> ParseGetCertificate(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kGetCertificate, kVersion11, p.negotiated));
  GetCertificate m;
  m.version = h.version;
  m.slot_id = h.param1 & 0x0F;
  m.slot_size_requested = h.version >= kVersion13 && (h.param2 & 0x01) != 0;
  CCGPU_ASSIGN_OR_RETURN(m.offset, r.U16("spdm.get_certificate: Offset"));
  CCGPU_ASSIGN_OR_RETURN(m.length, r.U16("spdm.get_certificate: Length"));
  CCGPU_TRY(
      ExpectEnd(r, p, "spdm.get_certificate: bytes after the 8-byte request"));
  return m;
}

Result<Bytes> SerializeGetCertificate(const GetCertificate& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  if (m.slot_id > 15)
    return Fail(Errc::kInvalidArgument,
                "spdm.get_certificate: SlotID above 15");
  ByteWriter w;
  WriteHeader(w, m.version, Code::kGetCertificate, m.slot_id,
              m.version >= kVersion13 && m.slot_size_requested ? 0x01 : 0x00);
  w.U16(m.offset).U16(m.length);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.8 CERTIFICATE response. Trailing rule: the message ends
// after PortionLength bytes of chain.
Result<Certificate> ParseCertificate(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kCertificate, kVersion11, p.negotiated));
  Certificate m;
  m.version = h.version;
  m.slot_id = h.param1 & 0x0F;
  if (h.version >= kVersion13) m.certificate_info = h.param2 & 0x07;
  CCGPU_ASSIGN_OR_RETURN(uint16_t portion,
                         r.U16("spdm.certificate: PortionLength"));
  CCGPU_ASSIGN_OR_RETURN(m.remainder_length,
                         r.U16("spdm.certificate: RemainderLength"));
  CCGPU_ASSIGN_OR_RETURN(
      m.portion, r.Take(portion, "spdm.certificate: PortionLength past end"));
  CCGPU_TRY(ExpectEnd(
      r, p, "spdm.certificate: bytes after PortionLength bytes of chain"));
  return m;
}

Result<Bytes> SerializeCertificate(const Certificate& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  if (m.slot_id > 15)
    return Fail(Errc::kInvalidArgument, "spdm.certificate: SlotID above 15");
  if (m.portion.size() > 0xFFFF)
    return Fail(Errc::kInvalidArgument,
                "spdm.certificate: portion above 65535 bytes");
  ByteWriter w;
  WriteHeader(w, m.version, Code::kCertificate, m.slot_id,
              m.version >= kVersion13 ? (m.certificate_info & 0x07) : 0);
  w.U16(m.portion.size()).U16(m.remainder_length).Append(m.portion);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.6.1 certificate chain format. Trailing rule: the chain ends
// at Length.
Result<CertChain> ParseCertChain(ByteSpan chain, std::size_t hash_size) {
  CCGPU_TRY(RequireSize(hash_size, "spdm.cert_chain: hash size not given"));
  ByteReader r(chain);
  CCGPU_ASSIGN_OR_RETURN(uint16_t length, r.U16("spdm.cert_chain: Length"));
  CCGPU_TRY(r.Skip(2, "spdm.cert_chain: Reserved"));
  if (length <= 4 + hash_size) {
    return Fail(
        Errc::kMalformed,
        "spdm.cert_chain: Length leaves no room for RootHash and certificates");
  }
  if (length > chain.size())
    return Fail(Errc::kTruncated, "spdm.cert_chain: Length past end");
  CertChain c;
  CCGPU_ASSIGN_OR_RETURN(c.root_hash,
                         r.Take(hash_size, "spdm.cert_chain: RootHash"));
  CCGPU_ASSIGN_OR_RETURN(
      c.certificates,
      r.Take(length - 4 - hash_size, "spdm.cert_chain: Certificates"));
  CCGPU_TRY(r.ExpectEnd("spdm.cert_chain: bytes after Length"));
  return c;
}

Result<Bytes> SerializeCertChain(const CertChain& c) {
  ByteWriter w;
  const std::size_t total = 4 + c.root_hash.size() + c.certificates.size();
  w.U16(total, "spdm.cert_chain: chain above 65535 bytes")
      .U16(0)
      .Append(c.root_hash)
      .Append(c.certificates);
  return std::move(w).Finish();
}

// X.690 §8.1: identifier 0x30 (SEQUENCE, constructed), definite length in
// short or long form (at most 4 length bytes). Trailing rule: none; the input
// must be whole certificates.
Result<std::vector<ByteSpan>> SplitDerCertificates(ByteSpan der) {
  std::vector<ByteSpan> out;
  ByteReader r(der);
  while (!r.empty()) {
    ByteReader probe = r;
    CCGPU_ASSIGN_OR_RETURN(uint8_t tag, probe.U8("spdm.cert_chain: DER tag"));
    if (tag != 0x30)
      return Fail(Errc::kMalformed,
                  "spdm.cert_chain: certificate is not a DER SEQUENCE");
    CCGPU_ASSIGN_OR_RETURN(uint8_t l0, probe.U8("spdm.cert_chain: DER length"));
    std::size_t len = l0;
    if (l0 & 0x80) {
      const std::size_t nbytes = l0 & 0x7F;
      if (nbytes == 0 || nbytes > 4)
        return Fail(Errc::kMalformed,
                    "spdm.cert_chain: unsupported DER length form");
      len = 0;
      for (std::size_t i = 0; i < nbytes; ++i) {
        CCGPU_ASSIGN_OR_RETURN(uint8_t b,
                               probe.U8("spdm.cert_chain: DER length"));
        len = (len << 8) | b;
      }
    }
    CCGPU_TRY(probe.Skip(len, "spdm.cert_chain: certificate past end"));
    out.push_back(der.subspan(r.offset(), probe.offset() - r.offset()));
    r = probe;
  }
  if (out.empty())
    return Fail(Errc::kMalformed, "spdm.cert_chain: no certificates");
  return out;
}

}  // namespace ccgpu::spdm::wire
