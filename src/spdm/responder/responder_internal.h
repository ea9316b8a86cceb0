// Responder internals shared by the rsp_*.cc handlers (not a public API).
#ifndef CCGPU_SPDM_RESPONDER_RESPONDER_INTERNAL_H_
#define CCGPU_SPDM_RESPONDER_RESPONDER_INTERNAL_H_

#include <optional>

#include "spdm/responder/algorithm_map.h"
#include "spdm/responder/responder.h"
#include "spdm/session/key_schedule.h"
#include "spdm/session/secured_message.h"
#include "spdm/session/transcript.h"

namespace ccgpu::spdm::responder {

struct Responder::SessionState {
  uint32_t id = 0;
  bool in_clear = false;
  bool established = false;  // FINISH done: application phase
  std::optional<session::SecureSession> secure;
  std::optional<session::SessionTranscript> th;       // KEY_EXCHANGE sessions
  std::optional<session::PskSessionTranscript> psk_th;  // PSK_EXCHANGE sessions
  Bytes th2;
  std::optional<session::MeasurementTranscript> l;  // in-session L1/L2
  // Fault bookkeeping.
  Bytes last_record;
  int app_responses = 0;
};

// Error helpers: handlers return Fail(Errc, ...) and Dispatch maps the code
// to the SPDM ErrorCode (see ErrorFor in responder.cc).
inline tl::unexpected<Error> Unexpected(const char* why) { return Fail(Errc::kUnexpectedMessage, why); }
inline tl::unexpected<Error> Invalid(const char* why) { return Fail(Errc::kInvalidArgument, why); }
inline tl::unexpected<Error> Unsupported(const char* why) { return Fail(Errc::kUnsupported, why); }
inline tl::unexpected<Error> SessionRequired(const char* why) { return Fail(Errc::kSessionClosed, why); }

// Flips one bit (fault injection).
inline void FlipBit(Bytes& b, std::size_t at) {
  if (!b.empty()) b[at % b.size()] ^= 0x01;
}

}  // namespace ccgpu::spdm::responder

#endif  // CCGPU_SPDM_RESPONDER_RESPONDER_INTERNAL_H_
