#include "base/bytes.h"

#include <algorithm>

namespace ccgpu {

Result<uint64_t> ByteReader::ReadLe(std::size_t width, const char* what) {
  if (remaining() < width) return Fail(Errc::kTruncated, what);
  uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    v |= static_cast<uint64_t>(data_[offset_ + i]) << (8 * i);
  }
  offset_ += width;
  return v;
}

Result<uint64_t> ByteReader::ReadBe(std::size_t width, const char* what) {
  if (remaining() < width) return Fail(Errc::kTruncated, what);
  uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    v = (v << 8) | data_[offset_ + i];
  }
  offset_ += width;
  return v;
}

Result<uint8_t> ByteReader::U8(const char* what) {
  return ReadLe(1, what).map([](uint64_t v) { return static_cast<uint8_t>(v); });
}
Result<uint16_t> ByteReader::U16(const char* what) {
  return ReadLe(2, what).map([](uint64_t v) { return static_cast<uint16_t>(v); });
}
Result<uint32_t> ByteReader::U24(const char* what) {
  return ReadLe(3, what).map([](uint64_t v) { return static_cast<uint32_t>(v); });
}
Result<uint32_t> ByteReader::U32(const char* what) {
  return ReadLe(4, what).map([](uint64_t v) { return static_cast<uint32_t>(v); });
}
Result<uint64_t> ByteReader::U64(const char* what) { return ReadLe(8, what); }
Result<uint16_t> ByteReader::U16Be(const char* what) {
  return ReadBe(2, what).map([](uint64_t v) { return static_cast<uint16_t>(v); });
}
Result<uint32_t> ByteReader::U32Be(const char* what) {
  return ReadBe(4, what).map([](uint64_t v) { return static_cast<uint32_t>(v); });
}

Result<ByteSpan> ByteReader::Take(std::size_t n, const char* what) {
  if (remaining() < n) return Fail(Errc::kTruncated, what);
  ByteSpan out = data_.subspan(offset_, n);
  offset_ += n;
  return out;
}

Status ByteReader::Skip(std::size_t n, const char* what) {
  if (remaining() < n) return Fail(Errc::kTruncated, what);
  offset_ += n;
  return OkStatus();
}

Result<ByteSpan> ByteReader::ReadPrefixed(std::size_t width, const char* what) {
  const std::size_t start = offset_;
  CCGPU_ASSIGN_OR_RETURN(uint64_t len, ReadLe(width, what));
  if (len > remaining()) {
    offset_ = start;  // never advance on failure
    return Fail(Errc::kTruncated, what);
  }
  return Take(static_cast<std::size_t>(len), what);
}

Result<ByteSpan> ByteReader::Prefixed8(const char* what) { return ReadPrefixed(1, what); }
Result<ByteSpan> ByteReader::Prefixed16(const char* what) { return ReadPrefixed(2, what); }
Result<ByteSpan> ByteReader::Prefixed24(const char* what) { return ReadPrefixed(3, what); }
Result<ByteSpan> ByteReader::Prefixed32(const char* what) { return ReadPrefixed(4, what); }

Result<ByteSpan> ByteReader::TakeArray(std::size_t count, std::size_t elem_size,
                                       const char* what) {
  std::size_t total = 0;
  if (MulOverflows(count, elem_size, &total)) {
    return Fail(Errc::kLengthOverflow, what);
  }
  return Take(total, what);
}

Status ByteReader::ExpectEnd(const char* what) const {
  if (!empty()) return Fail(Errc::kTrailingData, what);
  return OkStatus();
}

bool ByteWriter::Fail(Errc code, const char* what) {
  if (!error_) error_ = Error{code, what};
  return false;
}

bool ByteWriter::Room(std::size_t n, const char* what) {
  if (error_) return false;
  std::size_t total = 0;
  if (AddOverflows(buf_.size(), n, &total)) return Fail(Errc::kLengthOverflow, what);
  if (total > max_size_) return Fail(Errc::kLengthOverflow, what);
  return true;
}

ByteWriter& ByteWriter::PutLe(uint64_t v, std::size_t width, const char* what) {
  if (width < 8 && (v >> (8 * width)) != 0) {
    Fail(Errc::kOutOfRange, what);
    return *this;
  }
  if (!Room(width, what)) return *this;
  const std::size_t at = buf_.size();
  buf_.resize(at + width);
  for (std::size_t i = 0; i < width; ++i) buf_[at + i] = static_cast<uint8_t>(v >> (8 * i));
  return *this;
}

ByteWriter& ByteWriter::PutBe(uint64_t v, std::size_t width, const char* what) {
  if (width < 8 && (v >> (8 * width)) != 0) {
    Fail(Errc::kOutOfRange, what);
    return *this;
  }
  if (!Room(width, what)) return *this;
  for (std::size_t i = width; i-- > 0;) {
    buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  return *this;
}

ByteWriter& ByteWriter::U8(uint64_t v, const char* what) { return PutLe(v, 1, what); }
ByteWriter& ByteWriter::U16(uint64_t v, const char* what) { return PutLe(v, 2, what); }
ByteWriter& ByteWriter::U24(uint64_t v, const char* what) { return PutLe(v, 3, what); }
ByteWriter& ByteWriter::U32(uint64_t v, const char* what) { return PutLe(v, 4, what); }
ByteWriter& ByteWriter::U64(uint64_t v, const char* what) { return PutLe(v, 8, what); }
ByteWriter& ByteWriter::U16Be(uint64_t v, const char* what) { return PutBe(v, 2, what); }
ByteWriter& ByteWriter::U32Be(uint64_t v, const char* what) { return PutBe(v, 4, what); }

ByteWriter& ByteWriter::Append(ByteSpan bytes, const char* what) {
  if (!Room(bytes.size(), what)) return *this;
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  return *this;
}

ByteWriter& ByteWriter::Zeros(std::size_t n, const char* what) {
  if (!Room(n, what)) return *this;
  buf_.resize(buf_.size() + n, 0);
  return *this;
}

ByteWriter& ByteWriter::PutPrefixed(ByteSpan bytes, std::size_t width,
                                    const char* what) {
  if (width < 8 && (static_cast<uint64_t>(bytes.size()) >> (8 * width)) != 0) {
    Fail(Errc::kOutOfRange, what);
    return *this;
  }
  std::size_t total = 0;
  if (AddOverflows(width, bytes.size(), &total)) {
    Fail(Errc::kLengthOverflow, what);
    return *this;
  }
  if (!Room(total, what)) return *this;
  PutLe(bytes.size(), width, what);
  return Append(bytes, what);
}

ByteWriter& ByteWriter::Prefixed8(ByteSpan b, const char* what) { return PutPrefixed(b, 1, what); }
ByteWriter& ByteWriter::Prefixed16(ByteSpan b, const char* what) { return PutPrefixed(b, 2, what); }
ByteWriter& ByteWriter::Prefixed24(ByteSpan b, const char* what) { return PutPrefixed(b, 3, what); }
ByteWriter& ByteWriter::Prefixed32(ByteSpan b, const char* what) { return PutPrefixed(b, 4, what); }

std::size_t ByteWriter::Reserve(std::size_t width, const char* what) {
  const std::size_t pos = buf_.size();
  Zeros(width, what);
  return pos;
}

ByteWriter& ByteWriter::Patch(std::size_t pos, std::size_t width, uint64_t v,
                              const char* what) {
  if (error_) return *this;
  std::size_t end = 0;
  if (width > 8 || AddOverflows(pos, width, &end) || end > buf_.size()) {
    Fail(Errc::kOutOfRange, what);
    return *this;
  }
  if (width < 8 && (v >> (8 * width)) != 0) {
    Fail(Errc::kOutOfRange, what);
    return *this;
  }
  for (std::size_t i = 0; i < width; ++i) {
    buf_[pos + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  return *this;
}

Result<Bytes> ByteWriter::Finish() && {
  if (error_) return tl::unexpected<Error>(*error_);
  return std::move(buf_);
}

}  // namespace ccgpu
