// The validator against ccgpu's own responder (in process): a conforming
// responder passes every case that applies to it, for each transport binding,
// curve and version set; a responder with a named fault fails the cases that
// check what the fault breaks.
#include "spdm/validator/validator.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

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

// --- groups 4 DIGESTS, 5 CERTIFICATE, 6 CHALLENGE_AUTH (DMTF source audit)

const CaseResult* FindCase(const Report& r, const std::string& id) {
  for (const CaseResult& c : r.cases) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

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

}  // namespace
}  // namespace ccgpu::spdm::validator
