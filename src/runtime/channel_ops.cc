#include "runtime/channel_ops.h"

namespace ccgpu::runtime {

Status ChannelDeviceOps::Record(const TransferStatus& st) {
  if (st) {
    last_transfer_error_.reset();
    return OkStatus();
  }
  last_transfer_error_ = st.error();
  return ToStatus(st);
}

Status ChannelDeviceOps::CopyToDevice(const channel::DeviceRange& dst, ByteSpan src) {
  return Record(channel_->CopyToDevice(dst, src));
}

Status ChannelDeviceOps::CopyFromDevice(const channel::DeviceRange& src, std::span<uint8_t> dst) {
  return Record(channel_->CopyFromDevice(src, dst));
}

Status ChannelDeviceOps::PeerCopy(DeviceOps& dst_device, const channel::DeviceRange& src,
                                  const channel::DeviceRange& dst) {
  auto* peer = dynamic_cast<ChannelDeviceOps*>(&dst_device);
  if (peer == nullptr) return Fail(Errc::kInvalidArgument, "peer copy: the destination has no sealed channel");
  return Record(DeviceChannel::PeerCopy(*channel_, src, *peer->channel_, dst));
}

}  // namespace ccgpu::runtime
