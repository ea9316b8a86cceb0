#include "spdm/session/secured_message.h"

#include <algorithm>
#include <array>
#include <utility>

#include "crypto/rng.h"

namespace ccgpu::spdm::session {

namespace {

constexpr std::size_t kAppDataLengthSize = 2;
constexpr std::size_t kMaxSequenceNumberSize = 8;
constexpr uint8_t kMctpSpdmType = 0x05;  // DSP0275 MCTP message type: SPDM

uint64_t SequenceMask(std::size_t size) {
  return size >= kMaxSequenceNumberSize ? UINT64_MAX
                                        : (uint64_t{1} << (8 * size)) - 1;
}

}  // namespace

TransportBinding TransportBinding::Mctp() {
  TransportBinding b;
  b.sequence_number_size = 2;
  b.max_random_padding = 32;
  b.inner_message_type = kMctpSpdmType;
  b.allow_dword_padding = false;
  return b;
}

TransportBinding TransportBinding::PciDoe() {
  TransportBinding b;
  b.sequence_number_size = 0;
  b.max_random_padding = 0;
  b.inner_message_type = std::nullopt;
  b.allow_dword_padding = true;
  return b;
}

Result<RecordView> ParseRecord(ByteSpan record,
                               const TransportBinding& binding) {
  if (binding.sequence_number_size > kMaxSequenceNumberSize) {
    return Fail(Errc::kInvalidArgument,
                "spdm.secured: sequence number field wider than 8 bytes");
  }
  ByteReader r(record);
  RecordView view;
  // DSP0277 record header: SessionID | [SequenceNumber] | Length.
  CCGPU_ASSIGN_OR_RETURN(view.session_id, r.U32("spdm.secured: SessionID"));
  CCGPU_ASSIGN_OR_RETURN(ByteSpan seq, r.Take(binding.sequence_number_size,
                                              "spdm.secured: SequenceNumber"));
  for (std::size_t i = 0; i < seq.size(); ++i) {
    view.sequence_number |= static_cast<uint64_t>(seq[i]) << (8 * i);
  }
  CCGPU_ASSIGN_OR_RETURN(uint16_t length, r.U16("spdm.secured: Length"));
  view.aad = r.consumed();
  if (length < kAppDataLengthSize + kAeadMacLength) {
    return Fail(Errc::kMalformed,
                "spdm.secured: Length too small for ApplicationDataLength and "
                "MAC");
  }
  CCGPU_ASSIGN_OR_RETURN(
      view.ciphertext, r.Take(length, "spdm.secured: encrypted data and MAC"));
  if (!r.empty()) {
    // PCI-DOE: the DOE object is a whole number of DWORDs, so up to 3 zero
    // bytes may follow the record. Nothing else may.
    const ByteSpan rest = r.rest();
    const bool dword_pad =
        binding.allow_dword_padding && rest.size() < 4 &&
        std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0; });
    if (!dword_pad) {
      return Fail(Errc::kTrailingData,
                  "spdm.secured: bytes after the record's Length");
    }
  }
  return view;
}

Result<ByteSpan> ParseRecordPlaintext(ByteSpan plaintext) {
  ByteReader r(plaintext);
  CCGPU_ASSIGN_OR_RETURN(uint16_t app_len,
                         r.U16("spdm.secured: ApplicationDataLength"));
  if (app_len > r.remaining()) {
    return Fail(Errc::kMalformed,
                "spdm.secured: ApplicationDataLength past the decrypted data");
  }
  // The rest after ApplicationData is RandomData (padding); any amount is
  // accepted.
  return r.Take(app_len, "spdm.secured: ApplicationData");
}

Result<uint32_t> PeekSessionId(ByteSpan record) {
  ByteReader r(record);
  return r.U32("spdm.secured: SessionID");
}

// --- SecureSession
// -------------------------------------------------------------

Result<SecureSession> SecureSession::Create(Role role, uint32_t session_id,
                                            const TransportBinding& binding,
                                            KeySchedule schedule,
                                            const SessionOptions& options) {
  if (binding.sequence_number_size > kMaxSequenceNumberSize) {
    return Fail(Errc::kInvalidArgument,
                "spdm.secured: sequence number field wider than 8 bytes");
  }
  if (schedule.stage() != KeySchedule::Stage::kHandshake) {
    return Fail(Errc::kStateError,
                "spdm.secured: session needs a key schedule with handshake "
                "keys (after TH1)");
  }
  SecureSession s(role, session_id, binding, std::move(schedule), options);
  CCGPU_ASSIGN_OR_RETURN(TrafficKeys tx_keys,
                         s.schedule_.TakeHandshakeKeys(s.SendDirection()));
  CCGPU_ASSIGN_OR_RETURN(TrafficKeys rx_keys,
                         s.schedule_.TakeHandshakeKeys(s.ReceiveDirection()));
  CCGPU_ASSIGN_OR_RETURN(crypto::SealingContext tx,
                         s.MakeContext(std::move(tx_keys)));
  CCGPU_ASSIGN_OR_RETURN(crypto::SealingContext rx,
                         s.MakeContext(std::move(rx_keys)));
  s.tx_.emplace(std::move(tx));
  s.rx_.ctx.emplace(std::move(rx));
  s.rx_.next = 0;
  return s;
}

Direction SecureSession::SendDirection() const {
  return role_ == Role::kRequester ? Direction::kRequesterToResponder
                                   : Direction::kResponderToRequester;
}

Direction SecureSession::ReceiveDirection() const {
  return role_ == Role::kRequester ? Direction::kResponderToRequester
                                   : Direction::kRequesterToResponder;
}

Result<crypto::SealingContext> SecureSession::MakeContext(
    TrafficKeys keys) const {
  // DSP0277: nonce = IV XOR sequence number as a little-endian u64 in IV
  // bytes 0..7. The crypto layer builds the nonce; we only pick the layout.
  return crypto::SealingContext::Create(
      schedule_.algorithms().aead, std::move(keys.key), keys.iv.reveal(),
      crypto::CounterLayout::kLittleEndianLeft, options_.sequence_limit);
}

uint64_t SecureSession::next_send_sequence() const {
  return tx_ ? tx_->next_sequence() : 0;
}

Result<Bytes> SecureSession::Seal(ByteSpan spdm_message) {
  return SealTyped(binding_.inner_message_type, spdm_message);
}

Result<Bytes> SecureSession::SealApplication(uint8_t type, ByteSpan message) {
  if (!binding_.inner_message_type) {
    return Fail(Errc::kInvalidArgument,
                "spdm.secured: this binding carries only SPDM messages");
  }
  return SealTyped(type, message);
}

Result<Bytes> SecureSession::SealTyped(std::optional<uint8_t> type,
                                       ByteSpan spdm_message) {
  if (phase_ == SessionPhase::kEnded || !tx_) {
    return Fail(Errc::kSessionClosed, "spdm.secured: session ended");
  }
  const uint64_t seq = tx_->next_sequence();
  if (seq >= options_.sequence_limit) {
    return Fail(Errc::kSequenceExhausted,
                "spdm.secured: send sequence number would wrap; update the "
                "key");
  }
  // Random padding length in [0, max] (DSP0276: RandomData, MCTP <= 32).
  // One CSPRNG call gives both the length (2 bytes) and, for paddings up to
  // kOneDrawPadding bytes, the padding itself.
  constexpr std::size_t kOneDrawPadding = 64;
  std::array<uint8_t, 2 + kOneDrawPadding> draw{};
  const bool one_draw = binding_.max_random_padding <= kOneDrawPadding;
  std::size_t pad = 0;
  if (binding_.max_random_padding > 0) {
    const std::size_t n = 2 + (one_draw ? binding_.max_random_padding : 0);
    CCGPU_TRY(crypto::RandomBytes(std::span<uint8_t>(draw).first(n)));
    pad = (static_cast<std::size_t>(draw[0]) << 8 | draw[1]) %
          (binding_.max_random_padding + 1);
  }
  const std::size_t type_len = type ? 1 : 0;
  const std::size_t app_len = type_len + spdm_message.size();
  const std::size_t pt_len = kAppDataLengthSize + app_len + pad;
  const std::size_t length = pt_len + kAeadMacLength;
  if (app_len > 0xFFFF || length > 0xFFFF) {
    return Fail(Errc::kOutOfRange,
                "spdm.secured: message too large for the record Length field");
  }

  // Header = AAD: SessionID | SequenceNumber (low bytes, LE) | Length.
  ByteWriter w;
  w.U32(session_id_, "spdm.secured: SessionID");
  for (std::size_t i = 0; i < binding_.sequence_number_size; ++i) {
    w.U8((seq >> (8 * i)) & 0xFF, "spdm.secured: SequenceNumber");
  }
  w.U16(length, "spdm.secured: Length");
  CCGPU_ASSIGN_OR_RETURN(Bytes header, std::move(w).Finish());

  // Plaintext: ApplicationDataLength | [type] ApplicationData | RandomData.
  SecretBytes pt(pt_len);
  auto p = pt.reveal_mutable();
  p[0] = static_cast<uint8_t>(app_len & 0xFF);
  p[1] = static_cast<uint8_t>(app_len >> 8);
  std::size_t at = kAppDataLengthSize;
  if (type) p[at++] = *type;
  std::copy(spdm_message.begin(), spdm_message.end(),
            p.begin() + static_cast<std::ptrdiff_t>(at));
  at += spdm_message.size();
  if (pad > 0 && one_draw) {
    std::copy_n(draw.begin() + 2, pad, p.begin() + static_cast<std::ptrdiff_t>(at));
  } else if (pad > 0) {
    CCGPU_TRY(crypto::RandomBytes(p.subspan(at, pad)));
  }

  Bytes record(header.size() + length);
  std::copy(header.begin(), header.end(), record.begin());
  auto sealed = tx_->Seal(header, pt.reveal(),
                          std::span<uint8_t>(record).subspan(header.size()));
  if (!sealed) {
    if (sealed.error().code == Errc::kNonceExhausted) {
      return Fail(Errc::kSequenceExhausted,
                  "spdm.secured: send sequence number would wrap; update the "
                  "key");
    }
    return tl::unexpected(sealed.error());
  }
  CCGPU_CHECK(*sealed == seq);  // the header carries the number used
  return record;
}

Result<RecordContent> SecureSession::TryOpen(Receiver& rx,
                                             const RecordView& view,
                                             bool* attempted) {
  const uint64_t mask = SequenceMask(binding_.sequence_number_size);
  if (binding_.sequence_number_size > 0 &&
      view.sequence_number != (rx.next & mask)) {
    return Fail(Errc::kReplay,
                "spdm.secured: sequence number is not the next expected one "
                "(replayed, reordered or skipped record)");
  }
  if (rx.next >= options_.sequence_limit) {
    return Fail(Errc::kSequenceExhausted,
                "spdm.secured: receive sequence number would wrap");
  }
  *attempted = true;
  // Nothing is released unless the tag verifies (the crypto layer wipes the
  // output on failure); a failed record consumes no number.
  CCGPU_ASSIGN_OR_RETURN(SecretBytes pt,
                         rx.ctx->Open(rx.next, view.aad, view.ciphertext));
  ++rx.next;
  CCGPU_ASSIGN_OR_RETURN(ByteSpan app, ParseRecordPlaintext(pt.reveal()));
  RecordContent out;
  if (binding_.inner_message_type) {
    if (app.empty()) {
      return Fail(Errc::kMalformed,
                  "spdm.secured: application data lacks its type byte");
    }
    out.type = app[0];
    app = app.subspan(1);
  }
  out.message.assign(app.begin(), app.end());
  return out;
}

bool RecordContent::is_spdm(const TransportBinding& binding) const {
  return !binding.inner_message_type || type == binding.inner_message_type;
}

Result<Bytes> SecureSession::Open(ByteSpan record) {
  CCGPU_ASSIGN_OR_RETURN(RecordContent c, OpenContent(record));
  if (!c.is_spdm(binding_)) {
    return Fail(Errc::kUnsupported,
                "spdm.secured: application data is not an SPDM message "
                "(inner type byte)");
  }
  return std::move(c.message);
}

Result<RecordContent> SecureSession::OpenContent(ByteSpan record) {
  if (phase_ == SessionPhase::kEnded || !rx_.ctx) {
    return Fail(Errc::kSessionClosed, "spdm.secured: session ended");
  }
  CCGPU_ASSIGN_OR_RETURN(RecordView view, ParseRecord(record, binding_));
  if (view.session_id != session_id_) {
    return Fail(Errc::kSessionClosed,
                "spdm.secured: record belongs to another session");
  }
  bool attempted = false;
  auto current = TryOpen(rx_, view, &attempted);
  if (current) {
    // The peer has switched to the new key; nothing under the old key can
    // follow, so it is dropped now.
    DropPreviousReceiveKey();
    return current;
  }
  const Errc code = current.error().code;
  if (code != Errc::kReplay && code != Errc::kAuthFailed &&
      code != Errc::kSequenceExhausted) {
    return current;  // authenticated but malformed: report as is
  }
  if (previous_rx_) {
    bool attempted_old = false;
    auto old = TryOpen(*previous_rx_, view, &attempted_old);
    if (old) return old;
    attempted = attempted || attempted_old;
    const Errc old_code = old.error().code;
    if (old_code != Errc::kReplay && old_code != Errc::kAuthFailed &&
        old_code != Errc::kSequenceExhausted) {
      return old;
    }
  }
  if (attempted) {
    return Fail(Errc::kAuthFailed,
                "spdm.secured: record does not authenticate");
  }
  return current;  // kReplay or kSequenceExhausted of the current key
}

Result<Bytes> SecureSession::VerifyData(Direction direction,
                                        ByteSpan transcript_hash) const {
  return schedule_.VerifyData(direction, transcript_hash);
}

Status SecureSession::CheckVerifyData(Direction direction,
                                      ByteSpan transcript_hash,
                                      ByteSpan verify_data) const {
  return schedule_.CheckVerifyData(direction, transcript_hash, verify_data);
}

Status SecureSession::EnterApplicationPhase(ByteSpan th2) {
  if (phase_ != SessionPhase::kHandshake) {
    return Fail(Errc::kStateError,
                "spdm.secured: application phase needs the handshake phase");
  }
  CCGPU_TRY(schedule_.DeriveApplication(th2));
  CCGPU_ASSIGN_OR_RETURN(TrafficKeys tx_keys,
                         schedule_.ApplicationKeys(SendDirection()));
  CCGPU_ASSIGN_OR_RETURN(TrafficKeys rx_keys,
                         schedule_.ApplicationKeys(ReceiveDirection()));
  CCGPU_ASSIGN_OR_RETURN(crypto::SealingContext tx,
                         MakeContext(std::move(tx_keys)));
  CCGPU_ASSIGN_OR_RETURN(crypto::SealingContext rx,
                         MakeContext(std::move(rx_keys)));
  // The handshake contexts (and their keys) are destroyed here.
  tx_.emplace(std::move(tx));
  rx_.ctx.emplace(std::move(rx));
  rx_.next = 0;
  previous_rx_.reset();
  phase_ = SessionPhase::kApplication;
  return OkStatus();
}

Result<SecretBytes> SecureSession::TakeExportMasterSecret() {
  return schedule_.TakeExportMasterSecret();
}

Status SecureSession::UpdateSendKey() {
  if (phase_ != SessionPhase::kApplication) {
    return Fail(Errc::kStateError,
                "spdm.secured: KEY_UPDATE needs the application phase");
  }
  CCGPU_TRY(schedule_.UpdateApplicationSecret(SendDirection()));
  CCGPU_ASSIGN_OR_RETURN(TrafficKeys keys,
                         schedule_.ApplicationKeys(SendDirection()));
  CCGPU_ASSIGN_OR_RETURN(crypto::SealingContext tx,
                         MakeContext(std::move(keys)));
  tx_.emplace(std::move(tx));  // old send key destroyed at once
  return OkStatus();
}

Status SecureSession::UpdateReceiveKey() {
  if (phase_ != SessionPhase::kApplication) {
    return Fail(Errc::kStateError,
                "spdm.secured: KEY_UPDATE needs the application phase");
  }
  CCGPU_TRY(schedule_.UpdateApplicationSecret(ReceiveDirection()));
  CCGPU_ASSIGN_OR_RETURN(TrafficKeys keys,
                         schedule_.ApplicationKeys(ReceiveDirection()));
  CCGPU_ASSIGN_OR_RETURN(crypto::SealingContext rx,
                         MakeContext(std::move(keys)));
  previous_rx_.reset();  // at most one old key is ever kept
  previous_rx_.emplace(std::move(rx_));
  rx_ = Receiver{};
  rx_.ctx.emplace(std::move(rx));
  rx_.next = 0;
  return OkStatus();
}

void SecureSession::DropPreviousReceiveKey() { previous_rx_.reset(); }

namespace {
Status CheckOp(KeyUpdateOp op) {
  switch (op) {
    case KeyUpdateOp::kUpdateKey:
    case KeyUpdateOp::kUpdateAllKeys:
    case KeyUpdateOp::kVerifyNewKey:
      return OkStatus();
  }
  return Fail(Errc::kInvalidArgument, "spdm.secured: unknown KEY_UPDATE op");
}
}  // namespace

Status SecureSession::OnKeyUpdateRequestSent(KeyUpdateOp op) {
  CCGPU_TRY(CheckOp(op));
  if (role_ != Role::kRequester || phase_ != SessionPhase::kApplication) {
    return Fail(Errc::kStateError,
                "spdm.secured: KEY_UPDATE request sent outside a requester's "
                "application phase");
  }
  // UpdateAllKeys: the responder answers under its new key.
  if (op == KeyUpdateOp::kUpdateAllKeys) return UpdateReceiveKey();
  return OkStatus();
}

Status SecureSession::OnKeyUpdateAckReceived(KeyUpdateOp op) {
  CCGPU_TRY(CheckOp(op));
  if (role_ != Role::kRequester || phase_ != SessionPhase::kApplication) {
    return Fail(Errc::kStateError,
                "spdm.secured: KEY_UPDATE_ACK outside a requester's "
                "application phase");
  }
  if (op == KeyUpdateOp::kVerifyNewKey) return OkStatus();
  return UpdateSendKey();
}

Status SecureSession::OnKeyUpdateRequestReceived(KeyUpdateOp op) {
  CCGPU_TRY(CheckOp(op));
  if (role_ != Role::kResponder || phase_ != SessionPhase::kApplication) {
    return Fail(Errc::kStateError,
                "spdm.secured: KEY_UPDATE request received outside a "
                "responder's application phase");
  }
  switch (op) {
    case KeyUpdateOp::kUpdateKey:
      return UpdateReceiveKey();
    case KeyUpdateOp::kUpdateAllKeys:
      CCGPU_TRY(UpdateReceiveKey());
      return UpdateSendKey();  // the ACK already goes under the new key
    case KeyUpdateOp::kVerifyNewKey:
      DropPreviousReceiveKey();
      return OkStatus();
  }
  return OkStatus();
}

void SecureSession::End() {
  schedule_.Wipe();
  tx_.reset();
  rx_ = Receiver{};
  previous_rx_.reset();
  phase_ = SessionPhase::kEnded;
}

}  // namespace ccgpu::spdm::session
