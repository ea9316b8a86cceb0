// Application protocols in a session (MCTP inner types other than SPDM):
// PLDM GetTID as DMTF's requester emulator sends it in every MCTP session,
// the responder's answers without a handler and to other types, and the
// session staying in step whatever a record carried.
#include <gtest/gtest.h>

#include "spdm/requester/requester.h"
#include "spdm/responder/app_message.h"
#include "spdm/responder/test_support.h"
#include "spdm/wire/message.h"

namespace ccgpu::spdm {
namespace {

using testing::MakePair;
using testing::Pair;

const Bytes kGetTid = {0x80, 0x00, 0x02};  // Rq, instance 0 | type 0 | GetTID

struct Established {
  Pair p;
  uint32_t session_id = 0;
};

Established Open(std::shared_ptr<responder::ApplicationMessageHandler> handler,
                 session::TransportBinding binding = session::TransportBinding::Mctp()) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  auto qc = testing::RequesterConfigFor(crypto::Curve::kP384);
  rc.app_messages = std::move(handler);
  rc.binding = binding;
  qc.binding = binding;
  Established e{MakePair(rc, qc)};
  CCGPU_CHECK(e.p.requester->InitConnection().has_value());
  CCGPU_CHECK(e.p.requester->GetCertificate().has_value());
  auto s = e.p.requester->StartSession();
  CCGPU_CHECK(s.has_value());
  e.session_id = s->session_id;
  return e;
}

TEST(ApplicationMessages, PldmGetTidInTheSessionAndTheSessionStaysInStep) {
  Established e = Open(std::make_shared<responder::PldmControlResponder>(7));
  auto& q = *e.p.requester;
  for (int round = 0; round < 2; ++round) {
    auto r = q.ExchangeApplicationMessage(e.session_id, responder::kMctpTypePldm, kGetTid);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(r->type, std::optional<uint8_t>(responder::kMctpTypePldm));
    EXPECT_EQ(r->message, (Bytes{0x00, 0x00, 0x02, 0x00, 7}));  // Rq 0, success, TID 7
    ASSERT_TRUE(q.Heartbeat(e.session_id)) << "round " << round;
    ASSERT_TRUE(q.KeyUpdate(e.session_id, session::KeyUpdateOp::kUpdateAllKeys));
  }
  ASSERT_TRUE(q.EndSession(e.session_id));
}

TEST(ApplicationMessages, WithoutAHandlerTheAnswerIsAnSpdmErrorInTheSession) {
  Established e = Open(nullptr);
  auto& q = *e.p.requester;
  auto r = q.ExchangeApplicationMessage(e.session_id, responder::kMctpTypePldm, kGetTid);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->type, std::optional<uint8_t>(0x05));
  ASSERT_GE(r->message.size(), 4u);
  EXPECT_EQ(r->message[1], static_cast<uint8_t>(wire::Code::kError));
  EXPECT_EQ(r->message[2], static_cast<uint8_t>(wire::ErrorCode::kUnsupportedRequest));
  // Both sides used one number each way: SPDM goes on.
  ASSERT_TRUE(q.Heartbeat(e.session_id));
  ASSERT_TRUE(q.EndSession(e.session_id));
}

TEST(ApplicationMessages, OtherTypesAndMalformedPldmGetErrors) {
  Established e = Open(std::make_shared<responder::PldmControlResponder>());
  auto& q = *e.p.requester;
  auto other_type = q.ExchangeApplicationMessage(e.session_id, 0x7E, kGetTid);
  ASSERT_TRUE(other_type);
  EXPECT_EQ(other_type->type, std::optional<uint8_t>(0x05));
  EXPECT_EQ(other_type->message[2], static_cast<uint8_t>(wire::ErrorCode::kUnsupportedRequest));
  auto short_pldm = q.ExchangeApplicationMessage(e.session_id, responder::kMctpTypePldm, Bytes{0x80, 0x00});
  ASSERT_TRUE(short_pldm);
  EXPECT_EQ(short_pldm->type, std::optional<uint8_t>(0x05));
  EXPECT_EQ(short_pldm->message[2], static_cast<uint8_t>(wire::ErrorCode::kInvalidRequest));
  ASSERT_TRUE(q.Heartbeat(e.session_id));
}

TEST(ApplicationMessages, PciDoeCarriesSpdmOnly) {
  Established e = Open(std::make_shared<responder::PldmControlResponder>(), session::TransportBinding::PciDoe());
  auto r = e.p.requester->ExchangeApplicationMessage(e.session_id, responder::kMctpTypePldm, kGetTid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
}

TEST(PldmControlResponder, AnswersGetTidAndRefusesTheRest) {
  responder::PldmControlResponder pldm(0x42);
  // Instance ID and header version bits are echoed; Rq is cleared.
  auto tid = pldm.Handle(1, responder::kMctpTypePldm, Bytes{0x93, 0x00, 0x02});
  ASSERT_TRUE(tid);
  EXPECT_EQ(*tid, (Bytes{0x13, 0x00, 0x02, 0x00, 0x42}));
  auto version = pldm.Handle(1, responder::kMctpTypePldm, Bytes{0x80, 0x00, 0x03, 0, 0, 0, 0, 0, 0});
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, (Bytes{0x00, 0x00, 0x03, 0x05}));  // ERROR_UNSUPPORTED_PLDM_CMD
  auto fw_update = pldm.Handle(1, responder::kMctpTypePldm, Bytes{0x81, 0x05, 0x01});
  ASSERT_TRUE(fw_update);
  EXPECT_EQ(*fw_update, (Bytes{0x01, 0x05, 0x01, 0x20}));  // ERROR_INVALID_PLDM_TYPE
  auto with_data = pldm.Handle(1, responder::kMctpTypePldm, Bytes{0x80, 0x00, 0x02, 0xFF});
  ASSERT_TRUE(with_data);
  EXPECT_EQ(*with_data, (Bytes{0x00, 0x00, 0x02, 0x03}));  // ERROR_INVALID_LENGTH
  auto response = pldm.Handle(1, responder::kMctpTypePldm, Bytes{0x00, 0x00, 0x02});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Errc::kMalformed);
  auto not_pldm = pldm.Handle(1, 0x7E, kGetTid);
  ASSERT_FALSE(not_pldm);
  EXPECT_EQ(not_pldm.error().code, Errc::kUnsupported);
}

}  // namespace
}  // namespace ccgpu::spdm
