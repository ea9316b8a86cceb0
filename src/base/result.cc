#include "base/result.h"

#include <array>

namespace ccgpu {
namespace {

struct ErrcInfo {
  Errc code;
  std::string_view name;
  std::string_view text;
};

constexpr ErrcInfo kErrcTable[] = {
#define CCGPU_ERRC(name, value, text) {Errc::name, #name, text},
#include "base/errc_list.inc"
#undef CCGPU_ERRC
};

constexpr std::array<Errc, std::size(kErrcTable)> MakeAll() {
  std::array<Errc, std::size(kErrcTable)> all{};
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = kErrcTable[i].code;
  return all;
}
constexpr auto kAllErrcs = MakeAll();

const ErrcInfo* Find(Errc code) {
  for (const auto& info : kErrcTable) {
    if (info.code == code) return &info;
  }
  return nullptr;
}

}  // namespace

std::string_view ErrcName(Errc code) {
  const ErrcInfo* info = Find(code);
  return info ? info->name : "kUnknownErrc";
}

std::string_view ErrcText(Errc code) {
  const ErrcInfo* info = Find(code);
  return info ? info->text : "unknown error code";
}

std::span<const Errc> AllErrcs() { return kAllErrcs; }

std::string Error::ToString() const {
  std::string out(ErrcName(code));
  out += ": ";
  out += context ? context : "(no context)";
  out += " (";
  out += ErrcText(code);
  out += ")";
  return out;
}

}  // namespace ccgpu
