// The SPDM session key schedule (DSP0274 1.2 §12 "Key schedule", with the
// DSP0277 traffic keys). All secrets are SecretBytes; intermediate secrets
// are wiped as soon as the next step holds what it needs (order below).
//
//   BinConcat(L, label, ctx) = u16le(L) || "spdm1.x " || label || ctx
//   Salt_0           = 0x00 x H (PSK sessions from 1.3: 0xFF x H)
//   HandshakeSecret  = HKDF-Extract(Salt_0, DHE shared secret or PSK)
//   req_hs_secret    = HKDF-Expand(HS, BinConcat(H, "req hs data", TH1), H)
//   rsp_hs_secret    = HKDF-Expand(HS, BinConcat(H, "rsp hs data", TH1), H)
//   x_finished_key   = HKDF-Expand(x_hs_secret, BinConcat(H, "finished"), H)
//   key / iv         = HKDF-Expand(secret, BinConcat(32, "key"), 32) /
//                      HKDF-Expand(secret, BinConcat(12, "iv"), 12)
//   Salt_1           = HKDF-Expand(HS, BinConcat(H, "derived"), H)
//   MasterSecret     = HKDF-Extract(Salt_1, 0x00 x H)
//   req_app_secret   = HKDF-Expand(MS, BinConcat(H, "req app data", TH2), H)
//   rsp_app_secret   = HKDF-Expand(MS, BinConcat(H, "rsp app data", TH2), H)
//   ExportMaster     = HKDF-Expand(MS, BinConcat(H, "exp master", TH2), H)
//   KEY_UPDATE       : secret' = HKDF-Expand(secret, BinConcat(H,
//                      "traffic upd"), H); then key/iv from secret'.
//
// The free functions are the individual steps (stateless; the known-answer
// tests check each). KeySchedule strings them together and owns the secrets.
#ifndef CCGPU_SPDM_SESSION_KEY_SCHEDULE_H_
#define CCGPU_SPDM_SESSION_KEY_SCHEDULE_H_

#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "spdm/session/algorithms.h"

namespace ccgpu::spdm::session {

// bin_str: u16le(length) || "spdm1.x " || label || context.
// kOutOfRange if length > 0xFFFF.
Result<Bytes> BinConcat(SpdmVersion version, std::size_t length,
                        std::string_view label, ByteSpan context = {});

// An AEAD key (32 bytes) and IV (12 bytes) for one direction.
struct TrafficKeys {
  SecretBytes key;
  SecretBytes iv;
};

// --- Steps (each returns kInvalidArgument for wrong-sized inputs,
// kUnsupportedAlgorithm for a hash other than SHA-256/384, kCryptoFailure). --

// HKDF-Extract(0^H, dhe_secret).
Result<SecretBytes> DeriveHandshakeSecret(const SessionAlgorithms& algs,
                                          ByteSpan dhe_secret);
// PSK sessions (PSK_EXCHANGE): HKDF-Extract(Salt_0, psk) with Salt_0 =
// 0x00 x H up to 1.2 and 0xFF x H from 1.3 (DSP0274 1.3 §12, which keeps a
// PSK's handshake secret apart from any DHE one). kInvalidArgument for an
// empty PSK.
Result<SecretBytes> DeriveHandshakeSecretFromPsk(const SessionAlgorithms& algs,
                                                 ByteSpan psk);
// HKDF-Expand(HS, bin_str1/2("req hs data"/"rsp hs data", TH1), H).
Result<SecretBytes> DeriveDirectionHandshakeSecret(
    const SessionAlgorithms& algs, ByteSpan handshake_secret,
    Direction direction, ByteSpan th1);
// HKDF-Expand(direction_handshake_secret, bin_str7("finished"), H).
Result<SecretBytes> DeriveFinishedKey(const SessionAlgorithms& algs,
                                      ByteSpan direction_handshake_secret);
// key and iv (bin_str5 "key", bin_str6 "iv") from a direction secret.
Result<TrafficKeys> DeriveTrafficKeys(const SessionAlgorithms& algs,
                                      ByteSpan direction_secret);
// Salt_1 = HKDF-Expand(HS, bin_str0("derived"), H).
Result<SecretBytes> DeriveSalt1(const SessionAlgorithms& algs,
                                ByteSpan handshake_secret);
// MasterSecret = HKDF-Extract(Salt_1, 0^H).
Result<SecretBytes> DeriveMasterSecret(const SessionAlgorithms& algs,
                                       ByteSpan salt1);
// HKDF-Expand(MS, bin_str3/4("req app data"/"rsp app data", TH2), H).
Result<SecretBytes> DeriveDirectionAppSecret(const SessionAlgorithms& algs,
                                             ByteSpan master_secret,
                                             Direction direction, ByteSpan th2);
// HKDF-Expand(MS, bin_str8("exp master", TH2), H).
Result<SecretBytes> DeriveExportMasterSecret(const SessionAlgorithms& algs,
                                             ByteSpan master_secret,
                                             ByteSpan th2);
// KEY_UPDATE: HKDF-Expand(secret, bin_str9("traffic upd"), H).
Result<SecretBytes> DeriveUpdatedSecret(const SessionAlgorithms& algs,
                                        ByteSpan direction_secret);
// HMAC(finished_key, transcript_hash): a VerifyData field.
Result<Bytes> ComputeVerifyData(const SessionAlgorithms& algs,
                                ByteSpan finished_key,
                                ByteSpan transcript_hash);

// The schedule of one session. Stages and what is held in each:
//   kHandshakeSecret (Create): HS only. The DHE secret is wiped as soon as HS
//     exists (Create takes it by value and clears it before returning).
//   kHandshake (DeriveHandshake(TH1)): finished keys and handshake traffic
//     keys of both directions, and the master secret. The direction handshake
//     secrets are wiped right after their finished key and traffic keys are
//     derived; Salt_1 right after the master secret; HS right after Salt_1.
//   kApplication (DeriveApplication(TH2)): both direction app secrets (kept
//     for KEY_UPDATE) and the export master secret. The finished keys, any
//     handshake traffic keys not yet taken and the master secret are wiped
//     right after the app and export secrets are derived.
//   kWiped (Wipe): nothing.
class KeySchedule {
 public:
  enum class Stage { kHandshakeSecret, kHandshake, kApplication, kWiped };

  // HS = HKDF-Extract(0^H, dhe_secret); `dhe_secret` is wiped.
  // kUnsupportedAlgorithm (CheckSessionAlgorithms), kInvalidArgument if the
  // DHE secret is empty, kCryptoFailure.
  static Result<KeySchedule> Create(const SessionAlgorithms& algs,
                                    SecretBytes dhe_secret);
  // A PSK session's schedule: HS from the pre-shared key
  // (DeriveHandshakeSecretFromPsk). The PSK is long-term and stays the
  // caller's; only HS is kept. The stages that follow are the same.
  static Result<KeySchedule> CreateFromPsk(const SessionAlgorithms& algs,
                                           ByteSpan psk);

  const SessionAlgorithms& algorithms() const { return algs_; }
  Stage stage() const { return stage_; }

  // kStateError unless in kHandshakeSecret; kInvalidArgument if TH1 is not
  // H bytes.
  Status DeriveHandshake(ByteSpan th1);
  // Moves out the handshake traffic keys of a direction (once each;
  // kStateError unless in kHandshake or if already taken).
  Result<TrafficKeys> TakeHandshakeKeys(Direction direction);
  // HMAC(finished_key(direction), transcript_hash). kStateError outside
  // kHandshake.
  Result<Bytes> VerifyData(Direction direction, ByteSpan transcript_hash) const;
  // Constant-time check of a received VerifyData. kTranscriptMismatch if it
  // differs; kStateError outside kHandshake.
  Status CheckVerifyData(Direction direction, ByteSpan transcript_hash,
                         ByteSpan verify_data) const;

  // kStateError unless in kHandshake; kInvalidArgument if TH2 is not H bytes.
  Status DeriveApplication(ByteSpan th2);
  // Traffic keys from the current app secret of a direction (kStateError
  // outside kApplication). Can be called again after UpdateApplicationSecret.
  Result<TrafficKeys> ApplicationKeys(Direction direction) const;
  // KEY_UPDATE: replaces the app secret of a direction by its "traffic upd"
  // successor; the old secret is wiped at once. kStateError outside
  // kApplication.
  Status UpdateApplicationSecret(Direction direction);
  // Moves out the export master secret (once; kStateError otherwise).
  Result<SecretBytes> TakeExportMasterSecret();
  // Wipes every secret; stage becomes kWiped.
  void Wipe();

 private:
  explicit KeySchedule(const SessionAlgorithms& algs) : algs_(algs) {}
  const SecretBytes& FinishedKey(Direction d) const;

  SessionAlgorithms algs_;
  Stage stage_ = Stage::kHandshakeSecret;
  SecretBytes handshake_secret_;
  SecretBytes master_secret_;
  SecretBytes req_finished_key_, rsp_finished_key_;
  TrafficKeys req_hs_keys_, rsp_hs_keys_;
  bool req_hs_taken_ = false, rsp_hs_taken_ = false;
  SecretBytes req_app_secret_, rsp_app_secret_;
  SecretBytes export_master_secret_;
  bool export_taken_ = false;
};

}  // namespace ccgpu::spdm::session

#endif  // CCGPU_SPDM_SESSION_KEY_SCHEDULE_H_
