// Real captured messages: the four spdm-emu sessions (VCA, DIGESTS,
// KEY_EXCHANGE, KEY_EXCHANGE_RSP, FINISH, FINISH_RSP for 1.1/1.2/1.3) and
// NVIDIA's H100 GET_MEASUREMENTS + MEASUREMENTS evidence (SPDM 1.1).
#include <gtest/gtest.h>

#include "spdm/wire/message.h"
#include "spdm/wire/opaque.h"
#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::LoadKat;
using testing::P384;
using testing::Split;

struct Vca {
  Bytes get_version, version, get_caps, caps, nego, algs, digests;
};

Vca SplitVca(const Bytes& vca, uint8_t v) {
  const testing::CapturedVca c = testing::SplitCapturedVca(vca, v);
  return Vca{c.get_version, c.version, c.get_capabilities, c.capabilities, c.negotiate_algorithms, c.algorithms, c.rest};
}

class CapturedSession : public ::testing::TestWithParam<const char*> {};

TEST_P(CapturedSession, VcaMessagesRoundTripAndHoldTheNegotiatedValues) {
  auto kat = LoadKat(GetParam());
  const uint8_t v = kat.at("SPDMVersion")[0];
  Vca vca = SplitVca(kat.at("VCA"), v);
  ParseParams pre;  // VCA parses before anything is negotiated
  CheckCodec(vca.get_version, pre, ParseGetVersion, SerializeGetVersion);
  CheckCodec(vca.version, pre, ParseVersion, SerializeVersion);
  CheckCodec(vca.get_caps, pre, ParseGetCapabilities, SerializeGetCapabilities);
  CheckCodec(vca.caps, pre, ParseCapabilities, SerializeCapabilities);
  CheckCodec(vca.nego, pre, ParseNegotiateAlgorithms,
             SerializeNegotiateAlgorithms);
  CheckCodec(vca.algs, pre, ParseAlgorithms, SerializeAlgorithms);

  auto version = ParseVersion(vca.version, pre);
  ASSERT_TRUE(version);
  ASSERT_EQ(version->entries.size(), 1u);
  EXPECT_EQ(version->entries[0].version_byte(), v);

  auto req_caps = ParseGetCapabilities(vca.get_caps, pre);
  auto rsp_caps = ParseCapabilities(vca.caps, pre);
  ASSERT_TRUE(req_caps && rsp_caps);
  EXPECT_EQ(req_caps->version, v);
  EXPECT_TRUE(rsp_caps->flags & cap::kKeyEx);
  EXPECT_TRUE(rsp_caps->flags & cap::kEncrypt);
  EXPECT_TRUE(rsp_caps->flags & cap::kCert);
  EXPECT_EQ(rsp_caps->flags & cap::kMeasMask, cap::kMeasSig);
  if (v >= kVersion12) {
    EXPECT_EQ(req_caps->data_transfer_size, 0x1200u);
    EXPECT_GE(rsp_caps->max_spdm_msg_size, rsp_caps->data_transfer_size);
  } else {
    EXPECT_EQ(req_caps->data_transfer_size, 0u);
  }

  auto algs = ParseAlgorithms(vca.algs, pre);
  ASSERT_TRUE(algs);
  EXPECT_EQ(algs->base_asym_sel, alg::kEcdsaP384);
  EXPECT_EQ(algs->base_hash_sel, alg::kSha384);
  EXPECT_EQ(algs->measurement_hash_algo, alg::kMeasSha512);  // spdm-emu default
  EXPECT_EQ(algs->measurement_specification_sel, alg::kMeasSpecDmtf);
  EXPECT_EQ(algs->Selected(alg::kAlgTypeDhe), alg::kSecp384r1);
  EXPECT_EQ(algs->Selected(alg::kAlgTypeAead), alg::kAes256Gcm);
  EXPECT_EQ(algs->Selected(alg::kAlgTypeKeySchedule), alg::kKeyScheduleSpdm);
  EXPECT_EQ(HashSize(algs->base_hash_sel), 48u);
  EXPECT_EQ(SignatureSize(algs->base_asym_sel), 96u);
  EXPECT_EQ(DheExchangeSize(algs->Selected(alg::kAlgTypeDhe)), 96u);
  if (v >= kVersion12) {
    EXPECT_EQ(algs->other_params_selection & alg::kOpaqueDataFmtMask,
              alg::kOpaqueDataFmt1);
  } else {
    EXPECT_EQ(algs->other_params_selection, 0);
  }
  if (v >= kVersion13) {
    // MultiKeyConnRsp: the responder can negotiate multi-key (MULTI_KEY_CAP
    // = 10b) and the requester asked for MULTI_KEY_CONN.
    auto nego = ParseNegotiateAlgorithms(vca.nego, pre);
    ASSERT_TRUE(nego);
    EXPECT_TRUE(nego->other_params_support & alg::kMultiKeyConn);
    EXPECT_EQ(rsp_caps->flags & cap::kMultiKeyMask, cap::kMultiKeyNeg);
    EXPECT_EQ(algs->mel_specification_sel, alg::kMelSpecDmtf);
    ASSERT_FALSE(vca.digests.empty());
    ParseParams p = P384(v);
    p.negotiated.multi_key_conn = true;
    CheckCodec(vca.digests, p, ParseDigests, SerializeDigests);
    auto d = ParseDigests(vca.digests, p);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->digests.size(), 3u);
    EXPECT_EQ(d->key_pair_ids.size(), 3u);
    EXPECT_EQ(d->key_usage_masks.size(), 6u);
    EXPECT_EQ(Bytes(d->digests[0].begin(), d->digests[0].end()),
              kat.at("H_cert_chain_slot0"));
    // Without MultiKeyConn the key arrays are trailing data.
    p.negotiated.multi_key_conn = false;
    EXPECT_ERRC(ParseDigests(vca.digests, p), Errc::kTrailingData);
  }
}

TEST_P(CapturedSession, SessionMessagesRoundTripWithNegotiatedSizes) {
  auto kat = LoadKat(GetParam());
  const uint8_t v = kat.at("SPDMVersion")[0];
  const Bytes& ke = kat.at("KEY_EXCHANGE");
  const Bytes& ke_rsp = kat.at("KEY_EXCHANGE_RSP");
  const Bytes& finish = kat.at("FINISH_plaintext_spdm");
  const Bytes& finish_rsp = kat.at("FINISH_RSP");
  ParseParams p = P384(v);
  p.negotiated.handshake_in_the_clear = finish_rsp.size() > 4;
  CheckCodec(ke, p, ParseKeyExchange, SerializeKeyExchange);
  auto req = ParseKeyExchange(ke, p);
  ASSERT_TRUE(req);
  p.measurement_summary_hash =
      req->meas_summary_hash_type != kMeasSummaryHashNone;
  CheckCodec(ke_rsp, p, ParseKeyExchangeRsp, SerializeKeyExchangeRsp);
  CheckCodec(finish, p, ParseFinish, SerializeFinish);
  CheckCodec(finish_rsp, p, ParseFinishRsp, SerializeFinishRsp);

  EXPECT_EQ(req->req_session_id, 0xFFFF);
  EXPECT_EQ(req->session_policy, v >= kVersion12 ? 1 : 0);
  auto rsp = ParseKeyExchangeRsp(ke_rsp, p);
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->rsp_session_id, 0xFFFF);
  EXPECT_EQ(rsp->heartbeat_period, 0xF0);
  EXPECT_EQ(rsp->signature.size(), 96u);
  EXPECT_EQ(rsp->responder_verify_data.size(),
            p.negotiated.handshake_in_the_clear ? 0u : 48u);
  // The file's TH1 boundary: signature ends where ResponderVerifyData starts.
  EXPECT_EQ(
      KeyExchangeRspSignedSize(*rsp) + 96,
      p.negotiated.handshake_in_the_clear ? ke_rsp.size() : ke_rsp.size() - 48);

  // Opaque data: DMTF SpecID table in 1.1, OpaqueDataFmt1 from 1.2; the
  // requester lists DSP0277 1.0/1.1/1.2, the responder selects one.
  const OpaqueFormat fmt =
      v >= kVersion12 ? OpaqueFormat::kFmt1 : OpaqueFormat::kDmtfSpecId;
  auto req_elems = ParseOpaqueData(req->opaque_data, fmt);
  ASSERT_TRUE(req_elems) << req_elems.error().ToString();
  ASSERT_EQ(req_elems->size(), 1u);
  auto versions = ParseSmSupportedVersions((*req_elems)[0].data);
  ASSERT_TRUE(versions);
  EXPECT_EQ(*versions, (std::vector<uint16_t>{0x1000, 0x1100, 0x1200}));
  auto rsp_elems = ParseOpaqueData(rsp->opaque_data, fmt);
  ASSERT_TRUE(rsp_elems);
  ASSERT_EQ(rsp_elems->size(), 1u);
  auto selected = ParseSmVersionSelection((*rsp_elems)[0].data);
  ASSERT_TRUE(selected);
  EXPECT_EQ(*selected, 0x1200);
  auto again = SerializeOpaqueData(*req_elems, fmt);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, Bytes(req->opaque_data.begin(), req->opaque_data.end()));

  // A wrong negotiated DHE size can never parse the captured request cleanly.
  ParseParams p256 = p;
  p256.negotiated.dhe_size = 64;
  EXPECT_FALSE(ParseKeyExchange(ke, p256));
  // The dispatcher finds the same messages by code and reports exact bytes.
  auto any = ParseRequest(ke, p);
  ASSERT_TRUE(any);
  EXPECT_TRUE(std::holds_alternative<KeyExchange>(any->message));
  EXPECT_EQ(any->bytes.size(), ke.size());
}

INSTANTIATE_TEST_SUITE_P(
    SpdmEmu, CapturedSession,
    ::testing::Values("session_1.1_p384_aes256gcm_mctp.txt",
                      "session_1.2_p384_aes256gcm_mctp.txt",
                      "session_1.2_p384_aes256gcm_mctp_handshake_in_clear.txt",
                      "session_1.3_p384_aes256gcm_mctp_multikey.txt"));

const char kHopper[] =
    "third_party/nvidia/attestation-sdk/nv-attestation-sdk-cpp/unit-tests/"
    "testdata/"
    "hopperAttestationReport.txt";

TEST(NvidiaEvidence, ParsesH100GetMeasurementsAndSignedMeasurements) {
  Bytes blob = testing::LoadHexFile(kHopper);
  ASSERT_EQ(blob.size(), 4130u);
  Bytes req_bytes(blob.begin(), blob.begin() + 37);
  Bytes rsp_bytes(blob.begin() + 37, blob.end());
  ParseParams p = P384(kVersion11);
  CheckCodec(req_bytes, p, ParseGetMeasurements, SerializeGetMeasurements);
  auto req = ParseGetMeasurements(req_bytes, p);
  ASSERT_TRUE(req);
  EXPECT_TRUE(req->signature_requested());
  EXPECT_EQ(req->operation, meas::kOpAll);
  EXPECT_EQ(req->nonce[0], 0x5b);
  EXPECT_EQ(req->slot_id_param, 0);

  p.measurement_signature = req->signature_requested();
  CheckCodec(rsp_bytes, p, ParseMeasurements, SerializeMeasurements);
  auto rsp = ParseMeasurements(rsp_bytes, p);
  ASSERT_TRUE(rsp) << rsp.error().ToString();
  ASSERT_EQ(rsp->blocks.size(), 64u);
  EXPECT_EQ(rsp->record.size(), 3520u);
  EXPECT_EQ(rsp->opaque_data.size(), 435u);
  EXPECT_EQ(rsp->signature.size(), 96u);
  EXPECT_EQ(rsp->nonce[0], 0x1c);
  for (std::size_t i = 0; i < rsp->blocks.size(); ++i) {
    const auto& b = rsp->blocks[i];
    EXPECT_EQ(b.index, i + 1);
    EXPECT_EQ(b.measurement_specification, alg::kMeasSpecDmtf);
    auto dmtf = ParseDmtfMeasurement(b.measurement);
    ASSERT_TRUE(dmtf);
    EXPECT_EQ(dmtf->value.size(), 48u) << "block " << i + 1;
    EXPECT_FALSE(dmtf->raw_bit_stream());
  }
  // Unsigned parameters leave the signature as trailing data.
  ParseParams unsigned_p = p;
  unsigned_p.measurement_signature = false;
  EXPECT_ERRC(ParseMeasurements(rsp_bytes, unsigned_p), Errc::kTrailingData);
  // The NumberOfBlocks field, too small and too large: the record disagrees.
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 4, 1, 63), p),
              Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 4, 1, 65), p),
              Errc::kMalformed);
  // MeasurementRecordLength one short and one long.
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 5, 3, 3519), p),
              Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 5, 3, 3521), p),
              Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 5, 3, 0xFFFFFF), p),
              Errc::kTruncated);
  // OpaqueDataLength one short and one long, and above 1024.
  const std::size_t opaque_len_at = 8 + 3520 + 32;
  EXPECT_ERRC(
      ParseMeasurements(testing::Patched(rsp_bytes, opaque_len_at, 2, 434), p),
      Errc::kTrailingData);
  EXPECT_ERRC(
      ParseMeasurements(testing::Patched(rsp_bytes, opaque_len_at, 2, 436), p),
      Errc::kTruncated);
  EXPECT_ERRC(
      ParseMeasurements(testing::Patched(rsp_bytes, opaque_len_at, 2, 1025), p),
      Errc::kMalformed);
  // The first block's MeasurementSize one short / long, and its DMTF value
  // size.
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 8 + 2, 2, 50), p),
              Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 8 + 2, 2, 52), p),
              Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 8 + 5, 2, 47), p),
              Errc::kMalformed);
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 8 + 5, 2, 49), p),
              Errc::kMalformed);
  // A duplicate index (block 2 relabelled as 1).
  EXPECT_ERRC(ParseMeasurements(testing::Patched(rsp_bytes, 8 + 55, 1, 1), p),
              Errc::kMalformed);
  // Negotiated 1.2 rejects a 1.1 message.
  EXPECT_ERRC(ParseMeasurements(rsp_bytes, P384(kVersion12)),
              Errc::kVersionMismatch);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
