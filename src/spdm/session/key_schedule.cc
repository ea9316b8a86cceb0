#include "spdm/session/key_schedule.h"

#include <utility>

#include "base/encoding.h"
#include "crypto/hkdf.h"
#include "crypto/mac.h"

namespace ccgpu::spdm::session {

namespace {

// bin_str labels (DSP0274 1.2 §12 key schedule, bin_str0..bin_str9).
constexpr std::string_view kLabelDerived = "derived";      // bin_str0
constexpr std::string_view kLabelReqHs = "req hs data";    // bin_str1
constexpr std::string_view kLabelRspHs = "rsp hs data";    // bin_str2
constexpr std::string_view kLabelReqApp = "req app data";  // bin_str3
constexpr std::string_view kLabelRspApp = "rsp app data";  // bin_str4
constexpr std::string_view kLabelKey = "key";              // bin_str5
constexpr std::string_view kLabelIv = "iv";                // bin_str6
constexpr std::string_view kLabelFinished = "finished";    // bin_str7
constexpr std::string_view kLabelExport = "exp master";    // bin_str8
constexpr std::string_view kLabelUpdate = "traffic upd";   // bin_str9

std::size_t H(const SessionAlgorithms& algs) {
  return crypto::DigestSize(algs.hash);
}

Status CheckSize(const SessionAlgorithms& algs, ByteSpan value,
                 const char* what) {
  if (value.size() != H(algs)) return Fail(Errc::kInvalidArgument, what);
  return OkStatus();
}

// HKDF-Expand(prk, BinConcat(length, label, context), length).
Result<SecretBytes> ExpandLabel(const SessionAlgorithms& algs, ByteSpan prk,
                                std::string_view label, ByteSpan context,
                                std::size_t length) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  CCGPU_TRY(CheckSize(algs, prk, "spdm.key_schedule: secret is not H bytes"));
  CCGPU_ASSIGN_OR_RETURN(Bytes info,
                         BinConcat(algs.version, length, label, context));
  return crypto::HkdfExpand(algs.hash, prk, info, length);
}

// The same with the PRK already keyed (HKDF-Expand of several labels from
// one secret absorbs the secret's HMAC pads once).
Result<SecretBytes> ExpandLabelKeyed(const SessionAlgorithms& algs,
                                     const crypto::HmacKey& prk,
                                     std::string_view label, ByteSpan context,
                                     std::size_t length) {
  CCGPU_ASSIGN_OR_RETURN(Bytes info,
                         BinConcat(algs.version, length, label, context));
  return crypto::HkdfExpand(prk, info, length);
}

Result<crypto::HmacKey> KeyedSecret(const SessionAlgorithms& algs,
                                    ByteSpan secret) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  CCGPU_TRY(CheckSize(algs, secret, "spdm.key_schedule: secret is not H bytes"));
  return crypto::HmacKey::Create(algs.hash, secret);
}

// key and iv (bin_str5, bin_str6) from a keyed direction secret.
Result<TrafficKeys> TrafficKeysFrom(const SessionAlgorithms& algs,
                                    const crypto::HmacKey& secret) {
  TrafficKeys keys;
  CCGPU_ASSIGN_OR_RETURN(keys.key, ExpandLabelKeyed(algs, secret, kLabelKey,
                                                    {}, kAeadKeyLength));
  CCGPU_ASSIGN_OR_RETURN(keys.iv, ExpandLabelKeyed(algs, secret, kLabelIv, {},
                                                   kAeadIvLength));
  return keys;
}

}  // namespace

Result<Bytes> BinConcat(SpdmVersion version, std::size_t length,
                        std::string_view label, ByteSpan context) {
  // bin_str = u16le(Length) || "spdm1.x " || Label || Context.
  if (length > 0xFFFF) return Fail(Errc::kOutOfRange, "spdm.key_schedule: bin_str length");
  const std::string_view prefix = BinStrVersionLabel(version);
  Bytes out;
  out.reserve(2 + prefix.size() + label.size() + context.size());
  out.push_back(static_cast<uint8_t>(length & 0xFF));
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.insert(out.end(), prefix.begin(), prefix.end());
  out.insert(out.end(), label.begin(), label.end());
  out.insert(out.end(), context.begin(), context.end());
  return out;
}

Result<SecretBytes> DeriveHandshakeSecret(const SessionAlgorithms& algs,
                                          ByteSpan dhe_secret) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  if (dhe_secret.empty()) {
    return Fail(Errc::kInvalidArgument, "spdm.key_schedule: empty DHE secret");
  }
  // Salt_0 = 0^H; HandshakeSecret = HKDF-Extract(Salt_0, DHE secret).
  const Bytes salt0(H(algs), 0x00);
  return crypto::HkdfExtract(algs.hash, salt0, dhe_secret);
}

Result<SecretBytes> DeriveHandshakeSecretFromPsk(const SessionAlgorithms& algs,
                                                 ByteSpan psk) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  if (psk.empty()) {
    return Fail(Errc::kInvalidArgument, "spdm.key_schedule: empty PSK");
  }
  const Bytes salt0(H(algs), algs.version >= SpdmVersion::k13 ? 0xFF : 0x00);
  return crypto::HkdfExtract(algs.hash, salt0, psk);
}

Result<SecretBytes> DeriveDirectionHandshakeSecret(
    const SessionAlgorithms& algs, ByteSpan handshake_secret,
    Direction direction, ByteSpan th1) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  CCGPU_TRY(CheckSize(algs, th1, "spdm.key_schedule: TH1 is not H bytes"));
  return ExpandLabel(
      algs, handshake_secret,
      direction == Direction::kRequesterToResponder ? kLabelReqHs : kLabelRspHs,
      th1, H(algs));
}

Result<SecretBytes> DeriveFinishedKey(const SessionAlgorithms& algs,
                                      ByteSpan direction_handshake_secret) {
  return ExpandLabel(algs, direction_handshake_secret, kLabelFinished, {},
                     H(algs));
}

Result<TrafficKeys> DeriveTrafficKeys(const SessionAlgorithms& algs,
                                      ByteSpan direction_secret) {
  CCGPU_ASSIGN_OR_RETURN(crypto::HmacKey secret,
                         KeyedSecret(algs, direction_secret));
  return TrafficKeysFrom(algs, secret);
}

Result<SecretBytes> DeriveSalt1(const SessionAlgorithms& algs,
                                ByteSpan handshake_secret) {
  return ExpandLabel(algs, handshake_secret, kLabelDerived, {}, H(algs));
}

Result<SecretBytes> DeriveMasterSecret(const SessionAlgorithms& algs,
                                       ByteSpan salt1) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  CCGPU_TRY(CheckSize(algs, salt1, "spdm.key_schedule: Salt_1 is not H bytes"));
  // MasterSecret = HKDF-Extract(salt = Salt_1, ikm = 0^H). (Salt and IKM are
  // easy to swap; this order matches the captured sessions.)
  const Bytes zeros(H(algs), 0x00);
  return crypto::HkdfExtract(algs.hash, salt1, zeros);
}

Result<SecretBytes> DeriveDirectionAppSecret(const SessionAlgorithms& algs,
                                             ByteSpan master_secret,
                                             Direction direction,
                                             ByteSpan th2) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  CCGPU_TRY(CheckSize(algs, th2, "spdm.key_schedule: TH2 is not H bytes"));
  return ExpandLabel(algs, master_secret,
                     direction == Direction::kRequesterToResponder
                         ? kLabelReqApp
                         : kLabelRspApp,
                     th2, H(algs));
}

Result<SecretBytes> DeriveExportMasterSecret(const SessionAlgorithms& algs,
                                             ByteSpan master_secret,
                                             ByteSpan th2) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  CCGPU_TRY(CheckSize(algs, th2, "spdm.key_schedule: TH2 is not H bytes"));
  return ExpandLabel(algs, master_secret, kLabelExport, th2, H(algs));
}

Result<SecretBytes> DeriveUpdatedSecret(const SessionAlgorithms& algs,
                                        ByteSpan direction_secret) {
  return ExpandLabel(algs, direction_secret, kLabelUpdate, {}, H(algs));
}

Result<Bytes> ComputeVerifyData(const SessionAlgorithms& algs,
                                ByteSpan finished_key,
                                ByteSpan transcript_hash) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  CCGPU_TRY(CheckSize(algs, finished_key,
                      "spdm.key_schedule: finished key is not H bytes"));
  CCGPU_TRY(CheckSize(algs, transcript_hash,
                      "spdm.key_schedule: transcript hash is not H bytes"));
  return crypto::Hmac(algs.hash, finished_key, transcript_hash);
}

// --- KeySchedule -------------------------------------------------------------

Result<KeySchedule> KeySchedule::Create(const SessionAlgorithms& algs,
                                        SecretBytes dhe_secret) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  KeySchedule ks(algs);
  auto hs = DeriveHandshakeSecret(algs, dhe_secret.reveal());
  dhe_secret.Clear();  // the DHE secret is not needed once HS exists
  if (!hs) return tl::unexpected(hs.error());
  ks.handshake_secret_ = std::move(*hs);
  return ks;
}

Result<KeySchedule> KeySchedule::CreateFromPsk(const SessionAlgorithms& algs,
                                               ByteSpan psk) {
  CCGPU_TRY(CheckSessionAlgorithms(algs));
  KeySchedule ks(algs);
  CCGPU_ASSIGN_OR_RETURN(ks.handshake_secret_,
                         DeriveHandshakeSecretFromPsk(algs, psk));
  return ks;
}

Status KeySchedule::DeriveHandshake(ByteSpan th1) {
  if (stage_ != Stage::kHandshakeSecret) {
    return Fail(Errc::kStateError,
                "spdm.key_schedule: handshake keys already derived");
  }
  CCGPU_TRY(CheckSize(algs_, th1, "spdm.key_schedule: TH1 is not H bytes"));
  // Order: each direction secret -> its finished key and traffic keys, then
  // the direction secret is wiped (it and its keyed HMAC state go out of
  // scope here). Then Salt_1 from HS, HS wiped (the keyed state of HS too);
  // MasterSecret from Salt_1, Salt_1 wiped. Each secret that expands several
  // labels is keyed once (crypto::HmacKey) for all of them.
  SecretBytes salt1;
  {
    CCGPU_ASSIGN_OR_RETURN(crypto::HmacKey hs,
                           KeyedSecret(algs_, handshake_secret_.reveal()));
    for (Direction d :
         {Direction::kRequesterToResponder, Direction::kResponderToRequester}) {
      CCGPU_ASSIGN_OR_RETURN(
          SecretBytes secret,
          ExpandLabelKeyed(algs_, hs,
                           d == Direction::kRequesterToResponder ? kLabelReqHs
                                                                 : kLabelRspHs,
                           th1, H(algs_)));
      CCGPU_ASSIGN_OR_RETURN(crypto::HmacKey keyed,
                             KeyedSecret(algs_, secret.reveal()));
      secret.Clear();
      CCGPU_ASSIGN_OR_RETURN(
          SecretBytes finished,
          ExpandLabelKeyed(algs_, keyed, kLabelFinished, {}, H(algs_)));
      CCGPU_ASSIGN_OR_RETURN(TrafficKeys keys, TrafficKeysFrom(algs_, keyed));
      if (d == Direction::kRequesterToResponder) {
        req_finished_key_ = std::move(finished);
        req_hs_keys_ = std::move(keys);
      } else {
        rsp_finished_key_ = std::move(finished);
        rsp_hs_keys_ = std::move(keys);
      }
    }
    CCGPU_ASSIGN_OR_RETURN(
        salt1, ExpandLabelKeyed(algs_, hs, kLabelDerived, {}, H(algs_)));
  }
  handshake_secret_.Clear();
  CCGPU_ASSIGN_OR_RETURN(master_secret_,
                         DeriveMasterSecret(algs_, salt1.reveal()));
  salt1.Clear();
  stage_ = Stage::kHandshake;
  return OkStatus();
}

Result<TrafficKeys> KeySchedule::TakeHandshakeKeys(Direction direction) {
  if (stage_ != Stage::kHandshake) {
    return Fail(Errc::kStateError,
                "spdm.key_schedule: handshake keys exist only in the "
                "handshake stage");
  }
  bool& taken = direction == Direction::kRequesterToResponder ? req_hs_taken_
                                                              : rsp_hs_taken_;
  if (taken) {
    return Fail(Errc::kStateError,
                "spdm.key_schedule: handshake keys already taken");
  }
  taken = true;
  return std::move(direction == Direction::kRequesterToResponder
                       ? req_hs_keys_
                       : rsp_hs_keys_);
}

const SecretBytes& KeySchedule::FinishedKey(Direction d) const {
  return d == Direction::kRequesterToResponder ? req_finished_key_
                                               : rsp_finished_key_;
}

Result<Bytes> KeySchedule::VerifyData(Direction direction,
                                      ByteSpan transcript_hash) const {
  if (stage_ != Stage::kHandshake) {
    return Fail(Errc::kStateError,
                "spdm.key_schedule: finished keys exist only in the handshake "
                "stage");
  }
  return ComputeVerifyData(algs_, FinishedKey(direction).reveal(),
                           transcript_hash);
}

Status KeySchedule::CheckVerifyData(Direction direction,
                                    ByteSpan transcript_hash,
                                    ByteSpan verify_data) const {
  if (stage_ != Stage::kHandshake) {
    return Fail(Errc::kStateError,
                "spdm.key_schedule: finished keys exist only in the handshake "
                "stage");
  }
  CCGPU_TRY(CheckSize(algs_, transcript_hash,
                      "spdm.key_schedule: transcript hash is not H bytes"));
  auto ok = crypto::HmacVerify(algs_.hash, FinishedKey(direction).reveal(),
                               transcript_hash, verify_data);
  if (!ok) {
    if (ok.error().code == Errc::kAuthFailed) {
      return Fail(Errc::kTranscriptMismatch,
                  "spdm.key_schedule: VerifyData does not match the "
                  "transcript");
    }
    return ok;
  }
  return OkStatus();
}

Status KeySchedule::DeriveApplication(ByteSpan th2) {
  if (stage_ != Stage::kHandshake) {
    return Fail(Errc::kStateError,
                "spdm.key_schedule: application keys need the handshake "
                "stage");
  }
  CCGPU_TRY(CheckSize(algs_, th2, "spdm.key_schedule: TH2 is not H bytes"));
  SecretBytes req, rsp, exp;
  {
    // MS expands three labels: keyed once.
    CCGPU_ASSIGN_OR_RETURN(crypto::HmacKey ms,
                           KeyedSecret(algs_, master_secret_.reveal()));
    CCGPU_ASSIGN_OR_RETURN(
        req, ExpandLabelKeyed(algs_, ms, kLabelReqApp, th2, H(algs_)));
    CCGPU_ASSIGN_OR_RETURN(
        rsp, ExpandLabelKeyed(algs_, ms, kLabelRspApp, th2, H(algs_)));
    CCGPU_ASSIGN_OR_RETURN(
        exp, ExpandLabelKeyed(algs_, ms, kLabelExport, th2, H(algs_)));
  }
  // Order: app and export secrets exist -> MS, finished keys and untaken
  // handshake keys are wiped.
  req_app_secret_ = std::move(req);
  rsp_app_secret_ = std::move(rsp);
  export_master_secret_ = std::move(exp);
  master_secret_.Clear();
  req_finished_key_.Clear();
  rsp_finished_key_.Clear();
  req_hs_keys_ = {};
  rsp_hs_keys_ = {};
  stage_ = Stage::kApplication;
  return OkStatus();
}

Result<TrafficKeys> KeySchedule::ApplicationKeys(Direction direction) const {
  if (stage_ != Stage::kApplication) {
    return Fail(Errc::kStateError,
                "spdm.key_schedule: application keys need the application "
                "stage");
  }
  return DeriveTrafficKeys(algs_, direction == Direction::kRequesterToResponder
                                      ? req_app_secret_.reveal()
                                      : rsp_app_secret_.reveal());
}

Status KeySchedule::UpdateApplicationSecret(Direction direction) {
  if (stage_ != Stage::kApplication) {
    return Fail(Errc::kStateError,
                "spdm.key_schedule: KEY_UPDATE needs the application stage");
  }
  SecretBytes& secret = direction == Direction::kRequesterToResponder
                            ? req_app_secret_
                            : rsp_app_secret_;
  CCGPU_ASSIGN_OR_RETURN(SecretBytes next,
                         DeriveUpdatedSecret(algs_, secret.reveal()));
  secret = std::move(next);  // the move-assignment wipes the old secret
  return OkStatus();
}

Result<SecretBytes> KeySchedule::TakeExportMasterSecret() {
  if (stage_ != Stage::kApplication || export_taken_) {
    return Fail(Errc::kStateError,
                "spdm.key_schedule: export master secret not available (not "
                "derived yet or already taken)");
  }
  export_taken_ = true;
  return std::move(export_master_secret_);
}

void KeySchedule::Wipe() {
  handshake_secret_.Clear();
  master_secret_.Clear();
  req_finished_key_.Clear();
  rsp_finished_key_.Clear();
  req_hs_keys_ = {};
  rsp_hs_keys_ = {};
  req_app_secret_.Clear();
  rsp_app_secret_.Clear();
  export_master_secret_.Clear();
  stage_ = Stage::kWiped;
}

}  // namespace ccgpu::spdm::session
