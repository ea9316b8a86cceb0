// DSP0277 secured messages: the record codec and the SecureSession that owns a
// session's per-direction keys and sequence numbers.
//
// Record (encrypt+authenticate), all integers little-endian:
//   SessionID u32 | SequenceNumber (binding-defined: MCTP 2 bytes, PCI-DOE 0)
//   | Length u16 | AEAD{ ApplicationDataLength u16 | ApplicationData |
//   RandomData } | MAC (16)
//   AAD   = SessionID | SequenceNumber | Length  (the header, up to and
//           including Length)
//   Length = |ciphertext| + |MAC|
//   nonce = IV XOR the 64-bit sequence number, little-endian, in IV bytes
//           0..7 (DSP0277 1.2; crypto::CounterLayout::kLittleEndianLeft).
// MCTP (DSP0276): the outer MCTP type byte 0x06 belongs to the transport and
// is not part of the record; ApplicationData starts with the MCTP type byte
// 0x05 (SPDM) inside the AEAD; 0..32 bytes of random padding.
// PCI-DOE: no sequence-number field, no random padding; the DOE payload may
// end with up to 3 zero bytes of DWORD padding after the record.
//
// Authentication-only records (MAC_CAP without ENCRYPT_CAP) are not
// supported.
#ifndef CCGPU_SPDM_SESSION_SECURED_MESSAGE_H_
#define CCGPU_SPDM_SESSION_SECURED_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "crypto/aead.h"
#include "spdm/session/algorithms.h"
#include "spdm/session/key_schedule.h"

namespace ccgpu::spdm::session {

// How a transport carries DSP0277 records.
struct TransportBinding {
  // Bytes of the sequence number in the record header (low-order bytes of
  // the 64-bit counter, little-endian): 0..8.
  std::size_t sequence_number_size = 0;
  // Upper bound of the random padding the sender appends inside the AEAD.
  // The receiver accepts any amount of padding.
  std::size_t max_random_padding = 0;
  // The type byte that leads ApplicationData (MCTP: 0x05 SPDM).
  std::optional<uint8_t> inner_message_type;
  // Up to 3 zero bytes may follow the record (PCI-DOE DWORD padding).
  bool allow_dword_padding = false;

  // DSP0276 MCTP: 2-byte sequence number, up to 32 bytes of padding, 0x05
  // inner type byte.
  static TransportBinding Mctp();
  // PCI-DOE (DSP0277 over PCIe DOE, CMA): no sequence number, no padding,
  // DWORD padding tolerated after the record.
  static TransportBinding PciDoe();
};

// SessionID as carried in the record: ReqSessionID in the low 16 bits,
// RspSessionID in the high 16 bits (so the u32 LE field reads
// ReqSessionID || RspSessionID on the wire).
constexpr uint32_t MakeSessionId(uint16_t req_session_id,
                                 uint16_t rsp_session_id) {
  return static_cast<uint32_t>(req_session_id) |
         (static_cast<uint32_t>(rsp_session_id) << 16);
}

// A parsed record header; spans borrow the record.
struct RecordView {
  uint32_t session_id = 0;
  uint64_t sequence_number = 0;  // the header's low bytes (0 without a field)
  ByteSpan aad;                  // SessionID .. Length
  ByteSpan ciphertext;           // encrypted data || MAC (Length bytes)
};

// Parses the record header of an encrypt+authenticate record.
// kTruncated: shorter than the header or than Length says.
// kMalformed: Length < 2 + 16 (no room for ApplicationDataLength and MAC).
// kTrailingData: bytes after the record (beyond what the binding's DWORD
// padding allows).
Result<RecordView> ParseRecord(ByteSpan record,
                               const TransportBinding& binding);

// Reads ApplicationData out of an authenticated plaintext
// (ApplicationDataLength u16 | ApplicationData | RandomData). kMalformed if
// ApplicationDataLength exceeds what follows; kTruncated if < 2 bytes.
Result<ByteSpan> ParseRecordPlaintext(ByteSpan plaintext);

// SessionID of a record (to route it to its session) without any other
// check. kTruncated.
Result<uint32_t> PeekSessionId(ByteSpan record);

// Phase of a session's record protection (DSP0277 / DSP0274 1.2 session
// phases). Handshake keys protect everything from KEY_EXCHANGE_RSP up to and
// including FINISH_RSP; application keys protect everything after.
enum class SessionPhase { kHandshake, kApplication, kEnded };

// KEY_UPDATE operations (DSP0274 1.2 KEY_UPDATE Param1).
enum class KeyUpdateOp : uint8_t {
  kUpdateKey = 1,      // requester-to-responder key only
  kUpdateAllKeys = 2,  // both directions
  kVerifyNewKey = 3,
};

struct SessionOptions {
  // Records per key and direction; the counter never reaches it (a test can
  // inject a small value). Sealing the `limit`th record answers
  // kSequenceExhausted, and so does a receiver whose expected number reached
  // it; the key must be updated (KEY_UPDATE) or the session ended first.
  uint64_t sequence_limit = UINT64_MAX;
};

// The record layer of one session, for one side (requester or responder).
//
// Keys and numbers: each direction has its own key/IV and its own 64-bit
// sequence number, starting at 0 for every new key (handshake keys, then
// application keys, then each KEY_UPDATE). Numbers never repeat and never
// wrap. The receiver accepts only the next expected number: with a sequence
// number field (MCTP) a record whose field differs from the expected one is
// kReplay (replayed, reordered or skipped) before any decryption; without the
// field (PCI-DOE) such a record fails authentication (kAuthFailed). Nothing is
// released before its tag verifies.
//
// KEY_UPDATE: a new receive key replaces the current one, and the old
// receive key is kept (with its own expected number) so that records the peer
// sealed before it switched still open. The old key is dropped (wiped) as
// soon as a record opens under the new key (the peer seals in order, so
// nothing under the old key can follow), or on DropPreviousReceiveKey
// (VerifyNewKey), or at End. The send key is switched immediately and the old
// one wiped at once.
//
// What an authenticated record carried: the binding's inner message type
// (MCTP: 0x05 for SPDM; another value is an application protocol riding in
// the session, e.g. 0x01 PLDM; nullopt for a binding without a type byte,
// which carries SPDM only) and the message after it.
struct RecordContent {
  std::optional<uint8_t> type;
  Bytes message;
  bool is_spdm(const TransportBinding& binding) const;
};

// Thread-compatible, not thread-safe.
class SecureSession {
 public:
  // Takes a KeySchedule in KeySchedule::Stage::kHandshake and the session's
  // handshake keys out of it. kStateError if the schedule is in another stage
  // or its handshake keys were taken; errors of crypto::SealingContext.
  static Result<SecureSession> Create(Role role, uint32_t session_id,
                                      const TransportBinding& binding,
                                      KeySchedule schedule,
                                      const SessionOptions& options = {});

  SecureSession(SecureSession&&) noexcept = default;
  SecureSession& operator=(SecureSession&&) noexcept = default;

  Role role() const { return role_; }
  uint32_t session_id() const { return session_id_; }
  SessionPhase phase() const { return phase_; }
  const SessionAlgorithms& algorithms() const { return schedule_.algorithms(); }

  // Seals one SPDM message for the peer under the current send key and
  // returns the record. kSessionClosed after End; kSequenceExhausted when the
  // send counter reached the limit; kOutOfRange if the record's Length would
  // not fit 16 bits; kRngFailure.
  Result<Bytes> Seal(ByteSpan spdm_message);
  // Opens a record from the peer and returns the SPDM message it carries.
  // kSessionClosed (ended, or another SessionID), kTruncated / kMalformed /
  // kTrailingData (ParseRecord), kReplay (sequence field is not the expected
  // number), kSequenceExhausted (the receive counter reached the limit),
  // kAuthFailed (tag does not verify; nothing released, no number consumed),
  // kMalformed / kUnsupported after authentication (bad ApplicationDataLength,
  // inner type byte not 0x05).
  Result<Bytes> Open(ByteSpan record);
  // Application messages (DSP0277: any protocol may use the session; MCTP
  // tells them apart by the inner type byte). OpenContent is Open for a
  // record of any inner type: the record's number is used as for an SPDM
  // message, so the session stays in step whatever it carried.
  // SealApplication seals `message` behind the type byte `type`;
  // kInvalidArgument for a binding without a type byte (PCI DOE).
  Result<RecordContent> OpenContent(ByteSpan record);
  Result<Bytes> SealApplication(uint8_t type, ByteSpan message);

  // VerifyData with the finished key of a direction (handshake phase only;
  // see KeySchedule::VerifyData / CheckVerifyData).
  Result<Bytes> VerifyData(Direction direction, ByteSpan transcript_hash) const;
  Status CheckVerifyData(Direction direction, ByteSpan transcript_hash,
                         ByteSpan verify_data) const;

  // After FINISH_RSP was sent (responder) or opened (requester): derives the
  // application secrets from TH2 and switches both directions to the
  // application keys with sequence numbers 0; the handshake keys, finished
  // keys and master secret are wiped. kStateError unless in kHandshake.
  Status EnterApplicationPhase(ByteSpan th2);

  // Export master secret (once; see KeySchedule::TakeExportMasterSecret).
  Result<SecretBytes> TakeExportMasterSecret();

  // KEY_UPDATE building blocks (application phase only, kStateError
  // otherwise). UpdateSendKey: the send direction's secret goes to its
  // "traffic upd" successor, new key/IV, counter 0, old key wiped.
  // UpdateReceiveKey: likewise for the receive direction, keeping the old
  // receive key as described above (a still-kept older one is wiped first).
  Status UpdateSendKey();
  Status UpdateReceiveKey();
  void DropPreviousReceiveKey();
  bool has_previous_receive_key() const { return previous_rx_.has_value(); }

  // KEY_UPDATE as the protocol drives it (DSP0274 1.2 KEY_UPDATE; the wire
  // order was checked against DMTF's emulator):
  //   requester: seal KEY_UPDATE(op) -> OnKeyUpdateRequestSent(op) -> open
  //     KEY_UPDATE_ACK -> OnKeyUpdateAckReceived(op)
  //   responder: open KEY_UPDATE(op) -> OnKeyUpdateRequestReceived(op) ->
  //     seal KEY_UPDATE_ACK
  // UpdateKey: the requester switches its send key after the ACK; the
  //   responder switches its receive key when the request arrives.
  // UpdateAllKeys: as UpdateKey, and the responder also switches its send
  //   key before sealing the ACK, so the requester switches its receive key
  //   right after sending the request (the ACK comes under the new key).
  // VerifyNewKey: sent under the new requester key; the responder drops the
  //   old receive key.
  // kStateError from a role that does not take that step or outside the
  // application phase.
  Status OnKeyUpdateRequestSent(KeyUpdateOp op);
  Status OnKeyUpdateAckReceived(KeyUpdateOp op);
  Status OnKeyUpdateRequestReceived(KeyUpdateOp op);

  // END_SESSION (after END_SESSION_ACK was sealed/opened): wipes every key
  // and secret; afterwards Seal/Open answer kSessionClosed.
  void End();

  // Next sequence numbers (for tests and diagnostics).
  uint64_t next_send_sequence() const;
  uint64_t next_receive_sequence() const { return rx_.next; }

 private:
  struct Receiver {
    std::optional<crypto::SealingContext> ctx;
    uint64_t next = 0;
  };
  SecureSession(Role role, uint32_t session_id, const TransportBinding& binding,
                KeySchedule schedule, const SessionOptions& options)
      : role_(role),
        session_id_(session_id),
        binding_(binding),
        options_(options),
        schedule_(std::move(schedule)) {}
  Direction SendDirection() const;
  Direction ReceiveDirection() const;
  Result<crypto::SealingContext> MakeContext(TrafficKeys keys) const;
  Result<RecordContent> TryOpen(Receiver& rx, const RecordView& view, bool* attempted);
  Result<Bytes> SealTyped(std::optional<uint8_t> type, ByteSpan message);

  Role role_;
  uint32_t session_id_;
  TransportBinding binding_;
  SessionOptions options_;
  SessionPhase phase_ = SessionPhase::kHandshake;
  KeySchedule schedule_;
  std::optional<crypto::SealingContext> tx_;
  Receiver rx_;
  std::optional<Receiver> previous_rx_;
};

}  // namespace ccgpu::spdm::session

#endif  // CCGPU_SPDM_SESSION_SECURED_MESSAGE_H_
