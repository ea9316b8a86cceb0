// GET_VERSION / VERSION codecs (DSP0274 1.2 §10.3). Both always carry
// SPDMVersion 0x10. Owned: VERSION entries are copied into a vector.
#ifndef CCGPU_SPDM_WIRE_VERSION_H_
#define CCGPU_SPDM_WIRE_VERSION_H_

#include <vector>

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// GET_VERSION: `10 84 00 00`; Param1/Param2 reserved.
struct GetVersion {};

// One VersionNumberEntry: Major:4 | Minor:4 | UpdateVersionNumber:4 | Alpha:4,
// major/minor in the high byte (u16 LE on the wire, so `00 12` is 1.2).
struct VersionNumberEntry {
  uint16_t value = 0;
  // The SPDMVersion byte this entry names (major << 4 | minor).
  uint8_t version_byte() const { return static_cast<uint8_t>(value >> 8); }
  static VersionNumberEntry For(uint8_t version_byte) {
    return {static_cast<uint16_t>(version_byte << 8)};
  }
};

// VERSION: header | Reserved(1) | VersionNumberEntryCount(1) | entries.
struct Version {
  std::vector<VersionNumberEntry> entries;
};

// kTruncated if short; kMalformed wrong code; kVersionMismatch if SPDMVersion
// is not 0x10; kTrailingData past the 4 bytes.
Result<GetVersion> ParseGetVersion(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeGetVersion(const GetVersion& m);

// kMalformed for an entry count of 0; kTruncated if the entries run past the
// end; kTrailingData after them.
Result<Version> ParseVersion(ByteSpan msg, const ParseParams& p);
// kInvalidArgument for 0 or more than 255 entries.
Result<Bytes> SerializeVersion(const Version& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_VERSION_H_
