#include "base/clock.h"

#include <cstdio>

namespace ccgpu {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian civil date (H. Hinnant's
// public-domain algorithm, restated).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ReadDigits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

const SystemClock& SystemClock::Get() {
  static const SystemClock clock;
  return clock;
}

int64_t ToUnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}

TimePoint FromUnixSeconds(int64_t s) {
  return TimePoint(std::chrono::seconds(s));
}

Result<TimePoint> ParseRfc3339(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(s, 0, 4, &year) || s.size() < 10 || s[4] != '-' ||
      !ReadDigits(s, 5, 2, &month) || s[7] != '-' || !ReadDigits(s, 8, 2, &day)) {
    return Fail(Errc::kMalformed, "time: date must be YYYY-MM-DD");
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return Fail(Errc::kMalformed, "time: month or day out of range");
  }
  std::size_t pos = 10;
  int64_t offset_s = 0;
  if (pos < s.size()) {
    if ((s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') ||
        !ReadDigits(s, pos + 1, 2, &hour) || pos + 3 >= s.size() ||
        s[pos + 3] != ':' || !ReadDigits(s, pos + 4, 2, &minute) ||
        pos + 6 >= s.size() || s[pos + 6] != ':' ||
        !ReadDigits(s, pos + 7, 2, &second)) {
      return Fail(Errc::kMalformed, "time: time must be THH:MM:SS");
    }
    if (hour > 23 || minute > 59 || second > 60) {
      return Fail(Errc::kMalformed, "time: hour, minute or second out of range");
    }
    pos += 9;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      const std::size_t digits_start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == digits_start) return Fail(Errc::kMalformed, "time: empty fraction");
    }
    if (pos >= s.size()) return Fail(Errc::kMalformed, "time: missing zone (Z or +HH:MM)");
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh = 0, om = 0;
      if (!ReadDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() ||
          s[pos + 3] != ':' || !ReadDigits(s, pos + 4, 2, &om) || oh > 23 ||
          om > 59) {
        return Fail(Errc::kMalformed, "time: zone offset must be +HH:MM");
      }
      offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
      pos += 6;
    } else {
      return Fail(Errc::kMalformed, "time: missing zone (Z or +HH:MM)");
    }
    if (pos != s.size()) return Fail(Errc::kMalformed, "time: trailing characters");
  }
  const int64_t days = DaysFromCivil(year, static_cast<unsigned>(month),
                                     static_cast<unsigned>(day));
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  return FromUnixSeconds(secs);
}

std::string FormatRfc3339(TimePoint t) {
  const int64_t secs = ToUnixSeconds(t);
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil from days (inverse of DaysFromCivil).
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y0 = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = y0 + (m <= 2);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60));
  return buf;
}

}  // namespace ccgpu
