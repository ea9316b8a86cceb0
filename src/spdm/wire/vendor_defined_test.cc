#include "spdm/wire/vendor_defined.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;
using testing::Patched;

// PCI-SIG (StandardID 3), VendorID 0x0001, a 5-byte payload (TDISP-like).
const char kReq[] = "12fe0000 0300 02 0100 0500 0102030405";
const char kRsp[] = "127e0000 0300 02 0100 0300 aabbcc";

TEST(VendorDefined, RoundTripsBothDirections) {
  CheckCodec(Hex(kReq), {}, ParseVendorDefinedRequest,
             SerializeVendorDefinedRequest);
  CheckCodec(Hex(kRsp), {}, ParseVendorDefinedResponse,
             SerializeVendorDefinedResponse);
  const Bytes msg = Hex(kReq);  // outlives m's spans
  auto m = ParseVendorDefinedRequest(msg, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->standard_id, standard_id::kPciSig);
  EXPECT_EQ(m->vendor_id.size(), 2u);
  EXPECT_EQ(m->payload.size(), 5u);
  CheckCodec(Hex("12fe0000 0000 00 0000"), {}, ParseVendorDefinedRequest,
             SerializeVendorDefinedRequest);
}

TEST(VendorDefined, LengthFieldsTooLongOrShort) {
  Bytes req = Hex(kReq);
  EXPECT_ERRC(ParseVendorDefinedRequest(Patched(req, 9, 2, 6), {}),
              Errc::kTruncated);
  EXPECT_ERRC(ParseVendorDefinedRequest(Patched(req, 9, 2, 4), {}),
              Errc::kTrailingData);
  // VendorID length: one longer swallows a ReqLength byte, one shorter shifts
  // it.
  EXPECT_FALSE(ParseVendorDefinedRequest(Patched(req, 6, 1, 3), {}));
  EXPECT_FALSE(ParseVendorDefinedRequest(Patched(req, 6, 1, 1), {}));
  EXPECT_ERRC(ParseVendorDefinedRequest(Patched(req, 6, 1, 0xFF), {}),
              Errc::kTruncated);
  Bytes rsp = Hex(kRsp);
  EXPECT_ERRC(ParseVendorDefinedResponse(Patched(rsp, 9, 2, 4), {}),
              Errc::kTruncated);
  EXPECT_ERRC(ParseVendorDefinedResponse(Patched(rsp, 9, 2, 2), {}),
              Errc::kTrailingData);
}

TEST(VendorDefined, SerializeRejectsOversizedVendorId) {
  Bytes big(256, 0);
  VendorDefinedRequest m;
  m.vendor_id = big;
  EXPECT_ERRC(SerializeVendorDefinedRequest(m), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
