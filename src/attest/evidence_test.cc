#include "attest/evidence.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attest/test_data.h"
#include "base/encoding.h"

namespace ccgpu::attest {
namespace {

using nlohmann::json;

Bytes Blob(const std::string& rel) {
  auto b = HexDecode(TrimAsciiWhitespace(testing::ReadNvidia(rel)));
  EXPECT_TRUE(b.has_value()) << rel;
  return b.value_or(Bytes{});
}

// Compares our NVIDIA-shaped dump with NVIDIA's golden parse, key by key.
void ExpectMatchesGolden(const json& mine, const json& golden, const std::string& path) {
  if (golden.is_object()) {
    ASSERT_TRUE(mine.is_object()) << path;
    for (const auto& [k, v] : golden.items()) {
      ASSERT_TRUE(mine.contains(k)) << "missing " << path << "." << k;
      ExpectMatchesGolden(mine.at(k), v, path + "." + k);
    }
  } else if (golden.is_array()) {
    ASSERT_TRUE(mine.is_array()) << path;
    ASSERT_EQ(mine.size(), golden.size()) << path;
    for (std::size_t i = 0; i < golden.size(); ++i) {
      ExpectMatchesGolden(mine[i], golden[i], path + "[" + std::to_string(i) + "]");
    }
  } else {
    EXPECT_EQ(mine, golden) << path;
  }
}

TEST(EvidenceTest, HopperResponseParseEqualsNvidiaGolden) {
  const Bytes blob = Blob(kSdk + "hopperAttestationReport.txt");
  auto ev = ParseEvidence(blob, DeviceKind::kGpu);
  ASSERT_TRUE(ev) << ev.error().ToString();
  const json golden = json::parse(testing::ReadNvidia(kSdk + "spdm_parsed_output.json"));
  const json mine = json::parse(ResponseToNvidiaJson(ev->response, DeviceKind::kGpu));
  ExpectMatchesGolden(mine, golden, "response");
  // Only the two fields NVIDIA's dump omits are extra.
  for (const auto& [k, v] : mine["OpaqueData"]["OpaqueDataField"].items()) {
    if (!golden["OpaqueData"]["OpaqueDataField"].contains(k)) {
      EXPECT_TRUE(k == "OPAQUE_FIELD_ID_OPAQUE_DATA_VERSION" || k == "OPAQUE_FIELD_ID_FEATURE_FLAG") << k;
    }
  }
  EXPECT_EQ(mine["MeasurementRecord"]["MeasurementBlocks"].size(), 64u);
}

TEST(EvidenceTest, HopperRequestParseEqualsNvidiaGolden) {
  const Bytes blob = Blob(kSdk + "hopperAttestationReport.txt");
  auto ev = ParseEvidence(blob, DeviceKind::kGpu);
  ASSERT_TRUE(ev);
  EXPECT_EQ(json::parse(RequestToNvidiaJson(ev->request)),
            json::parse(testing::ReadNvidia(kSdk + "spdm_req_parsed_output.json")));
}

TEST(EvidenceTest, SwitchParseEqualsNvidiaGolden) {
  const Bytes blob = Blob(kSdk + "switchAttestationReport.txt");
  auto ev = ParseEvidence(blob, DeviceKind::kSwitch);
  ASSERT_TRUE(ev) << ev.error().ToString();
  const json golden = json::parse(testing::ReadNvidia(kSdk + "switch_spdm_parsed_output.json"));
  const json mine = json::parse(ResponseToNvidiaJson(ev->response, DeviceKind::kSwitch));
  ExpectMatchesGolden(mine, golden, "response");
  EXPECT_EQ(mine["OpaqueData"]["OpaqueDataField"].size(),
            golden["OpaqueData"]["OpaqueDataField"].size());
  EXPECT_EQ(json::parse(RequestToNvidiaJson(ev->request)),
            json::parse(testing::ReadNvidia(kSdk + "switch_spdm_req_parsed_output.json")));
}

TEST(EvidenceTest, DecodesHopperOpaqueFields) {
  auto ev = ParseEvidence(Blob(kNvtrustSamples + "hopperAttestationReport.txt"), DeviceKind::kGpu);
  ASSERT_TRUE(ev) << ev.error().ToString();
  const OpaqueData& o = ev->response.opaque;
  EXPECT_EQ(o.driver_version, "550.90.07");
  EXPECT_EQ(o.vbios_version, "96.00.9F.00.01");
  EXPECT_EQ(o.project, "1010");
  EXPECT_EQ(o.project_sku, "0200");
  EXPECT_EQ(o.chip_sku, "882");
  EXPECT_EQ(o.nvdec0_status, kNvdec0Disabled);
  ASSERT_TRUE(o.fwid.has_value());
  EXPECT_EQ(o.fwid->size(), kFwidSize);
  EXPECT_EQ(o.msrscnt.size(), 64u);
  EXPECT_EQ(ev->response.blocks.size(), 64u);
  EXPECT_EQ(ev->response.opaque_length, 422);
  EXPECT_EQ(HexEncode(ev->request.nonce),
            "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
  EXPECT_EQ(ev->SignedBytes().size(), ev->raw.size() - 96);
}

TEST(EvidenceTest, DecodesSwitchOpaqueFields) {
  auto ev = ParseEvidence(Blob(kSdk + "switchAttestationReport.txt"), DeviceKind::kSwitch);
  ASSERT_TRUE(ev);
  const OpaqueData& o = ev->response.opaque;
  EXPECT_EQ(o.vbios_version, "96.10.55.00.01");
  ASSERT_TRUE(o.device_pdi.has_value());
  EXPECT_EQ(HexEncode(*o.device_pdi), "203eb31ad9ed0008");
  EXPECT_EQ(o.switch_gpu_pdis.size(), 8u);
  EXPECT_EQ(o.switch_ports.size(), 64u);
  EXPECT_EQ(o.switch_position_id, 2);
  EXPECT_EQ(o.msrscnt.size(), 26u);
}

TEST(EvidenceTest, DecodesOpaqueVersionFeatureFlagAndSwitchPdis) {
  auto list = ParseEvidenceList(testing::ReadNvidia(kSdk + "evidence_hopper_590_12.json"));
  ASSERT_TRUE(list) << list.error().ToString();
  ASSERT_EQ(list->size(), 1u);
  auto ev = ParseEvidence((*list)[0].evidence, DeviceKind::kGpu);
  ASSERT_TRUE(ev) << ev.error().ToString();
  const OpaqueData& o = ev->response.opaque;
  EXPECT_EQ(o.opaque_data_version, 1);  // NVAT GetOpaqueDataVersion
  EXPECT_EQ(o.feature_flag, 2);
  auto mode = o.Mode();
  ASSERT_TRUE(mode);
  EXPECT_EQ(*mode, GpuMode::kPpcie);
  EXPECT_EQ(o.switch_pdis.size(), 18u);
  EXPECT_EQ(o.driver_version, "590.12");
  EXPECT_EQ(o.vbios_version, "96.00.A5.00.01");
  EXPECT_EQ(o.project, "G520");
  EXPECT_EQ(o.protected_pcie_status, kNvdec0Enabled);
  EXPECT_EQ((*list)[0].arch, Arch::kHopper);
  EXPECT_NE((*list)[0].certificate.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
}

TEST(EvidenceTest, VbiosVersionByteOrder) {
  const Bytes v = {0x00, 0x9f, 0x00, 0x96, 0x01, 0x00, 0x00, 0x00};
  EXPECT_EQ(DecodeGpuVbiosVersion(v).value(), "96.00.9F.00.01");
  const Bytes w = {0x00, 0x74, 0x00, 0x96, 0x20, 0x00, 0x00, 0x00};
  EXPECT_EQ(DecodeGpuVbiosVersion(w).value(), "96.00.74.00.20");
  EXPECT_EQ(DecodeGpuVbiosVersion(Bytes(7, 0)).error().code, Errc::kMalformed);
}

TEST(EvidenceTest, EveryTruncationFailsCleanly) {
  const Bytes blob = Blob(kSdk + "switchAttestationReport.txt");
  for (std::size_t n = 0; n < blob.size(); ++n) {
    auto ev = ParseEvidence(ByteSpan(blob).first(n), DeviceKind::kSwitch);
    ASSERT_FALSE(ev) << "prefix of " << n << " bytes parsed";
  }
  Bytes longer = blob;
  longer.push_back(0);
  auto ev = ParseEvidence(longer, DeviceKind::kSwitch);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kTrailingData);
}

// Each length field set one too short and one too long.
TEST(EvidenceTest, EveryLengthFieldTooShortAndTooLongIsRejected) {
  const Bytes blob = Blob(kSdk + "hopperAttestationReport.txt");
  const std::size_t resp = kGetMeasurementsRequestSize;
  auto patch16 = [](Bytes b, std::size_t at, int delta) {
    const unsigned v = unsigned{b[at]} | (unsigned{b[at + 1]} << 8);
    const unsigned nv = static_cast<unsigned>(static_cast<int>(v) + delta);
    b[at] = static_cast<uint8_t>(nv);
    b[at + 1] = static_cast<uint8_t>(nv >> 8);
    return b;
  };
  // NumberOfBlocks.
  for (int d : {-1, 1}) {
    Bytes b = blob;
    b[resp + 4] = static_cast<uint8_t>(b[resp + 4] + d);
    EXPECT_FALSE(ParseEvidence(b, DeviceKind::kGpu)) << "NumberOfBlocks " << d;
  }
  // MeasurementRecordLength (u24, low byte).
  for (int d : {-1, 1}) {
    Bytes b = blob;
    b[resp + 5] = static_cast<uint8_t>(b[resp + 5] + d);
    EXPECT_FALSE(ParseEvidence(b, DeviceKind::kGpu)) << "MeasurementRecordLength " << d;
  }
  // Every block's MeasurementSize and DMTF value size.
  std::size_t off = resp + 8;
  for (int i = 0; i < 64; ++i) {
    for (int d : {-1, 1}) {
      EXPECT_FALSE(ParseEvidence(patch16(blob, off + 2, d), DeviceKind::kGpu)) << "block " << i;
      EXPECT_FALSE(ParseEvidence(patch16(blob, off + 5, d), DeviceKind::kGpu)) << "value " << i;
    }
    off += 4 + 51;
  }
  // OpaqueLength and every TLV length.
  off += 32;
  for (int d : {-1, 1}) {
    EXPECT_FALSE(ParseEvidence(patch16(blob, off, d), DeviceKind::kGpu)) << "OpaqueLength " << d;
  }
  const std::size_t opaque_end = off + 2 + (unsigned{blob[off]} | (unsigned{blob[off + 1]} << 8));
  off += 2;
  int tlvs = 0;
  while (off < opaque_end) {
    const std::size_t len = unsigned{blob[off + 2]} | (unsigned{blob[off + 3]} << 8);
    for (int d : {-1, 1}) {
      EXPECT_FALSE(ParseEvidence(patch16(blob, off + 2, d), DeviceKind::kGpu)) << "TLV " << tlvs;
    }
    off += 4 + len;
    ++tlvs;
  }
  EXPECT_EQ(tlvs, 16);
}

TEST(EvidenceTest, RejectsWrongHeaderBytes) {
  const Bytes blob = Blob(kSdk + "hopperAttestationReport.txt");
  for (std::size_t at : {0u, 1u, 37u, 38u, 37u + 8u + 1u}) {
    Bytes b = blob;
    b[at] ^= 0x40;
    auto ev = ParseEvidence(b, DeviceKind::kGpu);
    ASSERT_FALSE(ev) << at;
    EXPECT_EQ(ev.error().code, Errc::kMalformed) << at;
  }
}

TEST(EvidenceTest, HexInputErrors) {
  EXPECT_EQ(ParseEvidenceHex("abc", DeviceKind::kGpu).error().code, Errc::kInvalidHex);
  EXPECT_EQ(ParseEvidenceHex("zz", DeviceKind::kGpu).error().code, Errc::kInvalidHex);
  EXPECT_EQ(ParseEvidenceHex("", DeviceKind::kGpu).error().code, Errc::kTruncated);
  const std::string text = testing::ReadNvidia(kSdk + "switchAttestationReport.txt");
  EXPECT_TRUE(ParseEvidenceHex(text, DeviceKind::kSwitch));
}

TEST(EvidenceTest, EvidenceListErrors) {
  EXPECT_EQ(ParseEvidenceList("not json").error().code, Errc::kInvalidJson);
  EXPECT_EQ(ParseEvidenceList("{}").error().code, Errc::kInvalidJson);
  EXPECT_EQ(ParseEvidenceList("[]").error().code, Errc::kInvalidJson);
  EXPECT_EQ(ParseEvidenceList(R"([{"arch":"HOPPER","certificate":""}])").error().code,
            Errc::kInvalidJson);
  EXPECT_EQ(ParseEvidenceList(R"([{"arch":"VOLTA","evidence":"","certificate":""}])").error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(ParseEvidenceList(R"([{"arch":"HOPPER","evidence":"!!","certificate":""}])").error().code,
            Errc::kInvalidBase64);
  auto sw = ParseEvidenceList(
      testing::ReadNvidia("attestation-sdk/common-test-data/serialized_test_evidence/switch_evidence_ls10.json"));
  ASSERT_TRUE(sw);
  EXPECT_EQ((*sw)[0].arch, Arch::kLs10);
  EXPECT_TRUE(ParseEvidence((*sw)[0].evidence, DeviceKind::kSwitch));
}

TEST(EvidenceTest, OpaqueRejectsMissizedKnownFields) {
  auto tlv = [](uint16_t t, Bytes v) {
    Bytes b = {static_cast<uint8_t>(t), static_cast<uint8_t>(t >> 8), static_cast<uint8_t>(v.size()),
               static_cast<uint8_t>(v.size() >> 8)};
    b.insert(b.end(), v.begin(), v.end());
    return b;
  };
  EXPECT_EQ(ParseOpaqueData(tlv(20, Bytes(47, 1)), DeviceKind::kGpu).error().code, Errc::kMalformed);
  EXPECT_EQ(ParseOpaqueData(tlv(11, Bytes(2, 0x55)), DeviceKind::kGpu).error().code, Errc::kMalformed);
  EXPECT_EQ(ParseOpaqueData(tlv(12, Bytes(5, 0)), DeviceKind::kGpu).error().code, Errc::kMalformed);
  EXPECT_EQ(ParseOpaqueData(tlv(3, Bytes{'5', 0x01}), DeviceKind::kGpu).error().code, Errc::kMalformed);
  EXPECT_EQ(ParseOpaqueData(tlv(22, Bytes(7, 0)), DeviceKind::kGpu).error().code, Errc::kMalformed);
  EXPECT_EQ(ParseOpaqueData(tlv(26, Bytes(63, 0)), DeviceKind::kSwitch).error().code, Errc::kTruncated);
  auto unknown = ParseOpaqueData(tlv(200, Bytes{1, 2, 3}), DeviceKind::kGpu);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->fields.size(), 1u);
  EXPECT_EQ(OpaqueFieldName(200, DeviceKind::kGpu), "OPAQUE_FIELD_ID_UNKNOWN");
}

}  // namespace
}  // namespace ccgpu::attest
