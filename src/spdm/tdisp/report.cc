#include "spdm/tdisp/report.h"

namespace ccgpu::spdm::tdisp {

// PCIe 6.1 §11.3.11 DEVICE_INTERFACE_REPORT structure.
Result<InterfaceReport> ParseInterfaceReport(ByteSpan bytes) {
  ByteReader r(bytes);
  InterfaceReport rep;
  CCGPU_ASSIGN_OR_RETURN(rep.interface_info, r.U16("tdisp report: interface_info"));
  CCGPU_TRY(r.Skip(2, "tdisp report: reserved"));
  CCGPU_ASSIGN_OR_RETURN(rep.msi_x_message_control, r.U16("tdisp report: msi_x_message_control"));
  CCGPU_ASSIGN_OR_RETURN(rep.lnr_control, r.U16("tdisp report: lnr_control"));
  CCGPU_ASSIGN_OR_RETURN(rep.tph_control, r.U32("tdisp report: tph_control"));
  CCGPU_ASSIGN_OR_RETURN(uint32_t count, r.U32("tdisp report: mmio_range_count"));
  CCGPU_ASSIGN_OR_RETURN(ByteSpan ranges,
                         r.TakeArray(count, kMmioRangeSize, "tdisp report: MMIO_RANGE array past end"));
  ByteReader rr(ranges);
  rep.mmio_ranges.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    MmioRange m;
    CCGPU_ASSIGN_OR_RETURN(m.first_page, rr.U64("tdisp report: MMIO_RANGE first_page"));
    CCGPU_ASSIGN_OR_RETURN(m.number_of_pages, rr.U32("tdisp report: MMIO_RANGE number_of_pages"));
    CCGPU_ASSIGN_OR_RETURN(m.range_attributes, rr.U16("tdisp report: MMIO_RANGE range_attributes"));
    CCGPU_ASSIGN_OR_RETURN(m.range_id, rr.U16("tdisp report: MMIO_RANGE range_id"));
    rep.mmio_ranges.push_back(m);
  }
  CCGPU_ASSIGN_OR_RETURN(ByteSpan dsi, r.Prefixed32("tdisp report: device_specific_info past end"));
  rep.device_specific_info.assign(dsi.begin(), dsi.end());
  CCGPU_TRY(r.ExpectEnd("tdisp report: bytes after device_specific_info"));
  return rep;
}

Result<Bytes> SerializeInterfaceReport(const InterfaceReport& rep) {
  ByteWriter w(0xFFFF);
  w.U16(rep.interface_info)
      .Zeros(2)
      .U16(rep.msi_x_message_control)
      .U16(rep.lnr_control)
      .U32(rep.tph_control)
      .U32(rep.mmio_ranges.size());
  for (const MmioRange& m : rep.mmio_ranges) {
    w.U64(m.first_page).U32(m.number_of_pages).U16(m.range_attributes).U16(m.range_id);
  }
  w.Prefixed32(rep.device_specific_info);
  auto out = std::move(w).Finish();
  if (!out) return Fail(Errc::kInvalidArgument, "tdisp report: larger than 65535 bytes");
  return out;
}

}  // namespace ccgpu::spdm::tdisp
