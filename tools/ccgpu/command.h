// Subcommand plumbing for the ccgpu CLI. Each subcommand lives in its own
// file and registers itself on the root CLI11 app through an Add*Command
// function; the action it sets runs after parsing and returns the exit code.
#ifndef CCGPU_TOOLS_CCGPU_COMMAND_H_
#define CCGPU_TOOLS_CCGPU_COMMAND_H_

#include <functional>

#include <CLI/CLI.hpp>

namespace ccgpu::cli {

// Exit codes shared by all subcommands.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,        // the check ran and the answer is "no"
  kExitUsage = 2,         // command line wrong
  kExitInputUnusable = 3, // an input file could not be read or parsed
};

using Action = std::function<int()>;

// Registers `ccgpu selftest`.
void AddSelftestCommand(CLI::App& app, Action& action);
// Registers `ccgpu bench transfer`.
void AddBenchCommand(CLI::App& app, Action& action);
// Registers `ccgpu token` (verify, jwks, issue, inspect): token_cmd.cc.
void AddTokenCommand(CLI::App& app, Action& action);

// Registers `ccgpu verify` (NVIDIA attestation evidence; verify_cmd.cc).
void AddVerifyCommand(CLI::App& app, Action& action);
// Registers `ccgpu gpud` and `ccgpu gpud provision` (emulated GPUs).
void AddGpudCommand(CLI::App& app, Action& action);
// Registers `ccgpu host status|set-cc-mode|reset|read-mem|write-mem|evidence`.
void AddHostCommand(CLI::App& app, Action& action);
// Registers `ccgpu attest` (evidence over SPDM in NVIDIA's JSON; attest_cmd.cc).
void AddAttestCommand(CLI::App& app, Action& action);
// Registers `ccgpu rim make` (adds to an existing `rim` subcommand if any).
void AddRimMakeCommand(CLI::App& app, Action& action);

// Registers `ccgpu demo`, the main job (demo_cmd.cc).
void AddDemoCommand(CLI::App& app, Action& action);

// Registers `ccgpu spdm responder` and `ccgpu spdm requester`.
void AddSpdmCommand(CLI::App& app, Action& action);

}  // namespace ccgpu::cli

#endif  // CCGPU_TOOLS_CCGPU_COMMAND_H_
