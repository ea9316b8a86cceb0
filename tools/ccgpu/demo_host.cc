#include "demo_host.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "channel/ring.h"
#include "channel/shm.h"
#include "crypto/rng.h"
#include "gpu/device.h"
#include "spdm/requester/exchange.h"
#include "spdm/wire/message.h"

namespace ccgpu::cli {
namespace fs = std::filesystem;
using channel::HostRelay;

namespace {

// The SPDM connection as the host relays it: flips one bit of the first
// MEASUREMENTS response (in its signature) on the way to the guest.
class EvidenceTamperingExchange final : public spdm::requester::MessageExchange {
 public:
  explicit EvidenceTamperingExchange(std::unique_ptr<spdm::requester::MessageExchange> inner)
      : inner_(std::move(inner)) {}
  Result<spdm::requester::ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
    auto reply = inner_->Exchange(secured, request);
    if (reply && !secured && !done_ && reply->bytes.size() > 64 &&
        reply->bytes[1] == static_cast<uint8_t>(spdm::wire::Code::kMeasurements)) {
      reply->bytes[reply->bytes.size() - 10] ^= 0x01;  // inside the signature
      done_ = true;
    }
    return reply;
  }

 private:
  std::unique_ptr<spdm::requester::MessageExchange> inner_;
  bool done_ = false;
};

std::string Describe(const Error& e) { return std::string(ErrcName(e.code)); }

}  // namespace

Result<channel::SharedRegion> DmaInterposer::MapForDevice(const std::string& name) {
  auto ring = std::make_unique<Ring>();
  CCGPU_ASSIGN_OR_RETURN(ring->guest, channel::SharedRegion::OpenNamed(name));
  CCGPU_ASSIGN_OR_RETURN(channel::SlotRing guest_ring, channel::SlotRing::AttachAsHost(ring->guest->bytes()));
  CCGPU_ASSIGN_OR_RETURN(ring->device, channel::SharedRegion::CreateAnonymous(ring->guest->size(), "ccgpu-dma"));
  CCGPU_ASSIGN_OR_RETURN(channel::SlotRing device_ring,
                         channel::SlotRing::Format(ring->device->bytes(), guest_ring.slot_count(),
                                                   guest_ring.slot_payload()));
  // The device gets its own mapping of the host's copy, so the relay's
  // mappings outlive whatever the device does with its own.
  const int fd = dup(ring->device->fd());
  if (fd < 0) return Fail(Errc::kIo, "demo host: dup of a DMA region failed");
  CCGPU_ASSIGN_OR_RETURN(channel::SharedRegion for_device, channel::SharedRegion::FromFd(fd));
  const std::string role = name.substr(name.rfind('-') + 1);
  const bool to_device = role == "cmd" || role == "h2d";
  ring->relay = std::make_unique<HostRelay>(to_device ? guest_ring : device_ring, to_device ? device_ring : guest_ring);
  std::lock_guard lock(mu_);
  if (auto it = rings_.find(role); it != rings_.end()) retired_.push_back(std::move(it->second));
  rings_[role] = std::move(ring);
  return for_device;
}

channel::HostRelay* DmaInterposer::relay(const std::string& role) {
  std::lock_guard lock(mu_);
  auto it = rings_.find(role);
  return it == rings_.end() ? nullptr : it->second->relay.get();
}

void DmaInterposer::ForEachRegion(const std::function<void(const std::string&, std::span<const uint8_t>)>& fn) {
  std::lock_guard lock(mu_);
  for (const auto& [role, ring] : rings_) fn("dma-" + role, ring->device->bytes());
}

DmaInterposer::~DmaInterposer() {
  // Relays first: they use both mappings.
  for (auto& [role, ring] : rings_) ring->relay.reset();
  for (auto& ring : retired_) ring->relay.reset();
}

DeviceSpec Host::Spec(const fs::path& state, unsigned index) {
  auto& dma = dma_[index];
  if (!dma) dma = std::make_shared<DmaInterposer>();
  DeviceSpec spec = DeviceSpec::InProcess(state, index);
  spec.map_region = [dma](const std::string& name) { return dma->MapForDevice(name); };
  return spec;
}

void Host::ScanForPlaintext(ByteSpan secret, const std::string& label) {
  constexpr std::size_t kWindow = 32;
  if (secret.size() < kWindow) return;
  std::vector<ByteSpan> windows;
  for (std::size_t i = 0; i < 8; ++i) {
    windows.push_back(secret.subspan((secret.size() - kWindow) * i / 7, kWindow));
  }
  auto scan = [&](const std::string& name, std::span<const uint8_t> bytes) {
    ++regions_scanned_;
    bytes_scanned_ += bytes.size();
    for (ByteSpan w : windows) {
      if (memmem(bytes.data(), bytes.size(), w.data(), w.size()) != nullptr) {
        ++plaintext_hits_;
        report_.Note("PLAINTEXT of " + label + " found in host-visible region " + name);
      }
    }
  };
  for (const auto& [index, dma] : dma_) dma->ForEachRegion(scan);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/dev/shm", ec)) {
    const std::string name = entry.path().filename().string();
    // This guest's regions (the runtime names them /ccgpu-<pid>-…).
    if (name.rfind("ccgpu-" + std::to_string(::getpid()) + "-", 0) != 0) continue;
    auto region = channel::SharedRegion::OpenNamed("/" + name);
    if (!region) continue;  // gone meanwhile
    scan(name, region->bytes());
  }
}

bool Host::ReattachAndProbe(Context& ctx, const fs::path& state, unsigned index, DeviceId& id) {
  auto again = ctx.Attach(Spec(state, index));
  if (!again) return false;
  id = *again;
  auto buf = ctx.Alloc(id, 4096);
  Bytes probe(4096), back(4096);
  if (!buf || !crypto::RandomBytes(probe)) return false;
  return ctx.CopyToDevice(*buf, probe) && ctx.CopyFromDevice(*buf, back) && back == probe;
}

void Host::RunEpisode(Context& ctx, const fs::path& state, std::vector<DeviceId>& gpus) {
  report_.Note("hostile host episode: the host attacks what it carries and controls");
  Bytes data(1u << 20);
  (void)crypto::RandomBytes(data);

  // 1. A bit flipped in one sealed chunk of an H2D copy on its way through
  //    the bounce buffer: the device's tag check fails, the range is
  //    poisoned, the copy fails naming the error; the retry succeeds.
  report_.Step("host flips a bit in a bounce-buffer chunk", [&](std::string& detail) -> Status {
    CCGPU_ASSIGN_OR_RETURN(DeviceBuffer buf, ctx.Alloc(gpus[0], data.size()));
    HostRelay* h2d = dma_[0] ? dma_[0]->relay("h2d") : nullptr;
    if (h2d == nullptr) return Fail(Errc::kStateError, "demo host: no H2D relay on GPU 0");
    h2d->SetScript(HostRelay::Flip(h2d->emitted() + 2, 40 + 100, 0x04));  // chunk 2's ciphertext
    Status tampered = ctx.CopyToDevice(buf, data);
    h2d->SetScript(HostRelay::Identity());
    demo::AttackRecord a{"tampered H2D chunk", !tampered.has_value(),
                         tampered ? "none" : Describe(tampered.error()), tampered ? "" : tampered.error().context,
                         false};
    Status retry = ctx.CopyToDevice(buf, data);
    Bytes back(data.size());
    if (retry) retry = ctx.CopyFromDevice(buf, back);
    a.survived = retry.has_value() && back == data;
    detail = a.detected ? "copy refused, retry " + std::string(a.survived ? "bit-exact" : "FAILED") : "NOT detected";
    report_.Attack(a);
    return a.detected && a.survived ? OkStatus() : Fail(Errc::kAuthFailed, "demo host: tampered chunk not handled");
  });

  // 2. The host replays the previous sealed command record: the device
  //    rejects it, closes the channel, and the guest drops the device; the
  //    guest re-attaches it from scratch and goes on.
  report_.Step("host replays a sealed command", [&](std::string& detail) -> Status {
    HostRelay* cmd = dma_[0] ? dma_[0]->relay("cmd") : nullptr;
    if (cmd == nullptr) return Fail(Errc::kStateError, "demo host: no command relay on GPU 0");
    const uint64_t next = cmd->emitted();
    if (next == 0) return Fail(Errc::kStateError, "demo host: no command to replay yet");
    cmd->SetScript(HostRelay::Map({{next, static_cast<int64_t>(next - 1)}}));
    auto replayed = ctx.Alloc(gpus[0], 4096);
    demo::AttackRecord a{"replayed command", !replayed.has_value(),
                         replayed ? "none" : Describe(replayed.error()), "", false};
    if (auto r = ctx.Report(gpus[0]); r && r->lost) a.detail = r->lost_why;
    a.survived = ReattachAndProbe(ctx, state, 0, gpus[0]);
    detail = a.detected ? "channel closed by the device; GPU 0 re-attached" : "NOT detected";
    report_.Attack(a);
    return a.detected && a.survived ? OkStatus() : Fail(Errc::kReplay, "demo host: replayed command not handled");
  });

  // 3. A config write on the locked, running GPU 1 (memory-space enable
  //    toggled): TDISP moves the interface to ERROR, the device scrubs the
  //    guest's data and drops its keys; the guest sees it and re-attaches.
  report_.Step("host changes a locked GPU's config", [&](std::string& detail) -> Status {
    gpu::Device* dev = ctx.HostDevice(gpus[1]);
    if (dev == nullptr) return Fail(Errc::kStateError, "demo host: GPU 1 is not in process");
    CCGPU_ASSIGN_OR_RETURN(uint32_t command, dev->HostConfigRead(0x04));
    CCGPU_TRY(dev->HostConfigWrite(0x04, command ^ 0x2u));  // flip Memory Space Enable
    Status check = ctx.CheckDevice(gpus[1]);
    demo::AttackRecord a{"config write on a locked GPU", !check.has_value(),
                         check ? "none" : Describe(check.error()), "", false};
    if (auto r = ctx.Report(gpus[1]); r && r->lost) a.detail = r->lost_why;
    (void)dev->HostConfigWrite(0x04, command);  // the host puts it back; the guest must re-attach anyway
    a.survived = ReattachAndProbe(ctx, state, 1, gpus[1]);
    detail = a.detected ? "TDISP ERROR seen by the guest; GPU 1 re-attached" : "NOT detected";
    report_.Attack(a);
    return a.detected && a.survived ? OkStatus() : Fail(Errc::kStateError, "demo host: config change not handled");
  });

  // 4. The host alters the signed evidence on the SPDM link during an
  //    attach: the signature check fails at the evidence step and the device
  //    is refused; an honest attach afterwards succeeds.
  report_.Step("host alters evidence in transit", [&](std::string& detail) -> Status {
    DeviceSpec spec = Spec(state, 1);
    spec.relay = [](std::unique_ptr<spdm::requester::MessageExchange> inner)
        -> std::unique_ptr<spdm::requester::MessageExchange> {
      return std::make_unique<EvidenceTamperingExchange>(std::move(inner));
    };
    auto refused = ctx.Attach(spec);
    demo::AttackRecord a{"altered evidence on the SPDM link", !refused.has_value(),
                         refused ? "none" : Describe(refused.error()), "", false};
    if (const auto& f = ctx.last_attach_failure(); f && !refused) a.detail = f->why;
    auto honest = ctx.Attach(Spec(state, 1));
    if (honest) gpus[1] = *honest;
    a.survived = honest.has_value();
    detail = a.detected ? "attach refused at the evidence step; honest attach then passed" : "NOT detected";
    report_.Attack(a);
    return a.detected && a.survived ? OkStatus() : Fail(Errc::kBadSignature, "demo host: evidence tamper not handled");
  });
}

void Host::Finish() {
  report_.SetResult("shared_memory_scan", nlohmann::ordered_json{{"regions", regions_scanned_},
                                                                 {"bytes", bytes_scanned_},
                                                                 {"plaintext_hits", plaintext_hits_}});
  report_.Step("host scan: no plaintext in shared memory", [&](std::string& detail) -> Status {
    detail = std::to_string(regions_scanned_) + " regions, " + std::to_string(bytes_scanned_) + " bytes scanned";
    if (regions_scanned_ == 0) return Fail(Errc::kStateError, "demo: the host found no shared regions to scan");
    if (plaintext_hits_ != 0) return Fail(Errc::kAccessDenied, "demo: plaintext found in host-visible memory");
    return OkStatus();
  });
}

}  // namespace ccgpu::cli
