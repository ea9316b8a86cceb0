#include "spdm/tdisp/tdisp.h"

#include <gtest/gtest.h>

#include <string>

#include "base/encoding.h"
#include "spdm/tdisp/report.h"

namespace ccgpu::spdm::tdisp {
namespace {

Bytes Hex(std::string s) {
  std::erase(s, ' ');
  auto b = HexDecode(s);
  CCGPU_CHECK(b.has_value());
  return *b;
}

Bytes Patched(Bytes msg, std::size_t offset, std::size_t width, uint64_t value) {
  for (std::size_t i = 0; i < width; ++i) msg[offset + i] = static_cast<uint8_t>(value >> (8 * i));
  return msg;
}

#define EXPECT_ERRC(expr, errc)                                              \
  do {                                                                       \
    auto ccgpu_r_ = (expr);                                                  \
    ASSERT_FALSE(ccgpu_r_) << #expr " unexpectedly succeeded";               \
    EXPECT_EQ(ccgpu_r_.error().code, (errc)) << ccgpu_r_.error().ToString(); \
  } while (false)

// Header for function 0x00010300 (segment 0 valid=0, requester ID 0x0300... as
// bytes 00 03 01 00), version 1.0.
const std::string kHdrPrefix = "10";
const std::string kRsvdIf = "0000 00030100 0000000000000000";
std::string Msg(const char* type, const std::string& body = "") { return kHdrPrefix + type + kRsvdIf + body; }

// One valid example of every message, written from the PCIe 6.1 §11.3 tables.
struct Example {
  const char* name;
  std::string hex;
};
const Example kRequests[] = {
    {"GET_TDISP_VERSION", Msg("81")},
    {"GET_TDISP_CAPABILITIES", Msg("82", "0f000000")},
    {"LOCK_INTERFACE_REQUEST", Msg("83", "1500 07 00 0000001000000000 ffffffffffff0000")},
    {"GET_DEVICE_INTERFACE_REPORT", Msg("84", "4000 0002")},
    {"GET_DEVICE_INTERFACE_STATE", Msg("85")},
    {"START_INTERFACE_REQUEST",
     Msg("86", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")},
    {"STOP_INTERFACE_REQUEST", Msg("87")},
};
const Example kResponses[] = {
    {"TDISP_VERSION", Msg("01", "01 10")},
    {"TDISP_CAPABILITIES",
     Msg("02", "00000000 fe000000000000000000000000000000 1f00 000000 34 01 01")},
    {"LOCK_INTERFACE_RESPONSE",
     Msg("03", "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf")},
    {"DEVICE_INTERFACE_REPORT", Msg("04", "0500 0700 0102030405")},
    {"DEVICE_INTERFACE_STATE", Msg("05", "02")},
    {"START_INTERFACE_RESPONSE", Msg("06")},
    {"STOP_INTERFACE_RESPONSE", Msg("07")},
    {"TDISP_ERROR", Msg("7f", "02010000 00000000")},
};

TEST(TdispCodec, RequestsRoundTripByteExact) {
  for (const auto& ex : kRequests) {
    SCOPED_TRACE(ex.name);
    const Bytes msg = Hex(ex.hex);
    auto m = ParseRequest(msg);
    ASSERT_TRUE(m) << m.error().ToString();
    EXPECT_EQ(m->header.version, kVersion10);
    EXPECT_EQ(m->header.interface_id.function_id, 0x00010300u);
    EXPECT_EQ(MessageTypeName(m->header.message_type), ex.name);
    auto out = SerializeRequest(*m);
    ASSERT_TRUE(out) << out.error().ToString();
    EXPECT_EQ(*out, msg);
  }
}

TEST(TdispCodec, ResponsesRoundTripByteExact) {
  for (const auto& ex : kResponses) {
    SCOPED_TRACE(ex.name);
    const Bytes msg = Hex(ex.hex);
    auto m = ParseResponse(msg);
    ASSERT_TRUE(m) << m.error().ToString();
    EXPECT_EQ(MessageTypeName(m->header.message_type), ex.name);
    auto out = SerializeResponse(*m);
    ASSERT_TRUE(out) << out.error().ToString();
    EXPECT_EQ(*out, msg);
  }
}

TEST(TdispCodec, FieldsLandWhereTheSpecPutsThem) {
  const Bytes lock = Hex(kRequests[2].hex);
  auto l = ParseRequest(lock);
  ASSERT_TRUE(l);
  const auto& b = std::get<LockInterface>(l->body);
  EXPECT_EQ(b.flags, lock_flags::kNoFwUpdate | lock_flags::kLockMsix | lock_flags::kAllRequestRedirect);
  EXPECT_EQ(b.default_stream_id, 7);
  EXPECT_EQ(b.mmio_reporting_offset, 0x10000000ull);
  EXPECT_EQ(b.bind_p2p_address_mask, 0x0000ffffffffffffull);
  EXPECT_EQ(lock.size(), kHeaderSize + 20);

  const Bytes caps = Hex(kResponses[1].hex);
  auto c = ParseResponse(caps);
  ASSERT_TRUE(c);
  const auto& cb = std::get<CapabilitiesRsp>(c->body);
  EXPECT_EQ(cb.req_msg_supported[0], 0xfe);  // 0x81..0x87
  EXPECT_EQ(cb.lock_interface_flags_supported, 0x1f);
  EXPECT_EQ(cb.dev_addr_width, 52);
  EXPECT_EQ(cb.num_req_this, 1);
  EXPECT_EQ(cb.num_req_all, 1);
  EXPECT_EQ(caps.size(), kHeaderSize + 28);

  const Bytes rep = Hex(kResponses[3].hex);
  auto r = ParseResponse(rep);
  ASSERT_TRUE(r);
  const auto& rb = std::get<InterfaceReportRsp>(r->body);
  EXPECT_EQ(rb.portion.size(), 5u);
  EXPECT_EQ(rb.remainder_length, 7);

  const Bytes err = Hex(kResponses[7].hex);
  auto e = ParseResponse(err);
  ASSERT_TRUE(e);
  EXPECT_EQ(std::get<ErrorRsp>(e->body).error_code, static_cast<uint32_t>(ErrorCode::kInvalidNonce));
  EXPECT_EQ(ErrorCodeName(std::get<ErrorRsp>(e->body).error_code), "INVALID_NONCE");
}

TEST(TdispCodec, TruncationAtEveryLengthIsTruncated) {
  for (const auto& ex : kRequests) {
    SCOPED_TRACE(ex.name);
    const Bytes msg = Hex(ex.hex);
    for (std::size_t n = 0; n < msg.size(); ++n) {
      Bytes prefix(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_ERRC(ParseRequest(prefix), Errc::kTruncated);
    }
  }
  for (const auto& ex : kResponses) {
    SCOPED_TRACE(ex.name);
    const Bytes msg = Hex(ex.hex);
    for (std::size_t n = 0; n < msg.size(); ++n) {
      Bytes prefix(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_ERRC(ParseResponse(prefix), Errc::kTruncated);
    }
  }
}

TEST(TdispCodec, OneByteMoreIsTrailingDataExceptErrorExtendedData) {
  for (const auto& ex : kRequests) {
    SCOPED_TRACE(ex.name);
    Bytes msg = Hex(ex.hex);
    msg.push_back(0);
    EXPECT_ERRC(ParseRequest(msg), Errc::kTrailingData);
  }
  for (const auto& ex : kResponses) {
    SCOPED_TRACE(ex.name);
    Bytes msg = Hex(ex.hex);
    msg.push_back(0x5a);
    auto m = ParseResponse(msg);
    if (std::string(ex.name) == "TDISP_ERROR") {
      ASSERT_TRUE(m);
      ASSERT_EQ(std::get<ErrorRsp>(m->body).extended_error_data.size(), 1u);
      EXPECT_EQ(std::get<ErrorRsp>(m->body).extended_error_data[0], 0x5a);
      EXPECT_EQ(*SerializeResponse(*m), msg);
    } else {
      ASSERT_FALSE(m);
      EXPECT_EQ(m.error().code, Errc::kTrailingData);
    }
  }
}

TEST(TdispCodec, VersionCountTooLongOrShort) {
  const Bytes msg = Hex(kResponses[0].hex);  // count 1 at offset 16
  EXPECT_ERRC(ParseResponse(Patched(msg, 16, 1, 2)), Errc::kTruncated);
  EXPECT_ERRC(ParseResponse(Patched(msg, 16, 1, 0xff)), Errc::kTruncated);
  EXPECT_ERRC(ParseResponse(Patched(msg, 16, 1, 0)), Errc::kTrailingData);
}

TEST(TdispCodec, ReportPortionLengthTooLongOrShort) {
  const Bytes msg = Hex(kResponses[3].hex);  // portion_length 5 at offset 16
  EXPECT_ERRC(ParseResponse(Patched(msg, 16, 2, 6)), Errc::kTruncated);
  EXPECT_ERRC(ParseResponse(Patched(msg, 16, 2, 0xffff)), Errc::kTruncated);
  EXPECT_ERRC(ParseResponse(Patched(msg, 16, 2, 4)), Errc::kTrailingData);
  EXPECT_ERRC(ParseResponse(Patched(msg, 16, 2, 0)), Errc::kTrailingData);
  // remainder_length is not a framing field: any value parses.
  EXPECT_TRUE(ParseResponse(Patched(msg, 18, 2, 0xffff)));
}

TEST(TdispCodec, UnknownOrMisdirectedTypesAreUnsupported) {
  for (int t : {0x00, 0x01, 0x7f, 0x88, 0x8a, 0x8b, 0x8c, 0xff}) {
    Bytes msg = Hex(Msg("85"));
    msg[1] = static_cast<uint8_t>(t);
    EXPECT_ERRC(ParseRequest(msg), Errc::kUnsupported);
  }
  for (int t : {0x00, 0x08, 0x0b, 0x81, 0x86, 0xff}) {
    Bytes msg = Hex(Msg("06"));
    msg[1] = static_cast<uint8_t>(t);
    EXPECT_ERRC(ParseResponse(msg), Errc::kUnsupported);
  }
}

TEST(TdispCodec, TdiStateAboveErrorIsMalformed) {
  EXPECT_ERRC(ParseResponse(Hex(Msg("05", "04"))), Errc::kMalformed);
  for (uint8_t s = 0; s <= 3; ++s) {
    auto m = ParseResponse(Hex(Msg("05", "0" + std::to_string(s))));
    ASSERT_TRUE(m);
    EXPECT_EQ(static_cast<uint8_t>(std::get<InterfaceStateRsp>(m->body).tdi_state), s);
  }
}

TEST(TdispCodec, ReservedBytesAreIgnoredAndWrittenAsZero) {
  Bytes msg = Hex(Msg("85"));
  msg[2] = 0xaa;
  msg[15] = 0xbb;  // INTERFACE_ID reserved
  auto m = ParseRequest(msg);
  ASSERT_TRUE(m);
  EXPECT_EQ(*SerializeRequest(*m), Hex(Msg("85")));
  Bytes lock = Hex(kRequests[2].hex);
  lock[19] = 0xcc;  // LOCK reserved byte
  auto l = ParseRequest(lock);
  ASSERT_TRUE(l);
  EXPECT_EQ(*SerializeRequest(*l), Hex(kRequests[2].hex));
}

TEST(TdispCodec, VersionByteIsReportedNotJudged) {
  Bytes msg = Hex(Msg("85"));
  msg[0] = 0x20;
  auto m = ParseRequest(msg);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.version, 0x20);
}

TEST(TdispCodec, SerializeRejectsOversizedFields) {
  Response v{Header{}, VersionRsp{std::vector<uint8_t>(256, 0x10)}};
  EXPECT_ERRC(SerializeResponse(v), Errc::kInvalidArgument);
  Bytes big(0x10000, 0);
  Response p{Header{}, InterfaceReportRsp{big, 0}};
  EXPECT_ERRC(SerializeResponse(p), Errc::kInvalidArgument);
}

TEST(TdispFraming, WrapsWithProtocolIdAndUnwraps) {
  const Bytes msg = Hex(Msg("81"));
  auto w = WrapPayload(msg);
  ASSERT_TRUE(w);
  ASSERT_EQ(w->size(), msg.size() + 1);
  EXPECT_EQ((*w)[0], kProtocolIdTdisp);
  auto u = UnwrapPayload(*w);
  ASSERT_TRUE(u);
  EXPECT_TRUE(std::equal(u->begin(), u->end(), msg.begin(), msg.end()));
  EXPECT_ERRC(UnwrapPayload(ByteSpan()), Errc::kTruncated);
  Bytes ide = *w;
  ide[0] = kProtocolIdIdeKm;
  EXPECT_ERRC(UnwrapPayload(ide), Errc::kUnsupported);
  EXPECT_ERRC(WrapPayload(Bytes(0xFFFF, 0)), Errc::kInvalidArgument);
  EXPECT_TRUE(WrapPayload(Bytes(0xFFFE, 0)));
}

TEST(TdispCodec, RequestTypeForPairsEachResponse) {
  EXPECT_EQ(RequestTypeFor(0x01), 0x81);
  EXPECT_EQ(RequestTypeFor(0x07), 0x87);
  EXPECT_EQ(RequestTypeFor(0x7f), 0);
  EXPECT_EQ(RequestTypeFor(0x00), 0);
  EXPECT_EQ(TdiStateName(TdiState::kRun), "RUN");
}

// ---- DEVICE_INTERFACE_REPORT structure ----

InterfaceReport SampleReport() {
  InterfaceReport r;
  r.interface_info = interface_info::kNoUpdateAfterLock | interface_info::kDmaWithoutPasid;
  r.msi_x_message_control = 0x001f;
  r.lnr_control = 0;
  r.tph_control = 0;
  r.mmio_ranges = {
      {0xf000000000ull, 0x1000, 0, 0},
      {0xf001000000ull, 1, range_attr::kMsixTable, 0},
      {0xf001001000ull, 1, range_attr::kMsixPba | range_attr::kIsNonTeeMem, 0},
  };
  r.device_specific_info = {0xde, 0xad};
  return r;
}

// interface_info 0x0003 | rsvd | msix 0x001f | lnr 0 | tph 0 | count 3 |
// 3 ranges | dsi_len 2 | dead
const char kReportHex[] =
    "0300 0000 1f00 0000 00000000 03000000"
    "00000000f0000000 00100000 0000 0000"
    "00000001f0000000 01000000 0100 0000"
    "00100001f0000000 01000000 0600 0000"
    "02000000 dead";

TEST(TdispReport, SerializesByteExactAndRoundTrips) {
  auto b = SerializeInterfaceReport(SampleReport());
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_EQ(*b, Hex(kReportHex));
  auto r = ParseInterfaceReport(*b);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r, SampleReport());
}

TEST(TdispReport, TruncationAtEveryLength) {
  const Bytes all = Hex(kReportHex);
  for (std::size_t n = 0; n < all.size(); ++n) {
    Bytes prefix(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_ERRC(ParseInterfaceReport(prefix), Errc::kTruncated);
  }
  Bytes longer = all;
  longer.push_back(0);
  EXPECT_ERRC(ParseInterfaceReport(longer), Errc::kTrailingData);
}

TEST(TdispReport, CountAndLengthFieldsTooLongOrShort) {
  const Bytes all = Hex(kReportHex);
  // mmio_range_count at 12: one more swallows dsi_len+data and runs short;
  // one fewer leaves the third range to be read as dsi_len (then trailing or
  // truncated); huge counts are truncated, never allocated.
  EXPECT_ERRC(ParseInterfaceReport(Patched(all, 12, 4, 4)), Errc::kTruncated);
  EXPECT_FALSE(ParseInterfaceReport(Patched(all, 12, 4, 2)));
  EXPECT_ERRC(ParseInterfaceReport(Patched(all, 12, 4, 0xffffffff)), Errc::kTruncated);
  // device_specific_info_len at 64.
  EXPECT_ERRC(ParseInterfaceReport(Patched(all, 64, 4, 3)), Errc::kTruncated);
  EXPECT_ERRC(ParseInterfaceReport(Patched(all, 64, 4, 0xffffffff)), Errc::kTruncated);
  EXPECT_ERRC(ParseInterfaceReport(Patched(all, 64, 4, 1)), Errc::kTrailingData);
  EXPECT_ERRC(ParseInterfaceReport(Patched(all, 64, 4, 0)), Errc::kTrailingData);
}

TEST(TdispReport, EmptyReportIsTwentyBytes) {
  auto b = SerializeInterfaceReport(InterfaceReport{});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), kReportFixedSize + 4);
  EXPECT_TRUE(ParseInterfaceReport(*b));
}

TEST(TdispReport, SerializeRefusesReportsAbove64KiB) {
  InterfaceReport r;
  r.device_specific_info.assign(0xFFFF, 0);
  EXPECT_ERRC(SerializeInterfaceReport(r), Errc::kInvalidArgument);
  r.device_specific_info.assign(0xFFFF - 20, 0);
  EXPECT_TRUE(SerializeInterfaceReport(r));
}

}  // namespace
}  // namespace ccgpu::spdm::tdisp
