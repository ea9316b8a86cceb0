// Fuzz target: arbitrary bytes as requests to a fresh SPDM responder.
//
// Input: Mode u8 | then messages, each Len u16 LE | Secured u8 | Len bytes
// (the last may be short). Mode bit 0: run a valid VCA (SPDM 1.2) first;
// bit 1: also fetch the certificate and open a KEY_EXCHANGE session through a
// real requester, and deliver "secured" messages sealed in that session (so
// the fuzzer reaches in-session handling); bit 2: handshake in the clear;
// bit 3: both ends at DataTransferSize 42, so the setup itself and every
// larger response go by CHUNK_SEND / CHUNK_GET; bit 4: open a PSK session
// (PSK_EXCHANGE / PSK_FINISH with the fuzz peers' test PSK) and seal
// "secured" messages in it instead. Secured byte bit 1 (with a session):
// the message is an application-protocol record, its first byte the MCTP
// inner type (0x01 PLDM).
// Oracle: the responder never crashes, and every plain reply is a complete
// SPDM response the wire codec parses (an ERROR for anything refused).
#include <cstdint>
#include <memory>

#include "spdm/requester/requester.h"
#include "spdm/responder/loopback.h"
#include "spdm/responder/responder.h"
#include "spdm/wire/message.h"
#include "spdm_fuzz_peers.h"

namespace {

using namespace ccgpu;  // NOLINT

spdm::responder::ResponderConfig Config(bool in_clear, bool small) {
  spdm::responder::ResponderConfig c = spdm::fuzz::FuzzResponderConfig();
  if (in_clear) c.capabilities |= spdm::wire::cap::kHandshakeInTheClear;
  if (small) c.data_transfer_size = spdm::wire::kMinDataTransferSize;
  return c;
}

void CheckPlainReply(const spdm::responder::TransportMessage& m) {
  if (m.secured) return;
  CCGPU_CHECK(m.bytes.size() >= 4);
  spdm::wire::ParseParams p;  // sizes unknown here: only the header and ERROR shape
  auto h = spdm::wire::PeekHeader(m.bytes);
  CCGPU_CHECK(h.has_value());
  CCGPU_CHECK(!spdm::wire::IsRequestCode(h->code));
  if (h->code == 0x7F) CCGPU_CHECK(spdm::wire::ParseError(m.bytes, p).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader rd(ByteSpan(data, size));
  auto mode = rd.U8();
  if (!mode) return 0;
  auto responder = spdm::responder::Responder::Create(Config((*mode & 4) != 0, (*mode & 8) != 0));
  CCGPU_CHECK(responder.has_value());
  spdm::responder::Responder& r = **responder;
  spdm::LoopbackExchange ex(&r);
  spdm::requester::RequesterConfig qc = spdm::fuzz::FuzzRequesterConfig();
  if (*mode & 4) qc.capabilities |= spdm::wire::cap::kHandshakeInTheClear;
  if (*mode & 8) qc.data_transfer_size = spdm::wire::kMinDataTransferSize;
  auto q = spdm::requester::Requester::Create(qc, &ex);
  CCGPU_CHECK(q.has_value());
  std::optional<uint32_t> sid;
  if (*mode & 3) CCGPU_CHECK((*q)->InitConnection().has_value());
  if (*mode & 2) {
    CCGPU_CHECK((*q)->GetCertificate().has_value());
    auto s = (*q)->StartSession();
    CCGPU_CHECK(s.has_value());
    sid = s->session_id;
  }
  if (*mode & 0x10) {
    if ((*mode & 3) == 0) CCGPU_CHECK((*q)->InitConnection().has_value());
    auto s = (*q)->StartPskSession(spdm::fuzz::kFuzzPskHint);
    CCGPU_CHECK(s.has_value());
    sid = s->session_id;
  }
  while (rd.remaining() > 0) {
    uint16_t len = 0;
    if (auto l = rd.U16()) len = *l; else break;
    uint8_t secured = 0;
    if (auto s = rd.U8()) secured = *s; else break;
    ByteSpan msg = rd.Take(std::min<std::size_t>(len, rd.remaining())).value();
    if ((secured & 2) != 0 && sid && !msg.empty()) {
      // An application-protocol record (MCTP inner type = first byte, e.g.
      // 0x01 PLDM) in the session.
      auto rsp = (*q)->ExchangeApplicationMessage(*sid, msg[0], msg.subspan(1));
      if (!rsp) break;
      continue;
    }
    if ((secured & 1) != 0 && sid) {
      // Sealed by the real requester: the responder opens it and must answer
      // inside the session (or the requester sees a clear ERROR).
      auto rsp = (*q)->SendApplicationMessage(*sid, msg);
      if (!rsp) break;  // e.g. END_SESSION went through: the session is gone
      continue;
    }
    CheckPlainReply(r.Handle((secured & 1) != 0, msg));
  }
  return 0;
}
