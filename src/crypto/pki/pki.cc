// Certificate issuance with OpenSSL's X509 builder API.
#include "crypto/pki/pki.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <ctime>

#include "crypto/ossl.h"
#include "crypto/rng.h"

namespace ccgpu::crypto {

template <>
struct OsslDeleter<X509_EXTENSION> {
  void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};

namespace {

// ---- minimal DER writer (definite lengths) ----------------------------------
void AppendLength(Bytes& out, std::size_t len) {
  if (len < 0x80) {
    out.push_back(static_cast<uint8_t>(len));
    return;
  }
  uint8_t tmp[8];
  int n = 0;
  while (len > 0) {
    tmp[n++] = static_cast<uint8_t>(len & 0xFF);
    len >>= 8;
  }
  out.push_back(static_cast<uint8_t>(0x80 | n));
  while (n > 0) out.push_back(tmp[--n]);
}

Bytes Tlv(uint8_t tag, ByteSpan content) {
  Bytes out;
  out.push_back(tag);
  AppendLength(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes Concat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Result<Bytes> OidDer(const std::string& dotted) {
  OsslPtr<ASN1_OBJECT> obj(OBJ_txt2obj(dotted.c_str(), 1));
  if (!obj) {
    ERR_clear_error();
    return Fail(Errc::kInvalidArgument, "pki: not a dotted OID");
  }
  int len = i2d_ASN1_OBJECT(obj.get(), nullptr);
  if (len <= 0) return Fail(Errc::kCryptoFailure, "pki: OID encoding failed");
  Bytes out(static_cast<std::size_t>(len));
  uint8_t* p = out.data();
  if (i2d_ASN1_OBJECT(obj.get(), &p) != len) {
    return Fail(Errc::kCryptoFailure, "pki: OID encoding failed");
  }
  return out;
}

// The issuer's private key as an OpenSSL object (through PKCS#8 PEM: the
// EcPrivateKey API keeps its EVP_PKEY private).
Result<OsslPtr<EVP_PKEY>> ToOssl(const EcPrivateKey& key) {
  CCGPU_ASSIGN_OR_RETURN(std::string pem, key.ToPem());
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    OPENSSL_cleanse(pem.data(), pem.size());
    return Fail(Errc::kCryptoFailure, "pki: BIO_new_mem_buf failed");
  }
  // The memory BIO reads `pem` in place: wipe it only after parsing.
  OsslPtr<EVP_PKEY> pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!pkey) {
    ERR_clear_error();
    return Fail(Errc::kCryptoFailure, "pki: private key did not load");
  }
  return pkey;
}

Status AddExtNid(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  OsslPtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    ERR_clear_error();
    return Fail(Errc::kCryptoFailure, "pki: adding a standard extension failed");
  }
  return OkStatus();
}

Status SetTime(ASN1_TIME* field, TimePoint t) {
  const auto secs = static_cast<time_t>(ToUnixSeconds(t));
  if (ASN1_TIME_set(field, secs) == nullptr) {
    ERR_clear_error();
    return Fail(Errc::kInvalidArgument, "pki: validity time not representable");
  }
  return OkStatus();
}

}  // namespace

Result<Certificate> IssueCertificate(const CertificateSpec& spec,
                                     const EcPublicKey& subject_key,
                                     const Certificate* issuer,
                                     const EcPrivateKey& issuer_key) {
  if (spec.subject.empty()) return Fail(Errc::kInvalidArgument, "pki: empty subject");
  if (spec.not_after < spec.not_before) {
    return Fail(Errc::kInvalidArgument, "pki: not_after precedes not_before");
  }
  if (spec.serial.size() > 20) return Fail(Errc::kInvalidArgument, "pki: serial longer than 20 bytes");

  // The issuer key must match the issuer certificate (or, self-signed, the
  // subject key): compare SPKI encodings.
  CCGPU_ASSIGN_OR_RETURN(EcPublicKey issuer_pub, issuer_key.PublicKey());
  CCGPU_ASSIGN_OR_RETURN(Bytes issuer_spki, issuer_pub.SpkiDer());
  if (issuer != nullptr) {
    CCGPU_ASSIGN_OR_RETURN(EcPublicKey cert_pub, issuer->PublicKey());
    CCGPU_ASSIGN_OR_RETURN(Bytes cert_spki, cert_pub.SpkiDer());
    if (cert_spki != issuer_spki) {
      return Fail(Errc::kInvalidArgument, "pki: issuer key does not match the issuer certificate");
    }
  } else {
    CCGPU_ASSIGN_OR_RETURN(Bytes subj_spki, subject_key.SpkiDer());
    if (subj_spki != issuer_spki) {
      return Fail(Errc::kInvalidArgument, "pki: self-signed certificate needs the subject's own key");
    }
  }

  OsslPtr<X509> issuer_x509;
  if (issuer != nullptr) {
    Bytes der = issuer->Der();
    const uint8_t* q = der.data();
    issuer_x509.reset(d2i_X509(nullptr, &q, static_cast<long>(der.size())));
    if (!issuer_x509) {
      ERR_clear_error();
      return Fail(Errc::kCryptoFailure, "pki: issuer certificate did not re-parse");
    }
  }

  OsslPtr<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return Fail(Errc::kCryptoFailure, "pki: X509_new failed");
  }

  // Serial.
  Bytes serial = spec.serial;
  if (serial.empty()) {
    CCGPU_ASSIGN_OR_RETURN(serial, RandomBytes(16));
    serial[0] = static_cast<uint8_t>((serial[0] & 0x7F) | 0x40);  // positive, 16 bytes
  }
  {
    OsslPtr<BIGNUM> bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
    if (!bn || BN_is_zero(bn.get())) return Fail(Errc::kInvalidArgument, "pki: serial must be non-zero");
    ASN1_INTEGER* ai = BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
    if (ai == nullptr) return Fail(Errc::kCryptoFailure, "pki: serial encoding failed");
  }

  // Subject and issuer names.
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& [attr, value] : spec.subject) {
    int nid = OBJ_txt2nid(attr.c_str());
    if (nid == NID_undef) return Fail(Errc::kInvalidArgument, "pki: unknown subject attribute");
    int type = (nid == NID_countryName || nid == NID_serialNumber) ? V_ASN1_PRINTABLESTRING
                                                                   : MBSTRING_UTF8;
    const auto* bytes = static_cast<const unsigned char*>(static_cast<const void*>(value.data()));
    if (X509_NAME_add_entry_by_NID(name, nid, type, bytes, static_cast<int>(value.size()), -1, 0) != 1) {
      ERR_clear_error();
      return Fail(Errc::kInvalidArgument, "pki: subject attribute value not encodable");
    }
  }
  if (issuer != nullptr) {
    if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_x509.get())) != 1) {
      return Fail(Errc::kCryptoFailure, "pki: setting the issuer name failed");
    }
  } else if (X509_set_issuer_name(cert.get(), name) != 1) {
    return Fail(Errc::kCryptoFailure, "pki: setting the issuer name failed");
  }

  CCGPU_TRY(SetTime(X509_getm_notBefore(cert.get()), spec.not_before));
  CCGPU_TRY(SetTime(X509_getm_notAfter(cert.get()), spec.not_after));

  if (X509_set_pubkey(cert.get(), subject_key.ossl_key()) != 1) {
    ERR_clear_error();
    return Fail(Errc::kCryptoFailure, "pki: setting the public key failed");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer_x509.get() : cert.get(), cert.get(),
                 nullptr, nullptr, 0);
  if (spec.is_ca) {
    std::string bc = "critical,CA:TRUE";
    if (spec.path_len) bc += ",pathlen:" + std::to_string(*spec.path_len);
    CCGPU_TRY(AddExtNid(cert.get(), &ctx, NID_basic_constraints, bc.c_str()));
  } else {
    CCGPU_TRY(AddExtNid(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
  }
  if (spec.key_usage != 0) {
    std::string ku = "critical";
    if (spec.key_usage & kKuDigitalSignature) ku += ",digitalSignature";
    if (spec.key_usage & kKuKeyCertSign) ku += ",keyCertSign";
    if (spec.key_usage & kKuCrlSign) ku += ",cRLSign";
    CCGPU_TRY(AddExtNid(cert.get(), &ctx, NID_key_usage, ku.c_str()));
  }
  if (spec.key_identifiers) {
    CCGPU_TRY(AddExtNid(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
    CCGPU_TRY(AddExtNid(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  }
  for (const RawExtension& ext : spec.extensions) {
    OsslPtr<ASN1_OBJECT> obj(OBJ_txt2obj(ext.oid.c_str(), 1));
    if (!obj) {
      ERR_clear_error();
      return Fail(Errc::kInvalidArgument, "pki: extension OID is not a dotted OID");
    }
    OsslPtr<ASN1_OCTET_STRING> os(ASN1_OCTET_STRING_new());
    if (!os || ASN1_OCTET_STRING_set(os.get(), ext.der_value.data(),
                                     static_cast<int>(ext.der_value.size())) != 1) {
      return Fail(Errc::kCryptoFailure, "pki: extension value failed");
    }
    OsslPtr<X509_EXTENSION> x(
        X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), ext.critical ? 1 : 0, os.get()));
    if (!x || X509_add_ext(cert.get(), x.get(), -1) != 1) {
      ERR_clear_error();
      return Fail(Errc::kCryptoFailure, "pki: adding an extension failed");
    }
  }

  CCGPU_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY> signer, ToOssl(issuer_key));
  const EVP_MD* md = issuer_key.curve() == Curve::kP384 ? EVP_sha384() : EVP_sha256();
  if (X509_sign(cert.get(), signer.get(), md) <= 0) {
    ERR_clear_error();
    return Fail(Errc::kCryptoFailure, "pki: signing the certificate failed");
  }
  int len = i2d_X509(cert.get(), nullptr);
  if (len <= 0) return Fail(Errc::kCryptoFailure, "pki: certificate encoding failed");
  Bytes der(static_cast<std::size_t>(len));
  uint8_t* p = der.data();
  if (i2d_X509(cert.get(), &p) != len) return Fail(Errc::kCryptoFailure, "pki: certificate encoding failed");
  return Certificate::FromDer(der);
}

Result<Bytes> EncodeDiceFwidExtension(const EcPublicKey& key, ByteSpan fwid) {
  if (fwid.size() != 48) return Fail(Errc::kInvalidArgument, "pki: FWID must be 48 bytes");
  CCGPU_ASSIGN_OR_RETURN(Bytes spki, key.SpkiDer());
  CCGPU_ASSIGN_OR_RETURN(Bytes sha384_oid, OidDer("2.16.840.1.101.3.4.2.2"));
  const uint8_t one[] = {0x02, 0x01, 0x01};
  Bytes fwid_seq = Tlv(0x30, Concat({sha384_oid, Tlv(0x04, fwid)}));
  return Tlv(0x30, Concat({ByteSpan(one), spki, fwid_seq}));
}

Result<Bytes> DecodeDiceFwidExtension(ByteSpan ext_value) {
  // Walk with ByteReader: SEQ{ INT, SEQ(spki), SEQ{ OID, OCTET(48) } }.
  ByteReader r(ext_value);
  auto read_tlv = [](ByteReader& rd, uint8_t want_tag) -> Result<ByteSpan> {
    CCGPU_ASSIGN_OR_RETURN(uint8_t tag, rd.U8());
    if (tag != want_tag) return Fail(Errc::kMalformed, "pki: FWID extension has an unexpected tag");
    CCGPU_ASSIGN_OR_RETURN(uint8_t l0, rd.U8());
    std::size_t len = l0;
    if (l0 & 0x80) {
      const unsigned n = l0 & 0x7Fu;
      if (n == 0 || n > 3) return Fail(Errc::kMalformed, "pki: FWID extension length form");
      len = 0;
      for (unsigned i = 0; i < n; ++i) {
        CCGPU_ASSIGN_OR_RETURN(uint8_t b, rd.U8());
        len = (len << 8) | b;
      }
    }
    return rd.Take(len);
  };
  auto outer = read_tlv(r, 0x30);
  if (!outer) return Fail(Errc::kMalformed, "pki: FWID extension is not a SEQUENCE");
  if (!r.ExpectEnd()) return Fail(Errc::kMalformed, "pki: bytes after the FWID extension");
  ByteReader in(*outer);
  if (!read_tlv(in, 0x02) || !read_tlv(in, 0x30)) {
    return Fail(Errc::kMalformed, "pki: FWID extension lacks version or key");
  }
  auto fw = read_tlv(in, 0x30);
  if (!fw || !in.ExpectEnd()) return Fail(Errc::kMalformed, "pki: FWID extension lacks the FWID");
  ByteReader f(*fw);
  if (!read_tlv(f, 0x06)) return Fail(Errc::kMalformed, "pki: FWID hash OID missing");
  auto value = read_tlv(f, 0x04);
  if (!value || !f.ExpectEnd() || value->size() != 48) {
    return Fail(Errc::kMalformed, "pki: FWID is not a 48-byte OCTET STRING");
  }
  return Bytes(value->begin(), value->end());
}

Result<Bytes> EncodeOtherNameSan(const std::string& type_oid, const std::string& utf8_value) {
  CCGPU_ASSIGN_OR_RETURN(Bytes oid, OidDer(type_oid));
  Bytes utf8 = Tlv(0x0C, ByteSpan(static_cast<const uint8_t*>(static_cast<const void*>(utf8_value.data())),
                                  utf8_value.size()));
  Bytes other_name = Tlv(0xA0, Concat({oid, Tlv(0xA0, utf8)}));
  return Tlv(0x30, other_name);
}

}  // namespace ccgpu::crypto
