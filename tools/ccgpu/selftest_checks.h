// Per-layer self-test entry points that `ccgpu selftest` runs. Each layer
// adds `CCGPU_SELFTEST("name", Function)` to CCGPU_SELFTEST_LAYERS; each
// function appends a line per passed check and returns the first failure.
#ifndef CCGPU_TOOLS_CCGPU_SELFTEST_CHECKS_H_
#define CCGPU_TOOLS_CCGPU_SELFTEST_CHECKS_H_

#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/selftest.h"

#define CCGPU_SELFTEST_LAYERS \
  CCGPU_SELFTEST("crypto", ::ccgpu::crypto::CryptoSelfTest)

#endif  // CCGPU_TOOLS_CCGPU_SELFTEST_CHECKS_H_
