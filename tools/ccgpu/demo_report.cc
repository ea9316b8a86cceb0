#include "demo_report.h"

#include <algorithm>

namespace ccgpu::cli::demo {
namespace {

double MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::string HumanBytes(uint64_t n) {
  char buf[32];
  if (n >= (1u << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1u << 20));
  } else if (n >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  }
  return buf;
}

}  // namespace

void Report::Begin(std::string name) {
  if (in_step_) EndOk("");
  steps_.push_back({std::move(name), false, "", 0});
  started_ = std::chrono::steady_clock::now();
  in_step_ = true;
  std::fprintf(progress_, "  [%2zu] %s …\n", steps_.size(), steps_.back().name.c_str());
  std::fflush(progress_);
}

void Report::EndOk(std::string detail) {
  if (!in_step_) return;
  StepRecord& s = steps_.back();
  s.ok = true;
  s.detail = std::move(detail);
  s.ms = MsSince(started_);
  in_step_ = false;
  std::fprintf(progress_, "       ok   %8.1f ms%s%s\n", s.ms, s.detail.empty() ? "" : "  ", s.detail.c_str());
  std::fflush(progress_);
}

void Report::EndFailed(const Error& error, std::string detail) {
  if (!in_step_) return;
  StepRecord& s = steps_.back();
  s.ok = false;
  s.detail = std::string(ErrcName(error.code)) + ": " + error.context + (detail.empty() ? "" : " — " + detail);
  s.ms = MsSince(started_);
  in_step_ = false;
  std::fprintf(progress_, "       FAIL %8.1f ms  %s\n", s.ms, s.detail.c_str());
  std::fflush(progress_);
}

void Report::Attack(AttackRecord attack) {
  std::fprintf(progress_, "       host attack: %-32s %s (%s%s%s)%s\n", attack.name.c_str(),
               attack.detected ? "DETECTED" : "NOT DETECTED", attack.error.c_str(),
               attack.detail.empty() ? "" : ", ", attack.detail.c_str(),
               attack.survived ? ", recovered" : ", NOT recovered");
  std::fflush(progress_);
  attacks_.push_back(std::move(attack));
}

void Report::Note(const std::string& line) {
  std::fprintf(progress_, "       %s\n", line.c_str());
  std::fflush(progress_);
}

void Report::AddBytes(const std::string& kind, uint64_t bytes, double seconds) {
  auto it = std::find_if(traffic_.begin(), traffic_.end(), [&](const auto& t) { return t.first == kind; });
  if (it == traffic_.end()) {
    traffic_.push_back({kind, {}});
    it = traffic_.end() - 1;
  }
  it->second.bytes += bytes;
  it->second.seconds += seconds;
}

bool Report::ok() const {
  if (steps_.empty() || in_step_) return false;
  for (const auto& s : steps_) {
    if (!s.ok) return false;
  }
  for (const auto& a : attacks_) {
    if (!a.detected || !a.survived) return false;
  }
  return true;
}

nlohmann::ordered_json Report::ToJson() const {
  nlohmann::ordered_json j;
  j["ok"] = ok();
  j["elapsed_ms"] = MsSince(run_started_);
  auto& steps = j["steps"] = nlohmann::ordered_json::array();
  for (const auto& s : steps_) {
    steps.push_back({{"name", s.name}, {"ok", s.ok}, {"detail", s.detail}, {"ms", s.ms}});
  }
  auto& attacks = j["attacks"] = nlohmann::ordered_json::array();
  for (const auto& a : attacks_) {
    attacks.push_back({{"name", a.name}, {"detected", a.detected}, {"error", a.error}, {"detail", a.detail},
                       {"survived", a.survived}});
  }
  auto& traffic = j["traffic"] = nlohmann::ordered_json::object();
  for (const auto& [kind, t] : traffic_) {
    traffic[kind] = {{"bytes", t.bytes},
                     {"mb_per_s", t.seconds > 0 ? static_cast<double>(t.bytes) / t.seconds / 1e6 : 0.0}};
  }
  for (const auto& [k, v] : extra_.items()) j[k] = v;
  return j;
}

void Report::PrintSummary(std::FILE* out) const {
  const std::size_t passed =
      static_cast<std::size_t>(std::count_if(steps_.begin(), steps_.end(), [](const auto& s) { return s.ok; }));
  const std::size_t detected = static_cast<std::size_t>(
      std::count_if(attacks_.begin(), attacks_.end(), [](const auto& a) { return a.detected && a.survived; }));
  std::fprintf(out, "\n== ccgpu demo report\n");
  std::fprintf(out, "  steps passed:      %zu/%zu\n", passed, steps_.size());
  for (const auto& s : steps_) {
    if (!s.ok) std::fprintf(out, "    FAILED: %s: %s\n", s.name.c_str(), s.detail.c_str());
  }
  std::fprintf(out, "  attacks detected:  %zu/%zu (and recovered from)\n", detected, attacks_.size());
  for (const auto& a : attacks_) {
    std::fprintf(out, "    - %-32s %s\n", a.name.c_str(), a.detected ? a.error.c_str() : "NOT DETECTED");
  }
  for (const auto& [kind, t] : traffic_) {
    std::fprintf(out, "  %-18s %s encrypted", (kind + ":").c_str(), HumanBytes(t.bytes).c_str());
    if (t.seconds > 0) std::fprintf(out, ", %.0f MB/s", static_cast<double>(t.bytes) / t.seconds / 1e6);
    std::fprintf(out, "\n");
  }
  for (const auto& [k, v] : extra_.items()) {
    std::fprintf(out, "  %-18s %s\n", (k + ":").c_str(), v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
  }
  std::fprintf(out, "  result:            %s\n", ok() ? "PASS" : "FAIL");
}

}  // namespace ccgpu::cli::demo
