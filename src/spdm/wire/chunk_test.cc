// CHUNK_SEND / CHUNK_SEND_ACK / CHUNK_GET / CHUNK_RESPONSE (SPDM 1.2+).
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "spdm/wire/chunk.h"
#include "spdm/wire/message.h"
#include "spdm/wire/wire_test_util.h"

namespace ccgpu::spdm::wire {
namespace {

using testing::CheckCodec;
using testing::Hex;

// Byte layouts written out from DSP0274 1.2's tables.
// CHUNK_SEND chunk 0: LastChunk clear, Handle 0x2a, seq 0, ChunkSize 5,
// LargeMessageSize 0x1000, chunk "0102030405".
const char kChunkSend0[] = "12 85 00 2a 0000 0000 05000000 00100000 0102030405";
// CHUNK_SEND chunk 3, last: no LargeMessageSize.
const char kChunkSendLast[] = "13 85 01 2a 0300 0000 03000000 aabbcc";
const char kChunkResponse0[] = "12 06 00 07 0000 0000 02000000 34120000 e0ff";
const char kChunkResponseLast[] = "12 06 01 07 0100 0000 01000000 99";

Bytes H(const char* spaced) {
  std::string s;
  for (const char* c = spaced; *c != 0; ++c) {
    if (*c != ' ') s.push_back(*c);
  }
  return Hex(s);
}

TEST(ChunkSend, FieldsAndRoundTrip) {
  const Bytes first = H(kChunkSend0);
  auto m = ParseChunkSend(first, {});
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_FALSE(m->last_chunk);
  EXPECT_EQ(m->handle, 0x2a);
  EXPECT_EQ(m->chunk_seq_no, 0);
  EXPECT_EQ(m->large_message_size, 0x1000u);
  EXPECT_EQ(Bytes(m->chunk.begin(), m->chunk.end()), Hex("0102030405"));
  CheckCodec(first, {}, ParseChunkSend, SerializeChunkSend);

  const Bytes last = H(kChunkSendLast);
  auto l = ParseChunkSend(last, {});
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->last_chunk);
  EXPECT_EQ(l->chunk_seq_no, 3);
  EXPECT_EQ(l->large_message_size, 0u);
  EXPECT_EQ(l->chunk.size(), 3u);
  CheckCodec(last, {}, ParseChunkSend, SerializeChunkSend);
}

TEST(ChunkSend, RejectsOldVersionsAndWrongSizes) {
  Bytes v11 = H(kChunkSend0);
  v11[0] = kVersion11;
  EXPECT_ERRC(ParseChunkSend(v11, {}), Errc::kUnsupported);
  // ChunkSize one more than the bytes present.
  EXPECT_ERRC(ParseChunkSend(testing::Patched(H(kChunkSend0), 8, 4, 6), {}), Errc::kTruncated);
  // ChunkSize one less: the last byte is left over.
  EXPECT_ERRC(ParseChunkSend(testing::Patched(H(kChunkSend0), 8, 4, 4), {}), Errc::kTrailingData);
  // Negotiated 1.2, message 1.3.
  ParseParams p;
  p.negotiated.version = kVersion12;
  EXPECT_ERRC(ParseChunkSend(H(kChunkSendLast), p), Errc::kVersionMismatch);
  // LargeMessageSize on a later chunk cannot be written.
  Bytes data = {1};
  EXPECT_ERRC(SerializeChunkSend(ChunkSend{kVersion12, false, 1, 2, 100, data}), Errc::kInvalidArgument);
}

TEST(ChunkResponse, FieldsAndRoundTrip) {
  const Bytes first = H(kChunkResponse0);
  auto m = ParseChunkResponse(first, {});
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_FALSE(m->last_chunk);
  EXPECT_EQ(m->handle, 7);
  EXPECT_EQ(m->large_message_size, 0x1234u);
  CheckCodec(first, {}, ParseChunkResponse, SerializeChunkResponse);
  auto l = ParseChunkResponse(H(kChunkResponseLast), {});
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->last_chunk);
  EXPECT_EQ(l->chunk_seq_no, 1);
  CheckCodec(H(kChunkResponseLast), {}, ParseChunkResponse, SerializeChunkResponse);
  EXPECT_ERRC(ParseChunkResponse(H(kChunkSend0), {}), Errc::kMalformed);
}

TEST(ChunkGet, RoundTrip) {
  CheckCodec(Hex("128600070500"), {}, ParseChunkGet, SerializeChunkGet);
  auto m = ParseChunkGet(Hex("1286ff070500"), {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->handle, 7);
  EXPECT_EQ(m->chunk_seq_no, 5);
  // Param1 is reserved: written as zero.
  EXPECT_EQ(*SerializeChunkGet(*m), Hex("128600070500"));
  EXPECT_ERRC(ParseChunkGet(Hex("1186000700"), {}), Errc::kUnsupported);
}

TEST(ChunkSendAck, EmptyAndWithResponse) {
  const Bytes bare = Hex("1205002a0300");
  auto m = ParseChunkSendAck(bare, {});
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_FALSE(m->early_error);
  EXPECT_EQ(m->handle, 0x2a);
  EXPECT_EQ(m->chunk_seq_no, 3);
  EXPECT_TRUE(m->response.empty());
  EXPECT_EQ(*SerializeChunkSendAck(*m), bare);
  for (std::size_t n = 0; n < bare.size(); ++n) {
    EXPECT_ERRC(ParseChunkSendAck(ByteSpan(bare).first(n), {}), Errc::kTruncated);
  }

  // Early error: the ERROR(InvalidRequest) rides in ResponseToLargeRequest.
  const Bytes early = Hex("1205012a0000" "127f0100");
  auto e = ParseChunkSendAck(early, {});
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->early_error);
  EXPECT_EQ(Bytes(e->response.begin(), e->response.end()), Hex("127f0100"));
  EXPECT_EQ(*SerializeChunkSendAck(*e), early);
  auto inner = ParseResponse(e->response, {});
  ASSERT_TRUE(inner);
  EXPECT_TRUE(std::holds_alternative<ErrorResponse>(inner->message));

  // 1-3 bytes after ChunkSeqNo are not a message ...
  for (const char* tail : {"00", "0000", "000000", "7f01"}) {
    SCOPED_TRACE(tail);
    EXPECT_ERRC(ParseChunkSendAck(Hex(std::string("1205002a0300") + tail), {}), Errc::kTrailingData);
  }
  // ... but zero DWORD padding under PCI DOE is.
  ParseParams doe;
  doe.allow_dword_padding = true;
  auto padded = ParseChunkSendAck(Hex("1205002a03000000"), doe);
  ASSERT_TRUE(padded) << padded.error().ToString();
  EXPECT_TRUE(padded->response.empty());
  EXPECT_ERRC(ParseChunkSendAck(Hex("1205002a03000001"), doe), Errc::kTrailingData);
  const Bytes short_response = {0x12, 0x7f, 0x01};
  EXPECT_ERRC(SerializeChunkSendAck(ChunkSendAck{kVersion12, true, 1, 0, short_response}), Errc::kInvalidArgument);
}

TEST(ChunkReassembly, InOrderChunksThatAddUp) {
  const Bytes msg = Hex("12fe000003000102de10");
  ChunkReassembly r;
  ASSERT_TRUE(r.Add(0, static_cast<uint32_t>(msg.size()), ByteSpan(msg).first(4), false, 64));
  EXPECT_EQ(r.next_seq(), 1u);
  EXPECT_FALSE(r.complete());
  EXPECT_ERRC(r.Add(2, 0, ByteSpan(msg).subspan(4), true, 64), Errc::kMalformed);  // skipped 1
  ASSERT_TRUE(r.Add(1, 0, ByteSpan(msg).subspan(4), true, 64));
  ASSERT_TRUE(r.complete());
  EXPECT_EQ(r.Take(), msg);

  ChunkReassembly big;
  EXPECT_ERRC(big.Add(0, 65, ByteSpan(msg).first(4), false, 64), Errc::kLengthOverflow);
  ChunkReassembly tiny;
  EXPECT_ERRC(tiny.Add(0, 3, ByteSpan(msg).first(3), true, 64), Errc::kMalformed);
  ChunkReassembly early;
  EXPECT_ERRC(early.Add(0, 10, ByteSpan(msg).first(4), true, 64), Errc::kMalformed);  // LastChunk too soon
  ChunkReassembly empty;
  EXPECT_ERRC(empty.Add(0, 10, {}, false, 64), Errc::kMalformed);
}

TEST(ChunkSizes, RoomAndMaxSpdmMsgSize) {
  EXPECT_EQ(ChunkRoom(42, 0), 26u);
  EXPECT_EQ(ChunkRoom(42, 1), 30u);
  EXPECT_EQ(*ResolveMaxSpdmMsgSize(cap::kChunk, 0x1200, 0), kDefaultMaxSpdmMsgSize);
  EXPECT_EQ(*ResolveMaxSpdmMsgSize(0, 0x1200, 0), 0x1200u);
  EXPECT_EQ(*ResolveMaxSpdmMsgSize(cap::kChunk, 0x20000, 0), 0x20000u);
  EXPECT_ERRC(ResolveMaxSpdmMsgSize(0, 0x1200, 0x2000), Errc::kInvalidArgument);
  EXPECT_ERRC(ResolveMaxSpdmMsgSize(cap::kChunk, 0x1200, 0x1000), Errc::kInvalidArgument);
}

TEST(ChunkMessages, DispatchedByCode) {
  auto rq = ParseRequest(H(kChunkSend0), {});
  ASSERT_TRUE(rq);
  EXPECT_TRUE(std::holds_alternative<ChunkSend>(rq->message));
  EXPECT_EQ(rq->bytes.size(), H(kChunkSend0).size());
  auto g = ParseRequest(Hex("128600070500"), {});
  ASSERT_TRUE(g);
  EXPECT_TRUE(std::holds_alternative<ChunkGet>(g->message));
  auto rs = ParseResponse(H(kChunkResponseLast), {});
  ASSERT_TRUE(rs);
  EXPECT_TRUE(std::holds_alternative<ChunkResponse>(rs->message));
  auto a = ParseResponse(Hex("1205012a0000127f0100"), {});
  ASSERT_TRUE(a);
  EXPECT_TRUE(std::holds_alternative<ChunkSendAck>(a->message));
  EXPECT_EQ(a->bytes.size(), 10u);
}

}  // namespace
}  // namespace ccgpu::spdm::wire
