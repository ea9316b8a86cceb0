#include "gpu/device.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "gpu/evidence_builder.h"
#include "gpu/provision.h"
#include "gpu/tdisp/ide_km.h"
#include "gpu/tdisp/tdi.h"

namespace ccgpu::gpu {
namespace fs = std::filesystem;

namespace {
std::string ToPem(const crypto::Certificate& c) {
  std::string b64 = Base64Encode(c.Der());
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END CERTIFICATE-----\n";
}
}  // namespace

std::string_view HostAccessName(HostAccess a) {
  switch (a) {
    case HostAccess::kAllowed: return "allowed";
    case HostAccess::kPoisoned: return "poisoned";
    case HostAccess::kDropped: return "dropped";
  }
  return "?";
}

Result<std::unique_ptr<Device>> Device::Open(const fs::path& state, unsigned index, const Clock& clock) {
  std::unique_ptr<Device> d(new Device());
  d->dir_ = DeviceDir(state, index);
  d->index_ = index;
  d->clock_ = &clock;
  auto cfg_text = ReadFileText(d->dir_ / "config.json", 1 << 20);
  if (!cfg_text) {
    if (cfg_text.error().code == Errc::kNotFound) return Fail(Errc::kNotFound, "device: no such device in the state directory");
    return tl::unexpected(cfg_text.error());
  }
  CCGPU_ASSIGN_OR_RETURN(d->config_, DeviceConfig::FromJson(*cfg_text));
  CCGPU_ASSIGN_OR_RETURN(std::string key_pem, ReadFileText(d->dir_ / "private/identity.key", 1 << 16));
  auto key = crypto::EcPrivateKey::FromPem(key_pem);
  std::fill(key_pem.begin(), key_pem.end(), '\0');
  if (!key) return Fail(Errc::kBadKey, "device: identity key does not load");
  d->identity_key_ = *key;
  CCGPU_ASSIGN_OR_RETURN(std::string id_pem, ReadFileText(d->dir_ / "identity.pem", 1 << 16));
  CCGPU_ASSIGN_OR_RETURN(d->identity_cert_, crypto::Certificate::FromPem(id_pem));
  CCGPU_ASSIGN_OR_RETURN(std::string ca_pem, ReadFileText(d->dir_ / "ca_chain.pem", 1 << 20));
  CCGPU_ASSIGN_OR_RETURN(d->ca_chain_, crypto::Certificate::ParsePemChain(ca_pem));
  if (d->ca_chain_.size() != 3) return Fail(Errc::kBadCertificate, "device: ca_chain.pem must hold 3 certificates");
  CCGPU_ASSIGN_OR_RETURN(ProtectedMemory mem, ProtectedMemory::Create(d->config_.protected_memory_bytes));
  d->memory_.emplace(std::move(mem));
  {
    std::lock_guard lock(d->mu_);
    CCGPU_TRY(d->Boot());
  }
  CCGPU_TRY(d->Save());
  d->pci_ = PciConfig::ForDevice(index);
  d->tdi_ = std::make_shared<tdisp::TdiResponder>(*d);
  d->ide_km_ = std::make_shared<tdisp::IdeKmResponder>(*d);
  d->pci_sig_ = std::make_shared<tdisp::PciSigProtocols>(d->ide_km_, d->tdi_);
  return d;
}

Device::~Device() = default;

// Requires mu_.
Status Device::Boot() {
  CCGPU_ASSIGN_OR_RETURN(measurements_, MeasureDevice(dir_ / "firmware", config_));
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPrivateKey ak, crypto::EcPrivateKey::Generate(crypto::Curve::kP384));
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey ak_pub, ak.PublicKey());
  CCGPU_ASSIGN_OR_RETURN(crypto::Certificate leaf,
                         IssueAttestationLeaf(ak_pub, measurements_.fwid, *identity_cert_, *identity_key_, clock_->Now()));
  ak_ = std::move(ak);
  ak_leaf_ = std::move(leaf);
  ++config_.boot_count;
  return OkStatus();
}

DeviceConfig Device::Config() const {
  std::lock_guard lock(mu_);
  return config_;
}

DeviceStatus Device::Status() const {
  std::unique_lock lock(mu_);
  DeviceStatus s;
  s.index = index_;
  s.cc_mode = config_.cc_mode;
  s.pending_cc_mode = config_.pending_cc_mode;
  s.ready = ready_.load();
  s.nvdec_enabled = config_.nvdec_enabled;
  s.boot_count = config_.boot_count;
  s.session_generation = session_generation_.load();
  s.protected_memory_bytes = config_.protected_memory_bytes;
  s.identity_serial = HexEncode(identity_cert_->SerialNumber());
  s.identity_subject = identity_cert_->Subject();
  s.driver_version = config_.driver_version;
  s.vbios_version = config_.vbios_version;
  s.fwid = Bytes(measurements_.fwid.begin(), measurements_.fwid.end());
  s.spdm_port = config_.spdm_port;
  s.host_accesses_denied = denied_;
  s.assigned_guest = assigned_guest_;
  s.scrub_generation = scrub_generation_.load();
  s.pci = pci_;
  if (tdi_) {  // the TDI's own lock is taken below, outside mu_
    lock.unlock();
    const tdisp::TdiStatus t = tdi_->Status();
    s.tdi_state = std::string(spdm::tdisp::TdiStateName(t.state));
    s.tdi_error_reason = t.error_reason;
  }
  return s;
}

std::vector<crypto::Certificate> Device::CertificateChain() const {
  std::lock_guard lock(mu_);
  std::vector<crypto::Certificate> chain{*ak_leaf_, *identity_cert_};
  chain.insert(chain.end(), ca_chain_.begin(), ca_chain_.end());
  return chain;
}

std::string Device::CertificateChainPem() const {
  std::string out;
  for (const auto& c : CertificateChain()) out += ToPem(c);
  return out;
}

MeasurementSet Device::Measurements() const {
  std::lock_guard lock(mu_);
  return measurements_;
}

Result<Bytes> Device::Evidence(ByteSpan nonce) const {
  std::lock_guard lock(mu_);
  return BuildEvidence(nonce, measurements_, config_, *ak_);
}

Result<std::string> Device::EvidenceJson(ByteSpan nonce) const {
  CCGPU_ASSIGN_OR_RETURN(Bytes blob, Evidence(nonce));
  const std::string chain = CertificateChainPem();
  DeviceConfig cfg = Config();
  nlohmann::ordered_json j;
  j["arch"] = "HOPPER";
  j["nonce"] = HexEncode(nonce);
  j["evidence"] = Base64Encode(blob);
  j["certificate"] = Base64Encode(AsBytes(chain));
  j["driver_version"] = cfg.driver_version;
  j["vbios_version"] = cfg.vbios_version;
  j["emulated"] = true;
  return j.dump();
}

Result<Bytes> Device::SignWithAttestationKey(ByteSpan message) const {
  std::lock_guard lock(mu_);
  return ak_->SignRaw(crypto::HashAlg::kSha384, message);
}

Result<Bytes> Device::SignDigestWithAttestationKey(ByteSpan digest) const {
  std::lock_guard lock(mu_);
  return ak_->SignDigestRaw(digest);
}

ccgpu::Status Device::RequestCcMode(CcMode mode) {
  {
    std::lock_guard lock(mu_);
    if (mode == config_.cc_mode) {
      config_.pending_cc_mode.reset();
    } else {
      config_.pending_cc_mode = mode;
    }
  }
  CCGPU_TRY(Save());
  if (mode == Config().cc_mode) return OkStatus();
  RaiseHostEvent({HostEventKind::kCcModeChange, ConfigChange::kNone,
                  "cc mode change to '" + std::string(CcModeName(mode)) + "' staged"});
  Log("cc mode change to '" + std::string(CcModeName(mode)) + "' staged; takes effect at the next reset");
  return Fail(Errc::kResetRequired, "cc mode change staged: it takes effect only through a device reset");
}

ccgpu::Status Device::Reset() {
  uint64_t generation = 0;
  {
    std::unique_lock mem_lock(mem_mu_);  // no engine runs during a reset
    std::lock_guard lock(mu_);
    ready_.store(false);
    generation = session_generation_.fetch_add(1) + 1;  // all session keys are now dead
    CCGPU_TRY(memory_->Scrub());
    if (config_.pending_cc_mode) {
      config_.cc_mode = *config_.pending_cc_mode;
      config_.pending_cc_mode.reset();
    }
    CCGPU_TRY(Boot());
  }
  Log("reset: protected memory scrubbed, session keys destroyed (generation " + std::to_string(generation) +
      "), cc mode " + std::string(CcModeName(Config().cc_mode)));
  CCGPU_TRY(Save());
  std::vector<std::function<void(uint64_t)>> fns;
  {
    std::lock_guard lock(listeners_mu_);
    for (auto& [id, fn] : listeners_) fns.push_back(fn);
  }
  for (auto& fn : fns) fn(generation);
  RaiseHostEvent({HostEventKind::kReset, ConfigChange::kNone, "device reset"});
  return OkStatus();
}

void Device::SetReady(bool ready) {
  ready_.store(ready);
  Log(ready ? "guest set the device ready" : "guest cleared ready");
}

int Device::AddResetListener(std::function<void(uint64_t)> fn) {
  std::lock_guard lock(listeners_mu_);
  int id = next_listener_++;
  listeners_.emplace_back(id, std::move(fn));
  return id;
}

void Device::RemoveResetListener(int id) {
  std::lock_guard lock(listeners_mu_);
  std::erase_if(listeners_, [id](const auto& p) { return p.first == id; });
}

ccgpu::Status Device::EngineWrite(uint64_t offset, ByteSpan data) {
  return WithEngineRange(offset, data.size(), [&](std::span<uint8_t> dst) {
    std::copy(data.begin(), data.end(), dst.begin());
    return OkStatus();
  });
}

ccgpu::Status Device::EngineRead(uint64_t offset, std::span<uint8_t> out) {
  return WithEngineRange(offset, out.size(), [&](std::span<uint8_t> src) {
    std::copy(src.begin(), src.end(), out.begin());
    return OkStatus();
  });
}

ccgpu::Status Device::WithEngineRange(uint64_t offset, uint64_t length,
                                      const std::function<ccgpu::Status(std::span<uint8_t>)>& fn) {
  std::shared_lock lock(mem_mu_);
  if (!ready_.load()) {
    return Fail(Errc::kNotReady, "device not ready: the guest has not verified it and set it ready; work refused");
  }
  CCGPU_ASSIGN_OR_RETURN(std::span<uint8_t> range, memory_->Range(offset, length));
  return fn(range);
}

Result<HostAccess> Device::HostRead(uint64_t offset, std::span<uint8_t> out) {
  std::shared_lock lock(mem_mu_);
  CCGPU_ASSIGN_OR_RETURN(std::span<uint8_t> range, memory_->Range(offset, out.size()));
  const CcMode mode = Config().cc_mode;
  if (mode == CcMode::kOff) {
    std::copy(range.begin(), range.end(), out.begin());
    return HostAccess::kAllowed;
  }
  std::fill(out.begin(), out.end(), kPoisonByte);
  {
    std::lock_guard l(mu_);
    ++denied_;
  }
  Log("host read of protected memory denied (cc " + std::string(CcModeName(mode)) + "): offset " +
      std::to_string(offset) + " length " + std::to_string(out.size()) + " -> poison");
  return HostAccess::kPoisoned;
}

Result<HostAccess> Device::HostWrite(uint64_t offset, ByteSpan data) {
  std::shared_lock lock(mem_mu_);
  CCGPU_ASSIGN_OR_RETURN(std::span<uint8_t> range, memory_->Range(offset, data.size()));
  const CcMode mode = Config().cc_mode;
  if (mode == CcMode::kOff) {
    std::copy(data.begin(), data.end(), range.begin());
    return HostAccess::kAllowed;
  }
  {
    std::lock_guard l(mu_);
    ++denied_;
  }
  Log("host write to protected memory dropped (cc " + std::string(CcModeName(mode)) + "): offset " +
      std::to_string(offset) + " length " + std::to_string(data.size()));
  return HostAccess::kDropped;
}

void Device::Log(const std::string& line) {
  std::function<void(const std::string&)> sink;
  const std::string full = "gpu" + std::to_string(index_) + ": " + line;
  {
    std::lock_guard lock(mu_);
    log_.push_back(full);
    if (log_.size() > 256) log_.erase(log_.begin());
    sink = log_sink_;
  }
  if (sink) sink(full);
}

std::vector<std::string> Device::AccessLog() const {
  std::lock_guard lock(mu_);
  return log_;
}

void Device::SetLogSink(std::function<void(const std::string&)> sink) {
  std::lock_guard lock(mu_);
  log_sink_ = std::move(sink);
}

Result<channel::SharedRegion> Device::CreateSharedRegion(std::size_t size) {
  return channel::SharedRegion::CreateAnonymous(size, "ccgpu-gpu-shared");
}

ccgpu::Status Device::Save() const {
  std::string text;
  {
    std::lock_guard lock(mu_);
    text = config_.ToJson();
  }
  return WriteTextAtomic(dir_ / "config.json", text, 0644, /*sync=*/true);
}

Result<DeviceSet> DeviceSet::Open(const fs::path& state, const Clock& clock) {
  CCGPU_ASSIGN_OR_RETURN(GpudConfig g, LoadGpudConfig(state));
  DeviceSet set;
  for (unsigned i = 0; i < g.devices; ++i) {
    CCGPU_ASSIGN_OR_RETURN(std::unique_ptr<Device> d, Device::Open(state, i, clock));
    set.devices_.push_back(std::move(d));
  }
  return set;
}

Result<Device*> DeviceSet::Get(unsigned index) {
  if (index >= devices_.size()) return Fail(Errc::kNotFound, "no such device index");
  return devices_[index].get();
}

ccgpu::Status DeviceSet::SaveAll() const {
  for (const auto& d : devices_) CCGPU_TRY(d->Save());
  return OkStatus();
}

}  // namespace ccgpu::gpu
