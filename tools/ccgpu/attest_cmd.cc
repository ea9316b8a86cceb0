// `ccgpu attest`: collects a GPU's attestation evidence over SPDM (spdm-emu
// platform port over TCP) the way NVIDIA's driver does — SPDM 1.1, ECDSA
// P-384 / SHA-384, GET_DIGESTS + GET_CERTIFICATE, one signed
// GET_MEASUREMENTS of all blocks with the caller's nonce — and writes NVIDIA's
// JSON evidence list (arch, nonce, evidence = base64(request || response),
// certificate = base64(PEM chain, leaf first), driver/VBIOS versions from
// the opaque data). Appraisal is `ccgpu verify`'s job; this command checks
// only that the chain leads to a trusted device root and that the signature
// verifies with its leaf.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "attest/evidence.h"
#include "attest/roots.h"
#include "base/encoding.h"
#include "command.h"
#include "crypto/x509.h"
#include "gpu/config.h"
#include "spdm/requester/requester.h"
#include "spdm/requester/transport_exchange.h"
#include "spdm/transport/socket.h"

namespace ccgpu::cli {
namespace {
namespace tp = spdm::transport;
namespace wire = spdm::wire;

struct AttestArgs {
  std::string device;  // HOST:PORT
  std::string nonce;
  std::string out;
  std::string transport = "mctp";
  std::string device_root;  // PEM; default NVIDIA's pinned root
  std::string arch = "HOPPER";
  bool json = false;
  double session_probe = 0;  // seconds; 0 = no session
};

std::string ToPem(const crypto::Certificate& c) {
  std::string b64 = Base64Encode(c.Der());
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END CERTIFICATE-----\n";
}

bool ContainsEmulated(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s.find("emulated") != std::string::npos;
}

int RunAttest(const AttestArgs& a) {
  auto usage = [](const std::string& why) {
    std::fprintf(stderr, "ccgpu attest: %s\n", why.c_str());
    return static_cast<int>(kExitUsage);
  };
  // --- Arguments.
  const auto colon = a.device.rfind(':');
  if (colon == std::string::npos || colon == 0) return usage("--device must be HOST:PORT");
  const std::string host = a.device.substr(0, colon);
  const std::string port_text = a.device.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
    return usage("--device port must be a number 1..65535");
  }
  const unsigned long port = std::stoul(port_text);
  if (port == 0 || port > 65535) return usage("--device port must be a number 1..65535");
  tp::TransportType type;
  if (a.transport == "none") {
    type = tp::TransportType::kNone;
  } else if (a.transport == "mctp") {
    type = tp::TransportType::kMctp;
  } else if (a.transport == "pcidoe" || a.transport == "pci_doe") {
    type = tp::TransportType::kPciDoe;
  } else {
    return usage("--transport must be none, mctp or pcidoe");
  }
  auto nonce = HexDecode(TrimAsciiWhitespace(a.nonce));
  if (!nonce || nonce->size() != 32) return usage("--nonce must be 32 bytes (64 hex digits)");
  auto arch = attest::ParseArch(a.arch);
  if (!arch) return usage("--arch must be HOPPER, BLACKWELL or LS10");
  std::string root_pem(attest::NvidiaDeviceRootPem());
  if (!a.device_root.empty()) {
    auto text = gpu::ReadFileText(a.device_root, 1 << 20);
    if (!text) {
      std::fprintf(stderr, "ccgpu attest: cannot read --device-root %s: %s\n", a.device_root.c_str(),
                   text.error().ToString().c_str());
      return kExitInputUnusable;
    }
    root_pem = *text;
  }
  auto roots = crypto::Certificate::ParsePemChain(root_pem);
  if (!roots || roots->empty()) {
    std::fprintf(stderr, "ccgpu attest: --device-root is not a PEM certificate\n");
    return kExitInputUnusable;
  }

  auto fail = [&](const char* step, const Error& e) {
    std::fprintf(stderr, "ccgpu attest: FAILED at step \"%s\": %s\n", step, e.ToString().c_str());
    return static_cast<int>(kExitFailed);
  };
  auto say = [&](const std::string& line) {
    if (!a.json) std::printf("%s\n", line.c_str());
  };

  // --- SPDM, as NVIDIA's driver negotiates it.
  auto conn = tp::TcpConnection::Connect(host, static_cast<uint16_t>(port));
  if (!conn) return fail("connect", conn.error());
  tp::PlatformPortTransport t(std::move(*conn), type, tp::Role::kRequester);
  if (type != tp::TransportType::kNone) {
    if (Status s = t.Hello(); !s) return fail("platform hello", s.error());
  }
  spdm::requester::RequesterConfig qc;
  qc.versions = {wire::kVersion11};  // NVIDIA's evidence blob is an SPDM 1.1 exchange
  qc.base_asym = wire::alg::kEcdsaP384;
  qc.base_hash = wire::alg::kSha384;
  qc.dhe = wire::alg::kSecp384r1;
  qc.aead = wire::alg::kAes256Gcm;
  qc.roots = *roots;
  if (type != tp::TransportType::kNone) qc.binding = *spdm::requester::RecordBindingFor(type);
  qc.allow_dword_padding = type == tp::TransportType::kPciDoe;
  spdm::requester::TransportExchange ex(&t);
  auto q = spdm::requester::Requester::Create(qc, &ex);
  if (!q) return fail("configure", q.error());
  spdm::requester::Requester& r = **q;
  if (Status s = r.InitConnection(); !s) return fail("VCA", s.error());
  say("SPDM 1.1 negotiated with " + a.device + " (ECDSA P-384, SHA-384)");
  if (auto d = r.GetDigests(); !d) return fail("GET_DIGESTS", d.error());
  auto chain = r.GetCertificate();
  if (!chain) return fail("certificate chain", chain.error());
  say("certificate chain: " + std::to_string(chain->certs.size()) + " certificates to a trusted root, leaf " +
      chain->leaf_subject);
  auto m = r.GetMeasurements(wire::meas::kOpAll, /*signed_request=*/true, std::nullopt, false, *nonce);
  if (!m) return fail("signed measurements", m.error());
  say("signed measurements: " + std::to_string(m->blocks.size()) + " blocks, signature verified with the leaf");
  // Closing the socket ends the connection; the device keeps serving.
  int probe_rc = kExitOk;
  if (a.session_probe > 0) {
    // A secure session signed by the same AK, kept alive with heartbeats:
    // a device reset must end it (its keys are destroyed).
    auto s = r.StartSession();
    if (!s) return fail("session", s.error());
    say("session " + std::to_string(s->session_id) + " established; probing with heartbeats");
    std::fflush(stdout);
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(a.session_probe);
    while (std::chrono::steady_clock::now() < until) {
      if (Status h = r.Heartbeat(s->session_id); !h) {
        std::printf("session refused by the device: %s\n", h.error().ToString().c_str());
        probe_rc = kExitFailed;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (probe_rc == kExitOk) say("session alive for the whole probe");
  }

  // --- NVIDIA's evidence list.
  Bytes blob = m->request;
  blob.insert(blob.end(), m->response.begin(), m->response.end());
  auto parsed = attest::ParseEvidence(blob, attest::KindOf(*arch));
  if (!parsed) return fail("evidence format", parsed.error());
  std::string pem;
  bool emulated = false;
  for (auto it = chain->certs.rbegin(); it != chain->certs.rend(); ++it) {  // leaf first, as NVIDIA's
    pem += ToPem(*it);
    emulated = emulated || ContainsEmulated(it->Subject());
  }
  nlohmann::ordered_json entry;
  entry["arch"] = std::string(attest::ArchName(*arch));
  entry["nonce"] = HexEncode(*nonce);
  entry["evidence"] = Base64Encode(blob);
  entry["certificate"] = Base64Encode(AsBytes(pem));
  const auto& o = parsed->response.opaque;
  if (o.driver_version) entry["driver_version"] = *o.driver_version;
  if (o.vbios_version) entry["vbios_version"] = *o.vbios_version;
  if (emulated) entry["emulated"] = true;
  nlohmann::ordered_json list = nlohmann::ordered_json::array({entry});
  if (Status s = gpu::WriteTextAtomic(a.out, list.dump(2) + "\n"); !s) {
    std::fprintf(stderr, "ccgpu attest: cannot write %s: %s\n", a.out.c_str(), s.error().ToString().c_str());
    return kExitInputUnusable;
  }
  if (a.json) {
    nlohmann::ordered_json j;
    j["ok"] = true;
    j["out"] = a.out;
    j["blocks"] = m->blocks.size();
    j["leaf_subject"] = chain->leaf_subject;
    j["emulated"] = emulated;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    say(std::string("evidence written to ") + a.out + (emulated ? " (EMULATED device)" : ""));
  }
  return probe_rc;
}

}  // namespace

void AddAttestCommand(CLI::App& app, Action& action) {
  auto a = std::make_shared<AttestArgs>();
  auto* cmd = app.add_subcommand("attest", "Collect a GPU's attestation evidence over SPDM (NVIDIA JSON evidence)");
  cmd->add_option("--device", a->device, "SPDM endpoint HOST:PORT (spdm-emu platform port)")->required();
  cmd->add_option("--nonce", a->nonce, "32-byte nonce as 64 hex digits (the verifier's)")->required();
  cmd->add_option("--out", a->out, "Output file: NVIDIA's JSON evidence list")->required();
  cmd->add_option("--transport", a->transport, "none | mctp (default) | pcidoe");
  cmd->add_option("--device-root", a->device_root,
                  "Trusted device root (PEM) for the chain; default NVIDIA's Device Identity CA");
  cmd->add_option("--arch", a->arch, "HOPPER (default) | BLACKWELL | LS10");
  cmd->add_flag("--json", a->json, "Print a JSON summary");
  cmd->add_option("--session-probe", a->session_probe,
                  "After collecting, hold a secure session for SECONDS with heartbeats; exit 1 if the device "
                  "ends it (e.g. a reset)");
  cmd->callback([a, &action] { action = [a] { return RunAttest(*a); }; });
}

}  // namespace ccgpu::cli
