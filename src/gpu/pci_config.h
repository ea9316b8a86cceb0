// The host-visible PCI configuration of an emulated GPU function: a type-0
// header with three memory BARs, the command register's Memory Space Enable
// and Bus Master Enable bits, and an MSI-X capability. The host (untrusted)
// writes it through gpud's management socket; the TDISP responder reports
// the MMIO layout it implies and treats changes to it as security-relevant
// (PCIe 6.1 §11.2.6: a locked TDI goes to ERROR on such changes).
//
// Layout (offsets in the 256-byte legacy config space):
//   0x00 VendorID 0x10DE / DeviceID 0x2331 (RO)     0x04 Command (MSE bit 1,
//   BME bit 2, INTx disable bit 10 writable) / Status (writes ignored)
//   0x08 revision / class code 0x030200 (RO)        0x0C cache line size (RW)
//   0x10 BAR0: 32-bit, 16 MiB registers (MSI-X table and PBA inside)
//   0x14 BAR1: 64-bit prefetchable, 256 MiB aperture (0x14 low, 0x18 high)
//   0x1C BAR3: 64-bit prefetchable, 32 MiB (0x1C low, 0x20 high)
//   0x34 capabilities pointer 0x40 (RO)
//   0x40 MSI-X: cap ID 0x11 | next 0 | Message Control (enable bit 15,
//        function mask bit 14 writable; table size RO) ; 0x44 table
//        offset/BIR (RO) ; 0x48 PBA offset/BIR (RO)
// Writes to read-only registers change nothing. Plain value type, not
// thread-safe (Device guards it).
#ifndef CCGPU_GPU_PCI_CONFIG_H_
#define CCGPU_GPU_PCI_CONFIG_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace ccgpu::gpu {

namespace pci {
inline constexpr uint16_t kCommand = 0x04;
inline constexpr uint16_t kCommandMemoryEnable = 0x0002;  // MSE
inline constexpr uint16_t kCommandBusMaster = 0x0004;     // BME
inline constexpr uint16_t kCommandIntxDisable = 0x0400;
inline constexpr uint16_t kBar0 = 0x10;
inline constexpr uint16_t kMsixCap = 0x40;
inline constexpr uint16_t kMsixEnable = 0x8000;
inline constexpr uint16_t kMsixFunctionMask = 0x4000;
inline constexpr uint16_t kConfigSize = 256;
}  // namespace pci

struct PciBar {
  uint8_t index = 0;  // 0, 1 or 3 (the BAR register number)
  uint64_t address = 0;
  uint64_t size = 0;  // power of two
  bool is_64bit = false;
  bool prefetchable = false;
};

struct MsixInfo {
  uint16_t message_control = 0;  // as in the capability (table size N-1 in bits 10:0)
  uint8_t table_bar = 0;
  uint32_t table_offset = 0;
  uint8_t pba_bar = 0;
  uint32_t pba_offset = 0;
  uint32_t table_entries() const { return (message_control & 0x7FFu) + 1; }
};

// What a config write changed (kNone when nothing did).
enum class ConfigChange {
  kNone,
  kCommand,   // MSE / BME / INTx disable
  kBar,       // a BAR's address
  kMsix,      // MSI-X enable / function mask
  kOther,     // another writable register (cache line size)
};
std::string_view ConfigChangeName(ConfigChange c);

class PciConfig {
 public:
  // Device `index`'s power-on configuration as the host firmware left it:
  // BARs assigned (BAR0 at 0xC000_0000 + index·16 MiB, BAR1 at
  // 0x3800_0000_0000 + index·256 MiB, BAR3 at 0x3900_0000_0000 + index·32
  // MiB), MSE and BME set, MSI-X with 6 vectors, disabled. Requester ID
  // bus 0x41+index, device 0, function 0.
  static PciConfig ForDevice(unsigned index);

  // TDISP function_id: Requester ID (bus << 8 | device << 3 | function).
  uint32_t function_id() const { return function_id_; }
  uint16_t command() const { return command_; }
  bool memory_enabled() const { return (command_ & pci::kCommandMemoryEnable) != 0; }
  bool bus_master_enabled() const { return (command_ & pci::kCommandBusMaster) != 0; }
  const std::array<PciBar, 3>& bars() const { return bars_; }
  // kNotFound for a BAR number other than 0, 1, 3.
  Result<PciBar> Bar(uint8_t index) const;
  const MsixInfo& msix() const { return msix_; }

  // One dword of config space (little-endian register layout).
  // kInvalidArgument: offset not 4-aligned or past 0xFC.
  Result<uint32_t> Read32(uint16_t offset) const;
  // A host config write of one dword (BAR sizing included: writing all ones
  // to a BAR register then reading it returns the size mask). Returns what
  // changed. kInvalidArgument as for Read32.
  Result<ConfigChange> Write32(uint16_t offset, uint32_t value);
  // Moves a BAR (the hypervisor reprogramming it). kNotFound (no such BAR),
  // kInvalidArgument (address not aligned to the BAR size, a 32-bit BAR
  // above 4 GiB, or address + size wrapping). Returns kBar, or kNone when the
  // address is unchanged.
  Result<ConfigChange> MoveBar(uint8_t index, uint64_t address);
  // Function Level Reset: command register and MSI-X control return to 0
  // (MSE, BME, MSI-X off); BARs keep their addresses.
  void Flr();

 private:
  PciBar* FindBar(uint8_t index);
  uint32_t function_id_ = 0;
  uint16_t command_ = 0;
  uint8_t cache_line_size_ = 0;
  std::array<PciBar, 3> bars_{};
  MsixInfo msix_;
};

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_PCI_CONFIG_H_
