// An injectable wall clock, and RFC 3339 time stamps.
//
// Anything that depends on "now" (certificate validity, OCSP freshness,
// token expiry) takes a `const Clock&` so tests and `--at` can pin the time.
#ifndef CCGPU_BASE_CLOCK_H_
#define CCGPU_BASE_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ccgpu {

// Whole seconds since the Unix epoch. Seconds, not the system clock's
// nanoseconds: certificates say "valid until 9999-12-31", which a 64-bit
// nanosecond count cannot represent.
using TimePoint = std::chrono::sys_seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The operating system's wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::floor<std::chrono::seconds>(
        std::chrono::system_clock::now());
  }
  // A process-wide instance.
  static const SystemClock& Get();
};

// A clock that always reads the time it was given (or was last set to).
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t) : t_(t) {}
  TimePoint Now() const override { return t_; }
  void Set(TimePoint t) { t_ = t; }
  void Advance(std::chrono::seconds d) { t_ += d; }

 private:
  TimePoint t_;
};

// Seconds since the Unix epoch.
int64_t ToUnixSeconds(TimePoint t);
TimePoint FromUnixSeconds(int64_t s);

// Parses an RFC 3339 timestamp ("2024-06-01T00:00:00Z", offsets "+02:00",
// fractional seconds ignored) or a bare date ("2024-06-01", midnight UTC).
// kMalformed on anything else, naming the part that is wrong.
Result<TimePoint> ParseRfc3339(std::string_view text);
// "2024-06-01T00:00:00Z" (UTC, whole seconds).
std::string FormatRfc3339(TimePoint t);

}  // namespace ccgpu

#endif  // CCGPU_BASE_CLOCK_H_
