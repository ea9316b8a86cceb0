#include "attest/measurements.h"

#include <gtest/gtest.h>

#include "attest/test_data.h"
#include "base/encoding.h"

namespace ccgpu::attest {
namespace {

Evidence V213() {
  auto blob = HexDecode(TrimAsciiWhitespace(testing::ReadNvidia(kV213Samples + "attestationReport.txt")));
  return ParseEvidence(blob.value(), DeviceKind::kGpu).value();
}

GoldenMeasurement G(const Evidence& ev, uint32_t index, bool active = true) {
  GoldenMeasurement g;
  g.index = index;
  g.active = active;
  g.size = 48;
  g.alternatives.push_back(ev.response.Block(static_cast<uint8_t>(index + 1))->value);
  return g;
}

TEST(MeasurementsTest, RimIndexIComparesWithBlockIPlusOne) {
  const Evidence ev = V213();
  GoldenValues drv{RimRole::kDriver, "d", {G(ev, 7), G(ev, 21)}};
  auto r = CompareMeasurements(ev, {&drv});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->success);
  EXPECT_EQ(r->compared, 2u);
  // Shifting the index by one makes them mismatch.
  drv.measurements[0].index = 8;
  r = CompareMeasurements(ev, {&drv});
  EXPECT_FALSE(r->success);
  ASSERT_EQ(r->mismatches.size(), 1u);
  EXPECT_EQ(r->mismatches[0].index, 8u);
  EXPECT_EQ(r->mismatches[0].runtime, ev.response.Block(9)->value);
}

TEST(MeasurementsTest, AnyAlternativeMatches) {
  const Evidence ev = V213();
  GoldenMeasurement g = G(ev, 23);
  g.alternatives.insert(g.alternatives.begin(), Bytes(48, 0xAB));
  GoldenValues drv{RimRole::kDriver, "d", {g}};
  EXPECT_TRUE(CompareMeasurements(ev, {&drv})->success);
  g.alternatives.erase(g.alternatives.begin() + 1);
  GoldenValues bad{RimRole::kDriver, "d", {g}};
  EXPECT_FALSE(CompareMeasurements(ev, {&bad})->success);
}

TEST(MeasurementsTest, InactiveEntriesAreIgnored) {
  const Evidence ev = V213();
  GoldenMeasurement g = G(ev, 3, false);
  g.alternatives[0][0] ^= 1;
  GoldenValues drv{RimRole::kDriver, "d", {g}};
  auto r = CompareMeasurements(ev, {&drv});
  EXPECT_TRUE(r->success);
  EXPECT_EQ(r->compared, 0u);
}

TEST(MeasurementsTest, Index35SkippedWhenNvdec0Disabled) {
  Evidence ev = V213();
  ASSERT_EQ(ev.response.opaque.nvdec0_status, kNvdec0Disabled);
  GoldenMeasurement g = G(ev, 35);
  g.alternatives[0][0] ^= 1;
  GoldenValues drv{RimRole::kDriver, "d", {g}};
  auto r = CompareMeasurements(ev, {&drv});
  EXPECT_TRUE(r->success);
  ASSERT_EQ(r->skipped_indices.size(), 1u);
  EXPECT_EQ(r->skipped_indices[0], 35u);
  ev.response.opaque.nvdec0_status = kNvdec0Enabled;
  EXPECT_FALSE(CompareMeasurements(ev, {&drv})->success);
  ev.response.opaque.nvdec0_status = 0x12;
  EXPECT_EQ(CompareMeasurements(ev, {&drv}).error().code, Errc::kMalformed);
}

TEST(MeasurementsTest, DriverVbiosIndexConflictIsAnError) {
  const Evidence ev = V213();
  GoldenValues drv{RimRole::kDriver, "d", {G(ev, 9)}};
  GoldenValues vb{RimRole::kVbios, "v", {G(ev, 9)}};
  auto r = CompareMeasurements(ev, {&drv, &vb});
  EXPECT_FALSE(r->success);
  EXPECT_TRUE(r->index_conflict);
  EXPECT_EQ(r->conflicting_indices, std::vector<uint32_t>{9});
}

TEST(MeasurementsTest, SizeMismatchAndMissingBlockAreMismatches) {
  const Evidence ev = V213();
  GoldenMeasurement g = G(ev, 1);
  g.alternatives[0].pop_back();
  GoldenMeasurement missing = G(ev, 1);
  missing.index = 100;
  GoldenValues vb{RimRole::kVbios, "v", {g, missing}};
  auto r = CompareMeasurements(ev, {&vb});
  ASSERT_EQ(r->mismatches.size(), 2u);
  EXPECT_EQ(r->mismatches[0].source, RimRole::kVbios);
  EXPECT_TRUE(r->mismatches[1].runtime.empty());
  EXPECT_EQ(MeasurementSourceName(RimRole::kVbios), "firmware");
}

}  // namespace
}  // namespace ccgpu::attest
