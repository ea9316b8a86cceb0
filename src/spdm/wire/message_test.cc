#include "spdm/wire/message.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::Hex;
using testing::P384;

TEST(Dispatch, RequestsByCode) {
  const Bytes gv = Hex("10840000");
  auto m = ParseRequest(gv, {});
  ASSERT_TRUE(m);
  EXPECT_TRUE(std::holds_alternative<GetVersion>(m->message));
  const Bytes hbm = Hex("12e80000");
  auto hb = ParseRequest(hbm, P384());
  ASSERT_TRUE(hb);
  EXPECT_TRUE(std::holds_alternative<Heartbeat>(hb->message));
  EXPECT_EQ(*SerializeRequest(hb->message), Hex("12e80000"));
  EXPECT_ERRC(ParseRequest(Hex("12ed0000"), P384()),
              Errc::kUnsupported);  // GET_CSR
  EXPECT_ERRC(ParseRequest(Hex("12990000"), P384()), Errc::kUnsupported);
  EXPECT_ERRC(ParseRequest(Hex("1284"), {}), Errc::kTruncated);
  EXPECT_ERRC(ParseRequest(Hex("12630000"), {}),
              Errc::kUnsupported);  // a response code
}

TEST(Dispatch, ResponsesByCode) {
  const Bytes rnr = Hex("127f4200 0ce0077f");
  auto e = ParseResponse(rnr, P384());
  ASSERT_TRUE(e);
  ASSERT_TRUE(std::holds_alternative<ErrorResponse>(e->message));
  const Bytes ver = Hex("10040000 0001 0012");
  auto v = ParseResponse(ver, {});
  ASSERT_TRUE(v);
  EXPECT_TRUE(std::holds_alternative<Version>(v->message));
  EXPECT_ERRC(ParseResponse(Hex("12e80000"), P384()), Errc::kUnsupported);
}

TEST(Dispatch, ExactBytesExcludeDoePadding) {
  ParseParams p = P384();
  p.allow_dword_padding = true;
  Bytes padded = Hex("10040000 0001 0012");        // 8 bytes, already aligned
  Bytes ver = Hex("100400000002 0011 0012 0000");  // 10 bytes + 2 pad
  auto m = ParseResponse(ver, p);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->bytes.size(), 10u);
  auto aligned = ParseResponse(padded, p);
  ASSERT_TRUE(aligned);
  EXPECT_EQ(aligned->bytes.size(), 8u);
}

TEST(Dispatch, VersionMismatchAgainstNegotiated) {
  EXPECT_ERRC(ParseRequest(Hex("11e80000"), P384(kVersion12)),
              Errc::kVersionMismatch);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
