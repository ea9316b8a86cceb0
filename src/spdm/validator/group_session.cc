// Groups 8 KEY_EXCHANGE_RSP, 9 FINISH_RSP, 12 HEARTBEAT_ACK, 13 KEY_UPDATE_ACK,
// 16 END_SESSION_ACK (DMTF doc/8, 9, 12, 13, 16).
#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator::internal {

void RunKeyExchangeRspGroup(Env&) {}
void RunFinishRspGroup(Env&) {}
void RunHeartbeatAckGroup(Env&) {}
void RunKeyUpdateAckGroup(Env&) {}
void RunEndSessionAckGroup(Env&) {}
void RunMeasurementsInSessionCases(Env&) {}

}  // namespace ccgpu::spdm::validator::internal
