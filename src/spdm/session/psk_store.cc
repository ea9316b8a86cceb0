#include "spdm/session/psk_store.h"

#include <algorithm>

namespace ccgpu::spdm::session {

Status InMemoryPskStore::Add(ByteSpan hint, SecretBytes psk) {
  if (psk.empty()) return Fail(Errc::kInvalidArgument, "spdm.psk: empty PSK");
  if (hint.size() > kMaxPskHintSize) {
    return Fail(Errc::kInvalidArgument, "spdm.psk: PSKHint longer than 64 bytes");
  }
  for (const auto& [h, key] : entries_) {
    if (std::equal(h.begin(), h.end(), hint.begin(), hint.end())) {
      return Fail(Errc::kInvalidArgument, "spdm.psk: a PSK is already stored under that hint");
    }
  }
  entries_.emplace_back(Bytes(hint.begin(), hint.end()), std::move(psk));
  return OkStatus();
}

Result<KeySchedule> InMemoryPskStore::Schedule(const SessionAlgorithms& algs,
                                               ByteSpan hint) const {
  for (const auto& [h, key] : entries_) {
    if (std::equal(h.begin(), h.end(), hint.begin(), hint.end())) {
      return KeySchedule::CreateFromPsk(algs, key.reveal());
    }
  }
  return Fail(Errc::kNotFound, "spdm.psk: no PSK under that PSKHint");
}

}  // namespace ccgpu::spdm::session
