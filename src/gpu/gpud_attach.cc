#include "gpu/gpud_attach.h"

#include "gpu/tdisp/tdi.h"

namespace ccgpu::gpu {
namespace {
using json = nlohmann::ordered_json;

std::string Error(Errc code, const char* what) {
  json j;
  j["ok"] = false;
  j["code"] = std::string(ErrcName(code));
  j["error"] = what;
  return j.dump();
}
std::string Error(const ccgpu::Error& e) { return Error(e.code, e.context); }

bool Unsigned(const json& req, const char* key) { return req.contains(key) && req[key].is_number_unsigned(); }

std::string Hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

json AttachStatusJson(const DeviceStatus& s) {
  json j;
  j["assigned_guest"] = s.assigned_guest.empty() ? json(nullptr) : json(s.assigned_guest);
  j["tdi_state"] = s.tdi_state;
  j["tdi_error_reason"] = s.tdi_error_reason;
  j["scrub_generation"] = s.scrub_generation;
  j["function_id"] = Hex(s.pci.function_id());
  j["memory_enable"] = s.pci.memory_enabled();
  j["bus_master_enable"] = s.pci.bus_master_enabled();
  j["msix_message_control"] = Hex(s.pci.msix().message_control);
  json bars = json::array();
  for (const PciBar& b : s.pci.bars()) {
    json e;
    e["bar"] = b.index;
    e["address"] = Hex(b.address);
    e["size"] = b.size;
    e["64bit"] = b.is_64bit;
    e["prefetchable"] = b.prefetchable;
    bars.push_back(e);
  }
  j["bars"] = bars;
  return j;
}

std::optional<std::string> HandleHostAttachOp(Device& d, const std::string& op, const json& req) {
  json reply;
  reply["ok"] = true;
  if (op == "assign") {
    if (!req.contains("guest") || !req["guest"].is_string()) return Error(Errc::kInvalidJson, "assign needs guest");
    const std::string guest = req["guest"].get<std::string>();
    if (guest.size() > 128) return Error(Errc::kOutOfRange, "assign: guest ID above 128 characters");
    d.AssignGuest(guest);
  } else if (op == "config-read") {
    if (!Unsigned(req, "offset") || req["offset"].get<uint64_t>() > 0xFFFF) {
      return Error(Errc::kInvalidJson, "config-read needs offset");
    }
    auto v = d.HostConfigRead(static_cast<uint16_t>(req["offset"].get<uint64_t>()));
    if (!v) return Error(v.error());
    reply["value"] = *v;
  } else if (op == "config-write") {
    if (!Unsigned(req, "offset") || req["offset"].get<uint64_t>() > 0xFFFF || !Unsigned(req, "value") ||
        req["value"].get<uint64_t>() > 0xFFFFFFFFull) {
      return Error(Errc::kInvalidJson, "config-write needs offset and a 32-bit value");
    }
    auto c = d.HostConfigWrite(static_cast<uint16_t>(req["offset"].get<uint64_t>()),
                               static_cast<uint32_t>(req["value"].get<uint64_t>()));
    if (!c) return Error(c.error());
    reply["change"] = std::string(ConfigChangeName(*c));
  } else if (op == "bar-move") {
    if (!Unsigned(req, "bar") || req["bar"].get<uint64_t>() > 5 || !Unsigned(req, "address")) {
      return Error(Errc::kInvalidJson, "bar-move needs bar and address");
    }
    auto c = d.HostBarMove(static_cast<uint8_t>(req["bar"].get<uint64_t>()), req["address"].get<uint64_t>());
    if (!c) return Error(c.error());
    reply["change"] = std::string(ConfigChangeName(*c));
  } else if (op == "flr") {
    if (Status s = d.HostFlr(); !s) return Error(s.error());
  } else {
    return std::nullopt;
  }
  json dev;
  dev["index"] = d.index();
  dev["attach"] = AttachStatusJson(d.Status());
  reply["device"] = dev;
  return reply.dump();
}

}  // namespace ccgpu::gpu
