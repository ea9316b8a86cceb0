// The device identity certificate chain of an NVIDIA GPU / NVSwitch: 5
// certificates leaf -> root; the device-supplied root is replaced by a pinned
// NVIDIA Device Identity CA. Also the FWID carried in the leaf's DICE
// extension, and a cache of verified intermediate chains.
#ifndef CCGPU_ATTEST_DEVICE_CHAIN_H_
#define CCGPU_ATTEST_DEVICE_CHAIN_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/evidence.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/x509.h"

namespace ccgpu::attest {

inline constexpr std::size_t kDeviceChainLength = 5;
inline constexpr std::string_view kDiceFwidOidHopper = "2.23.133.5.4.1";       // legacy DICE
inline constexpr std::string_view kDiceTcbInfoOidBlackwell = "2.23.133.5.4.1.1";  // DiceTcbInfo

// Parses the PEM chain and requires exactly 5 certificates. kInvalidPem /
// kBadCertificate from the crypto layer; kInvalidArgument (context says "not
// 5 certificates") otherwise.
Result<std::vector<crypto::Certificate>> ParseDeviceChain(std::string_view pem);
// Same, with certificates the pool holds (e.g. the pinned roots, of which a
// device chain carries a copy as its last certificate) not decoded again.
Result<std::vector<crypto::Certificate>> ParseDeviceChain(std::string_view pem,
                                                          crypto::CertificatePool* pool);

// Guesses the architecture from the chain (leaf / device CN: "LS_10" ->
// kLs10, "GB" -> kBlackwell, "GH100" -> kHopper). kNotFound if none fits.
Result<Arch> ArchFromChain(const std::vector<crypto::Certificate>& chain);

// The 48-byte SHA-384 FWID in the leaf's DICE extension (Hopper 2.23.133.5.4.1
// SEQ{INT, SPKI, SEQ{sha384, OCTET STRING}}; Blackwell 2.23.133.5.4.1.1
// TcbInfo fwids[0]). kNotFound if the extension is absent; kMalformed if its
// DER holds no (sha384, 48-byte digest) pair.
Result<Bytes> LeafFwid(const crypto::Certificate& leaf, Arch arch);

// Certificate status as NVIDIA's claims name it.
enum class CertStatus { kValid, kExpired, kNotYetValid, kInvalid, kRevoked };
std::string_view CertStatusName(CertStatus s);  // "valid", "expired", "invalid", "revoked"
enum class OcspStatus { kGood, kRevoked, kUnknown };
std::string_view OcspStatusName(OcspStatus s);  // "good", "revoked", "unknown"

// Status of one certificate chain (device, driver RIM, VBIOS RIM), the
// source of NVIDIA's x-nvidia-…-cert-chain claim objects.
struct ChainReport {
  CertStatus status = CertStatus::kInvalid;
  OcspStatus ocsp = OcspStatus::kUnknown;
  std::optional<TimePoint> expiration;          // earliest notAfter
  std::optional<std::string> revocation_reason;
  bool ocsp_nonce_matches = false;
  bool ocsp_response_valid = false;
  std::string why;  // failure reason (empty when valid)
  std::optional<std::size_t> failed_index;
};

// Revocation of one certificate (OCSP). Implementations: the ocsp library's
// client (online / offline files); none = status "unknown".
struct RevocationOutcome {
  OcspStatus status = OcspStatus::kUnknown;
  std::optional<std::string> revocation_reason;
  bool nonce_matches = false;
  bool response_valid = false;
  std::string why;
};
class RevocationChecker {
 public:
  virtual ~RevocationChecker() = default;
  // Status of `cert` issued by `issuer` at `at`. Never fails: problems are an
  // "unknown" outcome with `why` set.
  virtual RevocationOutcome Check(const crypto::Certificate& cert, const crypto::Certificate& issuer,
                                  TimePoint at) = 0;
};

// Aggregates per-certificate outcomes NVAT's way: worst status wins
// (revoked > unknown > good); nonce/response-valid ANDed.
void AggregateRevocation(ChainReport& report, const std::vector<RevocationOutcome>& outcomes);

// Caches verified (cert[1..3] + pinned root) sub-chains by SHA-256 of their
// DER, with the window in which they are valid. Thread-safe.
class ChainCache {
 public:
  // True if this exact sub-chain was verified before and `at` lies within
  // its validity window.
  bool Lookup(const Bytes& key, TimePoint at) const;
  void Insert(const Bytes& key, TimePoint not_before, TimePoint not_after);
  std::size_t size() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::map<Bytes, std::pair<TimePoint, TimePoint>> entries_;
};

// Verifies a 5-certificate device chain: replaces chain[4] with `roots`,
// verifies at `at`; fills `report` (status, expiration, why). With a cache,
// the intermediate part is verified once and then only the leaf's signature
// is checked. Returns the number of certificate signatures checked
// (benchmark accounting). Never fails for a bad chain (see report.status);
// kInvalidArgument if the chain is not 5 certificates.
Result<int> VerifyDeviceChain(const std::vector<crypto::Certificate>& chain,
                              const std::vector<crypto::Certificate>& roots, TimePoint at,
                              ChainCache* cache, ChainReport& report);

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_DEVICE_CHAIN_H_
