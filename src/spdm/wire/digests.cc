#include "spdm/wire/digests.h"

#include <bit>

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.7 GET_DIGESTS request. Trailing rule: exactly 4 bytes.
Result<GetDigests> ParseGetDigests(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kGetDigests, kVersion11, p.negotiated));
  CCGPU_TRY(
      ExpectEnd(r, p, "spdm.get_digests: bytes after the 4-byte request"));
  return GetDigests{h.version};
}

Result<Bytes> SerializeGetDigests(const GetDigests& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kGetDigests, 0, 0);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.7 DIGESTS response (1.3: SupportedSlotMask, multi-key
// arrays). Trailing rule: the message ends after the last array.
Result<Digests> ParseDigests(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kDigests, kVersion11, p.negotiated));
  CCGPU_TRY(RequireSize(p.negotiated.hash_size,
                        "spdm.digests: hash size not negotiated"));
  Digests m;
  m.version = h.version;
  if (h.version >= kVersion13) m.supported_slot_mask = h.param1;
  m.provisioned_slot_mask = h.param2;
  const int n = std::popcount(h.param2);
  for (int i = 0; i < n; ++i) {
    CCGPU_ASSIGN_OR_RETURN(ByteSpan d, r.Take(p.negotiated.hash_size,
                                              "spdm.digests: Digest past end"));
    m.digests.push_back(d);
  }
  if (h.version >= kVersion13 && p.negotiated.multi_key_conn) {
    const auto un = static_cast<std::size_t>(n);
    CCGPU_ASSIGN_OR_RETURN(m.key_pair_ids,
                           r.Take(un, "spdm.digests: KeyPairID past end"));
    CCGPU_ASSIGN_OR_RETURN(
        m.certificate_infos,
        r.Take(un, "spdm.digests: CertificateInfo past end"));
    CCGPU_ASSIGN_OR_RETURN(
        m.key_usage_masks,
        r.TakeArray(un, 2, "spdm.digests: KeyUsageMask past end"));
  }
  CCGPU_TRY(ExpectEnd(r, p, "spdm.digests: bytes after the last digest"));
  return m;
}

Result<Bytes> SerializeDigests(const Digests& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  const auto n =
      static_cast<std::size_t>(std::popcount(m.provisioned_slot_mask));
  if (m.digests.size() != n) {
    return Fail(Errc::kInvalidArgument,
                "spdm.digests: digest count differs from popcount(SlotMask)");
  }
  for (const auto& d : m.digests) {
    if (d.size() != m.digests[0].size() || d.empty()) {
      return Fail(Errc::kInvalidArgument,
                  "spdm.digests: digests differ in size");
    }
  }
  const bool multi = !m.key_pair_ids.empty() || !m.certificate_infos.empty() ||
                     !m.key_usage_masks.empty();
  if (multi &&
      (m.version < kVersion13 || m.key_pair_ids.size() != n ||
       m.certificate_infos.size() != n || m.key_usage_masks.size() != 2 * n)) {
    return Fail(Errc::kInvalidArgument,
                "spdm.digests: multi-key arrays do not match the slot count");
  }
  ByteWriter w;
  WriteHeader(w, m.version, Code::kDigests,
              m.version >= kVersion13 ? m.supported_slot_mask : 0,
              m.provisioned_slot_mask);
  for (const auto& d : m.digests) w.Append(d);
  if (multi)
    w.Append(m.key_pair_ids)
        .Append(m.certificate_infos)
        .Append(m.key_usage_masks);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
