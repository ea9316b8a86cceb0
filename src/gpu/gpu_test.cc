// Tests of the emulated GPU device model (provisioning, measured boot,
// evidence, CC modes, reset, memory policy, ready gate, persistence, RIMs,
// management requests).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "attest/evidence.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/pki/pki.h"
#include "crypto/xmldsig/xmldsig.h"
#include "gpu/device.h"
#include "gpu/evidence_builder.h"
#include "gpu/gpud.h"
#include "gpu/provision.h"
#include "gpu/rim_maker.h"

namespace ccgpu::gpu {
namespace {
namespace fs = std::filesystem;

Bytes Nonce(uint8_t seed) {
  Bytes n(32);
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<uint8_t>(seed + i);
  return n;
}

class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("ccgpu_gpu_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    ProvisionOptions o;
    o.gpus = 2;
    o.now = SystemClock::Get().Now();
    o.base.protected_memory_bytes = 16u << 20;
    ASSERT_TRUE(Provision(dir_, o).has_value());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Device> OpenDevice(unsigned i = 0) {
    auto d = Device::Open(dir_, i);
    EXPECT_TRUE(d.has_value()) << (d ? "" : d.error().context);
    return d ? std::move(*d) : nullptr;
  }
  crypto::Certificate Root() {
    return crypto::Certificate::FromPem(*ReadFileText(ManufacturerDir(dir_) / "device_root.pem")).value();
  }
  fs::path dir_;
};

TEST_F(GpuTest, ProvisionedChainMirrorsNvidiaAndVerifiesToEmulatedRoot) {
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  auto chain = d->CertificateChain();
  ASSERT_EQ(chain.size(), 5u);
  EXPECT_EQ(chain[0].CommonName(), kLeafCn);
  EXPECT_EQ(chain[1].CommonName(), kBromCn);
  EXPECT_EQ(chain[4].CommonName(), kDeviceRootCn);
  for (const auto& c : chain) {
    EXPECT_NE(c.Subject().find("NOT FOR PRODUCTION"), std::string::npos) << c.Subject();
    EXPECT_EQ(c.PublicKey().value().curve(), crypto::Curve::kP384);
  }
  std::vector<crypto::Certificate> roots{Root()};
  crypto::ChainOptions opts;
  opts.at = SystemClock::Get().Now();
  crypto::ChainFailure why;
  EXPECT_TRUE(VerifyChain(chain, roots, opts, &why).has_value()) << why.index << why.reason;
  // A different manufacturer's root does not anchor it.
  fs::path other = dir_.string() + "_other";
  ProvisionOptions o;
  o.now = opts.at;
  ASSERT_TRUE(Provision(other, o).has_value());
  std::vector<crypto::Certificate> other_root{
      crypto::Certificate::FromPem(*ReadFileText(ManufacturerDir(other) / "device_root.pem")).value()};
  EXPECT_EQ(VerifyChain(chain, other_root, opts).error().code, Errc::kChainInvalid);
  fs::remove_all(other);

  // FWID in the leaf's DICE extension = SHA-384(sp-firmware.bin) = evidence FWID.
  Bytes ext = chain[0].Extension(crypto::kDiceFwidOid).value();
  Bytes fwid = crypto::DecodeDiceFwidExtension(ext).value();
  Bytes sp = ReadFileBytes(DeviceDir(dir_, 0) / "firmware/sp-firmware.bin").value();
  EXPECT_EQ(fwid, crypto::Hash(crypto::HashAlg::kSha384, sp).value());
  auto ev = attest::ParseEvidence(d->Evidence(Nonce(1)).value(), attest::DeviceKind::kGpu).value();
  ASSERT_TRUE(ev.response.opaque.fwid.has_value());
  EXPECT_EQ(*ev.response.opaque.fwid, fwid);
}

TEST_F(GpuTest, DevicePrivateKeysAreOwnerOnly) {
  struct stat st {};
  ASSERT_EQ(::stat((DeviceDir(dir_, 0) / "private/identity.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((DeviceDir(dir_, 0) / "private").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // Nothing outside private/ holds a private key.
  for (const auto& e : fs::recursive_directory_iterator(DeviceDir(dir_, 0))) {
    if (!e.is_regular_file() || e.path().parent_path().filename() == "private") continue;
    auto text = ReadFileText(e.path());
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(text->find("PRIVATE KEY"), std::string::npos) << e.path();
  }
}

TEST_F(GpuTest, EvidenceParsesWithNvidiaParserAndSignatureVerifiesWithLeaf) {
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  Bytes nonce = Nonce(7);
  Bytes blob = d->Evidence(nonce).value();
  auto ev = attest::ParseEvidence(blob, attest::DeviceKind::kGpu);
  ASSERT_TRUE(ev.has_value()) << ev.error().context;
  EXPECT_EQ(Bytes(ev->request.nonce.begin(), ev->request.nonce.end()), nonce);
  EXPECT_EQ(ev->request.param2, 0xFF);
  ASSERT_EQ(ev->response.blocks.size(), kNumMeasurements);
  MeasurementSet m = d->Measurements();
  for (std::size_t i = 0; i < kNumMeasurements; ++i) {
    EXPECT_EQ(ev->response.blocks[i].index, i + 1);
    EXPECT_EQ(ev->response.blocks[i].value, Bytes(m.value[i].begin(), m.value[i].end())) << i;
  }
  const auto& op = ev->response.opaque;
  EXPECT_EQ(op.driver_version, "550.90.07");
  EXPECT_EQ(op.vbios_version, "96.00.9F.00.01");
  EXPECT_EQ(op.project, "EMU1");
  EXPECT_EQ(op.project_sku, "0001");
  EXPECT_EQ(op.chip_sku, "E01");
  EXPECT_EQ(op.nvdec0_status, attest::kNvdec0Enabled);
  EXPECT_EQ(op.opaque_data_version, 1);
  EXPECT_EQ(op.Mode().value(), attest::GpuMode::kSpt);
  ASSERT_EQ(op.msrscnt.size(), kNumMeasurements);
  EXPECT_EQ(op.msrscnt[0], 1u);
  EXPECT_EQ(op.msrscnt[13], 0u);

  auto leaf_key = d->CertificateChain()[0].PublicKey().value();
  ASSERT_TRUE(leaf_key.VerifyRaw(crypto::HashAlg::kSha384, ev->SignedBytes(),
                                 ByteSpan(ev->response.signature)).has_value());
  // Every bit of the signature matters.
  for (std::size_t bit = 0; bit < attest::kEvidenceSignatureSize * 8; ++bit) {
    Bytes sig(ev->response.signature.begin(), ev->response.signature.end());
    sig[bit / 8] = static_cast<uint8_t>(sig[bit / 8] ^ (1u << (bit % 8)));
    ASSERT_FALSE(leaf_key.VerifyRaw(crypto::HashAlg::kSha384, ev->SignedBytes(), sig).has_value()) << bit;
  }
  // And a changed nonce or measurement byte breaks it.
  for (std::size_t pos : {std::size_t{4}, std::size_t{37 + 8 + 7}, blob.size() - 97}) {
    Bytes t = blob;
    t[pos] ^= 0x01;
    EXPECT_FALSE(leaf_key.VerifyRaw(crypto::HashAlg::kSha384, ByteSpan(t).first(t.size() - 96),
                                    ByteSpan(t).last(96)).has_value()) << pos;
  }
  // Wrong nonce size is refused.
  EXPECT_EQ(d->Evidence(Bytes(31)).error().code, Errc::kInvalidArgument);
}

TEST_F(GpuTest, EvidenceJsonIsNvidiaEvidenceListEntry) {
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  std::string entry = d->EvidenceJson(Nonce(3)).value();
  auto list = attest::ParseEvidenceList("[" + entry + "]");
  ASSERT_TRUE(list.has_value()) << list.error().context;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].arch, attest::Arch::kHopper);
  EXPECT_EQ((*list)[0].nonce, Nonce(3));
  EXPECT_EQ(crypto::Certificate::ParsePemChain((*list)[0].certificate).value().size(), 5u);
  EXPECT_TRUE(attest::ParseEvidence((*list)[0].evidence, attest::DeviceKind::kGpu).has_value());
}

// Changing any image changes exactly its measurement; changing any setting
// changes its measurement.
TEST_F(GpuTest, EveryImageAndSettingIsMeasured) {
  const fs::path fw = DeviceDir(dir_, 0) / "firmware";
  DeviceConfig cfg = DeviceConfig::FromJson(*ReadFileText(DeviceDir(dir_, 0) / "config.json")).value();
  MeasurementSet base = MeasureDevice(fw, cfg).value();
  std::size_t active = 0;
  for (const auto& s : MeasurementMap()) {
    if (s.part == RimPart::kNone) {
      EXPECT_EQ(base.value[s.rim_index], Digest384{}) << s.rim_index;
    } else {
      ++active;
      EXPECT_NE(base.value[s.rim_index], Digest384{}) << s.rim_index;
    }
  }
  EXPECT_EQ(active, 12u + 21u);  // VBIOS 0-6,8-12; driver 7,21-40
  auto changed = [&](const MeasurementSet& m) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < kNumMeasurements; ++i) {
      if (m.value[i] != base.value[i]) out.push_back(i);
    }
    return out;
  };
  for (const FirmwareImage& img : FirmwareImages()) {
    Bytes orig = ReadFileBytes(fw / img.file).value();
    Bytes mod = orig;
    mod[mod.size() / 2] ^= 0x80;
    ASSERT_TRUE(WriteFileAtomic(fw / img.file, mod).has_value());
    MeasurementSet m = MeasureDevice(fw, cfg).value();
    EXPECT_EQ(changed(m).size(), 1u) << img.file;
    if (std::string(img.file) == "sp-firmware.bin") {
      EXPECT_NE(m.fwid, base.fwid);
    } else {
      EXPECT_EQ(m.fwid, base.fwid) << img.file;
    }
    ASSERT_TRUE(WriteFileAtomic(fw / img.file, orig).has_value());
  }
  auto expect_changes = [&](DeviceConfig c, std::vector<std::size_t> want, const char* what) {
    EXPECT_EQ(changed(MeasureDevice(fw, c).value()), want) << what;
  };
  DeviceConfig c = cfg;
  c.cc_mode = CcMode::kOff;
  expect_changes(c, {kIndexCcMode}, "cc off");
  c.cc_mode = CcMode::kDevtools;
  expect_changes(c, {kIndexCcMode, kIndexDevtools}, "devtools");
  c = cfg;
  c.nvdec_enabled = false;
  expect_changes(c, {kIndexNvdec}, "nvdec");
  c = cfg;
  c.driver_version = "550.90.08";
  expect_changes(c, {kIndexDriverVersion}, "driver version");
  c = cfg;
  c.vbios_version = "96.00.9F.00.02";
  expect_changes(c, {3}, "vbios version");
  c = cfg;
  c.project_sku = "0002";
  expect_changes(c, {3}, "project sku");
  c = cfg;
  c.protected_memory_bytes *= 2;
  expect_changes(c, {12}, "memory size");
  // A missing image is an error, not a zero measurement.
  fs::remove(fw / "microcode.bin");
  EXPECT_EQ(MeasureDevice(fw, cfg).error().code, Errc::kNotFound);
}

TEST_F(GpuTest, ModeChangeWithoutResetIsRefusedAndResetAppliesIt) {
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Status().cc_mode, CcMode::kOn);
  Bytes before = d->Evidence(Nonce(1)).value();
  auto s = d->RequestCcMode(CcMode::kDevtools);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::kResetRequired);
  EXPECT_EQ(d->Status().cc_mode, CcMode::kOn);
  EXPECT_EQ(d->Status().pending_cc_mode, CcMode::kDevtools);
  // Evidence still reports the mode in effect.
  EXPECT_EQ(d->Measurements().value[kIndexCcMode],
            MeasureDevice(DeviceDir(dir_, 0) / "firmware", d->Config()).value().value[kIndexCcMode]);
  MeasurementSet on = d->Measurements();
  ASSERT_TRUE(d->Reset().has_value());
  EXPECT_EQ(d->Status().cc_mode, CcMode::kDevtools);
  EXPECT_FALSE(d->Status().pending_cc_mode.has_value());
  MeasurementSet dev = d->Measurements();
  EXPECT_NE(dev.value[kIndexCcMode], on.value[kIndexCcMode]);
  EXPECT_NE(dev.value[kIndexDevtools], on.value[kIndexDevtools]);
  // Requesting the mode in effect is fine and clears nothing else.
  EXPECT_TRUE(d->RequestCcMode(CcMode::kDevtools).has_value());
  EXPECT_EQ(ParseCcMode("sideways").error().code, Errc::kInvalidArgument);
}

TEST_F(GpuTest, ResetScrubsMemoryDestroysSessionsAndClearsReady) {
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  uint64_t seen_generation = 0;
  int id = d->AddResetListener([&](uint64_t g) { seen_generation = g; });
  d->SetReady(true);
  Bytes secret(8192, 0x5A);
  ASSERT_TRUE(d->EngineWrite(4096 * 3 + 17, secret).has_value());
  Bytes back(secret.size());
  ASSERT_TRUE(d->EngineRead(4096 * 3 + 17, back).has_value());
  EXPECT_EQ(back, secret);
  const uint64_t gen = d->session_generation();
  auto leaf_before = d->CertificateChain()[0].Der();
  ASSERT_TRUE(d->Reset().has_value());
  EXPECT_EQ(d->session_generation(), gen + 1);
  EXPECT_EQ(seen_generation, gen + 1);
  EXPECT_FALSE(d->ready());
  EXPECT_NE(d->CertificateChain()[0].Der(), leaf_before);  // new per-boot attestation key
  d->SetReady(true);
  ASSERT_TRUE(d->EngineRead(4096 * 3 + 17, back).has_value());
  EXPECT_EQ(back, Bytes(secret.size(), 0));
  d->RemoveResetListener(id);
  ASSERT_TRUE(d->Reset().has_value());
  EXPECT_EQ(seen_generation, gen + 1);  // listener removed
}

TEST_F(GpuTest, EnginesRacingResetsSeeOnlyWholeStates) {
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, not_ready{0}, other{0};
  std::vector<std::thread> engines;
  for (int t = 0; t < 3; ++t) {
    engines.emplace_back([&, t] {
      Bytes buf(4096, static_cast<uint8_t>(t + 1));
      while (!stop.load()) {
        auto s = d->EngineWrite(static_cast<uint64_t>(t) * 4096, buf);
        if (s) {
          ++ok;
        } else if (s.error().code == Errc::kNotReady) {
          ++not_ready;
        } else {
          ++other;
        }
      }
    });
  }
  for (int i = 0; i < 5; ++i) {
    d->SetReady(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(d->Reset().has_value());
  }
  stop.store(true);
  for (auto& t : engines) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(not_ready.load(), 0);
  // After the last reset nothing written before it survives.
  d->SetReady(true);
  Bytes back(3 * 4096);
  ASSERT_TRUE(d->EngineRead(0, back).has_value());
  EXPECT_EQ(back, Bytes(back.size(), 0));
  EXPECT_EQ(d->session_generation(), 5u);
}

TEST_F(GpuTest, WorkBeforeReadyIsRefused) {
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  Bytes buf(16);
  auto s = d->EngineWrite(0, buf);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::kNotReady);
  EXPECT_NE(std::string(s.error().context).find("not ready"), std::string::npos);
  EXPECT_EQ(d->EngineRead(0, buf).error().code, Errc::kNotReady);
  d->SetReady(true);
  EXPECT_TRUE(d->EngineWrite(0, buf).has_value());
  EXPECT_EQ(d->EngineWrite(16u << 20, buf).error().code, Errc::kOutOfRange);
  // WithEngineRange hands the engine the range and returns its status.
  auto st = d->WithEngineRange(64, 4, [](std::span<uint8_t> r) -> ccgpu::Status {
    if (r.size() != 4) return Fail(Errc::kOutOfRange, "wrong size");
    return Fail(Errc::kTransferFailed, "engine reported a failure");
  });
  EXPECT_EQ(st.error().code, Errc::kTransferFailed);
}

TEST_F(GpuTest, HostAccessDeniedInCcOnAndAllowedInOff) {
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  d->SetReady(true);
  Bytes secret(64, 0x42);
  ASSERT_TRUE(d->EngineWrite(1000, secret).has_value());
  Bytes out(64);
  EXPECT_EQ(d->HostRead(1000, out).value(), HostAccess::kPoisoned);
  EXPECT_EQ(out, Bytes(64, kPoisonByte));
  EXPECT_EQ(d->HostWrite(1000, Bytes(64, 0x00)).value(), HostAccess::kDropped);
  Bytes check(64);
  ASSERT_TRUE(d->EngineRead(1000, check).has_value());
  EXPECT_EQ(check, secret);  // the host write was dropped
  auto log = d->AccessLog();
  ASSERT_GE(log.size(), 2u);
  EXPECT_NE(log[log.size() - 2].find("host read of protected memory denied"), std::string::npos);
  EXPECT_NE(log.back().find("dropped"), std::string::npos);
  EXPECT_EQ(d->Status().host_accesses_denied, 2u);
  EXPECT_EQ(d->HostRead(16u << 20, out).error().code, Errc::kOutOfRange);

  // Devtools is a CC mode too: still denied.
  EXPECT_EQ(d->RequestCcMode(CcMode::kDevtools).error().code, Errc::kResetRequired);
  ASSERT_TRUE(d->Reset().has_value());
  EXPECT_EQ(d->HostRead(0, out).value(), HostAccess::kPoisoned);
  // CC off: the host reads and writes device memory.
  EXPECT_EQ(d->RequestCcMode(CcMode::kOff).error().code, Errc::kResetRequired);
  ASSERT_TRUE(d->Reset().has_value());
  EXPECT_EQ(d->HostWrite(1000, secret).value(), HostAccess::kAllowed);
  EXPECT_EQ(d->HostRead(1000, out).value(), HostAccess::kAllowed);
  EXPECT_EQ(out, secret);
}

TEST_F(GpuTest, RestartKeepsIdentityAndModeButNotTheAttestationKey) {
  std::string serial;
  Bytes leaf;
  uint64_t boots = 0;
  {
    auto d = OpenDevice(1);
    ASSERT_TRUE(d);
    serial = d->Status().identity_serial;
    boots = d->Status().boot_count;
    leaf = d->CertificateChain()[0].Der();
    EXPECT_EQ(d->RequestCcMode(CcMode::kOff).error().code, Errc::kResetRequired);
  }
  auto d = OpenDevice(1);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Status().identity_serial, serial);
  EXPECT_EQ(d->Status().boot_count, boots + 1);
  EXPECT_EQ(d->Status().pending_cc_mode, CcMode::kOff);  // staged change survives
  EXPECT_NE(d->CertificateChain()[0].Der(), leaf);
  auto d0 = OpenDevice(0);
  ASSERT_TRUE(d0);
  EXPECT_NE(d0->Status().identity_serial, serial);  // two devices, two identities
  EXPECT_EQ(Device::Open(dir_, 7).error().code, Errc::kNotFound);
}

TEST_F(GpuTest, RimsValidateAgainstSchemaVerifyWithRimRootAndMatchMeasurements) {
  fs::path out = dir_ / "rims";
  auto files = MakeRims(dir_, 0, out);
  ASSERT_TRUE(files.has_value()) << files.error().context;
  EXPECT_EQ(files->driver_id, "NV_GPU_DRIVER_GH100_550.90.07");
  EXPECT_EQ(files->vbios_id, "NV_GPU_VBIOS_EMU1_0001_E01_96009F0001");
  const std::string xsd = std::string(CCGPU_TESTDATA_DIR) +
      "/third_party/nvidia/nvtrust/guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/rim/swidSchema2015.xsd";
  auto rim_root = crypto::Certificate::FromPem(*ReadFileText(ManufacturerDir(dir_) / "rim_root.pem")).value();
  auto verifier = crypto::XmlDsigVerifier::CreateFromDer(rim_root.Der()).value();
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  MeasurementSet m = d->Measurements();
  for (const fs::path& f : {files->driver, files->vbios}) {
    std::string cmd = "xmllint --noout --schema " + xsd + " " + f.string() + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::string xml = ReadFileText(f).value();
    crypto::XmlDsigReport report;
    EXPECT_TRUE(verifier.Verify(AsBytes(xml), SystemClock::Get().Now(), &report).has_value())
        << report.signature_failure_reason << report.chain_failure_reason;
    EXPECT_EQ(report.embedded_certs_der.size(), 3u);
    // Real xmlsec1 agrees.
    cmd = "xmlsec1 --verify --trusted-pem " + (ManufacturerDir(dir_) / "rim_root.pem").string() +
          " --enabled-key-data x509 " + f.string() + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    // Golden values equal the runtime measurements at the active indices.
    for (const auto& s : MeasurementMap()) {
      const bool active = (f == files->driver) ? s.part == RimPart::kDriver : s.part == RimPart::kVbios;
      if (!active) continue;
      std::string needle = "index=\"" + std::to_string(s.rim_index) + "\" active=\"True\" alternatives=\"1\" ns2:Hash0=\"" +
                           HexEncode(m.value[s.rim_index]) + "\"";
      EXPECT_NE(xml.find(needle), std::string::npos) << f << " index " << int(s.rim_index);
    }
  }
}

TEST_F(GpuTest, ManagementRequestsDriveTheDevices) {
  auto set = DeviceSet::Open(dir_);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->size(), 2u);
  auto call = [&](const std::string& req) { return nlohmann::json::parse(HandleManagementRequest(*set, req)); };
  auto st = call(R"({"op":"status","device":1})");
  EXPECT_TRUE(st["ok"].get<bool>());
  EXPECT_EQ(st["device"]["cc_mode"], "on");
  auto sc = call(R"({"op":"set-cc-mode","device":1,"mode":"off"})");
  EXPECT_TRUE(sc["reset_required"].get<bool>());
  EXPECT_EQ(sc["device"]["cc_mode"], "on");
  EXPECT_EQ(sc["device"]["pending_cc_mode"], "off");
  auto rm = call(R"({"op":"read-mem","device":1,"offset":0,"length":4})");
  EXPECT_EQ(rm["access"], "poisoned");
  EXPECT_EQ(rm["data"], "ffffffff");
  auto rs = call(R"({"op":"reset","device":1})");
  EXPECT_EQ(rs["device"]["cc_mode"], "off");
  EXPECT_EQ(call(R"({"op":"write-mem","device":1,"offset":8,"data":"c0ffee"})")["access"], "allowed");
  EXPECT_EQ(call(R"({"op":"read-mem","device":1,"offset":8,"length":3})")["data"], "c0ffee");
  // Bad requests get precise errors.
  EXPECT_EQ(call("not json")["code"], "kInvalidJson");
  EXPECT_EQ(call(R"({"op":"status","device":9})")["code"], "kNotFound");
  EXPECT_EQ(call(R"({"op":"set-cc-mode","device":0,"mode":"maybe"})")["code"], "kInvalidArgument");
  EXPECT_EQ(call(R"({"op":"read-mem","device":0,"offset":0,"length":99999999})")["code"], "kOutOfRange");
  EXPECT_EQ(call(R"({"op":"read-mem","device":0,"offset":99999999999,"length":1})")["code"], "kOutOfRange");
  EXPECT_EQ(call(R"({"op":"fly","device":0})")["code"], "kInvalidArgument");
  auto ev = call(R"({"op":"evidence","device":0,"nonce":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"})");
  ASSERT_TRUE(ev["ok"].get<bool>());
  EXPECT_EQ(ev["evidence"]["arch"], "HOPPER");
}

TEST_F(GpuTest, ManagementRequestTruncatedOrFlippedNeverCrashesAndIsRefused) {
  auto set = DeviceSet::Open(dir_);
  ASSERT_TRUE(set.has_value());
  const std::string reqs[] = {
      R"({"op":"write-mem","device":0,"offset":8,"data":"c0ffee"})",
      R"({"op":"set-cc-mode","device":1,"mode":"devtools"})",
  };
  for (const std::string& req : reqs) {
    for (std::size_t n = 0; n < req.size(); ++n) {
      auto reply = nlohmann::json::parse(HandleManagementRequest(*set, req.substr(0, n)));
      EXPECT_FALSE(reply["ok"].get<bool>()) << req.substr(0, n);
      EXPECT_TRUE(reply["error"].is_string());
    }
    for (std::size_t bit = 0; bit < req.size() * 8; ++bit) {
      std::string t = req;
      t[bit / 8] = static_cast<char>(t[bit / 8] ^ (1 << (bit % 8)));
      auto reply = nlohmann::json::parse(HandleManagementRequest(*set, t), nullptr, false);
      EXPECT_FALSE(reply.is_discarded());
      EXPECT_TRUE(reply["ok"].is_boolean());
    }
  }
}

TEST_F(GpuTest, VbiosVersionEncodingInvertsNvidiaDecoding) {
  Bytes b = EncodeVbiosVersion("96.00.9F.00.01").value();
  EXPECT_EQ(b, (Bytes{0x00, 0x9f, 0x00, 0x96, 0x01, 0, 0, 0}));
  EXPECT_EQ(attest::DecodeGpuVbiosVersion(b).value(), "96.00.9F.00.01");
  EXPECT_EQ(EncodeVbiosVersion("96.00.9F.00").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(EncodeVbiosVersion("96.00.9F.00.0Z").error().code, Errc::kInvalidArgument);
}

TEST_F(GpuTest, ProvisionRefusesNonEmptyDirectoryAndBadCounts) {
  ProvisionOptions o;
  o.now = SystemClock::Get().Now();
  EXPECT_EQ(Provision(dir_, o).error().code, Errc::kInvalidArgument);
  o.gpus = 0;
  EXPECT_EQ(Provision(dir_.string() + "_x", o).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::gpu

// End to end with the attest verifier (the same code path as real NVIDIA
// evidence): provision -> boot -> RIMs -> evidence -> verify passes with
// the emulated roots and --allow-emulated; an image change fails at the
// measurements with the index named; the default policy refuses emulated.
#include "attest/policy.h"
#include "attest/sources.h"
#include "attest/verifier.h"

namespace ccgpu::gpu {
namespace {

struct VerifyRun {
  attest::VerificationReport report;
  std::string text;
};

VerifyRun RunVerifier(const fs::path& state, Device& d, const fs::path& rims, bool allow_emulated,
                      Bytes nonce, Bytes evidence_nonce, Device* chain_device = nullptr) {
  auto root = crypto::Certificate::FromPem(*ReadFileText(ManufacturerDir(state) / "device_root.pem")).value();
  auto rim_verifier = attest::RimVerifier::Create(*ReadFileText(ManufacturerDir(state) / "rim_root.pem")).value();
  attest::FileRimSource source(rim_verifier);
  EXPECT_TRUE(source.SetDirectory(rims).has_value());
  attest::VerifierConfig config;
  config.emulated_roots = {root};
  config.rims = &source;
  attest::DeviceInput in;
  in.arch = attest::Arch::kHopper;
  in.evidence = d.Evidence(evidence_nonce).value();
  in.cert_chain_pem = (chain_device != nullptr ? *chain_device : d).CertificateChainPem();
  attest::PolicyOptions po;
  po.accept_ocsp_unknown = true;
  po.allow_emulated = allow_emulated;
  VerifyRun run;
  run.report = attest::Verify(config, {in}, nonce, SystemClock::Get().Now(), attest::Policy::Default(po));
  run.text = attest::FormatReport(run.report);
  return run;
}

TEST_F(GpuTest, GoldenRunVerifiesAndTamperedImageFailsAtMeasurementsWithIndex) {
  fs::path rims = dir_ / "rims";
  ASSERT_TRUE(MakeRims(dir_, 0, rims).has_value());
  auto d = OpenDevice();
  ASSERT_TRUE(d);
  Bytes nonce = Nonce(9);
  {
    VerifyRun run = RunVerifier(dir_, *d, rims, true, nonce, nonce);
    ASSERT_EQ(run.report.devices.size(), 1u);
    const auto& dev = run.report.devices[0];
    EXPECT_TRUE(dev.emulated);
    EXPECT_FALSE(dev.failed_step.has_value()) << run.text;
    ASSERT_TRUE(dev.measurements.has_value()) << run.text;
    EXPECT_TRUE(dev.measurements->success) << run.text;
    EXPECT_EQ(dev.measurements->compared, 33u);
    EXPECT_TRUE(dev.fwid_match);
    EXPECT_TRUE(run.report.policy_passed) << run.text;
  }
  {
    // Without --allow-emulated the policy refuses it.
    VerifyRun run = RunVerifier(dir_, *d, rims, false, nonce, nonce);
    EXPECT_FALSE(run.report.policy_passed) << run.text;
  }
  {
    // Stale nonce: fails at the nonce step.
    VerifyRun run = RunVerifier(dir_, *d, rims, true, nonce, Nonce(10));
    ASSERT_TRUE(run.report.devices[0].failed_step.has_value());
    EXPECT_EQ(*run.report.devices[0].failed_step, attest::Step::kNonce) << run.text;
    EXPECT_FALSE(run.report.policy_passed);
  }
  {
    // A device swapped by the host: evidence of device 1 with device 0's chain.
    auto other = OpenDevice(1);
    ASSERT_TRUE(other);
    VerifyRun run = RunVerifier(dir_, *other, rims, true, nonce, nonce, d.get());
    ASSERT_TRUE(run.report.devices[0].failed_step.has_value()) << run.text;
    EXPECT_EQ(*run.report.devices[0].failed_step, attest::Step::kSignature) << run.text;
    EXPECT_FALSE(run.report.policy_passed);
  }
  // Tamper with the GSP firmware (driver RIM index 21) and reboot.
  const fs::path img = DeviceDir(dir_, 0) / "firmware/gsp-firmware.bin";
  Bytes fw = ReadFileBytes(img).value();
  fw[100] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomic(img, fw).has_value());
  ASSERT_TRUE(d->Reset().has_value());
  {
    VerifyRun run = RunVerifier(dir_, *d, rims, true, nonce, nonce);
    const auto& dev = run.report.devices[0];
    ASSERT_TRUE(dev.measurements.has_value()) << run.text;
    EXPECT_FALSE(dev.measurements->success);
    ASSERT_EQ(dev.measurements->mismatches.size(), 1u) << run.text;
    EXPECT_EQ(dev.measurements->mismatches[0].index, 21u);
    EXPECT_EQ(dev.measurements->mismatches[0].source, attest::RimRole::kDriver);
    EXPECT_FALSE(run.report.policy_passed);
    EXPECT_NE(run.text.find("21"), std::string::npos) << run.text;
  }
  // Devtools mode is measured: a RIM made for CC on fails in devtools at 4 and 5.
  fw[100] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomic(img, fw).has_value());
  EXPECT_EQ(d->RequestCcMode(CcMode::kDevtools).error().code, Errc::kResetRequired);
  ASSERT_TRUE(d->Reset().has_value());
  {
    VerifyRun run = RunVerifier(dir_, *d, rims, true, nonce, nonce);
    const auto& dev = run.report.devices[0];
    ASSERT_TRUE(dev.measurements.has_value()) << run.text;
    ASSERT_EQ(dev.measurements->mismatches.size(), 2u) << run.text;
    EXPECT_EQ(dev.measurements->mismatches[0].index, kIndexCcMode);
    EXPECT_EQ(dev.measurements->mismatches[1].index, kIndexDevtools);
  }
}

}  // namespace
}  // namespace ccgpu::gpu
