#include "spdm/wire/vendor_defined.h"

namespace ccgpu::spdm::wire {
namespace {

struct Body {
  uint8_t version;
  uint16_t standard_id;
  ByteSpan vendor_id;
  ByteSpan payload;
};

// DSP0274 1.2 §10.14 VENDOR_DEFINED_REQUEST/RESPONSE. Trailing rule: the
// message ends after the payload.
Result<Body> ParseBody(ByteSpan msg, Code code, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h,
                         ReadHeader(r, code, kVersion11, p.negotiated));
  Body b{h.version, 0, {}, {}};
  CCGPU_ASSIGN_OR_RETURN(b.standard_id,
                         r.U16("spdm.vendor_defined: StandardID"));
  CCGPU_ASSIGN_OR_RETURN(b.vendor_id,
                         r.Prefixed8("spdm.vendor_defined: VendorID past end"));
  CCGPU_ASSIGN_OR_RETURN(b.payload,
                         r.Prefixed16("spdm.vendor_defined: payload past end"));
  CCGPU_TRY(ExpectEnd(r, p, "spdm.vendor_defined: bytes after the payload"));
  return b;
}

Result<Bytes> WriteBody(const Body& b, Code code) {
  CCGPU_TRY(CheckVersion(b.version, kVersion11));
  if (b.vendor_id.size() > 0xFF || b.payload.size() > 0xFFFF) {
    return Fail(Errc::kInvalidArgument,
                "spdm.vendor_defined: VendorID or payload too long");
  }
  ByteWriter w;
  WriteHeader(w, b.version, code, 0, 0);
  w.U16(b.standard_id).Prefixed8(b.vendor_id).Prefixed16(b.payload);
  return std::move(w).Finish();
}

}  // namespace

Result<VendorDefinedRequest> ParseVendorDefinedRequest(ByteSpan msg,
                                                       const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(Body b,
                         ParseBody(msg, Code::kVendorDefinedRequest, p));
  return VendorDefinedRequest{b.version, b.standard_id, b.vendor_id, b.payload};
}
Result<Bytes> SerializeVendorDefinedRequest(const VendorDefinedRequest& m) {
  return WriteBody({m.version, m.standard_id, m.vendor_id, m.payload},
                   Code::kVendorDefinedRequest);
}
Result<VendorDefinedResponse> ParseVendorDefinedResponse(ByteSpan msg,
                                                         const ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(Body b,
                         ParseBody(msg, Code::kVendorDefinedResponse, p));
  return VendorDefinedResponse{b.version, b.standard_id, b.vendor_id,
                               b.payload};
}
Result<Bytes> SerializeVendorDefinedResponse(const VendorDefinedResponse& m) {
  return WriteBody({m.version, m.standard_id, m.vendor_id, m.payload},
                   Code::kVendorDefinedResponse);
}

}  // namespace ccgpu::spdm::wire
