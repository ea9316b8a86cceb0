// XML-DSig SIGNING of enveloped signatures (W3C XML Signature 1.1) with
// libxmlsec1 + OpenSSL, in the shape NVIDIA's RIMs use: a <ds:Signature>
// appended as the last child of the document element, SignedInfo
// canonicalised with C14N 1.1, one <ds:Reference URI=""> with the
// enveloped-signature and C14N 1.1 transforms and a SHA-384 digest,
// ecdsa-sha384 (P-384 key), and the signer's certificate chain in
// <ds:KeyInfo>/<ds:X509Data>.
//
// Trust: signs what it is given; checks only that the key matches the first
// certificate of the chain. The result verifies with ccgpu_xmldsig and with
// `xmlsec1 --verify --trusted-pem ROOT`.
#ifndef CCGPU_CRYPTO_XMLSIGN_XMLSIGN_H_
#define CCGPU_CRYPTO_XMLSIGN_XMLSIGN_H_

#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/ec.h"
#include "crypto/x509.h"

namespace ccgpu::crypto {

// Signs `xml` (a complete document without a signature) and returns the
// signed document as UTF-8 text with an XML declaration. `chain` is the
// signer certificate first, then its issuers (the root may be included, as
// NVIDIA does); all are embedded in order. The key must be P-384.
// kMalformed: `xml` is not well-formed or has a DTD; kInvalidArgument: empty
// chain, a non-P-384 key, or the key does not match chain[0];
// kCryptoFailure: xmlsec1/OpenSSL failed.
Result<std::string> SignEnvelopedXml(std::string_view xml,
                                     const EcPrivateKey& key,
                                     std::span<const Certificate> chain);

}  // namespace ccgpu::crypto

#endif  // CCGPU_CRYPTO_XMLSIGN_XMLSIGN_H_
