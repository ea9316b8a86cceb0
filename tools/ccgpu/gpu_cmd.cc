// `ccgpu gpud [provision]`, `ccgpu host …` and `ccgpu rim make`: the
// emulated confidential GPU's daemon, its host-side management client, and
// its reference-value (RIM) writer.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/encoding.h"
#include "command.h"
#include "gpu/gpud.h"
#include "gpu/provision.h"
#include "gpu/rim_maker.h"
#include "gpu/tdisp/ide_km.h"
#include "gpu/tdisp/tdi.h"
#include "gpu/engine/service.h"
#include "spdm/tdisp/tdisp.h"
#include "gpu/service/device_service.h"

namespace ccgpu::cli {
namespace {
namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);
extern "C" void OnStopSignal(int) { g_stop.store(true); }

int PrintError(const char* who, const Error& e) {
  std::fprintf(stderr, "%s: %s: %s\n", who, std::string(ErrcName(e.code)).c_str(), e.context);
  return kExitFailed;
}

struct ProvisionArgs {
  std::string state;
  unsigned gpus = 1;
  std::string cc_mode = "on";
  uint64_t memory_mib = 1024;
  unsigned spdm_port_base = 0;
  std::string bind = "127.0.0.1";
  std::string driver_version = "550.90.07";
  std::string vbios_version = "96.00.9F.00.01";
  bool nvdec_disabled = false;
};

int RunProvision(const ProvisionArgs& a) {
  gpu::ProvisionOptions o;
  o.gpus = a.gpus;
  auto mode = gpu::ParseCcMode(a.cc_mode);
  if (!mode) return PrintError("ccgpu gpud provision", mode.error());
  o.base.cc_mode = *mode;
  o.base.protected_memory_bytes = a.memory_mib << 20;
  o.base.driver_version = a.driver_version;
  o.base.vbios_version = a.vbios_version;
  o.base.nvdec_enabled = !a.nvdec_disabled;
  if (auto v = gpu::EncodeVbiosVersion(a.vbios_version); !v) return PrintError("ccgpu gpud provision", v.error());
  if (a.spdm_port_base > 65535 - 64) {
    std::fprintf(stderr, "ccgpu gpud provision: --spdm-port-base out of range\n");
    return kExitUsage;
  }
  o.spdm_base_port = static_cast<uint16_t>(a.spdm_port_base);
  o.spdm_bind = a.bind;
  o.now = SystemClock::Get().Now();
  std::fprintf(stderr, "provisioning %u emulated GPU(s) in %s ...\n", a.gpus, a.state.c_str());
  Status s = gpu::Provision(a.state, o);
  if (!s) return PrintError("ccgpu gpud provision", s.error());
  const fs::path mfg = gpu::ManufacturerDir(a.state);
  std::printf("provisioned %u emulated GPU(s) (EMULATED, NOT FOR PRODUCTION)\n", a.gpus);
  std::printf("device root (pin with --device-root): %s\n", (mfg / "device_root.pem").c_str());
  std::printf("RIM root    (pin with --rim-root):    %s\n", (mfg / "rim_root.pem").c_str());
  return kExitOk;
}

int RunGpud(const std::string& state, const std::string& transport) {
  spdm::transport::TransportType type;
  if (transport == "none") {
    type = spdm::transport::TransportType::kNone;
  } else if (transport == "mctp") {
    type = spdm::transport::TransportType::kMctp;
  } else if (transport == "pcidoe" || transport == "pci_doe") {
    type = spdm::transport::TransportType::kPciDoe;
  } else {
    std::fprintf(stderr, "ccgpu gpud: --spdm-transport must be none, mctp or pcidoe\n");
    return kExitUsage;
  }
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  gpu::GpudOptions o;
  o.state = state;
  o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  o.on_ready = [] { std::fflush(stderr); };
  // Every device serves SPDM on its configured port (gpud.json bind address,
  // default 127.0.0.1). Vendor protocols (TDISP, ccgpu control) register on
  // each device's service here.
  // The GPU↔GPU link shared by every device of this gpud (peer copies).
  auto links = std::make_shared<gpu::engine::PeerLinkHub>();
  o.spdm = gpu::MakeSpdmServiceFactory(
      type,
      [log = o.log, links](gpu::DeviceService& svc) {
        // IDE_KM and TDISP (secure attach): StandardID 3 PCI-SIG, VendorID 0x0001.
        Status t = svc.RegisterVendorProtocol(
            spdm::tdisp::kStandardIdPciSig,
            Bytes(spdm::tdisp::kVendorIdPciSig.begin(), spdm::tdisp::kVendorIdPciSig.end()), svc.device().PciSig());
        if (!t) log("gpu" + std::to_string(svc.device().index()) + ": IDE_KM/TDISP not registered: " + t.error().ToString());
        // ccgpu control protocol (sealed command channel, src/gpu/engine):
        // StandardID 4 IANA, VendorID PEN 32473.
        Status c = gpu::engine::RegisterControlProtocol(svc, links.get());
        if (!c) log("gpu" + std::to_string(svc.device().index()) + ": control protocol not registered: " + c.error().ToString());
      },
      o.log);
  Status s = gpu::RunGpud(o, g_stop);
  if (!s) return PrintError("ccgpu gpud", s.error());
  return kExitOk;
}

struct HostArgs {
  std::string state;
  unsigned device = 0;
  bool json = false;
  std::string mode;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string data;
  std::string nonce;
  std::string out;
  // Secure-attach verbs.
  std::string guest;
  uint64_t value = 0;
  unsigned bar = 0;
  uint64_t address = 0;
};

// Sends one request; prints the reply (JSON or text). Returns the reply or
// an exit code.
int HostCall(const HostArgs& a, nlohmann::ordered_json req, nlohmann::ordered_json* reply) {
  auto text = gpu::ManagementCall(a.state, req.dump());
  if (!text) {
    PrintError("ccgpu host", text.error());
    return kExitInputUnusable;
  }
  *reply = nlohmann::ordered_json::parse(*text, nullptr, false);
  if (reply->is_discarded() || !reply->is_object()) {
    std::fprintf(stderr, "ccgpu host: gpud sent a malformed reply\n");
    return kExitFailed;
  }
  if (a.json) std::printf("%s\n", reply->dump(2).c_str());
  if (!(*reply)["ok"].is_boolean() || !(*reply)["ok"].get<bool>()) {
    std::fprintf(stderr, "ccgpu host: %s: %s\n", (*reply).value("code", "?").c_str(),
                 (*reply).value("error", "?").c_str());
    return kExitFailed;
  }
  return kExitOk;
}

// The secure-attach part of a status reply (gpud_attach.cc).
void PrintAttach(const nlohmann::ordered_json& a) {
  std::printf("  assigned guest:     %s\n",
              a["assigned_guest"].is_string() ? a["assigned_guest"].get<std::string>().c_str() : "(none)");
  const std::string reason = a.value("tdi_error_reason", "");
  std::printf("  TDI state:          %s%s\n", a.value("tdi_state", "?").c_str(),
              reason.empty() ? "" : (" (" + reason + ")").c_str());
  std::printf("  guest scrubs:       %llu\n", static_cast<unsigned long long>(a.value("scrub_generation", 0ull)));
  std::printf("  PCI function:       %s  memory enable %s, bus master %s, MSI-X control %s\n",
              a.value("function_id", "?").c_str(), a.value("memory_enable", false) ? "on" : "off",
              a.value("bus_master_enable", false) ? "on" : "off", a.value("msix_message_control", "?").c_str());
  if (a.contains("bars") && a["bars"].is_array()) {
    for (const auto& b : a["bars"]) {
      std::printf("  BAR%u:               %s (%llu MiB%s)\n", b.value("bar", 0u), b.value("address", "?").c_str(),
                  static_cast<unsigned long long>(b.value("size", 0ull) >> 20),
                  b.value("64bit", false) ? ", 64-bit" : "");
    }
  }
}

void PrintStatus(const nlohmann::ordered_json& d) {
  std::printf("gpu%u (EMULATED, NOT FOR PRODUCTION)\n", d["index"].get<unsigned>());
  std::printf("  cc mode:            %s%s\n", d["cc_mode"].get<std::string>().c_str(),
              d["pending_cc_mode"].is_string()
                  ? (" (pending: " + d["pending_cc_mode"].get<std::string>() + ", applied by reset)").c_str()
                  : "");
  std::printf("  devtools:           %s\n", d["devtools"].get<bool>() ? "enabled" : "disabled");
  std::printf("  ready:              %s\n", d["ready"].get<bool>() ? "yes" : "no");
  std::printf("  nvdec:              %s\n", d["nvdec"].get<std::string>().c_str());
  std::printf("  boot count:         %llu\n", static_cast<unsigned long long>(d["boot_count"].get<uint64_t>()));
  std::printf("  session generation: %llu\n",
              static_cast<unsigned long long>(d["session_generation"].get<uint64_t>()));
  std::printf("  identity:           %s (serial %s)\n", d["identity_subject"].get<std::string>().c_str(),
              d["identity_serial"].get<std::string>().c_str());
  std::printf("  driver / vbios:     %s / %s\n", d["driver_version"].get<std::string>().c_str(),
              d["vbios_version"].get<std::string>().c_str());
  std::printf("  fwid:               %s\n", d["fwid"].get<std::string>().c_str());
  std::printf("  protected memory:   %llu bytes\n",
              static_cast<unsigned long long>(d["protected_memory_bytes"].get<uint64_t>()));
  std::printf("  host accesses denied: %llu\n",
              static_cast<unsigned long long>(d["host_accesses_denied"].get<uint64_t>()));
  if (d.contains("attach")) PrintAttach(d["attach"]);
}

int RunHost(const std::string& op, const HostArgs& a) {
  nlohmann::ordered_json req;
  req["op"] = op;
  req["device"] = a.device;
  if (op == "set-cc-mode") req["mode"] = a.mode;
  if (op == "read-mem") {
    req["offset"] = a.offset;
    req["length"] = a.length;
  }
  if (op == "write-mem") {
    req["offset"] = a.offset;
    req["data"] = a.data;
  }
  if (op == "evidence") req["nonce"] = a.nonce;
  if (op == "assign") req["guest"] = a.guest;
  if (op == "config-read" || op == "config-write") req["offset"] = a.offset;
  if (op == "config-write") req["value"] = a.value;
  if (op == "bar-move") {
    req["bar"] = a.bar;
    req["address"] = a.address;
  }
  nlohmann::ordered_json reply;
  if (int rc = HostCall(a, req, &reply); rc != kExitOk) return rc;
  if (op == "evidence") {
    nlohmann::ordered_json list = nlohmann::ordered_json::array({reply["evidence"]});
    if (Status s = gpu::WriteTextAtomic(a.out, list.dump(2) + "\n"); !s) return PrintError("ccgpu host", s.error());
    if (!a.json) std::printf("evidence for gpu%u written to %s\n", a.device, a.out.c_str());
    return kExitOk;
  }
  if (a.json) return kExitOk;
  if (op == "status" || op == "reset") {
    if (op == "reset") std::printf("gpu%u reset: protected memory scrubbed, session keys destroyed\n", a.device);
    PrintStatus(reply["device"]);
  } else if (op == "set-cc-mode") {
    const auto& d = reply["device"];
    if (reply["reset_required"].get<bool>()) {
      std::printf("gpu%u: cc mode change to '%s' staged; cc mode stays '%s' until a device reset "
                  "(ccgpu host reset) — reset required\n",
                  a.device, a.mode.c_str(), d["cc_mode"].get<std::string>().c_str());
    } else {
      std::printf("gpu%u: cc mode is already '%s'\n", a.device, d["cc_mode"].get<std::string>().c_str());
    }
  } else if (op == "read-mem") {
    std::printf("access: %s\n%s\n", reply["access"].get<std::string>().c_str(),
                reply["data"].get<std::string>().c_str());
  } else if (op == "write-mem") {
    std::printf("access: %s\n", reply["access"].get<std::string>().c_str());
  } else if (op == "config-read") {
    std::printf("0x%08llx\n", static_cast<unsigned long long>(reply["value"].get<uint64_t>()));
  } else if (op == "assign" || op == "config-write" || op == "bar-move" || op == "flr") {
    if (reply.contains("change")) std::printf("gpu%u: changed: %s\n", a.device, reply["change"].get<std::string>().c_str());
    if (op == "flr") std::printf("gpu%u: function level reset; guest state scrubbed\n", a.device);
    const auto& att = reply["device"]["attach"];
    const std::string reason = att.value("tdi_error_reason", "");
    std::printf("gpu%u: assigned guest %s, TDI state %s%s\n", a.device,
                att["assigned_guest"].is_string() ? att["assigned_guest"].get<std::string>().c_str() : "(none)",
                att.value("tdi_state", "?").c_str(), reason.empty() ? "" : (" (" + reason + ")").c_str());
  }
  return kExitOk;
}

}  // namespace

void AddGpudCommand(CLI::App& app, Action& action) {
  auto* gpud = app.add_subcommand("gpud", "Run emulated confidential GPUs (EMULATED, NOT FOR PRODUCTION)");
  auto state = std::make_shared<std::string>();
  auto transport = std::make_shared<std::string>("mctp");
  gpud->add_option("--state", *state, "State directory (from `ccgpu gpud provision`)");
  gpud->add_option("--spdm-transport", *transport, "SPDM platform-port transport: none | mctp (default) | pcidoe");
  gpud->require_subcommand(0, 1);
  gpud->callback([gpud, state, transport, &action] {
    if (!gpud->get_subcommands().empty()) return;
    if (state->empty()) throw CLI::RequiredError("--state");
    action = [state, transport] { return RunGpud(*state, *transport); };
  });

  auto pa = std::make_shared<ProvisionArgs>();
  auto* prov = gpud->add_subcommand("provision", "Create emulated GPUs: manufacturer PKI, identities, firmware");
  prov->add_option("--state", pa->state, "State directory to create (must be empty)")->required();
  prov->add_option("--gpus", pa->gpus, "Number of devices (1..64)")->check(CLI::Range(1, 64));
  prov->add_option("--cc-mode", pa->cc_mode, "Initial CC mode: off, on, devtools");
  prov->add_option("--memory-mib", pa->memory_mib, "Protected memory per device in MiB")->check(CLI::Range(1, 1 << 20));
  prov->add_option("--spdm-port-base", pa->spdm_port_base, "SPDM TCP port of device 0 (0 = none)");
  prov->add_option("--bind", pa->bind, "SPDM bind address");
  prov->add_option("--driver-version", pa->driver_version, "Driver version");
  prov->add_option("--vbios-version", pa->vbios_version, "VBIOS version (AA.BB.CC.DD.EE hex)");
  prov->add_flag("--nvdec-disabled", pa->nvdec_disabled, "Provision with NVDEC0 disabled");
  prov->callback([pa, &action] { action = [pa] { return RunProvision(*pa); }; });
}

void AddHostCommand(CLI::App& app, Action& action) {
  auto* host = app.add_subcommand("host", "Host-only (untrusted) management of a running gpud");
  host->require_subcommand(1);
  auto add = [&](const char* name, const char* help) {
    auto args = std::make_shared<HostArgs>();
    auto* c = host->add_subcommand(name, help);
    c->add_option("--state", args->state, "gpud state directory")->required();
    c->add_option("--device", args->device, "Device index");
    c->add_flag("--json", args->json, "Print gpud's JSON reply");
    std::string op = name;
    c->callback([args, op, &action] { action = [args, op] { return RunHost(op, *args); }; });
    return std::pair{c, args};
  };
  add("status", "Show a device's state");
  auto [mode_cmd, mode_args] = add("set-cc-mode", "Stage a CC mode (off|on|devtools); applied by reset");
  mode_cmd->add_option("mode", mode_args->mode, "off, on or devtools")->required();
  add("reset", "Reset a device: apply a staged mode, scrub memory, destroy session keys");
  auto [rd, rd_args] = add("read-mem", "Host read of protected device memory (poison in CC on)");
  rd->add_option("--offset", rd_args->offset, "Byte offset")->required();
  rd->add_option("--length", rd_args->length, "Bytes (at most 1 MiB)")->required();
  auto [wr, wr_args] = add("write-mem", "Host write to protected device memory (dropped in CC on)");
  wr->add_option("--offset", wr_args->offset, "Byte offset")->required();
  wr->add_option("--data", wr_args->data, "Bytes as hex")->required();
  auto [ev, ev_args] = add("evidence", "Relay a device's evidence in NVIDIA's JSON evidence format");
  ev->add_option("--nonce", ev_args->nonce, "32-byte nonce as hex")->required();
  ev->add_option("--out", ev_args->out, "Output file (evidence list JSON)")->required();
  // Secure attach: the hypervisor's verbs (a locked or running TDI drops to
  // ERROR on each security-relevant change).
  auto [as, as_args] = add("assign", "Assign a device to a guest (\"\" releases it)");
  as->add_option("--guest", as_args->guest, "Guest ID")->required();
  auto [cr, cr_args] = add("config-read", "Read one dword of a device's PCI config space");
  cr->add_option("--offset", cr_args->offset, "Config offset (4-aligned, below 0x100)")->required();
  auto [cw, cw_args] = add("config-write", "Write one dword of a device's PCI config space");
  cw->add_option("--offset", cw_args->offset, "Config offset (4-aligned, below 0x100)")->required();
  cw->add_option("--value", cw_args->value, "32-bit value (0x… accepted)")->required();
  auto [bm, bm_args] = add("bar-move", "Reprogram a BAR's address");
  bm->add_option("--bar", bm_args->bar, "BAR number (0, 1, 3)")->required();
  bm->add_option("--address", bm_args->address, "New address (size-aligned; 0x… accepted)")->required();
  add("flr", "Function Level Reset (scrubs guest state)");
}

void AddRimMakeCommand(CLI::App& app, Action& action) {
  CLI::App* rim = nullptr;
  try {
    rim = app.get_subcommand("rim");
  } catch (const CLI::OptionNotFound&) {
    rim = app.add_subcommand("rim", "Reference integrity manifests (RIMs)");
    rim->require_subcommand(1);
  }
  struct Args {
    std::string state, out;
    unsigned device = 0;
  };
  auto a = std::make_shared<Args>();
  auto* make = rim->add_subcommand("make", "Write signed driver and VBIOS RIMs for an emulated GPU");
  make->add_option("--state", a->state, "gpud state directory")->required();
  make->add_option("--device", a->device, "Device index");
  make->add_option("--out", a->out, "Output folder")->required();
  make->callback([a, &action] {
    action = [a] {
      auto files = gpu::MakeRims(a->state, a->device, a->out);
      if (!files) return PrintError("ccgpu rim make", files.error());
      std::printf("driver RIM %s -> %s\nVBIOS RIM  %s -> %s\n", files->driver_id.c_str(), files->driver.c_str(),
                  files->vbios_id.c_str(), files->vbios.c_str());
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace ccgpu::cli
