#include "gpu/gpud.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "gpu/gpud_attach.h"
#include "gpu/provision.h"

namespace ccgpu::gpu {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr std::size_t kMaxRequest = 4u << 20;
constexpr uint64_t kMaxMemIo = 1u << 20;

std::string ErrorReply(const Error& e) {
  json j;
  j["ok"] = false;
  j["code"] = std::string(ErrcName(e.code));
  j["error"] = e.context;
  return j.dump();
}

std::string ErrorReply(Errc code, const char* what) { return ErrorReply(Error{code, what}); }

json StatusJson(const DeviceStatus& s) {
  json j;
  j["index"] = s.index;
  j["cc_mode"] = std::string(CcModeName(s.cc_mode));
  j["pending_cc_mode"] = s.pending_cc_mode ? json(std::string(CcModeName(*s.pending_cc_mode))) : json(nullptr);
  j["devtools"] = s.cc_mode == CcMode::kDevtools;
  j["ready"] = s.ready;
  j["nvdec"] = s.nvdec_enabled ? "enabled" : "disabled";
  j["boot_count"] = s.boot_count;
  j["session_generation"] = s.session_generation;
  j["protected_memory_bytes"] = s.protected_memory_bytes;
  j["identity_serial"] = s.identity_serial;
  j["identity_subject"] = s.identity_subject;
  j["driver_version"] = s.driver_version;
  j["vbios_version"] = s.vbios_version;
  j["fwid"] = HexEncode(s.fwid);
  j["spdm_port"] = s.spdm_port;
  j["host_accesses_denied"] = s.host_accesses_denied;
  j["emulated"] = true;
  j["attach"] = AttachStatusJson(s);  // secure attach (gpud_attach.cc)
  return j;
}

Status WriteAll(int fd, std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return Fail(Errc::kIo, "management socket: write failed");
    done += static_cast<std::size_t>(n);
  }
  return OkStatus();
}

// Reads one line (without the newline), waiting at most timeout_ms per read.
Result<std::string> ReadLine(int fd, int timeout_ms) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r == 0) return Fail(Errc::kTimeout, "management socket: no reply in time");
    if (r < 0) return Fail(Errc::kIo, "management socket: poll failed");
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) return Fail(Errc::kIo, "management socket: read failed");
    if (n == 0) {
      if (out.empty()) return Fail(Errc::kClosed, "management socket: peer closed");
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
    if (auto pos = out.find('\n'); pos != std::string::npos) return out.substr(0, pos);
    if (out.size() > kMaxRequest) return Fail(Errc::kOutOfRange, "management socket: message too long");
  }
}

Result<sockaddr_un> SocketAddress(const fs::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof(addr.sun_path)) return Fail(Errc::kInvalidArgument, "management socket path too long");
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  return addr;
}

}  // namespace

std::string HandleManagementRequest(DeviceSet& devices, std::string_view request) {
  json req = json::parse(request, nullptr, false);
  if (req.is_discarded() || !req.is_object() || !req.contains("op") || !req["op"].is_string()) {
    return ErrorReply(Errc::kInvalidJson, "request is not a JSON object with an op");
  }
  const std::string op = req["op"].get<std::string>();
  if (op == "list") {
    json j;
    j["ok"] = true;
    j["devices"] = devices.size();
    return j.dump();
  }
  if (!req.contains("device") || !req["device"].is_number_unsigned()) {
    return ErrorReply(Errc::kInvalidJson, "request lacks a device index");
  }
  auto dev = devices.Get(req["device"].get<unsigned>());
  if (!dev) return ErrorReply(dev.error());
  Device& d = **dev;
  json reply;
  reply["ok"] = true;
  if (op == "status") {
    reply["device"] = StatusJson(d.Status());
  } else if (op == "set-cc-mode") {
    if (!req.contains("mode") || !req["mode"].is_string()) return ErrorReply(Errc::kInvalidJson, "set-cc-mode lacks mode");
    auto mode = ParseCcMode(req["mode"].get<std::string>());
    if (!mode) return ErrorReply(mode.error());
    Status s = d.RequestCcMode(*mode);
    if (!s && s.error().code != Errc::kResetRequired) return ErrorReply(s.error());
    reply["staged"] = !s.has_value();
    reply["reset_required"] = !s.has_value();
    reply["device"] = StatusJson(d.Status());
  } else if (op == "reset") {
    Status s = d.Reset();
    if (!s) return ErrorReply(s.error());
    reply["device"] = StatusJson(d.Status());
  } else if (op == "read-mem") {
    if (!req.contains("offset") || !req["offset"].is_number_unsigned() || !req.contains("length") ||
        !req["length"].is_number_unsigned()) {
      return ErrorReply(Errc::kInvalidJson, "read-mem needs offset and length");
    }
    uint64_t len = req["length"].get<uint64_t>();
    if (len > kMaxMemIo) return ErrorReply(Errc::kOutOfRange, "read-mem length above 1 MiB");
    Bytes buf(static_cast<std::size_t>(len));
    auto a = d.HostRead(req["offset"].get<uint64_t>(), buf);
    if (!a) return ErrorReply(a.error());
    reply["access"] = std::string(HostAccessName(*a));
    reply["data"] = HexEncode(buf);
  } else if (op == "write-mem") {
    if (!req.contains("offset") || !req["offset"].is_number_unsigned() || !req.contains("data") ||
        !req["data"].is_string()) {
      return ErrorReply(Errc::kInvalidJson, "write-mem needs offset and data (hex)");
    }
    auto data = HexDecode(req["data"].get<std::string>());
    if (!data) return ErrorReply(data.error());
    if (data->size() > kMaxMemIo) return ErrorReply(Errc::kOutOfRange, "write-mem data above 1 MiB");
    auto a = d.HostWrite(req["offset"].get<uint64_t>(), *data);
    if (!a) return ErrorReply(a.error());
    reply["access"] = std::string(HostAccessName(*a));
  } else if (op == "evidence") {
    if (!req.contains("nonce") || !req["nonce"].is_string()) return ErrorReply(Errc::kInvalidJson, "evidence needs nonce (hex)");
    auto nonce = HexDecode(req["nonce"].get<std::string>());
    if (!nonce) return ErrorReply(nonce.error());
    auto ev = d.EvidenceJson(*nonce);
    if (!ev) return ErrorReply(ev.error());
    reply["evidence"] = json::parse(*ev);
  } else if (auto attach = HandleHostAttachOp(d, op, req)) {  // assign, config-*, bar-move, flr
    return *attach;
  } else {
    return ErrorReply(Errc::kInvalidArgument, "unknown op");
  }
  return reply.dump();
}

Status RunGpud(const GpudOptions& options, const std::atomic<bool>& stop) {
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  CCGPU_ASSIGN_OR_RETURN(GpudConfig gcfg, LoadGpudConfig(options.state));
  CCGPU_ASSIGN_OR_RETURN(DeviceSet devices, DeviceSet::Open(options.state));
  for (unsigned i = 0; i < devices.size(); ++i) {
    Device* d = *devices.Get(i);
    if (options.log) d->SetLogSink(options.log);
    DeviceStatus s = d->Status();
    log("gpu" + std::to_string(i) + ": booted (EMULATED, NOT FOR PRODUCTION) cc=" + std::string(CcModeName(s.cc_mode)) +
        " boot=" + std::to_string(s.boot_count) + " identity=" + s.identity_serial);
  }

  const fs::path sock_path = SocketPath(options.state);
  CCGPU_ASSIGN_OR_RETURN(sockaddr_un addr, SocketAddress(sock_path));
  // A live gpud on this state directory answers; a stale socket file does not.
  if (fs::exists(sock_path)) {
    if (ManagementCall(options.state, R"({"op":"list"})")) {
      return Fail(Errc::kBusy, "gpud: another gpud serves this state directory");
    }
    ::unlink(sock_path.c_str());
  }
  int lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) return Fail(Errc::kIo, "gpud: socket() failed");
  const mode_t old_mask = ::umask(0177);  // socket file 0600: host-only
  int br = ::bind(lfd, static_cast<sockaddr*>(static_cast<void*>(&addr)), sizeof addr);
  ::umask(old_mask);
  if (br != 0 || ::listen(lfd, 16) != 0) {
    ::close(lfd);
    return Fail(Errc::kIo, "gpud: cannot listen on the management socket");
  }

  std::vector<std::thread> spdm_threads;
  for (unsigned i = 0; i < devices.size(); ++i) {
    Device* d = *devices.Get(i);
    SpdmEndpoint ep{gcfg.spdm_bind, d->Config().spdm_port};
    if (!options.spdm) {
      if (ep.port != 0) {
        log("gpu" + std::to_string(i) + ": SPDM responder not built in; port " + std::to_string(ep.port) + " not served");
      }
      continue;
    }
    spdm_threads.emplace_back([&, d, ep, i] {
      Status s = options.spdm(*d, ep, stop);
      if (!s) log("gpu" + std::to_string(i) + ": SPDM service ended: " + s.error().ToString());
    });
  }
  log("gpud: serving " + std::to_string(devices.size()) + " device(s); management socket " + sock_path.string());
  if (options.on_ready) options.on_ready();

  while (!stop.load()) {
    pollfd p{lfd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r <= 0) continue;  // timeout or EINTR (signal): re-check stop
    int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (cfd < 0) continue;
    auto line = ReadLine(cfd, 2000);
    std::string reply = line ? HandleManagementRequest(devices, *line) : ErrorReply(line.error());
    (void)WriteAll(cfd, reply + "\n");
    ::close(cfd);
  }

  ::close(lfd);
  ::unlink(sock_path.c_str());
  for (auto& t : spdm_threads) t.join();
  Status saved = devices.SaveAll();
  log(saved ? "gpud: state saved; bye" : "gpud: saving state FAILED");
  return saved;
}

Result<std::string> ManagementCall(const fs::path& state, const std::string& request) {
  CCGPU_ASSIGN_OR_RETURN(sockaddr_un addr, SocketAddress(SocketPath(state)));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(Errc::kIo, "management socket: socket() failed");
  if (::connect(fd, static_cast<sockaddr*>(static_cast<void*>(&addr)), sizeof addr) != 0) {
    ::close(fd);
    return Fail(Errc::kNotFound, "no gpud is serving this state directory (cannot connect to gpud.sock)");
  }
  Status w = WriteAll(fd, request + "\n");
  if (!w) {
    ::close(fd);
    return tl::unexpected(w.error());
  }
  auto reply = ReadLine(fd, 5000);
  ::close(fd);
  return reply;
}

}  // namespace ccgpu::gpu
