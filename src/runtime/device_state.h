// One attached device as the Context keeps it (internal to src/runtime).
#ifndef CCGPU_RUNTIME_DEVICE_STATE_H_
#define CCGPU_RUNTIME_DEVICE_STATE_H_

#include <atomic>
#include <memory>
#include <mutex>

#include "attach/ide_km_client.h"
#include "attach/tdisp_client.h"
#include "runtime/attach.h"
#include "runtime/context.h"
#include "runtime/device_ops.h"
#include "runtime/endpoint.h"

namespace ccgpu::runtime {

struct DeviceState {
  DeviceId id = 0;
  // Serialises every use of the SPDM session and of the channel.
  std::mutex mu;
  Endpoint endpoint;          // connection (and in-process device)
  AttestedSession session;    // requester + session id + attestation
  std::unique_ptr<attach::TdispClient> tdisp;  // when securely attached
  std::unique_ptr<attach::IdeKmClient> ide;    // when the IDE stream was set up
  uint8_t ide_stream_id = 0, ide_key_set = 0;
  std::unique_ptr<DeviceOps> ops;  // the secure channel; null until opened
  AttachReport report;        // guarded by mu
  std::atomic<bool> lost{false};
  std::atomic<bool> closed{false};  // the Context is gone: nothing to free

  // Sends a VENDOR_DEFINED request in the attested session (TDISP and the
  // ccgpu control protocol ride on it). Caller holds mu.
  Result<Bytes> SendVendor(uint16_t standard_id, ByteSpan vendor_id, ByteSpan payload) {
    return session.requester->VendorDefined(session.session_id, standard_id, vendor_id, payload);
  }
};

}  // namespace ccgpu::runtime

#endif  // CCGPU_RUNTIME_DEVICE_STATE_H_
