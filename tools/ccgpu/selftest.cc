// `ccgpu selftest`: exercises every layer that exists with known answers
// and prints each check and its outcome. Exit 0 only if every check passes.
#include <cstdio>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/ct.h"
#include "base/encoding.h"
#include "command.h"
#include "selftest_checks.h"

namespace ccgpu::cli {
namespace {

Status BaseSelfTest(std::vector<std::string>* done) {
  // Reader/writer round trip with every integer width.
  ByteWriter w;
  w.U8(1).U16(0x0203).U24(0x040506).U32(0x0708090a).Prefixed8(Bytes{0xbb});
  CCGPU_ASSIGN_OR_RETURN(Bytes msg, std::move(w).Finish());
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(uint8_t a, r.U8());
  CCGPU_ASSIGN_OR_RETURN(uint16_t b, r.U16());
  CCGPU_ASSIGN_OR_RETURN(uint32_t c, r.U24());
  CCGPU_ASSIGN_OR_RETURN(uint32_t d, r.U32());
  CCGPU_ASSIGN_OR_RETURN(ByteSpan e, r.Prefixed8());
  CCGPU_TRY(r.ExpectEnd());
  if (a != 1 || b != 0x0203 || c != 0x040506 || d != 0x0708090a || e.size() != 1) {
    return Fail(Errc::kMalformed, "base: reader/writer round trip");
  }
  ByteReader truncated(ByteSpan(msg).first(msg.size() - 1));
  (void)truncated.Skip(10);
  if (truncated.Prefixed8() || truncated.offset() != 10) {
    return Fail(Errc::kMalformed, "base: reader accepted a truncated field");
  }
  done->push_back("base: ByteReader/ByteWriter round trip, truncation refused");
  // Hex and base64 known answers (RFC 4648 §10).
  CCGPU_ASSIGN_OR_RETURN(Bytes foobar, Base64Decode("Zm9vYmFy"));
  if (HexEncode(foobar) != "666f6f626172" || HexDecode("6") ||
      Base64UrlEncode(foobar) != "Zm9vYmFy") {
    return Fail(Errc::kMalformed, "base: encoding known answers");
  }
  done->push_back("base: hex/base64/base64url known answers (RFC 4648)");
  const Bytes x = {1, 2, 3}, y = {1, 2, 4};
  if (!CtEqual(x, x) || CtEqual(x, y)) {
    return Fail(Errc::kMalformed, "base: constant-time compare");
  }
  done->push_back("base: constant-time compare");
  return OkStatus();
}

int RunSelftest() {
  struct Layer {
    const char* name;
    Status (*run)(std::vector<std::string>*);
  };
  const Layer layers[] = {
      {"base", BaseSelfTest},
#define CCGPU_SELFTEST(name, fn) {name, fn},
      CCGPU_SELFTEST_LAYERS
#undef CCGPU_SELFTEST
  };
  int failures = 0;
  for (const Layer& layer : layers) {
    std::vector<std::string> done;
    Status s = layer.run(&done);
    for (const auto& line : done) std::printf("  ok    %s\n", line.c_str());
    if (s) {
      std::printf("PASS  %s (%zu checks)\n", layer.name, done.size());
    } else {
      ++failures;
      std::printf("FAIL  %s: %s\n", layer.name, s.error().ToString().c_str());
    }
  }
  std::printf("selftest: %s\n", failures == 0 ? "all layers passed" : "FAILED");
  return failures == 0 ? kExitOk : kExitFailed;
}

}  // namespace

void AddSelftestCommand(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "selftest", "Run known-answer checks of every layer and print them");
  cmd->callback([&action] { action = RunSelftest; });
}

}  // namespace ccgpu::cli
