// OCSP client tests against real `openssl ocsp` responders on loopback,
// over a PKI that testdata/make_test_pki.sh builds with the openssl CLI.
#include "crypto/ocsp/ocsp.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/encoding.h"

namespace ccgpu::crypto {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using std::chrono::seconds;

Bytes ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const fs::path& p, ByteSpan data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()),  // NOLINT: byte -> char view
            static_cast<std::streamsize>(data.size()));
}

std::string Ctx(const Error& e) { return e.context ? e.context : ""; }

// The test PKI, built by testdata/make_test_pki.sh into the build tree and
// reused for an hour by every test process (ctest runs each test in its own
// process); plus a per-process scratch directory.
class PkiEnvironment : public ::testing::Environment {
 public:
  static fs::path dir;
  static fs::path scratch;
  void SetUp() override {
    dir = fs::path(CCGPU_BINARY_DIR) / "ocsp_test_pki";
    scratch = fs::temp_directory_path() / ("ccgpu_ocsp_test_" + std::to_string(getpid()));
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    std::error_code ec;
    const auto stamp = fs::last_write_time(dir / "done", ec);
    if (!ec && fs::file_time_type::clock::now() - stamp < std::chrono::hours(1)) return;
    // Build aside, then move into place atomically; a concurrent builder's
    // result is as good as ours.
    const fs::path tmp = dir.string() + ".tmp." + std::to_string(getpid());
    fs::remove_all(tmp);
    const std::string cmd = "timeout 60 bash '" CCGPU_SOURCE_DIR
                            "/src/crypto/ocsp/testdata/make_test_pki.sh' '" +
                            tmp.string() + "' >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "building the test PKI failed";
    const fs::path old = dir.string() + ".old." + std::to_string(getpid());
    fs::rename(dir, old, ec);  // a stale PKI, if any
    fs::remove_all(old, ec);
    fs::rename(tmp, dir, ec);
    if (ec) fs::remove_all(tmp, ec);  // another process won
    ASSERT_TRUE(fs::exists(dir / "done"));
  }
  void TearDown() override { fs::remove_all(scratch); }
};
fs::path PkiEnvironment::dir;
fs::path PkiEnvironment::scratch;
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new PkiEnvironment);

Bytes Der(const std::string& name) { return ReadFile(PkiEnvironment::dir / (name + ".der")); }
std::string Pem(const std::string& name) { return (PkiEnvironment::dir / (name + ".pem")).string(); }
std::string Key(const std::string& name) { return (PkiEnvironment::dir / (name + ".key")).string(); }

// A real `openssl ocsp` responder process on an ephemeral port. Killed (and
// reaped) by Stop() or the destructor; PR_SET_PDEATHSIG kills it if the test
// process dies first.
class Responder {
 public:
  // signer: "resp", "int", "noeku", "rogue", "other", "resp_short".
  explicit Responder(const std::string& signer, std::vector<std::string> extra = {"-nmin", "5"}) {
    std::vector<std::string> args = {"openssl", "ocsp", "-index",
                                     (PkiEnvironment::dir / "index.txt").string(),
                                     "-port", "0", "-CA", Pem("int"),
                                     "-rsigner", Pem(signer), "-rkey", Key(signer)};
    args.insert(args.end(), extra.begin(), extra.end());
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(fds[1], 1);
      const int devnull = open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, 2);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("openssl", argv.data());
      _exit(127);
    }
    close(fds[1]);
    // Wait (at most 10 s) for "ACCEPT [::]:PORT PID=..." on its stdout.
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      const auto accept = out.find("ACCEPT ");
      const auto pid_pos = out.find(" PID=");
      if (accept != std::string::npos && pid_pos != std::string::npos) {
        const auto colon = out.rfind(':', pid_pos);
        port_ = std::atoi(out.substr(colon + 1, pid_pos - colon - 1).c_str());
      }
    }
    close(fds[0]);
  }
  ~Responder() { Stop(); }
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// A one-connection-at-a-time HTTP server thread that answers every request
// with fixed bytes (or never answers), for transport faults and replays.
class CannedServer {
 public:
  // silent: read the request, never answer. reset: read one chunk of the
  // request, then close.
  explicit CannedServer(std::string reply, bool silent = false, bool reset = false)
      : reply_(std::move(reply)), silent_(silent), reset_(reset) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);  // NOLINT: sockets API
    listen(fd_, 4);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);  // NOLINT: sockets API
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/ocsp"; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      if (reset_) {
        // Read what is there, then close: the client's next writes meet a
        // closed socket (RST, then EPIPE).
        pollfd q{c, POLLIN, 0};
        if (poll(&q, 1, 1000) > 0) {
          char buf[4096];
          (void)!read(c, buf, sizeof buf);
        }
        close(c);
        continue;
      }
      // Read until the headers and Content-Length bytes of body arrived.
      std::string in;
      const auto deadline = std::chrono::steady_clock::now() + seconds(5);
      while (std::chrono::steady_clock::now() < deadline && !stop_) {
        pollfd q{c, POLLIN, 0};
        if (poll(&q, 1, 50) <= 0) continue;
        char buf[4096];
        const ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        const auto end = in.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        std::size_t want = 0;
        const auto cl = in.find("Content-Length:");
        if (cl != std::string::npos) want = std::strtoul(in.c_str() + cl + 15, nullptr, 10);
        if (in.size() >= end + 4 + want) break;
      }
      if (silent_) {
        while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      } else {
        const ssize_t w = write(c, reply_.data(), reply_.size());
        (void)w;
      }
      close(c);
    }
  }
  std::string reply_;
  bool silent_;
  bool reset_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string HttpReply(const std::string& status, const std::string& type, ByteSpan body) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         std::string(body.begin(), body.end());
}

OcspTarget Target(const std::string& leaf) {
  auto t = OcspTarget::Create(Der(leaf), Der("int"));
  CCGPU_CHECK(t.has_value());
  return *t;
}

OcspClient OnlineClient(const Responder& r, OcspClientOptions options = {}) {
  options.timeout = seconds(10);
  auto c = OcspClient::Online(r.url(), std::move(options));
  CCGPU_CHECK(c.has_value());
  return *c;
}

// Fetches one raw response with a fresh request (nonce unless nonce_size 0).
struct Fetched {
  OcspRequest request;
  Bytes response;
};
Fetched Fetch(const Responder& r, const std::string& leaf, std::size_t nonce_size = 32) {
  OcspRequestOptions ro;
  ro.nonce_size = nonce_size;
  auto req = OcspRequest::Create(Target(leaf), ro);
  CCGPU_CHECK(req.has_value());
  auto body = OcspHttpPost(r.url(), req->der(), seconds(10));
  CCGPU_CHECK(body.has_value());
  return Fetched{*req, *body};
}

TimePoint Now() { return SystemClock::Get().Now(); }

// ------------------------------------------------------------ statuses

TEST(OcspOnline, GoodFromDelegatedResponder) {
  Responder r("resp");
  ASSERT_NE(r.port(), 0);
  auto res = OnlineClient(r).Check(Der("good"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, OcspCertStatus::kGood);
  EXPECT_EQ(res->source, OcspSource::kResponder);
  EXPECT_TRUE(res->response_valid);
  EXPECT_TRUE(res->nonce_checked);
  EXPECT_FALSE(res->responder_is_issuer);
  EXPECT_EQ(res->responder_name, "CN=Test Responder");
  EXPECT_EQ(res->serial_hex, "10");
  ASSERT_TRUE(res->this_update && res->next_update);
  EXPECT_EQ(*res->next_update - *res->this_update, seconds(300));
  EXPECT_FALSE(res->revocation_reason);
  EXPECT_TRUE(res->RequireGood());
}

TEST(OcspOnline, RevokedWithReasonAndTime) {
  Responder r("resp");
  auto res = OnlineClient(r).Check(Der("revoked"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, OcspCertStatus::kRevoked);
  ASSERT_TRUE(res->revocation_reason);
  EXPECT_EQ(*res->revocation_reason, CrlReason::kKeyCompromise);
  EXPECT_EQ(CrlReasonName(*res->revocation_reason), "keyCompromise");
  ASSERT_TRUE(res->revocation_time);
  EXPECT_LE(*res->revocation_time, Now());
  auto st = res->RequireGood();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kRevoked);
  EXPECT_FALSE(res->RequireGood(/*allow_certificate_hold=*/true));
}

TEST(OcspOnline, CertificateHoldIsRevokedUnlessAllowed) {
  Responder r("resp");
  auto res = OnlineClient(r).Check(Der("hold"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, OcspCertStatus::kRevoked);
  ASSERT_TRUE(res->revocation_reason);
  EXPECT_EQ(*res->revocation_reason, CrlReason::kCertificateHold);
  auto st = res->RequireGood();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kRevoked);
  EXPECT_THAT(Ctx(st.error()), HasSubstr("certificateHold"));
  EXPECT_TRUE(res->RequireGood(/*allow_certificate_hold=*/true));
}

TEST(OcspOnline, CertificateMissingFromIndexIsUnknown) {
  Responder r("resp");
  auto res = OnlineClient(r).Check(Der("unknown"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, OcspCertStatus::kUnknown);
  EXPECT_TRUE(res->response_valid);
  auto st = res->RequireGood();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kOcspInvalid);
  EXPECT_THAT(Ctx(st.error()), HasSubstr("unknown"));
}

TEST(OcspOnline, IssuerSignedResponseIsAccepted) {
  Responder r("int");
  auto res = OnlineClient(r).Check(Der("good"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, OcspCertStatus::kGood);
  EXPECT_TRUE(res->responder_is_issuer);
  EXPECT_EQ(res->responder_name, "CN=Test Int");
}

TEST(OcspOnline, Sha256AndSha384CertIdsWork) {
  Responder r("resp");
  for (auto h : {OcspCertIdHash::kSha256, OcspCertIdHash::kSha384}) {
    OcspClientOptions o;
    o.request.cert_id_hash = h;
    auto res = OnlineClient(r, o).Check(Der("revoked"), Der("int"), SystemClock::Get());
    ASSERT_TRUE(res) << res.error().ToString();
    EXPECT_EQ(res->status, OcspCertStatus::kRevoked);
  }
  Fetched f = [&] {
    OcspRequestOptions ro;
    ro.cert_id_hash = OcspCertIdHash::kSha384;
    auto req = OcspRequest::Create(Target("good"), ro);
    auto body = OcspHttpPost(r.url(), req->der(), seconds(10));
    return Fetched{*req, *body};
  }();
  auto info = InspectOcspResponse(f.response);
  ASSERT_TRUE(info);
  ASSERT_EQ(info->responses.size(), 1u);
  EXPECT_EQ(info->responses[0].cert_id_hash, "SHA384");
}

// ------------------------------------------------------------ responder trust

void ExpectInvalid(const Result<OcspResult>& res, const std::string& what) {
  ASSERT_FALSE(res) << "unexpectedly accepted";
  EXPECT_EQ(res.error().code, Errc::kOcspInvalid) << res.error().ToString();
  EXPECT_THAT(Ctx(res.error()), HasSubstr(what));
}

TEST(OcspResponderTrust, SelfSignedImpostorWithIssuerNameIsRejected) {
  // ResponderID names "CN=Test Int": the issuer's key does not verify it.
  Responder r("rogue");
  ExpectInvalid(OnlineClient(r).Check(Der("good"), Der("int"), SystemClock::Get()),
                "signature does not verify");
  // Even when the response carries the impostor certificate.
  Responder r2("rogue", {"-nmin", "5", "-rother", Pem("rogue")});
  ExpectInvalid(OnlineClient(r2).Check(Der("good"), Der("int"), SystemClock::Get()),
                "signature does not verify");
}

TEST(OcspResponderTrust, ResponderFromAnotherCaIsRejected) {
  Responder r("other");
  ExpectInvalid(OnlineClient(r).Check(Der("good"), Der("int"), SystemClock::Get()),
                "neither the issuer nor issued by it");
}

TEST(OcspResponderTrust, ResponderWithoutOcspSigningEkuIsRejected) {
  Responder r("noeku");
  ExpectInvalid(OnlineClient(r).Check(Der("good"), Der("int"), SystemClock::Get()),
                "lacks id-kp-OCSPSigning");
}

TEST(OcspResponderTrust, DelegatedResponderCertificateOmittedIsRejected) {
  Responder r("resp", {"-nmin", "5", "-resp_no_certs"});
  ExpectInvalid(OnlineClient(r).Check(Der("good"), Der("int"), SystemClock::Get()),
                "signer certificate not found");
}

TEST(OcspResponderTrust, ExpiredDelegatedResponderCertificateIsRejected) {
  Responder r("resp_short", {"-ndays", "7"});
  Fetched f = Fetch(r, "good");
  // Valid today...
  EXPECT_TRUE(VerifyOcspResponse(f.response, Target("good"), &f.request, Now()));
  // ...but the 1-day responder certificate has expired two days later, while
  // the response itself (nextUpdate +7 days) has not.
  ExpectInvalid(VerifyOcspResponse(f.response, Target("good"), &f.request, Now() + seconds(2 * 86400)),
                "not valid at the verification time");
}

TEST(OcspResponderTrust, TamperedSignatureIsRejected) {
  Responder r("int", {"-nmin", "5", "-resp_no_certs"});
  Fetched f = Fetch(r, "good");
  ASSERT_TRUE(VerifyOcspResponse(f.response, Target("good"), &f.request, Now()));
  Bytes bad = f.response;
  bad[bad.size() - 5] ^= 0x01;  // inside the ECDSA signature's s
  ExpectInvalid(VerifyOcspResponse(bad, Target("good"), &f.request, Now()),
                "signature does not verify");
}

TEST(OcspResponderTrust, FlippingAnyBitIsRejected) {
  Responder r("int", {"-nmin", "5", "-resp_no_certs"});
  Fetched f = Fetch(r, "revoked");
  const OcspTarget t = Target("revoked");
  const TimePoint now = Now();
  ASSERT_TRUE(VerifyOcspResponse(f.response, t, &f.request, now));
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < f.response.size() * 8; ++i) {
    Bytes bad = f.response;
    bad[i / 8] ^= static_cast<uint8_t>(1u << (i % 8));
    auto res = VerifyOcspResponse(bad, t, &f.request, now);
    if (res) {
      ++accepted;
      ADD_FAILURE() << "bit " << i << " flipped, still accepted";
    }
  }
  EXPECT_EQ(accepted, 0u);
}

// ------------------------------------------------------------ nonce

TEST(OcspNonce, ReplayedResponseFailsAgainstNewNonce) {
  Responder r("resp");
  Fetched first = Fetch(r, "good");
  ASSERT_TRUE(VerifyOcspResponse(first.response, Target("good"), &first.request, Now()));
  auto fresh = OcspRequest::Create(Target("good"));
  ASSERT_TRUE(fresh);
  ExpectInvalid(VerifyOcspResponse(first.response, Target("good"), &*fresh, Now()),
                "nonce does not match");
}

TEST(OcspNonce, ReplayThroughHttpIsRejectedOnline) {
  Responder r("resp");
  Fetched old = Fetch(r, "good");
  CannedServer replay(HttpReply("200 OK", "application/ocsp-response", old.response));
  auto client = OcspClient::Online(replay.url());
  ASSERT_TRUE(client);
  ExpectInvalid(client->Check(Der("good"), Der("int"), SystemClock::Get()),
                "nonce does not match");
}

TEST(OcspNonce, MissingNonceIsRejectedUnlessAllowed) {
  Responder r("resp");
  Fetched plain = Fetch(r, "good", /*nonce_size=*/0);
  auto info = InspectOcspResponse(plain.response);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->has_nonce);
  auto with_nonce = OcspRequest::Create(Target("good"));
  ASSERT_TRUE(with_nonce);
  ExpectInvalid(VerifyOcspResponse(plain.response, Target("good"), &*with_nonce, Now()),
                "no nonce although the request carried one");
  OcspVerifyOptions lax;
  lax.require_nonce = false;
  auto res = VerifyOcspResponse(plain.response, Target("good"), &*with_nonce, Now(), lax);
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->nonce_checked);
  // A request without a nonce is answered without one: nothing to check.
  auto res2 = VerifyOcspResponse(plain.response, Target("good"), &plain.request, Now());
  ASSERT_TRUE(res2);
  EXPECT_FALSE(res2->nonce_checked);
}

TEST(OcspNonce, EchoedNonceIsTheRequestNonce) {
  Responder r("resp");
  Fetched f = Fetch(r, "good", 16);
  auto info = InspectOcspResponse(f.response);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->has_nonce);
  EXPECT_EQ(info->nonce, f.request.nonce());
  EXPECT_EQ(f.request.nonce().size(), 16u);
  EXPECT_EQ(info->responder_id, "name:CN=Test Responder");
  EXPECT_EQ(info->certificate_count, 1u);
  ASSERT_EQ(info->responses.size(), 1u);
  EXPECT_EQ(info->responses[0].serial_hex, "10");
  EXPECT_EQ(info->responses[0].cert_id_hash, "SHA1");
}

// ------------------------------------------------------------ time

TEST(OcspTime, ExpiredAndFutureResponsesAreRejected) {
  Responder r("int");  // issuer-signed: no responder certificate validity involved
  Fetched f = Fetch(r, "good");
  const OcspTarget t = Target("good");
  auto ok = VerifyOcspResponse(f.response, t, &f.request, Now());
  ASSERT_TRUE(ok);
  const TimePoint next = *ok->next_update;
  const TimePoint thisu = *ok->this_update;
  // Skew allowance is 300 s by default, on both ends.
  EXPECT_TRUE(VerifyOcspResponse(f.response, t, &f.request, next + seconds(300)));
  ExpectInvalid(VerifyOcspResponse(f.response, t, &f.request, next + seconds(301)),
                "expired (nextUpdate has passed)");
  ExpectInvalid(VerifyOcspResponse(f.response, t, &f.request, Now() + seconds(86400)),
                "expired");
  EXPECT_TRUE(VerifyOcspResponse(f.response, t, &f.request, thisu - seconds(300)));
  ExpectInvalid(VerifyOcspResponse(f.response, t, &f.request, thisu - seconds(301)),
                "thisUpdate is in the future");
  OcspVerifyOptions strict;
  strict.max_skew = seconds(0);
  ExpectInvalid(VerifyOcspResponse(f.response, t, &f.request, next + seconds(1), strict),
                "expired");
}

TEST(OcspTime, ResponseWithoutNextUpdateHasAMaximumAge) {
  Responder r("resp", {});
  Fetched f = Fetch(r, "good");
  const OcspTarget t = Target("good");
  auto ok = VerifyOcspResponse(f.response, t, &f.request, Now());
  ASSERT_TRUE(ok);
  EXPECT_FALSE(ok->next_update);
  const TimePoint thisu = *ok->this_update;
  EXPECT_TRUE(VerifyOcspResponse(f.response, t, &f.request, thisu + seconds(3600 + 300)));
  ExpectInvalid(VerifyOcspResponse(f.response, t, &f.request, thisu + seconds(3600 + 301)),
                "too old");
}

// ------------------------------------------------------------ modes, cache

TEST(OcspModes, OffModeIsAlwaysUnknownNeverGood) {
  OcspClient off = OcspClient::Off();
  EXPECT_EQ(off.mode(), OcspMode::kOff);
  for (const char* leaf : {"good", "revoked", "hold", "unknown"}) {
    auto res = off.Check(Der(leaf), Der("int"), SystemClock::Get());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, OcspCertStatus::kUnknown);
    EXPECT_EQ(res->source, OcspSource::kDisabled);
    EXPECT_FALSE(res->response_valid);
    EXPECT_FALSE(res->RequireGood());
  }
}

TEST(OcspModes, OfflineModeReadsRecordedResponses) {
  const fs::path rec = PkiEnvironment::scratch / "recorded";
  fs::create_directories(rec);
  {
    Responder r("resp", {"-ndays", "1"});
    OcspClientOptions o;
    o.record_dir = rec.string();
    OcspClient online = OnlineClient(r, o);
    for (const char* leaf : {"good", "revoked", "hold"}) {
      ASSERT_TRUE(online.Check(Der(leaf), Der("int"), SystemClock::Get()));
    }
  }  // responder gone
  EXPECT_TRUE(fs::exists(rec / Target("good").ResponseFileNames()[0]));
  auto offline = OcspClient::Offline(rec.string());
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->mode(), OcspMode::kOffline);
  auto good = offline->Check(Der("good"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(good) << good.error().ToString();
  EXPECT_EQ(good->status, OcspCertStatus::kGood);
  EXPECT_EQ(good->source, OcspSource::kFile);
  EXPECT_TRUE(good->response_valid);
  EXPECT_FALSE(good->nonce_checked);
  auto revoked = offline->Check(Der("revoked"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, OcspCertStatus::kRevoked);
  auto hold = offline->Check(Der("hold"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->revocation_reason, CrlReason::kCertificateHold);
  // Not recorded: unknown, never good.
  auto missing = offline->Check(Der("unknown"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, OcspCertStatus::kUnknown);
  EXPECT_EQ(missing->source, OcspSource::kNoResponseFile);
  EXPECT_FALSE(missing->RequireGood());
  // The short name "<serial>.der" works too; a stale file is rejected.
  fs::rename(rec / Target("good").ResponseFileNames()[0], rec / "10.der");
  auto fresh_client = OcspClient::Offline(rec.string());
  auto by_serial = fresh_client->Check(Der("good"), Der("int"), SystemClock::Get());
  ASSERT_TRUE(by_serial);
  EXPECT_EQ(by_serial->status, OcspCertStatus::kGood);
  FixedClock later(Now() + seconds(3 * 86400));
  auto stale = OcspClient::Offline(rec.string())->Check(Der("good"), Der("int"), later);
  ExpectInvalid(stale, "expired");
  // A response file for another certificate does not vouch for this one.
  fs::copy_file(rec / Target("revoked").ResponseFileNames()[0], rec / "13.der");
  ExpectInvalid(OcspClient::Offline(rec.string())->Check(Der("unknown"), Der("int"),
                                                         SystemClock::Get()),
                "CertID mismatch");
  WriteFile(rec / "10.der", AsBytes("garbage"));
  ExpectInvalid(OcspClient::Offline(rec.string())->Check(Der("good"), Der("int"),
                                                         SystemClock::Get()),
                "not a DER OCSPResponse");
}

TEST(OcspCache, SecondQueryDoesNotContactTheResponder) {
  auto r = std::make_unique<Responder>("resp");
  OcspClient client = OnlineClient(*r);
  FixedClock clock(Now());
  auto first = client.Check(Der("good"), Der("int"), clock);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->source, OcspSource::kResponder);
  EXPECT_EQ(client.stats().responder_contacts, 1u);
  r->Stop();  // the responder is gone: only the cache can answer now
  OcspClient copy = client;  // copies share the cache
  auto second = copy.Check(Der("good"), Der("int"), clock);
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->source, OcspSource::kCache);
  EXPECT_EQ(second->status, OcspCertStatus::kGood);
  EXPECT_TRUE(second->nonce_checked);
  EXPECT_EQ(client.stats().responder_contacts, 1u);
  EXPECT_EQ(client.stats().cache_hits, 1u);
  // Another certificate is not in the cache.
  EXPECT_FALSE(client.Check(Der("revoked"), Der("int"), clock));
  EXPECT_EQ(client.stats().responder_contacts, 2u);
  // Still cached at nextUpdate, not after it.
  clock.Set(*first->next_update);
  EXPECT_TRUE(client.Check(Der("good"), Der("int"), clock));
  clock.Set(*first->next_update + seconds(1));
  auto after = client.Check(Der("good"), Der("int"), clock);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, Errc::kIo);
  EXPECT_EQ(client.stats().responder_contacts, 3u);
}

TEST(OcspCache, CapacityEvictsTheSoonestExpiring) {
  Responder r("resp");
  OcspClientOptions o;
  o.cache_capacity = 2;
  OcspClient client = OnlineClient(r, o);
  for (const char* leaf : {"good", "revoked", "hold", "unknown"}) {
    ASSERT_TRUE(client.Check(Der(leaf), Der("int"), SystemClock::Get()));
  }
  EXPECT_EQ(client.stats().cache_entries, 2u);
  client.ClearCache();
  EXPECT_EQ(client.stats().cache_entries, 0u);
}

// ------------------------------------------------------------ transport

TEST(OcspHttp, SilentResponderTimesOut) {
  CannedServer silent("", /*silent=*/true);
  auto req = OcspRequest::Create(Target("good"));
  ASSERT_TRUE(req);
  const auto start = std::chrono::steady_clock::now();
  auto res = OcspHttpPost(silent.url(), req->der(), seconds(1));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::kTimeout) << res.error().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
}

TEST(OcspHttp, ResponderClosingMidRequestDoesNotKillTheProcess) {
  // A 1 MiB body cannot fit the socket buffers: writes after the close get
  // EPIPE (SIGPIPE, which must not kill us).
  CannedServer reset("", /*silent=*/false, /*reset=*/true);
  const Bytes big(1u << 20, 0x30);
  for (int i = 0; i < 3; ++i) {
    auto res = OcspHttpPost(reset.url(), big, seconds(5));
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, Errc::kIo) << res.error().ToString();
  }
  sigset_t pending;
  sigemptyset(&pending);
  ASSERT_EQ(sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(OcspHttp, ErrorStatusWrongTypeAndRefusedConnection) {
  auto req = OcspRequest::Create(Target("good"));
  ASSERT_TRUE(req);
  {
    CannedServer s(HttpReply("500 Internal Server Error", "text/plain", AsBytes("oops")));
    auto res = OcspHttpPost(s.url(), req->der(), seconds(5));
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, Errc::kIo) << res.error().ToString();
  }
  {
    CannedServer s(HttpReply("200 OK", "text/html", AsBytes("<html></html>")));
    auto res = OcspHttpPost(s.url(), req->der(), seconds(5));
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, Errc::kOcspInvalid) << res.error().ToString();
  }
  int port = 0;
  {
    Responder r("resp");
    port = r.port();
  }  // closed now
  auto res = OcspHttpPost("http://127.0.0.1:" + std::to_string(port) + "/", req->der(), seconds(5));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::kIo) << res.error().ToString();
}

TEST(OcspModes, FromSpec) {
  EXPECT_EQ(OcspClient::FromSpec("off")->mode(), OcspMode::kOff);
  auto online = OcspClient::FromSpec("http://127.0.0.1:1/");
  ASSERT_TRUE(online);
  EXPECT_EQ(online->mode(), OcspMode::kOnline);
  EXPECT_EQ(online->location(), "http://127.0.0.1:1/");
  auto offline = OcspClient::FromSpec("offline:" + PkiEnvironment::scratch.string());
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->mode(), OcspMode::kOffline);
  EXPECT_EQ(offline->location(), PkiEnvironment::scratch.string());
  EXPECT_TRUE(OcspClient::FromSpec("offline=" + PkiEnvironment::scratch.string()));
  EXPECT_EQ(OcspClient::FromSpec("offline:/no/such/dir").error().code, Errc::kNotFound);
  EXPECT_EQ(OcspClient::FromSpec("https://ocsp.ndis.nvidia.com").error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(OcspClient::FromSpec("on").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(OcspClient::FromSpec("").error().code, Errc::kInvalidArgument);
}

TEST(OcspHttp, RejectsUnusableUrls) {
  for (const char* url : {"", "ftp://example/", "https://ocsp.ndis.nvidia.com/", "http://", "not a url"}) {
    auto c = OcspClient::Online(url);
    ASSERT_FALSE(c) << url;
    EXPECT_EQ(c.error().code, Errc::kInvalidArgument) << url;
  }
  EXPECT_TRUE(OcspClient::Online("http://ocsp.ndis.nvidia.com"));
  auto off = OcspClient::Offline("/nonexistent/ccgpu/ocsp");
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, Errc::kNotFound);
}

// ------------------------------------------------------------ parsing

TEST(OcspParse, EveryNonSuccessfulStatusIsNamed) {
  const struct {
    uint8_t status;
    const char* what;
  } kCases[] = {{1, "malformedRequest"}, {2, "internalError"}, {3, "tryLater"},
                {5, "sigRequired"},      {6, "unauthorized"},  {4, "unknown responseStatus"},
                {9, "unknown responseStatus"}};
  for (const auto& c : kCases) {
    const Bytes der = {0x30, 0x03, 0x0a, 0x01, c.status};  // OCSPResponse{responseStatus}
    ExpectInvalid(VerifyOcspResponse(der, Target("good"), nullptr, Now()), c.what);
  }
  // successful without responseBytes.
  ExpectInvalid(VerifyOcspResponse(Bytes{0x30, 0x03, 0x0a, 0x01, 0x00}, Target("good"), nullptr,
                                   Now()),
                "not id-pkix-ocsp-basic");
}

TEST(OcspParse, TruncationAtEveryLengthAndTrailingBytesAreRejected) {
  Responder r("resp");
  Fetched f = Fetch(r, "good");
  const OcspTarget t = Target("good");
  for (std::size_t n = 0; n < f.response.size(); ++n) {
    const ByteSpan cut(f.response.data(), n);
    EXPECT_FALSE(VerifyOcspResponse(cut, t, &f.request, Now())) << n;
    EXPECT_FALSE(InspectOcspResponse(cut)) << n;
  }
  Bytes longer = f.response;
  longer.push_back(0);
  ExpectInvalid(VerifyOcspResponse(longer, t, &f.request, Now()), "trailing bytes");
}

// Walks DER TLVs (descending into constructed values and into OCTET STRINGs
// that hold DER) and records the offset and size of every length field.
struct LengthField {
  std::size_t offset;     // first length byte
  std::size_t size;       // number of length bytes
  std::size_t value_len;  // decoded length
};
bool WalkDer(const Bytes& d, std::size_t pos, std::size_t end, std::vector<LengthField>* out) {
  while (pos < end) {
    if (pos + 2 > end) return false;
    const uint8_t tag = d[pos];
    std::size_t lpos = pos + 1;
    std::size_t len = 0, lsize = 1;
    if (d[lpos] < 0x80) {
      len = d[lpos];
    } else {
      const std::size_t k = d[lpos] & 0x7f;
      if (k == 0 || k > 4 || lpos + 1 + k > end) return false;
      for (std::size_t i = 0; i < k; ++i) len = (len << 8) | d[lpos + 1 + i];
      lsize = 1 + k;
    }
    const std::size_t vpos = lpos + lsize;
    if (vpos + len > end) return false;
    out->push_back({lpos, lsize, len});
    if (tag & 0x20) {
      if (!WalkDer(d, vpos, vpos + len, out)) return false;
    } else if (tag == 0x04 && len > 2 && d[vpos] == 0x30) {
      std::vector<LengthField> inner;
      if (WalkDer(d, vpos, vpos + len, &inner)) out->insert(out->end(), inner.begin(), inner.end());
    }
    pos = vpos + len;
  }
  return true;
}

// The `certs` field is outside the signature (RFC 6960 §4.2.1): bytes of an
// included certificate that is not used to verify carry no meaning, so the
// issuer-signed case omits it; the delegated case needs its certificate, whose
// own signature then covers it.
TEST(OcspParse, EveryLengthFieldTooShortOrTooLongIsRejected) {
  for (const char* signer : {"int", "resp"}) {
    std::vector<std::string> args = {"-nmin", "5"};
    if (std::string(signer) == "int") args.push_back("-resp_no_certs");
    Responder r(signer, args);
    Fetched f = Fetch(r, "good");
    const OcspTarget t = Target("good");
    ASSERT_TRUE(VerifyOcspResponse(f.response, t, &f.request, Now()));
    std::vector<LengthField> fields;
    ASSERT_TRUE(WalkDer(f.response, 0, f.response.size(), &fields));
    ASSERT_GT(fields.size(), 20u);
    for (const LengthField& lf : fields) {
      for (int delta : {-1, +1}) {
        if (lf.value_len == 0 && delta < 0) continue;
        const std::size_t last = lf.offset + lf.size - 1;
        if (lf.size == 1 && lf.value_len == 0x7f && delta > 0) continue;  // would switch form
        Bytes bad = f.response;
        bad[last] = static_cast<uint8_t>(bad[last] + delta);
        EXPECT_FALSE(VerifyOcspResponse(bad, t, &f.request, Now()))
            << signer << ": length at offset " << lf.offset << " changed by " << delta;
      }
    }
  }
}

TEST(OcspParse, UnusableCertificatesAreRejected) {
  auto a = OcspTarget::Create(AsBytes("not a certificate"), Der("int"));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::kBadCertificate);
  auto b = OcspTarget::Create(Der("good"), Bytes{});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Errc::kBadCertificate);
  Bytes trailing = Der("good");
  trailing.push_back(0);
  EXPECT_FALSE(OcspTarget::Create(trailing, Der("int")));
  auto c = OcspTarget::Create(Der("good"), Der("root"));  // wrong issuer
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::kInvalidArgument);
  OcspRequestOptions huge;
  huge.nonce_size = 129;
  EXPECT_FALSE(OcspRequest::Create(Target("good"), huge));
}

TEST(OcspOnline, CertificateObjectsWork) {
  Responder r("resp");
  auto cert = Certificate::FromDer(Der("revoked"));
  auto issuer = Certificate::FromDer(Der("int"));
  ASSERT_TRUE(cert && issuer);
  auto res = OnlineClient(r).Check(*cert, *issuer, SystemClock::Get());
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, OcspCertStatus::kRevoked);
}

TEST(OcspParse, TargetNamesAndKeys) {
  const OcspTarget t = Target("good");
  EXPECT_EQ(t.serial_hex(), "10");
  EXPECT_EQ(t.issuer_key_sha1_hex().size(), 40u);
  EXPECT_EQ(t.CacheKey(), t.issuer_key_sha1_hex() + ":10");
  ASSERT_EQ(t.ResponseFileNames().size(), 2u);
  EXPECT_EQ(t.ResponseFileNames()[1], "10.der");
  EXPECT_NE(Target("revoked").CacheKey(), t.CacheKey());
  EXPECT_EQ(OcspCertStatusName(OcspCertStatus::kRevoked), "revoked");
  EXPECT_EQ(OcspSourceName(OcspSource::kCache), "cache");
}

}  // namespace
}  // namespace ccgpu::crypto
