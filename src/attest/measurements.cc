#include "attest/measurements.h"

#include <algorithm>
#include <map>

#include "base/ct.h"

namespace ccgpu::attest {
namespace {
constexpr uint32_t kNvdec0MeasurementIndex = 35;
}  // namespace

std::string_view MeasurementSourceName(RimRole role) {
  return role == RimRole::kDriver ? "driver" : "firmware";
}

Result<MeasurementComparison> CompareMeasurements(const Evidence& evidence,
                                                  const std::vector<const GoldenValues*>& golden) {
  MeasurementComparison out;
  bool skip_nvdec0 = false;
  if (evidence.kind == DeviceKind::kGpu && evidence.response.opaque.nvdec0_status) {
    const uint8_t s = *evidence.response.opaque.nvdec0_status;
    if (s == kNvdec0Disabled) {
      skip_nvdec0 = true;
    } else if (s != kNvdec0Enabled) {
      return Fail(Errc::kMalformed, "opaque.NVDEC0_STATUS: neither 0xAA nor 0x55");
    }
  }
  // Active entries by index; a second active entry at an index is a conflict.
  std::map<uint32_t, std::pair<const GoldenMeasurement*, RimRole>> active;
  for (const GoldenValues* set : golden) {
    if (!set) continue;
    for (const auto& m : set->measurements) {
      if (!m.active) continue;
      auto [it, inserted] = active.try_emplace(m.index, &m, set->role);
      if (!inserted) {
        out.index_conflict = true;
        out.conflicting_indices.push_back(m.index);
      }
    }
  }
  for (const auto& [index, entry] : active) {
    const auto& [m, role] = entry;
    if (skip_nvdec0 && index == kNvdec0MeasurementIndex) {
      out.skipped_indices.push_back(index);
      continue;
    }
    ++out.compared;
    const MeasurementBlock* block =
        index < 255 ? evidence.response.Block(static_cast<uint8_t>(index + 1)) : nullptr;
    bool matched = false;
    if (block) {
      for (const Bytes& alt : m->alternatives) {
        if (alt.size() == block->value.size() && m->size == alt.size() &&
            CtEqual(alt, block->value)) {
          matched = true;
          break;
        }
      }
    }
    if (!matched) {
      MeasurementMismatch mm;
      mm.index = index;
      mm.source = role;
      mm.golden = m->alternatives;
      mm.golden_size = m->size;
      if (block) {
        mm.runtime = block->value;
        mm.runtime_size = block->value.size();
      }
      out.mismatches.push_back(std::move(mm));
    }
  }
  out.success = !out.index_conflict && out.mismatches.empty();
  return out;
}

}  // namespace ccgpu::attest
