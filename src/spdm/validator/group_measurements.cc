// Group 7 MEASUREMENTS (DMTF doc/7).
#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator::internal {

void RunMeasurementsGroup(Env&) {}

}  // namespace ccgpu::spdm::validator::internal
