#include "gpu/service/device_service.h"

#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "crypto/hash.h"
#include "gpu/evidence_builder.h"
#include "gpu/tdisp/ide_km.h"
#include "gpu/tdisp/tdi.h"
#include "spdm/requester/transport_exchange.h"
#include "spdm/responder/responder.h"
#include "spdm/tdisp/tdisp.h"
#include "spdm/transport/socket.h"
#include "spdm/wire/measurements.h"

namespace ccgpu::gpu {
namespace {

namespace rsp = spdm::responder;
namespace tp = spdm::transport;

// The per-boot attestation key of one device generation. Refuses to sign once
// the device was reset (the AK changed, the responder's chain is stale).
class AttestationKeySigner final : public rsp::Signer {
 public:
  AttestationKeySigner(Device& d, uint64_t generation, crypto::EcPublicKey pub)
      : device_(d), generation_(generation), pub_(std::move(pub)) {}
  crypto::Curve curve() const override { return crypto::Curve::kP384; }
  Result<Bytes> Sign(crypto::HashAlg hash, const spdm::session::SignatureInput& input) const override {
    Bytes digest;
    if (input.form == spdm::session::SignatureInput::Form::kDigest) {
      digest = input.bytes;  // SPDM 1.1: Hash(transcript), signed as is
    } else {
      CCGPU_ASSIGN_OR_RETURN(digest, crypto::Hash(hash, input.bytes));
    }
    if (device_.session_generation() != generation_) {
      return Fail(Errc::kStateError, "device service: the device was reset; this responder's key is gone");
    }
    CCGPU_ASSIGN_OR_RETURN(Bytes sig, device_.SignDigestWithAttestationKey(digest));
    // Reset bumps the generation before it makes the new AK (both under the
    // device lock), so a signature by a newer key is caught here.
    if (device_.session_generation() != generation_) {
      return Fail(Errc::kStateError, "device service: the device was reset while signing");
    }
    return sig;
  }
  Result<crypto::EcPublicKey> PublicKey() const override { return pub_; }

 private:
  Device& device_;
  uint64_t generation_;
  crypto::EcPublicKey pub_;
};

// The 64 blocks and the opaque data of one device generation (they change
// only at boot, which a reset does).
class SnapshotMeasurements final : public rsp::MeasurementProvider {
 public:
  SnapshotMeasurements(std::vector<rsp::MeasurementEntry> entries, Bytes opaque)
      : entries_(std::move(entries)), opaque_(std::move(opaque)) {}
  Result<std::vector<rsp::MeasurementEntry>> Collect() override { return entries_; }
  Result<Bytes> OpaqueData() override { return opaque_; }

 private:
  std::vector<rsp::MeasurementEntry> entries_;
  Bytes opaque_;
};

struct VendorKey {
  uint16_t standard_id;
  Bytes vendor_id;
  bool operator<(const VendorKey& o) const {
    return standard_id != o.standard_id ? standard_id < o.standard_id : vendor_id < o.vendor_id;
  }
};

}  // namespace

struct DeviceService::Core {
  Device* device = nullptr;
  DeviceServiceOptions options;
  std::mutex mu;  // everything below; one SPDM message at a time
  // The thread inside Handle (holding mu), so that a reset a handler causes
  // on that thread does not try to take mu again.
  std::atomic<std::thread::id> handling{};
  std::unique_ptr<rsp::Responder> responder;
  uint64_t generation = 0;
  uint64_t built = 0;
  tp::TransportType type = tp::TransportType::kMctp;
  std::map<VendorKey, std::shared_ptr<rsp::VendorDefinedHandler>> vendors;

  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // Requires mu. A responder for the device as it is now.
  Status Build() {
    Device& d = *device;
    for (int attempt = 0; attempt < 8; ++attempt) {
      const uint64_t gen = d.session_generation();
      std::vector<crypto::Certificate> chain = d.CertificateChain();  // leaf first
      MeasurementSet set = d.Measurements();
      DeviceConfig cfg = d.Config();
      if (d.session_generation() != gen) continue;  // a reset ran meanwhile: read again
      if (chain.empty()) return Fail(Errc::kDeviceError, "device service: device has no certificate chain");
      CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey ak_pub, chain.front().PublicKey());
      CCGPU_ASSIGN_OR_RETURN(Bytes opaque, BuildOpaqueData(set, cfg));
      std::vector<rsp::MeasurementEntry> entries;
      entries.reserve(kNumMeasurements);
      for (std::size_t i = 0; i < kNumMeasurements; ++i) {
        rsp::MeasurementEntry e;
        e.index = static_cast<uint8_t>(i + 1);  // RIM index i = SPDM block i+1
        e.value_type = spdm::wire::meas::kTypeMutableFirmware;  // NVIDIA's DMTF type 0x01
        e.value.assign(set.value[i].begin(), set.value[i].end());
        e.is_digest = true;
        entries.push_back(std::move(e));
      }
      rsp::ResponderConfig rc;
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) rc.cert_chain_der.push_back(it->Der());
      rc.signer = std::make_shared<AttestationKeySigner>(d, gen, std::move(ak_pub));
      rc.measurements = std::make_shared<SnapshotMeasurements>(std::move(entries), std::move(opaque));
      rc.base_hash = {spdm::wire::alg::kSha384};  // the blocks are SHA-384 digests
      rc.max_sessions = options.max_sessions;
      rc.vendor = std::make_shared<Dispatcher>(this);
      if (type == tp::TransportType::kPciDoe) {
        rc.binding = spdm::session::TransportBinding::PciDoe();
        rc.allow_dword_padding = true;
      } else {
        rc.binding = spdm::session::TransportBinding::Mctp();
        // PLDM GetTID in a session, as a GPU's MCTP endpoint answers it
        // (and as DMTF's requester emulator asks); TID = device index + 1.
        rc.app_messages = std::make_shared<rsp::PldmControlResponder>(static_cast<uint8_t>(d.index() + 1));
      }
      CCGPU_ASSIGN_OR_RETURN(responder, rsp::Responder::Create(std::move(rc)));
      generation = gen;
      ++built;
      return OkStatus();
    }
    return Fail(Errc::kBusy, "device service: the device keeps resetting");
  }

  // Requires mu. Drops a responder of an older generation (its session keys
  // die with it).
  void DropIfStale() {
    if (responder && generation != device->session_generation()) {
      responder.reset();
      Log("gpu" + std::to_string(device->index()) + ": SPDM responder dropped after a device reset (sessions ended)");
    }
  }

  rsp::TransportMessage Handle(bool secured, ByteSpan bytes) {
    std::lock_guard lock(mu);
    handling.store(std::this_thread::get_id());
    struct Clear {
      std::atomic<std::thread::id>& h;
      ~Clear() { h.store(std::thread::id()); }
    } clear{handling};
    DropIfStale();
    if (!responder) {
      if (Status s = Build(); !s) {
        Log("gpu" + std::to_string(device->index()) + ": SPDM responder cannot be built: " + s.error().ToString());
        // ERROR(Unspecified) in SPDM 1.0 framing: the device cannot answer.
        return rsp::TransportMessage{false, Bytes{0x10, 0x7F, 0x05, 0x00}};
      }
    }
    rsp::TransportMessage reply = responder->Handle(secured, bytes);
    DropIfStale();  // a reset during Handle: nothing of that responder survives
    return reply;
  }

  // VENDOR_DEFINED dispatch by (StandardID, VendorID); runs under mu.
  class Dispatcher final : public rsp::VendorDefinedHandler {
   public:
    explicit Dispatcher(Core* core) : core_(core) {}
    Result<Bytes> Handle(const rsp::VendorRequest& request) override {
      auto it = core_->vendors.find(VendorKey{request.standard_id, Bytes(request.vendor_id.begin(), request.vendor_id.end())});
      if (it == core_->vendors.end()) {
        return Fail(Errc::kUnsupported, "device service: no handler for this StandardID/VendorID");
      }
      return it->second->Handle(request);
    }

   private:
    Core* core_;
  };
};

namespace {

class CoreExchange final : public spdm::requester::MessageExchange {
 public:
  explicit CoreExchange(std::shared_ptr<DeviceService::Core> core) : core_(std::move(core)) {}
  Result<spdm::requester::ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
    rsp::TransportMessage r = core_->Handle(secured, request);
    return spdm::requester::ExchangeMessage{r.secured, std::move(r.bytes)};
  }

 private:
  std::shared_ptr<DeviceService::Core> core_;
};

}  // namespace

Result<std::unique_ptr<DeviceService>> DeviceService::Create(Device& device, DeviceServiceOptions options) {
  std::unique_ptr<DeviceService> s(new DeviceService());
  s->device_ = &device;
  s->core_ = std::make_shared<Core>();
  s->core_->device = &device;
  s->core_->type = options.in_process_transport;
  s->core_->options = std::move(options);
  {
    std::lock_guard lock(s->core_->mu);
    CCGPU_TRY(s->core_->Build());
  }
  // The device's IDE_KM and TDISP responders answer PCI-SIG VENDOR_DEFINED.
  if (auto pci_sig = device.PciSig()) {
    const auto& vid = spdm::tdisp::kVendorIdPciSig;
    CCGPU_TRY(s->RegisterVendorProtocol(spdm::tdisp::kStandardIdPciSig, Bytes(vid.begin(), vid.end()), pci_sig));
  }
  // Drop the responder (and its session keys) as soon as the device resets.
  // A reset triggered from inside a message (a handler, same thread) or
  // while another thread is in a message is caught by Handle's own check
  // after that message instead.
  std::weak_ptr<Core> weak = s->core_;
  s->listener_id_ = device.AddResetListener([weak](uint64_t) {
    if (auto core = weak.lock()) {
      if (core->handling.load() == std::this_thread::get_id()) return;
      std::unique_lock lock(core->mu, std::try_to_lock);
      if (lock.owns_lock()) core->DropIfStale();
    }
  });
  return s;
}

DeviceService::~DeviceService() {
  if (device_ != nullptr) device_->RemoveResetListener(listener_id_);
}

Status DeviceService::RegisterVendorProtocol(uint16_t standard_id, Bytes vendor_id,
                                             std::shared_ptr<rsp::VendorDefinedHandler> handler) {
  if (!handler) return Fail(Errc::kInvalidArgument, "device service: null vendor handler");
  if (vendor_id.size() > 255) return Fail(Errc::kInvalidArgument, "device service: VendorID longer than 255 bytes");
  std::lock_guard lock(core_->mu);
  VendorKey key{standard_id, std::move(vendor_id)};
  if (auto it = core_->vendors.find(key); it != core_->vendors.end()) {
    if (it->second == handler) return OkStatus();  // the same handler again
    return Fail(Errc::kBusy, "device service: a handler for this StandardID/VendorID is registered");
  }
  core_->vendors.emplace(std::move(key), std::move(handler));
  return OkStatus();
}

std::unique_ptr<spdm::requester::MessageExchange> DeviceService::Connect() {
  return std::make_unique<CoreExchange>(core_);
}

uint64_t DeviceService::responder_generation() const {
  std::lock_guard lock(core_->mu);
  return core_->generation;
}

uint64_t DeviceService::responders_built() const {
  std::lock_guard lock(core_->mu);
  return core_->built;
}

Status DeviceService::Serve(const SpdmEndpoint& endpoint, const std::atomic<bool>& stop, tp::TransportType type,
                            const std::function<void(uint16_t)>& on_listening) {
  CCGPU_ASSIGN_OR_RETURN(tp::TcpListener listener, tp::TcpListener::Bind(endpoint.bind, endpoint.port));
  {
    std::lock_guard lock(core_->mu);
    if (core_->type != type) {
      core_->type = type;
      core_->responder.reset();  // rebuilt with the new binding on the next message
    }
  }
  const std::string who = "gpu" + std::to_string(device_->index());
  core_->Log(who + ": SPDM listening on " + endpoint.bind + ":" + std::to_string(listener.port()));
  if (on_listening) on_listening(listener.port());
  constexpr std::chrono::milliseconds kTick{200};
  tp::SocketOptions so;
  so.receive_timeout = kTick;  // lets the loop see `stop`; requesters send whole frames
  so.send_timeout = std::chrono::milliseconds(10000);
  while (!stop.load()) {
    auto conn = listener.Accept(kTick, so);
    if (!conn) {
      if (conn.error().code == Errc::kTimeout) continue;
      core_->Log(who + ": SPDM accept failed: " + conn.error().ToString());
      std::this_thread::sleep_for(kTick);
      continue;
    }
    tp::PlatformPortTransport t(std::move(*conn), type, tp::Role::kResponder);
    Error why{Errc::kClosed, "connection ended"};
    while (!stop.load()) {
      auto m = t.Receive();
      if (!m) {
        // An idle requester: keep waiting (a frame arrives in one piece).
        if (m.error().code == Errc::kTimeout) continue;
        why = m.error();
        break;
      }
      rsp::TransportMessage reply = core_->Handle(m->secured, m->data);
      if (Status st = t.Send(reply.bytes, reply.secured); !st) {
        why = st.error();
        break;
      }
    }
    core_->Log(who + ": SPDM connection ended (" + why.ToString() + ")");
  }
  return OkStatus();
}

SpdmServiceFactory MakeSpdmServiceFactory(tp::TransportType type, std::function<void(DeviceService&)> on_created,
                                          std::function<void(const std::string&)> log) {
  return [type, on_created = std::move(on_created), log = std::move(log)](
             Device& device, const SpdmEndpoint& endpoint, const std::atomic<bool>& stop) -> Status {
    if (endpoint.port == 0) {
      if (log) log("gpu" + std::to_string(device.index()) + ": no SPDM port configured; SPDM not served");
      return OkStatus();
    }
    DeviceServiceOptions o;
    o.in_process_transport = type;
    o.log = log;
    CCGPU_ASSIGN_OR_RETURN(std::unique_ptr<DeviceService> service, DeviceService::Create(device, std::move(o)));
    if (on_created) on_created(*service);
    return service->Serve(endpoint, stop, type);
  };
}

}  // namespace ccgpu::gpu
