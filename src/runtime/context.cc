#include "runtime/context.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "crypto/rng.h"
#include "gpu/device.h"
#include "gpu/engine/peer_link.h"
#include "gpu/pci_config.h"
#include "runtime/device_state.h"
#include "runtime/channel_ops.h"

namespace ccgpu {

using runtime::DeviceState;

// ---------------------------------------------------------------- DeviceSpec

DeviceSpec DeviceSpec::InProcess(std::filesystem::path state_dir, unsigned device_index) {
  DeviceSpec s;
  s.kind = Kind::kInProcess;
  s.state = std::move(state_dir);
  s.index = device_index;
  return s;
}

DeviceSpec DeviceSpec::Gpud(std::string host_address, uint16_t spdm_port) {
  DeviceSpec s;
  s.kind = Kind::kGpud;
  s.host = std::move(host_address);
  s.port = spdm_port;
  return s;
}

// -------------------------------------------------------------- DeviceBuffer

DeviceBuffer::~DeviceBuffer() { (void)Release(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : state_(std::move(other.state_)), handle_(other.handle_), size_(other.size_) {
  other.handle_ = 0;
  other.size_ = 0;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    (void)Release();
    state_ = std::move(other.state_);
    handle_ = other.handle_;
    size_ = other.size_;
    other.handle_ = 0;
    other.size_ = 0;
  }
  return *this;
}

DeviceId DeviceBuffer::device() const { return state_ != nullptr ? state_->id : 0; }

Status DeviceBuffer::Release() {
  if (state_ == nullptr) return OkStatus();
  std::shared_ptr<DeviceState> s = std::move(state_);
  const uint64_t handle = std::exchange(handle_, 0);
  size_ = 0;
  if (s->closed.load()) return OkStatus();  // the Context closed the channel
  if (s->lost.load()) return Fail(Errc::kDeviceLost, "buffer release: the device is lost (its memory was scrubbed)");
  std::lock_guard<std::mutex> lock(s->mu);
  if (s->ops == nullptr) return Fail(Errc::kNotReady, "buffer release: the device has no secure channel");
  return s->ops->Free(handle);
}

// ------------------------------------------------------------------- Context

namespace {

constexpr const char* kLostContext = "device lost: it was reset or left its secure state; attach it again";

Status CheckUsable(const DeviceState& d) {
  if (d.lost.load()) return Fail(Errc::kDeviceLost, kLostContext);
  if (d.ops == nullptr) return Fail(Errc::kNotReady, "device has no secure channel");
  return OkStatus();
}

Result<channel::DeviceRange> RangeOf(const DeviceBuffer& b, uint64_t offset, uint64_t length) {
  if (!b.valid()) return Fail(Errc::kInvalidArgument, "buffer is empty (moved from or released)");
  if (offset > b.size() || length > b.size() - offset) {
    return Fail(Errc::kInvalidArgument, "range lies outside the buffer");
  }
  return channel::DeviceRange{b.handle(), offset, length};
}

}  // namespace

Context::Context(ContextOptions options)
    : options_(std::move(options)), links_(std::make_shared<gpu::engine::PeerLinkHub>()) {}

Result<std::unique_ptr<Context>> Context::Create(ContextOptions options) {
  if (options.trust.device_roots.empty() && options.trust.emulated_roots.empty()) {
    return Fail(Errc::kInvalidArgument, "context: no device roots to trust");
  }
  if (options.trust.rims == nullptr) return Fail(Errc::kInvalidArgument, "context: no RIM source");
  return std::unique_ptr<Context>(new Context(std::move(options)));
}

Context::~Context() {
  // Drain the streams first: their operations use the devices.
  std::vector<std::unique_ptr<Stream>> streams;
  std::vector<std::shared_ptr<DeviceState>> devices;
  {
    std::lock_guard<std::mutex> lock(mu_);
    streams = std::move(streams_);
    devices = devices_;
  }
  streams.clear();
  for (auto& d : devices) {
    std::lock_guard<std::mutex> lock(d->mu);
    d->closed.store(true);
    if (!d->lost.load() && d->session.requester != nullptr) {
      // Detach cleanly: CLOSE_CHANNEL (the device stops the executor and
      // scrubs our allocations), STOP_INTERFACE (it scrubs and unlocks, so
      // the next guest can attach), END_SESSION.
      DeviceState* dp = d.get();
      if (auto* ch = dynamic_cast<runtime::ChannelDeviceOps*>(d->ops.get()); ch != nullptr) {
        (void)ch->channel().Close([dp](uint16_t standard_id, ByteSpan vendor_id, ByteSpan payload) {
          return dp->SendVendor(standard_id, vendor_id, payload);
        });
      }
      if (d->tdisp != nullptr) (void)d->tdisp->Stop();
      if (d->ide != nullptr) (void)d->ide->StopStream(d->ide_stream_id, d->ide_key_set);
      (void)d->session.requester->EndSession(d->session.session_id);
    }
    d->ops.reset();
  }
}

Result<DeviceId> Context::Attach(const DeviceSpec& spec) {
  auto d = std::make_shared<DeviceState>();
  AttachReport& rep = d->report;
  rep.spec = spec;
  auto refuse = [&](AttachStep step, const Error& cause, const char* context, std::string why) {
    rep.reached = step;
    rep.failed_step = step;
    rep.error = cause;
    rep.why = std::move(why);
    std::lock_guard<std::mutex> lock(mu_);
    last_failure_ = rep;
    return tl::unexpected<Error>(Error{cause.code, context});
  };

  // 1. Connect.
  auto ep = runtime::OpenEndpoint(spec, links_);
  if (!ep) {
    return refuse(AttachStep::kConnect, ep.error(), "attach connect: cannot reach the device's SPDM responder",
                  ep.error().ToString());
  }
  d->endpoint = std::move(*ep);

  // 2–3. Attest, verify, session.
  AttachFailure failure;
  Attestation attestation;
  auto session = AttestAndStartSession(d->endpoint.exchange.get(), d->endpoint.link, options_.trust, &failure,
                                       &attestation);
  if (!attestation.report.devices.empty()) rep.attestation = attestation;
  if (!session) return refuse(failure.step, failure.error, session.error().context, failure.why);
  d->session = std::move(*session);
  rep.attestation = d->session.attestation;
  rep.session_id = d->session.session_id;
  rep.reached = AttachStep::kSession;

  // 4. Secure attach (PCIe TDISP in the session): lock, check the interface
  // report against what the host says it mapped, start.
  std::optional<attach::HostMapping> mapping = spec.mapping;
  if (!mapping && d->endpoint.host != nullptr) {
    const gpu::PciConfig pci = d->endpoint.host->device()->Pci();
    mapping.emplace();
    mapping->function_id = pci.function_id();
    for (const gpu::PciBar& b : pci.bars()) mapping->bars.push_back({b.index, b.address, b.size});
  }
  if (!mapping) {
    if (options_.require_tdisp) {
      return refuse(AttachStep::kTdispLock, Error{Errc::kInvalidArgument, "no host mapping"},
                    "attach tdisp lock: no host mapping to check the interface report against",
                    "DeviceSpec::mapping is empty (the host did not say what it mapped)");
    }
    rep.tdisp_note = "not securely attached: no host mapping given";
  } else {
    // 4a. The selective IDE stream the interface's TEE traffic rides on.
    if (options_.ide_stream) {
      auto ide = std::make_unique<attach::IdeKmClient>(
          attach::IdeKmRequesterTransport(*d->session.requester, d->session.session_id));
      auto q = ide->Query();
      if (!q && q.error().code == Errc::kPeerError &&
          d->session.requester->last_peer_error() == spdm::wire::ErrorCode::kUnsupportedRequest) {
        rep.ide_note = "the device offers no IDE_KM";
      } else if (!q) {
        return refuse(AttachStep::kIdeStream, q.error(), "attach ide stream: IDE_KM QUERY failed", q.error().ToString());
      } else if (!q->ide_km || !q->selective_streams) {
        rep.ide_note = "the device's IDE capability offers no selective stream keyed by IDE_KM";
      } else {
        // The root port's end of the stream is the platform's to program;
        // its keys are not modelled, so they are wiped here. Key set K0
        // first; if a guest that went away without detaching left K0 in use,
        // the device refuses it (UNSUPPORTED_VALUE) and K1 takes over, which
        // is how IDE refreshes keys.
        const uint8_t stream = options_.tdisp_lock.default_stream_id;
        uint8_t key_set = 0;
        auto keys = ide->EstablishStream(stream, key_set);
        if (!keys && keys.error().code == Errc::kUnsupported) keys = ide->EstablishStream(stream, key_set = 1);
        if (!keys) {
          return refuse(AttachStep::kIdeStream, keys.error(), "attach ide stream: the device refused the stream's keys",
                        keys.error().ToString());
        }
        d->ide = std::move(ide);
        d->ide_stream_id = stream;
        d->ide_key_set = key_set;
        rep.ide = true;
        rep.reached = AttachStep::kIdeStream;
      }
    }
    auto client = std::make_unique<attach::TdispClient>(
        attach::RequesterTransport(*d->session.requester, d->session.session_id), mapping->function_id);
    if (auto v = client->GetVersion(); !v) {
      return refuse(AttachStep::kTdispLock, v.error(), "attach tdisp lock: GET_TDISP_VERSION failed",
                    v.error().ToString());
    }
    if (auto c = client->GetCapabilities(); !c) {
      return refuse(AttachStep::kTdispLock, c.error(), "attach tdisp lock: GET_TDISP_CAPABILITIES failed",
                    c.error().ToString());
    }
    auto nonce = client->Lock(options_.tdisp_lock);
    if (!nonce) {
      return refuse(AttachStep::kTdispLock, nonce.error(), "attach tdisp lock: LOCK_INTERFACE refused",
                    nonce.error().ToString());
    }
    rep.reached = AttachStep::kTdispLock;
    auto report = client->GetInterfaceReport();
    if (!report) {
      (void)client->Stop();
      return refuse(AttachStep::kTdispReport, report.error(),
                    "attach tdisp report: GET_DEVICE_INTERFACE_REPORT failed", report.error().ToString());
    }
    if (auto st = client->CheckReport(*report, *mapping, options_.tdisp_lock); !st) {
      rep.tdisp_note = client->last_mismatch();
      (void)client->Stop();
      return refuse(AttachStep::kTdispReport, st.error(),
                    "attach tdisp report: the interface report differs from what the host mapped",
                    client->last_mismatch());
    }
    rep.interface_report = *report;
    rep.reached = AttachStep::kTdispReport;
    if (auto st = client->Start(*nonce); !st) {
      return refuse(AttachStep::kTdispStart, st.error(), "attach tdisp start: START_INTERFACE refused",
                    st.error().ToString());
    }
    if (auto st = client->EnsureRunning(); !st) {
      return refuse(AttachStep::kTdispStart, st.error(), "attach tdisp start: the interface is not in RUN",
                    st.error().ToString());
    }
    rep.reached = AttachStep::kTdispStart;
    rep.tdisp = true;
    d->tdisp = std::move(client);
  }

  // 5. Secure channel (keys from the session's export master secret) and
  // SET_READY, both inside the attested session.
  {
    auto ems = d->session.requester->TakeExportMasterSecret(d->session.session_id);
    if (!ems) {
      return refuse(AttachStep::kOpenChannel, ems.error(), "attach open channel: no export master secret",
                    ems.error().ToString());
    }
    runtime::DeviceChannelOptions co = options_.channel;
    auto ch = runtime::DeviceChannel::Create(ems->reveal(), co);
    if (!ch) {
      return refuse(AttachStep::kOpenChannel, ch.error(), "attach open channel: cannot create the channel regions",
                    ch.error().ToString());
    }
    DeviceState* dp = d.get();
    runtime::VendorCall call = [dp](uint16_t standard_id, ByteSpan vendor_id, ByteSpan payload) {
      return dp->SendVendor(standard_id, vendor_id, payload);
    };
    if (auto st = (*ch)->Open(call); !st) {
      return refuse(AttachStep::kOpenChannel, st.error(), "attach open channel: the device refused OPEN_CHANNEL",
                    st.error().ToString());
    }
    rep.reached = AttachStep::kOpenChannel;
    if (auto st = runtime::DeviceChannel::SetReady(call); !st) {
      return refuse(AttachStep::kSetReady, st.error(), "attach set ready: the device refused SET_READY",
                    st.error().ToString());
    }
    rep.device_index = (*ch)->device_index();
    rep.protected_memory_bytes = (*ch)->protected_memory_bytes();
    d->ops = std::make_unique<runtime::ChannelDeviceOps>(std::move(*ch));
  }
  rep.reached = AttachStep::kReady;

  std::lock_guard<std::mutex> lock(mu_);
  d->id = static_cast<DeviceId>(devices_.size());
  devices_.push_back(d);
  last_failure_.reset();
  return d->id;
}

std::size_t Context::device_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return devices_.size();
}

Result<std::shared_ptr<DeviceState>> Context::Get(DeviceId id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (id >= devices_.size()) return Fail(Errc::kNotFound, "no attached device with this id");
  return devices_[id];
}

Result<AttachReport> Context::Report(DeviceId id) const {
  CCGPU_ASSIGN_OR_RETURN(auto d, Get(id));
  std::lock_guard<std::mutex> lock(d->mu);
  return d->report;
}

gpu::Device* Context::HostDevice(DeviceId id) const {
  auto d = Get(id);
  if (!d || (*d)->endpoint.host == nullptr) return nullptr;
  return (*d)->endpoint.host->device();
}

namespace {

// Re-checks a device (caller holds d.mu): its TDISP interface must be RUN
// and its attested session must answer a HEARTBEAT. Marks it lost otherwise
// and returns kDeviceLost.
Status Recheck(DeviceState& d) {
  if (d.lost.load()) return Fail(Errc::kDeviceLost, kLostContext);
  std::string why;
  if (d.tdisp != nullptr) {
    auto st = d.tdisp->EnsureRunning();
    if (!st && st.error().code == Errc::kTdiInError) {
      why = "TDISP interface is in ERROR (a host change to the locked device stopped and scrubbed it)";
    } else if (!st && st.error().code == Errc::kTdiWrongState) {
      why = "TDISP interface is no longer in RUN: " + st.error().ToString();
    }  // other errors: the session itself failed; the HEARTBEAT below says how
  }
  if (why.empty()) {
    auto hb = d.session.requester->Heartbeat(d.session.session_id);
    if (hb) return OkStatus();
    why = "SPDM session " + std::to_string(d.session.session_id) +
          " no longer answers (device reset or session dropped): " + hb.error().ToString();
  }
  d.lost.store(true);
  d.report.lost = true;
  d.report.lost_why = std::move(why);
  d.ops.reset();
  return Fail(Errc::kDeviceLost, kLostContext);
}

}  // namespace

Status Context::CheckDevice(DeviceId id) {
  CCGPU_ASSIGN_OR_RETURN(auto d, Get(id));
  std::lock_guard<std::mutex> lock(d->mu);
  return Recheck(*d);
}

Error Context::AfterFailure(DeviceState& d, const Error& original) {
  // Caller errors do not need a device check.
  if (original.code == Errc::kInvalidArgument || original.code == Errc::kDeviceLost) return original;
  if (!Recheck(d)) {
    return Error{Errc::kDeviceLost, kLostContext};
  }
  return original;
}

Result<DeviceBuffer> Context::Alloc(DeviceId id, uint64_t size) {
  CCGPU_ASSIGN_OR_RETURN(auto d, Get(id));
  if (size == 0) return Fail(Errc::kInvalidArgument, "alloc: size 0");
  std::lock_guard<std::mutex> lock(d->mu);
  CCGPU_TRY(CheckUsable(*d));
  auto h = d->ops->Alloc(size);
  if (!h) return tl::unexpected<Error>(AfterFailure(*d, h.error()));
  return DeviceBuffer(d, *h, size);
}

Status Context::CopyToDevice(const DeviceBuffer& dst, ByteSpan src, uint64_t offset) {
  CCGPU_ASSIGN_OR_RETURN(channel::DeviceRange r, RangeOf(dst, offset, src.size()));
  std::shared_ptr<DeviceState> d = dst.state_;
  std::lock_guard<std::mutex> lock(d->mu);
  CCGPU_TRY(CheckUsable(*d));
  auto st = d->ops->CopyToDevice(r, src);
  if (!st) return tl::unexpected<Error>(AfterFailure(*d, st.error()));
  return OkStatus();
}

Status Context::CopyFromDevice(const DeviceBuffer& src, std::span<uint8_t> dst, uint64_t offset) {
  CCGPU_ASSIGN_OR_RETURN(channel::DeviceRange r, RangeOf(src, offset, dst.size()));
  std::shared_ptr<DeviceState> d = src.state_;
  std::lock_guard<std::mutex> lock(d->mu);
  CCGPU_TRY(CheckUsable(*d));
  auto st = d->ops->CopyFromDevice(r, dst);
  if (!st) return tl::unexpected<Error>(AfterFailure(*d, st.error()));
  return OkStatus();
}

Status Context::Launch(DeviceId id, std::string_view kernel, std::span<const KernelArg> args) {
  CCGPU_ASSIGN_OR_RETURN(auto d, Get(id));
  if (kernel.empty() || kernel.size() > channel::kMaxKernelName) {
    return Fail(Errc::kInvalidArgument, "launch: kernel name empty or longer than 64 bytes");
  }
  if (args.size() > channel::kMaxLaunchArgs) return Fail(Errc::kInvalidArgument, "launch: more than 16 arguments");
  std::vector<channel::LaunchArg> wire;
  wire.reserve(args.size());
  for (const KernelArg& a : args) {
    channel::LaunchArg w;
    switch (a.kind) {
      case KernelArg::Kind::kBuffer: {
        if (a.buffer == nullptr) return Fail(Errc::kInvalidArgument, "launch: buffer argument is null");
        if (!a.buffer->valid() || a.buffer->state_ != d) {
          return Fail(Errc::kInvalidArgument, "launch: a buffer argument is not on the launch device");
        }
        if (a.offset > a.buffer->size()) return Fail(Errc::kInvalidArgument, "launch: buffer offset past its end");
        const uint64_t len = a.length.value_or(a.buffer->size() - a.offset);
        CCGPU_ASSIGN_OR_RETURN(w.buffer, RangeOf(*a.buffer, a.offset, len));
        w.kind = channel::LaunchArg::Kind::kBuffer;
        break;
      }
      case KernelArg::Kind::kU64:
        w.kind = channel::LaunchArg::Kind::kU64;
        w.u64 = a.u64;
        break;
      case KernelArg::Kind::kF32:
        w.kind = channel::LaunchArg::Kind::kF32;
        w.f32_bits = std::bit_cast<uint32_t>(a.f32);
        break;
    }
    wire.push_back(w);
  }
  std::lock_guard<std::mutex> lock(d->mu);
  CCGPU_TRY(CheckUsable(*d));
  auto st = d->ops->Launch(kernel, wire);
  if (!st) return tl::unexpected<Error>(AfterFailure(*d, st.error()));
  return OkStatus();
}

Status Context::PeerKeyFor(DeviceState& a, DeviceState& b) {
  // Caller holds both device locks. One fresh key per unordered pair.
  const std::pair<DeviceId, DeviceId> pair = std::minmax(a.id, b.id);
  uint32_t link_id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::find(peer_pairs_.begin(), peer_pairs_.end(), pair) != peer_pairs_.end()) return OkStatus();
    link_id = next_link_id_++;
  }
  SecretBytes key(channel::kPeerKeySize);
  if (auto st = crypto::RandomBytes(key.reveal_mutable()); !st) {
    return Fail(Errc::kRngFailure, "peer copy: no fresh pair key (RNG failed)");
  }
  if (auto st = a.ops->SetPeerKey(b.ops->device_index(), link_id, key); !st) {
    return tl::unexpected<Error>(AfterFailure(a, st.error()));
  }
  if (auto st = b.ops->SetPeerKey(a.ops->device_index(), link_id, key); !st) {
    return tl::unexpected<Error>(AfterFailure(b, st.error()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  peer_pairs_.push_back(pair);
  return OkStatus();
}

Status Context::PeerCopy(const DeviceBuffer& dst, const DeviceBuffer& src) {
  if (!dst.valid() || !src.valid()) return Fail(Errc::kInvalidArgument, "peer copy: empty buffer");
  if (dst.state_ == src.state_) return Fail(Errc::kInvalidArgument, "peer copy: both buffers are on one device");
  if (dst.size() != src.size()) return Fail(Errc::kInvalidArgument, "peer copy: buffer sizes differ");
  DeviceState& s = *src.state_;
  DeviceState& t = *dst.state_;
  // Lock both in id order (no deadlock with a copy the other way).
  std::scoped_lock lock(s.mu, t.mu);
  CCGPU_TRY(CheckUsable(s));
  CCGPU_TRY(CheckUsable(t));
  CCGPU_TRY(PeerKeyFor(s, t));
  auto st = s.ops->PeerCopy(*t.ops, channel::DeviceRange{src.handle(), 0, src.size()},
                            channel::DeviceRange{dst.handle(), 0, dst.size()});
  if (!st) {
    Error e = AfterFailure(s, st.error());
    if (e.code != Errc::kDeviceLost) e = AfterFailure(t, e);
    return tl::unexpected<Error>(e);
  }
  return OkStatus();
}

Status Context::Synchronize() {
  std::vector<Stream*> streams;
  std::vector<std::shared_ptr<DeviceState>> devices;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& s : streams_) streams.push_back(s.get());
    devices = devices_;
  }
  Status first = OkStatus();
  for (Stream* s : streams) {
    auto st = s->Synchronize();
    if (!st && first) first = st;
  }
  for (auto& d : devices) {
    std::lock_guard<std::mutex> lock(d->mu);
    if (d->lost.load() || d->ops == nullptr) continue;  // nothing in flight there
    auto st = d->ops->Fence();
    if (!st && first) first = tl::unexpected<Error>(AfterFailure(*d, st.error()));
  }
  return first;
}

Stream& Context::CreateStream() {
  std::lock_guard<std::mutex> lock(mu_);
  streams_.push_back(std::make_unique<Stream>());
  return *streams_.back();
}

std::future<Status> Context::CopyToDeviceAsync(Stream& stream, const DeviceBuffer& dst, ByteSpan src,
                                               uint64_t offset) {
  return stream.Enqueue([this, &dst, src, offset] { return CopyToDevice(dst, src, offset); });
}

std::future<Status> Context::CopyFromDeviceAsync(Stream& stream, const DeviceBuffer& src, std::span<uint8_t> dst,
                                                 uint64_t offset) {
  return stream.Enqueue([this, &src, dst, offset] { return CopyFromDevice(src, dst, offset); });
}

std::future<Status> Context::LaunchAsync(Stream& stream, DeviceId id, std::string kernel,
                                         std::vector<KernelArg> args) {
  return stream.Enqueue([this, id, kernel = std::move(kernel), args = std::move(args)] {
    return Launch(id, kernel, std::span<const KernelArg>(args));
  });
}

std::future<Status> Context::PeerCopyAsync(Stream& stream, const DeviceBuffer& dst, const DeviceBuffer& src) {
  return stream.Enqueue([this, &dst, &src] { return PeerCopy(dst, src); });
}

}  // namespace ccgpu
