#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <unistd.h>

#include <libxml/tree.h>

#include "attest/rim/rim.h"
#include "attest/rim/rim_schema.h"
#include "attest/rim/rim_store.h"
#include "attest/rim/rim_verifier.h"
#include "base/encoding.h"

namespace ccgpu::attest {
namespace {

namespace fs = std::filesystem;

const std::string kNv = std::string(CCGPU_TESTDATA_DIR) + "/third_party/nvidia/";
const std::string kGpu = kNv + "nvtrust/guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/";
const std::string kSamples = kGpu + "samples/";
const std::string kSdk = kNv + "attestation-sdk/nv-attestation-sdk-cpp/unit-tests/testdata/";
const std::string kRootPem = kGpu + "certs/verifier_RIM_root.pem";
const std::string kDriver550 = kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml";
const std::string kDriverNoGpu = kSamples + "Driver_RIM_test_no_gpu.swidtag";
const std::string kSwitch = kSdk + "switchVBIOSRim_NV_SWITCH_BIOS_5612_0002_890_9610550001.xml";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}
Bytes ReadBytes(const std::string& path) {
  std::string s = ReadText(path);
  return Bytes(s.begin(), s.end());
}
TimePoint At(const char* t) { return *ParseRfc3339(t); }

std::vector<std::string> VbiosSamples() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kSamples)) {
    const std::string name = e.path().filename().string();
    if (name.find("_PROD.swidtag") != std::string::npos ||
        name == "1010_0200_882_96005E0001_test_no_gpu.swidtag") {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> AllRimFiles() {
  std::vector<std::string> out = VbiosSamples();
  out.push_back(kDriverNoGpu);
  for (const char* f :
       {"NV_GPU_DRIVER_GH100_550.144.03.xml", "incorrect_cert_chain_driver_rim.xml",
        "incorrect_signature_driver_rim.xml",
        "switchVBIOSRim_NV_SWITCH_BIOS_5612_0002_890_9610550001.xml",
        "sample_rims/NV_GPU_DRIVER_GH100_570.124.03_expired.xml",
        "sample_rims/NV_SWITCH_BIOS_5612_0002_890_9610550001_invalid_signature.xml",
        "sample_rims/NV_GPU_DRIVER_GH100_535.86.09_measurement_mismatch.xml",
        "sample_rims/NV_GPU_VBIOS_1010_0200_882_96005E0001_measurement_mismatch.xml"}) {
    out.push_back(kSdk + f);
  }
  return out;
}

std::vector<uint32_t> Range(uint32_t a, uint32_t b) {
  std::vector<uint32_t> out;
  for (uint32_t i = a; i <= b; ++i) out.push_back(i);
  return out;
}

// ---------------------------------------------------------------- reader ---

TEST(RimReaderTest, ReadsDriverRim550) {
  auto rim = ParseRim(ReadBytes(kDriver550));
  ASSERT_TRUE(rim.has_value()) << rim.error().ToString();
  EXPECT_EQ(rim->colloquial_version, "550.144.03");
  EXPECT_EQ(rim->firmware_manufacturer_id, "5703");
  EXPECT_EQ(rim->platform_manufacturer_id, "5703");
  EXPECT_EQ(rim->name, "GH100");
  EXPECT_EQ(rim->product, "GH100");
  EXPECT_EQ(rim->edition, "GPU");
  EXPECT_EQ(rim->swid_version, "1.0");
  EXPECT_EQ(rim->binding_spec, "RIMIM");
  EXPECT_EQ(rim->binding_spec_version, "1.01");
  EXPECT_EQ(rim->entity_name, "NVIDIA Corporation");
  EXPECT_EQ(rim->tag_id,
            "8aa5c875798aecff29b7e3ca2e564ccbda4d47c37276f44f927ffc2ca17d84b1ec3198c69854bbe15562"
            "70c1feb493cd");
  EXPECT_EQ(rim->measurements.size(), 64u);
  std::vector<uint32_t> active = {7};
  for (uint32_t i : Range(21, 40)) active.push_back(i);
  EXPECT_EQ(rim->ActiveIndices(), active);
  const RimMeasurement* m7 = rim->Find(7);
  ASSERT_NE(m7, nullptr);
  EXPECT_EQ(m7->name, "Measurement_7");
  EXPECT_TRUE(m7->active);
  EXPECT_EQ(m7->size, 48u);
  ASSERT_EQ(m7->alternatives.size(), 1u);
  EXPECT_EQ(m7->alternatives[0].size(), 48u);
  EXPECT_EQ(rim->Find(64), nullptr);
}

TEST(RimReaderTest, ReadsTestNoGpuDriverRimWithAlternatives) {
  auto rim = ParseRim(ReadBytes(kDriverNoGpu));
  ASSERT_TRUE(rim.has_value()) << rim.error().ToString();
  EXPECT_EQ(rim->colloquial_version, "545.00");
  std::vector<uint32_t> active = {7};
  for (uint32_t i : Range(21, 40)) active.push_back(i);
  EXPECT_EQ(rim->ActiveIndices(), active);
  for (uint32_t i : {23u, 24u, 35u}) EXPECT_EQ(rim->Find(i)->alternatives.size(), 2u) << i;
  EXPECT_EQ(HexEncode(rim->Find(7)->alternatives[0]),
            "0e0ee161b59bf124ce6b6dca6efa7616d28077862c0e57dca7d5efd63d00eeed4851922941e846a38c46"
            "4cbedbc168d9");
}

TEST(RimReaderTest, ReadsEveryVbiosRim) {
  auto files = VbiosSamples();
  ASSERT_GE(files.size(), 8u);
  std::vector<uint32_t> active = Range(0, 6);
  for (uint32_t i : Range(8, 12)) active.push_back(i);
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    auto rim = ParseRim(ReadBytes(f));
    ASSERT_TRUE(rim.has_value()) << rim.error().ToString();
    EXPECT_EQ(rim->ActiveIndices(), active);
    EXPECT_EQ(rim->Find(12)->alternatives.size(), 4u);
    EXPECT_EQ(rim->firmware_manufacturer_id, "5703");
    EXPECT_EQ(rim->colloquial_version.size(), 14u);  // "96.00.5E.00.01"
  }
  auto rim = ParseRim(ReadBytes(kSamples + "1010_0200_882_96005E0001_PROD.swidtag"));
  EXPECT_EQ(rim->colloquial_version, "96.00.5E.00.01");
}

TEST(RimReaderTest, VersionMatchIsCaseInsensitiveAndExact) {
  auto rim = ParseRim(ReadBytes(kSamples + "1010_0200_882_96005E0001_PROD.swidtag"));
  ASSERT_TRUE(rim.has_value());
  EXPECT_TRUE(RimVersionMatches(*rim, "96.00.5E.00.01"));
  EXPECT_TRUE(RimVersionMatches(*rim, "96.00.5e.00.01"));
  EXPECT_FALSE(RimVersionMatches(*rim, "96.00.5E.00.02"));
  EXPECT_FALSE(RimVersionMatches(*rim, "96.00.5E.00.0"));
  EXPECT_FALSE(RimVersionMatches(*rim, ""));
  auto drv = ParseRim(ReadBytes(kDriver550));
  EXPECT_TRUE(RimVersionMatches(*drv, "550.144.03"));
  EXPECT_FALSE(RimVersionMatches(*drv, "550.144.3"));
}

TEST(RimReaderTest, ReadsSwitchBiosRim) {
  auto rim = ParseRim(ReadBytes(kSwitch));
  ASSERT_TRUE(rim.has_value()) << rim.error().ToString();
  EXPECT_EQ(rim->name, "LS10");
  EXPECT_EQ(rim->edition, "SWITCH");
  EXPECT_EQ(rim->colloquial_version, "96.10.55.00.01");
  EXPECT_EQ(rim->ActiveIndices(), Range(0, 30));
  EXPECT_EQ(rim->Find(0)->name, "HashedMeasurement_0_FSP");
}

TEST(RimReaderTest, ReadsEverySampleIncludingTamperedOnes) {
  for (const auto& f : AllRimFiles()) {
    auto rim = ParseRim(ReadBytes(f));
    EXPECT_TRUE(rim.has_value()) << f << ": " << rim.error().ToString();
  }
}

Errc ParseCode(std::string_view xml, RimParseError* err = nullptr) {
  auto r = ParseRim(AsBytes(xml), err);
  return r.has_value() ? Errc{0} : r.error().code;
}

TEST(RimReaderTest, RejectsNonRimInputWithClearErrors) {
  EXPECT_EQ(ParseCode(""), Errc::kMalformed);
  EXPECT_EQ(ParseCode("   "), Errc::kMalformed);
  EXPECT_EQ(ParseCode("{\"rim\": \"json\"}"), Errc::kMalformed);
  EXPECT_EQ(ParseCode("<a><b></a>"), Errc::kMalformed);
  RimParseError err;
  auto r = ParseRim(AsBytes("<html><body>hello</body></html>"), &err);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kRimInvalid);
  EXPECT_STREQ(r.error().context, "rim: root element is not swid:SoftwareIdentity");
  EXPECT_EQ(err.detail, "root is html");
  // Right local name, wrong namespace.
  EXPECT_EQ(ParseCode("<SoftwareIdentity name='x' tagId='y'/>"), Errc::kRimInvalid);
  // DTDs and entities are refused (XXE, billion laughs).
  EXPECT_EQ(ParseCode("<!DOCTYPE SoftwareIdentity [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                      "<SoftwareIdentity>&x;</SoftwareIdentity>"),
            Errc::kMalformed);
  EXPECT_EQ(ParseCode("<!DOCTYPE a [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;'>]>"
                      "<a>&b;</a>"),
            Errc::kMalformed);
}

TEST(RimReaderTest, BillionLaughsIsRefusedQuickly) {
  std::string dtd = "<!DOCTYPE SoftwareIdentity [<!ENTITY l0 'lol'>";
  for (int i = 1; i <= 10; ++i) {
    dtd += "<!ENTITY l" + std::to_string(i) + " '";
    for (int k = 0; k < 10; ++k) dtd += "&l" + std::to_string(i - 1) + ";";
    dtd += "'>";
  }
  dtd += "]>";
  const std::string in_text = dtd + "<SoftwareIdentity>&l10;</SoftwareIdentity>";
  const std::string in_attr = dtd + "<SoftwareIdentity name='&l10;'/>";
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ParseCode(in_text), Errc::kMalformed);
  EXPECT_EQ(ParseCode(in_attr), Errc::kMalformed);
  auto schema = *RimSchema::Builtin();
  EXPECT_EQ(schema->Validate(AsBytes(in_attr)).error().code, Errc::kMalformed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

// One valid document, one attribute changed at a time.
class RimMutationTest : public ::testing::Test {
 protected:
  std::string doc_ = ReadText(kDriver550);
  std::string With(std::string_view from, std::string_view to) const {
    std::string s = doc_;
    auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
  }
  void ExpectInvalid(std::string_view from, std::string_view to, const char* context,
                     const char* detail_part = "") const {
    RimParseError err;
    auto r = ParseRim(AsBytes(With(from, to)), &err);
    ASSERT_FALSE(r.has_value()) << from << " -> " << to;
    EXPECT_EQ(r.error().code, Errc::kRimInvalid);
    EXPECT_STREQ(r.error().context, context);
    EXPECT_NE(err.detail.find(detail_part), std::string::npos) << err.detail;
  }
};

constexpr char kM7[] =
    "index=\"7\" active=\"True\" alternatives=\"1\" ns2:Hash0=\"";

TEST_F(RimMutationTest, RejectsEachBrokenField) {
  ExpectInvalid("colloquialVersion=\"550.144.03\"", "x=\"1\"", "rim: Meta lacks colloquialVersion");
  ExpectInvalid(kM7, "index=\"7x\" active=\"True\" alternatives=\"1\" ns2:Hash0=\"",
                "rim: Resource index is not a decimal 0..253", "7x");
  ExpectInvalid(kM7, "index=\"254\" active=\"True\" alternatives=\"1\" ns2:Hash0=\"",
                "rim: Resource index is not a decimal 0..253");
  ExpectInvalid(kM7, "index=\"-1\" active=\"True\" alternatives=\"1\" ns2:Hash0=\"",
                "rim: Resource index is not a decimal 0..253");
  ExpectInvalid(kM7, "index=\"8\" active=\"True\" alternatives=\"1\" ns2:Hash0=\"",
                "rim: two Resource entries share an index", "index 8");
  ExpectInvalid(kM7, "index=\"7\" active=\"yes\" alternatives=\"1\" ns2:Hash0=\"",
                "rim: Resource active is not True/False");
  // alternatives too large / too small for the Hash attributes present.
  ExpectInvalid(kM7, "index=\"7\" active=\"True\" alternatives=\"2\" ns2:Hash0=\"",
                "rim: Resource lacks a Hash attribute its alternatives count promises", "no Hash1");
  ExpectInvalid(kM7, "index=\"7\" active=\"True\" alternatives=\"0\" ns2:Hash0=\"",
                "rim: Resource alternatives is not a decimal 1..64");
  ExpectInvalid(kM7, "index=\"7\" active=\"True\" alternatives=\"65\" ns2:Hash0=\"",
                "rim: Resource alternatives is not a decimal 1..64");
  ExpectInvalid(kM7, "index=\"7\" active=\"True\" alternatives=\"1\" ns2:Hash1=\"00\" ns2:Hash0=\"",
                "rim: Hash attribute index not below alternatives", "Hash1");
  // size too short / too long for SHA-384.
  ExpectInvalid("name=\"Measurement_7\" size=\"48\"", "name=\"Measurement_7\" size=\"47\"",
                "rim: Resource size differs from the digest algorithm's size");
  ExpectInvalid("name=\"Measurement_7\" size=\"48\"", "name=\"Measurement_7\" size=\"49\"",
                "rim: Resource size differs from the digest algorithm's size");
  // Hash values too short / too long / not hex (the first two digits of
  // index 7's Hash0).
  const std::size_t at = doc_.find(kM7) + std::strlen(kM7);
  const std::string h2 = std::string(kM7) + doc_.substr(at, 2);
  ExpectInvalid(kM7, std::string(kM7) + "0", "rim: Hash attribute has the wrong length",
                "97 hex digits");
  ExpectInvalid(h2, std::string(kM7) + doc_.substr(at, 1) + "g",
                "rim: Hash attribute is not hexadecimal");
  ExpectInvalid(h2, std::string(kM7), "rim: Hash attribute has the wrong length", "94 hex digits");
  ExpectInvalid(h2, std::string(kM7) + "zz", "rim: Hash attribute is not hexadecimal");
  ExpectInvalid("ns2:Hash0", "Hash0", "rim: Hash attribute has no digest-algorithm namespace");
  ExpectInvalid("type=\"Measurement\"", "type=\"File\"", "rim: Resource type is not Measurement");
  ExpectInvalid("<ns0:Meta ", "<ns0:Other ", "rim: no Meta element");
  ExpectInvalid("tagId=", "tagIdX=", "rim: SoftwareIdentity lacks name or tagId");
}

constexpr char kSmallRim[] =
    "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" "
    "xmlns:h=\"http://www.w3.org/2001/04/xmlenc#sha384\" name=\"GH100\" tagId=\"t\">"
    "<Meta colloquialVersion=\"550.144.03\"/><Payload>"
    "<Resource type=\"Measurement\" index=\"7\" active=\"True\" alternatives=\"2\" size=\"48\" "
    "h:Hash0=\"000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000\" h:Hash1=\"11111111111111111111111111111111111111111111111111111111111111111111"
    "1111111111111111111111111111\"/></Payload></SoftwareIdentity>";

TEST(RimTruncationTest, EveryPrefixOfASmallRimIsRejected) {
  const std::string_view doc(kSmallRim);
  ASSERT_TRUE(ParseRim(AsBytes(doc)).has_value());
  for (std::size_t n = 0; n < doc.size(); ++n) {
    auto r = ParseRim(AsBytes(doc.substr(0, n)));
    ASSERT_FALSE(r.has_value()) << n;
    ASSERT_TRUE(r.error().code == Errc::kMalformed || r.error().code == Errc::kRimInvalid) << n;
  }
}

TEST_F(RimMutationTest, TruncatedRealRimIsRejected) {
  // Every 7th prefix up to the end of the root element (what follows it is
  // only whitespace, which XML allows to be cut).
  const std::size_t end = doc_.rfind("</SoftwareIdentity>") + std::strlen("</SoftwareIdentity>");
  for (std::size_t n = 0; n < end; n += 7) {
    auto r = ParseRim(AsBytes(std::string_view(doc_).substr(0, n)));
    ASSERT_FALSE(r.has_value()) << n;
  }
}

// ---------------------------------------------------------------- schema ---

TEST(RimSchemaTest, EverySampleValidatesAgainstBuiltinAndShippedSchemas) {
  auto builtin = RimSchema::Builtin();
  ASSERT_TRUE(builtin.has_value()) << builtin.error().ToString();
  auto shipped = RimSchema::FromDirectory(std::string(CCGPU_SOURCE_DIR) + "/data/rim-schemas");
  ASSERT_TRUE(shipped.has_value()) << shipped.error().ToString();
  auto nvtrust = RimSchema::FromDirectory(kGpu + "rim");
  ASSERT_TRUE(nvtrust.has_value()) << nvtrust.error().ToString();
  for (const auto& f : AllRimFiles()) {
    Bytes doc = ReadBytes(f);
    std::string detail;
    EXPECT_TRUE((*builtin)->Validate(doc, &detail).has_value()) << f << ": " << detail;
    EXPECT_TRUE((*shipped)->Validate(doc).has_value()) << f;
    EXPECT_TRUE((*nvtrust)->Validate(doc).has_value()) << f;
  }
}

TEST(RimSchemaTest, RejectsTamperedStructureNonRimAndEmpty) {
  auto schema = *RimSchema::Builtin();
  std::string doc = ReadText(kDriver550);
  std::string detail;
  // An element the schema does not allow inside Payload.
  std::string tampered = doc;
  tampered.replace(tampered.find("<ns0:Resource "), 14, "<ns0:Bogus ");
  auto r = schema->Validate(AsBytes(tampered), &detail);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kSchemaInvalid);
  EXPECT_NE(detail.find("Bogus"), std::string::npos) << detail;
  EXPECT_NE(detail.find("line "), std::string::npos) << detail;
  // A required attribute removed (Resource@type).
  std::string no_type = doc;
  no_type.replace(no_type.find("type=\"Measurement\" "), 19, "");
  EXPECT_EQ(schema->Validate(AsBytes(no_type), &detail).error().code, Errc::kSchemaInvalid);
  // Entity without the required role.
  std::string no_role = doc;
  no_role.replace(no_role.find(" role=\"softwareCreator tagCreator\""), 34, "");
  EXPECT_EQ(schema->Validate(AsBytes(no_role), &detail).error().code, Errc::kSchemaInvalid);
  // Non-RIM XML, empty, not XML.
  EXPECT_EQ(schema->Validate(AsBytes("<html/>"), &detail).error().code, Errc::kSchemaInvalid);
  EXPECT_NE(detail.find("html"), std::string::npos) << detail;
  EXPECT_EQ(schema->Validate(AsBytes("")).error().code, Errc::kMalformed);
  EXPECT_EQ(schema->Validate(AsBytes("\x01\x02garbage")).error().code, Errc::kMalformed);
}

TEST(RimSchemaTest, MissingDirectoryIsNotFound) {
  EXPECT_EQ(RimSchema::FromDirectory("/nonexistent/ccgpu").error().code, Errc::kNotFound);
}

// ----------------------------------------------------------------- store ---

TEST(RimIdTest, BuildsNvidiaIdentifiers) {
  EXPECT_EQ(*DriverRimId("GH100", "550.144.03"), "NV_GPU_DRIVER_GH100_550.144.03");
  EXPECT_EQ(*BlackwellDriverRimId("", "570.00"), "NV_GPU_CC_DRIVER_GB100_570.00");
  EXPECT_EQ(*BlackwellDriverRimId("GB202", "575.1"), "NV_GPU_CC_DRIVER_GB202_575.1");
  EXPECT_EQ(*VbiosRimId("1010", "0200", "882", "96.00.5E.00.01"),
            "NV_GPU_VBIOS_1010_0200_882_96005E0001");
  EXPECT_EQ(*VbiosRimId("g520", "0200", "885", "96.00.74.00.01"),
            "NV_GPU_VBIOS_G520_0200_885_9600740001");
  EXPECT_EQ(*SwitchBiosRimId("5612", "0002", "890", "96.10.55.00.01"),
            "NV_SWITCH_BIOS_5612_0002_890_9610550001");
  EXPECT_EQ(DriverRimId("GH100", "../../etc").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(DriverRimId("", "1").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(VbiosRimId("1010", "0200", "8/2", "96").error().code, Errc::kInvalidArgument);

  auto id = ParseRimId("NV_GPU_VBIOS_1010_0200_882_96005E0001");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->kind, RimKind::kVbios);
  EXPECT_EQ(NvtrustFileStem(*id), "1010_0200_882_96005E0001");
  auto drv = ParseRimId("NV_GPU_DRIVER_GH100_550.144.03");
  ASSERT_TRUE(drv.has_value());
  EXPECT_EQ(drv->chip, "GH100");
  EXPECT_EQ(drv->version, "550.144.03");
  EXPECT_EQ(ParseRimId("NV_GPU_CC_DRIVER_GB100_570.00")->kind, RimKind::kBlackwellDriver);
  EXPECT_EQ(ParseRimId("NV_SWITCH_BIOS_5612_0002_890_9610550001")->kind, RimKind::kSwitchBios);
  EXPECT_EQ(ParseRimId("NV_GPU_VBIOS_1010_0200_882").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(ParseRimId("hello").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(ParseRimId("NV_GPU_DRIVER_GH100").error().code, Errc::kInvalidArgument);
}

class RimStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ccgpu_rim_store_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Put(const std::string& from, const std::string& name) { fs::copy_file(from, dir_ / name); }
  fs::path dir_;
};

TEST_F(RimStoreTest, FindsByIdFileNameConventionsAndContent) {
  Put(kDriver550, "NV_GPU_DRIVER_GH100_550.144.03.xml");
  Put(kSamples + "1010_0200_882_96005E0001_PROD.swidtag", "1010_0200_882_96005E0001_PROD.swidtag");
  Put(kSamples + "1010_0200_882_96005E0001_test_no_gpu.swidtag",
      "1010_0200_882_96005E0001_test_no_gpu.swidtag");
  Put(kSamples + "g520_0200_885_9600740001_PROD.swidtag", "g520_0200_885_9600740001_PROD.swidtag");
  Put(kSwitch, "switchVBIOSRim_NV_SWITCH_BIOS_5612_0002_890_9610550001.xml");
  Put(kDriverNoGpu, "some-name.swidtag");  // only findable by content
  Put(kSamples + "1010_0205_862_96005E0004_PROD.swidtag", "renamed.xml");
  std::ofstream(dir_ / "notes.txt") << "not a rim";
  std::ofstream(dir_ / "garbage.xml") << "<not a rim";

  auto store = RimStore::Open(dir_);
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ(store->Files().size(), 8u);  // .xml/.swidtag only

  auto drv = store->Find("NV_GPU_DRIVER_GH100_550.144.03");
  ASSERT_TRUE(drv.has_value()) << drv.error().ToString();
  EXPECT_EQ(drv->path.filename(), "NV_GPU_DRIVER_GH100_550.144.03.xml");
  EXPECT_EQ(drv->bytes, ReadBytes(kDriver550));

  auto vbios = store->Find(*VbiosRimId("1010", "0200", "882", "96.00.5E.00.01"));
  ASSERT_TRUE(vbios.has_value());
  EXPECT_EQ(vbios->path.filename(), "1010_0200_882_96005E0001_PROD.swidtag");
  auto g520 = store->Find("NV_GPU_VBIOS_G520_0200_885_9600740001");
  ASSERT_TRUE(g520.has_value());
  EXPECT_EQ(g520->path.filename(), "g520_0200_885_9600740001_PROD.swidtag");
  auto sw = store->Find("NV_SWITCH_BIOS_5612_0002_890_9610550001");
  ASSERT_TRUE(sw.has_value());
  EXPECT_EQ(sw->path.filename(), "switchVBIOSRim_NV_SWITCH_BIOS_5612_0002_890_9610550001.xml");

  // By content: driver 545.00 under an arbitrary name; VBIOS 96.00.5E.00.04.
  auto by_content = store->Find("NV_GPU_DRIVER_GH100_545.00");
  ASSERT_TRUE(by_content.has_value()) << by_content.error().ToString();
  EXPECT_EQ(by_content->path.filename(), "some-name.swidtag");
  auto vb_content = store->Find("NV_GPU_VBIOS_1010_0205_862_96005E0004");
  ASSERT_TRUE(vb_content.has_value());
  EXPECT_EQ(vb_content->path.filename(), "renamed.xml");

  auto tag = store->FindByTagId(ParseRim(ReadBytes(kDriver550))->tag_id);
  ASSERT_TRUE(tag.has_value());
  EXPECT_EQ(tag->path.filename(), "NV_GPU_DRIVER_GH100_550.144.03.xml");

  EXPECT_EQ(store->Find("NV_GPU_DRIVER_GH100_999.99").error().code, Errc::kNotFound);
  EXPECT_EQ(store->Find("../../etc/passwd").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(store->FindByTagId("nope").error().code, Errc::kNotFound);
}

TEST_F(RimStoreTest, AmbiguousContentMatchIsAnError) {
  Put(kSamples + "1010_0200_882_96005E0001_PROD.swidtag", "a.xml");
  Put(kSamples + "1010_0200_882_96005E0001_test_no_gpu.swidtag", "b.xml");
  auto store = RimStore::Open(dir_);
  auto r = store->Find("NV_GPU_VBIOS_1010_0200_882_96005E0001");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_STREQ(r.error().context,
               "rim store: several documents match the id by content; name the file");
}

TEST_F(RimStoreTest, ReadRimFileReadsWholeFilesAndNamesEachFailure) {
  // Exact bytes, including an empty file and one with NUL bytes.
  EXPECT_EQ(*ReadRimFile(kDriverNoGpu), ReadBytes(kDriverNoGpu));
  std::ofstream(dir_ / "empty.xml").flush();
  auto empty = ReadRimFile(dir_ / "empty.xml");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  const std::string binary("a\0b\0\xff", 5);
  std::ofstream(dir_ / "bin.xml", std::ios::binary) << binary;
  EXPECT_EQ(*ReadRimFile(dir_ / "bin.xml"), Bytes(binary.begin(), binary.end()));
  // Missing file, missing directory, a directory, a path through a file.
  EXPECT_EQ(ReadRimFile(dir_ / "absent.xml").error().code, Errc::kNotFound);
  EXPECT_EQ(ReadRimFile(dir_ / "nodir" / "a.xml").error().code, Errc::kNotFound);
  EXPECT_EQ(ReadRimFile(dir_).error().code, Errc::kNotFound);
  EXPECT_EQ(ReadRimFile(dir_ / "bin.xml" / "x").error().code, Errc::kNotFound);
  // Larger than 16 MiB (sparse): refused before reading.
  std::ofstream(dir_ / "big.xml").flush();
  fs::resize_file(dir_ / "big.xml", (16u << 20) + 1);
  EXPECT_EQ(ReadRimFile(dir_ / "big.xml").error().code, Errc::kOutOfRange);
  fs::resize_file(dir_ / "big.xml", 16u << 20);
  auto at_limit = ReadRimFile(dir_ / "big.xml");
  ASSERT_TRUE(at_limit.has_value());
  EXPECT_EQ(at_limit->size(), 16u << 20);
}

TEST(RimStoreOpenTest, MissingDirectoryIsNotFound) {
  EXPECT_EQ(RimStore::Open("/nonexistent/ccgpu-rims").error().code, Errc::kNotFound);
}

// -------------------------------------------------------------- verifier ---

RimVerifier MakeVerifier(RimVerifierOptions options = {}) {
  auto v = RimVerifier::Create(ReadText(kRootPem), std::move(options));
  EXPECT_TRUE(v.has_value());
  return *v;
}

TEST(RimVerifierTest, VerifiesValidRimsAtTheirTimesAndReportsExpiryToday) {
  RimVerifier v = MakeVerifier();
  std::vector<std::string> at_2024 = VbiosSamples();
  at_2024.push_back(kDriverNoGpu);
  for (const auto& f : at_2024) {
    SCOPED_TRACE(f);
    RimVerifyReport report;
    auto r = v.Verify(ReadBytes(f), At("2024-06-01T00:00:00Z"), &report);
    ASSERT_TRUE(r.has_value()) << r.error().ToString() << " " << report.dsig.chain_failure_reason;
    EXPECT_FALSE(report.cache_hit);
    EXPECT_EQ((*r)->signature.chain_der.size(), 4u);  // L4, L3, CA, pinned root
    EXPECT_EQ((*r)->rim.firmware_manufacturer_id, "5703");
    auto today = v.Verify(ReadBytes(f), At("2026-11-25T00:00:00Z"), &report);
    ASSERT_FALSE(today.has_value());
    EXPECT_EQ(today.error().code, Errc::kCertExpired);
    EXPECT_EQ(report.dsig.chain_failure_reason, "certificate has expired");
  }
  auto drv = v.Verify(ReadBytes(kDriver550), At("2025-06-01T00:00:00Z"));
  ASSERT_TRUE(drv.has_value());
  EXPECT_EQ((*drv)->rim.colloquial_version, "550.144.03");
  auto sw = v.Verify(ReadBytes(kSwitch), At("2026-06-01T00:00:00Z"));
  ASSERT_TRUE(sw.has_value());
  EXPECT_EQ((*sw)->rim.name, "LS10");
}

TEST(RimVerifierTest, ReportsEachFailureClass) {
  RimVerifier v = MakeVerifier();
  const TimePoint t = At("2025-06-01T00:00:00Z");
  EXPECT_EQ(v.Verify(ReadBytes(kSdk + "incorrect_signature_driver_rim.xml"), t).error().code,
            Errc::kXmlSignatureInvalid);
  EXPECT_EQ(v.Verify(ReadBytes(kSdk + "sample_rims/"
                               "NV_SWITCH_BIOS_5612_0002_890_9610550001_invalid_signature.xml"),
                     t)
                .error()
                .code,
            Errc::kXmlSignatureInvalid);
  RimVerifyReport report;
  EXPECT_EQ(v.Verify(ReadBytes(kSdk + "incorrect_cert_chain_driver_rim.xml"), t, &report)
                .error()
                .code,
            Errc::kChainInvalid);
  EXPECT_EQ(report.dsig.chain_failure_reason, "unable to get local issuer certificate");
  EXPECT_EQ(v.Verify(ReadBytes(kSdk + "sample_rims/NV_GPU_DRIVER_GH100_570.124.03_expired.xml"),
                     At("2026-11-25T00:00:00Z"))
                .error()
                .code,
            Errc::kCertExpired);
  auto wrong_root = RimVerifier::Create(ReadText(kSdk + "incorrect_rim_root.crt"));
  ASSERT_TRUE(wrong_root.has_value());
  EXPECT_EQ(wrong_root->Verify(ReadBytes(kDriver550), t).error().code, Errc::kChainInvalid);
  // Not a RIM at all: the schema says so before any signature work.
  EXPECT_EQ(v.Verify(AsBytes("<html/>"), t, &report).error().code, Errc::kSchemaInvalid);
  EXPECT_FALSE(report.schema_detail.empty());
  EXPECT_EQ(v.Verify(AsBytes(""), t).error().code, Errc::kMalformed);
}

TEST(RimVerifierTest, CacheReusesVerdictOnlyInsideTheValidityWindow) {
  RimVerifier v = MakeVerifier();
  Bytes doc = ReadBytes(kDriver550);
  RimVerifyReport report;
  auto first = v.Verify(doc, At("2025-06-01T00:00:00Z"), &report);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(report.cache_hit);
  auto second = v.Verify(doc, At("2026-01-01T00:00:00Z"), &report);
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(report.cache_hit);
  EXPECT_EQ(first->get(), second->get());
  // Outside the window the cached verdict is not used: the chain is rechecked.
  auto later = v.Verify(doc, At("2027-01-01T00:00:00Z"), &report);
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().code, Errc::kCertExpired);
  EXPECT_FALSE(report.cache_hit);
  // A one-byte change is a different document: full verification, fails.
  Bytes edited = doc;
  edited[doc.size() / 3] ^= 0x01;
  EXPECT_FALSE(v.Verify(edited, At("2025-06-01T00:00:00Z"), &report).has_value());
  EXPECT_FALSE(report.cache_hit);
  auto stats = v.cache_stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.entries, 1u);
  v.ClearCache();
  EXPECT_EQ(v.cache_stats().entries, 0u);
}

TEST(RimVerifierTest, AcceptExpiredChainReportsInsteadOfFailing) {
  RimVerifierOptions options;
  options.accept_expired_chain = true;
  RimVerifier v = MakeVerifier(options);
  auto r = v.Verify(ReadBytes(kDriverNoGpu), At("2026-11-25T00:00:00Z"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_FALSE((*r)->signature.time_valid);
  EXPECT_EQ((*r)->signature.time_failure, "certificate has expired");
  EXPECT_EQ((*r)->rim.colloquial_version, "545.00");
  EXPECT_EQ(v.Verify(ReadBytes(kSdk + "incorrect_signature_driver_rim.xml"),
                     At("2026-11-25T00:00:00Z"))
                .error()
                .code,
            Errc::kXmlSignatureInvalid);
}

TEST(RimReaderTest, ReadsMinimalSha256Rim) {
  const std::string doc =
      "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" "
      "xmlns:h=\"http://www.w3.org/2001/04/xmlenc#sha256\" name=\"n\" tagId=\"t\">"
      "<Meta colloquialVersion=\"1\"/><Payload><Resource type=\"Measurement\" index=\"0\" "
      "active=\"true\" alternatives=\"1\" size=\"32\" name=\"a&amp;b\" h:Hash0=\"" +
      std::string(64, '0') + "\"/></Payload></SoftwareIdentity>";
  auto rim = ParseRim(AsBytes(doc));
  ASSERT_TRUE(rim.has_value()) << rim.error().ToString();
  ASSERT_EQ(rim->measurements.size(), 1u);
  EXPECT_EQ(rim->measurements[0].name, "a&b");
  EXPECT_EQ(rim->measurements[0].size, 32u);
  EXPECT_TRUE(rim->measurements[0].active);
  EXPECT_TRUE(rim->firmware_manufacturer_id.empty());
}

TEST(RimVerifierTest, ConcurrentVerificationsShareTheCache) {
  RimVerifier v = MakeVerifier();
  const Bytes driver = ReadBytes(kDriver550);
  const Bytes bad = ReadBytes(kSdk + "incorrect_signature_driver_rim.xml");
  const TimePoint t = At("2025-06-01T00:00:00Z");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 5; ++k) {
        auto g = v.Verify(driver, t);
        auto b = v.Verify(bad, t);
        if (g.has_value() && (*g)->rim.colloquial_version == "550.144.03" && !b.has_value() &&
            b.error().code == Errc::kXmlSignatureInvalid) {
          ++ok;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 20);
  auto stats = v.cache_stats();
  EXPECT_EQ(stats.entries, 1u);          // failures are never cached
  EXPECT_EQ(stats.hits + stats.misses, 40u);
  EXPECT_GE(stats.hits, 16u);            // at most one miss per thread for the good RIM
}

TEST(RimVerifierTest, CacheEvictsOldestBeyondCapacity) {
  RimVerifierOptions options;
  options.cache_capacity = 2;
  RimVerifier v = MakeVerifier(options);
  auto files = VbiosSamples();
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(v.Verify(ReadBytes(files[i]), At("2024-06-01T00:00:00Z")).has_value());
  }
  EXPECT_EQ(v.cache_stats().entries, 2u);
  RimVerifyReport report;
  ASSERT_TRUE(v.Verify(ReadBytes(files[0]), At("2024-06-01T00:00:00Z"), &report).has_value());
  EXPECT_FALSE(report.cache_hit);  // evicted
  ASSERT_TRUE(v.Verify(ReadBytes(files[2]), At("2024-06-01T00:00:00Z"), &report).has_value());
  EXPECT_TRUE(report.cache_hit);
}

// ---- one parse per document, certificates decoded once, caches cleared ----

std::string Dump(const crypto::XmlDocument& doc) {
  xmlChar* mem = nullptr;
  int size = 0;
  xmlDocDumpMemory(doc.get(), &mem, &size);
  std::string out(mem != nullptr ? static_cast<const char*>(static_cast<const void*>(mem)) : "",
                  static_cast<std::size_t>(size > 0 ? size : 0));
  xmlFree(mem);
  return out;
}

TEST(RimVerifierTest, SharedParseIsLeftUnchangedBySchemaAndSignatureChecks) {
  // The verifier parses a RIM once and hands the same tree to the XSD
  // validator, XML-DSig and the reader, so none of them may change it.
  auto doc = crypto::XmlDocument::Parse(ReadBytes(kDriverNoGpu));
  ASSERT_TRUE(doc.has_value());
  const std::string before = Dump(*doc);
  ASSERT_FALSE(before.empty());
  std::string detail;
  ASSERT_TRUE((*RimSchema::Builtin())->Validate(*doc, &detail).has_value()) << detail;
  EXPECT_EQ(Dump(*doc), before);
  auto dsig = crypto::XmlDsigVerifier::Create(ReadText(kRootPem));
  ASSERT_TRUE(dsig.has_value());
  crypto::XmlDsigOptions options;
  options.at = At("2024-06-01T00:00:00Z");
  ASSERT_TRUE(dsig->Verify(*doc, options).has_value());
  EXPECT_EQ(Dump(*doc), before);
  // The reader on the tree reads what it reads from the bytes.
  auto from_doc = ParseRim(*doc);
  auto from_bytes = ParseRim(ReadBytes(kDriverNoGpu));
  ASSERT_TRUE(from_doc.has_value() && from_bytes.has_value());
  EXPECT_EQ(from_doc->colloquial_version, from_bytes->colloquial_version);
  EXPECT_EQ(from_doc->tag_id, from_bytes->tag_id);
  ASSERT_EQ(from_doc->measurements.size(), from_bytes->measurements.size());
  for (std::size_t i = 0; i < from_doc->measurements.size(); ++i) {
    EXPECT_EQ(from_doc->measurements[i].index, from_bytes->measurements[i].index);
    EXPECT_EQ(from_doc->measurements[i].alternatives, from_bytes->measurements[i].alternatives);
  }
  // Schema errors on a shared parse are the same as from bytes.
  std::string tampered = ReadText(kDriver550);
  tampered.replace(tampered.find("<ns0:Resource "), 14, "<ns0:Bogus ");
  auto bad = crypto::XmlDocument::Parse(AsBytes(tampered));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ((*RimSchema::Builtin())->Validate(*bad, &detail).error().code, Errc::kSchemaInvalid);
  EXPECT_NE(detail.find("Bogus"), std::string::npos) << detail;
  auto not_rim = crypto::XmlDocument::Parse(AsBytes("<a/>"));
  ASSERT_TRUE(not_rim.has_value());
  EXPECT_EQ(ParseRim(*not_rim).error().code, Errc::kRimInvalid);
}

TEST(RimVerifierTest, CompiledSchemaIsStillAppliedOnEveryColdAndWarmVerification) {
  // A RIM the schema rejects fails XSD validation through the verifier,
  // before and after the valid RIM was verified and cached, and after the
  // caches were cleared (the schema is compiled once per process).
  RimVerifier v = MakeVerifier();
  const TimePoint t = At("2025-06-01T00:00:00Z");
  std::string tampered = ReadText(kDriver550);
  tampered.replace(tampered.find("<ns0:Resource "), 14, "<ns0:Bogus ");
  RimVerifyReport report;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    auto bad = v.Verify(AsBytes(tampered), t, &report);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, Errc::kSchemaInvalid);
    EXPECT_NE(report.schema_detail.find("Bogus"), std::string::npos) << report.schema_detail;
    ASSERT_TRUE(v.Verify(ReadBytes(kDriver550), t).has_value());
    if (round == 1) v.ClearCache();
  }
}

TEST(RimVerifierTest, ClearCacheMakesTheNextVerificationColdAndCertificatesAreDecodedOnce) {
  RimVerifier v = MakeVerifier();
  const Bytes driver = ReadBytes(kDriverNoGpu);
  const Bytes vbios = ReadBytes(kSamples + "1010_0200_882_96005E0001_test_no_gpu.swidtag");
  const TimePoint t = At("2024-06-01T00:00:00Z");
  RimVerifyReport report;
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    v.ClearCache();
    const uint64_t before = v.certificates_decoded();
    auto d = v.Verify(driver, t, &report);
    ASSERT_TRUE(d.has_value());
    EXPECT_FALSE(report.cache_hit);
    EXPECT_TRUE(report.dsig.signature_checked);
    // L4 signer, L3 and CA decoded; the document's copy of the root is the pinned root.
    EXPECT_EQ(v.certificates_decoded() - before, 3u);
    auto b = v.Verify(vbios, t, &report);
    ASSERT_TRUE(b.has_value());
    EXPECT_FALSE(report.cache_hit);
    EXPECT_TRUE(report.dsig.signature_valid);
    EXPECT_EQ(v.certificates_decoded() - before, 4u);  // only the VBIOS RIM's own signer
    // The verified chain comes parsed: signer first, pinned root last.
    ASSERT_EQ((*b)->signature.chain.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_EQ((*b)->signature.chain[i].Der(), (*b)->signature.chain_der[i]);
    }
    EXPECT_EQ((*b)->signature.chain.back().Der(), v.dsig().root_der());
    EXPECT_NE((*d)->signature.chain[0].Der(), (*b)->signature.chain[0].Der());
    EXPECT_EQ((*d)->signature.chain[1].Der(), (*b)->signature.chain[1].Der());
  }
  EXPECT_EQ(v.cache_stats().hits, 0u);
  EXPECT_EQ(v.cache_stats().misses, 4u);
}

TEST(RimVerifierTest, RepeatVerificationIsAtLeastThreeTimesFaster) {
  RimVerifier v = MakeVerifier();
  Bytes driver = ReadBytes(kDriverNoGpu);
  Bytes vbios = ReadBytes(kSamples + "1010_0200_882_96005E0001_test_no_gpu.swidtag");
  const TimePoint t = At("2024-06-01T00:00:00Z");
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  ASSERT_TRUE(v.Verify(driver, t).has_value());
  ASSERT_TRUE(v.Verify(vbios, t).has_value());
  auto cold = Clock::now() - t0;
  constexpr int kRepeats = 20;
  auto t1 = Clock::now();
  for (int i = 0; i < kRepeats; ++i) {
    ASSERT_TRUE(v.Verify(driver, t).has_value());
    ASSERT_TRUE(v.Verify(vbios, t).has_value());
  }
  auto warm = (Clock::now() - t1) / kRepeats;
  RecordProperty("cold_us_two_rims",
                 std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(cold).count()));
  RecordProperty("warm_us_two_rims",
                 std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(warm).count()));
  EXPECT_GE(cold.count(), 3 * warm.count())
      << "cold " << std::chrono::duration<double, std::micro>(cold).count() << " us, warm "
      << std::chrono::duration<double, std::micro>(warm).count() << " us";
  EXPECT_EQ(v.cache_stats().hits, 2u * kRepeats);
}

}  // namespace
}  // namespace ccgpu::attest
