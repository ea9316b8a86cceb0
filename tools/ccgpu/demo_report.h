// Progress and the final report of `ccgpu demo`: each step is shown as it
// starts and ends (to stderr when --json owns stdout), and the run ends with
// a short human summary or one JSON document.
#ifndef CCGPU_TOOLS_CCGPU_DEMO_REPORT_H_
#define CCGPU_TOOLS_CCGPU_DEMO_REPORT_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace ccgpu::cli::demo {

struct StepRecord {
  std::string name;
  bool ok = false;
  std::string detail;  // what was checked / why it failed
  double ms = 0;
};

// One planted attack: what the host did and what caught it.
struct AttackRecord {
  std::string name;      // "tampered H2D chunk"
  bool detected = false;
  std::string error;     // Errc name that reported it
  std::string detail;    // where (chunk index, step, TDI state)
  bool survived = false; // the workload continued correctly afterwards
};

class Report {
 public:
  // Progress lines go to `progress` (stdout, or stderr for --json).
  explicit Report(std::FILE* progress) : progress_(progress) {}

  // Starts a step (prints "  … name"); End* finishes the current one.
  void Begin(std::string name);
  void EndOk(std::string detail);
  void EndFailed(const Error& error, std::string detail);
  // Runs `fn` as one step: OK → EndOk(detail); error → EndFailed. Returns
  // whether it passed.
  template <typename Fn>
  bool Step(std::string name, Fn&& fn) {
    Begin(std::move(name));
    std::string detail;
    Status s = fn(detail);
    if (s.has_value()) {
      EndOk(std::move(detail));
      return true;
    }
    EndFailed(s.error(), std::move(detail));
    return false;
  }

  void Attack(AttackRecord attack);
  void Note(const std::string& line);  // an indented progress line (claims, numbers)

  void AddBytes(const std::string& kind, uint64_t bytes, double seconds);
  void SetResult(const std::string& key, nlohmann::ordered_json value) { extra_[key] = std::move(value); }

  // Every step passed and every planted attack was detected and survived.
  bool ok() const;
  nlohmann::ordered_json ToJson() const;
  void PrintSummary(std::FILE* out) const;

 private:
  struct Traffic {
    uint64_t bytes = 0;
    double seconds = 0;
  };
  std::FILE* progress_;
  std::vector<StepRecord> steps_;
  std::vector<AttackRecord> attacks_;
  std::vector<std::pair<std::string, Traffic>> traffic_;
  nlohmann::ordered_json extra_ = nlohmann::ordered_json::object();
  std::chrono::steady_clock::time_point started_{};
  std::chrono::steady_clock::time_point run_started_ = std::chrono::steady_clock::now();
  bool in_step_ = false;
};

}  // namespace ccgpu::cli::demo

#endif  // CCGPU_TOOLS_CCGPU_DEMO_REPORT_H_
