// XML-DSig enveloped-signature verification with xmlsec1 + OpenSSL.
//
// Split of work: OpenSSL's X509_verify_cert builds and checks the signer
// chain (pinned root only, embedded roots dropped, time injected), which
// gives precise reasons; xmlsec1 then verifies SignedInfo and the reference
// digests with the signer certificate's public key preset as the signing key
// (so xmlsec never looks for keys itself, never reads a key manager and never
// trusts what KeyInfo says beyond the certificates we already checked).
#include "crypto/xmldsig/xmldsig.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/keys.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <climits>
#include <cstring>
#include <ctime>
#include <mutex>

#include "base/encoding.h"
#include "crypto/ossl.h"

namespace ccgpu::crypto {
namespace {

// ---- small RAII wrappers ---------------------------------------------------
template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p != nullptr) F(p);
  }
};
template <typename T, void (*F)(T*)>
using Ptr = std::unique_ptr<T, Deleter<T, F>>;

void FreeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }

using X509Ptr = Ptr<X509, X509_free>;
using X509StorePtr = Ptr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = Ptr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509StackPtr = Ptr<STACK_OF(X509), FreeX509Stack>;
using BioPtr = Ptr<BIO, BIO_free_all>;
using EvpPkeyPtr = Ptr<EVP_PKEY, EVP_PKEY_free>;
using XmlDocPtr = Ptr<xmlDoc, xmlFreeDoc>;
using DsigCtxPtr = Ptr<xmlSecDSigCtx, xmlSecDSigCtxDestroy>;

const char* AsChars(const xmlChar* s) {
  // libxml2 strings are UTF-8 bytes typed as unsigned char.
  return static_cast<const char*>(static_cast<const void*>(s));
}

// ---- one-time initialisation and per-thread error capture -------------------
std::once_flag g_init_once;
bool g_init_ok = false;

// xmlsec reports errors through one process-wide callback; messages go to the
// buffer of the calling thread (nullptr = drop).
thread_local std::string* t_xmlsec_errors = nullptr;

void XmlSecErrorSink(const char* /*file*/, int /*line*/, const char* func,
                     const char* error_object, const char* /*subject*/,
                     int reason, const char* msg) {
  std::string* out = t_xmlsec_errors;
  if (out == nullptr || out->size() > 4096) return;
  if (!out->empty()) out->append("; ");
  if (func != nullptr) out->append(func).append(": ");
  if (error_object != nullptr) out->append(error_object).append(": ");
  for (xmlSecSize i = 0; xmlSecErrorsGetMsg(i) != nullptr; ++i) {
    if (xmlSecErrorsGetCode(i) == reason) {
      out->append(xmlSecErrorsGetMsg(i));
      break;
    }
  }
  if (msg != nullptr && msg[0] != '\0') out->append(" (").append(msg).append(")");
}

// libxml2's structured error handler is per thread; this one drops messages
// (we report our own, and nothing may go to stderr).
void XmlIgnoreError(void* /*ctx*/, xmlErrorPtr /*error*/) {}

class ScopedErrorCapture {
 public:
  explicit ScopedErrorCapture(std::string* sink) : previous_(t_xmlsec_errors) {
    t_xmlsec_errors = sink;
    xmlSetStructuredErrorFunc(nullptr, &XmlIgnoreError);
  }
  ~ScopedErrorCapture() { t_xmlsec_errors = previous_; }
  ScopedErrorCapture(const ScopedErrorCapture&) = delete;
  ScopedErrorCapture& operator=(const ScopedErrorCapture&) = delete;

 private:
  std::string* previous_;
};

// ---- parsing --------------------------------------------------------------
Result<XmlDocPtr> ParseHardened(ByteSpan xml) {
  if (xml.size() > kMaxXmlDocumentSize) {
    return Fail(Errc::kOutOfRange, "xmldsig: document larger than the limit");
  }
  if (xml.empty()) return Fail(Errc::kMalformed, "xmldsig: empty document");
  // XML_PARSE_NONET: never fetch; no XML_PARSE_NOENT (entities are not
  // substituted) and no XML_PARSE_DTDLOAD/DTDATTR (no external subset).
  const int options = XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR;
  XmlDocPtr doc(xmlReadMemory(static_cast<const char*>(static_cast<const void*>(xml.data())),
                              static_cast<int>(xml.size()), nullptr, nullptr, options));
  if (!doc) return Fail(Errc::kMalformed, "xmldsig: not well-formed XML");
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return Fail(Errc::kMalformed, "xmldsig: document type declarations (DTD) are refused");
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    return Fail(Errc::kMalformed, "xmldsig: document has no root element");
  }
  return doc;
}

bool IsDsigElement(const xmlNode* node, const char* local_name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && node->ns != nullptr &&
         xmlStrEqual(node->ns->href, xmlSecDSigNs) != 0 &&
         std::strcmp(AsChars(node->name), local_name) == 0;
}

void CollectSignatures(xmlNode* node, std::vector<xmlNode*>& out) {
  // Iterative pre-order walk (documents may nest deeply; no recursion).
  xmlNode* cur = node;
  while (cur != nullptr) {
    if (IsDsigElement(cur, "Signature")) out.push_back(cur);
    if (cur->children != nullptr && cur->type == XML_ELEMENT_NODE) {
      cur = cur->children;
      continue;
    }
    while (cur != nullptr && cur != node && cur->next == nullptr) cur = cur->parent;
    if (cur == nullptr || cur == node) break;
    cur = cur->next;
  }
}

xmlNode* FirstDsigChild(xmlNode* parent, const char* local_name) {
  for (xmlNode* c = parent == nullptr ? nullptr : parent->children; c != nullptr; c = c->next) {
    if (IsDsigElement(c, local_name)) return c;
  }
  return nullptr;
}

Result<std::vector<Bytes>> ExtractEmbeddedCerts(xmlNode* signature) {
  std::vector<Bytes> certs;
  xmlNode* key_info = FirstDsigChild(signature, "KeyInfo");
  for (xmlNode* data = key_info == nullptr ? nullptr : key_info->children; data != nullptr;
       data = data->next) {
    if (!IsDsigElement(data, "X509Data")) continue;
    for (xmlNode* c = data->children; c != nullptr; c = c->next) {
      if (!IsDsigElement(c, "X509Certificate")) continue;
      xmlChar* text = xmlNodeGetContent(c);
      std::string b64;
      if (text != nullptr) {
        for (const char* p = AsChars(text); *p != '\0'; ++p) {
          if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') b64.push_back(*p);
        }
        xmlFree(text);
      }
      auto der = Base64Decode(b64);
      if (!der || der->empty()) {
        return Fail(Errc::kBadCertificate, "xmldsig: X509Certificate is not valid base64");
      }
      certs.push_back(std::move(*der));
    }
  }
  if (certs.empty()) {
    return Fail(Errc::kBadCertificate, "xmldsig: KeyInfo holds no X509Certificate");
  }
  return certs;
}

Bytes CertDer(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return {};
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

std::string SubjectText(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
    return {};
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(len));
}

std::optional<TimePoint> AsnTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return FromUnixSeconds(static_cast<int64_t>(timegm(&tm)));
}

bool IsSelfSigned(X509* cert) {
  // Self-issued and the signature verifies with its own key.
  return X509_check_issued(cert, cert) == X509_V_OK;
}

// ---- chain verification -----------------------------------------------------
struct ChainErrors {
  int first_structural = X509_V_OK;  // any error other than a time error
  int structural_depth = 0;
  int first_time = X509_V_OK;  // expired / not yet valid
  int time_depth = 0;
};

bool IsTimeError(int err) {
  return err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID;
}

int VerifyCallback(int ok, X509_STORE_CTX* ctx) {
  if (ok != 0) return ok;
  auto* errors = static_cast<ChainErrors*>(X509_STORE_CTX_get_app_data(ctx));
  const int err = X509_STORE_CTX_get_error(ctx);
  const int depth = X509_STORE_CTX_get_error_depth(ctx);
  if (errors == nullptr) return 0;
  if (IsTimeError(err)) {
    // Record and continue: a structural failure found later takes priority
    // over an expiry (an untrusted chain is worse than an expired one).
    if (errors->first_time == X509_V_OK) {
      errors->first_time = err;
      errors->time_depth = depth;
    }
    return 1;
  }
  if (errors->first_structural == X509_V_OK) {
    errors->first_structural = err;
    errors->structural_depth = depth;
  }
  return 0;
}

struct ChainOutcome {
  X509* signer = nullptr;  // borrowed from the certificates
  std::vector<Certificate> chain;
  std::vector<Bytes> chain_der;
  TimePoint valid_from{};
  TimePoint valid_until{};
  bool time_valid = true;
  std::string time_failure;
};

// Picks the signer: the one embedded certificate that issued none of the
// others (xmlsec's rule for a KeyInfo with several certificates).
Result<X509*> FindSigner(const std::vector<Certificate>& certs) {
  X509* signer = nullptr;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    X509* candidate = CertificateX509(certs[i]);
    if (IsSelfSigned(candidate) && certs.size() > 1) continue;
    bool issued_another = false;
    for (std::size_t j = 0; j < certs.size(); ++j) {
      // Position, not identity: the same certificate embedded twice is two
      // entries here, as it was when each copy was decoded separately.
      if (j == i) continue;
      if (X509_check_issued(candidate, CertificateX509(certs[j])) == X509_V_OK) {
        issued_another = true;
        break;
      }
    }
    if (issued_another) continue;
    if (signer != nullptr) {
      return Fail(Errc::kChainInvalid, "xmldsig: several embedded certificates could be the signer");
    }
    signer = candidate;
  }
  if (signer == nullptr) {
    return Fail(Errc::kChainInvalid, "xmldsig: no embedded certificate can be the signer");
  }
  return signer;
}

// `store` holds the pinned root only; it is built once per verifier and only
// read here (OpenSSL locks a store's lookups, so sharing it is thread-safe).
Result<ChainOutcome> VerifySignerChain(const std::vector<Certificate>& certs,
                                       const Certificate& root_cert, X509_STORE* store,
                                       TimePoint at,
                                       bool time_errors_fatal, XmlDsigReport& report) {
  X509* root = CertificateX509(root_cert);
  CCGPU_ASSIGN_OR_RETURN(X509 * signer, FindSigner(certs));
  report.signer_subject = SubjectText(signer);

  X509StackPtr untrusted(sk_X509_new_null());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (store == nullptr || !untrusted || !ctx) {
    return Fail(Errc::kCryptoFailure, "xmldsig: cannot set up the certificate store");
  }
  for (const Certificate& cert : certs) {
    // The embedded root (any self-signed certificate) is ignored: only the
    // pinned root anchors the chain.
    X509* c = CertificateX509(cert);
    if (c == signer || IsSelfSigned(c)) continue;
    if (X509_up_ref(c) != 1 || sk_X509_push(untrusted.get(), c) <= 0) {
      return Fail(Errc::kCryptoFailure, "xmldsig: cannot build the untrusted list");
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store, signer, untrusted.get()) != 1) {
    return Fail(Errc::kCryptoFailure, "xmldsig: X509_STORE_CTX_init failed");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(ToUnixSeconds(at)));
  ChainErrors errors;
  X509_STORE_CTX_set_app_data(ctx.get(), &errors);
  X509_STORE_CTX_set_verify_cb(ctx.get(), &VerifyCallback);
  const int rc = X509_verify_cert(ctx.get());

  if (rc != 1 || errors.first_structural != X509_V_OK) {
    int err = errors.first_structural != X509_V_OK ? errors.first_structural
                                                   : X509_STORE_CTX_get_error(ctx.get());
    if (err == X509_V_OK) err = X509_V_ERR_UNSPECIFIED;
    report.chain_failure_depth = static_cast<std::size_t>(
        errors.first_structural != X509_V_OK ? errors.structural_depth
                                             : X509_STORE_CTX_get_error_depth(ctx.get()));
    report.chain_failure_reason = X509_verify_cert_error_string(err);
    return Fail(Errc::kChainInvalid, "xmldsig: signer chain does not verify to the pinned root");
  }
  ChainOutcome out;
  if (errors.first_time != X509_V_OK) {
    report.chain_failure_depth = static_cast<std::size_t>(errors.time_depth);
    report.chain_failure_reason = X509_verify_cert_error_string(errors.first_time);
    out.time_valid = false;
    out.time_failure = report.chain_failure_reason;
  }
  if (errors.first_time != X509_V_OK && time_errors_fatal) {
    if (errors.first_time == X509_V_ERR_CERT_HAS_EXPIRED) {
      return Fail(Errc::kCertExpired, "xmldsig: a signer chain certificate has expired");
    }
    return Fail(Errc::kCertNotYetValid, "xmldsig: a signer chain certificate is not yet valid");
  }

  out.signer = signer;
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  bool first = true;
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    X509* c = sk_X509_value(chain, i);
    // OpenSSL builds the chain from the very objects it was given (the
    // pinned root's and the embedded certificates'), so each element is
    // found by identity and none is decoded again.
    const Certificate* found = c == root ? &root_cert : nullptr;
    for (std::size_t k = 0; found == nullptr && k < certs.size(); ++k) {
      if (CertificateX509(certs[k]) == c) found = &certs[k];
    }
    if (found == nullptr) {
      return Fail(Errc::kCryptoFailure, "xmldsig: verified chain holds an unknown certificate");
    }
    out.chain.push_back(*found);
    out.chain_der.push_back(found->Der());
    auto nb = AsnTime(X509_get0_notBefore(c));
    auto na = AsnTime(X509_get0_notAfter(c));
    if (!nb || !na) return Fail(Errc::kBadCertificate, "xmldsig: certificate validity unreadable");
    if (first || *nb > out.valid_from) out.valid_from = *nb;
    if (first || *na < out.valid_until) out.valid_until = *na;
    first = false;
  }
  report.chain_valid = out.time_valid;
  return out;
}

// ---- signature --------------------------------------------------------------
const xmlChar kAlgorithmAttr[] = {'A', 'l', 'g', 'o', 'r', 'i', 't', 'h', 'm', 0};

std::string NodeAlgorithm(xmlNode* signed_info, const char* element) {
  xmlNode* n = FirstDsigChild(signed_info, element);
  if (n == nullptr) return {};
  xmlChar* alg = xmlGetProp(n, kAlgorithmAttr);
  if (alg == nullptr) return {};
  std::string out(AsChars(alg));
  xmlFree(alg);
  return out;
}

Status EnableTransforms(xmlSecDSigCtx* ctx) {
  // Only what RIMs need: C14N (1.0, 1.1, exclusive), the enveloped-signature
  // transform, SHA-2 digests and ECDSA with SHA-2. No XPath/XSLT/base64
  // transforms, no RSA/HMAC, no remote or same-document fragment URIs.
  const xmlSecTransformId c14n[] = {xmlSecTransformInclC14N11Id, xmlSecTransformInclC14NId,
                                    xmlSecTransformExclC14NId};
  const xmlSecTransformId sig[] = {xmlSecOpenSSLTransformEcdsaSha256Id,
                                   xmlSecOpenSSLTransformEcdsaSha384Id,
                                   xmlSecOpenSSLTransformEcdsaSha512Id};
  const xmlSecTransformId ref[] = {xmlSecTransformEnvelopedId, xmlSecOpenSSLTransformSha256Id,
                                   xmlSecOpenSSLTransformSha384Id,
                                   xmlSecOpenSSLTransformSha512Id};
  for (auto id : c14n) {
    if (xmlSecDSigCtxEnableSignatureTransform(ctx, id) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, id) < 0) {
      return Fail(Errc::kCryptoFailure, "xmldsig: cannot enable transform");
    }
  }
  for (auto id : sig) {
    if (xmlSecDSigCtxEnableSignatureTransform(ctx, id) < 0) {
      return Fail(Errc::kCryptoFailure, "xmldsig: cannot enable transform");
    }
  }
  for (auto id : ref) {
    if (xmlSecDSigCtxEnableReferenceTransform(ctx, id) < 0) {
      return Fail(Errc::kCryptoFailure, "xmldsig: cannot enable transform");
    }
  }
  ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
  return OkStatus();
}

Status VerifySignatureValue(xmlNode* signature, X509* signer, XmlDsigReport& report) {
  EvpPkeyPtr pkey(X509_get_pubkey(signer));
  if (!pkey) return Fail(Errc::kBadCertificate, "xmldsig: signer public key unreadable");
  if (EVP_PKEY_base_id(pkey.get()) != EVP_PKEY_EC) {
    return Fail(Errc::kUnsupportedAlgorithm, "xmldsig: signer key is not an EC key");
  }
  xmlSecKeyDataPtr data = xmlSecKeyDataCreate(xmlSecOpenSSLKeyDataEcdsaId);
  if (data == nullptr) return Fail(Errc::kCryptoFailure, "xmldsig: xmlSecKeyDataCreate failed");
  if (xmlSecOpenSSLKeyDataEcdsaAdoptEvp(data, pkey.get()) < 0) {
    xmlSecKeyDataDestroy(data);
    return Fail(Errc::kCryptoFailure, "xmldsig: cannot adopt the signer key");
  }
  (void)pkey.release();  // owned by `data` now
  xmlSecKeyPtr key = xmlSecKeyCreate();
  if (key == nullptr || xmlSecKeySetValue(key, data) < 0) {
    if (key != nullptr) xmlSecKeyDestroy(key);
    xmlSecKeyDataDestroy(data);
    return Fail(Errc::kCryptoFailure, "xmldsig: cannot create the signer key");
  }
  DsigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) {
    xmlSecKeyDestroy(key);
    return Fail(Errc::kCryptoFailure, "xmldsig: xmlSecDSigCtxCreate failed");
  }
  ctx->signKey = key;  // owned by ctx from here on
  CCGPU_TRY(EnableTransforms(ctx.get()));

  report.signature_checked = true;
  std::string messages;
  int rc = 0;
  {
    ScopedErrorCapture capture(&messages);
    rc = xmlSecDSigCtxVerify(ctx.get(), signature);
  }
  if (rc < 0) {
    report.signature_failure_reason =
        messages.empty() ? std::string("signature could not be processed") : messages;
    return Fail(Errc::kXmlSignatureInvalid,
                "xmldsig: signature could not be processed (malformed or disallowed algorithm)");
  }
  const xmlSecSize refs = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
  bool digests_ok = refs == 1;
  for (xmlSecSize i = 0; i < refs; ++i) {
    auto* ref = static_cast<xmlSecDSigReferenceCtxPtr>(
        xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
    if (ref == nullptr || ref->status != xmlSecDSigStatusSucceeded) digests_ok = false;
    if (ref != nullptr && ref->uri != nullptr && ref->uri[0] != '\0') digests_ok = false;
  }
  if (refs != 1) {
    report.signature_failure_reason = "SignedInfo must hold exactly one Reference (URI=\"\")";
    return Fail(Errc::kXmlSignatureInvalid, "xmldsig: SignedInfo must hold exactly one Reference");
  }
  if (!digests_ok) {
    report.signature_failure_reason = "reference digest mismatch (signed content was altered)";
    return Fail(Errc::kXmlSignatureInvalid, "xmldsig: reference digest does not match the document");
  }
  if (ctx->status != xmlSecDSigStatusSucceeded) {
    report.signature_failure_reason = "signature value mismatch";
    return Fail(Errc::kXmlSignatureInvalid, "xmldsig: signature value does not verify");
  }
  report.signature_valid = true;
  return OkStatus();
}

Result<Certificate> RootFromDer(ByteSpan der) {
  auto cert = Certificate::FromDer(der);
  if (!cert) return Fail(Errc::kBadCertificate, "xmldsig: pinned root is not valid DER X.509");
  return *std::move(cert);
}

// The embedded certificates, each taken from `pool` or decoded. A copy of
// the pinned root is the pinned root's own object (same bytes, same parse).
Result<std::vector<Certificate>> EmbeddedCertificates(const std::vector<Bytes>& ders,
                                                      const Certificate& root,
                                                      CertificatePool* pool) {
  std::vector<Certificate> certs;
  certs.reserve(ders.size());
  for (const Bytes& der : ders) {
    const ByteSpan root_der = root.DerView();
    if (der.size() == root_der.size() && std::memcmp(der.data(), root_der.data(), der.size()) == 0) {
      certs.push_back(root);
      continue;
    }
    auto cert = pool != nullptr ? pool->FromDer(der) : Certificate::FromDer(der);
    if (!cert) {
      return Fail(Errc::kBadCertificate, "xmldsig: embedded certificate is not valid DER X.509");
    }
    certs.push_back(*std::move(cert));
  }
  return certs;
}

}  // namespace

Status InitXmlSecurity() {
  std::call_once(g_init_once, [] {
    xmlInitParser();
    if (xmlSecInit() < 0) return;
    if (xmlSecCheckVersion() != 1) return;
    if (xmlSecOpenSSLAppInit(nullptr) < 0) return;
    if (xmlSecOpenSSLInit() < 0) return;
    xmlSecErrorsSetCallback(&XmlSecErrorSink);
    g_init_ok = true;
  });
  if (!g_init_ok) return Fail(Errc::kCryptoFailure, "xmldsig: libxml2/xmlsec1 initialisation failed");
  return OkStatus();
}

Status CheckXmlWellFormed(ByteSpan xml) {
  CCGPU_TRY(InitXmlSecurity());
  ScopedErrorCapture capture(nullptr);
  CCGPU_ASSIGN_OR_RETURN(auto doc, ParseHardened(xml));
  (void)doc;
  return OkStatus();
}

void XmlDocument::Free::operator()(_xmlDoc* doc) const {
  if (doc != nullptr) xmlFreeDoc(doc);
}

Result<XmlDocument> XmlDocument::Parse(ByteSpan xml) {
  CCGPU_TRY(InitXmlSecurity());
  ScopedErrorCapture quiet(nullptr);
  CCGPU_ASSIGN_OR_RETURN(XmlDocPtr doc, ParseHardened(xml));
  return XmlDocument(doc.release());
}

Result<Bytes> XmlDocumentDigest(ByteSpan xml) {
  Bytes out(48);
  unsigned int len = 0;
  if (EVP_Digest(xml.data(), xml.size(), out.data(), &len, EVP_sha384(), nullptr) != 1 ||
      len != out.size()) {
    return Fail(Errc::kCryptoFailure, "xmldsig: SHA-384 failed");
  }
  return out;
}

struct XmlDsigVerifier::State {
  Certificate root;
  Bytes root_der;
  X509StorePtr store;  // the pinned root only; configuration, never changed after Create
};

XmlDsigVerifier::XmlDsigVerifier(std::shared_ptr<const State> state) : state_(std::move(state)) {}

Result<XmlDsigVerifier> XmlDsigVerifier::CreateFromDer(ByteSpan trusted_root_der) {
  CCGPU_TRY(InitXmlSecurity());
  CCGPU_ASSIGN_OR_RETURN(Certificate root, RootFromDer(trusted_root_der));
  Bytes der = root.Der();
  X509StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_add_cert(store.get(), CertificateX509(root)) != 1) {
    return Fail(Errc::kCryptoFailure, "xmldsig: cannot set up the certificate store");
  }
  auto state =
      std::make_shared<State>(State{std::move(root), std::move(der), std::move(store)});
  return XmlDsigVerifier(std::move(state));
}

Result<XmlDsigVerifier> XmlDsigVerifier::Create(std::string_view trusted_root_pem) {
  CCGPU_TRY(InitXmlSecurity());
  if (trusted_root_pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    return Fail(Errc::kInvalidPem, "xmldsig: pinned root has no PEM CERTIFICATE block");
  }
  if (trusted_root_pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return Fail(Errc::kInvalidPem, "xmldsig: pinned root PEM too large");
  }
  BioPtr bio(BIO_new_mem_buf(trusted_root_pem.data(), static_cast<int>(trusted_root_pem.size())));
  if (!bio) return Fail(Errc::kCryptoFailure, "xmldsig: BIO_new_mem_buf failed");
  X509Ptr root(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!root) return Fail(Errc::kBadCertificate, "xmldsig: pinned root PEM does not parse");
  return CreateFromDer(CertDer(root.get()));
}

const Bytes& XmlDsigVerifier::root_der() const { return state_->root_der; }
const Certificate& XmlDsigVerifier::root() const { return state_->root; }

Result<VerifiedXmlSignature> XmlDsigVerifier::Verify(ByteSpan xml, TimePoint at,
                                                     XmlDsigReport* report_out) const {
  XmlDsigOptions options;
  options.at = at;
  return Verify(xml, options, report_out);
}

Result<VerifiedXmlSignature> XmlDsigVerifier::Verify(ByteSpan xml, const XmlDsigOptions& options,
                                                     XmlDsigReport* report_out) const {
  if (report_out != nullptr) *report_out = XmlDsigReport{};
  CCGPU_ASSIGN_OR_RETURN(XmlDocument doc, XmlDocument::Parse(xml));
  return Verify(doc, options, report_out, nullptr);
}

Result<VerifiedXmlSignature> XmlDsigVerifier::Verify(const XmlDocument& doc,
                                                     const XmlDsigOptions& options,
                                                     XmlDsigReport* report_out,
                                                     CertificatePool* pool) const {
  CCGPU_TRY(InitXmlSecurity());
  XmlDsigReport local;
  XmlDsigReport& report = report_out != nullptr ? *report_out : local;
  report = XmlDsigReport{};

  ScopedErrorCapture quiet(nullptr);
  xmlNode* root_element = xmlDocGetRootElement(doc.get());
  if (root_element == nullptr) return Fail(Errc::kMalformed, "xmldsig: document has no root element");
  std::vector<xmlNode*> signatures;
  CollectSignatures(root_element, signatures);
  if (signatures.empty()) {
    return Fail(Errc::kXmlSignatureInvalid, "xmldsig: document has no ds:Signature element");
  }
  if (signatures.size() != 1) {
    return Fail(Errc::kXmlSignatureInvalid, "xmldsig: document has more than one ds:Signature");
  }
  xmlNode* signature = signatures.front();
  if (signature->parent != root_element) {
    return Fail(Errc::kXmlSignatureInvalid,
                "xmldsig: ds:Signature is not a child of the document element (not enveloped)");
  }
  xmlNode* signed_info = FirstDsigChild(signature, "SignedInfo");
  report.signature_method = NodeAlgorithm(signed_info, "SignatureMethod");
  report.canonicalization_method = NodeAlgorithm(signed_info, "CanonicalizationMethod");

  CCGPU_ASSIGN_OR_RETURN(report.embedded_certs_der, ExtractEmbeddedCerts(signature));
  CCGPU_ASSIGN_OR_RETURN(std::vector<Certificate> certs,
                         EmbeddedCertificates(report.embedded_certs_der, state_->root, pool));
  CCGPU_ASSIGN_OR_RETURN(ChainOutcome chain,
                         VerifySignerChain(certs, state_->root, state_->store.get(), options.at,
                                           options.time_errors_fatal, report));
  CCGPU_TRY(VerifySignatureValue(signature, chain.signer, report));

  VerifiedXmlSignature out;
  out.chain_der = std::move(chain.chain_der);
  out.chain = std::move(chain.chain);
  out.signer_subject = report.signer_subject;
  out.valid_from = chain.valid_from;
  out.valid_until = chain.valid_until;
  out.time_valid = chain.time_valid;
  out.time_failure = std::move(chain.time_failure);
  return out;
}

}  // namespace ccgpu::crypto
