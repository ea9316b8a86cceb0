#include "gpu/engine/peer_link.h"

#include <unistd.h>

#include "channel/stream.h"

namespace ccgpu::gpu::engine {

PeerLinkHub::PeerLinkHub(PeerLinkOptions options) : options_(std::move(options)) {
  if (options_.name_prefix.empty()) options_.name_prefix = "/ccgpu-link-" + std::to_string(getpid());
}

Result<PeerLinkHub::Link*> PeerLinkHub::Get(uint32_t link_id, uint32_t from, uint32_t to) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_tuple(link_id, from, to);
  if (auto it = links_.find(key); it != links_.end()) return it->second.get();
  const uint32_t payload = options_.max_chunk + static_cast<uint32_t>(channel::kChunkOverhead);
  const std::string name = options_.name_prefix + "-" + std::to_string(link_id) + "-" +
                           std::to_string(from) + "to" + std::to_string(to);
  CCGPU_ASSIGN_OR_RETURN(auto region, channel::SharedRegion::CreateNamed(
                                          name, channel::SlotRing::RequiredSize(options_.slot_count, payload)));
  CCGPU_ASSIGN_OR_RETURN(auto ring, channel::SlotRing::Format(region.bytes(), options_.slot_count, payload));
  auto link = std::make_unique<Link>(std::move(region), ring);
  Link* out = link.get();
  links_.emplace(key, std::move(link));
  return out;
}

std::string PeerLinkHub::RegionName(uint32_t link_id, uint32_t from, uint32_t to) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = links_.find(std::make_tuple(link_id, from, to));
  return it == links_.end() ? std::string() : it->second->region.name();
}

}  // namespace ccgpu::gpu::engine
