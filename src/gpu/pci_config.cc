#include "gpu/pci_config.h"

namespace ccgpu::gpu {
namespace {

constexpr uint16_t kVendorId = 0x10DE;  // NVIDIA
constexpr uint16_t kDeviceId = 0x2331;  // GH100 (H100 PCIe)
constexpr uint32_t kClassRev = 0x030200A1;  // 3D controller, revision A1
constexpr uint16_t kWritableCommand =
    pci::kCommandMemoryEnable | pci::kCommandBusMaster | pci::kCommandIntxDisable;
constexpr uint16_t kWritableMsix = pci::kMsixEnable | pci::kMsixFunctionMask;

// BAR register low bits: bit 0 = 0 (memory), bits 2:1 type (00 32-bit,
// 10 64-bit), bit 3 prefetchable.
uint32_t BarTypeBits(const PciBar& b) { return (b.is_64bit ? 0x4u : 0u) | (b.prefetchable ? 0x8u : 0u); }

}  // namespace

std::string_view ConfigChangeName(ConfigChange c) {
  switch (c) {
    case ConfigChange::kNone: return "none";
    case ConfigChange::kCommand: return "command register (memory/bus-master enable)";
    case ConfigChange::kBar: return "BAR address";
    case ConfigChange::kMsix: return "MSI-X control";
    case ConfigChange::kOther: return "config register";
  }
  return "unknown";
}

PciConfig PciConfig::ForDevice(unsigned index) {
  PciConfig c;
  c.function_id_ = static_cast<uint32_t>((0x41u + index) & 0xFFu) << 8;
  c.command_ = pci::kCommandMemoryEnable | pci::kCommandBusMaster;
  c.cache_line_size_ = 0x10;
  c.bars_[0] = PciBar{0, 0xC0000000ull + uint64_t{index % 64} * (16ull << 20), 16ull << 20, false, false};
  c.bars_[1] = PciBar{1, 0x380000000000ull + uint64_t{index} * (256ull << 20), 256ull << 20, true, true};
  c.bars_[2] = PciBar{3, 0x390000000000ull + uint64_t{index} * (32ull << 20), 32ull << 20, true, true};
  // 6 vectors (table size field N-1 = 5), disabled. Table and PBA in BAR0.
  c.msix_ = MsixInfo{0x0005, 0, 0x00B90000, 0, 0x00BA0000};
  return c;
}

Result<PciBar> PciConfig::Bar(uint8_t index) const {
  for (const PciBar& b : bars_) {
    if (b.index == index) return b;
  }
  return Fail(Errc::kNotFound, "pci: no such BAR (the device has BAR0, BAR1, BAR3)");
}

PciBar* PciConfig::FindBar(uint8_t index) {
  for (PciBar& b : bars_) {
    if (b.index == index) return &b;
  }
  return nullptr;
}

Result<uint32_t> PciConfig::Read32(uint16_t offset) const {
  if (offset % 4 != 0 || offset >= pci::kConfigSize) {
    return Fail(Errc::kInvalidArgument, "pci: config offset must be a 4-aligned dword below 0x100");
  }
  switch (offset) {
    case 0x00: return uint32_t{kDeviceId} << 16 | kVendorId;
    case 0x04: return uint32_t{0x0010} << 16 | command_;  // status: capabilities list
    case 0x08: return kClassRev;
    case 0x0C: return cache_line_size_;
    case 0x10: return static_cast<uint32_t>(bars_[0].address) | BarTypeBits(bars_[0]);
    case 0x14: return static_cast<uint32_t>(bars_[1].address) | BarTypeBits(bars_[1]);
    case 0x18: return static_cast<uint32_t>(bars_[1].address >> 32);
    case 0x1C: return static_cast<uint32_t>(bars_[2].address) | BarTypeBits(bars_[2]);
    case 0x20: return static_cast<uint32_t>(bars_[2].address >> 32);
    case 0x2C: return uint32_t{0x1839} << 16 | kVendorId;  // subsystem
    case 0x34: return pci::kMsixCap;
    case 0x40: return uint32_t{msix_.message_control} << 16 | 0x0011;
    case 0x44: return msix_.table_offset | msix_.table_bar;
    case 0x48: return msix_.pba_offset | msix_.pba_bar;
    default: return 0;
  }
}

Result<ConfigChange> PciConfig::Write32(uint16_t offset, uint32_t value) {
  if (offset % 4 != 0 || offset >= pci::kConfigSize) {
    return Fail(Errc::kInvalidArgument, "pci: config offset must be a 4-aligned dword below 0x100");
  }
  // A BAR register: low dword (0x10, 0x14, 0x1C) or high dword (0x18, 0x20).
  auto write_bar = [&](PciBar& b, bool high) {
    const uint64_t old = b.address;
    uint64_t addr = b.address;
    if (high) {
      addr = (addr & 0xFFFFFFFFull) | (uint64_t{value} << 32);
    } else {
      addr = (addr & ~0xFFFFFFFFull) | (value & 0xFFFFFFF0u);
    }
    addr &= ~(b.size - 1);  // size alignment (all ones reads back the size mask)
    b.address = addr;
    return b.address == old ? ConfigChange::kNone : ConfigChange::kBar;
  };
  switch (offset) {
    case 0x04: {
      const uint16_t next = static_cast<uint16_t>((command_ & ~kWritableCommand) | (value & kWritableCommand));
      if (next == command_) return ConfigChange::kNone;
      command_ = next;
      return ConfigChange::kCommand;
    }
    case 0x0C: {
      const auto next = static_cast<uint8_t>(value & 0xFF);
      if (next == cache_line_size_) return ConfigChange::kNone;
      cache_line_size_ = next;
      return ConfigChange::kOther;
    }
    case 0x10: return write_bar(bars_[0], false);
    case 0x14: return write_bar(bars_[1], false);
    case 0x18: return write_bar(bars_[1], true);
    case 0x1C: return write_bar(bars_[2], false);
    case 0x20: return write_bar(bars_[2], true);
    case 0x40: {
      const uint16_t control = static_cast<uint16_t>(value >> 16);
      const uint16_t next =
          static_cast<uint16_t>((msix_.message_control & ~kWritableMsix) | (control & kWritableMsix));
      if (next == msix_.message_control) return ConfigChange::kNone;
      msix_.message_control = next;
      return ConfigChange::kMsix;
    }
    default:
      return ConfigChange::kNone;  // read-only or unimplemented: the write has no effect
  }
}

Result<ConfigChange> PciConfig::MoveBar(uint8_t index, uint64_t address) {
  PciBar* b = FindBar(index);
  if (b == nullptr) return Fail(Errc::kNotFound, "pci: no such BAR (the device has BAR0, BAR1, BAR3)");
  if (address % b->size != 0) return Fail(Errc::kInvalidArgument, "pci: BAR address not aligned to the BAR size");
  if (!b->is_64bit && address > 0xFFFFFFFFull - (b->size - 1)) {
    return Fail(Errc::kInvalidArgument, "pci: a 32-bit BAR must lie below 4 GiB");
  }
  if (address > ~uint64_t{0} - (b->size - 1)) return Fail(Errc::kInvalidArgument, "pci: BAR would wrap");
  if (b->address == address) return ConfigChange::kNone;
  b->address = address;
  return ConfigChange::kBar;
}

void PciConfig::Flr() {
  command_ = 0;
  msix_.message_control = static_cast<uint16_t>(msix_.message_control & ~kWritableMsix);
}

}  // namespace ccgpu::gpu
