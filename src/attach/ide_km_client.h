// The TSM side of PCIe IDE key management (IDE_KM, PCIe Base 6.0 §6.33.3)
// inside the SPDM secure session with a device: query the device's IDE
// capability, then set up a selective IDE stream by programming fresh
// AES-256-GCM keys for both directions and the three sub-streams (PR, NPR,
// CPL) of a key set and switching them on (K_SET_GO), or off again
// (K_SET_STOP). The TSM programs the same keys into the root port's end of
// the stream; that side belongs to the platform and is not modelled here,
// so EstablishStream hands the keys back to the caller.
//
// Trusts nothing it receives: each answer must be the object that answers
// the request, echoing its StreamID, KeySet/RxTx/SubStream and PortIndex
// (kUnexpectedMessage otherwise); a KP_ACK that is not SUCCESS is
// kUnsupported (UNSUPPORTED_PORT_INDEX / UNSUPPORTED_VALUE) or kPeerError.
#ifndef CCGPU_ATTACH_IDE_KM_CLIENT_H_
#define CCGPU_ATTACH_IDE_KM_CLIENT_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "spdm/requester/requester.h"
#include "spdm/tdisp/ide_km.h"

namespace ccgpu::attach {

// Sends one IDE_KM object (no ProtocolID byte) and returns the answering
// object (no ProtocolID byte).
using IdeKmTransport = std::function<Result<Bytes>(ByteSpan ide_km_object)>;

// A transport over `requester`'s in-session VENDOR_DEFINED_REQUEST
// (StandardID 3 PCI-SIG, VendorID 0x0001, ProtocolID 0x00). `requester`
// must outlive it.
IdeKmTransport IdeKmRequesterTransport(spdm::requester::Requester& requester, uint32_t session_id);

struct IdeQueryResult {
  uint8_t port_index = 0, dev_func_num = 0, bus_num = 0, segment = 0, max_port_index = 0;
  Bytes capability;  // the IDE extended capability, DWORDs
  bool selective_streams = false;  // IDE Capability bit 1
  bool ide_km = false;             // bit 6
  bool tee_limited_stream = false;  // bit 24
  bool stream_secure = false;       // first selective stream's status: Secure
};

// The keys of one stream's key set, for the root port's end: index
// [direction (0 RX, 1 TX)][sub-stream (0 PR, 1 NPR, 2 CPL)].
struct IdeStreamKeys {
  uint8_t stream_id = 0;
  uint8_t key_set = 0;
  std::vector<SecretBytes> keys;  // 6 entries, in the order above
};

class IdeKmClient {
 public:
  explicit IdeKmClient(IdeKmTransport transport, uint8_t port_index = 0)
      : transport_(std::move(transport)), port_index_(port_index) {}

  // QUERY → QUERY_RESP (kMalformed for a capability shorter than its two
  // leading DWORDs).
  Result<IdeQueryResult> Query();
  // Six KEY_PROG with fresh random keys, then six K_SET_GO. kRngFailure
  // without entropy; errors of the device as above.
  Result<IdeStreamKeys> EstablishStream(uint8_t stream_id, uint8_t key_set = 0);
  // Six K_SET_STOP for that key set.
  Status StopStream(uint8_t stream_id, uint8_t key_set = 0);

 private:
  Result<Bytes> Call(const spdm::idekm::Message& m);
  // K_SET_GO or K_SET_STOP for all six lanes of a key set, each answered by
  // its K_GOSTOP_ACK.
  Status KeySetAll(spdm::idekm::ObjectId command, uint8_t stream_id, uint8_t key_set);
  IdeKmTransport transport_;
  uint8_t port_index_;
};

}  // namespace ccgpu::attach

#endif  // CCGPU_ATTACH_IDE_KM_CLIENT_H_
