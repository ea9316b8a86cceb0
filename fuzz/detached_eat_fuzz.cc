// Fuzzes the token readers: ParseDetachedEat (envelope, JWTs, submod
// digests), ParseJws on the raw input, and Jwks::Parse. Oracles: a parsed
// EAT's device tokens hash to its submods digests (re-checked by parsing the
// envelope rebuilt from the parts), and parsing is deterministic.
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "attest/token/eat.h"
#include "attest/token/jwt.h"
#include "base/result.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: bytes as text
  auto eat = ccgpu::attest::ParseDetachedEat(text);
  if (eat) {
    nlohmann::json devices = nlohmann::json::object();
    for (const auto& [name, jwt] : eat->device_jwts) devices[name] = jwt;
    const nlohmann::json rebuilt =
        nlohmann::json::array({nlohmann::json::array({"JWT", eat->overall_jwt}), devices});
    auto again = ccgpu::attest::ParseDetachedEat(
        rebuilt.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    CCGPU_CHECK(again.has_value());
    CCGPU_CHECK(again->overall_result == eat->overall_result);
    CCGPU_CHECK(again->devices.size() == eat->devices.size());
  }
  auto jws1 = ccgpu::attest::ParseJws(text);
  auto jws2 = ccgpu::attest::ParseJws(text);
  CCGPU_CHECK(jws1.has_value() == jws2.has_value());
  if (jws1) CCGPU_CHECK(jws1->signing_input == jws2->signing_input);
  (void)ccgpu::attest::Jwks::Parse(text);
  return 0;
}
