// Group 7 MEASUREMENTS (DMTF doc/7):
//   7.1  1.0 only: skipped (ccgpu speaks 1.1-1.3)
//   7.2  ERROR(VersionMismatch) for a GET_MEASUREMENTS in another version
//   7.3  ERROR(UnexpectedRequest) before NEGOTIATE_ALGORITHMS
//   7.4  ERROR(InvalidRequest) for an unprovisioned slot / an absent index
//   7.5  measurement block format
//   7.6  valid MEASUREMENTS in 1.1; 7.9 the same in 1.2 (and, beyond DMTF's
//        1.2-only case, in 1.3)
//   7.7  7.6 inside a session (1.1); 7.10 7.9 inside a session (1.2, and
//        beyond DMTF's case in 1.3)
//   7.8  ERROR(UnexpectedRequest) for a GET_MEASUREMENTS in the session
//        handshake
// RunMeasurementsGroup runs the cases outside sessions,
// RunMeasurementsInSessionCases 7.7, 7.8 and 7.10 (skipped without a
// secured-message binding).
//
// Checked against DMTF's own program (SPDM-Responder-Validator
// spdm_responder_test_7_measurements.c at 4249ca28), not only its documents:
// the same setup and skip conditions, the same request bytes where they
// decide the answer (7.2, 7.3, 7.4 and 7.8 send DMTF's hand-built requests:
// header, and when signed Nonce | SlotIDParam, never a RequesterContext),
// and the same assertions. Like DMTF's program, the in-session success cases
// are the out-of-session ones run through one session that the setup opens
// on slot 0. Where this file checks more than DMTF's program, the comment at
// the check says so.
//
// A signed MEASUREMENTS is checked over L1/L2 (DSP0274 1.2 §10.11,
// "MEASUREMENTS signature generation"):
//   1.2+: L2 = VCA || GET_MEASUREMENTS_1 || MEASUREMENTS_1 || ... ||
//              GET_MEASUREMENTS_n || MEASUREMENTS_n (without its Signature)
//   1.1:  L1 = the same without VCA,
// where the run of pairs starts after VCA, after the previous signed response
// or after an ERROR to GET_MEASUREMENTS; inside a session the pairs are the
// session's (its VCA is the connection's).
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/rng.h"
#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator::internal {
namespace group7 {

// DSP0274 1.2 §10.11 MEASUREMENTS Param2 bits 5:4 (ContentChanged, 1.2+).
constexpr uint8_t kContentChangedMask = 0x30;
constexpr uint8_t kContentChangeNotSupported = 0x00;
constexpr uint8_t kContentNoChangeDetected = 0x20;
// DMTF measurement header: DMTFSpecMeasurementValueType | ...ValueSize.
constexpr std::size_t kDmtfHeaderSize = 3;

// GET_MEASUREMENTS as DMTF's cases build it by hand: the header and, when
// `sign`, Nonce(32) | SlotIDParam; nothing else in any version (a 1.3 request
// built this way lacks the RequesterContext DSP0274 1.3 adds).
Result<Bytes> DmtfRequest(uint8_t version, bool sign, uint8_t operation, uint8_t slot) {
  Bytes req = {version, static_cast<uint8_t>(wire::Code::kGetMeasurements),
               sign ? wire::meas::kSignatureRequested : uint8_t{0}, operation};
  if (sign) {
    CCGPU_ASSIGN_OR_RETURN(Bytes nonce, crypto::RandomBytes(wire::kNonceSize));
    req.insert(req.end(), nonce.begin(), nonce.end());
    req.push_back(slot);
  }
  return req;
}

// The common setup of 7.2, 7.4-7.10, as DMTF's program runs it (its
// setup_vca_challenge_session): VCA; MEAS_CAP must be set, and with
// MEAS_CAP == 2 also CERT_CAP; then, whatever MEAS_CAP is, GET_DIGESTS, slot
// 0's chain (GET_CERTIFICATE) and CHALLENGE(slot 0, AllMeasurements); for the
// in-session cases KEY_EX_CAP must be set and a session is opened on slot 0
// (KEY_EXCHANGE with MeasurementSummaryHashType All, SessionPolicy 0, then
// FINISH). DMTF's program does not run a case whose setup fails, so a
// responder without CERT_CAP or CHAL_CAP, or without slot 0, has these cases
// skipped. With MEAS_CAP == 2 this validator also reads every other
// provisioned slot's chain, for the leaf keys its signature checks need.
struct Setup {
  Negotiated n;
  bool sign = false;       // MEAS_CAP == 2: ask for signatures
  uint8_t slot_mask = 0;   // DIGESTS: the provisioned slots (ValidSlotID[])
  SlotChain slot0;         // slot 0's chain (the session's, and libspdm's slot in use)
  std::vector<std::pair<uint8_t, crypto::EcPublicKey>> keys;  // MEAS_CAP == 2: each other slot's leaf key
  std::optional<OpenSession> session;  // the in-session cases: application phase
  const crypto::EcPublicKey* KeyOf(uint8_t slot) const {
    if (slot == 0) return slot0.leaf_key ? &*slot0.leaf_key : nullptr;
    for (const auto& [s, k] : keys) {
      if (s == slot) return &k;
    }
    return nullptr;
  }
};

// nullopt: the case was skipped or a step failed (recorded in `run`).
// `with_session`: the setup of 7.7 / 7.10 (ends in an open session).
std::optional<Setup> SetUp(Probe& probe, CaseRun& run, uint8_t version, bool with_session = false) {
  const std::string first = AssertionId(run, 1);
  if (with_session && !probe.config().binding) {
    run.Skip(kNoBinding);
    return std::nullopt;
  }
  auto n = Vca(probe, version, OfferWithEncap());
  if (!n) {
    run.StepFailed(first, "VCA", n.error(), probe.last_response());
    return std::nullopt;
  }
  const uint32_t meas = n->responder_flags & wire::cap::kMeasMask;
  if (meas == 0) {
    run.Skip("the responder does not advertise MEAS_CAP");
    return std::nullopt;
  }
  Setup s;
  s.sign = (meas & wire::cap::kMeasSig) != 0;
  if (s.sign && !n->Has(wire::cap::kCert)) {
    run.Skip("the responder advertises MEAS_CAP == 2 without CERT_CAP");
    return std::nullopt;
  }
  if (!n->Has(wire::cap::kCert)) {
    run.Skip("DMTF's setup reads DIGESTS and slot 0's chain: the responder does not advertise CERT_CAP");
    return std::nullopt;
  }
  if (!n->Has(wire::cap::kChal)) {
    run.Skip("DMTF's setup sends CHALLENGE: the responder does not advertise CHAL_CAP");
    return std::nullopt;
  }
  auto digests = [&]() -> Result<uint8_t> {
    CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeGetDigests(wire::GetDigests{version}));
    CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(req));
    CCGPU_ASSIGN_OR_RETURN(wire::Digests d, wire::ParseDigests(rsp, probe.Params(n->np)));
    return d.provisioned_slot_mask;
  }();
  if (!digests) {
    run.StepFailed(first, "GET_DIGESTS", digests.error(), probe.last_response());
    return std::nullopt;
  }
  s.slot_mask = *digests;
  if ((s.slot_mask & 1u) == 0) {
    run.Skip("DMTF's setup reads slot 0's chain: DIGESTS does not list slot 0");
    return std::nullopt;
  }
  auto chains = [&]() -> Status {
    for (const uint8_t slot : SlotsOf(s.slot_mask)) {
      if (slot != 0 && !s.sign) break;  // slot 0 only, as DMTF's setup
      CCGPU_ASSIGN_OR_RETURN(SlotChain chain, ReadChain(probe, *n, slot, /*with_digests=*/false));
      if (s.sign && !chain.leaf_key) return Fail(Errc::kUnsupportedAlgorithm, "validator: leaf key is not P-256/P-384");
      if (slot == 0) {
        s.slot0 = std::move(chain);
      } else {
        s.keys.emplace_back(slot, std::move(*chain.leaf_key));
      }
    }
    return OkStatus();
  };
  if (Status st = chains(); !st) {
    run.StepFailed(first, "GET_CERTIFICATE", st.error(), probe.last_response());
    return std::nullopt;
  }
  auto challenge = [&]() -> Status {
    wire::Challenge c;
    c.version = version;
    c.slot_id = 0;
    c.meas_summary_hash_type = wire::kMeasSummaryHashAll;
    CCGPU_TRY(crypto::RandomBytes(c.nonce));
    if (version >= wire::kVersion13) CCGPU_TRY(crypto::RandomBytes(c.requester_context));
    CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeChallenge(c));
    CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(req));
    auto h = wire::PeekHeader(rsp);
    if (!h || h->code != static_cast<uint8_t>(wire::Code::kChallengeAuth)) {
      return Fail(Errc::kUnexpectedMessage, "validator: CHALLENGE not answered with CHALLENGE_AUTH");
    }
    return OkStatus();
  };
  if (Status st = challenge(); !st) {
    run.StepFailed(first, "CHALLENGE", st.error(), probe.last_response());
    return std::nullopt;
  }
  if (with_session) {
    if (!n->Has(wire::cap::kKeyEx)) {
      run.Skip("DMTF's setup opens a session: the responder does not advertise KEY_EX_CAP");
      return std::nullopt;
    }
    auto session = Establish(probe, *n, s.slot0, /*finish=*/true, wire::kMeasSummaryHashAll);
    if (!session) {
      run.StepFailed(first, "session setup on slot 0 (KEY_EXCHANGE, FINISH)", session.error(), probe.last_response());
      return std::nullopt;
    }
    s.session.emplace(std::move(*session));
  }
  s.n = std::move(*n);
  return s;
}

// Case 7.6 / 7.9 for one slot: the count, all blocks, then each index;
// 7.7 / 7.10 the same inside the setup's session (DMTF runs one program for
// both, with every slot's requests in the one session opened on slot 0).
class SuccessFlow {
 public:
  SuccessFlow(Probe& probe, CaseRun& run, Setup& s, uint8_t slot)
      : probe_(probe), run_(run), s_(s), slot_(slot), key_(s.KeyOf(slot)),
        session_(s.session ? &*s.session : nullptr) {}

  // false: an assertion or a step failed and the case stops there (later
  // steps build on the earlier responses).
  bool Run() {
    auto v = session::SpdmVersionFromByte(s_.n.version);
    if (!v) return Step("L1/L2 transcript", v.error());
    auto l = session::MeasurementTranscript::Create(s_.n.hash, *v, s_.n.message_a.bytes());
    if (!l) return Step("L1/L2 transcript", l.error());
    l_.emplace(std::move(*l));
    return Count() && All() && EachIndex();
  }

 private:
  std::string Id(int k) const { return AssertionId(run_, k); }
  std::string SlotNote() const {
    return s_.sign || s_.slot_mask != 1 ? " (slot " + std::to_string(slot_) + ")" : std::string();
  }

  bool Step(const std::string& what, const Error& e) {
    run_.StepFailed(Id(1), what + SlotNote(), e, probe_.last_response());
    return false;
  }

  // Sends GET_MEASUREMENTS(operation); `signed_request` asks for a signature.
  std::optional<Bytes> Exchange(uint8_t operation, bool signed_request, Bytes& req) {
    auto r = MeasurementsRequest(s_.n.version, signed_request, operation, slot_);
    if (!r) {
      Step("GET_MEASUREMENTS", r.error());
      return std::nullopt;
    }
    req = std::move(*r);
    auto rsp = session_ != nullptr ? InSession(req) : probe_.Send(req);
    if (!rsp) {
      Step("GET_MEASUREMENTS " + ByteHex(operation), rsp.error());
      return std::nullopt;
    }
    return std::move(*rsp);
  }

  // `req` sealed in the session; the reply must come back sealed too (a
  // requester cannot take a MEASUREMENTS in the clear for a request it sent
  // in a session: DMTF's program records such an exchange as a send/receive
  // failure).
  Result<Bytes> InSession(ByteSpan req) {
    CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, probe_.SendSecured(*session_->secure, req));
    if (!reply.secured) {
      return Fail(Errc::kUnexpectedMessage, "validator: in-session GET_MEASUREMENTS answered in the clear");
    }
    return std::move(reply.bytes);
  }

  // The size, code and version assertions (first, first+1, first+2).
  bool CheckHeader(int first, ByteSpan rsp, const MeasView& v, bool signed_response, const std::string& what) {
    const std::string seen = what + ": response " + HexPrefix(rsp);
    std::string size_what = "sizeof(SpdmMessage) >= sizeof(MEASUREMENTS) + OpaqueDataLength + MeasurementRecordLength";
    if (signed_response) size_what += " + SignatureSize";
    if (!run_.Check(Id(first), v.complete, size_what, seen + " (" + std::to_string(rsp.size()) + " bytes)"))
      return false;
    if (!run_.Check(Id(first + 1), v.code == static_cast<uint8_t>(wire::Code::kMeasurements),
                    "SpdmMessage.RequestResponseCode == MEASUREMENTS", seen)) {
      return false;
    }
    return run_.Check(Id(first + 2), v.version == s_.n.version, "SpdmMessage.SPDMVersion == " + ByteHex(s_.n.version),
                      what + ": " + ByteHex(v.version));
  }

  // Adds the pair to L1/L2; for a signed response checks SlotID,
  // ContentChanged (1.2+) and the signature over L1/L2 (assertion `k`).
  bool Transcript(int k, ByteSpan req, ByteSpan rsp, const MeasView& v, bool signed_response, const std::string& what) {
    if (!s_.sign) return true;  // MEAS_CAP == 1: nothing is signed, L1/L2 is never used
    if (Status st = l_->Append(req, rsp.first(v.signed_end), signed_response); !st)
      return Step("L1/L2 transcript", st.error());
    if (!signed_response) return true;
    auto digest = l_->Digest();
    if (!digest) return Step("L1/L2 transcript", digest.error());
    if (Status st = l_->Reset(); !st) return Step("L1/L2 transcript", st.error());
    if (!run_.Check(Id(k), (v.param2 & 0x0F) == slot_, "SpdmMessage.Param2.SlotID == " + std::to_string(slot_),
                    what + ": Param2 " + ByteHex(v.param2))) {
      return false;
    }
    if (s_.n.version >= wire::kVersion12) {
      const uint8_t cc = v.param2 & kContentChangedMask;
      if (!run_.Check(Id(k), cc == kContentChangeNotSupported || cc == kContentNoChangeDetected,
                      "SpdmMessage.Param2.ContentChanged == NotSupported || NoChange",
                      what + ": Param2 " + ByteHex(v.param2))) {
        return false;
      }
    }
    auto verify = [&](const crypto::EcPublicKey* key) -> Status {
      if (key == nullptr) return Fail(Errc::kBadKey, "validator: no leaf key for the slot");
      return VerifySpdmSignature(s_.n, *key, session::SigningContext::kResponderMeasurements, *digest, v.signature);
    };
    const Status verified = verify(key_);
    if (!run_.Check(Id(k), verified.has_value(), "SPDMsignatureVerify(PubKey, Signature, L1/L2) succeeds",
                    what + (verified ? ": verified" : ": " + verified.error().ToString()))) {
      return false;
    }
    if (slot_ == 0) return true;
    // Beyond DSP0274, which has each slot sign with its own key: DMTF's
    // program sends these requests by hand, so libspdm's notion of the slot in
    // use stays at slot 0 (its setup's GET_CERTIFICATE and CHALLENGE, and in
    // 7.7 / 7.10 its KEY_EXCHANGE) and it verifies every slot's signature with
    // slot 0's leaf key, in a session or not. A responder
    // whose slots hold different keys fails DMTF's run here.
    const Status dmtf = verify(s_.KeyOf(0));
    return run_.Check(Id(k), dmtf.has_value(),
                      "DMTF's program: the signature verifies under slot 0's leaf key (libspdm's slot in use)",
                      what + (dmtf ? ": verified" : ": " + dmtf.error().ToString()));
  }

  // Steps 1-2: GET_MEASUREMENTS(NumberOfMeasurements).
  bool Count() {
    Bytes req;
    auto rsp = Exchange(wire::meas::kOpTotalCount, s_.sign, req);
    if (!rsp) return false;
    const std::string what = "count" + SlotNote();
    const MeasView v = ViewMeasurements(*rsp, s_.n.version, s_.sign ? s_.n.np.signature_size : 0);
    if (!CheckHeader(1, *rsp, v, s_.sign, what)) return false;
    if (!run_.Check(Id(4), v.param1 > 0, "SpdmMessage.Param1.NumberOfMeasurements > 0",
                    what + ": " + std::to_string(v.param1)))
      return false;
    if (!run_.Check(Id(5), v.number_of_blocks == 0, "SpdmMessage.NumberOfBlocks == 0",
                    what + ": " + std::to_string(v.number_of_blocks)))
      return false;
    if (!run_.Check(Id(6), v.record_length == 0, "SpdmMessage.MeasurementRecordLength == 0",
                    what + ": " + std::to_string(v.record_length)))
      return false;
    count_ = v.param1;
    return Transcript(7, req, *rsp, v, s_.sign, what);
  }

  // Steps 3-4: GET_MEASUREMENTS(AllMeasurements).
  bool All() {
    Bytes req;
    auto rsp = Exchange(wire::meas::kOpAll, s_.sign, req);
    if (!rsp) return false;
    const std::string what = "all" + SlotNote();
    const MeasView v = ViewMeasurements(*rsp, s_.n.version, s_.sign ? s_.n.np.signature_size : 0);
    if (!CheckHeader(8, *rsp, v, s_.sign, what)) return false;
    const RecordWalk w = WalkRecord(v.record, v.number_of_blocks);
    // DMTF's program checks NumberOfBlocks > 0 and the blocks the record
    // holds; its document (and DSP0274 1.2 §10.11, Param1 = the number of
    // measurement indices) also NumberOfBlocks == step 1's
    // NumberOfMeasurements, kept here.
    if (!run_.Check(Id(11),
                    v.number_of_blocks > 0 && v.number_of_blocks == count_ && w.blocks.size() == v.number_of_blocks,
                    "SpdmMessage.NumberOfBlocks > 0 && == NumberOfMeasurements && blocks in MeasurementRecord == "
                    "NumberOfBlocks",
                    what + ": NumberOfBlocks " + std::to_string(v.number_of_blocks) + ", NumberOfMeasurements " +
                        std::to_string(count_) + ", blocks read " + std::to_string(w.blocks.size()))) {
      return false;
    }
    all_count_ = v.number_of_blocks;
    if (!run_.Check(Id(12), v.record_length > 0 && w.length == v.record_length,
                    "SpdmMessage.MeasurementRecordLength > 0 && Sum(block sizes) == MeasurementRecordLength",
                    what + ": MeasurementRecordLength " + std::to_string(v.record_length) + ", blocks take " +
                        std::to_string(w.length))) {
      return false;
    }
    all_record_.assign(v.record.begin(), v.record.end());
    // ValidMeasurementIndex[]: the indices 1..0xFE that a block carries,
    // ascending, as DMTF's program walks them; MeasurementBlock[] (re-read
    // from the copy so that the spans outlive this response).
    for (const Block& b : WalkRecord(all_record_, v.number_of_blocks).blocks) {
      blocks_.push_back(b);
      if (b.index == 0 || b.index == 0xFF) continue;
      if (std::find(indices_.begin(), indices_.end(), b.index) == indices_.end()) indices_.push_back(b.index);
    }
    std::sort(indices_.begin(), indices_.end());
    return Transcript(14, req, *rsp, v, s_.sign, what);
  }

  // Steps 5-8: each ValidMeasurementIndex, unsigned but the one whose
  // position equals the all-response's NumberOfBlocks (DMTF's rule: the last
  // when every block has its own index).
  bool EachIndex() {
    for (std::size_t i = 0; i < indices_.size(); ++i) {
      const uint8_t index = indices_[i];
      const bool signed_request = s_.sign && i + 1 == all_count_;
      Bytes req;
      auto rsp = Exchange(index, signed_request, req);
      if (!rsp) return false;
      const std::string what = "index " + std::to_string(index) + SlotNote();
      const MeasView v = ViewMeasurements(*rsp, s_.n.version, signed_request ? s_.n.np.signature_size : 0);
      if (!CheckHeader(15, *rsp, v, signed_request, what)) return false;
      if (!run_.Check(Id(18), v.number_of_blocks == 1, "SpdmMessage.NumberOfBlocks == 1",
                      what + ": " + std::to_string(v.number_of_blocks)))
        return false;
      const Block* expected = nullptr;
      int copies = 0;
      for (const Block& b : blocks_) {
        if (b.index == index) {
          expected = &b;
          ++copies;
        }
      }
      // The block of this index in the all-response: exactly one, as long as
      // this response's record.
      if (!run_.Check(Id(19), copies == 1 && v.record_length > 0 && v.record_length == expected->whole.size(),
                      "SpdmMessage.MeasurementRecordLength > 0 && == size of MeasurementBlock[i] (one block with "
                      "this index in the all-response)",
                      what + ": MeasurementRecordLength " + std::to_string(v.record_length) + ", MeasurementBlock[i] " +
                          std::to_string(expected != nullptr ? expected->whole.size() : 0) +
                          " bytes, blocks with this index in the all-response " + std::to_string(copies))) {
        return false;
      }
      if (!run_.Check(Id(20), std::ranges::equal(v.record, expected->whole),
                      "SpdmMessage.MeasurementRecord == MeasurementBlock[i]",
                      what + ": " + HexPrefix(v.record) + " vs " + HexPrefix(expected->whole))) {
        return false;
      }
      if (!Transcript(21, req, *rsp, v, signed_request, what)) return false;
    }
    return true;
  }

  Probe& probe_;
  CaseRun& run_;
  const Setup& s_;
  uint8_t slot_;
  const crypto::EcPublicKey* key_;
  OpenSession* session_;  // 7.7 / 7.10: the setup's session; else nullptr
  std::optional<session::MeasurementTranscript> l_;
  uint8_t count_ = 0;
  std::size_t all_count_ = 0;  // NumberOfBlocks of the all-response
  Bytes all_record_;
  std::vector<Block> blocks_;
  std::vector<uint8_t> indices_;
};

// 7.6 (1.1), 7.9 (1.2, and 1.3); with `in_session` 7.7 (1.1), 7.10 (1.2,
// and 1.3).
void RunSuccessCase(Env& env, const std::string& id, uint8_t version, const std::string& title,
                    bool in_session = false) {
  CaseRun run(id, title);
  if (!env.Listed(version)) {
    run.Skip("the responder does not list SPDM " + std::to_string(version >> 4) + "." + std::to_string(version & 15));
    env.Add(std::move(run));
    return;
  }
  std::optional<Setup> s = SetUp(env.probe, run, version, in_session);
  if (s) {
    // Every provisioned slot, signed or not (DMTF's program walks the
    // DIGESTS slot mask in both cases; unsigned requests name no slot), in
    // the one session when in a session.
    for (const uint8_t slot : SlotsOf(s->slot_mask)) {
      if (!SuccessFlow(env.probe, run, *s, slot).Run()) break;
    }
  }
  env.Add(std::move(run));
}

// One request per entry, each expected to get ERROR(code): the five ERROR
// assertions are checked on every response and recorded once each when all
// hold (the detail names how many), else once per response that fails.
void CheckErrorEach(CaseRun& run, const std::vector<std::pair<std::string, Bytes>>& responses, uint8_t version,
                    wire::ErrorCode code) {
  std::vector<std::vector<AssertionResult>> per_response;
  for (const auto& [label, rsp] : responses) {
    CaseRun scratch(run.id(), "");
    CheckError(scratch, rsp, version, code, 1);
    per_response.push_back(scratch.Take().assertions);
  }
  if (per_response.empty()) return;
  for (std::size_t k = 0; k < per_response.front().size(); ++k) {
    bool all = true;
    for (std::size_t i = 0; i < per_response.size(); ++i) {
      const AssertionResult& a = per_response[i][k];
      if (!a.passed) {
        all = false;
        run.Check(a.id, false, a.what, responses[i].first + ": " + a.detail);
      }
    }
    if (all) {
      const AssertionResult& a = per_response.front()[k];
      run.Check(a.id, true, a.what,
                "all " + std::to_string(responses.size()) + " requests (" + responses.front().first + " … " +
                    responses.back().first + ")");
    }
  }
}

// 7.2: GET_MEASUREMENTS(NumberOfMeasurements, unsigned: the 4-byte header
// DMTF's program sends) in NegotiatedVersion-1, then NegotiatedVersion+1.
void RunVersionMismatch(Env& env) {
  CaseRun run("7.2", "GET_MEASUREMENTS in a version other than the negotiated one: ERROR(VersionMismatch)");
  const uint8_t version = env.Highest();
  std::optional<Setup> s = version != 0 ? SetUp(env.probe, run, version) : std::nullopt;
  if (version == 0) run.Skip("the responder lists no version ccgpu speaks");
  if (s) {
    for (const uint8_t wrong : WrongVersions(version)) {
      auto req = DmtfRequest(wrong, /*sign=*/false, wire::meas::kOpTotalCount, 0);
      if (!req) {
        run.StepFailed(AssertionId(run, 1), "GET_MEASUREMENTS", req.error());
        break;
      }
      auto rsp = env.probe.Send(*req);
      if (!rsp) {
        run.StepFailed(AssertionId(run, 1), "GET_MEASUREMENTS in " + ByteHex(wrong), rsp.error(),
                       env.probe.last_response());
        continue;
      }
      CheckError(run, *rsp, version, wire::ErrorCode::kVersionMismatch, 1);
    }
  }
  env.Add(std::move(run));
}

// 7.3: GET_VERSION, GET_CAPABILITIES, then GET_MEASUREMENTS.
void RunUnexpectedRequest(Env& env) {
  CaseRun run("7.3", "GET_MEASUREMENTS before NEGOTIATE_ALGORITHMS: ERROR(UnexpectedRequest)");
  const uint8_t version = env.Highest();
  if (version == 0) {
    run.Skip("the responder lists no version ccgpu speaks");
    env.Add(std::move(run));
    return;
  }
  Probe& probe = env.probe;
  auto half = VersionAndCapabilities(probe, version);
  if (!half) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION / GET_CAPABILITIES", half.error(), probe.last_response());
    env.Add(std::move(run));
    return;
  }
  const uint32_t flags = half->responder_flags;
  const uint32_t meas = flags & wire::cap::kMeasMask;
  const bool sign = (meas & wire::cap::kMeasSig) != 0;
  // DMTF's TestSetup reads "CERT_CAP == 0: skip"; its program skips on the
  // MEAS_CAP condition of the other cases, which is what this case needs.
  if (meas == 0) {
    run.Skip("the responder does not advertise MEAS_CAP");
  } else if (sign && (flags & wire::cap::kCert) == 0) {
    run.Skip("the responder advertises MEAS_CAP == 2 without CERT_CAP");
  } else {
    // DMTF's document reads SPDMVersion=NegotiatedVersion+1, which would test
    // VersionMismatch (7.2); DMTF's program sends the version
    // GET_CAPABILITIES settled, unsigned: the 4-byte header (in 1.3 without
    // the RequesterContext, so a responder must judge the state before the
    // length to answer UnexpectedRequest).
    auto req = DmtfRequest(version, /*sign=*/false, wire::meas::kOpTotalCount, 0);
    auto rsp = req ? probe.Send(*req) : Result<Bytes>(tl::unexpected(req.error()));
    if (!rsp) {
      run.StepFailed(AssertionId(run, 1), "GET_MEASUREMENTS", rsp.error(), probe.last_response());
    } else {
      CheckError(run, *rsp, version, wire::ErrorCode::kUnexpectedRequest, 1);
    }
  }
  env.Add(std::move(run));
}

// Steps 16-17 of 7.4's / steps 1-2 of 7.5's setup: GET_MEASUREMENTS(All),
// which must be a MEASUREMENTS whose record reads. Its record is copied into
// `record`; nullopt after recording the failed step.
std::optional<std::vector<Block>> ReadAllBlocks(Probe& probe, CaseRun& run, const Setup& s, Bytes& record) {
  auto fail = [&](const Error& e) {
    run.StepFailed(AssertionId(run, 1), "GET_MEASUREMENTS(AllMeasurements)", e, probe.last_response());
    return std::nullopt;
  };
  auto req = MeasurementsRequest(s.n.version, s.sign, wire::meas::kOpAll, 0);
  if (!req) return fail(req.error());
  auto rsp = probe.Send(*req);
  if (!rsp) return fail(rsp.error());
  const MeasView v = ViewMeasurements(*rsp, s.n.version, s.sign ? s.n.np.signature_size : 0);
  if (!v.complete || v.code != static_cast<uint8_t>(wire::Code::kMeasurements)) {
    return fail(Error{Errc::kUnexpectedMessage, "validator: GET_MEASUREMENTS not answered with a whole MEASUREMENTS"});
  }
  record.assign(v.record.begin(), v.record.end());
  RecordWalk w = WalkRecord(record, v.number_of_blocks);
  if (w.blocks.size() != v.number_of_blocks || w.length != record.size()) {
    return fail(Error{Errc::kMalformed, "validator: MeasurementRecord does not hold NumberOfBlocks blocks"});
  }
  return std::move(w.blocks);
}

// 7.4: unprovisioned slots (DMTF's program), then absent indices (DMTF's
// document only).
void RunInvalidRequest(Env& env) {
  CaseRun run("7.4", "GET_MEASUREMENTS with an invalid field: ERROR(InvalidRequest)");
  const uint8_t version = env.Highest();
  std::optional<Setup> s = version != 0 ? SetUp(env.probe, run, version) : std::nullopt;
  if (version == 0) run.Skip("the responder lists no version ccgpu speaks");
  if (!s) {
    env.Add(std::move(run));
    return;
  }
  // Sends `req`, keeping the response under `label`; false after recording a
  // step that could not be carried out.
  auto ask = [&](Result<Bytes> req, const std::string& label, std::vector<std::pair<std::string, Bytes>>& out) {
    if (!req) {
      run.StepFailed(AssertionId(run, 1), "GET_MEASUREMENTS " + label, req.error());
      return false;
    }
    auto rsp = env.probe.Send(*req);
    if (!rsp) {
      run.StepFailed(AssertionId(run, 1), "GET_MEASUREMENTS " + label, rsp.error(), env.probe.last_response());
      return false;
    }
    out.emplace_back(label, std::move(*rsp));
    return true;
  };
  // DMTF's program: a signed GET_MEASUREMENTS(NumberOfMeasurements), built
  // as it builds it (Nonce | SlotIDParam, no RequesterContext), naming each
  // InvalidSlotID: 0..0xE not in the DIGESTS slot mask (0xF names a
  // provisioned public key, which DMTF leaves out). Sent whatever MEAS_CAP
  // is. In 1.3 that request is also too short; the same slots are asked
  // again with a well-formed 1.3 request, so that the slot itself is judged.
  std::vector<std::pair<std::string, Bytes>> by_slot, by_slot_13;
  for (uint8_t slot = 0; slot < 0x0F; ++slot) {
    if (slot < 8 && (s->slot_mask & (1u << slot)) != 0) continue;
    const std::string label = "SlotID " + std::to_string(slot);
    if (!ask(DmtfRequest(version, /*sign=*/true, wire::meas::kOpTotalCount, slot), label, by_slot)) break;
    if (version >= wire::kVersion13 &&
        !ask(MeasurementsRequest(version, /*sign=*/true, wire::meas::kOpTotalCount, slot),
             label + " (with RequesterContext)", by_slot_13)) {
      break;
    }
  }
  CheckErrorEach(run, by_slot, version, wire::ErrorCode::kInvalidRequest);
  CheckErrorEach(run, by_slot_13, version, wire::ErrorCode::kInvalidRequest);
  // DMTF's document (its program no longer sends these): each
  // InvalidMeasurementIndex, 1..0xFE not carried by a block of the
  // all-response. DSP0274 1.2 §10.11 answers an absent index with
  // InvalidRequest.
  Bytes record;
  std::optional<std::vector<Block>> blocks = ReadAllBlocks(env.probe, run, *s, record);
  if (blocks) {
    auto valid = [&](unsigned index) {
      return std::any_of(blocks->begin(), blocks->end(), [&](const Block& b) { return b.index == index; });
    };
    std::vector<std::pair<std::string, Bytes>> by_index;
    for (unsigned index = 1; index <= 0xFE; ++index) {
      if (valid(index)) continue;
      if (!ask(MeasurementsRequest(version, s->sign, static_cast<uint8_t>(index), 0), "index " + std::to_string(index),
               by_index)) {
        break;
      }
    }
    CheckErrorEach(run, by_index, version, wire::ErrorCode::kInvalidRequest);
  }
  env.Add(std::move(run));
}

// 7.5: every block of GET_MEASUREMENTS(AllMeasurements).
void RunBlockFormat(Env& env) {
  CaseRun run("7.5", "measurement blocks follow the DMTF measurement specification format");
  const uint8_t version = env.Highest();
  std::optional<Setup> s = version != 0 ? SetUp(env.probe, run, version) : std::nullopt;
  if (version == 0) run.Skip("the responder lists no version ccgpu speaks");
  Bytes record;
  std::optional<std::vector<Block>> blocks = s ? ReadAllBlocks(env.probe, run, *s, record) : std::nullopt;
  if (blocks) {
    const std::size_t hash_size = wire::MeasurementHashSize(s->n.measurement_hash);
    for (const Block& b : *blocks) {
      const std::string what = "index " + std::to_string(b.index);
      if (!run.Check("7.5.1", b.specification == wire::alg::kMeasSpecDmtf,
                     "SpdmMeasurementBlock.MeasurementSpecification == DMTF", what + ": " + ByteHex(b.specification))) {
        continue;
      }
      ByteReader r(b.measurement);
      auto type = r.U8();
      auto size = type ? r.U16() : Result<uint16_t>(Fail(Errc::kTruncated, "validator: DMTF measurement header"));
      if (!size) {
        run.Check("7.5.2", false, "DMTF measurement header present",
                  what + ": MeasurementSize " + std::to_string(b.measurement.size()) + " < 3");
        continue;
      }
      const bool raw = (*type & wire::meas::kRawBitStream) != 0;
      if (!raw) {
        run.Check("7.5.2", b.measurement.size() == kDmtfHeaderSize + hash_size,
                  "DMTFSpecMeasurementValueType.bit_7 == 0: MeasurementSize == 3 + HashSize",
                  what + ": MeasurementSize " + std::to_string(b.measurement.size()) + ", HashSize " +
                      std::to_string(hash_size));
        run.Check("7.5.3", *size == hash_size,
                  "DMTFSpecMeasurementValueType.bit_7 == 0: DMTFSpecMeasurementValueSize == HashSize",
                  what + ": DMTFSpecMeasurementValueSize " + std::to_string(*size) + ", HashSize " +
                      std::to_string(hash_size));
      }
      if ((*type & 0x7F) == wire::meas::kTypeDeviceMode && version >= wire::kVersion12) {
        run.Check("7.5.4", raw, "DMTFSpecMeasurementValueType[6:0] == 5 (device mode), 1.2+: bit_7 == 1",
                  what + ": DMTFSpecMeasurementValueType " + ByteHex(*type));
      }
    }
  }
  env.Add(std::move(run));
}

// 7.8: DMTF's setup at 1.2, else 1.1 (its version list holds only those
// two), KEY_EX_CAP, then KEY_EXCHANGE on slot 0 without a measurement
// summary hash and, before FINISH, an unsigned GET_MEASUREMENTS
// (NumberOfMeasurements, the 4-byte header) sealed with the handshake keys:
// until FINISH_RSP a session carries only FINISH (and the encapsulated
// requests of mutual authentication), DSP0274 1.2 KEY_EXCHANGE / FINISH.
void RunUnexpectedRequestInHandshake(Env& env) {
  CaseRun run("7.8", "GET_MEASUREMENTS during the session handshake: ERROR(UnexpectedRequest)");
  const uint8_t version = env.Listed(wire::kVersion12)   ? wire::kVersion12
                          : env.Listed(wire::kVersion11) ? wire::kVersion11
                                                         : 0;
  std::optional<Setup> s;
  if (!env.probe.config().binding) {
    run.Skip(kNoBinding);
  } else if (version == 0) {
    run.Skip("the responder lists neither SPDM 1.2 nor 1.1 (DMTF's setup negotiates one of them)");
  } else {
    s = SetUp(env.probe, run, version);
  }
  if (s && !s->n.Has(wire::cap::kKeyEx)) {
    run.Skip("the responder does not advertise KEY_EX_CAP");
    s.reset();
  }
  if (s) {
    auto handshake = Establish(env.probe, s->n, s->slot0, /*finish=*/false, wire::kMeasSummaryHashNone);
    auto req = DmtfRequest(version, /*sign=*/false, wire::meas::kOpTotalCount, 0);
    if (!handshake) {
      run.StepFailed(AssertionId(run, 1), "KEY_EXCHANGE on slot 0", handshake.error(), env.probe.last_response());
    } else if (!req) {
      run.StepFailed(AssertionId(run, 1), "GET_MEASUREMENTS", req.error());
    } else if (auto reply = env.probe.SendSecured(*handshake->secure, *req); !reply) {
      run.StepFailed(AssertionId(run, 1), "GET_MEASUREMENTS in the handshake", reply.error(),
                     env.probe.last_response());
    } else if (!reply->secured) {
      // DMTF's program (libspdm) takes no reply in the clear for a request
      // it sent in a session: a send/receive failure there.
      run.StepFailed(AssertionId(run, 1), "GET_MEASUREMENTS in the handshake",
                     Error{Errc::kUnexpectedMessage, "validator: the reply came back in the clear"}, reply->bytes);
    } else {
      CheckError(run, reply->bytes, version, wire::ErrorCode::kUnexpectedRequest, 1);
    }
  }
  env.Add(std::move(run));
}

}  // namespace group7

void RunMeasurementsGroup(Env& env) {
  {
    CaseRun run("7.1", "GET_MEASUREMENTS in SPDM 1.0");
    run.Skip("SPDM 1.0 case: ccgpu speaks 1.1-1.3");
    env.Add(std::move(run));
  }
  group7::RunVersionMismatch(env);
  group7::RunUnexpectedRequest(env);
  group7::RunInvalidRequest(env);
  group7::RunBlockFormat(env);
  group7::RunSuccessCase(env, "7.6", wire::kVersion11, "valid MEASUREMENTS in SPDM 1.1 (count, all, each index)");
  group7::RunSuccessCase(env, "7.9", wire::kVersion12, "valid MEASUREMENTS in SPDM 1.2 (count, all, each index)");
  group7::RunSuccessCase(env, "7.9", wire::kVersion13,
                         "valid MEASUREMENTS in SPDM 1.3 (DMTF's 1.2 case 7.9, also run at 1.3)");
}

void RunMeasurementsInSessionCases(Env& env) {
  group7::RunSuccessCase(env, "7.7", wire::kVersion11,
                         "valid MEASUREMENTS in a session in SPDM 1.1 (count, all, each index)", /*in_session=*/true);
  group7::RunUnexpectedRequestInHandshake(env);
  group7::RunSuccessCase(env, "7.10", wire::kVersion12,
                         "valid MEASUREMENTS in a session in SPDM 1.2 (count, all, each index)", /*in_session=*/true);
  group7::RunSuccessCase(env, "7.10", wire::kVersion13,
                         "valid MEASUREMENTS in a session in SPDM 1.3 (DMTF's 1.2 case 7.10, also run at 1.3)",
                         /*in_session=*/true);
}

}  // namespace ccgpu::spdm::validator::internal
