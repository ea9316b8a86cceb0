// Groups 4 DIGESTS, 5 CERTIFICATE, 6 CHALLENGE_AUTH (DMTF doc/4-6).
#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator::internal {

void RunDigestsGroup(Env&) {}
void RunCertificateGroup(Env&) {}
void RunChallengeAuthGroup(Env&) {}

}  // namespace ccgpu::spdm::validator::internal
