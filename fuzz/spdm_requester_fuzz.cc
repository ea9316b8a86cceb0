// Fuzz target: the SPDM requester against a host in the middle. A real
// ccgpu responder answers; the input edits its replies on the way back
// (flip bytes, cut them short) before the requester reads them, while the
// requester runs the whole flow: VCA, digests, certificate, CHALLENGE, signed
// measurements, a session with HEARTBEAT, KEY_UPDATE and in-session
// measurements, END_SESSION.
//
// Input: Mode u8 | edits, each ReplyIndex u16 LE | Offset u16 LE | Xor u8 |
// Cut u8 (Cut != 0: the reply is cut to Offset bytes; else byte Offset mod
// size ^= Xor). Mode bit 0: both ends at DataTransferSize 42, so large
// messages go by CHUNK_SEND / CHUNK_GET; bit 1: SPDM 1.3 (else 1.2); bit 2:
// PCI DOE (secured-record binding without sequence numbers, and every plain
// reply padded to a DWORD); bit 3: handshake in the clear; bit 4: a PSK
// session (PSK_EXCHANGE, PSK_FINISH, HEARTBEAT, KEY_UPDATE, in-session
// measurements, END_SESSION) instead of the certificate flow; bit 5: the
// responder has PSK_CAP without context (no PSK_FINISH).
// Oracle: never a crash or a hang; a session the requester considers
// established has the responder's export master secret — no edit makes the
// two sides agree on a session with different keys.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "spdm/requester/requester.h"
#include "spdm/responder/loopback.h"
#include "spdm/responder/responder.h"
#include "spdm/session/psk_store.h"
#include "spdm_fuzz_peers.h"

namespace {

using namespace ccgpu;  // NOLINT

struct Edit {
  uint16_t reply = 0;
  uint16_t offset = 0;
  uint8_t xor_with = 0;
  bool cut = false;
};

// Both ends hold the session: they must hold the same secret.
void CheckSameSecret(spdm::requester::Requester& q, spdm::responder::Responder& r, uint32_t id) {
  auto mine = q.TakeExportMasterSecret(id);
  auto theirs = r.TakeExportMasterSecret(id);
  if (mine && theirs) {
    CCGPU_CHECK(mine->reveal().size() == theirs->reveal().size());
    CCGPU_CHECK(std::equal(mine->reveal().begin(), mine->reveal().end(), theirs->reveal().begin()));
  }
}

Status RunFlow(spdm::requester::Requester& q, spdm::responder::Responder& r) {
  CCGPU_TRY(q.InitConnection());
  CCGPU_TRY(q.GetDigests());
  CCGPU_TRY(q.GetCertificate());
  CCGPU_TRY(q.Challenge(spdm::wire::kMeasSummaryHashAll));
  CCGPU_TRY(q.GetMeasurements(spdm::wire::meas::kOpAll, true));
  CCGPU_ASSIGN_OR_RETURN(auto s, q.StartSession());
  CCGPU_TRY(q.Heartbeat(s.session_id));
  CCGPU_TRY(q.KeyUpdate(s.session_id, spdm::session::KeyUpdateOp::kUpdateAllKeys));
  CCGPU_TRY(q.KeyUpdate(s.session_id, spdm::session::KeyUpdateOp::kVerifyNewKey));
  CCGPU_TRY(q.GetMeasurements(spdm::wire::meas::kOpAll, true, s.session_id));
  CheckSameSecret(q, r, s.session_id);
  return q.EndSession(s.session_id);
}

Status RunPskFlow(spdm::requester::Requester& q, spdm::responder::Responder& r) {
  CCGPU_TRY(q.InitConnection());
  CCGPU_ASSIGN_OR_RETURN(auto s, q.StartPskSession(spdm::fuzz::kFuzzPskHint, spdm::wire::kMeasSummaryHashAll));
  CCGPU_TRY(q.Heartbeat(s.session_id));
  CCGPU_TRY(q.KeyUpdate(s.session_id, spdm::session::KeyUpdateOp::kUpdateAllKeys));
  CCGPU_TRY(q.GetMeasurements(spdm::wire::meas::kOpAll, false, s.session_id));
  CheckSameSecret(q, r, s.session_id);
  return q.EndSession(s.session_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader rd(ByteSpan(data, size));
  auto mode = rd.U8();
  if (!mode) return 0;
  std::vector<Edit> edits;
  while (rd.remaining() >= 6 && edits.size() < 64) {
    Edit e;
    e.reply = rd.U16().value();
    e.offset = rd.U16().value();
    e.xor_with = rd.U8().value();
    e.cut = rd.U8().value() != 0;
    edits.push_back(e);
  }
  const bool small = (*mode & 1) != 0, v13 = (*mode & 2) != 0, doe = (*mode & 4) != 0, clear = (*mode & 8) != 0;
  const bool psk = (*mode & 0x10) != 0, psk_without_context = (*mode & 0x20) != 0;

  spdm::responder::ResponderConfig rc = spdm::fuzz::FuzzResponderConfig();
  spdm::requester::RequesterConfig qc = spdm::fuzz::FuzzRequesterConfig();
  if (v13) qc.versions = {spdm::wire::kVersion13};
  qc.max_retries = 1;
  if (small) {
    rc.data_transfer_size = spdm::wire::kMinDataTransferSize;
    qc.data_transfer_size = spdm::wire::kMinDataTransferSize;
  }
  if (doe) {
    rc.binding = spdm::session::TransportBinding::PciDoe();
    qc.binding = spdm::session::TransportBinding::PciDoe();
    rc.allow_dword_padding = true;
    qc.allow_dword_padding = true;
  }
  if (clear) {
    rc.capabilities |= spdm::wire::cap::kHandshakeInTheClear;
    qc.capabilities |= spdm::wire::cap::kHandshakeInTheClear;
  }
  if (psk_without_context) {
    rc.capabilities = (rc.capabilities & ~spdm::wire::cap::kPskMask) | spdm::wire::cap::kPsk;
  }
  auto responder = spdm::responder::Responder::Create(rc);
  CCGPU_CHECK(responder.has_value());
  spdm::LoopbackExchange ex(responder->get());
  std::size_t reply = 0;
  ex.set_tamper([&](bool to_responder, bool secured, Bytes& b) {
    if (to_responder) return;
    if (doe && !secured) {
      while (b.size() % 4 != 0) b.push_back(0);
    }
    for (const Edit& e : edits) {
      if (e.reply != reply || b.empty()) continue;
      if (e.cut) {
        if (e.offset < b.size()) b.resize(e.offset);
      } else {
        b[e.offset % b.size()] ^= e.xor_with;
      }
    }
    ++reply;
  });
  auto q = spdm::requester::Requester::Create(qc, &ex);
  CCGPU_CHECK(q.has_value());
  if (psk) {
    (void)RunPskFlow(**q, **responder);
  } else {
    (void)RunFlow(**q, **responder);
  }
  return 0;
}
