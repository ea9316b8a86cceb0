// Enveloped XML-DSig signing with xmlsec1's template API.
#include "crypto/xmlsign/xmlsign.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include <memory>
#include <openssl/crypto.h>

#include "crypto/xmldsig/xmldsig.h"

namespace ccgpu::crypto {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p != nullptr) F(p);
  }
};
template <typename T, void (*F)(T*)>
using Ptr = std::unique_ptr<T, Deleter<T, F>>;
using XmlDocPtr = Ptr<xmlDoc, xmlFreeDoc>;
using DsigCtxPtr = Ptr<xmlSecDSigCtx, xmlSecDSigCtxDestroy>;
using KeyPtr = Ptr<xmlSecKey, xmlSecKeyDestroy>;

const xmlChar* X(const char* s) { return static_cast<const xmlChar*>(static_cast<const void*>(s)); }

}  // namespace

Result<std::string> SignEnvelopedXml(std::string_view xml, const EcPrivateKey& key,
                                     std::span<const Certificate> chain) {
  if (chain.empty()) return Fail(Errc::kInvalidArgument, "xmlsign: empty signer chain");
  if (key.curve() != Curve::kP384) return Fail(Errc::kInvalidArgument, "xmlsign: key must be P-384");
  {
    CCGPU_ASSIGN_OR_RETURN(EcPublicKey pub, key.PublicKey());
    CCGPU_ASSIGN_OR_RETURN(EcPublicKey cert_pub, chain[0].PublicKey());
    CCGPU_ASSIGN_OR_RETURN(Bytes a, pub.SpkiDer());
    CCGPU_ASSIGN_OR_RETURN(Bytes b, cert_pub.SpkiDer());
    if (a != b) return Fail(Errc::kInvalidArgument, "xmlsign: key does not match the signer certificate");
  }
  ByteSpan raw(static_cast<const uint8_t*>(static_cast<const void*>(xml.data())), xml.size());
  CCGPU_TRY(CheckXmlWellFormed(raw));  // also initialises libxml2/xmlsec1

  XmlDocPtr doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                              XML_PARSE_NONET));
  if (!doc) return Fail(Errc::kMalformed, "xmlsign: document does not parse");
  xmlNodePtr root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return Fail(Errc::kMalformed, "xmlsign: document has no root element");

  xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(doc.get(), xmlSecTransformInclC14N11Id,
                                                   xmlSecTransformEcdsaSha384Id, nullptr, X("ds"));
  if (sig == nullptr) return Fail(Errc::kCryptoFailure, "xmlsign: signature template failed");
  if (xmlAddChild(root, sig) == nullptr) {
    xmlFreeNode(sig);
    return Fail(Errc::kCryptoFailure, "xmlsign: adding the signature node failed");
  }
  xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha384Id, nullptr, X(""), nullptr);
  if (ref == nullptr || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == nullptr ||
      xmlSecTmplReferenceAddTransform(ref, xmlSecTransformInclC14N11Id) == nullptr) {
    return Fail(Errc::kCryptoFailure, "xmlsign: reference template failed");
  }
  xmlNodePtr key_info = xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr);
  if (key_info == nullptr || xmlSecTmplKeyInfoAddX509Data(key_info) == nullptr) {
    return Fail(Errc::kCryptoFailure, "xmlsign: KeyInfo template failed");
  }

  CCGPU_ASSIGN_OR_RETURN(std::string pem, key.ToPem());
  KeyPtr sign_key(xmlSecCryptoAppKeyLoadMemory(static_cast<const xmlSecByte*>(static_cast<const void*>(pem.data())),
                                               static_cast<xmlSecSize>(pem.size()),
                                               xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr));
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!sign_key) return Fail(Errc::kCryptoFailure, "xmlsign: key did not load into xmlsec");
  for (const Certificate& c : chain) {
    Bytes der = c.Der();
    if (xmlSecCryptoAppKeyCertLoadMemory(sign_key.get(), der.data(), static_cast<xmlSecSize>(der.size()),
                                         xmlSecKeyDataFormatDer) < 0) {
      return Fail(Errc::kCryptoFailure, "xmlsign: certificate did not load into xmlsec");
    }
  }

  DsigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) return Fail(Errc::kCryptoFailure, "xmlsign: xmlSecDSigCtxCreate failed");
  ctx->signKey = sign_key.release();  // owned by ctx now
  if (xmlSecDSigCtxSign(ctx.get(), sig) < 0) return Fail(Errc::kCryptoFailure, "xmlsign: signing failed");

  xmlChar* out = nullptr;
  int out_len = 0;
  xmlDocDumpMemoryEnc(doc.get(), &out, &out_len, "UTF-8");
  if (out == nullptr || out_len <= 0) return Fail(Errc::kCryptoFailure, "xmlsign: serialising failed");
  std::string text(static_cast<const char*>(static_cast<const void*>(out)), static_cast<std::size_t>(out_len));
  xmlFree(out);
  return text;
}

}  // namespace ccgpu::crypto
