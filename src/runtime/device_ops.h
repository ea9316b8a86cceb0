// What the runtime needs from one attached device's secure command channel:
// the operations of channel/commands.h, synchronous, each answered by the
// device's sealed completion. The Context talks to devices only through this
// interface; the implementation over the guest channel client
// (runtime/device_channel.h) is ChannelDeviceOps (channel_ops.h).
//
// Threading: callers (the Context) serialise calls per device; an
// implementation need not be thread-safe.
#ifndef CCGPU_RUNTIME_DEVICE_OPS_H_
#define CCGPU_RUNTIME_DEVICE_OPS_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "channel/commands.h"

namespace ccgpu::runtime {

class DeviceOps {
 public:
  virtual ~DeviceOps() = default;
  // ALLOC: a handle to `size` bytes of protected memory. Device errors as
  // the completion reports them (kResourceExhausted when memory is full).
  virtual Result<uint64_t> Alloc(uint64_t size) = 0;
  // FREE (the device scrubs the allocation).
  virtual Status Free(uint64_t handle) = 0;
  // Sealed H2D copy of `src` into `dst` (dst.length == src.size()).
  virtual Status CopyToDevice(const channel::DeviceRange& dst, ByteSpan src) = 0;
  // Sealed D2H copy of `src` into `dst` (src.length == dst.size()).
  virtual Status CopyFromDevice(const channel::DeviceRange& src, std::span<uint8_t> dst) = 0;
  // LAUNCH a registered kernel with its arguments.
  virtual Status Launch(std::string_view kernel, std::span<const channel::LaunchArg> args) = 0;
  // FENCE: returns once every earlier command has completed on the device.
  virtual Status Fence() = 0;
  // SET_PEER_KEY: installs a per-pair link key (48 bytes) for `peer_device`.
  virtual Status SetPeerKey(uint32_t peer_device, uint32_t link_id, const SecretBytes& key) = 0;
  // PEER_COPY: this device seals `src` into the link to `dst_device`, which
  // opens it into `dst` (a range of its memory). Both need the pair key
  // (SetPeerKey). kInvalidArgument if `dst_device` is another kind of
  // DeviceOps.
  virtual Status PeerCopy(DeviceOps& dst_device, const channel::DeviceRange& src,
                          const channel::DeviceRange& dst) = 0;
  // The device's index as the peer link names it (OPEN_CHANNEL's answer).
  virtual uint32_t device_index() const = 0;
};

}  // namespace ccgpu::runtime

#endif  // CCGPU_RUNTIME_DEVICE_OPS_H_
