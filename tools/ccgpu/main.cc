// ccgpu: confidential computing for GPUs — the command-line tool.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "command.h"

#ifndef CCGPU_VERSION
#error "CCGPU_VERSION must be defined by the build"
#endif

int main(int argc, char** argv) {
  CLI::App app{
      "ccgpu — confidential computing for GPUs: attest GPUs, move data in and\n"
      "out of them through encrypted channels, and emulate GPU TEEs."};
  app.set_version_flag("--version", std::string("ccgpu ") + CCGPU_VERSION);
  app.require_subcommand(1);

  ccgpu::cli::Action action;
  ccgpu::cli::AddDemoCommand(app, action);
  ccgpu::cli::AddSelftestCommand(app, action);
  ccgpu::cli::AddBenchCommand(app, action);
  ccgpu::cli::AddTokenCommand(app, action);
  ccgpu::cli::AddVerifyCommand(app, action);
  ccgpu::cli::AddGpudCommand(app, action);
  ccgpu::cli::AddHostCommand(app, action);
  ccgpu::cli::AddRimMakeCommand(app, action);
  ccgpu::cli::AddSpdmCommand(app, action);
  ccgpu::cli::AddAttestCommand(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : ccgpu::cli::kExitUsage;
  }
  if (!action) {
    std::fprintf(stderr, "ccgpu: no action for this subcommand\n");
    return ccgpu::cli::kExitUsage;
  }
  return action();
}
