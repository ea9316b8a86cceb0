// The committed fuzz seeds must be messages the parsers accept (a seed that is
// rejected at once explores nothing): every file under fuzz/corpus/spdm_request
// and spdm_response parses with the parameters its first byte selects.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "spdm_wire_fuzz_common.h"

namespace ccgpu::spdm::wire {
namespace {

template <typename ParseFn>
void CheckSeeds(const char* name, ParseFn parse) {
  const std::filesystem::path dir =
      std::filesystem::path(CCGPU_SOURCE_DIR) / "fuzz/corpus" / name;
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    // Seeds named opaque_* exercise the nested formats, not the dispatcher.
    if (entry.path().filename().string().rfind("opaque_", 0) == 0) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    Bytes data((std::istreambuf_iterator<char>(in)),
               std::istreambuf_iterator<char>());
    ASSERT_FALSE(data.empty()) << entry.path();
    auto m = parse(ByteSpan(data).subspan(1), fuzz::ParamsFromByte(data[0]));
    EXPECT_TRUE(m) << entry.path() << ": " << m.error().ToString();
    ++count;
  }
  EXPECT_GE(count, 20);
}

TEST(FuzzSeeds, EveryRequestSeedParses) {
  CheckSeeds("spdm_request", ParseRequest);
}
TEST(FuzzSeeds, EveryResponseSeedParses) {
  CheckSeeds("spdm_response", ParseResponse);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
