// Fuzzes the DSP0277 secured-record decoder: ParseRecord for both bindings,
// ParseRecordPlaintext, and SecureSession::Open with the keys of the captured
// SPDM 1.2 session (tests/data/third_party/spdm/session_1.2_..._mctp.txt), so
// that real records in the seed corpus decrypt and mutations of them reach
// every check. Oracle: whatever opens re-seals and re-opens to the same
// message, and parsed views stay inside the input.
#include <cstdint>
#include <optional>

#include "base/encoding.h"
#include "spdm/session/key_schedule.h"
#include "spdm/session/secured_message.h"

namespace {

using ccgpu::Bytes;
using ccgpu::ByteSpan;
using namespace ccgpu::spdm::session;  // NOLINT

// From the captured 1.2 session (dhe_secret, TH1, TH2).
constexpr char kDhe[] =
    "41b6e798fa95f8b5bf22c0a89f8c6dc7f8a6eff5fc42473cc9d91620919ad29f19534404"
    "f63846d0206aeb5146473791";
constexpr char kTh1[] =
    "e2972410e5d7fbe21859316d1392cb359a334fe19b44938cca0a6d37d1e30fd113ffd672"
    "21e965a6859b74b1ef33d5d0";
constexpr char kTh2[] =
    "e7782005b8d96281c68b7d98bd28bd4c48548ec2ae2aed6d9ddc43e9ca9c89d92d881b72"
    "e94997947cf153918171645d";

Bytes Hex(const char* h) {
  auto b = ccgpu::HexDecode(h);
  CCGPU_CHECK(b.has_value());
  return *b;
}

SecureSession Make(Role role, bool application) {
  SessionAlgorithms algs;
  algs.version = SpdmVersion::k12;
  auto ks = KeySchedule::Create(algs, ccgpu::SecretBytes::CopyOf(Hex(kDhe)));
  CCGPU_CHECK(ks.has_value());
  CCGPU_CHECK(ks->DeriveHandshake(Hex(kTh1)).has_value());
  auto s = SecureSession::Create(role, 0xFFFFFFFFu, TransportBinding::Mctp(),
                                 std::move(*ks));
  CCGPU_CHECK(s.has_value());
  if (application) CCGPU_CHECK(s->EnterApplicationPhase(Hex(kTh2)).has_value());
  return std::move(*s);
}

void CheckView(ByteSpan in, const TransportBinding& b) {
  auto view = ParseRecord(in, b);
  if (!view) return;
  CCGPU_CHECK(view->aad.size() == 4 + b.sequence_number_size + 2);
  CCGPU_CHECK(view->aad.data() == in.data());
  CCGPU_CHECK(view->ciphertext.data() == in.data() + view->aad.size());
  CCGPU_CHECK(view->ciphertext.size() >= 2 + 16);
  CCGPU_CHECK(view->aad.size() + view->ciphertext.size() <= in.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  CheckView(in, TransportBinding::Mctp());
  CheckView(in, TransportBinding::PciDoe());
  if (auto app = ParseRecordPlaintext(in)) {
    CCGPU_CHECK(app->size() + 2 <= in.size());
  }
  // Records from the requester, in the handshake and the application phase.
  for (bool application : {false, true}) {
    SecureSession rsp = Make(Role::kResponder, application);
    auto msg = rsp.Open(in);
    if (!msg) continue;
    CCGPU_CHECK(rsp.next_receive_sequence() == 1);
    CCGPU_CHECK(msg->size() + 4 + 2 + 2 + 2 + 1 + 16 <= in.size());
    // Round trip: the same message sealed by the requester opens again.
    SecureSession req = Make(Role::kRequester, application);
    SecureSession rsp2 = Make(Role::kResponder, application);
    auto rec = req.Seal(*msg);
    CCGPU_CHECK(rec.has_value());
    auto again = rsp2.Open(*rec);
    CCGPU_CHECK(again.has_value() && *again == *msg);
  }
  return 0;
}
