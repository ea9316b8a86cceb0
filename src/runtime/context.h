// ccgpu::Context — the API applications use (libccgpu, the guest side).
//
// A Context attaches confidential GPUs and then moves data and work to them
// only through each device's secure channel:
//
//   Attach(spec): connect (in-process device or gpud over TCP) -> SPDM VCA ->
//   certificate chain -> signed measurements with a fresh nonce -> verify
//   with the caller's policy, roots and RIMs -> SPDM session signed by the
//   verified chain -> TDISP lock / report / start (when the build has it)
//   -> OPEN_CHANNEL -> SET_READY.  Any failed step refuses the device with
//   the step's precise Errc and an AttachReport naming the step.
//
//   Then: DeviceBuffer (RAII device memory), CopyToDevice / CopyFromDevice
//   (sealed copies), Launch (sealed kernel launch), PeerCopy (GPU -> GPU over
//   the encrypted link with a fresh per-pair key the Context creates and
//   installs in both GPUs), async forms on Streams returning futures, and
//   Synchronize.
//
// A device that was reset or left its secure state (TDISP ERROR, SPDM
// session gone) is detected when an operation fails (the Context then
// re-checks the device) or by CheckDevice(); from then on every operation on
// it returns kDeviceLost and the AttachReport says why.
//
// Naming follows STYLE.md (Google C++ style: CopyToDevice, not
// copy_to_device).
//
// Threading: a Context may be used from many threads. Operations on one
// device are serialised (one secure channel per device); operations on
// different devices run in parallel. Streams order work among themselves.
#ifndef CCGPU_RUNTIME_CONTEXT_H_
#define CCGPU_RUNTIME_CONTEXT_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "attach/ide_km_client.h"
#include "attach/tdisp_client.h"
#include "channel/shm.h"
#include "runtime/attach.h"
#include "runtime/device_channel.h"
#include "runtime/stream.h"
#include "spdm/requester/exchange.h"

namespace ccgpu {

namespace gpu {
class Device;
namespace engine {
class PeerLinkHub;
}
}  // namespace gpu
namespace runtime {
struct DeviceState;
class DeviceOps;
}  // namespace runtime

// A device's number in its Context (0, 1, … in attach order).
using DeviceId = uint32_t;

// Wraps a device's SPDM connection as the (untrusted) host relays it. Tests
// and the demo's hostile-host episode use it to tamper, replay or redirect.
using HostRelay = std::function<std::unique_ptr<spdm::requester::MessageExchange>(
    std::unique_ptr<spdm::requester::MessageExchange> inner)>;

// Where a device is and how to reach it.
struct DeviceSpec {
  enum class Kind { kInProcess, kGpud };
  Kind kind = Kind::kInProcess;
  // kInProcess: device `index` of the state directory `state`; the Context
  // opens (boots) it and serves it with its own SPDM responder and engine.
  std::filesystem::path state;
  unsigned index = 0;
  // kGpud: the device's SPDM endpoint (spdm-emu framing, MCTP transport).
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // Optional host in the middle of the SPDM connection.
  HostRelay relay;
  // kInProcess: how the device maps the guest's shared regions (empty: by
  // name). The host controls a device's DMA, so a hostile host (the demo)
  // can hand the device its own copy of each ring and relay between them.
  std::function<Result<channel::SharedRegion>(const std::string& name)> map_region;
  // What the host says it mapped for this device (BARs, function id); the
  // device's TDISP interface report is checked against it. In-process
  // default: the device's host-visible PCI configuration. gpud: the host
  // must say (e.g. from its management socket's status).
  std::optional<attach::HostMapping> mapping;

  static DeviceSpec InProcess(std::filesystem::path state_dir, unsigned device_index);
  static DeviceSpec Gpud(std::string host, uint16_t port);
};

struct ContextOptions {
  // Roots, RIM source, revocation and the appraisal policy (attach.h;
  // EmulatedTrust() builds one for an emulated state directory).
  TrustConfig trust;
  // Refuse a device that cannot be securely attached (no host mapping to
  // check its TDISP interface report against). When false such a device is
  // attached without TDISP and AttachReport::tdisp_note says why.
  bool require_tdisp = true;
  // TDISP LOCK_INTERFACE flags (NO_FW_UPDATE | LOCK_MSIX by default).
  attach::LockOptions tdisp_lock;
  // Before LOCK, set up the selective IDE stream tdisp_lock.default_stream_id
  // names with fresh keys (IDE_KM: QUERY, KEY_PROG for RX/TX × PR/NPR/CPL,
  // K_SET_GO), as PCIe TDISP expects TEE traffic to ride on one. A device
  // that offers no IDE_KM is attached without (AttachReport::ide_note); one
  // that offers it and refuses the keys is refused at kIdeStream.
  bool ide_stream = true;
  // Geometry, chunk size, sealing threads and key-rotation limits of each
  // device's secure channel (channel_id is per device).
  runtime::DeviceChannelOptions channel;
};

// What happened when a device was attached (and, later, lost).
struct AttachReport {
  DeviceSpec spec;
  AttachStep reached = AttachStep::kConnect;  // kReady when attached
  std::optional<AttachStep> failed_step;
  std::optional<Error> error;        // the failed step's underlying error
  std::string why;                   // one line
  std::optional<Attestation> attestation;  // set once verification ran
  uint32_t session_id = 0;
  bool ide = false;                  // the selective IDE stream's keys are in use on the device
  std::string ide_note;              // why not, when ide is false
  bool tdisp = false;                // the interface was locked, checked and started (RUN)
  std::string tdisp_note;            // why not, when tdisp is false; the mismatch, when refused
  std::optional<spdm::tdisp::InterfaceReport> interface_report;  // as checked
  uint32_t device_index = 0;         // the device's own index (OPEN_CHANNEL)
  uint64_t protected_memory_bytes = 0;
  // Set once the device is lost (reset, TDISP ERROR, session gone).
  bool lost = false;
  std::string lost_why;
};

// Device memory: `size` bytes of one device's protected memory, freed (and
// scrubbed by the device) when the buffer is destroyed. Move-only. A buffer
// must not be destroyed while an async operation that uses it is pending.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  bool valid() const { return state_ != nullptr; }
  DeviceId device() const;
  uint64_t handle() const { return handle_; }
  uint64_t size() const { return size_; }
  // Frees now. kDeviceLost if the device is gone (nothing left to free).
  Status Release();

 private:
  friend class Context;
  DeviceBuffer(std::shared_ptr<runtime::DeviceState> state, uint64_t handle, uint64_t size)
      : state_(std::move(state)), handle_(handle), size_(size) {}
  std::shared_ptr<runtime::DeviceState> state_;
  uint64_t handle_ = 0;
  uint64_t size_ = 0;
};

// One kernel argument: a buffer range or a scalar.
struct KernelArg {
  enum class Kind : uint8_t { kBuffer, kU64, kF32 };
  Kind kind = Kind::kU64;
  const DeviceBuffer* buffer = nullptr;
  uint64_t offset = 0;
  std::optional<uint64_t> length;  // default: to the end of the buffer
  uint64_t u64 = 0;
  float f32 = 0;

  static KernelArg Buffer(const DeviceBuffer& b, uint64_t offset = 0,
                          std::optional<uint64_t> length = std::nullopt) {
    KernelArg a;
    a.kind = Kind::kBuffer;
    a.buffer = &b;
    a.offset = offset;
    a.length = length;
    return a;
  }
  static KernelArg U64(uint64_t v) {
    KernelArg a;
    a.kind = Kind::kU64;
    a.u64 = v;
    return a;
  }
  static KernelArg F32(float v) {
    KernelArg a;
    a.kind = Kind::kF32;
    a.f32 = v;
    return a;
  }
};

class Context {
 public:
  static Result<std::unique_ptr<Context>> Create(ContextOptions options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Attaches a device through the whole flow (see the top). Returns its id.
  // On failure the device is not added; the Error's code is the precise
  // cause and its context names the step; last_attach_failure() has the
  // full AttachReport (attestation included when verification ran).
  Result<DeviceId> Attach(const DeviceSpec& spec);
  const std::optional<AttachReport>& last_attach_failure() const { return last_failure_; }

  std::size_t device_count() const;
  // The report of an attached device (a copy; lost state included).
  // kNotFound for an unknown id.
  Result<AttachReport> Report(DeviceId id) const;
  // The in-process device (the host's handle on it: reset, CC mode, host
  // memory access). Null for gpud devices or unknown ids. For tests and the
  // demo's hostile-host episode; an application never needs it.
  gpu::Device* HostDevice(DeviceId id) const;

  // Re-checks the device: its TDISP interface state (must be RUN) when
  // attached with TDISP, and an SPDM HEARTBEAT in its session. kDeviceLost
  // if it was reset or its interface left RUN (ERROR after a host change);
  // it stays lost and Report() says why.
  Status CheckDevice(DeviceId id);

  // ---- synchronous operations (return when the device has completed) ----
  // kNotFound (unknown id), kDeviceLost, device errors (kResourceExhausted).
  Result<DeviceBuffer> Alloc(DeviceId id, uint64_t size);
  // Copies `src` into `dst` at `offset`. kInvalidArgument for an invalid
  // buffer or a range outside it; kDeviceLost; channel errors
  // (kTransferFailed, kAuthFailed) as the device reports them.
  Status CopyToDevice(const DeviceBuffer& dst, ByteSpan src, uint64_t offset = 0);
  // Copies dst.size() bytes at `offset` of `src` into `dst`.
  Status CopyFromDevice(const DeviceBuffer& src, std::span<uint8_t> dst, uint64_t offset = 0);
  // Runs a registered kernel on device `id`; buffer arguments must be on
  // that device (kInvalidArgument). kNotFound from the device for an
  // unknown kernel.
  Status Launch(DeviceId id, std::string_view kernel, std::span<const KernelArg> args);
  Status Launch(DeviceId id, std::string_view kernel, std::initializer_list<KernelArg> args) {
    return Launch(id, kernel, std::span<const KernelArg>(args.begin(), args.size()));
  }
  // Copies all of `src` into `dst` (same size; different devices) over the
  // encrypted GPU link. The first copy between a pair of devices creates a
  // fresh 48-byte pair key (CSPRNG) and installs it in both with
  // SET_PEER_KEY. kInvalidArgument (same device, sizes differ), kDeviceLost.
  Status PeerCopy(const DeviceBuffer& dst, const DeviceBuffer& src);
  // Waits until every Stream of this Context has drained, then fences every
  // attached device. Returns the first error (a stream's sticky error or a
  // fence failure).
  Status Synchronize();

  // ---- asynchronous operations on streams ----
  // A new stream owned by the Context (valid until the Context is
  // destroyed).
  Stream& CreateStream();
  // Each queues the operation on `stream` and returns its future. Host
  // memory (`src`/`dst`) and buffers must stay valid until it is ready.
  std::future<Status> CopyToDeviceAsync(Stream& stream, const DeviceBuffer& dst, ByteSpan src,
                                        uint64_t offset = 0);
  std::future<Status> CopyFromDeviceAsync(Stream& stream, const DeviceBuffer& src, std::span<uint8_t> dst,
                                          uint64_t offset = 0);
  // `args` are copied; the buffers they name must stay valid.
  std::future<Status> LaunchAsync(Stream& stream, DeviceId id, std::string kernel, std::vector<KernelArg> args);
  std::future<Status> PeerCopyAsync(Stream& stream, const DeviceBuffer& dst, const DeviceBuffer& src);

 private:
  explicit Context(ContextOptions options);
  Result<std::shared_ptr<runtime::DeviceState>> Get(DeviceId id) const;
  // After a failed operation: re-checks the device; returns kDeviceLost if
  // it is gone, else `original`.
  Error AfterFailure(runtime::DeviceState& d, const Error& original);
  Status PeerKeyFor(runtime::DeviceState& a, runtime::DeviceState& b);

  ContextOptions options_;
  std::shared_ptr<gpu::engine::PeerLinkHub> links_;  // in-process devices' GPU link
  mutable std::mutex mu_;  // devices_, streams_, peer keys, last_failure_
  std::vector<std::shared_ptr<runtime::DeviceState>> devices_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<std::pair<DeviceId, DeviceId>> peer_pairs_;
  uint32_t next_link_id_ = 1;
  std::optional<AttachReport> last_failure_;
};

}  // namespace ccgpu

#endif  // CCGPU_RUNTIME_CONTEXT_H_
