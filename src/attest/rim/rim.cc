#include "attest/rim/rim.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>

#include "attest/rim/xml_util.h"
#include "base/encoding.h"

namespace ccgpu::attest {
namespace {

using internal::Attr;
using internal::Chars;
using internal::IsElement;

struct Ctx {
  RimParseError* error;
  tl::unexpected<Error> Bad(const char* what, std::string element, std::string detail) {
    if (error != nullptr) {
      error->element = std::move(element);
      error->detail = std::move(detail);
    }
    return Fail(Errc::kRimInvalid, what);
  }
};

// Strict unsigned decimal: digits only, no sign, no leading '+', fits u32.
std::optional<uint32_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> ParseBool(std::string_view s) {
  if (s == "True" || s == "true") return true;
  if (s == "False" || s == "false") return false;
  return std::nullopt;
}

std::size_t DigestSizeForNamespace(const char* href) {
  if (href == nullptr) return 0;
  if (std::strcmp(href, kSha384Namespace) == 0) return 48;
  if (std::strcmp(href, kSha256Namespace) == 0) return 32;
  if (std::strcmp(href, kSha512Namespace) == 0) return 64;
  return 0;
}

Result<RimMeasurement> ParseResource(const xmlNode* node, std::size_t ordinal, Ctx& ctx) {
  const std::string where = "Resource #" + std::to_string(ordinal);
  RimMeasurement m;
  auto type = Attr(node, nullptr, "type");
  if (!type) return ctx.Bad("rim: Resource lacks the type attribute", where, "no type");
  if (*type != "Measurement") {
    return ctx.Bad("rim: Resource type is not Measurement", where, "type=\"" + *type + "\"");
  }
  auto index = Attr(node, nullptr, "index");
  if (!index) return ctx.Bad("rim: Resource lacks the index attribute", where, "no index");
  auto index_value = ParseDecimal(*index);
  if (!index_value || *index_value > kMaxRimIndex) {
    return ctx.Bad("rim: Resource index is not a decimal 0..253", where, "index=\"" + *index + "\"");
  }
  m.index = *index_value;
  auto active = Attr(node, nullptr, "active");
  if (!active) return ctx.Bad("rim: Resource lacks the active attribute", where, "no active");
  auto active_value = ParseBool(*active);
  if (!active_value) {
    return ctx.Bad("rim: Resource active is not True/False", where, "active=\"" + *active + "\"");
  }
  m.active = *active_value;
  auto alternatives = Attr(node, nullptr, "alternatives");
  if (!alternatives) {
    return ctx.Bad("rim: Resource lacks the alternatives attribute", where, "no alternatives");
  }
  auto alt_count = ParseDecimal(*alternatives);
  if (!alt_count || *alt_count == 0 || *alt_count > kMaxRimAlternatives) {
    return ctx.Bad("rim: Resource alternatives is not a decimal 1..64", where,
                   "alternatives=\"" + *alternatives + "\"");
  }
  auto size = Attr(node, nullptr, "size");
  if (!size) return ctx.Bad("rim: Resource lacks the size attribute", where, "no size");
  auto size_value = ParseDecimal(*size);
  if (!size_value) return ctx.Bad("rim: Resource size is not decimal", where, "size=\"" + *size + "\"");
  m.size = *size_value;
  m.name = Attr(node, nullptr, "name").value_or("");

  // Hash0..Hash{n-1}, in a digest-algorithm namespace whose size = `size`.
  std::map<uint32_t, Bytes> hashes;
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    const char* local = Chars(a->name);
    if (std::strncmp(local, "Hash", 4) != 0) continue;
    const std::string attr_name = local;
    auto k = ParseDecimal(std::string_view(local + 4));
    if (!k) continue;  // e.g. "HashAlg": not a golden value
    if (a->ns == nullptr) {
      return ctx.Bad("rim: Hash attribute has no digest-algorithm namespace", where, attr_name);
    }
    const std::size_t digest_size = DigestSizeForNamespace(Chars(a->ns->href));
    if (digest_size == 0) {
      return ctx.Bad("rim: Hash attribute namespace is not a known digest algorithm", where,
                     attr_name + " in " + Chars(a->ns->href));
    }
    if (digest_size != m.size) {
      return ctx.Bad("rim: Resource size differs from the digest algorithm's size", where,
                     "size=" + std::to_string(m.size) + ", " + attr_name + " is " +
                         std::to_string(digest_size) + " bytes");
    }
    if (*k >= *alt_count) {
      return ctx.Bad("rim: Hash attribute index not below alternatives", where,
                     attr_name + " with alternatives=" + std::to_string(*alt_count));
    }
    std::string value = Attr(node, Chars(a->ns->href), local).value_or("");
    if (value.size() != digest_size * 2) {
      return ctx.Bad("rim: Hash attribute has the wrong length", where,
                     attr_name + ": " + std::to_string(value.size()) + " hex digits, expected " +
                         std::to_string(digest_size * 2));
    }
    auto bytes = HexDecode(value);
    if (!bytes || bytes->size() != digest_size) {
      return ctx.Bad("rim: Hash attribute is not hexadecimal", where, attr_name);
    }
    if (!hashes.emplace(*k, std::move(*bytes)).second) {
      return ctx.Bad("rim: Hash attribute appears twice", where, attr_name);
    }
  }
  for (uint32_t k = 0; k < *alt_count; ++k) {
    auto it = hashes.find(k);
    if (it == hashes.end()) {
      return ctx.Bad("rim: Resource lacks a Hash attribute its alternatives count promises", where,
                     "no Hash" + std::to_string(k) + " (alternatives=" +
                         std::to_string(*alt_count) + ")");
    }
    m.alternatives.push_back(std::move(it->second));
  }
  return m;
}

}  // namespace

const RimMeasurement* Rim::Find(uint32_t index) const {
  for (const auto& m : measurements) {
    if (m.index == index) return &m;
  }
  return nullptr;
}

std::vector<uint32_t> Rim::ActiveIndices() const {
  std::vector<uint32_t> out;
  for (const auto& m : measurements) {
    if (m.active) out.push_back(m.index);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool RimVersionMatches(const Rim& rim, std::string_view reported_version) {
  const std::string& v = rim.colloquial_version;
  if (v.empty() || v.size() != reported_version.size()) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto lower = [](char c) {
      return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    };
    if (lower(v[i]) != lower(reported_version[i])) return false;
  }
  return true;
}

namespace {
Result<Rim> ParseRimTree(const xmlDoc* doc, RimParseError* error);
}  // namespace

Result<Rim> ParseRim(ByteSpan xml, RimParseError* error) {
  CCGPU_ASSIGN_OR_RETURN(internal::XmlDoc doc, internal::ParseHardened(xml));
  return ParseRimTree(doc.get(), error);
}

Result<Rim> ParseRim(const crypto::XmlDocument& doc, RimParseError* error) {
  return ParseRimTree(doc.get(), error);
}

namespace {

Result<Rim> ParseRimTree(const xmlDoc* doc, RimParseError* error) {
  Ctx ctx{error};
  const xmlNode* root = doc != nullptr ? xmlDocGetRootElement(doc) : nullptr;
  if (root == nullptr) return ctx.Bad("rim: document has no root element", "document", "no root");
  if (!IsElement(root, kSwidNamespace, "SoftwareIdentity")) {
    std::string got = Chars(root->name);
    if (root->ns != nullptr && root->ns->href != nullptr) {
      got = std::string("{") + Chars(root->ns->href) + "}" + got;
    }
    return ctx.Bad("rim: root element is not swid:SoftwareIdentity", "document", "root is " + got);
  }
  Rim rim;
  rim.name = Attr(root, nullptr, "name").value_or("");
  rim.tag_id = Attr(root, nullptr, "tagId").value_or("");
  rim.swid_version = Attr(root, nullptr, "version").value_or("");
  rim.tag_version = Attr(root, nullptr, "tagVersion").value_or("");
  if (rim.name.empty() || rim.tag_id.empty()) {
    return ctx.Bad("rim: SoftwareIdentity lacks name or tagId", "SoftwareIdentity",
                   rim.name.empty() ? "no name" : "no tagId");
  }

  const xmlNode* meta = nullptr;
  const xmlNode* payload = nullptr;
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (IsElement(c, kSwidNamespace, "Meta")) {
      if (meta != nullptr) return ctx.Bad("rim: more than one Meta element", "Meta", "duplicate");
      meta = c;
    } else if (IsElement(c, kSwidNamespace, "Payload")) {
      if (payload != nullptr) {
        return ctx.Bad("rim: more than one Payload element", "Payload", "duplicate");
      }
      payload = c;
    } else if (IsElement(c, kSwidNamespace, "Entity") && rim.entity_name.empty()) {
      rim.entity_name = Attr(c, nullptr, "name").value_or("");
    }
  }
  if (meta == nullptr) return ctx.Bad("rim: no Meta element", "SoftwareIdentity", "no Meta");
  rim.colloquial_version = Attr(meta, nullptr, "colloquialVersion").value_or("");
  if (rim.colloquial_version.empty()) {
    return ctx.Bad("rim: Meta lacks colloquialVersion", "Meta", "no colloquialVersion");
  }
  rim.product = Attr(meta, nullptr, "product").value_or("");
  rim.edition = Attr(meta, nullptr, "edition").value_or("");
  rim.revision = Attr(meta, nullptr, "revision").value_or("");
  rim.firmware_manufacturer = Attr(meta, kTcgRimNamespace, "FirmwareManufacturer").value_or("");
  rim.firmware_manufacturer_id =
      Attr(meta, kTcgRimNamespace, "FirmwareManufacturerId").value_or("");
  rim.platform_manufacturer_id =
      Attr(meta, kTcgRimNamespace, "PlatformManufacturerId").value_or("");
  rim.platform_model = Attr(meta, kTcgRimNamespace, "PlatformModel").value_or("");
  rim.binding_spec = Attr(meta, kTcgRimNamespace, "BindingSpec").value_or("");
  rim.binding_spec_version = Attr(meta, kTcgRimNamespace, "BindingSpecVersion").value_or("");

  if (payload == nullptr) return ctx.Bad("rim: no Payload element", "SoftwareIdentity", "no Payload");
  std::size_t ordinal = 0;
  for (const xmlNode* c = payload->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (!IsElement(c, kSwidNamespace, "Resource")) {
      return ctx.Bad("rim: Payload holds an element other than Resource", "Payload",
                     std::string("element ") + Chars(c->name));
    }
    if (rim.measurements.size() >= kMaxRimMeasurements) {
      return ctx.Bad("rim: too many Resource entries", "Payload",
                     "more than " + std::to_string(kMaxRimMeasurements));
    }
    CCGPU_ASSIGN_OR_RETURN(RimMeasurement m, ParseResource(c, ordinal, ctx));
    if (rim.Find(m.index) != nullptr) {
      return ctx.Bad("rim: two Resource entries share an index", "Resource #" + std::to_string(ordinal),
                     "index " + std::to_string(m.index));
    }
    rim.measurements.push_back(std::move(m));
    ++ordinal;
  }
  if (rim.measurements.empty()) {
    return ctx.Bad("rim: Payload holds no Resource entries", "Payload", "empty");
  }
  return rim;
}

}  // namespace
}  // namespace ccgpu::attest
