// SPDM wire codecs: shared definitions (DMTF DSP0274 1.1 / 1.2 / 1.3).
//
// Everything in spdm/wire is a pure function over bytes: no state, no crypto,
// no allocation beyond the returned value. Parsers read untrusted bytes only
// through ByteReader. Parsed structs BORROW the input: every ByteSpan field
// points into the buffer handed to Parse…(), which must outlive the struct.
// Fixed-size fields (nonces, random data, requester context) are copied into
// std::array members. Serialize…() reads the same structs (spans then point
// into caller-owned bytes) and returns owned Bytes.
//
// Conventions for every message (cited once here, applied everywhere):
//  * Header: SPDMVersion(1) | RequestResponseCode(1) | Param1(1) | Param2(1)
//    (DSP0274 1.2 §9 "Generic SPDM message format"). All multi-byte integers
//    are little-endian.
//  * Reserved fields and reserved bits: senders set zero, receivers ignore
//    (DSP0274 1.2 §9 generic message field conventions). Parsers therefore do
//    NOT reject non-zero reserved bytes; they drop them, and Serialize writes
//    zeros. A field that is reserved in an older version than the message's
//    (e.g. ALGORITHMS OtherParamsSelection in 1.1) parses as 0.
//  * Version: a parser takes the layout from the message's own SPDMVersion
//    byte. It returns kUnsupported for versions outside those the message
//    exists in, and kVersionMismatch when NegotiatedParams::version is set
//    (non-zero) and differs (GET_VERSION/VERSION are always 0x10).
//  * Code: kMalformed if the RequestResponseCode is not the one expected.
//  * Trailing-data rule: each message's size is fully determined by its header,
//    its length fields and the negotiated sizes; input past that end is
//    kTrailingData. The one exception is transport padding: when
//    ParseParams::allow_dword_padding is set (PCI DOE pads every data object
//    with zeros to a DWORD, PCIe r6 §6.30.1), up to 3 zero bytes that make the
//    whole input a multiple of 4 are accepted and are not part of the message.
//    Use MessageBytes()/the dispatcher in message.h to get the exact bytes for
//    transcripts.
//  * Input that ends early: kTruncated. A length field that disagrees with the
//    structure it frames (nested lengths, the ALGORITHMS Length field, counts)
//    is kMalformed; an outer length field that runs past the input is
//    kTruncated and one that stops short leaves kTrailingData.
#ifndef CCGPU_SPDM_WIRE_COMMON_H_
#define CCGPU_SPDM_WIRE_COMMON_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::spdm::wire {

// SPDMVersion byte values (major << 4 | minor), DSP0274 §9.
inline constexpr uint8_t kVersion10 = 0x10;
inline constexpr uint8_t kVersion11 = 0x11;
inline constexpr uint8_t kVersion12 = 0x12;
inline constexpr uint8_t kVersion13 = 0x13;

inline constexpr std::size_t kHeaderSize = 4;
inline constexpr std::size_t kNonceSize = 32;       // DSP0274 Nonce
inline constexpr std::size_t kRandomDataSize = 32;  // KEY_EXCHANGE RandomData
inline constexpr std::size_t kRequesterContextSize = 8;  // 1.3 RequesterContext
inline constexpr std::size_t kMaxOpaqueDataSize =
    1024;  // DSP0274 1.2 OpaqueDataLength limit

using Nonce = std::array<uint8_t, kNonceSize>;
using RandomData = std::array<uint8_t, kRandomDataSize>;
using RequesterContext = std::array<uint8_t, kRequesterContextSize>;

// RequestResponseCode values, DSP0274 1.2 §10.1 Table "SPDM request codes" and
// Table "SPDM response codes" (1.3 additions marked).
enum class Code : uint8_t {
  // Responses.
  kDigests = 0x01,
  kCertificate = 0x02,
  kChallengeAuth = 0x03,
  kVersion = 0x04,
  kChunkSendAck = 0x05,
  kChunkResponse = 0x06,
  kMeasurements = 0x60,
  kCapabilities = 0x61,
  kAlgorithms = 0x63,
  kKeyExchangeRsp = 0x64,
  kFinishRsp = 0x65,
  kPskExchangeRsp = 0x66,
  kPskFinishRsp = 0x67,
  kHeartbeatAck = 0x68,
  kKeyUpdateAck = 0x69,
  kEncapsulatedRequest = 0x6A,
  kEncapsulatedResponseAck = 0x6B,
  kEndSessionAck = 0x6C,
  kCsr = 0x6D,
  kSetCertificateRsp = 0x6E,
  kKeyPairInfo = 0x7C,  // 1.3
  kVendorDefinedResponse = 0x7E,
  kError = 0x7F,
  // Requests.
  kGetDigests = 0x81,
  kGetCertificate = 0x82,
  kChallenge = 0x83,
  kGetVersion = 0x84,
  kChunkSend = 0x85,
  kChunkGet = 0x86,
  kGetEndpointInfo = 0x87,  // 1.3
  kGetMeasurements = 0xE0,
  kGetCapabilities = 0xE1,
  kGetSupportedEventTypes = 0xE2,  // 1.3
  kNegotiateAlgorithms = 0xE3,
  kKeyExchange = 0xE4,
  kFinish = 0xE5,
  kPskExchange = 0xE6,
  kPskFinish = 0xE7,
  kHeartbeat = 0xE8,
  kKeyUpdate = 0xE9,
  kGetEncapsulatedRequest = 0xEA,
  kDeliverEncapsulatedResponse = 0xEB,
  kEndSession = 0xEC,
  kGetCsr = 0xED,
  kSetCertificate = 0xEE,
  kGetMel = 0xEF,          // 1.3
  kGetKeyPairInfo = 0xFC,  // 1.3
  kVendorDefinedRequest = 0xFE,
  kRespondIfReady = 0xFF,
};

// True for request codes (bit 7 set, DSP0274 §10.1).
constexpr bool IsRequestCode(uint8_t code) { return (code & 0x80) != 0; }

// CAPABILITIES Flags (DSP0274 1.2 §10.4 Tables "Requester/Responder flag
// fields"; 1.3 additions marked). Requester and responder meanings differ for a
// few bits (noted).
namespace cap {
inline constexpr uint32_t kCache = 1u << 0;  // responder only
inline constexpr uint32_t kCert = 1u << 1;
inline constexpr uint32_t kChal = 1u << 2;
inline constexpr uint32_t kMeasMask = 3u << 3;  // responder only
inline constexpr uint32_t kMeasNoSig = 1u << 3;
inline constexpr uint32_t kMeasSig = 2u << 3;
inline constexpr uint32_t kMeasFresh = 1u << 5;  // responder only
inline constexpr uint32_t kEncrypt = 1u << 6;
inline constexpr uint32_t kMac = 1u << 7;
inline constexpr uint32_t kMutAuth = 1u << 8;
inline constexpr uint32_t kKeyEx = 1u << 9;
inline constexpr uint32_t kPskMask = 3u << 10;
inline constexpr uint32_t kPsk =
    1u << 10;  // requester; responder: without context
inline constexpr uint32_t kPskWithContext = 2u << 10;  // responder only
inline constexpr uint32_t kEncap = 1u << 12;
inline constexpr uint32_t kHbeat = 1u << 13;
inline constexpr uint32_t kKeyUpd = 1u << 14;
inline constexpr uint32_t kHandshakeInTheClear = 1u << 15;
inline constexpr uint32_t kPubKeyId = 1u << 16;
inline constexpr uint32_t kChunk = 1u << 17;             // 1.2
inline constexpr uint32_t kAliasCert = 1u << 18;         // 1.2, responder only
inline constexpr uint32_t kSetCert = 1u << 19;           // 1.2, responder only
inline constexpr uint32_t kCsr = 1u << 20;               // 1.2, responder only
inline constexpr uint32_t kCertInstallReset = 1u << 21;  // 1.2, responder only
inline constexpr uint32_t kEpInfoMask = 3u << 22;        // 1.3
inline constexpr uint32_t kEpInfoNoSig = 1u << 22;
inline constexpr uint32_t kEpInfoSig = 2u << 22;
inline constexpr uint32_t kMel = 1u << 24;           // 1.3, responder only
inline constexpr uint32_t kEvent = 1u << 25;         // 1.3
inline constexpr uint32_t kMultiKeyMask = 3u << 26;  // 1.3
inline constexpr uint32_t kMultiKeyOnly = 1u << 26;
inline constexpr uint32_t kMultiKeyNeg = 2u << 26;
inline constexpr uint32_t kGetKeyPairInfo = 1u << 28;  // 1.3, responder only
inline constexpr uint32_t kSetKeyPairInfo = 1u << 29;  // 1.3, responder only
}  // namespace cap

// NEGOTIATE_ALGORITHMS / ALGORITHMS bit fields (DSP0274 1.2 §10.5).
namespace alg {
// MeasurementSpecification.
inline constexpr uint8_t kMeasSpecDmtf = 0x01;
// OtherParamsSupport / OtherParamsSelection (1.2+).
inline constexpr uint8_t kOpaqueDataFmtMask = 0x0F;
inline constexpr uint8_t kOpaqueDataFmt0 = 0x01;
inline constexpr uint8_t kOpaqueDataFmt1 = 0x02;
inline constexpr uint8_t kMultiKeyConn = 0x10;  // 1.3
// MELspecification (1.3).
inline constexpr uint8_t kMelSpecDmtf = 0x01;
// BaseAsymAlgo.
inline constexpr uint32_t kRsassa2048 = 1u << 0;
inline constexpr uint32_t kRsapss2048 = 1u << 1;
inline constexpr uint32_t kRsassa3072 = 1u << 2;
inline constexpr uint32_t kRsapss3072 = 1u << 3;
inline constexpr uint32_t kEcdsaP256 = 1u << 4;
inline constexpr uint32_t kRsassa4096 = 1u << 5;
inline constexpr uint32_t kRsapss4096 = 1u << 6;
inline constexpr uint32_t kEcdsaP384 = 1u << 7;
inline constexpr uint32_t kEcdsaP521 = 1u << 8;
inline constexpr uint32_t kSm2P256 = 1u << 9;
inline constexpr uint32_t kEddsaEd25519 = 1u << 10;
inline constexpr uint32_t kEddsaEd448 = 1u << 11;
// BaseHashAlgo.
inline constexpr uint32_t kSha256 = 1u << 0;
inline constexpr uint32_t kSha384 = 1u << 1;
inline constexpr uint32_t kSha512 = 1u << 2;
inline constexpr uint32_t kSha3_256 = 1u << 3;
inline constexpr uint32_t kSha3_384 = 1u << 4;
inline constexpr uint32_t kSha3_512 = 1u << 5;
inline constexpr uint32_t kSm3_256 = 1u << 6;
// MeasurementHashAlgo.
inline constexpr uint32_t kMeasRawBitStream = 1u << 0;
inline constexpr uint32_t kMeasSha256 = 1u << 1;
inline constexpr uint32_t kMeasSha384 = 1u << 2;
inline constexpr uint32_t kMeasSha512 = 1u << 3;
inline constexpr uint32_t kMeasSha3_256 = 1u << 4;
inline constexpr uint32_t kMeasSha3_384 = 1u << 5;
inline constexpr uint32_t kMeasSha3_512 = 1u << 6;
inline constexpr uint32_t kMeasSm3_256 = 1u << 7;
// AlgType values of the AlgStruct tables.
inline constexpr uint8_t kAlgTypeDhe = 2;
inline constexpr uint8_t kAlgTypeAead = 3;
inline constexpr uint8_t kAlgTypeReqBaseAsym = 4;
inline constexpr uint8_t kAlgTypeKeySchedule = 5;
// DHE.
inline constexpr uint16_t kFfdhe2048 = 1u << 0;
inline constexpr uint16_t kFfdhe3072 = 1u << 1;
inline constexpr uint16_t kFfdhe4096 = 1u << 2;
inline constexpr uint16_t kSecp256r1 = 1u << 3;
inline constexpr uint16_t kSecp384r1 = 1u << 4;
inline constexpr uint16_t kSecp521r1 = 1u << 5;
inline constexpr uint16_t kSm2P256Dhe = 1u << 6;
// AEAD.
inline constexpr uint16_t kAes128Gcm = 1u << 0;
inline constexpr uint16_t kAes256Gcm = 1u << 1;
inline constexpr uint16_t kChaCha20Poly1305 = 1u << 2;
inline constexpr uint16_t kAeadSm4Gcm = 1u << 3;
// KeySchedule.
inline constexpr uint16_t kKeyScheduleSpdm = 1u << 0;
}  // namespace alg

// Digest size of one BaseHashAlgo bit (0 if not exactly one known bit).
std::size_t HashSize(uint32_t base_hash_algo);
// Signature size of one BaseAsymAlgo bit (raw r||s / RSA modulus size), or 0.
std::size_t SignatureSize(uint32_t base_asym_algo);
// ExchangeData size of one DHE bit (X||Y for ECDHE, modulus for FFDHE), or 0.
std::size_t DheExchangeSize(uint16_t dhe_group);
// Digest size of one MeasurementHashAlgo bit; 0 for raw bit stream or unknown.
std::size_t MeasurementHashSize(uint32_t measurement_hash_algo);

// What a connection negotiated: the sizes that the wire format does not carry.
// Zero sizes mean "not negotiated"; a parser that needs one returns
// kInvalidArgument.
struct NegotiatedParams {
  uint8_t version = 0;             // negotiated SPDMVersion; 0 = not yet (VCA)
  std::size_t hash_size = 0;       // H: BaseHashSel digest size
  std::size_t signature_size = 0;  // S: BaseAsymSel signature size
  std::size_t req_signature_size =
      0;                     // ReqBaseAsymAlg signature size (mutual auth)
  std::size_t dhe_size = 0;  // D: DHE ExchangeData size
  bool handshake_in_the_clear =
      false;  // both sides set HANDSHAKE_IN_THE_CLEAR_CAP
  bool multi_key_conn =
      false;  // 1.3 MultiKeyConnRsp (DIGESTS carries key arrays)
};

// Parser parameters: the negotiated sizes plus what the request being answered
// said (the response does not restate it) and the transport's padding rule.
struct ParseParams {
  NegotiatedParams negotiated;
  // CHALLENGE_AUTH / KEY_EXCHANGE_RSP: the request's MeasurementSummaryHashType
  // was non-zero, so MeasurementSummaryHash (H bytes) is present.
  bool measurement_summary_hash = false;
  // MEASUREMENTS: the request set SignatureRequested, so Signature is present.
  bool measurement_signature = false;
  // PCI DOE: accept up to 3 trailing zero bytes of DWORD padding.
  bool allow_dword_padding = false;
  // Bytes of the padded data object before this message: 6 for the response
  // a CHUNK_SEND_ACK carries after its ChunkSeqNo (the padding aligns the ACK,
  // not the message inside it).
  std::size_t padding_origin = 0;
};

// The 4-byte generic header.
struct Header {
  uint8_t version = 0;
  uint8_t code = 0;
  uint8_t param1 = 0;
  uint8_t param2 = 0;
};

// Reads the header without checks (kTruncated if under 4 bytes).
Result<Header> PeekHeader(ByteSpan msg);

// Reads the header and checks its code (kMalformed) and version: min_version <=
// v <= 0x13 else kUnsupported; v != negotiated.version (when set) gives
// kVersionMismatch. For GET_VERSION/VERSION pass min_version = max = 0x10 via
// ReadHeaderExact.
Result<Header> ReadHeader(ByteReader& r, Code code, uint8_t min_version,
                          const NegotiatedParams& np);
// Reads the header requiring exactly `version` (GET_VERSION / VERSION).
Result<Header> ReadHeaderExact(ByteReader& r, Code code, uint8_t version);
// Writes the header as given (Serialize…() checks the version first).
void WriteHeader(ByteWriter& w, uint8_t version, Code code, uint8_t param1,
                 uint8_t param2);
// kUnsupported unless min_version <= version <= 0x13.
Status CheckVersion(uint8_t version, uint8_t min_version);

// The trailing-data rule above: OK if `r` is empty or (when allowed) holds only
// DWORD padding; kTrailingData otherwise.
Status ExpectEnd(const ByteReader& r, const ParseParams& p, const char* what);

// Fails with kInvalidArgument if a negotiated size the parser needs is zero.
Status RequireSize(std::size_t size, const char* what);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_COMMON_H_
