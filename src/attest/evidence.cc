#include "attest/evidence.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/encoding.h"

namespace ccgpu::attest {
namespace {

constexpr uint8_t kSpdmVersion11 = 0x11;
constexpr uint8_t kGetMeasurementsCode = 0xE0;
constexpr uint8_t kMeasurementsCode = 0x60;
constexpr uint8_t kDmtfSpecification = 0x01;
constexpr std::size_t kSwitchGpuPdiCount = 8;
constexpr std::size_t kPdiSize = 8;
constexpr std::size_t kDisabledPortCount = 64;

// ASCII text up to the first NUL; the rest must be NUL padding. kMalformed
// if a byte is not printable ASCII.
Result<std::string> AsciiField(ByteSpan v, const char* what) {
  std::string out;
  std::size_t i = 0;
  for (; i < v.size() && v[i] != 0; ++i) {
    if (v[i] < 0x20 || v[i] > 0x7E) return Fail(Errc::kMalformed, what);
    out.push_back(static_cast<char>(v[i]));
  }
  for (; i < v.size(); ++i) {
    if (v[i] != 0) return Fail(Errc::kMalformed, what);
  }
  return out;
}

Result<uint8_t> U8Field(ByteSpan v, const char* what) {
  if (v.size() != 1) return Fail(Errc::kMalformed, what);
  return v[0];
}

Result<uint16_t> U16Field(ByteSpan v, const char* what) {
  if (v.size() != 2) return Fail(Errc::kMalformed, what);
  ByteReader r(v);
  return r.U16(what);
}

std::string HexByte(uint8_t b) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

std::string Hex0x(ByteSpan b) { return "0x" + HexEncode(b); }

Status DecodeField(OpaqueData& out, uint16_t type, ByteSpan v, DeviceKind kind) {
  switch (static_cast<OpaqueId>(type)) {
    case OpaqueId::kDriverVersion: {
      CCGPU_ASSIGN_OR_RETURN(out.driver_version, AsciiField(v, "opaque.DRIVER_VERSION: not ASCII text"));
      return OkStatus();
    }
    case OpaqueId::kVbiosVersion: {
      if (kind == DeviceKind::kSwitch) {
        CCGPU_ASSIGN_OR_RETURN(out.vbios_version,
                               AsciiField(v, "opaque.VBIOS_VERSION: not ASCII text"));
      } else {
        CCGPU_ASSIGN_OR_RETURN(out.vbios_version, DecodeGpuVbiosVersion(v));
      }
      return OkStatus();
    }
    case OpaqueId::kProject: {
      CCGPU_ASSIGN_OR_RETURN(out.project, AsciiField(v, "opaque.PROJECT: not ASCII text"));
      return OkStatus();
    }
    case OpaqueId::kProjectSku: {
      CCGPU_ASSIGN_OR_RETURN(out.project_sku, AsciiField(v, "opaque.PROJECT_SKU: not ASCII text"));
      return OkStatus();
    }
    case OpaqueId::kProjectSkuMod: {
      CCGPU_ASSIGN_OR_RETURN(out.project_sku_mod,
                             AsciiField(v, "opaque.PROJECT_SKU_MOD: not ASCII text"));
      return OkStatus();
    }
    case OpaqueId::kChipSku: {
      CCGPU_ASSIGN_OR_RETURN(out.chip_sku, AsciiField(v, "opaque.CHIP_SKU: not ASCII text"));
      return OkStatus();
    }
    case OpaqueId::kChipSkuMod: {
      CCGPU_ASSIGN_OR_RETURN(out.chip_sku_mod, AsciiField(v, "opaque.CHIP_SKU_MOD: not ASCII text"));
      return OkStatus();
    }
    case OpaqueId::kChipInfo: {
      CCGPU_ASSIGN_OR_RETURN(out.chip_info, AsciiField(v, "opaque.CHIP_INFO: not ASCII text"));
      return OkStatus();
    }
    case OpaqueId::kFwid:
      if (v.size() != kFwidSize) return Fail(Errc::kMalformed, "opaque.FWID: not 48 bytes");
      out.fwid = Bytes(v.begin(), v.end());
      return OkStatus();
    case OpaqueId::kNvdec0Status: {
      CCGPU_ASSIGN_OR_RETURN(out.nvdec0_status, U8Field(v, "opaque.NVDEC0_STATUS: not 1 byte"));
      return OkStatus();
    }
    case OpaqueId::kProtectedPcieStatus: {
      CCGPU_ASSIGN_OR_RETURN(out.protected_pcie_status,
                             U8Field(v, "opaque.PROTECTED_PCIE_STATUS: not 1 byte"));
      return OkStatus();
    }
    case OpaqueId::kMsrscnt: {
      if (v.size() % 4 != 0) return Fail(Errc::kMalformed, "opaque.MSRSCNT: not a list of u32");
      ByteReader r(v);
      out.msrscnt.clear();
      while (!r.empty()) {
        CCGPU_ASSIGN_OR_RETURN(uint32_t c, r.U32("opaque.MSRSCNT"));
        out.msrscnt.push_back(c);
      }
      return OkStatus();
    }
    case OpaqueId::kOpaqueDataVersion: {
      CCGPU_ASSIGN_OR_RETURN(out.opaque_data_version,
                             U16Field(v, "opaque.OPAQUE_DATA_VERSION: not 2 bytes"));
      return OkStatus();
    }
    case OpaqueId::kFeatureFlag: {
      CCGPU_ASSIGN_OR_RETURN(out.feature_flag, U16Field(v, "opaque.FEATURE_FLAG: not 2 bytes"));
      return OkStatus();
    }
    case OpaqueId::kBoardId: {
      if (v.size() != 4) return Fail(Errc::kMalformed, "opaque.BOARD_ID: not 4 bytes");
      ByteReader r(v);
      CCGPU_ASSIGN_OR_RETURN(out.board_id, r.U32("opaque.BOARD_ID"));
      return OkStatus();
    }
    case OpaqueId::kSwitchPdi: {
      if (kind == DeviceKind::kSwitch) {
        if (v.size() != kPdiSize) return Fail(Errc::kMalformed, "opaque.DEVICE_PDI: not 8 bytes");
        out.device_pdi = Bytes(v.begin(), v.end());
        return OkStatus();
      }
      if (v.size() % kPdiSize != 0) {
        return Fail(Errc::kMalformed, "opaque.SWITCH_PDI: not a list of 8-byte PDIs");
      }
      out.switch_pdis.clear();
      for (std::size_t i = 0; i < v.size(); i += kPdiSize) {
        auto pdi = v.subspan(i, kPdiSize);
        out.switch_pdis.emplace_back(pdi.begin(), pdi.end());
      }
      return OkStatus();
    }
    case OpaqueId::kFloorsweptPorts: {
      if (kind != DeviceKind::kSwitch) return OkStatus();
      // NVSwitch DISABLED_PORTS: a 16-bit big-endian mask, bit (15 - g) set
      // when link group g (4 ports) is disabled; 64 ports in all.
      if (v.size() != 2) return Fail(Errc::kMalformed, "opaque.DISABLED_PORTS: not 2 bytes");
      const unsigned mask = (unsigned{v[0]} << 8) | unsigned{v[1]};
      out.disabled_ports.assign(kDisabledPortCount, 0);
      for (std::size_t p = 0; p < kDisabledPortCount; ++p) {
        const unsigned bit = 15U - static_cast<unsigned>(p / 4);
        out.disabled_ports[p] = static_cast<uint8_t>((mask >> bit) & 1U);
      }
      return OkStatus();
    }
    case OpaqueId::kPositionId:
      if (kind == DeviceKind::kSwitch) {
        CCGPU_ASSIGN_OR_RETURN(out.switch_position_id,
                               U16Field(v, "opaque.SWITCH_POSITION_ID: not 2 bytes"));
      }
      return OkStatus();
    case OpaqueId::kLockSwitchStatus:
      if (kind == DeviceKind::kSwitch) {
        CCGPU_ASSIGN_OR_RETURN(out.switch_lock_status,
                               U16Field(v, "opaque.SWITCH_LOCK_STATUS: not 2 bytes"));
      }
      return OkStatus();
    case OpaqueId::kSwitchGpuPdis: {
      if (kind != DeviceKind::kSwitch) return OkStatus();
      // 8 GPU PDIs (8 bytes each) followed by one byte per switch port.
      ByteReader r(v);
      CCGPU_ASSIGN_OR_RETURN(ByteSpan pdis, r.TakeArray(kSwitchGpuPdiCount, kPdiSize,
                                                        "opaque.SWITCH_GPU_PDIS: shorter than 8 PDIs"));
      out.switch_gpu_pdis.clear();
      for (std::size_t i = 0; i < pdis.size(); i += kPdiSize) {
        auto pdi = pdis.subspan(i, kPdiSize);
        out.switch_gpu_pdis.emplace_back(pdi.begin(), pdi.end());
      }
      out.switch_ports.assign(r.rest().begin(), r.rest().end());
      return OkStatus();
    }
    case OpaqueId::kSwitchPorts:
      if (kind == DeviceKind::kSwitch) out.switch_ports.assign(v.begin(), v.end());
      return OkStatus();
    default:
      return OkStatus();  // kept raw in `fields`
  }
}

}  // namespace

DeviceKind KindOf(Arch arch) {
  return arch == Arch::kLs10 ? DeviceKind::kSwitch : DeviceKind::kGpu;
}

std::string_view ArchName(Arch arch) {
  switch (arch) {
    case Arch::kHopper: return "HOPPER";
    case Arch::kBlackwell: return "BLACKWELL";
    case Arch::kLs10: return "LS10";
  }
  return "UNKNOWN";
}

Result<Arch> ParseArch(std::string_view text) {
  std::string up(text);
  std::transform(up.begin(), up.end(), up.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (up == "HOPPER") return Arch::kHopper;
  if (up == "BLACKWELL") return Arch::kBlackwell;
  if (up == "LS10" || up == "NVSWITCH") return Arch::kLs10;
  return Fail(Errc::kInvalidArgument, "evidence.arch: not HOPPER, BLACKWELL or LS10");
}

std::string_view OpaqueFieldName(uint16_t type, DeviceKind kind) {
  if (kind == DeviceKind::kSwitch) {
    switch (type) {
      case 22: return "OPAQUE_FIELD_ID_DEVICE_PDI";
      case 23: return "OPAQUE_FIELD_ID_DISABLED_PORTS";
      case 24: return "OPAQUE_FIELD_ID_SWITCH_POSITION_ID";
      case 25: return "OPAQUE_FIELD_ID_SWITCH_LOCK_STATUS";
      case 26: return "OPAQUE_FIELD_ID_SWITCH_GPU_PDIS";
      case 27: return "OPAQUE_FIELD_ID_SWITCH_PORT";
      default: break;
    }
  }
  switch (type) {
    case 1: return "OPAQUE_FIELD_ID_CERT_ISSUER_NAME";
    case 2: return "OPAQUE_FIELD_ID_CERT_AUTHORITY_KEY_IDENTIFIER";
    case 3: return "OPAQUE_FIELD_ID_DRIVER_VERSION";
    case 4: return "OPAQUE_FIELD_ID_GPU_INFO";
    case 5: return "OPAQUE_FIELD_ID_SKU";
    case 6: return "OPAQUE_FIELD_ID_VBIOS_VERSION";
    case 7: return "OPAQUE_FIELD_ID_MANUFACTURER_ID";
    case 8: return "OPAQUE_FIELD_ID_TAMPER_DETECTION";
    case 9: return "OPAQUE_FIELD_ID_SMC";
    case 10: return "OPAQUE_FIELD_ID_VPR";
    case 11: return "OPAQUE_FIELD_ID_NVDEC0_STATUS";
    case 12: return "OPAQUE_FIELD_ID_MSRSCNT";
    case 13: return "OPAQUE_FIELD_ID_CPRINFO";
    case 14: return "OPAQUE_FIELD_ID_BOARD_ID";
    case 15: return "OPAQUE_FIELD_ID_CHIP_SKU";
    case 16: return "OPAQUE_FIELD_ID_CHIP_SKU_MOD";
    case 17: return "OPAQUE_FIELD_ID_PROJECT";
    case 18: return "OPAQUE_FIELD_ID_PROJECT_SKU";
    case 19: return "OPAQUE_FIELD_ID_PROJECT_SKU_MOD";
    case 20: return "OPAQUE_FIELD_ID_FWID";
    case 21: return "OPAQUE_FIELD_ID_PROTECTED_PCIE_STATUS";
    case 22: return "OPAQUE_FIELD_ID_SWITCH_PDI";
    case 23: return "OPAQUE_FIELD_ID_FLOORSWEPT_PORTS";
    case 24: return "OPAQUE_FIELD_ID_POSITION_ID";
    case 25: return "OPAQUE_FIELD_ID_LOCK_SWITCH_STATUS";
    case 32: return "OPAQUE_FIELD_ID_GPU_LINK_CONN";
    case 33: return "OPAQUE_FIELD_ID_SYS_ENABLE_STATUS";
    case 34: return "OPAQUE_FIELD_ID_OPAQUE_DATA_VERSION";
    case 35: return "OPAQUE_FIELD_ID_CHIP_INFO";
    case 36: return "OPAQUE_FIELD_ID_FEATURE_FLAG";
    case 255: return "OPAQUE_FIELD_ID_INVALID";
    default: return "OPAQUE_FIELD_ID_UNKNOWN";
  }
}

std::string_view GpuModeName(GpuMode mode) {
  switch (mode) {
    case GpuMode::kMpt: return "mpt";
    case GpuMode::kSpt: return "spt";
    case GpuMode::kPpcie: return "ppcie";
  }
  return "unknown";
}

const OpaqueField* OpaqueData::Find(OpaqueId id) const {
  for (const auto& f : fields) {
    if (f.type == static_cast<uint16_t>(id)) return &f;
  }
  return nullptr;
}

Result<GpuMode> OpaqueData::Mode() const {
  if (!feature_flag || !opaque_data_version || *opaque_data_version < 1) return GpuMode::kMpt;
  switch (*feature_flag) {
    case 0: return GpuMode::kMpt;
    case 1: return GpuMode::kSpt;
    case 2: return GpuMode::kPpcie;
    default: return Fail(Errc::kMalformed, "opaque.FEATURE_FLAG: unknown mode value");
  }
}

Result<std::string> DecodeGpuVbiosVersion(ByteSpan value) {
  if (value.size() != 8) return Fail(Errc::kMalformed, "opaque.VBIOS_VERSION: not 8 bytes");
  // Little-endian u64; hex digits of bytes 3,2,1,0 then byte 4:
  // 00 9f 00 96 01 00 00 00 -> "96009F00" + "01" -> 96.00.9F.00.01.
  const uint8_t order[5] = {value[3], value[2], value[1], value[0], value[4]};
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < 5; ++i) {
    std::snprintf(buf, sizeof buf, "%02X", order[i]);
    if (i) out.push_back('.');
    out += buf;
  }
  return out;
}

Result<OpaqueData> ParseOpaqueData(ByteSpan data, DeviceKind kind) {
  OpaqueData out;
  ByteReader r(data);
  while (!r.empty()) {
    CCGPU_ASSIGN_OR_RETURN(uint16_t type, r.U16("opaque: TLV type past end"));
    CCGPU_ASSIGN_OR_RETURN(ByteSpan value, r.Prefixed16("opaque: TLV value past end"));
    CCGPU_TRY(DecodeField(out, type, value, kind));
    out.fields.push_back(OpaqueField{type, Bytes(value.begin(), value.end())});
  }
  return out;
}

const MeasurementBlock* MeasurementsResponse::Block(uint8_t index) const {
  for (const auto& b : blocks) {
    if (b.index == index) return &b;
  }
  return nullptr;
}

Result<MeasurementsRequest> ParseMeasurementsRequest(ByteSpan data) {
  ByteReader r(data);
  MeasurementsRequest q;
  CCGPU_ASSIGN_OR_RETURN(q.spdm_version, r.U8("request.SPDMVersion"));
  CCGPU_ASSIGN_OR_RETURN(q.request_response_code, r.U8("request.RequestResponseCode"));
  CCGPU_ASSIGN_OR_RETURN(q.param1, r.U8("request.Param1"));
  CCGPU_ASSIGN_OR_RETURN(q.param2, r.U8("request.Param2"));
  CCGPU_ASSIGN_OR_RETURN(q.nonce, r.Array<kSpdmNonceSize>("request.Nonce"));
  CCGPU_ASSIGN_OR_RETURN(q.slot_id_param, r.U8("request.SlotIDParam"));
  CCGPU_TRY(r.ExpectEnd("request: longer than 37 bytes"));
  if (q.spdm_version != kSpdmVersion11) {
    return Fail(Errc::kMalformed, "request.SPDMVersion: not 0x11 (SPDM 1.1)");
  }
  if (q.request_response_code != kGetMeasurementsCode) {
    return Fail(Errc::kMalformed, "request.RequestResponseCode: not GET_MEASUREMENTS (0xE0)");
  }
  if ((q.param1 & 0x01) == 0) {
    return Fail(Errc::kUnsupported, "request.Param1: no signature requested");
  }
  return q;
}

Result<MeasurementsResponse> ParseMeasurementsResponse(ByteSpan data, DeviceKind kind) {
  ByteReader r(data);
  MeasurementsResponse m;
  CCGPU_ASSIGN_OR_RETURN(m.spdm_version, r.U8("response.SPDMVersion"));
  CCGPU_ASSIGN_OR_RETURN(m.request_response_code, r.U8("response.RequestResponseCode"));
  CCGPU_ASSIGN_OR_RETURN(m.param1, r.U8("response.Param1"));
  CCGPU_ASSIGN_OR_RETURN(m.param2, r.U8("response.Param2"));
  if (m.spdm_version != kSpdmVersion11) {
    return Fail(Errc::kMalformed, "response.SPDMVersion: not 0x11 (SPDM 1.1)");
  }
  if (m.request_response_code != kMeasurementsCode) {
    return Fail(Errc::kMalformed, "response.RequestResponseCode: not MEASUREMENTS (0x60)");
  }
  CCGPU_ASSIGN_OR_RETURN(m.number_of_blocks, r.U8("response.NumberOfBlocks"));
  CCGPU_ASSIGN_OR_RETURN(m.measurement_record_length, r.U24("response.MeasurementRecordLength"));
  CCGPU_ASSIGN_OR_RETURN(ByteSpan record,
                         r.Take(m.measurement_record_length,
                                "response.MeasurementRecord: record length past end"));
  // DSP0274 1.1 §10.11.2: the record is exactly NumberOfBlocks blocks.
  ByteReader rec(record);
  for (unsigned i = 0; i < m.number_of_blocks; ++i) {
    MeasurementBlock b;
    CCGPU_ASSIGN_OR_RETURN(b.index, rec.U8("measurement block.Index: past record end"));
    CCGPU_ASSIGN_OR_RETURN(b.measurement_specification,
                           rec.U8("measurement block.MeasurementSpecification: past record end"));
    CCGPU_ASSIGN_OR_RETURN(ByteSpan body,
                           rec.Prefixed16("measurement block.Measurement: size past record end"));
    if (b.measurement_specification != kDmtfSpecification) {
      return Fail(Errc::kMalformed, "measurement block.MeasurementSpecification: not DMTF (0x01)");
    }
    ByteReader br(body);
    CCGPU_ASSIGN_OR_RETURN(b.dmtf_value_type,
                           br.U8("measurement block.DMTFSpecMeasurementValueType: truncated"));
    CCGPU_ASSIGN_OR_RETURN(ByteSpan value,
                           br.Prefixed16("measurement block.DMTFSpecMeasurementValueSize: past block end"));
    CCGPU_TRY(br.ExpectEnd("measurement block: bytes after the DMTF value"));
    b.value.assign(value.begin(), value.end());
    for (const auto& prev : m.blocks) {
      if (prev.index == b.index) return Fail(Errc::kMalformed, "measurement block.Index: duplicate");
    }
    m.blocks.push_back(std::move(b));
  }
  CCGPU_TRY(rec.ExpectEnd("response.MeasurementRecord: bytes after NumberOfBlocks blocks"));
  CCGPU_ASSIGN_OR_RETURN(m.nonce, r.Array<kSpdmNonceSize>("response.Nonce"));
  CCGPU_ASSIGN_OR_RETURN(ByteSpan opaque, r.Prefixed16("response.OpaqueData: length past end"));
  m.opaque_length = static_cast<uint16_t>(opaque.size());
  CCGPU_ASSIGN_OR_RETURN(m.signature, r.Array<kEvidenceSignatureSize>("response.Signature"));
  CCGPU_TRY(r.ExpectEnd("response: bytes after the 96-byte signature"));
  CCGPU_ASSIGN_OR_RETURN(m.opaque, ParseOpaqueData(opaque, kind));
  return m;
}

Result<Evidence> ParseEvidence(ByteSpan blob, DeviceKind kind) {
  ByteReader r(blob);
  CCGPU_ASSIGN_OR_RETURN(ByteSpan req, r.Take(kGetMeasurementsRequestSize,
                                              "evidence: shorter than the 37-byte request"));
  Evidence e;
  e.kind = kind;
  CCGPU_ASSIGN_OR_RETURN(e.request, ParseMeasurementsRequest(req));
  CCGPU_ASSIGN_OR_RETURN(e.response, ParseMeasurementsResponse(r.rest(), kind));
  e.raw.assign(blob.begin(), blob.end());
  return e;
}

Result<Evidence> ParseEvidenceHex(std::string_view text, DeviceKind kind) {
  CCGPU_ASSIGN_OR_RETURN(Bytes blob, HexDecode(TrimAsciiWhitespace(text)));
  return ParseEvidence(blob, kind);
}

Result<std::vector<EvidenceListEntry>> ParseEvidenceList(std::string_view json_text) {
  using nlohmann::json;
  const json doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded()) return Fail(Errc::kInvalidJson, "evidence list: not JSON");
  if (!doc.is_array()) return Fail(Errc::kInvalidJson, "evidence list: not a JSON list");
  if (doc.empty()) return Fail(Errc::kInvalidJson, "evidence list: empty");
  std::vector<EvidenceListEntry> out;
  for (const auto& item : doc) {
    if (!item.is_object()) return Fail(Errc::kInvalidJson, "evidence list: entry is not an object");
    auto str = [&](const char* key) -> const std::string* {
      auto it = item.find(key);
      if (it == item.end() || !it->is_string()) return nullptr;
      return &it->get_ref<const std::string&>();
    };
    EvidenceListEntry e;
    const std::string* arch = str("arch");
    const std::string* ev = str("evidence");
    const std::string* cert = str("certificate");
    if (!arch) return Fail(Errc::kInvalidJson, "evidence list: entry lacks \"arch\"");
    if (!ev) return Fail(Errc::kInvalidJson, "evidence list: entry lacks \"evidence\"");
    if (!cert) return Fail(Errc::kInvalidJson, "evidence list: entry lacks \"certificate\"");
    CCGPU_ASSIGN_OR_RETURN(e.arch, ParseArch(*arch));
    CCGPU_ASSIGN_OR_RETURN(e.evidence, Base64Decode(TrimAsciiWhitespace(*ev)));
    CCGPU_ASSIGN_OR_RETURN(Bytes pem, Base64Decode(TrimAsciiWhitespace(*cert)));
    e.certificate.assign(pem.begin(), pem.end());
    if (const std::string* n = str("nonce")) {
      CCGPU_ASSIGN_OR_RETURN(e.nonce, HexDecode(TrimAsciiWhitespace(*n)));
    }
    if (const std::string* d = str("driver_version")) e.driver_version = *d;
    if (const std::string* v = str("vbios_version")) e.vbios_version = *v;
    out.push_back(std::move(e));
  }
  return out;
}

std::string RequestToNvidiaJson(const MeasurementsRequest& q) {
  nlohmann::ordered_json j;
  j["SPDMVersion"] = HexByte(q.spdm_version);
  j["RequestResponseCode"] = HexByte(q.request_response_code);
  j["Param1"] = HexByte(q.param1);
  j["Param2"] = HexByte(q.param2);
  j["Nonce"] = Hex0x(q.nonce);
  j["SlotIDParam"] = HexByte(q.slot_id_param);
  return j.dump(4);
}

std::string ResponseToNvidiaJson(const MeasurementsResponse& m, DeviceKind kind) {
  nlohmann::ordered_json j;
  j["SPDMVersion"] = HexByte(m.spdm_version);
  j["RequestResponseCode"] = HexByte(m.request_response_code);
  j["Param1"] = HexByte(m.param1);
  j["Param2"] = HexByte(m.param2);
  j["NumberOfBlocks"] = m.number_of_blocks;
  j["MeasurementRecordLength"] = m.measurement_record_length;
  j["Nonce"] = Hex0x(m.nonce);
  j["OpaqueLength"] = m.opaque_length;
  j["Signature"] = Hex0x(m.signature);
  nlohmann::ordered_json blocks = nlohmann::ordered_json::object();
  for (const auto& b : m.blocks) {
    nlohmann::ordered_json jb;
    jb["DMTFSpecMeasurementValueType"] = b.dmtf_value_type;
    jb["DMTFSpecMeasurementValueSize"] = b.value.size();
    jb["DMTFSpecMeasurementValue"] = Hex0x(b.value);
    blocks[std::to_string(b.index)] = std::move(jb);
  }
  j["MeasurementRecord"]["NumberOfBlocks"] = m.number_of_blocks;
  j["MeasurementRecord"]["MeasurementBlocks"] = std::move(blocks);
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  const OpaqueData& o = m.opaque;
  for (const auto& f : o.fields) {
    const std::string name(OpaqueFieldName(f.type, kind));
    const auto id = static_cast<OpaqueId>(f.type);
    if (id == OpaqueId::kMsrscnt) {
      fields[name] = o.msrscnt;
    } else if (kind == DeviceKind::kSwitch && id == OpaqueId::kFloorsweptPorts) {
      fields[name] = o.disabled_ports;
    } else if (kind == DeviceKind::kSwitch && id == OpaqueId::kSwitchGpuPdis) {
      nlohmann::ordered_json pdis = nlohmann::ordered_json::array();
      for (const auto& p : o.switch_gpu_pdis) pdis.push_back(Hex0x(p));
      fields[name] = std::move(pdis);
      nlohmann::ordered_json ports = nlohmann::ordered_json::array();
      for (uint8_t p : o.switch_ports) ports.push_back(HexByte(p));
      fields["OPAQUE_FIELD_ID_SWITCH_PORT"] = std::move(ports);
    } else {
      fields[name] = Hex0x(f.value);
    }
  }
  j["OpaqueData"]["OpaqueDataField"] = std::move(fields);
  return j.dump(4);
}

}  // namespace ccgpu::attest
