// gpud's secure-attach host verbs (internal to gpud.cc): the untrusted
// hypervisor's view of device assignment, PCI config and TDI state.
#ifndef CCGPU_GPU_GPUD_ATTACH_H_
#define CCGPU_GPU_GPUD_ATTACH_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "gpu/device.h"

namespace ccgpu::gpu {

// The "attach" object of a status reply: assigned guest, TDI state (and why
// it went to ERROR), scrub count, PCI function, MSE/BME, MSI-X, BARs.
nlohmann::ordered_json AttachStatusJson(const DeviceStatus& s);

// Handles the host verbs
//   {"op":"assign","device":N,"guest":"ID"}          ("" releases)
//   {"op":"config-read","device":N,"offset":O}
//   {"op":"config-write","device":N,"offset":O,"value":V}
//   {"op":"bar-move","device":N,"bar":B,"address":A}
//   {"op":"flr","device":N}
// and returns the reply text ({"ok":true,"change":…,"device":{status}} or
// {"ok":false,"code","error"}); nullopt when `op` is none of them.
std::optional<std::string> HandleHostAttachOp(Device& d, const std::string& op, const nlohmann::ordered_json& req);

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_GPUD_ATTACH_H_
