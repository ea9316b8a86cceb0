#include "spdm/wire/finish.h"

#include <gtest/gtest.h>

#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::P384;

Bytes FinishMsg(bool with_signature) {
  Bytes m = {kVersion12, 0xE5, static_cast<uint8_t>(with_signature ? 1 : 0),
             0x00};
  if (with_signature) m.insert(m.end(), 96, 0x51);
  m.insert(m.end(), 48, 0x52);
  return m;
}

TEST(Finish, RoundTripsWithAndWithoutMutualAuthSignature) {
  CheckCodec(FinishMsg(false), P384(), ParseFinish, SerializeFinish);
  CheckCodec(FinishMsg(true), P384(), ParseFinish, SerializeFinish);
  const Bytes msg = FinishMsg(true);  // outlives m's spans
  auto m = ParseFinish(msg, P384());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->signature.size(), 96u);
  EXPECT_EQ(m->requester_verify_data.size(), 48u);
}

TEST(Finish, SignatureBitDecidesTheLayout) {
  Bytes signed_msg = FinishMsg(true);
  signed_msg[2] = 0;
  EXPECT_ERRC(ParseFinish(signed_msg, P384()), Errc::kTrailingData);
  Bytes plain = FinishMsg(false);
  plain[2] = 1;
  EXPECT_ERRC(ParseFinish(plain, P384()), Errc::kTruncated);
  ParseParams no_req_sig = P384();
  no_req_sig.negotiated.req_signature_size = 0;
  EXPECT_ERRC(ParseFinish(FinishMsg(true), no_req_sig), Errc::kInvalidArgument);
}

TEST(Finish, SerializeChecksSignaturePresence) {
  Finish m;
  m.attributes = kFinishSignatureIncluded;
  Bytes vd(48, 0);
  m.requester_verify_data = vd;
  EXPECT_ERRC(SerializeFinish(m), Errc::kInvalidArgument);
}

TEST(FinishRsp, VerifyDataOnlyInTheClear) {
  Bytes plain = {kVersion12, 0x65, 0, 0};
  CheckCodec(plain, P384(), ParseFinishRsp, SerializeFinishRsp);
  ParseParams clear = P384();
  clear.negotiated.handshake_in_the_clear = true;
  Bytes with_vd = plain;
  with_vd.insert(with_vd.end(), 48, 0x77);
  CheckCodec(with_vd, clear, ParseFinishRsp, SerializeFinishRsp);
  EXPECT_ERRC(ParseFinishRsp(with_vd, P384()), Errc::kTrailingData);
  EXPECT_ERRC(ParseFinishRsp(plain, clear), Errc::kTruncated);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
