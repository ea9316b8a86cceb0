#include "runtime/endpoint.h"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "gpu/device.h"
#include "gpu/evidence_builder.h"
#include "gpu/measurements.h"
#include "spdm/requester/transport_exchange.h"
#include "spdm/responder/loopback.h"
#include "spdm/responder/measurement_provider.h"
#include "spdm/responder/responder.h"
#include "spdm/responder/signer.h"
#include "spdm/transport/socket.h"
#include "spdm/transport/spdm_transport.h"
#include "spdm/wire/measurements.h"

namespace ccgpu::runtime {
namespace {

namespace rsp = spdm::responder;

// ---- In-process device served by a responder built here.
// INTERIM until gpu::DeviceService (src/gpu/service/, branch devspdm) lands:
// it serves the device's chain, AK signatures and measurement digests, but
// the SPDM responder has no NVIDIA opaque data yet, so NVIDIA's
// GET_MEASUREMENTS is answered from Device::Evidence (the same request bytes,
// the device's signed MEASUREMENTS response).

class DeviceSigner final : public rsp::Signer {
 public:
  explicit DeviceSigner(gpu::Device* d) : d_(d) {}
  crypto::Curve curve() const override { return crypto::Curve::kP384; }
  Result<Bytes> Sign(crypto::HashAlg hash, const spdm::session::SignatureInput& input) const override {
    if (hash != crypto::HashAlg::kSha384) return Fail(Errc::kUnsupportedAlgorithm, "device AK signs SHA-384 only");
    if (input.form == spdm::session::SignatureInput::Form::kDigest) {
      return d_->SignDigestWithAttestationKey(input.bytes);
    }
    return d_->SignWithAttestationKey(input.bytes);
  }
  Result<crypto::EcPublicKey> PublicKey() const override {
    auto chain = d_->CertificateChain();
    if (chain.empty()) return Fail(Errc::kStateError, "device has no certificate chain");
    return chain.front().PublicKey();
  }

 private:
  gpu::Device* d_;
};

class DeviceMeasurements final : public rsp::MeasurementProvider {
 public:
  explicit DeviceMeasurements(gpu::Device* d) : d_(d) {}
  Result<std::vector<rsp::MeasurementEntry>> Collect() override {
    const gpu::MeasurementSet set = d_->Measurements();
    std::vector<rsp::MeasurementEntry> out;
    for (std::size_t i = 0; i < gpu::kNumMeasurements; ++i) {
      rsp::MeasurementEntry e;
      e.index = static_cast<uint8_t>(i + 1);
      e.value_type = spdm::wire::meas::kTypeMutableFirmware;
      e.value.assign(set.value[i].begin(), set.value[i].end());
      e.is_digest = true;
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  gpu::Device* d_;
};

class LocalHost final : public InProcessHost {
 public:
  static Result<std::unique_ptr<LocalHost>> Open(const std::filesystem::path& state, unsigned index) {
    CCGPU_ASSIGN_OR_RETURN(std::unique_ptr<gpu::Device> d, gpu::Device::Open(state, index));
    std::unique_ptr<LocalHost> h(new LocalHost(std::move(d)));
    CCGPU_TRY(h->Rebuild());
    h->listener_ = h->device_->AddResetListener([raw = h.get()](uint64_t) { (void)raw->Rebuild(); });
    return h;
  }
  ~LocalHost() override { device_->RemoveResetListener(listener_); }
  gpu::Device* device() override { return device_.get(); }
  Result<std::unique_ptr<spdm::requester::MessageExchange>> Connect() override {
    return std::unique_ptr<spdm::requester::MessageExchange>(new LocalExchange(this));
  }

 private:
  // Every connection goes to the current responder (a reset replaces it:
  // sessions of the old one are gone, as on a real device).
  class LocalExchange final : public spdm::requester::MessageExchange {
   public:
    explicit LocalExchange(LocalHost* h) : h_(h) {}
    Result<spdm::requester::ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
      std::lock_guard<std::mutex> lock(h_->mu_);
      if (!h_->responder_) return Fail(Errc::kClosed, "in-process device: no responder");
      // NVIDIA's GET_MEASUREMENTS (1.1, signed, all blocks, slot 0): the
      // device answers with its evidence (opaque data included).
      if (!secured && request.size() == 37) {
        Bytes nonce(request.begin() + 4, request.begin() + 36);
        if (std::ranges::equal(gpu::BuildMeasurementsRequest(nonce), request)) {
          CCGPU_ASSIGN_OR_RETURN(Bytes ev, h_->device_->Evidence(nonce));
          return spdm::requester::ExchangeMessage{false, Bytes(ev.begin() + 37, ev.end())};
        }
      }
      rsp::TransportMessage m = h_->responder_->Handle(secured, request);
      return spdm::requester::ExchangeMessage{m.secured, std::move(m.bytes)};
    }

   private:
    LocalHost* h_;
  };

  explicit LocalHost(std::unique_ptr<gpu::Device> d) : device_(std::move(d)) {}
  Status Rebuild() {
    rsp::ResponderConfig c;
    auto chain = device_->CertificateChain();  // leaf first
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) c.cert_chain_der.push_back(it->Der());
    c.signer = std::make_shared<DeviceSigner>(device_.get());
    c.measurements = std::make_shared<DeviceMeasurements>(device_.get());
    c.base_hash = {spdm::wire::alg::kSha384};
    c.dhe = {spdm::wire::alg::kSecp384r1};
    c.aead = {spdm::wire::alg::kAes256Gcm};
    CCGPU_ASSIGN_OR_RETURN(auto r, rsp::Responder::Create(std::move(c)));
    std::lock_guard<std::mutex> lock(mu_);
    responder_ = std::move(r);
    return OkStatus();
  }

  std::unique_ptr<gpu::Device> device_;
  std::mutex mu_;
  std::unique_ptr<rsp::Responder> responder_;
  int listener_ = 0;
};

// ---- gpud over TCP: owns the transport the exchange uses.
class TcpExchange final : public spdm::requester::MessageExchange {
 public:
  explicit TcpExchange(spdm::transport::TcpConnection conn)
      : transport_(std::move(conn), spdm::transport::TransportType::kMctp, spdm::transport::Role::kRequester),
        exchange_(&transport_) {}
  Status Hello() { return transport_.Hello(); }
  Result<spdm::requester::ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
    return exchange_.Exchange(secured, request);
  }

 private:
  spdm::transport::PlatformPortTransport transport_;
  spdm::requester::TransportExchange exchange_;
};

}  // namespace

Result<std::unique_ptr<InProcessHost>> OpenInProcessHost(const std::filesystem::path& state, unsigned index) {
  CCGPU_ASSIGN_OR_RETURN(auto h, LocalHost::Open(state, index));
  return std::unique_ptr<InProcessHost>(std::move(h));
}

Result<Endpoint> OpenEndpoint(const DeviceSpec& spec) {
  Endpoint ep;
  if (spec.kind == DeviceSpec::Kind::kInProcess) {
    CCGPU_ASSIGN_OR_RETURN(ep.host, OpenInProcessHost(spec.state, spec.index));
    CCGPU_ASSIGN_OR_RETURN(ep.exchange, ep.host->Connect());
    ep.link.binding = spdm::session::TransportBinding::Mctp();
  } else {
    if (spec.port == 0) return Fail(Errc::kInvalidArgument, "gpud endpoint: port 0");
    CCGPU_ASSIGN_OR_RETURN(auto conn, spdm::transport::TcpConnection::Connect(spec.host, spec.port));
    auto tcp = std::make_unique<TcpExchange>(std::move(conn));
    CCGPU_TRY(tcp->Hello());
    ep.exchange = std::move(tcp);
    CCGPU_ASSIGN_OR_RETURN(ep.link.binding,
                           spdm::requester::RecordBindingFor(spdm::transport::TransportType::kMctp));
  }
  if (spec.relay) {
    ep.exchange = spec.relay(std::move(ep.exchange));
    if (!ep.exchange) return Fail(Errc::kInvalidArgument, "host relay returned no connection");
  }
  return ep;
}

}  // namespace ccgpu::runtime
