// Hook for VENDOR_DEFINED_REQUEST (DSP0274 1.2 §10.14), in or out of a
// session. TDISP and other vendor protocols ride on it.
#ifndef CCGPU_SPDM_RESPONDER_VENDOR_HANDLER_H_
#define CCGPU_SPDM_RESPONDER_VENDOR_HANDLER_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ccgpu::spdm::responder {

struct VendorRequest {
  uint16_t standard_id = 0;
  ByteSpan vendor_id;                   // borrowed for the call
  ByteSpan payload;                     // borrowed for the call
  std::optional<uint32_t> session_id;   // set when it came inside a session
  // Set only when the request came inside an established session: moves out
  // that session's export master secret (DSP0274 1.2 key schedule), for
  // deriving keys bound to the session (e.g. channel keys). Once per
  // session: a second call is kStateError. Valid only during Handle.
  std::function<Result<SecretBytes>()> export_master_secret;
};

class VendorDefinedHandler {
 public:
  virtual ~VendorDefinedHandler() = default;
  // The VENDOR_DEFINED_RESPONSE payload (StandardID and VendorID are echoed).
  // kUnsupported → ERROR(UnsupportedRequest); kMalformed/kInvalidArgument →
  // ERROR(InvalidRequest); anything else → ERROR(Unspecified).
  virtual Result<Bytes> Handle(const VendorRequest& request) = 0;
};

}  // namespace ccgpu::spdm::responder

#endif  // CCGPU_SPDM_RESPONDER_VENDOR_HANDLER_H_
