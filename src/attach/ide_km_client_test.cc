// IDE key management end to end in one process: a real SPDM responder whose
// PCI-SIG VENDOR_DEFINED handler is the emulated GPU's (IDE_KM and TDISP by
// ProtocolID), a real requester, a secure session, and the TSM's
// IdeKmClient inside it: query, a selective stream with all six keys in use,
// key-set refresh, stop, refusals, and the keys gone after a device reset.
#include "attach/ide_km_client.h"

#include <gtest/gtest.h>

#include "attach/device_session_fixture.h"
#include "attach/tdisp_client.h"

namespace ccgpu::attach {
namespace {
namespace idekm = spdm::idekm;

class IdeKmTest : public testing::DeviceSessionTest {
 protected:
  void SetUp() override {
    DeviceSessionTest::SetUp();
    if (HasFatalFailure()) return;
    client_ = std::make_unique<IdeKmClient>(IdeKmRequesterTransport(*pair_.requester, session_));
  }

  gpu::tdisp::IdeKmResponder& Device() { return *device_->IdeKm(); }

  std::unique_ptr<IdeKmClient> client_;
};

TEST_F(IdeKmTest, QueryReportsTheDevicesIdeCapability) {
  auto q = client_->Query();
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->max_port_index, 0);
  EXPECT_EQ(q->bus_num, 0x41);  // device 0: bus 0x41, device 0, function 0
  EXPECT_EQ(q->dev_func_num, 0);
  EXPECT_TRUE(q->selective_streams);
  EXPECT_TRUE(q->ide_km);
  EXPECT_TRUE(q->tee_limited_stream);
  EXPECT_FALSE(q->stream_secure);
  EXPECT_EQ(q->capability.size(), 32u);
}

TEST_F(IdeKmTest, EstablishesAStreamWithSixKeysInUseThenStopsIt) {
  auto keys = client_->EstablishStream(/*stream_id=*/3);
  ASSERT_TRUE(keys) << keys.error().ToString();
  ASSERT_EQ(keys->keys.size(), 6u);
  for (std::size_t i = 1; i < keys->keys.size(); ++i) {
    EXPECT_FALSE(std::equal(keys->keys[i].reveal().begin(), keys->keys[i].reveal().end(), keys->keys[0].reveal().begin()))
        << "keys must be fresh per sub-stream";
  }
  auto st = Device().Status();
  EXPECT_EQ(st.programmed_keys, 6u);
  EXPECT_EQ(st.keys_in_use, 6u);
  EXPECT_EQ(st.secure_stream, std::optional<uint8_t>(3));
  auto q = client_->Query();
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->stream_secure);
  // Key refresh: K1 programmed and switched to while K0 is in use.
  ASSERT_TRUE(client_->EstablishStream(3, /*key_set=*/1));
  EXPECT_EQ(Device().Status().programmed_keys, 12u);
  ASSERT_TRUE(client_->StopStream(3, 0));  // the old key set goes
  st = Device().Status();
  EXPECT_EQ(st.programmed_keys, 6u);
  EXPECT_EQ(st.keys_in_use, 6u);  // K1 still in use
  ASSERT_TRUE(client_->StopStream(3, 1));
  st = Device().Status();
  EXPECT_EQ(st.programmed_keys, 0u);
  EXPECT_EQ(st.keys_in_use, 0u);
  EXPECT_FALSE(st.secure_stream);
}

TEST_F(IdeKmTest, RefusalsNameWhatIsWrong) {
  // Another port: QUERY is refused, KEY_PROG acknowledged as UNSUPPORTED_PORT_INDEX.
  IdeKmClient other_port(IdeKmRequesterTransport(*pair_.requester, session_), /*port_index=*/1);
  auto q = other_port.Query();
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, Errc::kPeerError);
  EXPECT_EQ(pair_.requester->last_peer_error(), spdm::wire::ErrorCode::kInvalidRequest);
  auto k = other_port.EstablishStream(1);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, Errc::kUnsupported);
  // K_SET_GO for a key set never programmed.
  auto transport = IdeKmRequesterTransport(*pair_.requester, session_);
  auto go = idekm::Serialize(idekm::KeySetCommand{idekm::ObjectId::kKSetGo, 9, idekm::kSubStreamCpl, 0});
  ASSERT_TRUE(go);
  auto r = transport(*go);
  ASSERT_FALSE(r);
  EXPECT_EQ(pair_.requester->last_peer_error(), spdm::wire::ErrorCode::kInvalidRequest);
  // Reprogramming the key set in use.
  ASSERT_TRUE(client_->EstablishStream(2));
  auto again = client_->EstablishStream(2);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kUnsupported);
  // A sub-stream value that does not exist.
  idekm::KeyProg bad;
  bad.stream_id = 2;
  bad.key_sub_stream = 0x30;
  bad.key = SecretBytes::CopyOf(Bytes(32, 7));
  auto bad_bytes = idekm::Serialize(idekm::Message(std::move(bad)));
  ASSERT_TRUE(bad_bytes);
  auto ack_raw = transport(*bad_bytes);
  ASSERT_TRUE(ack_raw);
  auto ack = idekm::Parse(*ack_raw);
  ASSERT_TRUE(ack);
  EXPECT_EQ(std::get<idekm::KpAck>(*ack).status, idekm::KpAckStatus::kUnsupportedValue);
}

TEST_F(IdeKmTest, NoKeysOutsideASessionAndNoneAfterAReset) {
  // IDE_KM in the clear: refused, nothing stored.
  auto q = idekm::Serialize(idekm::Query{0});
  ASSERT_TRUE(q);
  auto payload = idekm::WrapPayload(*q);
  ASSERT_TRUE(payload);
  auto clear = pair_.requester->VendorDefined(std::nullopt, spdm::tdisp::kStandardIdPciSig,
                                              spdm::tdisp::kVendorIdPciSig, *payload);
  ASSERT_FALSE(clear);
  EXPECT_EQ(pair_.requester->last_peer_error(), spdm::wire::ErrorCode::kInvalidRequest);
  ASSERT_TRUE(client_->EstablishStream(4));
  EXPECT_EQ(Device().Status().programmed_keys, 6u);
  ASSERT_TRUE(device_->Reset());
  EXPECT_EQ(Device().Status().programmed_keys, 0u);
  EXPECT_EQ(Device().Status().wipes, 1u);
}

// TDISP still answers beside IDE_KM (ProtocolID 0x01 through the same handler).
TEST_F(IdeKmTest, TdispStillAnswersThroughTheSameHandler) {
  TdispClient tdisp(RequesterTransport(*pair_.requester, session_), device_->Pci().function_id());
  auto versions = tdisp.GetVersion();
  ASSERT_TRUE(versions) << versions.error().ToString();
  ASSERT_TRUE(client_->EstablishStream(0));
  auto caps = tdisp.GetCapabilities();
  ASSERT_TRUE(caps) << caps.error().ToString();
}

}  // namespace
}  // namespace ccgpu::attach
