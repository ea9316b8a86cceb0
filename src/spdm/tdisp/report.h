// The TDISP DEVICE_INTERFACE_REPORT structure (PCIe 6.1 §11.3.11; layout as
// in DMTF libspdm pci_tdisp.h), which the responder serves in portions via
// GET_DEVICE_INTERFACE_REPORT:
//
//   interface_info u16 | reserved u16 | msi_x_message_control u16 |
//   lnr_control u16 | tph_control u32 | mmio_range_count u32 |
//   MMIO_RANGE[mmio_range_count] {first_page u64 | number_of_pages u32 |
//                                 range_attributes u16 | range_id u16} |
//   device_specific_info_len u32 | device_specific_info[len]
//
// first_page is the byte address of the range's first 4 KiB page with the
// LOCK_INTERFACE mmio_reporting_offset added (libspdm: "Byte address of the
// first 4K page").
//
// Trailing-data rule: the structure's size is fixed by mmio_range_count and
// device_specific_info_len; bytes after device_specific_info are
// kTrailingData. A count or length past the end: kTruncated (kLengthOverflow
// if count × 16 overflows).
#ifndef CCGPU_SPDM_TDISP_REPORT_H_
#define CCGPU_SPDM_TDISP_REPORT_H_

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::spdm::tdisp {

inline constexpr uint64_t kMmioPageSize = 4096;
inline constexpr std::size_t kMmioRangeSize = 16;
inline constexpr std::size_t kReportFixedSize = 16;  // up to and incl. mmio_range_count

// interface_info bits.
namespace interface_info {
inline constexpr uint16_t kNoUpdateAfterLock = 0x0001;  // no FW update while locked
inline constexpr uint16_t kDmaWithoutPasid = 0x0002;
inline constexpr uint16_t kDmaWithPasid = 0x0004;
inline constexpr uint16_t kAtsSupported = 0x0008;
inline constexpr uint16_t kPrsSupported = 0x0010;
}  // namespace interface_info

// MMIO_RANGE range_attributes bits.
namespace range_attr {
inline constexpr uint16_t kMsixTable = 0x0001;
inline constexpr uint16_t kMsixPba = 0x0002;
inline constexpr uint16_t kIsNonTeeMem = 0x0004;
inline constexpr uint16_t kIsMemAttrUpdatable = 0x0008;
}  // namespace range_attr

struct MmioRange {
  uint64_t first_page = 0;  // byte address (+ mmio_reporting_offset)
  uint32_t number_of_pages = 0;
  uint16_t range_attributes = 0;
  uint16_t range_id = 0;  // the BAR the range lies in (ccgpu's convention)
  friend bool operator==(const MmioRange&, const MmioRange&) = default;
};

// Owning: the report is reassembled from portions before it is parsed.
struct InterfaceReport {
  uint16_t interface_info = 0;
  uint16_t msi_x_message_control = 0;
  uint16_t lnr_control = 0;
  uint32_t tph_control = 0;
  std::vector<MmioRange> mmio_ranges;
  Bytes device_specific_info;
  friend bool operator==(const InterfaceReport&, const InterfaceReport&) = default;
};

// kTruncated, kTrailingData, kLengthOverflow as above.
Result<InterfaceReport> ParseInterfaceReport(ByteSpan bytes);
// kInvalidArgument if the result exceeds 65535 bytes (the largest report
// GET_DEVICE_INTERFACE_REPORT's u16 offset can address).
Result<Bytes> SerializeInterfaceReport(const InterfaceReport& r);

}  // namespace ccgpu::spdm::tdisp

#endif  // CCGPU_SPDM_TDISP_REPORT_H_
