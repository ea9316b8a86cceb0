// Groups 19 (CHUNK_SEND_ACK) and 20 (CHUNK_RESPONSE): DMTF's documents
// doc/19.ChunkSendAck.md and doc/20.ChunkResponse.md describe these cases;
// DMTF's validator has no code for them (its groups 19/20 are placeholders),
// so they follow the documents alone, with their assertion numbers.
//
// One departure, on purpose: for an out-of-order CHUNK_SEND (19.2) the
// document expects ERROR(InvalidRequest) or a silent drop. DSP0274 1.2 gives
// the responder a third way, CHUNK_SEND_ACK with EarlyErrorDetected whose
// ResponseToLargeRequest is the ERROR, and DMTF's libspdm responder answers
// that way; 19.2 accepts it and checks the ERROR inside.
#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/rng.h"
#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator::internal {
namespace group_chunk {

// DSP0274 1.2 MinDataTransferSize; the documents cut every message into
// chunks that make MinDataTransferSize-byte CHUNK_SEND/CHUNK_RESPONSE.
constexpr std::size_t kMin = wire::kMinDataTransferSize;
constexpr std::size_t kFirstChunk = wire::ChunkRoom(kMin, 0);  // 26
constexpr std::size_t kLaterChunk = wire::ChunkRoom(kMin, 1);  // 30

// TestSetup of every case here: SPDM 1.2+ listed, VCA offering CHUNK_CAP
// with `dts` as the validator's DataTransferSize, the responder's CHUNK_CAP.
std::optional<Negotiated> Start(Env& env, CaseRun& run, uint32_t dts) {
  const uint8_t v = env.Highest();
  if (v < wire::kVersion12) {
    run.Skip("the responder lists no SPDM 1.2 or later (chunking is 1.2+)");
    return std::nullopt;
  }
  VcaOffer offer;
  offer.flags |= wire::cap::kChunk;
  offer.data_transfer_size = dts;
  offer.max_spdm_msg_size = wire::kDefaultMaxSpdmMsgSize;
  // CHUNK_CAP is read from CAPABILITIES first: without it ALGORITHMS may
  // not fit a small DataTransferSize (ResponseTooLarge, rightly).
  auto caps = VersionAndCapabilities(env.probe, v, offer);
  if (!caps) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION/GET_CAPABILITIES", caps.error(), env.probe.last_response());
    return std::nullopt;
  }
  if (!caps->Has(wire::cap::kChunk)) {
    run.Skip("the responder does not advertise CHUNK_CAP");
    return std::nullopt;
  }
  auto n = Vca(env.probe, v, offer);
  if (!n) {
    run.StepFailed(AssertionId(run, 1), "VCA", n.error(), env.probe.last_response());
    return std::nullopt;
  }
  return std::move(*n);
}

// CHUNK_SEND `seq` of `message` cut into MinDataTransferSize messages.
Bytes ChunkSendOf(uint8_t version, uint8_t handle, ByteSpan message, uint16_t seq) {
  const std::size_t at = seq == 0 ? 0 : kFirstChunk + (seq - 1u) * kLaterChunk;
  const std::size_t n = at >= message.size() ? 0 : std::min(seq == 0 ? kFirstChunk : kLaterChunk, message.size() - at);
  wire::ChunkSend c;
  c.version = version;
  c.handle = handle;
  c.chunk_seq_no = seq;
  c.large_message_size = seq == 0 ? static_cast<uint32_t>(message.size()) : 0;
  c.chunk = message.subspan(std::min(at, message.size()), n);
  c.last_chunk = at + n == message.size();
  auto b = wire::SerializeChunkSend(c);
  CCGPU_CHECK(b.has_value());
  return std::move(*b);
}

std::size_t ChunkCount(std::size_t size) {
  return size <= kFirstChunk ? 1 : 1 + (size - kFirstChunk + kLaterChunk - 1) / kLaterChunk;
}

// A request a case sends and the response code it must get.
struct LargeRequest {
  Bytes bytes;
  wire::Code answer;
};

// The large request of 19.1: KEY_EXCHANGE (KEY_EX_CAP) or else CHALLENGE
// (CHAL_CAP), both over 26 bytes.
Result<LargeRequest> PickLargeRequest(const Negotiated& n) {
  if (n.Has(wire::cap::kKeyEx) && n.dhe != 0) {
    CCGPU_ASSIGN_OR_RETURN(Bytes point, EphemeralPoint(n));
    CCGPU_ASSIGN_OR_RETURN(Bytes ke, BuildKeyExchange(n, 0, wire::kMeasSummaryHashNone, point));
    return LargeRequest{std::move(ke), wire::Code::kKeyExchangeRsp};
  }
  if (n.Has(wire::cap::kChal)) {
    wire::Challenge c;
    c.version = n.version;
    c.slot_id = 0;
    c.meas_summary_hash_type = wire::kMeasSummaryHashNone;
    CCGPU_TRY(crypto::RandomBytes(c.nonce));
    CCGPU_ASSIGN_OR_RETURN(Bytes b, wire::SerializeChallenge(c));
    return LargeRequest{std::move(b), wire::Code::kChallengeAuth};
  }
  return Fail(Errc::kUnsupported, "validator: the responder has neither KEY_EX_CAP nor CHAL_CAP");
}

// 19.1.1-6 for one CHUNK_SEND_ACK.
void CheckAck(CaseRun& run, ByteSpan rsp, uint8_t version, uint8_t handle, uint16_t seq) {
  const std::string seen = "chunk " + std::to_string(seq) + ": response " + HexPrefix(rsp);
  const bool sized = rsp.size() >= wire::kChunkSendAckFixedSize;
  run.Check("19.1.1", sized, "sizeof(SpdmMessage) >= sizeof(CHUNK_SEND_ACK)", seen);
  if (!sized) return;
  run.Check("19.1.2", rsp[1] == static_cast<uint8_t>(wire::Code::kChunkSendAck),
            "SpdmMessage.RequestResponseCode == CHUNK_SEND_ACK", seen);
  run.Check("19.1.3", rsp[0] == version, "SpdmMessage.SPDMVersion == " + ByteHex(version), seen);
  run.Check("19.1.4", (rsp[2] & wire::kChunkEarlyErrorDetected) == 0, "SpdmMessage.Param1.EarlyErrorDetected == 0", seen);
  run.Check("19.1.5", rsp[3] == handle, "SpdmMessage.Param2 == Handle", seen);
  run.Check("19.1.6", (rsp[4] | (rsp[5] << 8)) == seq, "SpdmMessage.ChunkSeqNo == ChunkSeqNo", seen);
}

void ChunkSendCase(Env& env) {
  CaseRun run("19.1", "CHUNK_SEND of a request in MinDataTransferSize chunks gets CHUNK_SEND_ACKs and the response");
  if (auto n = Start(env, run, 0x1200)) {
    Probe& probe = env.probe;
    auto large = PickLargeRequest(*n);
    if (!large) {
      run.Skip(large.error().context);
    } else {
      const uint8_t handle = 0x19;
      const std::size_t count = ChunkCount(large->bytes.size());
      for (uint16_t seq = 0; seq < count; ++seq) {
        auto rsp = probe.Send(ChunkSendOf(n->version, handle, large->bytes, seq));
        if (!rsp) {
          run.StepFailed(AssertionId(run, 1), "CHUNK_SEND " + std::to_string(seq), rsp.error(), probe.last_response());
          break;
        }
        CheckAck(run, *rsp, n->version, handle, seq);
        if (seq + 1u < count || rsp->size() < wire::kChunkSendAckFixedSize) continue;
        wire::ParseParams p = probe.Params(n->np);
        p.padding_origin = wire::kChunkSendAckFixedSize;
        const ByteSpan inner = ByteSpan(*rsp).subspan(wire::kChunkSendAckFixedSize);
        bool ok = inner.size() >= 4 && inner[1] == static_cast<uint8_t>(large->answer) && inner[0] == n->version;
        if (ok) ok = large->answer == wire::Code::kKeyExchangeRsp ? wire::ParseKeyExchangeRsp(inner, p).has_value()
                                                                  : wire::ParseChallengeAuth(inner, p).has_value();
        run.Check("19.1.7", ok,
                  std::string("ResponseToLargeRequest is a well-formed ") +
                      (large->answer == wire::Code::kKeyExchangeRsp ? "KEY_EXCHANGE_RSP" : "CHALLENGE_AUTH"),
                  "ResponseToLargeRequest " + HexPrefix(inner));
      }
    }
  }
  env.Add(std::move(run));
}

// The three steps of 19.2 and 20.2: the chunks sent in order (each must be
// accepted), then the out-of-order one.
struct OutOfOrderStep {
  std::vector<uint16_t> in_order;
  uint16_t wrong;
};
const OutOfOrderStep kOutOfOrderSteps[] = {{{}, 1}, {{0}, 2}, {{0, 1, 2}, 1}};

// Runs one step with `make(seq)` building each message; the answer to the
// out-of-order one, or nullopt when a step failed (recorded in `run`).
std::optional<Bytes> SendOutOfOrder(Probe& probe, CaseRun& run, const OutOfOrderStep& step,
                                    const std::function<Bytes(uint16_t)>& make,
                                    const std::function<bool(ByteSpan)>& accepted, const std::string& what) {
  for (uint16_t seq : step.in_order) {
    auto rsp = probe.Send(make(seq));
    if (!rsp || !accepted(*rsp)) {
      run.StepFailed(AssertionId(run, 1), what + " " + std::to_string(seq) + " (in order)",
                     rsp ? Error{Errc::kUnexpectedMessage, "validator: the in-order chunk was not accepted"} : rsp.error(),
                     probe.last_response());
      return std::nullopt;
    }
  }
  auto rsp = probe.Send(make(step.wrong));
  if (!rsp) {
    run.StepFailed(AssertionId(run, 1), what + " " + std::to_string(step.wrong) + " (out of order)", rsp.error());
    return std::nullopt;
  }
  return std::move(*rsp);
}

// 19.2.1-5 on the answer to an out-of-order CHUNK_SEND: ERROR(InvalidRequest),
// a silent drop, or (DSP0274's EarlyErrorDetected) a CHUNK_SEND_ACK carrying
// that ERROR.
void CheckOutOfOrder(CaseRun& run, ByteSpan rsp, uint8_t version) {
  if (rsp.size() > wire::kChunkSendAckFixedSize && rsp[1] == static_cast<uint8_t>(wire::Code::kChunkSendAck) &&
      (rsp[2] & wire::kChunkEarlyErrorDetected) != 0) {
    return CheckError(run, rsp.subspan(wire::kChunkSendAckFixedSize), version, wire::ErrorCode::kInvalidRequest);
  }
  CheckErrorOrDrop(run, rsp, version, wire::ErrorCode::kInvalidRequest);
}

void ChunkSendOutOfOrderCase(Env& env) {
  CaseRun run("19.2", "CHUNK_SEND out of sequence gets ERROR(InvalidRequest) (or a drop, or EarlyErrorDetected)");
  if (auto n = Start(env, run, 0x1200)) {
    Probe& probe = env.probe;
    // Never completed, so never answered: any request of four or more chunks.
    wire::VendorDefinedRequest vd;
    vd.version = n->version;
    vd.standard_id = wire::standard_id::kPciSig;
    const Bytes vendor_id = {0xDE, 0x10};
    const Bytes payload(120, 0x19);
    vd.vendor_id = vendor_id;
    vd.payload = payload;
    auto message = wire::SerializeVendorDefinedRequest(vd);
    CCGPU_CHECK(message.has_value());
    const auto accepted = [](ByteSpan r) {
      return r.size() >= wire::kChunkSendAckFixedSize && r[1] == static_cast<uint8_t>(wire::Code::kChunkSendAck) &&
             (r[2] & wire::kChunkEarlyErrorDetected) == 0;
    };
    uint8_t handle = 0x20;
    for (const OutOfOrderStep& step : kOutOfOrderSteps) {
      ++handle;
      const auto make = [&](uint16_t seq) { return ChunkSendOf(n->version, handle, *message, seq); };
      if (auto rsp = SendOutOfOrder(probe, run, step, make, accepted, "CHUNK_SEND")) CheckOutOfOrder(run, *rsp, n->version);
    }
  }
  env.Add(std::move(run));
}

// The request of group 20, whose response is over MinDataTransferSize:
// GET_CERTIFICATE (slot 0, 256 bytes) with CERT_CAP, else signed
// GET_MEASUREMENTS of every block.
Result<LargeRequest> LargeResponseRequest(const Negotiated& n) {
  if (n.Has(wire::cap::kCert)) {
    CCGPU_ASSIGN_OR_RETURN(Bytes b, wire::SerializeGetCertificate(wire::GetCertificate{n.version, 0, false, 0, 0x100}));
    return LargeRequest{std::move(b), wire::Code::kCertificate};
  }
  if (n.Has(wire::cap::kMeasSig)) {
    CCGPU_ASSIGN_OR_RETURN(Bytes b, MeasurementsRequest(n.version, true, wire::meas::kOpAll, 0));
    return LargeRequest{std::move(b), wire::Code::kMeasurements};
  }
  return Fail(Errc::kUnsupported, "validator: the responder has neither CERT_CAP nor MEAS_CAP with signatures");
}

// Group 20's setup: VCA at DataTransferSize 42 and the request to use;
// nullopt when the case is finished (skipped, or its setup failed).
struct Group20Setup {
  Negotiated n;
  LargeRequest request;
};
std::optional<Group20Setup> StartGroup20(Env& env, CaseRun& run) {
  auto n = Start(env, run, kMin);
  if (!n) return std::nullopt;
  auto request = LargeResponseRequest(*n);
  if (!request) {
    run.Skip(request.error().context);
    return std::nullopt;
  }
  return Group20Setup{std::move(*n), std::move(*request)};
}

// Sends `request` with reassembly off; the LargeResponse handle.
Result<uint8_t> Announce(Probe& probe, ByteSpan request) {
  probe.set_large_responses(0);
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(request));
  auto e = wire::ParseError(rsp, probe.Params({}));
  if (!e || e->error_code != wire::ErrorCode::kLargeResponse || e->extended_error_data.empty()) {
    return Fail(Errc::kUnexpectedMessage, "validator: a response over MinDataTransferSize was not announced by ERROR(LargeResponse)");
  }
  return e->extended_error_data[0];
}

void ChunkGetCase(Env& env) {
  CaseRun run("20.1", "CHUNK_GET returns the large response in MinDataTransferSize CHUNK_RESPONSEs");
  if (auto setup = StartGroup20(env, run)) {
    Probe& probe = env.probe;
    const Negotiated* n = &setup->n;
    if (auto handle = Announce(probe, setup->request.bytes); !handle) {
      run.StepFailed(AssertionId(run, 1), "large request", handle.error(), probe.last_response());
    } else {
      std::vector<Bytes> chunks;
      auto whole = probe.FetchLarge(n->version, *handle, &chunks);
      if (!whole) {
        run.StepFailed(AssertionId(run, 1), "CHUNK_GET", whole.error(), probe.last_response());
      } else {
        wire::ParseParams p;
        p.allow_dword_padding = probe.config().allow_dword_padding;
        uint32_t large_size = 0;
        for (std::size_t i = 0; i < chunks.size(); ++i) {
          const ByteSpan c = chunks[i];
          const std::string seen = "chunk " + std::to_string(i) + ": " + HexPrefix(c);
          auto m = wire::ParseChunkResponse(c, p);
          run.Check("20.1.1", m.has_value(), "sizeof(SpdmMessage) >= sizeof(CHUNK_RESPONSE)", seen);
          if (!m) continue;
          const bool last = i + 1 == chunks.size();
          run.Check("20.1.2", c[1] == static_cast<uint8_t>(wire::Code::kChunkResponse),
                    "SpdmMessage.RequestResponseCode == CHUNK_RESPONSE", seen);
          run.Check("20.1.3", m->version == n->version, "SpdmMessage.SPDMVersion == " + ByteHex(n->version), seen);
          run.Check("20.1.4", m->last_chunk == last, last ? "last: Param1.LastChunk == 1" : "Param1.LastChunk == 0", seen);
          run.Check("20.1.5", m->handle == *handle, "SpdmMessage.Param2 == LargeResponse.Handle", seen);
          run.Check("20.1.6", m->chunk_seq_no == i, "SpdmMessage.ChunkSeqNo == ChunkSeqNo", seen);
          const std::size_t full = i == 0 ? kFirstChunk : kLaterChunk;
          run.Check("20.1.7", last ? m->chunk.size() <= full : m->chunk.size() == full,
                    "SpdmMessage.ChunkSize == MinDataTransferSize - sizeof(CHUNK_RESPONSE)",
                    seen + " ChunkSize " + std::to_string(m->chunk.size()));
          if (i == 0) large_size = m->large_message_size;
        }
        run.Check("20.1.8", large_size == whole->size(), "LargeMessageSize == sizeof(SPDM_RESPONSE)",
                  std::to_string(large_size) + " vs " + std::to_string(whole->size()));
        const wire::Code want = setup->request.answer;
        wire::ParseParams rp = probe.Params(n->np);
        rp.measurement_signature = want == wire::Code::kMeasurements;
        auto parsed = wire::ParseResponse(*whole, rp);
        run.Check("20.1.9",
                  parsed && whole->size() >= 2 && (*whole)[1] == static_cast<uint8_t>(want) && (*whole)[0] == n->version,
                  "the reassembled SPDMchunks are the response to the request", HexPrefix(*whole));
      }
    }
  }
  env.Add(std::move(run));
}

void ChunkGetOutOfOrderCase(Env& env) {
  CaseRun run("20.2", "CHUNK_GET out of sequence gets ERROR(InvalidRequest) or a drop");
  if (auto setup = StartGroup20(env, run)) {
    Probe& probe = env.probe;
    const uint8_t version = setup->n.version;
    const auto accepted = [](ByteSpan r) {
      return r.size() >= 2 && r[1] == static_cast<uint8_t>(wire::Code::kChunkResponse);
    };
    for (const OutOfOrderStep& step : kOutOfOrderSteps) {
      auto handle = Announce(probe, setup->request.bytes);
      if (!handle) {
        run.StepFailed(AssertionId(run, 1), "large request", handle.error(), probe.last_response());
        continue;
      }
      const auto make = [&](uint16_t seq) { return *wire::SerializeChunkGet(wire::ChunkGet{version, *handle, seq}); };
      if (auto rsp = SendOutOfOrder(probe, run, step, make, accepted, "CHUNK_GET")) {
        CheckErrorOrDrop(run, *rsp, version, wire::ErrorCode::kInvalidRequest);
      }
    }
  }
  env.Add(std::move(run));
}

}  // namespace group_chunk

void RunChunkSendAckGroup(Env& env) {
  group_chunk::ChunkSendCase(env);
  group_chunk::ChunkSendOutOfOrderCase(env);
}

void RunChunkResponseGroup(Env& env) {
  group_chunk::ChunkGetCase(env);
  group_chunk::ChunkGetOutOfOrderCase(env);
}

}  // namespace ccgpu::spdm::validator::internal
