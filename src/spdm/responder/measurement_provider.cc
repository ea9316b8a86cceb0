#include "spdm/responder/measurement_provider.h"

#include <memory>
#include <string_view>

#include "spdm/wire/measurements.h"

namespace ccgpu::spdm::responder {
namespace {

Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace

std::shared_ptr<StaticMeasurementProvider> StaticMeasurementProvider::Sample() {
  std::vector<MeasurementEntry> e;
  e.push_back({1, wire::meas::kTypeImmutableRom, Text("ccgpu sample boot ROM"), false, true});
  e.push_back({2, wire::meas::kTypeMutableFirmware, Text("ccgpu sample firmware 1.0"), false, true});
  e.push_back({3, wire::meas::kTypeHardwareConfig, Text("ccgpu sample hardware configuration"), false, true});
  e.push_back({4, wire::meas::kTypeVersion, Text("1.0.0"), false, false});
  return std::make_shared<StaticMeasurementProvider>(std::move(e));
}

}  // namespace ccgpu::spdm::responder
