// The validator against ccgpu's own responder (in process): a conforming
// responder passes every case that applies to it, for each transport binding,
// curve and version set; a responder with a named fault fails the cases that
// check what the fault breaks.
#include "spdm/validator/validator.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "spdm/responder/loopback.h"
#include "spdm/responder/responder.h"
#include "spdm/responder/test_support.h"
#include "spdm/session/psk_store.h"

namespace ccgpu::spdm::validator {
namespace {

using responder::Fault;

Report ValidateResponder(responder::ResponderConfig rc, ValidatorConfig vc = {}) {
  auto r = responder::Responder::Create(std::move(rc));
  EXPECT_TRUE(r) << r.error().ToString();
  if (!r) return {};
  LoopbackExchange ex(r->get());
  auto report = Validate(vc, &ex);
  EXPECT_TRUE(report) << report.error().ToString();
  return report ? *report : Report{};
}

std::string Failures(const Report& r) {
  std::string s;
  for (const CaseResult& c : r.cases) {
    for (const AssertionResult& a : c.assertions) {
      if (!a.passed) s += a.id + " " + a.what + ": " + a.detail + "\n";
    }
  }
  return s;
}

// The first case with id `id` (7.9 runs once per version: its 1.2 run).
const CaseResult* FindCase(const Report& r, const std::string& id) {
  for (const CaseResult& c : r.cases) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

// Groups (the number before the first dot) with at least one failed assertion.
std::set<int> FailedGroups(const Report& r) {
  std::set<int> g;
  for (const CaseResult& c : r.cases) {
    if (c.failed()) g.insert(std::stoi(c.id.substr(0, c.id.find('.'))));
  }
  return g;
}

// Groups that ran at least one case with assertions.
std::set<int> ExercisedGroups(const Report& r) {
  std::set<int> g;
  for (const CaseResult& c : r.cases) {
    if (!c.skipped && !c.assertions.empty()) g.insert(std::stoi(c.id.substr(0, c.id.find('.'))));
  }
  return g;
}

// libspdm's test PSK: PSKHint "TestPskHint\0" and PSK "TestPskData\0" (the
// NULs included: 12 bytes each).
Bytes WithNul(const char* s) { return Bytes(s, s + std::strlen(s) + 1); }

std::shared_ptr<const session::PskStore> PskStore(const char* hint, const char* psk) {
  auto store = std::make_shared<session::InMemoryPskStore>();
  const Bytes key = WithNul(psk);
  EXPECT_TRUE(store->Add(WithNul(hint), SecretBytes::CopyOf(key)));
  return store;
}

// The same PSK in the responder and the validator (groups 10 and 11 run).
void ProvisionTestPsk(responder::ResponderConfig& rc, ValidatorConfig& vc) {
  rc.psk_store = PskStore("TestPskHint", "TestPskData");
  vc.psk_store = PskStore("TestPskHint", "TestPskData");
  vc.psk_hint = WithNul("TestPskHint");
}

TEST(ValidatorTest, OurResponderPassesEveryCaseOverMctpP384) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  ValidatorConfig vc;
  ProvisionTestPsk(rc, vc);
  const Report r = ValidateResponder(std::move(rc), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  const auto& all = ImplementedGroups();
  EXPECT_EQ(ExercisedGroups(r), std::set<int>(all.begin(), all.end()));
}

TEST(ValidatorTest, OurResponderPassesEveryCaseOverPciDoeP256) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP256);
  rc.binding = session::TransportBinding::PciDoe();
  ValidatorConfig vc;
  vc.binding = session::TransportBinding::PciDoe();
  ProvisionTestPsk(rc, vc);
  const Report r = ValidateResponder(std::move(rc), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  EXPECT_GT(r.assertions_passed(), 0u);
}

TEST(ValidatorTest, CasesOfVersionsTheResponderDoesNotListAreSkippedNotFailed) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.versions = {wire::kVersion11};
  const Report r = ValidateResponder(std::move(rc));
  EXPECT_TRUE(r.ok()) << Failures(r);
  EXPECT_GT(r.cases_skipped(), 0u);
}

TEST(ValidatorTest, WithoutSecuredMessagesTheSessionGroupsAreSkipped) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  ValidatorConfig vc;
  ProvisionTestPsk(rc, vc);
  vc.binding = std::nullopt;
  vc.groups = {8, 9, 10, 11, 12, 13, 16};
  const Report r = ValidateResponder(std::move(rc), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  EXPECT_EQ(r.assertions_passed(), 0u);
  EXPECT_EQ(r.cases_skipped(), r.cases.size());
  EXPECT_FALSE(r.cases.empty());
}

// With HANDSHAKE_IN_THE_CLEAR_CAP the in-the-clear cases (8.2, 9.2, …) run
// instead of being skipped, and a wrong FINISH_RSP VerifyData fails group 9.
TEST(ValidatorTest, HandshakeInTheClearCasesRunWhenTheResponderOffersIt) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.capabilities |= wire::cap::kHandshakeInTheClear;
  const Report r = ValidateResponder(rc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  bool ran_9_2 = false;
  for (const CaseResult& c : r.cases) ran_9_2 = ran_9_2 || (c.id == "9.2" && !c.skipped && !c.assertions.empty());
  EXPECT_TRUE(ran_9_2);
  rc.fault = Fault::kBadFinishRspVerifyData;
  const Report bad = ValidateResponder(rc);
  EXPECT_TRUE(FailedGroups(bad).count(9)) << Failures(bad);
}

struct FaultCase {
  Fault fault;
  int group;  // a group that must fail
};

class ValidatorFaultTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(ValidatorFaultTest, TheGroupThatChecksWhatTheFaultBreaksFails) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.fault = GetParam().fault;
  const Report r = ValidateResponder(std::move(rc));
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(FailedGroups(r).count(GetParam().group)) << responder::FaultName(GetParam().fault) << "\n" << Failures(r);
}

INSTANTIATE_TEST_SUITE_P(Faults, ValidatorFaultTest,
                         ::testing::Values(FaultCase{Fault::kBadCertChainDigest, 4},
                                           FaultCase{Fault::kBadChallengeSignature, 6},
                                           FaultCase{Fault::kBadMeasurementSignature, 7},
                                           FaultCase{Fault::kBadKeyExchangeSignature, 8},
                                           FaultCase{Fault::kBadResponderVerifyData, 8},
                                           FaultCase{Fault::kWrongVersion, 4},
                                           FaultCase{Fault::kAlgorithmOutsideOffer, 4},
                                           FaultCase{Fault::kWrongDheGroup, 8},
                                           FaultCase{Fault::kTruncatedOpaqueData, 8},
                                           FaultCase{Fault::kReplayedRecord, 7},
                                           FaultCase{Fault::kSkippedSequenceNumber, 7},
                                           FaultCase{Fault::kStaleMeasurement, 7},
                                           FaultCase{Fault::kWrongSessionId, 13}));

TEST(ValidatorTest, UnknownGroupIsInvalidArgument) {
  auto r = responder::Responder::Create(testing::ResponderConfigFor(crypto::Curve::kP384));
  ASSERT_TRUE(r);
  LoopbackExchange ex(r->get());
  ValidatorConfig vc;
  vc.groups = {14};
  auto report = Validate(vc, &ex);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::kInvalidArgument);
}

// --- groups 8 KEY_EXCHANGE_RSP, 9 FINISH_RSP, 12 HEARTBEAT_ACK, 13 KEY_UPDATE_ACK, 16 END_SESSION_ACK (DMTF source audit)

std::size_t CountAssertions(const CaseResult& c, const std::string& id) {
  std::size_t n = 0;
  for (const AssertionResult& a : c.assertions) n += a.id == id ? 1 : 0;
  return n;
}

// The validator over a loopback whose hook may rewrite plain responses;
// `rewrite` sees the plain request it answers.
Report ValidateRewritten(responder::ResponderConfig rc, const std::vector<int>& groups,
                         std::function<void(const Bytes& request, Bytes& response)> rewrite) {
  auto r = responder::Responder::Create(std::move(rc));
  EXPECT_TRUE(r) << r.error().ToString();
  if (!r) return {};
  LoopbackExchange ex(r->get());
  Bytes last_plain_request;
  ex.set_tamper([&](bool to_responder, bool secured, Bytes& bytes) {
    if (secured) return;
    if (to_responder) {
      last_plain_request = bytes;
    } else {
      rewrite(last_plain_request, bytes);
    }
  });
  ValidatorConfig vc;
  vc.groups = groups;
  auto report = Validate(vc, &ex);
  EXPECT_TRUE(report) << report.error().ToString();
  return report ? *report : Report{};
}

bool IsRequest(const Bytes& m, wire::Code code, std::size_t size) {
  return m.size() == size && m[1] == static_cast<uint8_t>(code);
}

// The cases DMTF's sources run that this validator used to skip or run
// differently now run against our responder, and pass: 8.4 and 9.4 (before
// NEGOTIATE_ALGORITHMS), 8.7 at SPDM 1.2, 9.6 with Param2 1..15 and the
// 4-byte FINISH, 12.4 / 13.5 / 16.4 with a session open.
TEST(ValidatorDmtfSessionAuditTest, OurResponderPassesTheCasesAsDmtfRunsThem) {
  ValidatorConfig vc;
  vc.groups = {8, 9, 12, 13, 16};
  const Report r = ValidateResponder(testing::ResponderConfigFor(crypto::Curve::kP384), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  for (const char* id : {"8.4", "8.7", "9.3", "9.4", "9.6", "9.7", "9.9", "9.11", "12.4", "13.5", "16.4"}) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_FALSE(c->skipped) << id << ": " << c->skip_reason;
    EXPECT_FALSE(c->assertions.empty()) << id;
  }
  // 9.6: 15 ReqSlotIDs and the short FINISH, five assertions each.
  EXPECT_EQ(FindCase(r, "9.6")->assertions.size(), 16u * 5u);
  // 8.N.4 is recorded twice per KEY_EXCHANGE_RSP (MutAuthRequested, SlotIDParam).
  const CaseResult* c87 = FindCase(r, "8.7");
  EXPECT_EQ(CountAssertions(*c87, "8.7.4"), 2 * CountAssertions(*c87, "8.7.2"));
  // 9.3 sends NegotiatedVersion-1 and +1: two full ERROR checks.
  EXPECT_EQ(FindCase(r, "9.3")->assertions.size(), 2u * 5u);
}

// 12.4 needs a session whose KEY_EXCHANGE_RSP HeartbeatPeriod is not 0 (as
// DMTF's setup); 13.5 and 16.4 do not.
TEST(ValidatorDmtfSessionAuditTest, HeartbeatOutsideSessionIsSkippedWithoutAHeartbeatPeriod) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.heartbeat_period = 0;
  ValidatorConfig vc;
  vc.groups = {12, 13, 16};
  const Report r = ValidateResponder(std::move(rc), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  EXPECT_TRUE(FindCase(r, "12.4")->skipped);
  EXPECT_FALSE(FindCase(r, "13.5")->skipped);
  EXPECT_FALSE(FindCase(r, "16.4")->skipped);
}

// 8.4: a KEY_EXCHANGE before NEGOTIATE_ALGORITHMS answered with
// InvalidRequest instead of UnexpectedRequest fails 8.4.4 and nothing else.
TEST(ValidatorDmtfSessionAuditTest, KeyExchangeBeforeAlgorithmsWithTheWrongErrorFails) {
  const Report r = ValidateRewritten(testing::ResponderConfigFor(crypto::Curve::kP384), {8},
                                     [](const Bytes& req, Bytes& rsp) {
                                       if (IsRequest(req, wire::Code::kKeyExchange, 42) && rsp.size() >= 4) {
                                         rsp[2] = static_cast<uint8_t>(wire::ErrorCode::kInvalidRequest);
                                       }
                                     });
  EXPECT_EQ(FailedGroups(r), std::set<int>{8}) << Failures(r);
  EXPECT_TRUE(FindCase(r, "8.4")->failed());
  for (const CaseResult& c : r.cases) EXPECT_TRUE(c.id == "8.4" || !c.failed()) << c.id;
}

// 9.4: the 4-byte FINISH before NEGOTIATE_ALGORITHMS answered with
// InvalidRequest fails 9.4.
TEST(ValidatorDmtfSessionAuditTest, FinishBeforeAlgorithmsWithTheWrongErrorFails) {
  const Report r = ValidateRewritten(testing::ResponderConfigFor(crypto::Curve::kP384), {9},
                                     [](const Bytes& req, Bytes& rsp) {
                                       if (IsRequest(req, wire::Code::kFinish, 4) && rsp.size() >= 4) {
                                         rsp[2] = static_cast<uint8_t>(wire::ErrorCode::kInvalidRequest);
                                       }
                                     });
  EXPECT_TRUE(FindCase(r, "9.4")->failed()) << Failures(r);
  for (const CaseResult& c : r.cases) EXPECT_TRUE(c.id == "9.4" || !c.failed()) << c.id;
}

// 12.4 / 13.5 / 16.4: a responder that acknowledges the request in the clear
// while its session is open fails the case.
TEST(ValidatorDmtfSessionAuditTest, SessionOnlyRequestsAcknowledgedInTheClearFail) {
  const Report r = ValidateRewritten(
      testing::ResponderConfigFor(crypto::Curve::kP384), {12, 13, 16}, [](const Bytes& req, Bytes& rsp) {
        if (req.size() != 4 || rsp.size() < 4) return;
        if (req[1] == static_cast<uint8_t>(wire::Code::kHeartbeat)) {
          rsp = Bytes{req[0], static_cast<uint8_t>(wire::Code::kHeartbeatAck), 0, 0};
        } else if (req[1] == static_cast<uint8_t>(wire::Code::kKeyUpdate)) {
          rsp = Bytes{req[0], static_cast<uint8_t>(wire::Code::kKeyUpdateAck), req[2], req[3]};
        } else if (req[1] == static_cast<uint8_t>(wire::Code::kEndSession)) {
          rsp = Bytes{req[0], static_cast<uint8_t>(wire::Code::kEndSessionAck), 0, 0};
        }
      });
  for (const char* id : {"12.4", "13.5", "16.4"}) EXPECT_TRUE(FindCase(r, id)->failed()) << id << "\n" << Failures(r);
}

// --- groups 7 MEASUREMENTS (DMTF source audit)

// DMTF's setup for 7.2, 7.4, 7.5, 7.6 and 7.9 sends CHALLENGE whatever
// MEAS_CAP is; a responder without CHAL_CAP has those cases skipped, not
// failed, and 7.3 (GET_VERSION and GET_CAPABILITIES only) still runs.
TEST(ValidatorTest, MeasurementCasesWhoseDmtfSetupSendsChallengeAreSkippedWithoutChalCap) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.capabilities &= ~wire::cap::kChal;
  ValidatorConfig vc;
  vc.groups = {7};
  const Report r = ValidateResponder(std::move(rc), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  for (const char* id : {"7.2", "7.4", "7.5", "7.6", "7.9"}) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_TRUE(c->skipped) << id;
    EXPECT_NE(c->skip_reason.find("CHAL_CAP"), std::string::npos) << id << ": " << c->skip_reason;
  }
  const CaseResult* c73 = FindCase(r, "7.3");
  ASSERT_NE(c73, nullptr);
  EXPECT_FALSE(c73->skipped);
  EXPECT_FALSE(c73->assertions.empty());
}

// MEAS_CAP == 1: the success cases run unsigned, and 7.4 still sends DMTF's
// signed requests for the unprovisioned slots, which such a responder must
// refuse with InvalidRequest too.
TEST(ValidatorTest, ResponderWithUnsignedMeasurementsOnlyPassesGroup7) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.capabilities = (rc.capabilities & ~wire::cap::kMeasMask) | wire::cap::kMeasNoSig;
  ValidatorConfig vc;
  vc.groups = {7};
  const Report r = ValidateResponder(std::move(rc), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  for (const char* id : {"7.2", "7.3", "7.4", "7.5", "7.6", "7.9"}) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_FALSE(c->skipped) << id << ": " << c->skip_reason;
    EXPECT_FALSE(c->assertions.empty()) << id;
  }
  bool asked_slot_1 = false;
  for (const AssertionResult& a : FindCase(r, "7.4")->assertions) {
    asked_slot_1 = asked_slot_1 || a.detail.find("SlotID 1 ") != std::string::npos;
  }
  EXPECT_TRUE(asked_slot_1) << "7.4 did not ask the unprovisioned slots";
}

// In 1.3 DMTF's 7.4 request (Nonce | SlotIDParam, no RequesterContext) is
// also too short; 7.4 asks each unprovisioned slot both ways.
TEST(ValidatorTest, InvalidSlotCaseSendsDmtfsRequestAndAWellFormedOneIn13) {
  ValidatorConfig vc;
  vc.groups = {7};
  const Report r = ValidateResponder(testing::ResponderConfigFor(crypto::Curve::kP256), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  const CaseResult* c = FindCase(r, "7.4");
  ASSERT_NE(c, nullptr);
  bool dmtf = false, well_formed = false;
  for (const AssertionResult& a : c->assertions) {
    dmtf = dmtf || a.detail.find("(SlotID 1 … SlotID 14)") != std::string::npos;
    well_formed = well_formed || a.detail.find("SlotID 14 (with RequesterContext))") != std::string::npos;
  }
  EXPECT_TRUE(dmtf) << Failures(r);
  EXPECT_TRUE(well_formed);
}

// --- groups 1 VERSION, 2 CAPABILITIES, 3 ALGORITHMS (DMTF source audit)

// A responder that misbehaves in VCA in one of the ways DMTF's sources probe
// for: ccgpu's responder behind a decorator that changes its answers.
enum class VcaMisbehaviour {
  kForgetsStateAfterError,     // after an ERROR: UnexpectedRequest to all but GET_VERSION
  kRepeatsCapabilities,        // an identical second GET_CAPABILITIES gets CAPABILITIES again
  kVersionBeforeOrder,         // NEGOTIATE_ALGORITHMS in SPDMVersion 0: VersionMismatch
  kIgnoresLengthPastMaximum,   // NEGOTIATE_ALGORITHMS Length > 128: bytes past 48 ignored
};

class MisbehavingExchange final : public requester::MessageExchange {
 public:
  MisbehavingExchange(responder::Responder* r, VcaMisbehaviour m) : inner_(r), m_(m) {}

  Result<requester::ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
    if (secured || request.size() < 4) return inner_.Exchange(secured, request);
    const uint8_t code = request[1];
    switch (m_) {
      case VcaMisbehaviour::kForgetsStateAfterError: {
        if (code == 0x84) lost_ = false;  // GET_VERSION
        if (lost_) return Error(0x10, wire::ErrorCode::kUnexpectedRequest);
        auto r = inner_.Exchange(secured, request);
        if (r && r->bytes.size() >= 2 && r->bytes[1] == 0x7F) lost_ = true;
        return r;
      }
      case VcaMisbehaviour::kRepeatsCapabilities: {
        if (code == 0x84) last_caps_request_.clear();  // GET_VERSION starts over
        if (code == 0xE1 && !last_caps_request_.empty() && Bytes(request.begin(), request.end()) == last_caps_request_) {
          return requester::ExchangeMessage{false, last_caps_response_};
        }
        auto r = inner_.Exchange(secured, request);
        if (code == 0xE1 && r && r->bytes.size() >= 2 && r->bytes[1] == 0x61) {
          last_caps_request_.assign(request.begin(), request.end());
          last_caps_response_ = r->bytes;
        }
        return r;
      }
      case VcaMisbehaviour::kVersionBeforeOrder:
        if (code == 0xE3 && request[0] == 0) return Error(0x10, wire::ErrorCode::kVersionMismatch);
        return inner_.Exchange(secured, request);
      case VcaMisbehaviour::kIgnoresLengthPastMaximum:
        if (code == 0xE3 && request.size() > wire::kMaxNegotiateAlgorithmsLength) {
          Bytes cut(request.begin(), request.begin() + 48);
          cut[4] = 48;
          cut[5] = 0;
          return inner_.Exchange(secured, cut);
        }
        return inner_.Exchange(secured, request);
    }
    return inner_.Exchange(secured, request);
  }

 private:
  static Result<requester::ExchangeMessage> Error(uint8_t version, wire::ErrorCode code) {
    return requester::ExchangeMessage{false, Bytes{version, 0x7F, static_cast<uint8_t>(code), 0}};
  }
  LoopbackExchange inner_;
  VcaMisbehaviour m_;
  bool lost_ = false;
  Bytes last_caps_request_, last_caps_response_;
};

// Cases (N.M) with at least one failed assertion.
std::set<std::string> FailedCases(const Report& r) {
  std::set<std::string> out;
  for (const CaseResult& c : r.cases) {
    if (c.failed()) out.insert(c.id);
  }
  return out;
}

Report ValidateMisbehaving(VcaMisbehaviour m) {
  auto r = responder::Responder::Create(testing::ResponderConfigFor(crypto::Curve::kP384));
  EXPECT_TRUE(r) << r.error().ToString();
  if (!r) return {};
  MisbehavingExchange ex(r->get(), m);
  ValidatorConfig vc;
  vc.groups = {1, 2, 3};
  auto report = Validate(vc, &ex);
  EXPECT_TRUE(report) << report.error().ToString();
  return report ? *report : Report{};
}

TEST(ValidatorVcaAuditTest, OurResponderPassesGroupsOneToThreeInEveryVersionSet) {
  for (const std::vector<uint8_t>& versions :
       {std::vector<uint8_t>{wire::kVersion11}, std::vector<uint8_t>{wire::kVersion12},
        std::vector<uint8_t>{wire::kVersion13}, std::vector<uint8_t>{wire::kVersion11, wire::kVersion12},
        std::vector<uint8_t>{wire::kVersion11, wire::kVersion12, wire::kVersion13}}) {
    responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
    rc.versions = versions;
    ValidatorConfig vc;
    vc.groups = {1, 2, 3};
    const Report r = ValidateResponder(std::move(rc), vc);
    EXPECT_TRUE(r.ok()) << Failures(r);
    EXPECT_GT(r.assertions_passed(), 0u);
  }
}

// DMTF's 2.4, 2.2 and 3.4 send their invalid requests back to back after one
// setup: a responder that forgets its state after an ERROR fails them.
TEST(ValidatorVcaAuditTest, ResponderThatForgetsStateAfterAnErrorFailsTheInvalidRequestCases) {
  const std::set<std::string> failed = FailedCases(ValidateMisbehaving(VcaMisbehaviour::kForgetsStateAfterError));
  EXPECT_TRUE(failed.count("2.4")) << ::testing::PrintToString(failed);
  EXPECT_TRUE(failed.count("3.2")) << ::testing::PrintToString(failed);
  EXPECT_TRUE(failed.count("3.4")) << ::testing::PrintToString(failed);
}

// DMTF's 2.6 sends the first GET_CAPABILITIES again unchanged and expects
// ERROR(UnexpectedRequest).
TEST(ValidatorVcaAuditTest, ResponderThatAnswersARepeatedGetCapabilitiesFailsCase2_6) {
  const std::set<std::string> failed = FailedCases(ValidateMisbehaving(VcaMisbehaviour::kRepeatsCapabilities));
  EXPECT_EQ(failed, std::set<std::string>{"2.6"});
}

// DMTF's 3.3 sends NEGOTIATE_ALGORITHMS in SPDMVersion 0 before
// GET_CAPABILITIES: out of order is the error, not the version.
TEST(ValidatorVcaAuditTest, ResponderThatJudgesTheVersionBeforeTheOrderFailsCase3_3) {
  const std::set<std::string> failed = FailedCases(ValidateMisbehaving(VcaMisbehaviour::kVersionBeforeOrder));
  EXPECT_EQ(failed, std::set<std::string>{"3.3"});
}

// DMTF's 3.4 sends a NEGOTIATE_ALGORITHMS whose Length (and size) is 48 + 129.
TEST(ValidatorVcaAuditTest, ResponderThatIgnoresLengthPastTheMaximumFailsCase3_4) {
  const std::set<std::string> failed = FailedCases(ValidateMisbehaving(VcaMisbehaviour::kIgnoresLengthPastMaximum));
  EXPECT_EQ(failed, std::set<std::string>{"3.4"});
}

// --- groups 4 DIGESTS, 5 CERTIFICATE, 6 CHALLENGE_AUTH (DMTF source audit)

// Every case of DMTF's current sources for groups 4-6 that applies to a 1.1-1.3
// responder runs against ours and passes (none is skipped).
TEST(ValidatorCertGroupsTest, EveryDmtfCaseOfGroups4To6RunsAndPasses) {
  ValidatorConfig vc;
  vc.groups = {4, 5, 6};
  const Report r = ValidateResponder(testing::ResponderConfigFor(crypto::Curve::kP384), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  for (const char* id : {"4.1", "4.2", "4.3", "5.1", "5.2", "5.4", "5.6", "6.1", "6.2", "6.3", "6.4", "6.6", "6.11",
                         "6.12", "6.13", "6.14", "6.15", "6.16", "6.17", "6.18"}) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_FALSE(c->skipped) << id << ": " << c->skip_reason;
    EXPECT_FALSE(c->assertions.empty()) << id;
  }
}

// 4.3 (SPDM 1.3 DIGESTS): a SupportedSlotMask without slot 0 fails 4.3.4 and
// 4.3.5 (the provisioned slot 0 is not among the supported ones).
TEST(ValidatorCertGroupsTest, Digests13WithoutSupportedSlotMaskFails43) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.fault = Fault::kNoSupportedSlotMask;
  ValidatorConfig vc;
  vc.groups = {4};
  const Report r = ValidateResponder(std::move(rc), vc);
  std::set<std::string> failed;
  for (const CaseResult& c : r.cases) {
    for (const AssertionResult& a : c.assertions) {
      if (!a.passed) failed.insert(a.id);
    }
  }
  EXPECT_EQ(failed, (std::set<std::string>{"4.3.4", "4.3.5"})) << Failures(r);
}

// 4.3 also fails on a DIGESTS in the wrong version; the SPDM 1.2 responder
// skips it (DMTF runs it only when 1.3 is listed).
TEST(ValidatorCertGroupsTest, Digests13CaseFailsOnWrongVersionAndIsSkippedBelow13) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.fault = Fault::kWrongVersion;
  ValidatorConfig vc;
  vc.groups = {4};
  const Report bad = ValidateResponder(rc, vc);
  const CaseResult* c = FindCase(bad, "4.3");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->failed()) << Failures(bad);

  rc.fault = Fault::kNone;
  rc.versions = {wire::kVersion11, wire::kVersion12};
  const Report below = ValidateResponder(rc, vc);
  EXPECT_TRUE(below.ok()) << Failures(below);
  c = FindCase(below, "4.3");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->skipped);
}

// The A2 cases (6.15-6.18: a CHALLENGE, then B, then the checked CHALLENGE)
// check the second CHALLENGE_AUTH's signature over A || B || C.
TEST(ValidatorCertGroupsTest, BadChallengeSignatureFailsTheA2Cases) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.fault = Fault::kBadChallengeSignature;
  ValidatorConfig vc;
  vc.groups = {6};
  const Report r = ValidateResponder(std::move(rc), vc);
  for (const char* id : {"6.11", "6.12", "6.13", "6.14", "6.15", "6.16", "6.17", "6.18"}) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_TRUE(c->failed()) << id << "\n" << Failures(r);
  }
}

// --- groups 7 MEASUREMENTS, session cases 7.7, 7.8 and 7.10 (DMTF source audit)

// The session cases run from DMTF's group-7 setup, which sends CHALLENGE
// (CHAL_CAP) and, for them, opens a session (KEY_EX_CAP): without either
// they are skipped, naming the capability, while 7.6 still runs without
// KEY_EX_CAP.
TEST(ValidatorMeasurementsSessionAuditTest, SessionCasesAreSkippedWithoutChalCapOrKeyExCap) {
  for (const uint32_t cap : {wire::cap::kChal, wire::cap::kKeyEx}) {
    responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
    rc.capabilities &= ~cap;
    ValidatorConfig vc;
    vc.groups = {7};
    const Report r = ValidateResponder(std::move(rc), vc);
    EXPECT_TRUE(r.ok()) << Failures(r);
    const char* name = cap == wire::cap::kChal ? "CHAL_CAP" : "KEY_EX_CAP";
    for (const char* id : {"7.7", "7.8", "7.10"}) {
      const CaseResult* c = FindCase(r, id);
      ASSERT_NE(c, nullptr) << id;
      EXPECT_TRUE(c->skipped) << id;
      EXPECT_NE(c->skip_reason.find(name), std::string::npos) << id << ": " << c->skip_reason;
    }
    EXPECT_EQ(FindCase(r, "7.6")->skipped, cap == wire::cap::kChal);
  }
}

// 7.7 and 7.10 run DMTF's count / all / each-index flow inside the session,
// signed (SlotID and, in 1.2, ContentChanged checked at 7.10.14 as at
// 7.10.7 and 7.10.21); 7.8 negotiates 1.2 although 1.3 is listed (DMTF's
// setup offers 1.2 and 1.1 only).
TEST(ValidatorMeasurementsSessionAuditTest, OurResponderPassesTheSessionCasesAsDmtfRunsThem) {
  ValidatorConfig vc;
  vc.groups = {7};
  const Report r = ValidateResponder(testing::ResponderConfigFor(crypto::Curve::kP384), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  for (const char* id : {"7.7", "7.8", "7.10"}) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_FALSE(c->skipped) << id << ": " << c->skip_reason;
  }
  bool content_changed_14 = false, version_12 = false;
  for (const AssertionResult& a : FindCase(r, "7.10")->assertions) {
    content_changed_14 =
        content_changed_14 || (a.id == "7.10.14" && a.what.find("ContentChanged") != std::string::npos);
  }
  for (const AssertionResult& a : FindCase(r, "7.8")->assertions) {
    version_12 = version_12 || (a.id == "7.8.3" && a.what.find("0x12") != std::string::npos);
  }
  EXPECT_TRUE(content_changed_14);
  EXPECT_TRUE(version_12);
}

// The in-session cases catch what breaks measurements inside a session: a
// bad signature fails both; a record fault (which the responder commits once)
// fails the first session case, 7.7.
TEST(ValidatorMeasurementsSessionAuditTest, SessionMeasurementFaultsFailTheSessionCases) {
  for (const Fault f : {Fault::kBadMeasurementSignature, Fault::kReplayedRecord, Fault::kSkippedSequenceNumber}) {
    responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
    rc.fault = f;
    ValidatorConfig vc;
    vc.groups = {7};
    const Report r = ValidateResponder(std::move(rc), vc);
    std::vector<const char*> ids = {"7.7"};
    if (f == Fault::kBadMeasurementSignature) ids.push_back("7.10");
    for (const char* id : ids) {
      const CaseResult* c = FindCase(r, id);
      ASSERT_NE(c, nullptr) << id;
      EXPECT_TRUE(c->failed()) << responder::FaultName(f) << " " << id << "\n" << Failures(r);
    }
  }
}

// A responder that answers the first secured request after KEY_EXCHANGE with
// an ERROR(UnexpectedRequest) in the clear: a requester in a session (libspdm
// in DMTF's program) takes no such reply, so 7.8 fails although the ERROR's
// fields are the ones 7.8.1-5 expect.
class ClearErrorInHandshakeExchange final : public requester::MessageExchange {
 public:
  explicit ClearErrorInHandshakeExchange(responder::Responder* r) : inner_(r) {}

  Result<requester::ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
    if (!secured && request.size() >= 2 && request[1] == static_cast<uint8_t>(wire::Code::kKeyExchange)) {
      pending_ = true;
      version_ = request[0];
    } else if (secured && pending_) {
      pending_ = false;
      return requester::ExchangeMessage{
          false, Bytes{version_, static_cast<uint8_t>(wire::Code::kError),
                       static_cast<uint8_t>(wire::ErrorCode::kUnexpectedRequest), 0}};
    }
    return inner_.Exchange(secured, request);
  }

 private:
  LoopbackExchange inner_;
  bool pending_ = false;
  uint8_t version_ = 0;
};

TEST(ValidatorMeasurementsSessionAuditTest, ErrorInTheClearDuringTheHandshakeFailsCase7_8) {
  auto r = responder::Responder::Create(testing::ResponderConfigFor(crypto::Curve::kP384));
  ASSERT_TRUE(r) << r.error().ToString();
  ClearErrorInHandshakeExchange ex(r->get());
  ValidatorConfig vc;
  vc.groups = {7};
  auto report = Validate(vc, &ex);
  ASSERT_TRUE(report) << report.error().ToString();
  const CaseResult* c = FindCase(*report, "7.8");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->failed());
  bool in_clear = false;
  for (const AssertionResult& a : c->assertions) {
    in_clear = in_clear || a.detail.find("in the clear") != std::string::npos;
  }
  EXPECT_TRUE(in_clear) << Failures(*report);
}

}  // namespace
}  // namespace ccgpu::spdm::validator

namespace ccgpu::spdm::validator {
namespace {

// --- Large messages: 5.8 and groups 19 / 20 -------------------------------

const char* const kChunkCases[] = {"5.8", "19.1", "19.2", "20.1", "20.2"};

TEST(ValidatorChunkTest, ChunkCasesRunAndPass) {
  ValidatorConfig vc;
  vc.groups = {5, 19, 20};
  const Report r = ValidateResponder(testing::ResponderConfigFor(crypto::Curve::kP384), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  for (const char* id : kChunkCases) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_FALSE(c->skipped) << id << ": " << c->skip_reason;
    EXPECT_FALSE(c->failed()) << id;
    EXPECT_GE(c->assertions.size(), 5u) << id;
  }
}

TEST(ValidatorChunkTest, SkippedWithoutChunkCap) {
  auto rc = testing::ResponderConfigFor(crypto::Curve::kP256);
  rc.capabilities &= ~wire::cap::kChunk;
  ValidatorConfig vc;
  vc.groups = {5, 19, 20};
  const Report r = ValidateResponder(std::move(rc), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  for (const char* id : kChunkCases) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_TRUE(c->skipped) << id;
  }
}

// The chunk checks can fail: a host that rewrites chunk messages on the way
// back is caught by the case that looks at them.
TEST(ValidatorChunkTest, TamperedChunkMessagesFailTheirCases) {
  struct Tamper {
    wire::Code code;
    std::size_t at;
    uint8_t flip;
    const char* failing_case;
  };
  const Tamper tampers[] = {
      {wire::Code::kChunkSendAck, 2, wire::kChunkEarlyErrorDetected, "19.1"},  // EarlyErrorDetected on a good chunk
      {wire::Code::kChunkSendAck, 3, 0x01, "19.1"},                            // another handle
      {wire::Code::kChunkResponse, 4, 0x01, "20.1"},                           // ChunkSeqNo
  };
  for (const Tamper& t : tampers) {
    SCOPED_TRACE(t.failing_case);
    auto r = responder::Responder::Create(testing::ResponderConfigFor(crypto::Curve::kP384));
    ASSERT_TRUE(r);
    LoopbackExchange ex(r->get());
    ex.set_tamper([&](bool to_responder, bool, Bytes& b) {
      if (!to_responder && b.size() > t.at && b[1] == static_cast<uint8_t>(t.code)) b[t.at] ^= t.flip;
    });
    ValidatorConfig vc;
    vc.groups = {19, 20};
    auto report = Validate(vc, &ex);
    ASSERT_TRUE(report) << report.error().ToString();
    const CaseResult* c = FindCase(*report, t.failing_case);
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(c->failed()) << "the tamper went unnoticed";
  }
}

}  // namespace
}  // namespace ccgpu::spdm::validator

namespace ccgpu::spdm::validator {
namespace {

// --- groups 10 PSK_EXCHANGE_RSP and 11 PSK_FINISH_RSP ------------------------

const char* const kPskExchangeCases[] = {"10.1", "10.2", "10.3", "10.4", "10.5", "10.6"};
const char* const kPskFinishCases[] = {"11.1", "11.2", "11.3", "11.4", "11.5", "11.6", "11.7", "11.8"};

Report ValidatePsk(responder::ResponderConfig rc, ValidatorConfig vc) {
  vc.groups = {10, 11};
  return ValidateResponder(std::move(rc), std::move(vc));
}

// Assertion ids (N.M.K) that failed.
std::set<std::string> FailedAssertions(const Report& r) {
  std::set<std::string> out;
  for (const CaseResult& c : r.cases) {
    for (const AssertionResult& a : c.assertions) {
      if (!a.passed) out.insert(a.id);
    }
  }
  return out;
}

std::size_t GroupAssertions(const Report& r, const std::string& group) {
  std::size_t n = 0;
  for (const CaseResult& c : r.cases) n += c.id.rfind(group + ".", 0) == 0 ? c.assertions.size() : 0;
  return n;
}

// PSK_CAP with context (the responder's default with a store): every case of
// both groups runs and passes. Counts: 10.1 / 10.6 three PSK_EXCHANGEs
// (NoMeasurement, TCB, All: MEAS_CAP is set) of 5 assertions, 10.2 two
// versions, 10.5 four invalid requests; 11.6 and 11.8 list 4 assertions.
TEST(ValidatorPskTest, GroupsTenAndElevenRunAndPassWithContext) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  ValidatorConfig vc;
  ProvisionTestPsk(rc, vc);
  const Report r = ValidatePsk(std::move(rc), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  for (const auto& ids : {std::vector<const char*>(std::begin(kPskExchangeCases), std::end(kPskExchangeCases)),
                          std::vector<const char*>(std::begin(kPskFinishCases), std::end(kPskFinishCases))}) {
    for (const char* id : ids) {
      const CaseResult* c = FindCase(r, id);
      ASSERT_NE(c, nullptr) << id;
      EXPECT_FALSE(c->skipped) << id << ": " << c->skip_reason;
      EXPECT_FALSE(c->failed()) << id;
      EXPECT_GE(c->assertions.size(), 3u) << id;
    }
  }
  EXPECT_EQ(FindCase(r, "10.1")->assertions.size(), 3u * 5u);
  EXPECT_EQ(FindCase(r, "10.6")->assertions.size(), 3u * 5u);
  EXPECT_EQ(FindCase(r, "10.2")->assertions.size(), 2u * 5u);
  EXPECT_EQ(FindCase(r, "10.5")->assertions.size(), 4u * 5u);
  EXPECT_EQ(FindCase(r, "11.6")->assertions.size(), 4u);
  EXPECT_EQ(FindCase(r, "11.8")->assertions.size(), 4u);
  EXPECT_EQ(GroupAssertions(r, "10"), 70u);
  EXPECT_EQ(GroupAssertions(r, "11"), 39u);
  // 10.x.4 judged the context against PSK_CAP 10b.
  bool context_checked = false;
  for (const AssertionResult& a : FindCase(r, "10.6")->assertions) {
    context_checked = context_checked || (a.id == "10.6.4" && a.what.find("> 0") != std::string::npos);
  }
  EXPECT_TRUE(context_checked);
}

// PSK_CAP without context (01b): group 10 runs and passes (ResponderContext
// empty, the session established by PSK_EXCHANGE_RSP for 10.4); group 11 is
// skipped, there is no PSK_FINISH.
TEST(ValidatorPskTest, WithoutContextGroupTenPassesAndGroupElevenIsSkipped) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
  rc.capabilities = (rc.capabilities & ~wire::cap::kPskMask) | wire::cap::kPsk;
  ValidatorConfig vc;
  ProvisionTestPsk(rc, vc);
  const Report r = ValidatePsk(std::move(rc), vc);
  EXPECT_TRUE(r.ok()) << Failures(r);
  for (const char* id : kPskExchangeCases) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_FALSE(c->skipped) << id << ": " << c->skip_reason;
    EXPECT_FALSE(c->assertions.empty()) << id;
  }
  bool context_checked = false;
  for (const AssertionResult& a : FindCase(r, "10.1")->assertions) {
    context_checked = context_checked || (a.id == "10.1.4" && a.what.find("== 0") != std::string::npos);
  }
  EXPECT_TRUE(context_checked);
  for (const char* id : kPskFinishCases) {
    const CaseResult* c = FindCase(r, id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_TRUE(c->skipped) << id;
    EXPECT_NE(c->skip_reason.find("PSK_CAP with context"), std::string::npos) << id << ": " << c->skip_reason;
  }
}

// No PSK in the validator, or none in the responder (PSK_CAP 0): every case
// is skipped, saying why.
TEST(ValidatorPskTest, SkippedWithoutAPskOnEitherSide) {
  {
    responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
    ValidatorConfig vc;
    ProvisionTestPsk(rc, vc);
    vc.psk_store = nullptr;
    const Report r = ValidatePsk(std::move(rc), vc);
    EXPECT_TRUE(r.ok()) << Failures(r);
    EXPECT_EQ(r.cases.size(), 14u);
    EXPECT_EQ(r.cases_skipped(), r.cases.size());
    for (const CaseResult& c : r.cases) EXPECT_NE(c.skip_reason.find("psk_store"), std::string::npos) << c.id;
  }
  {
    ValidatorConfig vc;
    vc.psk_store = PskStore("TestPskHint", "TestPskData");
    vc.psk_hint = WithNul("TestPskHint");
    const Report r = ValidatePsk(testing::ResponderConfigFor(crypto::Curve::kP384), vc);  // no responder store
    EXPECT_TRUE(r.ok()) << Failures(r);
    EXPECT_EQ(r.cases_skipped(), r.cases.size());
    for (const CaseResult& c : r.cases) EXPECT_NE(c.skip_reason.find("PSK_CAP"), std::string::npos) << c.id;
  }
}

// The HMAC check can fail: a validator that holds another PSK under the same
// hint fails 10.x.5 (and nothing else in 10.1 / 10.6); a responder whose
// ResponderVerifyData is wrong (kBadResponderVerifyData) fails 10.x.5 too.
TEST(ValidatorPskTest, AnotherPskOrABadResponderVerifyDataFailsTheHmacAssertion) {
  {
    responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
    ValidatorConfig vc;
    ProvisionTestPsk(rc, vc);
    vc.psk_store = PskStore("TestPskHint", "OtherPskData");
    const Report r = ValidatePsk(std::move(rc), vc);
    const std::set<std::string> failed = FailedAssertions(r);
    EXPECT_TRUE(failed.count("10.1.5")) << Failures(r);
    EXPECT_TRUE(failed.count("10.6.5")) << Failures(r);
    for (const char* id : {"10.1.1", "10.1.2", "10.1.3", "10.1.4", "10.6.1", "10.6.2", "10.6.3", "10.6.4"}) {
      EXPECT_FALSE(failed.count(id)) << id;
    }
  }
  {
    responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP384);
    rc.fault = Fault::kBadResponderVerifyData;
    ValidatorConfig vc;
    ProvisionTestPsk(rc, vc);
    const Report r = ValidatePsk(std::move(rc), vc);
    const std::set<std::string> failed = FailedAssertions(r);
    EXPECT_TRUE(failed.count("10.1.5")) << Failures(r);
    EXPECT_TRUE(failed.count("10.6.5")) << Failures(r);
    EXPECT_FALSE(failed.count("10.1.2"));
  }
}

// A PSKHint longer than any responder takes is a config error.
TEST(ValidatorPskTest, OverlongPskHintIsInvalidArgument) {
  auto r = responder::Responder::Create(testing::ResponderConfigFor(crypto::Curve::kP384));
  ASSERT_TRUE(r);
  LoopbackExchange ex(r->get());
  ValidatorConfig vc;
  vc.psk_hint = Bytes(session::kMaxPskHintSize + 1, 'h');
  auto report = Validate(vc, &ex);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ccgpu::spdm::validator
