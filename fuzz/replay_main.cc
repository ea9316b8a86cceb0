// Replays a committed seed corpus through a libFuzzer entry point, so every
// ordinary build runs each fuzz target over its seeds as a test.
//
// Usage: replay_NAME DIR_OR_FILE...   Fails (exit 1) if no input was found.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot open %s\n", path.c_str());
    return false;
  }
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
  // Exact-size heap copy so ASan catches any read past the end.
  auto* copy = new uint8_t[data.size() ? data.size() : 1];
  std::copy(data.begin(), data.end(), copy);
  LLVMFuzzerTestOneInput(copy, data.size());
  delete[] copy;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t ran = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path p(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(p)) {
        if (entry.is_regular_file() && RunFile(entry.path())) ++ran;
      }
    } else if (RunFile(p)) {
      ++ran;
    }
  }
  std::printf("replayed %zu inputs\n", ran);
  if (ran == 0) {
    std::fprintf(stderr, "replay: no corpus inputs found\n");
    return 1;
  }
  return 0;
}
