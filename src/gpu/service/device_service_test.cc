// gpu::DeviceService: SPDM evidence equals NVIDIA's blob format and passes the
// verifier, reset kills sessions and serves the new AK leaf, vendor dispatch
// (with the session's export master secret), TCP serving that survives bad
// connections and stops on request.
#include "gpu/service/device_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "attest/claims.h"
#include "attest/evidence.h"
#include "attest/policy.h"
#include "attest/sources.h"
#include "attest/verifier.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "gpu/provision.h"
#include "gpu/tdisp/ide_km.h"
#include "gpu/tdisp/tdi.h"
#include "gpu/rim_maker.h"
#include "spdm/requester/requester.h"
#include "spdm/tdisp/ide_km.h"
#include "spdm/tdisp/tdisp.h"
#include "spdm/requester/transport_exchange.h"
#include "spdm/transport/socket.h"
#include "spdm/wire/message.h"

namespace ccgpu::gpu {
namespace {
namespace fs = std::filesystem;
namespace wire = spdm::wire;
namespace tp = spdm::transport;

Bytes Nonce(uint8_t seed) {
  Bytes n(32);
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<uint8_t>(seed * 3 + i);
  return n;
}

class DeviceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("ccgpu_gpu_service_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    ProvisionOptions o;
    o.gpus = 2;
    o.now = SystemClock::Get().Now();
    o.base.protected_memory_bytes = 4u << 20;
    ASSERT_TRUE(Provision(dir_, o).has_value());
    auto d = Device::Open(dir_, 0);
    ASSERT_TRUE(d.has_value());
    device_ = std::move(*d);
    auto s = DeviceService::Create(*device_);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    service_ = std::move(*s);
  }
  void TearDown() override {
    service_.reset();
    device_.reset();
    fs::remove_all(dir_);
  }
  crypto::Certificate Root() {
    return crypto::Certificate::FromPem(*ReadFileText(ManufacturerDir(dir_) / "device_root.pem")).value();
  }
  // NVIDIA's requester profile: SPDM 1.1, ECDSA P-384, SHA-384.
  spdm::requester::RequesterConfig NvidiaRequester(uint8_t version = wire::kVersion11) {
    spdm::requester::RequesterConfig c;
    c.versions = {version};
    c.base_asym = wire::alg::kEcdsaP384;
    c.base_hash = wire::alg::kSha384;
    c.dhe = wire::alg::kSecp384r1;
    c.aead = wire::alg::kAes256Gcm;
    c.roots = {Root()};
    return c;
  }
  struct Client {
    std::unique_ptr<spdm::requester::MessageExchange> exchange;
    std::unique_ptr<spdm::requester::Requester> requester;
  };
  Client Connect(uint8_t version = wire::kVersion11) {
    Client c;
    c.exchange = service_->Connect();
    c.requester = spdm::requester::Requester::Create(NvidiaRequester(version), c.exchange.get()).value();
    return c;
  }

  fs::path dir_;
  std::unique_ptr<Device> device_;
  std::unique_ptr<DeviceService> service_;
};

Bytes Blob(const spdm::requester::MeasurementsInfo& m) {
  Bytes b = m.request;
  b.insert(b.end(), m.response.begin(), m.response.end());
  return b;
}

TEST_F(DeviceServiceTest, SignedMeasurementsOverSpdm11AreAnNvidiaEvidenceBlob) {
  Client c = Connect();
  ASSERT_TRUE(c.requester->InitConnection());
  EXPECT_EQ(c.requester->connection().version, wire::kVersion11);
  auto chain = c.requester->GetCertificate();
  ASSERT_TRUE(chain) << chain.error().ToString();
  ASSERT_EQ(chain->certs.size(), 5u);
  EXPECT_EQ(chain->certs.back().Der(), device_->CertificateChain().front().Der());  // AK leaf
  const Bytes nonce = Nonce(1);
  auto m = c.requester->GetMeasurements(wire::meas::kOpAll, true, std::nullopt, false, nonce);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_TRUE(m->signature_verified);
  ASSERT_EQ(m->blocks.size(), 64u);

  const Bytes blob = Blob(*m);
  const Bytes reference = device_->Evidence(nonce).value();
  // Same layout byte for byte, apart from the responder nonce and signature.
  ASSERT_EQ(blob.size(), reference.size());
  auto spdm_ev = attest::ParseEvidence(blob, attest::DeviceKind::kGpu);
  ASSERT_TRUE(spdm_ev) << spdm_ev.error().ToString();
  auto ref_ev = attest::ParseEvidence(reference, attest::DeviceKind::kGpu);
  ASSERT_TRUE(ref_ev);
  const std::size_t nonce_at = blob.size() - 96 - 2 - spdm_ev->response.opaque_length - 32;
  for (std::size_t i = 0; i < blob.size() - 96; ++i) {
    if (i >= nonce_at && i < nonce_at + 32) continue;
    ASSERT_EQ(blob[i], reference[i]) << "byte " << i;
  }
  EXPECT_EQ(Bytes(blob.begin() + 4, blob.begin() + 36), nonce);
  EXPECT_EQ(spdm_ev->response.blocks.size(), 64u);
  EXPECT_EQ(spdm_ev->response.opaque.fields.size(), ref_ev->response.opaque.fields.size());
  EXPECT_EQ(spdm_ev->response.opaque.fwid, ref_ev->response.opaque.fwid);
  EXPECT_EQ(spdm_ev->response.opaque.driver_version, device_->Config().driver_version);

  // And the verifier accepts it exactly like Device::Evidence output.
  const fs::path rims = dir_ / "rims";
  ASSERT_TRUE(MakeRims(dir_, 0, rims).has_value());
  auto rim_verifier = attest::RimVerifier::Create(*ReadFileText(ManufacturerDir(dir_) / "rim_root.pem")).value();
  attest::FileRimSource source(rim_verifier);
  ASSERT_TRUE(source.SetDirectory(rims).has_value());
  attest::VerifierConfig config;
  config.emulated_roots = {Root()};
  config.rims = &source;
  attest::DeviceInput in;
  in.arch = attest::Arch::kHopper;
  in.evidence = blob;
  in.cert_chain_pem = device_->CertificateChainPem();
  attest::PolicyOptions po;
  po.accept_ocsp_unknown = true;
  po.allow_emulated = true;
  auto report = attest::Verify(config, {in}, nonce, SystemClock::Get().Now(), attest::Policy::Default(po));
  const std::string text = attest::FormatReport(report);
  ASSERT_EQ(report.devices.size(), 1u);
  EXPECT_FALSE(report.devices[0].failed_step.has_value()) << text;
  EXPECT_TRUE(report.devices[0].signature_verified) << text;
  ASSERT_TRUE(report.devices[0].measurements.has_value()) << text;
  EXPECT_EQ(report.devices[0].measurements->compared, 33u);
  EXPECT_TRUE(report.policy_passed) << text;

  // One flipped bit anywhere in what the signature covers breaks it.
  for (std::size_t bit : {std::size_t{8 * 5}, std::size_t{8 * 40 + 3}, 8 * (blob.size() - 97)}) {
    attest::DeviceInput bad = in;
    bad.evidence[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto r = attest::Verify(config, {bad}, nonce, SystemClock::Get().Now(), attest::Policy::Default(po));
    EXPECT_FALSE(r.policy_passed) << "bit " << bit;
  }
}

TEST_F(DeviceServiceTest, ResetEndsSessionsAndServesTheNewAttestationKeyLeaf) {
  Client c = Connect(wire::kVersion12);
  ASSERT_TRUE(c.requester->InitConnection());
  auto before = c.requester->GetCertificate();
  ASSERT_TRUE(before);
  auto session = c.requester->StartSession();
  ASSERT_TRUE(session) << session.error().ToString();
  ASSERT_TRUE(c.requester->Heartbeat(session->session_id));
  const uint64_t gen = service_->responder_generation();

  ASSERT_TRUE(device_->Reset().has_value());
  // The old session is refused: its records reach a responder that never
  // heard of it.
  auto hb = c.requester->Heartbeat(session->session_id);
  ASSERT_FALSE(hb);
  auto m = c.requester->GetMeasurements(wire::meas::kOpAll, false, session->session_id);
  ASSERT_FALSE(m);
  EXPECT_EQ(service_->responder_generation(), gen + 1);

  // A new connection sees the new per-boot leaf, and it signs with it.
  Client fresh = Connect(wire::kVersion12);
  ASSERT_TRUE(fresh.requester->InitConnection());
  auto after = fresh.requester->GetCertificate();
  ASSERT_TRUE(after) << after.error().ToString();
  EXPECT_NE(after->certs.back().Der(), before->certs.back().Der());
  EXPECT_EQ(after->certs.back().Der(), device_->CertificateChain().front().Der());
  EXPECT_EQ(after->certs[after->certs.size() - 2].Der(), before->certs[before->certs.size() - 2].Der());  // identity kept
  auto signed_m = fresh.requester->GetMeasurements(wire::meas::kOpAll, true);
  ASSERT_TRUE(signed_m) << signed_m.error().ToString();
  EXPECT_TRUE(signed_m->signature_verified);
  auto s2 = fresh.requester->StartSession();
  ASSERT_TRUE(s2) << s2.error().ToString();
}

TEST_F(DeviceServiceTest, ResetWithoutTrafficStillDropsTheResponderAtOnce) {
  Client c = Connect(wire::kVersion12);
  ASSERT_TRUE(c.requester->InitConnection());
  ASSERT_TRUE(c.requester->GetCertificate());
  ASSERT_TRUE(c.requester->StartSession());
  const uint64_t built = service_->responders_built();
  ASSERT_TRUE(device_->Reset().has_value());
  // The reset listener dropped it; the next message builds a new one.
  EXPECT_EQ(service_->responders_built(), built);
  Client fresh = Connect(wire::kVersion12);
  ASSERT_TRUE(fresh.requester->InitConnection());
  EXPECT_EQ(service_->responders_built(), built + 1);
}

class Recorder final : public spdm::responder::VendorDefinedHandler {
 public:
  explicit Recorder(uint8_t tag) : tag_(tag) {}
  Result<Bytes> Handle(const spdm::responder::VendorRequest& r) override {
    Bytes out = {tag_, static_cast<uint8_t>(r.session_id ? 1 : 0)};
    if (r.export_master_secret) {
      auto s = r.export_master_secret();
      if (!s) return Fail(Errc::kStateError, "secret already taken");
      secret.assign(s->reveal().begin(), s->reveal().end());
    }
    out.insert(out.end(), r.payload.begin(), r.payload.end());
    return out;
  }
  Bytes secret;

 private:
  uint8_t tag_;
};

TEST_F(DeviceServiceTest, VendorRequestsAreDispatchedByStandardAndVendorId) {
  auto tdisp = std::make_shared<Recorder>(0xA1);
  auto ours = std::make_shared<Recorder>(0xB2);
  const Bytes pci_vid = {0x02, 0x00};  // (3, 0x0001) is the device's own TDISP responder
  const Bytes ccgpu_vid = {0x63, 0x63, 0x67, 0x70};
  ASSERT_TRUE(service_->RegisterVendorProtocol(3, pci_vid, tdisp));
  ASSERT_TRUE(service_->RegisterVendorProtocol(0xFFFF, ccgpu_vid, ours));
  EXPECT_EQ(service_->RegisterVendorProtocol(3, pci_vid, ours).error().code, Errc::kBusy);
  EXPECT_TRUE(service_->RegisterVendorProtocol(3, pci_vid, tdisp));  // same handler again: fine
  EXPECT_EQ(service_->RegisterVendorProtocol(4, pci_vid, nullptr).error().code, Errc::kInvalidArgument);

  Client c = Connect(wire::kVersion12);
  ASSERT_TRUE(c.requester->InitConnection());
  ASSERT_TRUE(c.requester->GetCertificate());
  auto a = c.requester->VendorDefined(std::nullopt, 3, pci_vid, Bytes{0x10});
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(*a, (Bytes{0xA1, 0, 0x10}));
  auto unknown_vid = c.requester->VendorDefined(std::nullopt, 3, Bytes{0x03, 0x00}, Bytes{0x10});
  ASSERT_FALSE(unknown_vid);
  EXPECT_EQ(c.requester->last_peer_error(), wire::ErrorCode::kUnsupportedRequest);
  auto unknown_std = c.requester->VendorDefined(std::nullopt, 4, pci_vid, Bytes{0x10});
  ASSERT_FALSE(unknown_std);
  EXPECT_EQ(c.requester->last_peer_error(), wire::ErrorCode::kUnsupportedRequest);

  auto s = c.requester->StartSession();
  ASSERT_TRUE(s);
  auto b = c.requester->VendorDefined(s->session_id, 0xFFFF, ccgpu_vid, Bytes{0x20, 0x21});
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_EQ(*b, (Bytes{0xB2, 1, 0x20, 0x21}));
  auto mine = c.requester->TakeExportMasterSecret(s->session_id);
  ASSERT_TRUE(mine);
  EXPECT_EQ(ours->secret, Bytes(mine->reveal().begin(), mine->reveal().end()));
  EXPECT_EQ(ours->secret.size(), 48u);
  // Taken once: a second in-session request finds it gone.
  auto again = c.requester->VendorDefined(s->session_id, 0xFFFF, ccgpu_vid, Bytes{0x22});
  EXPECT_FALSE(again);
}

TEST_F(DeviceServiceTest, ConnectIsSerialisedAcrossThreads) {
  // Many threads each run whole signed-measurement round trips on their own
  // connection. Each GET_VERSION resets the shared connection state, so some
  // flows fail (one requester at a time is the contract), but none crashes
  // and a flow run alone afterwards succeeds.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 3; ++i) {
        Client c = Connect();
        if (c.requester->InitConnection() && c.requester->GetCertificate()) {
          (void)c.requester->GetMeasurements(wire::meas::kOpAll, true);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  Client c = Connect();
  ASSERT_TRUE(c.requester->InitConnection());
  ASSERT_TRUE(c.requester->GetCertificate());
  auto m = c.requester->GetMeasurements(wire::meas::kOpAll, true, std::nullopt, false, Nonce(4));
  ASSERT_TRUE(m) << m.error().ToString();
}

TEST_F(DeviceServiceTest, TcpServingSurvivesBadConnectionsAndStops) {
  std::atomic<bool> stop{false};
  std::atomic<uint16_t> port{0};
  Status served = OkStatus();
  std::thread server([&] {
    served = service_->Serve(SpdmEndpoint{"127.0.0.1", 0}, stop, tp::TransportType::kMctp,
                             [&](uint16_t p) { port.store(p); });
  });
  for (int i = 0; i < 200 && port.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_NE(port.load(), 0);
  {
    // Connect and vanish.
    auto conn = tp::TcpConnection::Connect("127.0.0.1", port.load());
    ASSERT_TRUE(conn);
  }
  {
    // Garbage framing.
    auto conn = tp::TcpConnection::Connect("127.0.0.1", port.load());
    ASSERT_TRUE(conn);
    const Bytes junk(40, 0xEE);
    ASSERT_TRUE(conn->SendAll(junk));
    Bytes one(1);
    (void)conn->ReceiveExact(one);
  }
  for (tp::TransportType type : {tp::TransportType::kMctp}) {
    auto conn = tp::TcpConnection::Connect("127.0.0.1", port.load());
    ASSERT_TRUE(conn);
    tp::PlatformPortTransport t(std::move(*conn), type, tp::Role::kRequester);
    ASSERT_TRUE(t.Hello());
    spdm::requester::TransportExchange ex(&t);
    auto cfg = NvidiaRequester();
    cfg.binding = *spdm::requester::RecordBindingFor(type);
    auto q = spdm::requester::Requester::Create(cfg, &ex).value();
    ASSERT_TRUE(q->InitConnection());
    ASSERT_TRUE(q->GetCertificate());
    auto m = q->GetMeasurements(wire::meas::kOpAll, true, std::nullopt, false, Nonce(2));
    ASSERT_TRUE(m) << m.error().ToString();
    EXPECT_TRUE(attest::ParseEvidence(Blob(*m), attest::DeviceKind::kGpu).has_value());
  }
  // A requester idle longer than the poll tick keeps its connection.
  {
    auto conn = tp::TcpConnection::Connect("127.0.0.1", port.load());
    ASSERT_TRUE(conn);
    tp::PlatformPortTransport t(std::move(*conn), tp::TransportType::kMctp, tp::Role::kRequester);
    spdm::requester::TransportExchange ex(&t);
    auto q = spdm::requester::Requester::Create(NvidiaRequester(), &ex).value();
    ASSERT_TRUE(q->InitConnection());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_TRUE(q->GetCertificate());
  }
  const auto t0 = std::chrono::steady_clock::now();
  stop.store(true);
  server.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_TRUE(served.has_value());
}

TEST_F(DeviceServiceTest, PortInUseIsAnError) {
  auto busy = tp::TcpListener::Bind("127.0.0.1", 0);
  ASSERT_TRUE(busy);
  std::atomic<bool> stop{true};
  Status s = service_->Serve(SpdmEndpoint{"127.0.0.1", busy->port()}, stop);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kIo);
}

// Collects evidence over SPDM (as `ccgpu attest` does) and verifies it with
// RIMs made for the device's current state.
attest::VerificationReport CollectAndVerify(DeviceService& service, const fs::path& state, const Bytes& nonce,
                                            const attest::Policy& policy) {
  auto root = crypto::Certificate::FromPem(*ReadFileText(ManufacturerDir(state) / "device_root.pem")).value();
  auto ex = service.Connect();
  spdm::requester::RequesterConfig qc;
  qc.versions = {wire::kVersion11};
  qc.base_asym = wire::alg::kEcdsaP384;
  qc.base_hash = wire::alg::kSha384;
  qc.roots = {root};
  auto q = spdm::requester::Requester::Create(qc, ex.get()).value();
  EXPECT_TRUE(q->InitConnection());
  auto chain = q->GetCertificate();
  EXPECT_TRUE(chain);
  auto m = q->GetMeasurements(wire::meas::kOpAll, true, std::nullopt, false, nonce);
  EXPECT_TRUE(m);
  if (!chain || !m) return {};
  const fs::path rims = state / "rims_now";
  fs::remove_all(rims);
  EXPECT_TRUE(MakeRims(state, service.device().index(), rims).has_value());
  auto rim_verifier = attest::RimVerifier::Create(*ReadFileText(ManufacturerDir(state) / "rim_root.pem")).value();
  attest::FileRimSource source(rim_verifier);
  EXPECT_TRUE(source.SetDirectory(rims).has_value());
  attest::VerifierConfig config;
  config.emulated_roots = {root};
  config.rims = &source;
  attest::DeviceInput in;
  in.arch = attest::Arch::kHopper;
  in.evidence = Blob(*m);
  for (auto it = chain->certs.rbegin(); it != chain->certs.rend(); ++it) {
    std::string b64 = Base64Encode(it->Der());
    in.cert_chain_pem += "-----BEGIN CERTIFICATE-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) in.cert_chain_pem += b64.substr(i, 64) + "\n";
    in.cert_chain_pem += "-----END CERTIFICATE-----\n";
  }
  return attest::Verify(config, {in}, nonce, SystemClock::Get().Now(), policy);
}

TEST_F(DeviceServiceTest, DevtoolsModeShowsAsDbgstatEnabledAndTheDefaultPolicyRefusesIt) {
  attest::PolicyOptions po;
  po.accept_ocsp_unknown = true;
  po.allow_emulated = true;
  {
    auto report = CollectAndVerify(*service_, dir_, Nonce(5), attest::Policy::Default(po));
    ASSERT_EQ(report.devices.size(), 1u);
    EXPECT_EQ(report.devices[0].claims["dbgstat"], "disabled") << attest::FormatReport(report);
    EXPECT_TRUE(report.policy_passed) << attest::FormatReport(report);
  }
  EXPECT_EQ(device_->RequestCcMode(CcMode::kDevtools).error().code, Errc::kResetRequired);
  ASSERT_TRUE(device_->Reset().has_value());
  // RIMs made for devtools: every measurement matches, and yet the claims
  // say debugging is enabled, read from the signed block 6.
  auto report = CollectAndVerify(*service_, dir_, Nonce(6), attest::Policy::Default(po));
  const std::string text = attest::FormatReport(report);
  ASSERT_EQ(report.devices.size(), 1u);
  EXPECT_FALSE(report.devices[0].failed_step.has_value()) << text;
  EXPECT_EQ(report.devices[0].claims["measres"], "success") << text;
  EXPECT_EQ(report.devices[0].claims["dbgstat"], "enabled") << text;
  EXPECT_FALSE(report.policy_passed) << text;
  bool named = false;
  for (const auto& r : report.policy_reasons) named = named || r.find("dbgstat") != std::string::npos;
  EXPECT_TRUE(named) << text;
  // A policy file that does not ask for dbgstat accepts devtools.
  auto lenient = attest::Policy::FromNvidiaJson(
      R"({"version":"4.0","authorization-rules":{"type":"JWT","detached-claims":{"measres":"success"}}})", po);
  ASSERT_TRUE(lenient);
  auto ok = CollectAndVerify(*service_, dir_, Nonce(7), *lenient);
  EXPECT_TRUE(ok.policy_passed) << attest::FormatReport(ok);
  // The block holds exactly the digest the claims builder looks for.
  auto ev = attest::ParseEvidence(device_->Evidence(Nonce(8)).value(), attest::DeviceKind::kGpu).value();
  const std::string_view enabled = attest::kEmulatedDevtoolsEnabledText;
  EXPECT_EQ(ev.response.Block(attest::kEmulatedDevtoolsBlock)->value,
            crypto::Hash(crypto::HashAlg::kSha384, AsBytes(enabled)).value());
  EXPECT_EQ(attest::kEmulatedDevtoolsBlock, kIndexDevtools + 1);
}

class ResettingHandler final : public spdm::responder::VendorDefinedHandler {
 public:
  explicit ResettingHandler(Device& d) : device_(d) {}
  Result<Bytes> Handle(const spdm::responder::VendorRequest&) override {
    CCGPU_TRY(device_.Reset());
    return Bytes{0x01};
  }

 private:
  Device& device_;
};

TEST_F(DeviceServiceTest, ResetCausedByAHandlerEndsTheSessionAfterItsReply) {
  ASSERT_TRUE(service_->RegisterVendorProtocol(0xFFFF, Bytes{0x52}, std::make_shared<ResettingHandler>(*device_)));
  Client c = Connect(wire::kVersion12);
  ASSERT_TRUE(c.requester->InitConnection());
  ASSERT_TRUE(c.requester->GetCertificate());
  auto s = c.requester->StartSession();
  ASSERT_TRUE(s);
  const uint64_t gen = device_->session_generation();
  auto r = c.requester->VendorDefined(s->session_id, 0xFFFF, Bytes{0x52}, Bytes{0x00});
  ASSERT_TRUE(r) << r.error().ToString();  // sealed by the old session, which then ends
  EXPECT_EQ(device_->session_generation(), gen + 1);
  EXPECT_FALSE(c.requester->Heartbeat(s->session_id));
  Client fresh = Connect(wire::kVersion12);
  ASSERT_TRUE(fresh.requester->InitConnection());
  ASSERT_TRUE(fresh.requester->GetCertificate());
  EXPECT_EQ(service_->responder_generation(), gen + 1);
}

TEST_F(DeviceServiceTest, TheDevicesTdispAndIdeKmRespondersAnswerPciSigVendorRequests) {
  const auto& vid = spdm::tdisp::kVendorIdPciSig;
  const Bytes pci_sig(vid.begin(), vid.end());
  // Registering the device's own PCI-SIG handler again is harmless; another
  // handler is not.
  EXPECT_TRUE(service_->RegisterVendorProtocol(spdm::tdisp::kStandardIdPciSig, pci_sig, device_->PciSig()));
  EXPECT_EQ(service_->RegisterVendorProtocol(spdm::tdisp::kStandardIdPciSig, pci_sig, std::make_shared<Recorder>(1))
                .error().code, Errc::kBusy);
  Client c = Connect(wire::kVersion12);
  ASSERT_TRUE(c.requester->InitConnection());
  ASSERT_TRUE(c.requester->GetCertificate());
  auto s = c.requester->StartSession();
  ASSERT_TRUE(s);
  // GET_TDISP_VERSION for function 0: version 0x10, type 0x81, reserved, INTERFACE_ID.
  Bytes get_version = {0x10, 0x81, 0x00, 0x00};
  get_version.resize(spdm::tdisp::kHeaderSize, 0);
  auto rsp = c.requester->VendorDefined(s->session_id, spdm::tdisp::kStandardIdPciSig, pci_sig,
                                        spdm::tdisp::WrapPayload(get_version).value());
  ASSERT_TRUE(rsp) << rsp.error().ToString();
  auto msg = spdm::tdisp::UnwrapPayload(*rsp);
  ASSERT_TRUE(msg);
  ASSERT_GE(msg->size(), 2u);
  EXPECT_EQ((*msg)[1], static_cast<uint8_t>(spdm::tdisp::MessageType::kVersion));
  // IDE_KM QUERY (ProtocolID 0x00) through the same registration.
  const Bytes query = {0x00, 0x00, 0x00};
  auto q = c.requester->VendorDefined(s->session_id, spdm::tdisp::kStandardIdPciSig, pci_sig,
                                      spdm::idekm::WrapPayload(query).value());
  ASSERT_TRUE(q) << q.error().ToString();
  ASSERT_GE(q->size(), 8u);
  EXPECT_EQ((*q)[0], spdm::tdisp::kProtocolIdIdeKm);
  EXPECT_EQ((*q)[1], static_cast<uint8_t>(spdm::idekm::ObjectId::kQueryResp));
}

}  // namespace
}  // namespace ccgpu::gpu
