#include "spdm/wire/error.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;

TEST(Error, ObservedEmulatorErrors) {
  // "05 10 7f 01 00" / "05 10 7f 04 00" from spdm-emu (MCTP type byte removed).
  const Bytes inv = Hex("107f0100");
  auto invalid = ParseError(inv, {});
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->error_code, ErrorCode::kInvalidRequest);
  const Bytes unx = Hex("107f0400");
  auto unexpected = ParseError(unx, {});
  ASSERT_TRUE(unexpected);
  EXPECT_EQ(unexpected->error_code, ErrorCode::kUnexpectedRequest);
  EXPECT_EQ(*SerializeError(*unexpected), Hex("107f0400"));
}

TEST(Error, VersionMismatchUsesAnyVersionRegardlessOfNegotiation) {
  ParseParams p;
  p.negotiated.version = kVersion12;
  const Bytes vm = Hex("107f4100");
  auto m = ParseError(vm, p);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->error_code, ErrorCode::kVersionMismatch);
  EXPECT_ERRC(ParseError(Hex("147f4100"), p), Errc::kUnsupported);
}

TEST(Error, ResponseNotReadyCarriesFourBytes) {
  Bytes msg = Hex("127f4200 0ce0077f");
  CheckCodec(msg, {}, ParseError, SerializeError);
  auto m = ParseError(msg, {});
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->response_not_ready);
  EXPECT_EQ(m->response_not_ready->rdt_exponent, 0x0c);
  EXPECT_EQ(m->response_not_ready->request_code, 0xe0);
  EXPECT_EQ(m->response_not_ready->token, 0x07);
  EXPECT_EQ(m->response_not_ready->rdtm, 0x7f);
}

TEST(Error, ExtendedDataKeptRawAndLimited) {
  Bytes vendor = Hex("127fff00 02 0100 deadbeef");
  auto m = ParseError(vendor, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->extended_error_data.size(), 7u);
  EXPECT_EQ(*SerializeError(*m), vendor);
  Bytes too_long = Hex("127f0100");
  too_long.insert(too_long.end(), 33, 0);
  EXPECT_ERRC(ParseError(too_long, {}), Errc::kTrailingData);
  too_long.pop_back();
  EXPECT_TRUE(ParseError(too_long, {}));
}

TEST(Error, SerializeNeedsResponseNotReadyData) {
  ErrorResponse m;
  m.error_code = ErrorCode::kResponseNotReady;
  EXPECT_ERRC(SerializeError(m), Errc::kInvalidArgument);
}

TEST(RespondIfReady, RoundTrips) {
  CheckCodec(Hex("12ffe007"), {}, ParseRespondIfReady, SerializeRespondIfReady);
  auto m = ParseRespondIfReady(Hex("12ffe007"), {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->request_code, 0xe0);
  EXPECT_EQ(m->token, 0x07);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
