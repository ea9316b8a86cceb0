// Device: the secure-attach side of the host interface — PCI config, host
// events, guest ownership and the guest-state scrub (device.h).
#include <algorithm>

#include "gpu/device.h"

namespace ccgpu::gpu {

std::string_view HostEventKindName(HostEventKind k) {
  switch (k) {
    case HostEventKind::kConfigWrite: return "config-write";
    case HostEventKind::kBarMove: return "bar-move";
    case HostEventKind::kFlr: return "flr";
    case HostEventKind::kCcModeChange: return "cc-mode-change";
    case HostEventKind::kReset: return "reset";
    case HostEventKind::kAssign: return "assign";
  }
  return "unknown";
}

PciConfig Device::Pci() const {
  std::lock_guard lock(mu_);
  return pci_;
}

Result<uint32_t> Device::HostConfigRead(uint16_t offset) const {
  std::lock_guard lock(mu_);
  return pci_.Read32(offset);
}

Result<ConfigChange> Device::HostConfigWrite(uint16_t offset, uint32_t value) {
  ConfigChange change;
  {
    std::lock_guard lock(mu_);
    CCGPU_ASSIGN_OR_RETURN(change, pci_.Write32(offset, value));
  }
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(offset));
  if (change == ConfigChange::kNone) {
    Log("host config write at " + std::string(hex) + " changed nothing");
    return change;
  }
  const std::string detail =
      "host config write at " + std::string(hex) + " changed the " + std::string(ConfigChangeName(change));
  Log(detail);
  RaiseHostEvent({HostEventKind::kConfigWrite, change, detail});
  return change;
}

Result<ConfigChange> Device::HostBarMove(uint8_t bar, uint64_t address) {
  ConfigChange change;
  {
    std::lock_guard lock(mu_);
    CCGPU_ASSIGN_OR_RETURN(change, pci_.MoveBar(bar, address));
  }
  if (change == ConfigChange::kNone) return change;
  char text[96];
  std::snprintf(text, sizeof text, "host moved BAR%u to 0x%llx", static_cast<unsigned>(bar),
                static_cast<unsigned long long>(address));
  Log(text);
  RaiseHostEvent({HostEventKind::kBarMove, change, text});
  return change;
}

ccgpu::Status Device::HostFlr() {
  {
    std::lock_guard lock(mu_);
    pci_.Flr();
  }
  Log("host issued a Function Level Reset: PCI command register and MSI-X control cleared");
  CCGPU_TRY(ScrubGuestState("function level reset"));
  RaiseHostEvent({HostEventKind::kFlr, ConfigChange::kNone, "host issued a Function Level Reset"});
  return OkStatus();
}

void Device::AssignGuest(const std::string& guest) {
  std::string old;
  {
    std::lock_guard lock(mu_);
    old = assigned_guest_;
    assigned_guest_ = guest;
  }
  if (old == guest) return;
  const std::string detail = guest.empty() ? "host released the device from guest '" + old + "'"
                                           : "host assigned the device to guest '" + guest + "'" +
                                                 (old.empty() ? "" : " (was '" + old + "')");
  Log(detail);
  RaiseHostEvent({HostEventKind::kAssign, ConfigChange::kNone, detail});
}

std::string Device::assigned_guest() const {
  std::lock_guard lock(mu_);
  return assigned_guest_;
}

int Device::AddHostEventListener(std::function<void(const HostEvent&)> fn) {
  std::lock_guard lock(listeners_mu_);
  int id = next_listener_++;
  host_listeners_.emplace_back(id, std::move(fn));
  return id;
}

void Device::RemoveHostEventListener(int id) {
  std::lock_guard lock(listeners_mu_);
  std::erase_if(host_listeners_, [id](const auto& p) { return p.first == id; });
}

int Device::AddScrubListener(std::function<void(uint64_t)> fn) {
  std::lock_guard lock(listeners_mu_);
  int id = next_listener_++;
  scrub_listeners_.emplace_back(id, std::move(fn));
  return id;
}

void Device::RemoveScrubListener(int id) {
  std::lock_guard lock(listeners_mu_);
  std::erase_if(scrub_listeners_, [id](const auto& p) { return p.first == id; });
}

void Device::RaiseHostEvent(const HostEvent& e) {
  std::vector<std::function<void(const HostEvent&)>> fns;
  {
    std::lock_guard lock(listeners_mu_);
    for (auto& [id, fn] : host_listeners_) fns.push_back(fn);
  }
  for (auto& fn : fns) fn(e);
}

ccgpu::Status Device::ScrubGuestState(const std::string& reason) {
  uint64_t generation = 0;
  {
    std::unique_lock mem_lock(mem_mu_);  // no engine runs during the scrub
    ready_.store(false);
    CCGPU_TRY(memory_->Scrub());
    generation = scrub_generation_.fetch_add(1) + 1;
  }
  Log("guest state scrubbed (" + reason + "): protected memory zeroed, ready cleared, channel keys to be dropped (scrub " +
      std::to_string(generation) + ")");
  std::vector<std::function<void(uint64_t)>> fns;
  {
    std::lock_guard lock(listeners_mu_);
    for (auto& [id, fn] : scrub_listeners_) fns.push_back(fn);
  }
  for (auto& fn : fns) fn(generation);
  return OkStatus();
}

}  // namespace ccgpu::gpu
