#include "spdm/transport/platform.h"

#include <limits>

namespace ccgpu::spdm::transport {

// spdm-emu platform port frame header: three big-endian u32. Trailing rule:
// the header is exactly 12 bytes.
Result<FrameHeader> ParseFrameHeader(ByteSpan header) {
  ByteReader r(header);
  FrameHeader h;
  CCGPU_ASSIGN_OR_RETURN(h.command, r.U32Be("platform: command"));
  CCGPU_ASSIGN_OR_RETURN(h.transport_type, r.U32Be("platform: transport_type"));
  CCGPU_ASSIGN_OR_RETURN(h.payload_size, r.U32Be("platform: payload_size"));
  CCGPU_TRY(r.ExpectEnd("platform: frame header longer than 12 bytes"));
  return h;
}

Result<Bytes> EncodeFrame(uint32_t cmd, uint32_t transport_type,
                          ByteSpan payload) {
  if (payload.size() > std::numeric_limits<uint32_t>::max()) {
    return Fail(Errc::kOutOfRange, "platform: payload above 4 GiB");
  }
  ByteWriter w;
  w.U32Be(cmd).U32Be(transport_type).U32Be(payload.size()).Append(payload);
  return std::move(w).Finish();
}

// Trailing rule: the frame ends after payload_size bytes.
Result<Frame> ParseFrame(ByteSpan frame, std::size_t max_payload) {
  ByteReader r(frame);
  CCGPU_ASSIGN_OR_RETURN(ByteSpan hb,
                         r.Take(kFrameHeaderSize, "platform: frame header"));
  CCGPU_ASSIGN_OR_RETURN(FrameHeader h, ParseFrameHeader(hb));
  if (h.payload_size > max_payload) {
    return Fail(Errc::kResourceExhausted,
                "platform: payload_size above the configured maximum");
  }
  CCGPU_ASSIGN_OR_RETURN(ByteSpan payload,
                         r.Take(h.payload_size, "platform: payload past end"));
  CCGPU_TRY(r.ExpectEnd("platform: bytes after payload_size bytes"));
  return Frame{h.command, h.transport_type,
               Bytes(payload.begin(), payload.end())};
}

Bytes EncodeMctp(uint8_t type, ByteSpan body) {
  Bytes out;
  out.reserve(1 + body.size());
  out.push_back(type);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// DSP0275 §6 MCTP message: IC bit | MessageType, then the message body.
// Trailing rule: none (the body is the rest of the payload).
Result<MctpMessage> DecodeMctp(ByteSpan payload) {
  ByteReader r(payload);
  CCGPU_ASSIGN_OR_RETURN(uint8_t type, r.U8("mctp: message type"));
  if (type & 0x80)
    return Fail(Errc::kUnsupported, "mctp: integrity check bit set");
  if (type != kMctpTypeSpdm && type != kMctpTypeSecuredSpdm) {
    return Fail(Errc::kUnsupported,
                "mctp: message type is neither SPDM (5) nor secured SPDM (6)");
  }
  return MctpMessage{type, r.rest()};
}

Result<Bytes> EncodeDoe(uint8_t type, ByteSpan body, uint16_t vendor_id) {
  const std::size_t padded = (body.size() + 3) / 4 * 4;
  const std::size_t dwords = (kDoeHeaderSize + padded) / 4;
  if (body.size() > kDoeMaxDwords * 4 || dwords > kDoeMaxDwords) {
    return Fail(Errc::kOutOfRange, "pci_doe: data object above 2^18 DWORDs");
  }
  ByteWriter w;
  w.U16(vendor_id).U8(type).U8(0).U32(dwords == kDoeMaxDwords ? 0 : dwords);
  w.Append(body).Zeros(padded - body.size());
  return std::move(w).Finish();
}

// PCIe r6 §6.30.1 DOE data object header. Trailing rule: the object is exactly
// Length DWORDs.
Result<DoeObject> DecodeDoe(ByteSpan payload) {
  ByteReader r(payload);
  DoeObject o;
  CCGPU_ASSIGN_OR_RETURN(o.vendor_id, r.U16("pci_doe: VendorID"));
  CCGPU_ASSIGN_OR_RETURN(o.type, r.U8("pci_doe: DataObjectType"));
  CCGPU_TRY(r.Skip(1, "pci_doe: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(uint32_t len_field, r.U32("pci_doe: Length"));
  std::size_t dwords = len_field & 0x3FFFF;
  if (dwords == 0) dwords = kDoeMaxDwords;
  if (dwords < 2)
    return Fail(Errc::kMalformed, "pci_doe: Length below the 2-DWORD header");
  const std::size_t total = dwords * 4;
  if (total > payload.size())
    return Fail(Errc::kTruncated, "pci_doe: Length past end");
  if (total < payload.size())
    return Fail(Errc::kTrailingData, "pci_doe: bytes after Length DWORDs");
  o.body = r.rest();
  return o;
}

Bytes EncodeDoeDiscoveryRequest(uint8_t index) { return {index, 0, 0, 0}; }

// PCIe r6 §6.30.1.1 DOE Discovery request. Trailing rule: exactly 4 bytes.
Result<uint8_t> ParseDoeDiscoveryRequest(ByteSpan body) {
  ByteReader r(body);
  CCGPU_ASSIGN_OR_RETURN(uint8_t index, r.U8("pci_doe: discovery Index"));
  CCGPU_TRY(r.Skip(3, "pci_doe: discovery Version/Reserved"));
  CCGPU_TRY(r.ExpectEnd("pci_doe: bytes after the discovery request"));
  return index;
}

Bytes EncodeDoeDiscoveryResponse(const DoeDiscoveryResponse& d) {
  return {static_cast<uint8_t>(d.vendor_id & 0xFF),
          static_cast<uint8_t>(d.vendor_id >> 8), d.type, d.next_index};
}

// PCIe r6 §6.30.1.1 DOE Discovery response. Trailing rule: exactly 4 bytes.
Result<DoeDiscoveryResponse> ParseDoeDiscoveryResponse(ByteSpan body) {
  ByteReader r(body);
  DoeDiscoveryResponse d;
  CCGPU_ASSIGN_OR_RETURN(d.vendor_id, r.U16("pci_doe: discovery VendorID"));
  CCGPU_ASSIGN_OR_RETURN(d.type, r.U8("pci_doe: discovery DataObjectType"));
  CCGPU_ASSIGN_OR_RETURN(d.next_index, r.U8("pci_doe: discovery NextIndex"));
  CCGPU_TRY(r.ExpectEnd("pci_doe: bytes after the discovery response"));
  return d;
}

Result<DoeDiscoveryResponse> DoeDiscoveryEntry(uint8_t index) {
  switch (index) {
    case 0:
      return DoeDiscoveryResponse{kDoeVendorPciSig, kDoeTypeDiscovery, 1};
    case 1:
      return DoeDiscoveryResponse{kDoeVendorPciSig, kDoeTypeSpdm, 2};
    case 2:
      return DoeDiscoveryResponse{kDoeVendorPciSig, kDoeTypeSecuredSpdm, 0};
    default:
      return Fail(Errc::kOutOfRange,
                  "pci_doe: discovery index beyond the supported types");
  }
}

}  // namespace ccgpu::spdm::transport
