// ByteReader / ByteWriter: the only way ccgpu parses or builds wire bytes.
//
// ByteReader is a cursor over borrowed bytes (BoringSSL CBS-style). Every read
// is bounds-checked, returns a Result, and leaves the cursor where it was when
// it fails. Spans it returns borrow the underlying buffer. Integers are
// little-endian (SPDM, NVIDIA evidence) unless the method name says Be.
//
// ByteWriter appends to an owned buffer (CBB-style) with a sticky error: the
// first failing write (value too wide for its field, size past the writer's
// limit, patch out of range) records an Error, changes nothing, and turns all
// later writes into no-ops; Finish() returns the bytes or that first Error.
#ifndef CCGPU_BASE_BYTES_H_
#define CCGPU_BASE_BYTES_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"

namespace ccgpu {

using ByteSpan = std::span<const uint8_t>;
using Bytes = std::vector<uint8_t>;

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return data_.size() - offset_; }
  bool empty() const { return remaining() == 0; }
  // The bytes not yet consumed (borrowed).
  ByteSpan rest() const { return data_.subspan(offset_); }
  // The bytes already consumed (borrowed), e.g. for transcripts.
  ByteSpan consumed() const { return data_.first(offset_); }

  // Fixed-width little-endian integers. kTruncated if too few bytes remain.
  Result<uint8_t> U8(const char* what = "ByteReader.U8");
  Result<uint16_t> U16(const char* what = "ByteReader.U16");
  Result<uint32_t> U24(const char* what = "ByteReader.U24");
  Result<uint32_t> U32(const char* what = "ByteReader.U32");
  Result<uint64_t> U64(const char* what = "ByteReader.U64");
  // Big-endian forms (network framing).
  Result<uint16_t> U16Be(const char* what = "ByteReader.U16Be");
  Result<uint32_t> U32Be(const char* what = "ByteReader.U32Be");

  // Exactly n bytes. kTruncated if fewer remain.
  Result<ByteSpan> Take(std::size_t n, const char* what = "ByteReader.Take");
  // Exactly N bytes copied into an array.
  template <std::size_t N>
  Result<std::array<uint8_t, N>> Array(const char* what = "ByteReader.Array");
  Status Skip(std::size_t n, const char* what = "ByteReader.Skip");

  // A length field of the given width followed by that many bytes. On
  // kTruncated neither the length nor the body is consumed.
  Result<ByteSpan> Prefixed8(const char* what = "ByteReader.Prefixed8");
  Result<ByteSpan> Prefixed16(const char* what = "ByteReader.Prefixed16");
  Result<ByteSpan> Prefixed24(const char* what = "ByteReader.Prefixed24");
  Result<ByteSpan> Prefixed32(const char* what = "ByteReader.Prefixed32");

  // `count` elements of `elem_size` bytes each; kLengthOverflow if the
  // product overflows, kTruncated if too few bytes remain.
  Result<ByteSpan> TakeArray(std::size_t count, std::size_t elem_size,
                             const char* what = "ByteReader.TakeArray");

  // The explicit trailing-data rule: kTrailingData unless fully consumed.
  Status ExpectEnd(const char* what = "ByteReader.ExpectEnd") const;

 private:
  Result<uint64_t> ReadLe(std::size_t width, const char* what);
  Result<uint64_t> ReadBe(std::size_t width, const char* what);
  Result<ByteSpan> ReadPrefixed(std::size_t width, const char* what);

  ByteSpan data_;
  std::size_t offset_ = 0;
};

class ByteWriter {
 public:
  // `max_size` bounds the output (e.g. a negotiated transport buffer size).
  // Small bounded outputs (headers, associated data) get their whole buffer
  // at once: growing it byte by byte cost the data path ~0.3 µs per chunk.
  explicit ByteWriter(
      std::size_t max_size = std::numeric_limits<std::size_t>::max())
      : max_size_(max_size) {
    buf_.reserve(std::min<std::size_t>(max_size, kInitialCapacity));
  }

  ByteWriter& U8(uint64_t v, const char* what = "ByteWriter.U8");
  ByteWriter& U16(uint64_t v, const char* what = "ByteWriter.U16");
  ByteWriter& U24(uint64_t v, const char* what = "ByteWriter.U24");
  ByteWriter& U32(uint64_t v, const char* what = "ByteWriter.U32");
  ByteWriter& U64(uint64_t v, const char* what = "ByteWriter.U64");
  ByteWriter& U16Be(uint64_t v, const char* what = "ByteWriter.U16Be");
  ByteWriter& U32Be(uint64_t v, const char* what = "ByteWriter.U32Be");
  ByteWriter& Append(ByteSpan bytes, const char* what = "ByteWriter.Append");
  ByteWriter& Zeros(std::size_t n, const char* what = "ByteWriter.Zeros");
  // Length field (kOutOfRange if bytes.size() does not fit) then bytes.
  ByteWriter& Prefixed8(ByteSpan bytes, const char* what = "ByteWriter.Prefixed8");
  ByteWriter& Prefixed16(ByteSpan bytes, const char* what = "ByteWriter.Prefixed16");
  ByteWriter& Prefixed24(ByteSpan bytes, const char* what = "ByteWriter.Prefixed24");
  ByteWriter& Prefixed32(ByteSpan bytes, const char* what = "ByteWriter.Prefixed32");

  // Reserves a zeroed little-endian field of `width` bytes to be filled in
  // later with Patch (e.g. a length known only after the body is written).
  std::size_t Reserve(std::size_t width, const char* what = "ByteWriter.Reserve");
  ByteWriter& Patch(std::size_t pos, std::size_t width, uint64_t v,
                    const char* what = "ByteWriter.Patch");

  std::size_t size() const { return buf_.size(); }
  bool ok() const { return !error_.has_value(); }
  // The bytes written so far (valid until the next write).
  ByteSpan view() const { return buf_; }
  // The finished buffer, or the first error.
  Result<Bytes> Finish() &&;

 private:
  static constexpr std::size_t kInitialCapacity = 256;
  bool Fail(Errc code, const char* what);
  bool Room(std::size_t n, const char* what);
  ByteWriter& PutLe(uint64_t v, std::size_t width, const char* what);
  ByteWriter& PutBe(uint64_t v, std::size_t width, const char* what);
  ByteWriter& PutPrefixed(ByteSpan bytes, std::size_t width, const char* what);

  Bytes buf_;
  std::size_t max_size_;
  std::optional<Error> error_;
};

template <std::size_t N>
Result<std::array<uint8_t, N>> ByteReader::Array(const char* what) {
  CCGPU_ASSIGN_OR_RETURN(ByteSpan s, Take(N, what));
  std::array<uint8_t, N> out;
  std::copy(s.begin(), s.end(), out.begin());
  return out;
}

// Does `a + b` overflow size_t? Size arithmetic on untrusted lengths uses these.
inline bool AddOverflows(std::size_t a, std::size_t b, std::size_t* out) {
  return __builtin_add_overflow(a, b, out);
}
inline bool MulOverflows(std::size_t a, std::size_t b, std::size_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

}  // namespace ccgpu

#endif  // CCGPU_BASE_BYTES_H_
