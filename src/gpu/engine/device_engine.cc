#include "gpu/engine/device_engine.h"

#include <algorithm>

#include "channel/ring.h"

namespace ccgpu::gpu::engine {

using channel::ControlCode;

DeviceEngine::DeviceEngine(Device& device, PeerLinkHub* links, EngineOptions options)
    : device_(device), links_(links), options_(options),
      allocator_(device.Status().protected_memory_bytes) {
  // Reset scrubbed protected memory: every allocation is gone. (Executors
  // kill themselves through their own listeners.)
  reset_listener_ = device_.AddResetListener([this](uint64_t) { allocator_.Clear(); });
}

DeviceEngine::~DeviceEngine() {
  device_.RemoveResetListener(reset_listener_);
  std::lock_guard<std::mutex> lock(mu_);
  channels_.clear();
}

void DeviceEngine::ReapLocked() {
  for (auto it = channels_.begin(); it != channels_.end();) {
    if (it->second->alive()) {
      ++it;
    } else {
      it = channels_.erase(it);
    }
  }
}

std::size_t DeviceEngine::channel_count() {
  std::lock_guard<std::mutex> lock(mu_);
  ReapLocked();
  return channels_.size();
}

Status DeviceEngine::OpenChannelOnRegions(const ExecutorConfig& config, ByteSpan ems, ChannelRegions regions) {
  std::lock_guard<std::mutex> lock(mu_);
  ReapLocked();
  if (channels_.count(config.channel_id) != 0) return Fail(Errc::kBusy, "open channel: channel id in use");
  if (channels_.size() >= options_.max_channels) {
    return Fail(Errc::kResourceExhausted, "open channel: too many channels on this device");
  }
  CCGPU_ASSIGN_OR_RETURN(auto exec,
                         ChannelExecutor::Start(device_, allocator_, links_, ems, config, std::move(regions)));
  channels_.emplace(config.channel_id, std::move(exec));
  return OkStatus();
}

Result<channel::OpenChannelResponse> DeviceEngine::OpenChannel(
    const channel::OpenChannelRequest& req, const std::function<Result<SecretBytes>()>& ems) {
  ChannelRegions regions;
  for (const std::string* name : {&req.command_shm, &req.completion_shm, &req.h2d_shm, &req.d2h_shm}) {
    CCGPU_TRY(channel::CheckShmName(*name));
    CCGPU_ASSIGN_OR_RETURN(auto region, options_.map_region ? options_.map_region(*name)
                                                            : channel::SharedRegion::OpenNamed(*name));
    regions.owned.push_back(std::move(region));
  }
  regions.command = regions.owned[0].bytes();
  regions.completion = regions.owned[1].bytes();
  regions.h2d = regions.owned[2].bytes();
  regions.d2h = regions.owned[3].bytes();
  // Everything that can be checked before the EMS is taken.
  const auto& g = req.geometry;
  CCGPU_TRY(channel::CheckGeometry(g));
  CCGPU_TRY(channel::SlotRing::Attach(regions.command, g.command.slot_count, g.command.slot_payload));
  CCGPU_TRY(channel::SlotRing::Attach(regions.completion, g.completion.slot_count, g.completion.slot_payload));
  CCGPU_TRY(channel::SlotRing::Attach(regions.h2d, g.h2d.slot_count, g.h2d.slot_payload));
  CCGPU_TRY(channel::SlotRing::Attach(regions.d2h, g.d2h.slot_count, g.d2h.slot_payload));
  {
    std::lock_guard<std::mutex> lock(mu_);
    ReapLocked();
    if (channels_.count(req.channel_id) != 0) return Fail(Errc::kBusy, "open channel: channel id in use");
    if (channels_.size() >= options_.max_channels) {
      return Fail(Errc::kResourceExhausted, "open channel: too many channels on this device");
    }
  }
  CCGPU_ASSIGN_OR_RETURN(SecretBytes secret, ems());
  ExecutorConfig config;
  config.channel_id = req.channel_id;
  config.geometry = req.geometry;
  config.rotation = req.rotation;
  config.threads = options_.threads;
  config.transfer_timeout = options_.transfer_timeout;
  CCGPU_TRY(OpenChannelOnRegions(config, secret.reveal(), std::move(regions)));
  return channel::OpenChannelResponse{device_.index(), allocator_.memory_bytes()};
}

Status DeviceEngine::CloseChannel(uint32_t channel_id) {
  std::unique_ptr<ChannelExecutor> exec;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = channels_.find(channel_id);
    if (it == channels_.end()) return Fail(Errc::kNotFound, "close channel: no such channel");
    exec = std::move(it->second);
    channels_.erase(it);
  }
  exec.reset();  // joins the thread, frees and scrubs the allocations
  return OkStatus();
}

Result<Bytes> ControlHandler::Handle(const spdm::responder::VendorRequest& request) {
  if (request.standard_id != channel::kControlStandardId ||
      !std::equal(request.vendor_id.begin(), request.vendor_id.end(), channel::kControlVendorId.begin(),
                  channel::kControlVendorId.end())) {
    return Fail(Errc::kUnsupported, "ccgpu control: not our StandardID/VendorID");
  }
  if (request.payload.size() < 2) return Fail(Errc::kMalformed, "ccgpu control: payload without version and code");
  const auto code = static_cast<ControlCode>(request.payload[1]);
  if (!request.session_id) {
    return channel::EncodeControlResponse(code, Errc::kAccessDenied);
  }
  auto req = channel::DecodeControlRequest(request.payload);
  if (!req) return channel::EncodeControlResponse(code, req.error().code);
  switch (req->code) {
    case ControlCode::kOpenChannel: {
      auto ems = [&]() -> Result<SecretBytes> {
        if (ems_) return ems_(request);
        if (request.export_master_secret) return request.export_master_secret();
        return Fail(Errc::kSessionClosed, "ccgpu control: no export master secret");
      };
      auto resp = engine_->OpenChannel(req->open, ems);
      if (!resp) return channel::EncodeControlResponse(code, resp.error().code);
      return channel::EncodeControlResponse(code, Errc{}, channel::EncodeOpenChannelResponse(*resp));
    }
    case ControlCode::kSetReady:
      engine_->SetReady();
      return channel::EncodeControlResponse(code, Errc{});
    case ControlCode::kCloseChannel: {
      auto st = engine_->CloseChannel(req->channel_id);
      return channel::EncodeControlResponse(code, st ? Errc{} : st.error().code);
    }
  }
  return channel::EncodeControlResponse(code, Errc::kUnsupported);
}

}  // namespace ccgpu::gpu::engine
