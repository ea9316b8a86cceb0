# Guest side of the sealed command channel (issue 6): DeviceChannel.
ccgpu_library(ccgpu_device_channel
  SOURCES device_channel.cc
  DEPS ccgpu_base ccgpu_crypto ccgpu_channel)

# In-process tests: guest DeviceChannel ↔ device engine (executor threads),
# through the control handler, a hostile-host relay and the peer link.
ccgpu_test(device_channel_test
  SOURCES device_channel_test.cc
  DEPS ccgpu_device_channel ccgpu_gpu_engine ccgpu_gpu)
