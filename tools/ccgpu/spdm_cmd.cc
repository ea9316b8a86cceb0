// `ccgpu spdm responder`, `ccgpu spdm requester` and `ccgpu spdm validate`: the SPDM state machines
// over the spdm-emu platform port (TCP), transports none / mctp / pci_doe.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "command.h"
#include "crypto/x509.h"
#include "spdm/requester/requester.h"
#include "spdm/requester/transport_exchange.h"
#include "spdm/responder/responder.h"
#include "spdm/responder/server.h"
#include "spdm/session/psk_store.h"
#include "spdm/validator/validator.h"
#include "spdm/transport/spdm_transport.h"

namespace ccgpu::cli {
namespace {

namespace tp = spdm::transport;

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->clear();
  char buf[4096];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) out->append(buf, static_cast<std::size_t>(f.gcount()));
  return true;
}

bool IsPem(const std::string& s) { return s.find("-----BEGIN") != std::string::npos; }

Result<std::vector<crypto::Certificate>> LoadCertificates(const std::string& text) {
  if (IsPem(text)) return crypto::Certificate::ParsePemChain(text);
  return crypto::Certificate::ParseDerChain(AsBytes(text));
}

Result<tp::TransportType> ParseTransportName(const std::string& name) {
  if (name == "none") return tp::TransportType::kNone;
  if (name == "mctp") return tp::TransportType::kMctp;
  if (name == "pci_doe") return tp::TransportType::kPciDoe;
  return Fail(Errc::kInvalidArgument, "spdm: transport must be none, mctp or pci_doe");
}

std::string VersionText(uint8_t v) { return std::to_string(v >> 4) + "." + std::to_string(v & 0x0F); }

// Pre-shared key options, the same for the three subcommands. The key is
// read from a file (hex text), never from the command line, where other
// users could read it in the process list.
struct PskArgs {
  std::string key_file;  // --psk-file: the PSK as hex text
  std::string hint;      // --psk-hint: the hint's bytes, as given
  std::string hint_hex;  // --psk-hint-hex
  bool dmtf_test = false;  // --dmtf-test-psk
};

// libspdm's test PSK and hint, both with their terminating NUL, which DMTF's
// spdm_requester_emu / spdm_responder_emu use for their PSK sessions.
const std::string kDmtfTestPskHint("TestPskHint", 12);
const std::string kDmtfTestPsk("TestPskData", 12);

struct LoadedPsk {
  std::shared_ptr<spdm::session::InMemoryPskStore> store;
  Bytes hint;
};

void AddPskOptions(CLI::App* cmd, PskArgs* a) {
  cmd->add_option("--psk-file", a->key_file, "file holding a pre-shared key (hex) for PSK_EXCHANGE sessions");
  cmd->add_option("--psk-hint", a->hint, "the PSKHint naming that key (its bytes as given; default empty)");
  cmd->add_option("--psk-hint-hex", a->hint_hex, "the PSKHint in hex");
  cmd->add_flag("--dmtf-test-psk", a->dmtf_test,
                "use libspdm's test PSK \"TestPskData\" under the hint \"TestPskHint\" (DMTF's emulators)");
}

// nullopt when no PSK was asked for. kInvalidArgument (the message names
// the option) for an unreadable or malformed key, or conflicting options.
Result<std::optional<LoadedPsk>> LoadPsk(const PskArgs& a) {
  const bool have_key = !a.key_file.empty();
  if (a.dmtf_test && (have_key || !a.hint.empty() || !a.hint_hex.empty())) {
    return Fail(Errc::kInvalidArgument, "--dmtf-test-psk cannot be combined with --psk-file / --psk-hint");
  }
  if (!have_key && !a.dmtf_test) {
    if (!a.hint.empty() || !a.hint_hex.empty()) return Fail(Errc::kInvalidArgument, "--psk-hint needs --psk-file");
    return std::optional<LoadedPsk>();
  }
  if (!a.hint.empty() && !a.hint_hex.empty()) {
    return Fail(Errc::kInvalidArgument, "give --psk-hint or --psk-hint-hex, not both");
  }
  LoadedPsk out;
  out.store = std::make_shared<spdm::session::InMemoryPskStore>();
  SecretBytes key;
  if (a.dmtf_test) {
    const auto h = AsBytes(kDmtfTestPskHint);
    out.hint.assign(h.begin(), h.end());
    key = SecretBytes::CopyOf(AsBytes(kDmtfTestPsk));
  } else {
    std::string text;
    if (!ReadFile(a.key_file, &text)) return Fail(Errc::kInvalidArgument, "--psk-file cannot be read");
    text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; }),
               text.end());
    auto raw = HexDecode(text);
    // Wipe the text copy of the key whatever happens next.
    std::fill(text.begin(), text.end(), '\0');
    if (!raw || raw->empty()) return Fail(Errc::kInvalidArgument, "--psk-file does not hold a hex key");
    key = SecretBytes::CopyOf(*raw);
    std::fill(raw->begin(), raw->end(), 0);
    if (!a.hint_hex.empty()) {
      auto h = HexDecode(a.hint_hex);
      if (!h) return Fail(Errc::kInvalidArgument, "--psk-hint-hex is not hex");
      out.hint = *h;
    } else {
      const auto h = AsBytes(a.hint);
      out.hint.assign(h.begin(), h.end());
    }
  }
  if (auto st = out.store->Add(out.hint, std::move(key)); !st) return tl::unexpected(st.error());
  return std::optional<LoadedPsk>(std::move(out));
}

struct ResponderArgs {
  uint16_t port = tp::kDefaultPlatformPort;
  std::string bind = "127.0.0.1";
  std::string transport = "mctp";
  std::string cert_chain, key;
  std::vector<std::string> versions;
  int accept_timeout_s = 600;
  uint32_t data_transfer_size = 0x1200;
  uint32_t max_spdm_msg_size = 0;  // 0: 64 KiB (chunking on)
  PskArgs psk;
  bool psk_without_context = false;
  std::string measurement_hash;  // sha256 | sha384 | sha512; empty: follow the base hash
};

int RunResponder(const ResponderArgs& a) {
  auto type = ParseTransportName(a.transport);
  if (!type) {
    std::fprintf(stderr, "ccgpu spdm responder: %s\n", type.error().context);
    return kExitUsage;
  }
  std::string chain_text, key_text;
  if (!ReadFile(a.cert_chain, &chain_text) || !ReadFile(a.key, &key_text)) {
    std::fprintf(stderr, "ccgpu spdm responder: cannot read --cert-chain or --key\n");
    return kExitInputUnusable;
  }
  auto certs = LoadCertificates(chain_text);
  if (!certs || certs->empty()) {
    std::fprintf(stderr, "ccgpu spdm responder: certificate bundle does not parse (%s)\n",
                 certs ? "empty" : certs.error().ToString().c_str());
    return kExitInputUnusable;
  }
  // Root first, as in DMTF's bundle_responder.certchain.der; a PEM bundle
  // given leaf first is turned around.
  if (certs->size() > 1 && certs->front().Subject() != certs->front().Issuer() &&
      certs->back().Subject() == certs->back().Issuer()) {
    std::reverse(certs->begin(), certs->end());
  }
  auto signer = spdm::responder::EcSigner::FromPem(key_text);
  if (!signer) {
    std::fprintf(stderr, "ccgpu spdm responder: --key is not an EC private key (%s)\n", signer.error().context);
    return kExitInputUnusable;
  }
  auto psk = LoadPsk(a.psk);
  if (!psk) {
    std::fprintf(stderr, "ccgpu spdm responder: %s\n", psk.error().context);
    return kExitInputUnusable;
  }
  spdm::responder::ResponderConfig rc;
  if (*psk) {
    rc.psk_store = (*psk)->store;
    if (a.psk_without_context) {
      rc.capabilities = (rc.capabilities & ~spdm::wire::cap::kPskMask) | spdm::wire::cap::kPsk;
    }
  }
  for (const auto& c : *certs) rc.cert_chain_der.push_back(c.Der());
  rc.signer = *signer;
  rc.measurements = spdm::responder::StaticMeasurementProvider::Sample();
  if (!a.measurement_hash.empty()) {
    if (a.measurement_hash == "sha256") rc.measurement_hash = spdm::wire::alg::kMeasSha256;
    else if (a.measurement_hash == "sha384") rc.measurement_hash = spdm::wire::alg::kMeasSha384;
    else if (a.measurement_hash == "sha512") rc.measurement_hash = spdm::wire::alg::kMeasSha512;
    else {
      std::fprintf(stderr, "ccgpu spdm responder: --measurement-hash must be sha256, sha384 or sha512\n");
      return kExitUsage;
    }
  }
  rc.heartbeat_period = 0xF0;
  rc.data_transfer_size = a.data_transfer_size;
  rc.max_spdm_msg_size = a.max_spdm_msg_size;
  if (*type == tp::TransportType::kPciDoe) {
    rc.binding = spdm::session::TransportBinding::PciDoe();
    rc.allow_dword_padding = true;
  } else {
    // PLDM GetTID in MCTP sessions: DMTF's requester emulator asks it.
    rc.app_messages = std::make_shared<spdm::responder::PldmControlResponder>();
  }
  if (!a.versions.empty()) {
    rc.versions.clear();
    for (const auto& v : a.versions) {
      if (v == "1.1") rc.versions.push_back(0x11);
      else if (v == "1.2") rc.versions.push_back(0x12);
      else if (v == "1.3") rc.versions.push_back(0x13);
      else {
        std::fprintf(stderr, "ccgpu spdm responder: --version must be 1.1, 1.2 or 1.3\n");
        return kExitUsage;
      }
    }
  }
  auto responder = spdm::responder::Responder::Create(std::move(rc));
  if (!responder) {
    std::fprintf(stderr, "ccgpu spdm responder: %s\n", responder.error().ToString().c_str());
    return kExitInputUnusable;
  }
  auto listener = tp::TcpListener::Bind(a.bind, a.port);
  if (!listener) {
    std::fprintf(stderr, "ccgpu spdm responder: cannot listen on %s:%u (%s)\n", a.bind.c_str(), a.port,
                 listener.error().context);
    return kExitFailed;
  }
  std::printf("listening on %s:%u transport %s%s\n", a.bind.c_str(), listener->port(), a.transport.c_str(),
              *psk ? (a.psk_without_context ? " (PSK sessions without context)" : " (PSK sessions)") : "");
  std::fflush(stdout);
  spdm::responder::ServerOptions so;
  so.type = *type;
  so.accept_timeout = std::chrono::seconds(a.accept_timeout_s);
  so.on_connection_end = [](spdm::responder::ConnectionEnd end, const Error* why) {
    const char* what = end == spdm::responder::ConnectionEnd::kShutdown   ? "SHUTDOWN"
                       : end == spdm::responder::ConnectionEnd::kContinue ? "CONTINUE"
                                                                          : "dropped";
    std::printf("connection ended: %s%s%s\n", what, why ? " — " : "", why ? why->context : "");
    std::fflush(stdout);
  };
  auto st = spdm::responder::Serve(**responder, *listener, so);
  if (!st) {
    std::fprintf(stderr, "ccgpu spdm responder: %s\n", st.error().ToString().c_str());
    return kExitFailed;
  }
  std::printf("SPDM responder stopped\n");
  return kExitOk;
}

struct RequesterArgs {
  std::string host = "127.0.0.1";
  uint16_t port = tp::kDefaultPlatformPort;
  std::string transport = "mctp";
  std::string version;  // empty: offer 1.1..1.3
  std::string root;
  bool json = false;
  bool keep_running = false;  // end with CONTINUE instead of SHUTDOWN
  uint32_t data_transfer_size = 0x1200;
  uint32_t max_spdm_msg_size = 0;  // 0: 64 KiB (chunking on)
  PskArgs psk;
};

// A requester's opening steps on the platform port, as DMTF's emulator takes
// them: the TEST hello (not on transport none), then DOE discovery on PCI
// DOE. Returns the discovered data object types ("0,1,2"; empty unless PCI
// DOE); on failure `failed_step` names the step.
Result<std::string> GreetResponder(tp::PlatformPortTransport& t, tp::TransportType type, const char** failed_step) {
  if (type != tp::TransportType::kNone) {
    *failed_step = "TEST hello";
    CCGPU_TRY(t.Hello());
  }
  std::string types;
  if (type == tp::TransportType::kPciDoe) {
    *failed_step = "DOE discovery";
    CCGPU_ASSIGN_OR_RETURN(auto d, t.DoeDiscovery());
    for (const auto& e : d) types += (types.empty() ? "" : ",") + std::to_string(e.type);
  }
  return types;
}

int RunRequester(const RequesterArgs& a) {
  auto type = ParseTransportName(a.transport);
  if (!type) {
    std::fprintf(stderr, "ccgpu spdm requester: %s\n", type.error().context);
    return kExitUsage;
  }
  std::string root_text;
  if (!ReadFile(a.root, &root_text)) {
    std::fprintf(stderr, "ccgpu spdm requester: cannot read --root\n");
    return kExitInputUnusable;
  }
  auto roots = LoadCertificates(root_text);
  if (!roots || roots->empty()) {
    std::fprintf(stderr, "ccgpu spdm requester: --root does not parse as PEM or DER\n");
    return kExitInputUnusable;
  }
  auto psk = LoadPsk(a.psk);
  if (!psk) {
    std::fprintf(stderr, "ccgpu spdm requester: %s\n", psk.error().context);
    return kExitInputUnusable;
  }
  spdm::requester::RequesterConfig qc;
  if (*psk) qc.psk_store = (*psk)->store;
  qc.roots = {roots->front()};
  qc.data_transfer_size = a.data_transfer_size;
  qc.max_spdm_msg_size = a.max_spdm_msg_size;
  if (!a.version.empty()) {
    if (a.version == "1.1") qc.versions = {0x11};
    else if (a.version == "1.2") qc.versions = {0x12};
    else if (a.version == "1.3") qc.versions = {0x13};
    else {
      std::fprintf(stderr, "ccgpu spdm requester: --version must be 1.1, 1.2 or 1.3\n");
      return kExitUsage;
    }
  }
  const bool sessions = *type != tp::TransportType::kNone;  // as DMTF's emulator: none has no sessions
  if (sessions) {
    qc.binding = *spdm::requester::RecordBindingFor(*type);
  }
  qc.allow_dword_padding = *type == tp::TransportType::kPciDoe;

  nlohmann::json out;
  out["transport"] = a.transport;
  std::vector<std::string> steps;
  auto step = [&](const std::string& s) {
    steps.push_back(s);
    if (!a.json) std::printf("%s\n", s.c_str());
  };
  auto fail = [&](const char* what, const Error& e) {
    if (a.json) {
      out["steps"] = steps;
      out["ok"] = false;
      out["failed_step"] = what;
      out["error"] = e.ToString();
      std::printf("%s\n", out.dump(2).c_str());
    } else {
      std::fprintf(stderr, "ccgpu spdm requester: %s failed: %s\n", what, e.ToString().c_str());
    }
    return kExitFailed;
  };

  auto conn = tp::TcpConnection::Connect(a.host, a.port);
  if (!conn) return fail("connect", conn.error());
  tp::PlatformPortTransport t(std::move(*conn), *type, tp::Role::kRequester);
  const char* failed_step = "";
  auto types = GreetResponder(t, *type, &failed_step);
  if (!types) return fail(failed_step, types.error());
  if (*type != tp::TransportType::kNone) step("platform TEST: Server Hello!");
  if (*type == tp::TransportType::kPciDoe) step("DOE discovery: data object types " + *types);
  spdm::requester::TransportExchange ex(&t);
  auto q = spdm::requester::Requester::Create(qc, &ex);
  if (!q) return fail("configure", q.error());
  auto& r = **q;
  if (auto st = r.InitConnection(); !st) return fail("VCA", st.error());
  const auto& c = r.connection();
  out["negotiated"] = {{"version", VersionText(c.version)},
                       {"base_asym", c.base_asym},
                       {"base_hash", c.base_hash},
                       {"measurement_hash", c.measurement_hash},
                       {"dhe", c.dhe},
                       {"aead", c.aead},
                       {"responder_capabilities", c.responder_capabilities},
                       {"chunking", c.chunking}};
  step("negotiated: SPDM " + VersionText(c.version) + " asym 0x" + HexEncode(Bytes{uint8_t(c.base_asym >> 8), uint8_t(c.base_asym)}) +
       " hash 0x" + HexEncode(Bytes{uint8_t(c.base_hash)}) + " dhe 0x" + HexEncode(Bytes{uint8_t(c.dhe)}) + " aead 0x" +
       HexEncode(Bytes{uint8_t(c.aead)}));
  auto digest = r.GetDigests();
  if (!digest) return fail("GET_DIGESTS", digest.error());
  step("slot 0 digest " + HexEncode(*digest));
  auto chain = r.GetCertificate();
  if (!chain) return fail("GET_CERTIFICATE", chain.error());
  out["certificate_subject"] = chain->leaf_subject;
  step("certificate chain verified (" + std::to_string(chain->certs.size()) + " certificates), subject " + chain->leaf_subject);
  auto ch = r.Challenge(spdm::wire::kMeasSummaryHashAll);
  if (!ch) return fail("CHALLENGE", ch.error());
  step("CHALLENGE_AUTH signature verified, measurement summary " + HexEncode(*ch));
  auto meas = r.GetMeasurements(spdm::wire::meas::kOpAll, true);
  if (!meas) return fail("GET_MEASUREMENTS", meas.error());
  nlohmann::json mj = nlohmann::json::array();
  for (const auto& b : meas->blocks) {
    mj.push_back({{"index", b.index}, {"type", b.value_type}, {"value", HexEncode(b.value)}});
    step("measurement " + std::to_string(b.index) + " type " + std::to_string(b.value_type) + " " + HexEncode(b.value));
  }
  out["measurements"] = mj;
  out["measurements_signature_verified"] = meas->signature_verified;
  step("MEASUREMENTS signature verified");
  if (sessions) {
    auto s = r.StartSession();
    if (!s) return fail("KEY_EXCHANGE/FINISH", s.error());
    char sid[16];
    std::snprintf(sid, sizeof sid, "0x%08x", s->session_id);
    out["session_id"] = sid;
    step(std::string("session ") + sid + " established (KEY_EXCHANGE signature and ResponderVerifyData verified, FINISH sent)");
    if (*type == tp::TransportType::kMctp) {
      // An application protocol in the session, as DMTF's emulator does:
      // PLDM GetTID (MCTP type 0x01).
      const Bytes get_tid = {0x80, 0x00, 0x02};
      auto tid = r.ExchangeApplicationMessage(s->session_id, spdm::responder::kMctpTypePldm, get_tid);
      if (!tid) return fail("PLDM GetTID in session", tid.error());
      if (tid->type != spdm::responder::kMctpTypePldm || tid->message.size() != 5 || tid->message[3] != 0) {
        return fail("PLDM GetTID in session", Error{Errc::kUnexpectedMessage, "the reply is not a successful PLDM GetTID"});
      }
      out["pldm_tid"] = tid->message[4];
      step("PLDM GetTID in session: TID " + std::to_string(tid->message[4]));
    }
    if (auto st = r.Heartbeat(s->session_id); !st) return fail("HEARTBEAT", st.error());
    step("HEARTBEAT acknowledged");
    if (auto st = r.KeyUpdate(s->session_id, spdm::session::KeyUpdateOp::kUpdateAllKeys); !st) return fail("KEY_UPDATE", st.error());
    if (auto st = r.KeyUpdate(s->session_id, spdm::session::KeyUpdateOp::kVerifyNewKey); !st) return fail("KEY_UPDATE verify", st.error());
    step("KEY_UPDATE UpdateAllKeys + VerifyNewKey acknowledged");
    auto sm = r.GetMeasurements(spdm::wire::meas::kOpAll, true, s->session_id);
    if (!sm) return fail("GET_MEASUREMENTS in session", sm.error());
    step("in-session signed measurements verified (" + std::to_string(sm->blocks.size()) + " blocks)");
    if (auto st = r.EndSession(s->session_id); !st) return fail("END_SESSION", st.error());
    step("END_SESSION acknowledged");
  }
  // A PSK session, as DMTF's emulator runs one after its KEY_EXCHANGE
  // session, when both sides hold a PSK.
  if (sessions && *psk && (c.responder_capabilities & spdm::wire::cap::kPskMask) != 0) {
    auto s = r.StartPskSession((*psk)->hint, spdm::wire::kMeasSummaryHashAll);
    if (!s) return fail("PSK_EXCHANGE/PSK_FINISH", s.error());
    char sid[16];
    std::snprintf(sid, sizeof sid, "0x%08x", s->session_id);
    out["psk_session_id"] = sid;
    out["psk_finish"] = s->psk_finish;
    step(std::string("PSK session ") + sid + " established (ResponderVerifyData verified" +
         (s->psk_finish ? ", PSK_FINISH sent)" : "; no PSK_FINISH: the responder has no PSK context)"));
    if (auto st = r.Heartbeat(s->session_id); !st) return fail("HEARTBEAT (PSK session)", st.error());
    if (auto st = r.KeyUpdate(s->session_id, spdm::session::KeyUpdateOp::kUpdateAllKeys); !st) {
      return fail("KEY_UPDATE (PSK session)", st.error());
    }
    step("PSK session: HEARTBEAT and KEY_UPDATE acknowledged");
    auto sm = r.GetMeasurements(spdm::wire::meas::kOpAll, true, s->session_id);
    if (!sm) return fail("GET_MEASUREMENTS in PSK session", sm.error());
    step("PSK session: signed measurements verified (" + std::to_string(sm->blocks.size()) + " blocks)");
    if (auto st = r.EndSession(s->session_id); !st) return fail("END_SESSION (PSK session)", st.error());
    step("PSK session: END_SESSION acknowledged");
  } else if (*psk) {
    step(sessions ? "no PSK session: the responder lacks PSK_CAP" : "no PSK session on transport none");
  }
  if (auto st = t.End(a.keep_running ? tp::command::kContinue : tp::command::kShutdown); !st) {
    return fail("SHUTDOWN", st.error());
  }
  step(a.keep_running ? "platform CONTINUE" : "platform SHUTDOWN");
  out["chunked_requests"] = r.chunked_requests();
  out["chunked_responses"] = r.chunked_responses();
  if (c.chunking) {
    step("large messages: " + std::to_string(r.chunked_requests()) + " requests by CHUNK_SEND, " +
         std::to_string(r.chunked_responses()) + " responses by CHUNK_GET");
  }
  if (a.json) {
    out["steps"] = steps;
    out["ok"] = true;
    std::printf("%s\n", out.dump(2).c_str());
  }
  return kExitOk;
}

struct ValidateArgs {
  std::string host = "127.0.0.1";
  uint16_t port = tp::kDefaultPlatformPort;
  std::string transport = "mctp";
  std::vector<int> groups;
  bool json = false;
  bool verbose = false;       // every assertion, not only failures
  bool keep_running = false;  // end with CONTINUE instead of SHUTDOWN
  PskArgs psk;
};

int RunValidate(const ValidateArgs& a) {
  auto type = ParseTransportName(a.transport);
  if (!type) {
    std::fprintf(stderr, "ccgpu spdm validate: %s\n", type.error().context);
    return kExitUsage;
  }
  const auto& known = spdm::validator::ImplementedGroups();
  for (int g : a.groups) {
    if (std::find(known.begin(), known.end(), g) == known.end()) {
      std::fprintf(stderr, "ccgpu spdm validate: --group %d: no such test group (groups: 1-13, 16, 19, 20)\n", g);
      return kExitUsage;
    }
  }
  auto psk = LoadPsk(a.psk);
  if (!psk) {
    std::fprintf(stderr, "ccgpu spdm validate: %s\n", psk.error().context);
    return kExitInputUnusable;
  }
  spdm::validator::ValidatorConfig vc;
  vc.groups = a.groups;
  if (*psk) {
    vc.psk_store = (*psk)->store;
    vc.psk_hint = (*psk)->hint;
  }
  if (*type == tp::TransportType::kNone) {
    vc.binding = std::nullopt;  // no secured messages on transport none
  } else {
    vc.binding = *spdm::requester::RecordBindingFor(*type);
  }
  vc.allow_dword_padding = *type == tp::TransportType::kPciDoe;
  auto conn = tp::TcpConnection::Connect(a.host, a.port);
  if (!conn) {
    std::fprintf(stderr, "ccgpu spdm validate: connect failed: %s\n", conn.error().ToString().c_str());
    return kExitFailed;
  }
  tp::PlatformPortTransport t(std::move(*conn), *type, tp::Role::kRequester);
  const char* failed_step = "";
  if (auto greeted = GreetResponder(t, *type, &failed_step); !greeted) {
    std::fprintf(stderr, "ccgpu spdm validate: %s failed: %s\n", failed_step, greeted.error().ToString().c_str());
    return kExitFailed;
  }
  spdm::requester::TransportExchange ex(&t);
  auto report = spdm::validator::Validate(vc, &ex);
  if (!report) {
    std::fprintf(stderr, "ccgpu spdm validate: %s\n", report.error().ToString().c_str());
    return report.error().code == Errc::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  (void)t.End(a.keep_running ? tp::command::kContinue : tp::command::kShutdown);
  const auto& r = *report;
  if (a.json) {
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& c : r.cases) {
      nlohmann::json as = nlohmann::json::array();
      for (const auto& x : c.assertions) {
        as.push_back({{"id", x.id}, {"passed", x.passed}, {"what", x.what}, {"detail", x.detail}});
      }
      nlohmann::json cj = {{"id", c.id}, {"title", c.title}, {"skipped", c.skipped}, {"assertions", as}};
      if (c.skipped) cj["skip_reason"] = c.skip_reason;
      cases.push_back(std::move(cj));
    }
    nlohmann::json out = {{"transport", a.transport},
                          {"ok", r.ok()},
                          {"assertions_passed", r.assertions_passed()},
                          {"assertions_failed", r.assertions_failed()},
                          {"cases", r.cases.size()},
                          {"cases_skipped", r.cases_skipped()},
                          {"results", cases}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    for (const auto& c : r.cases) {
      if (c.skipped) {
        std::printf("case %-6s SKIP  %s (%s)\n", c.id.c_str(), c.title.c_str(), c.skip_reason.c_str());
        continue;
      }
      std::size_t passed = 0;
      for (const auto& x : c.assertions) passed += x.passed ? 1 : 0;
      std::printf("case %-6s %s  %zu/%zu  %s\n", c.id.c_str(), c.failed() ? "FAIL" : "PASS", passed,
                  c.assertions.size(), c.title.c_str());
      for (const auto& x : c.assertions) {
        if (x.passed && !a.verbose) continue;
        std::printf("    %s %-8s %s%s%s\n", x.passed ? "pass" : "FAIL", x.id.c_str(), x.what.c_str(),
                    x.detail.empty() ? "" : " — ", x.detail.c_str());
      }
    }
    std::printf("SPDM responder validation: %zu assertions passed, %zu failed; %zu of %zu cases skipped\n",
                r.assertions_passed(), r.assertions_failed(), r.cases_skipped(), r.cases.size());
  }
  return r.ok() ? kExitOk : kExitFailed;
}

}  // namespace

void AddSpdmCommand(CLI::App& app, Action& action) {
  auto* spdm = app.add_subcommand("spdm", "SPDM requester and responder over the spdm-emu platform port");
  spdm->require_subcommand(1);

  auto ra = std::make_shared<ResponderArgs>();
  auto* rsp = spdm->add_subcommand("responder", "serve as an SPDM responder (TCP server)");
  rsp->add_option("--port", ra->port, "TCP port (0: pick a free one; printed)")->capture_default_str();
  rsp->add_option("--bind", ra->bind, "IPv4 address to listen on")->capture_default_str();
  rsp->add_option("--transport", ra->transport, "none | mctp | pci_doe")->capture_default_str();
  rsp->add_option("--cert-chain", ra->cert_chain, "certificate bundle: PEM, or concatenated DER root first")->required();
  rsp->add_option("--key", ra->key, "PEM EC private key of the leaf certificate")->required();
  rsp->add_option("--version", ra->versions, "SPDM versions to offer (1.1 1.2 1.3)");
  rsp->add_option("--accept-timeout", ra->accept_timeout_s, "seconds to wait for a connection")->capture_default_str();
  rsp->add_option("--data-transfer-size", ra->data_transfer_size,
                  "largest single SPDM message taken (1.2+, at least 42); larger ones travel in chunks")
      ->capture_default_str()
      ->check(CLI::Range(42u, 0x1000000u));
  rsp->add_option("--max-spdm-msg-size", ra->max_spdm_msg_size,
                  "largest message reassembled from chunks (default 64 KiB)");
  AddPskOptions(rsp, &ra->psk);
  rsp->add_option("--measurement-hash", ra->measurement_hash,
                  "sha256 | sha384 | sha512 (default: the negotiated base hash; DMTF's emulator uses sha512)");
  rsp->add_flag("--psk-without-context", ra->psk_without_context,
                "advertise PSK_CAP without context: no ResponderContext, no PSK_FINISH");
  rsp->callback([&action, ra]() { action = [ra]() { return RunResponder(*ra); }; });

  auto qa = std::make_shared<RequesterArgs>();
  auto* req = spdm->add_subcommand("requester", "run the whole SPDM flow against a responder");
  req->add_option("--host", qa->host, "responder IPv4 address")->capture_default_str();
  req->add_option("--port", qa->port, "responder TCP port")->capture_default_str();
  req->add_option("--transport", qa->transport, "none | mctp | pci_doe")->capture_default_str();
  req->add_option("--version", qa->version, "SPDM version to offer (1.1, 1.2, 1.3; default all)");
  req->add_option("--root", qa->root, "trusted root certificate (PEM or DER)")->required();
  req->add_flag("--json", qa->json, "machine-readable output");
  req->add_flag("--continue", qa->keep_running, "end with CONTINUE (responder keeps running)");
  req->add_option("--data-transfer-size", qa->data_transfer_size,
                  "largest single SPDM message taken (1.2+, at least 42); larger ones travel in chunks")
      ->capture_default_str()
      ->check(CLI::Range(42u, 0x1000000u));
  req->add_option("--max-spdm-msg-size", qa->max_spdm_msg_size,
                  "largest message reassembled from chunks (default 64 KiB)");
  AddPskOptions(req, &qa->psk);
  req->callback([&action, qa]() { action = [qa]() { return RunRequester(*qa); }; });

  auto va = std::make_shared<ValidateArgs>();
  auto* val = spdm->add_subcommand(
      "validate", "check a responder against the cases of DMTF's SPDM-Responder-Validator (ccgpu's implementation)");
  val->add_option("--host", va->host, "responder IPv4 address")->capture_default_str();
  val->add_option("--port", va->port, "responder TCP port")->capture_default_str();
  val->add_option("--transport", va->transport, "none | mctp | pci_doe")->capture_default_str();
  val->add_option("--group", va->groups, "test groups to run (1-13, 16, 19, 20; default all)");
  val->add_flag("--json", va->json, "machine-readable output");
  val->add_flag("--verbose", va->verbose, "list every assertion, not only failures");
  val->add_flag("--continue", va->keep_running, "end with CONTINUE (responder keeps running)");
  AddPskOptions(val, &va->psk);
  val->callback([&action, va]() { action = [va]() { return RunValidate(*va); }; });
}

}  // namespace ccgpu::cli
