// Groups 1 VERSION, 2 CAPABILITIES, 3 ALGORITHMS (DMTF doc/1-3).
#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator::internal {

void RunVersionGroup(Env&) {}
void RunCapabilitiesGroup(Env&) {}
void RunAlgorithmsGroup(Env&) {}

}  // namespace ccgpu::spdm::validator::internal
