// DeviceOps over the guest channel client (device_channel.h): the Context's
// view of a real device's sealed command channel.
#ifndef CCGPU_RUNTIME_CHANNEL_OPS_H_
#define CCGPU_RUNTIME_CHANNEL_OPS_H_

#include <memory>

#include "runtime/device_channel.h"
#include "runtime/device_ops.h"

namespace ccgpu::runtime {

class ChannelDeviceOps final : public DeviceOps {
 public:
  // Takes the opened (OPEN_CHANNEL accepted) channel.
  explicit ChannelDeviceOps(std::unique_ptr<DeviceChannel> channel) : channel_(std::move(channel)) {}

  Result<uint64_t> Alloc(uint64_t size) override { return channel_->Alloc(size); }
  Status Free(uint64_t handle) override { return channel_->Free(handle); }
  // Transfer errors keep their Errc (kAuthFailed, kReplay, kTimeout, …); the
  // failing chunk's index is in last_transfer_error().
  Status CopyToDevice(const channel::DeviceRange& dst, ByteSpan src) override;
  Status CopyFromDevice(const channel::DeviceRange& src, std::span<uint8_t> dst) override;
  Status Launch(std::string_view kernel, std::span<const channel::LaunchArg> args) override {
    return channel_->Launch(kernel, args);
  }
  Status Fence() override { return channel_->Fence(); }
  Status SetPeerKey(uint32_t peer_device, uint32_t link_id, const SecretBytes& key) override {
    return channel_->SetPeerKey(peer_device, link_id, key);
  }
  Status PeerCopy(DeviceOps& dst_device, const channel::DeviceRange& src, const channel::DeviceRange& dst) override;
  uint32_t device_index() const override { return channel_->device_index(); }

  DeviceChannel& channel() { return *channel_; }
  const std::optional<channel::TransferError>& last_transfer_error() const { return last_transfer_error_; }

 private:
  Status Record(const TransferStatus& st);
  std::unique_ptr<DeviceChannel> channel_;
  std::optional<channel::TransferError> last_transfer_error_;
};

}  // namespace ccgpu::runtime

#endif  // CCGPU_RUNTIME_CHANNEL_OPS_H_
