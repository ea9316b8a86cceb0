// Result<T>, Status and the project-wide error taxonomy.
//
// Every fallible operation that a peer, a file or the environment can make
// fail returns a [[nodiscard]] Result<T>: either a T or an Error naming the
// class of failure (Errc) and a static string saying where and what.
// Exceptions are not used for anything input can cause.
#ifndef CCGPU_BASE_RESULT_H_
#define CCGPU_BASE_RESULT_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace ccgpu {

// The error list only grows: a value, once assigned, keeps its meaning
// forever (it is printed, logged and compared by tools). Add new codes at the
// end of their block with the next free value; never renumber or reuse. The
// list itself lives in errc_list.inc so that names and the uniqueness test are
// generated from one place.
enum class Errc : uint16_t {
#define CCGPU_ERRC(name, value, text) name = value,
#include "base/errc_list.inc"
#undef CCGPU_ERRC
};

// Stable identifier of an Errc ("kTruncated"), or "kUnknownErrc".
std::string_view ErrcName(Errc code);
// One-line human description of an Errc.
std::string_view ErrcText(Errc code);
// Every defined Errc, in declaration order (for tests and tools).
std::span<const Errc> AllErrcs();

// An error: what class of failure, and a static string naming where/what.
// `context` must point to storage with static lifetime (a string literal).
struct Error {
  Errc code;
  const char* context;

  // "kTruncated: spdm.version: entry count past end (truncated input)".
  std::string ToString() const;
  friend bool operator==(const Error& a, const Error& b) {
    return a.code == b.code;  // context is descriptive only
  }
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

// Builds the error half of a Result: `return Fail(Errc::kTruncated, "...")`.
inline tl::unexpected<Error> Fail(Errc code, const char* context) {
  return tl::unexpected<Error>(Error{code, context});
}

inline Status OkStatus() { return {}; }

}  // namespace ccgpu

#define CCGPU_CONCAT_INNER_(a, b) a##b
#define CCGPU_CONCAT_(a, b) CCGPU_CONCAT_INNER_(a, b)

// Returns the error of a Result/Status expression from the enclosing function.
#define CCGPU_TRY(expr)                                         \
  do {                                                          \
    auto&& ccgpu_try_result_ = (expr);                          \
    if (!ccgpu_try_result_) {                                   \
      return ::tl::unexpected<::ccgpu::Error>(                  \
          ccgpu_try_result_.error());                           \
    }                                                           \
  } while (false)

// `CCGPU_ASSIGN_OR_RETURN(auto x, Parse(...));`
#define CCGPU_ASSIGN_OR_RETURN(lhs, expr) \
  CCGPU_ASSIGN_OR_RETURN_IMPL_(CCGPU_CONCAT_(ccgpu_aor_, __LINE__), lhs, expr)
#define CCGPU_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                   \
  auto tmp = (expr);                                                   \
  if (!tmp) return ::tl::unexpected<::ccgpu::Error>(tmp.error());      \
  lhs = std::move(*tmp)

// Always-on invariant check (never compiled out): a broken invariant is a bug
// in this program, not bad input, so it aborts with the location.
#define CCGPU_CHECK(cond)                                                  \
  do {                                                                     \
    if (!(cond)) [[unlikely]] {                                            \
      std::fprintf(stderr, "%s:%d: CCGPU_CHECK failed: %s\n", __FILE__,    \
                   __LINE__, #cond);                                       \
      std::abort();                                                        \
    }                                                                      \
  } while (false)

#endif  // CCGPU_BASE_RESULT_H_
