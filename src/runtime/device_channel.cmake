# Guest side of the sealed command channel (issue 6): DeviceChannel.
ccgpu_library(ccgpu_device_channel
  SOURCES device_channel.cc
  DEPS ccgpu_base ccgpu_crypto ccgpu_channel)

# In-process tests: guest DeviceChannel ↔ device engine (executor threads),
# through the control handler, a hostile-host relay and the peer link.
ccgpu_test(device_channel_test
  SOURCES device_channel_test.cc
  DEPS ccgpu_device_channel ccgpu_gpu_engine ccgpu_gpu)

# Cross-process: the device side in a child process (ccgpu_engine_device:
# DeviceService over loopback TCP + control protocol), real SPDM session.
ccgpu_test(device_channel_process_test
  SOURCES device_channel_process_test.cc
  DEPS ccgpu_device_channel ccgpu_gpu ccgpu_gpu_kernels ccgpu_spdm_requester ccgpu_spdm_transport)
target_compile_definitions(device_channel_process_test PRIVATE
    CCGPU_ENGINE_DEVICE="$<TARGET_FILE:ccgpu_engine_device>" CCGPU_CLI="$<TARGET_FILE:ccgpu>")
add_dependencies(device_channel_process_test ccgpu_engine_device ccgpu)
