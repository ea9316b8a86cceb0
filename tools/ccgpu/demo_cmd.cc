// `ccgpu demo`: the whole mission on two emulated GPUs, with nothing else
// running. Provision → reference values → attach (SPDM, evidence verified,
// session, TDISP, channel, ready) → attestation token → key broker releases
// the model key → weights into protected memory through the encrypted path →
// dense layer on the GPU → results back and checked against the CPU → peer
// copy GPU→GPU → a hostile host whose attacks are detected and survived →
// report.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attest/broker/key_broker.h"
#include "attest/token/eat.h"
#include "attest/token/jwt.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "command.h"
#include "crypto/ec.h"
#include "crypto/rng.h"
#include "demo_host.h"
#include "demo_model.h"
#include "demo_report.h"
#include "gpu/config.h"
#include "gpu/provision.h"
#include "gpu/rim_maker.h"
#include "runtime/context.h"

namespace ccgpu::cli {
namespace {

namespace fs = std::filesystem;
using demo::Report;

struct DemoArgs {
  bool json = false;
  std::string state;  // empty: a fresh temporary directory, removed at the end
  bool keep = false;
  bool no_attacks = false;
};

constexpr const char* kModelName = "mlp-layer";
constexpr unsigned kGpus = 2;

std::string ClaimString(const nlohmann::ordered_json& claims, const char* key) {
  const auto it = claims.find(key);
  if (it == claims.end()) return "-";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// Everything the steps share.
struct Demo {
  Demo(DemoArgs a, Report& r, fs::path s, Host& h) : args(std::move(a)), report(r), state(std::move(s)), host(h) {}
  DemoArgs args;
  Report& report;
  fs::path state;
  Host& host;
  fs::path rims;
  demo::LayerShape shape;
  std::unique_ptr<attest::KeyBroker> broker;
  std::optional<crypto::EcPrivateKey> verifier_key;
  std::unique_ptr<Context> ctx;
  std::vector<DeviceId> gpus;
  std::string eat;
  Bytes challenge;
  std::optional<demo::Weights> weights;
  std::vector<float> input, reference, result;

  Status Provision(std::string& detail) {
    gpu::ProvisionOptions o;
    o.gpus = kGpus;
    o.now = SystemClock::Get().Now();
    CCGPU_TRY(gpu::Provision(state, o));
    detail = std::to_string(kGpus) + " GPUs, 5-level emulated PKI in " + state.string();
    return OkStatus();
  }

  Status MakeReferenceValues(std::string& detail) {
    rims = state / "rims";
    for (unsigned i = 0; i < kGpus; ++i) {
      CCGPU_ASSIGN_OR_RETURN(gpu::RimFiles files, gpu::MakeRims(state, i, rims));
      detail = files.driver_id + ", " + files.vbios_id + " (XML-DSig)";
    }
    return OkStatus();
  }

  Status SealModel(std::string& detail) {
    weights = demo::MakeWeights(shape, 2026);
    input = demo::MakeInput(shape, 7);
    CCGPU_ASSIGN_OR_RETURN(Bytes key, crypto::RandomBytes(attest::kModelKeySize));
    SecretBytes model_key = SecretBytes::CopyOf(key);
    SecureWipe(key.data(), key.size());
    const Bytes plain = demo::SerializeWeights(*weights);
    CCGPU_ASSIGN_OR_RETURN(Bytes sealed, attest::SealModel(model_key, kModelName, plain));
    std::error_code ec;
    fs::create_directories(state / "models", ec);
    CCGPU_TRY(gpu::WriteFileAtomic(state / "models" / "mlp-layer.ccgpumd", sealed));
    // The verifier's token key, trusted by the broker through its JWKS.
    CCGPU_ASSIGN_OR_RETURN(auto vk, crypto::EcPrivateKey::Generate(crypto::Curve::kP384));
    CCGPU_ASSIGN_OR_RETURN(auto vpub, vk.PublicKey());
    CCGPU_ASSIGN_OR_RETURN(auto jwk, attest::PublicJwk(vpub, "ccgpu-demo-verifier"));
    CCGPU_ASSIGN_OR_RETURN(auto jwks, attest::Jwks::Parse(nlohmann::json{{"keys", {jwk}}}.dump()));
    verifier_key = std::move(vk);
    broker = std::make_unique<attest::KeyBroker>(std::move(jwks), attest::BrokerPolicy{.min_devices = kGpus});
    CCGPU_TRY(broker->AddKey(kModelName, std::move(model_key)));
    reference = demo::CpuReference(*weights, input);
    detail = std::to_string(sealed.size()) + " B sealed (CCGPUMD1, AES-256-GCM); key held by the broker";
    return OkStatus();
  }

  Status CreateContext(std::string& detail) {
    CCGPU_ASSIGN_OR_RETURN(TrustConfig trust, EmulatedTrust(state.string(), rims.string()));
    ContextOptions options;
    options.trust = std::move(trust);
    CCGPU_ASSIGN_OR_RETURN(ctx, Context::Create(std::move(options)));
    detail = "trust: emulated root + RIM root of the state directory, policy allows emulated";
    return OkStatus();
  }

  Status AttachGpu(unsigned index, std::string& detail) {
    auto id = ctx->Attach(host.Spec(state, index));
    if (!id) {
      const auto& f = ctx->last_attach_failure();
      if (f) detail = f->why;
      return tl::unexpected(id.error());
    }
    gpus.push_back(*id);
    CCGPU_ASSIGN_OR_RETURN(AttachReport r, ctx->Report(*id));
    if (r.attestation) {
      const auto& c = r.attestation->claims();
      report.Note("GPU-" + std::to_string(index) + " claims: hwmodel=" + ClaimString(c, "hwmodel") +
                  " measres=" + ClaimString(c, "measres") + " secboot=" + ClaimString(c, "secboot") +
                  " dbgstat=" + ClaimString(c, "dbgstat"));
      report.Note("        driver " + ClaimString(c, "x-nvidia-gpu-driver-version") + ", VBIOS " +
                  ClaimString(c, "x-nvidia-gpu-vbios-version") + ", ueid " + ClaimString(c, "ueid"));
    }
    char sid[16];
    std::snprintf(sid, sizeof sid, "0x%08x", r.session_id);
    detail = "SPDM session " + std::string(sid) + (r.ide ? ", IDE stream keyed" : "") +
             (r.tdisp ? ", TDISP RUN" : ", TDISP: " + r.tdisp_note) + ", ready";
    return OkStatus();
  }

  Status IssueToken(std::string& detail) {
    CCGPU_ASSIGN_OR_RETURN(challenge, broker->Challenge());
    std::vector<attest::DeviceClaims> devices;
    bool all = true;
    for (DeviceId id : gpus) {
      CCGPU_ASSIGN_OR_RETURN(AttachReport r, ctx->Report(id));
      if (!r.attestation) return Fail(Errc::kStateError, "demo: attached device without an attestation");
      all = all && r.attestation->passed();
      devices.push_back({"GPU-" + std::to_string(devices.size()), nlohmann::json(r.attestation->claims())});
    }
    attest::EatIssueOptions o;
    o.nonce_hex = HexEncode(challenge);
    o.kid = "ccgpu-demo-verifier";
    CCGPU_ASSIGN_OR_RETURN(eat, attest::IssueDetachedEat(devices, all, *verifier_key, o, SystemClock::Get()));
    detail = "detached EAT, " + std::to_string(devices.size()) + " device JWTs, ES384, eat_nonce = broker challenge";
    return OkStatus();
  }

  Status ReleaseKey(std::string& detail) {
    CCGPU_ASSIGN_OR_RETURN(auto requester, crypto::EcPrivateKey::Generate(crypto::Curve::kP384));
    CCGPU_ASSIGN_OR_RETURN(auto requester_pub, requester.PublicKey());
    attest::ReleaseDenial denial;
    auto wrapped = broker->Release(kModelName, challenge, eat, requester_pub, &denial);
    if (!wrapped) {
      detail = denial.reason;
      return tl::unexpected(wrapped.error());
    }
    CCGPU_ASSIGN_OR_RETURN(SecretBytes key, attest::UnwrapKey(*wrapped, kModelName, challenge, requester));
    CCGPU_ASSIGN_OR_RETURN(Bytes sealed, gpu::ReadFileBytes(state / "models" / "mlp-layer.ccgpumd"));
    std::string name;
    CCGPU_ASSIGN_OR_RETURN(SecretBytes plain, attest::OpenModel(key, sealed, &name));
    CCGPU_ASSIGN_OR_RETURN(demo::Weights w, demo::ParseWeights(shape, plain.reveal()));
    if (w.w != weights->w || w.b != weights->b) return Fail(Errc::kMalformed, "demo: opened model differs");
    detail = "key wrapped to an ephemeral P-384 key (ECDH+HKDF+AES-GCM); model \"" + name + "\" opened";
    return OkStatus();
  }

  // Weights, input: host → GPU 0 over the encrypted path; layer on GPU 0;
  // result back; compared with the CPU reference.
  Status RunLayer(std::string& detail) {
    const DeviceId g = gpus[0];
    const Bytes w = demo::FloatsToBytes(weights->w), b = demo::FloatsToBytes(weights->b),
                x = demo::FloatsToBytes(input);
    CCGPU_ASSIGN_OR_RETURN(DeviceBuffer dw, ctx->Alloc(g, w.size()));
    CCGPU_ASSIGN_OR_RETURN(DeviceBuffer db, ctx->Alloc(g, b.size()));
    CCGPU_ASSIGN_OR_RETURN(DeviceBuffer dx, ctx->Alloc(g, x.size()));
    CCGPU_ASSIGN_OR_RETURN(DeviceBuffer dy, ctx->Alloc(g, shape.batch * shape.out * 4));
    const auto t0 = std::chrono::steady_clock::now();
    Stream& s = ctx->CreateStream();
    auto f1 = ctx->CopyToDeviceAsync(s, dw, w);
    auto f2 = ctx->CopyToDeviceAsync(s, db, b);
    auto f3 = ctx->CopyToDeviceAsync(s, dx, x);
    CCGPU_TRY(f1.get());
    CCGPU_TRY(f2.get());
    CCGPU_TRY(f3.get());
    const double h2d_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report.AddBytes("host→GPU", w.size() + b.size() + x.size(), h2d_s);
    host.ScanForPlaintext(w, "weights");
    CCGPU_TRY(ctx->Launch(g, "gemm_f32",
                          {KernelArg::U64(shape.batch), KernelArg::U64(shape.out), KernelArg::U64(shape.in),
                           KernelArg::Buffer(dx), KernelArg::Buffer(dw), KernelArg::Buffer(dy)}));
    CCGPU_TRY(ctx->Launch(g, "bias_relu_f32",
                          {KernelArg::U64(shape.batch), KernelArg::U64(shape.out), KernelArg::Buffer(dy),
                           KernelArg::Buffer(db)}));
    CCGPU_TRY(ctx->Launch(g, "softmax_f32",
                          {KernelArg::U64(shape.batch), KernelArg::U64(shape.out), KernelArg::Buffer(dy)}));
    Bytes y(dy.size());
    const auto t1 = std::chrono::steady_clock::now();
    CCGPU_TRY(ctx->CopyFromDevice(dy, y));
    report.AddBytes("GPU→host", y.size(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
    CCGPU_ASSIGN_OR_RETURN(result, demo::BytesToFloats(y));
    const double diff = demo::MaxAbsDiff(result, reference);
    report.SetResult("max_abs_error", diff);
    report.SetResult("result_matches_cpu_reference", diff <= 1e-5);
    if (!(diff <= 1e-5)) return Fail(Errc::kDeviceError, "demo: GPU result differs from the CPU reference");
    detail = "y = softmax(relu(x·W + b)), " + std::to_string(shape.batch) + "×" + std::to_string(shape.in) + " · " +
             std::to_string(shape.in) + "×" + std::to_string(shape.out) + "; max |GPU − CPU| = " +
             std::to_string(diff);
    // Keep the GPU-0 result for the peer copy.
    layer_output = std::move(dy);
    return OkStatus();
  }

  Status PeerCopy(std::string& detail) {
    CCGPU_ASSIGN_OR_RETURN(DeviceBuffer on1, ctx->Alloc(gpus[1], layer_output.size()));
    const auto t0 = std::chrono::steady_clock::now();
    CCGPU_TRY(ctx->PeerCopy(on1, layer_output));
    report.AddBytes("GPU→GPU", layer_output.size(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    Bytes back(on1.size());
    CCGPU_TRY(ctx->CopyFromDevice(on1, back));
    if (back != demo::FloatsToBytes(result)) return Fail(Errc::kDeviceError, "demo: peer copy changed the data");
    detail = std::to_string(on1.size()) + " B GPU 0 → GPU 1 over the sealed link (fresh pair key), read back equal";
    return OkStatus();
  }

  DeviceBuffer layer_output;
};

int RunDemo(const DemoArgs& args) {
  std::FILE* progress = args.json ? stderr : stdout;
  Report report(progress);
  std::fprintf(progress, "ccgpu demo — confidential computing on two emulated GPUs (NOT FOR PRODUCTION)\n");

  fs::path state;
  bool remove_state = false;
  if (args.state.empty()) {
    char tmpl[] = "/tmp/ccgpu-demo-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::fprintf(stderr, "demo: cannot create a temporary directory\n");
      return kExitInputUnusable;
    }
    state = tmpl;
    fs::remove(state);
    remove_state = !args.keep;
  } else {
    state = args.state;
  }

  Host host(report);
  Demo d(args, report, state, host);
  bool ok = report.Step("provision 2 emulated GPUs", [&](std::string& x) { return d.Provision(x); }) &&
            report.Step("sign reference values (RIMs)", [&](std::string& x) { return d.MakeReferenceValues(x); }) &&
            report.Step("seal model weights at rest", [&](std::string& x) { return d.SealModel(x); }) &&
            report.Step("guest context and trust", [&](std::string& x) { return d.CreateContext(x); });
  for (unsigned i = 0; ok && i < kGpus; ++i) {
    ok = report.Step("attach GPU " + std::to_string(i) + " (attest, session, TDISP)",
                     [&](std::string& x) { return d.AttachGpu(i, x); });
  }
  ok = ok && report.Step("attestation token (local verifier)", [&](std::string& x) { return d.IssueToken(x); }) &&
       report.Step("key broker releases the model key", [&](std::string& x) { return d.ReleaseKey(x); }) &&
       report.Step("dense layer on GPU 0 (encrypted I/O)", [&](std::string& x) { return d.RunLayer(x); }) &&
       report.Step("peer copy GPU 0 → GPU 1", [&](std::string& x) { return d.PeerCopy(x); });
  if (ok && !args.no_attacks) {
    host.RunEpisode(*d.ctx, d.state, d.gpus);
  }
  host.Finish();

  if (args.json) {
    std::printf("%s\n", report.ToJson().dump(2).c_str());
  } else {
    report.PrintSummary(stdout);
  }
  d.layer_output = DeviceBuffer();  // device memory first, then the devices
  d.ctx.reset();
  if (remove_state) {
    std::error_code ec;
    fs::remove_all(state, ec);
  } else {
    std::fprintf(progress, "state kept in %s\n", state.string().c_str());
  }
  return report.ok() ? kExitOk : kExitFailed;
}

}  // namespace

void AddDemoCommand(CLI::App& app, Action& action) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand("demo", "Run the whole mission on two emulated GPUs (the main job)");
  cmd->add_flag("--json", args->json, "Print the report as JSON on stdout (progress goes to stderr)");
  cmd->add_option("--state", args->state, "State directory to provision (must not exist); default: a temporary one");
  cmd->add_flag("--keep", args->keep, "Keep the temporary state directory");
  cmd->add_flag("--no-attacks", args->no_attacks, "Skip the hostile-host episode");
  cmd->callback([args, &action] { action = [args] { return RunDemo(*args); }; });
}

}  // namespace ccgpu::cli
