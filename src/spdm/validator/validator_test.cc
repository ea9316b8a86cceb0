// The validator against ccgpu's own responder (in process): a conforming
// responder passes every case that applies to it, for each transport binding,
// curve and version set; a responder with a named fault fails the cases that
// check what the fault breaks.
#include "spdm/validator/validator.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "spdm/responder/loopback.h"
#include "spdm/responder/responder.h"
#include "spdm/responder/test_support.h"

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

TEST(ValidatorTest, OurResponderPassesEveryCaseOverMctpP384) {
  const Report r = ValidateResponder(testing::ResponderConfigFor(crypto::Curve::kP384));
  EXPECT_TRUE(r.ok()) << Failures(r);
  const auto& all = ImplementedGroups();
  EXPECT_EQ(ExercisedGroups(r), std::set<int>(all.begin(), all.end()));
}

TEST(ValidatorTest, OurResponderPassesEveryCaseOverPciDoeP256) {
  responder::ResponderConfig rc = testing::ResponderConfigFor(crypto::Curve::kP256);
  rc.binding = session::TransportBinding::PciDoe();
  ValidatorConfig vc;
  vc.binding = session::TransportBinding::PciDoe();
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
  ValidatorConfig vc;
  vc.binding = std::nullopt;
  vc.groups = {8, 9, 12, 13, 16};
  const Report r = ValidateResponder(testing::ResponderConfigFor(crypto::Curve::kP384), vc);
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
  vc.groups = {10};
  auto report = Validate(vc, &ex);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::kInvalidArgument);
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

}  // namespace
}  // namespace ccgpu::spdm::validator
