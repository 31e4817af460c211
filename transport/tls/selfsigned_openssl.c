/*
 * selfsigned_openssl.c - cairn_tls_selfsigned with the OpenSSL API: a P-256
 * key and a self-signed X.509v3 certificate whose CN and subjectAltName
 * carry the given name (plus IP 127.0.0.1), for loopback demos and tests.
 * The serial number comes from the context RNG; OpenSSL draws the key from
 * its own DRBG. The key PEM is wiped from every intermediate buffer.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_internal.h"

static cairn_status bio_take(const cairn_context *ctx, BIO *b, char **out, size_t *len)
{
    char *mem = NULL;
    long n = BIO_get_mem_data(b, &mem);

    if (n <= 0 || mem == NULL)
        return CAIRN_ERR_CRYPTO;
    *out = cairn__alloc(ctx, (size_t)n + 1);
    if (*out == NULL)
        return CAIRN_ERR_NOMEM;
    memcpy(*out, mem, (size_t)n);
    (*out)[n] = '\0';
    *len = (size_t)n;
    OPENSSL_cleanse(mem, (size_t)n);
    return CAIRN_OK;
}

cairn_status cairn_tls_selfsigned(const cairn_context *ctx, const char *name, unsigned days,
                                  char **cert_pem, size_t *cert_len, char **key_pem,
                                  size_t *key_len)
{
    cairn_status st = CAIRN_ERR_CRYPTO;
    EVP_PKEY *pk = NULL;
    X509 *x = NULL;
    X509_EXTENSION *ext = NULL;
    X509V3_CTX v3;
    BIGNUM *bn = NULL;
    BIO *cb = NULL, *kb = NULL;
    uint8_t serial[16];
    char san[300];

    if (ctx == NULL || name == NULL || !*name || strlen(name) > 200 || days == 0 ||
        cert_pem == NULL || cert_len == NULL || key_pem == NULL || key_len == NULL ||
        strpbrk(name, ",\r\n") != NULL)
        return CAIRN_ERR_INVALID_ARG;
    *cert_pem = *key_pem = NULL;
    if (cairn__random(ctx, serial, sizeof(serial)) != CAIRN_OK)
        return CAIRN_ERR_CRYPTO;
    serial[0] &= 0x7f; /* positive */
    serial[0] |= 0x01; /* and not zero */
    pk = EVP_EC_gen("P-256");
    x = X509_new();
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (pk == NULL || x == NULL || bn == NULL)
        goto out;
    if (X509_set_version(x, 2) != 1 || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
        X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400L) == NULL ||
        X509_set_pubkey(x, pk) != 1 ||
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                   (const unsigned char *)name, -1, -1, 0) != 1 ||
        X509_set_issuer_name(x, X509_get_subject_name(x)) != 1)
        goto out;
    if (tls__is_ip(name))
        snprintf(san, sizeof(san), "IP:%s", name);
    else
        snprintf(san, sizeof(san), "DNS:%s,IP:127.0.0.1", name);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
    if (ext == NULL || X509_add_ext(x, ext, -1) != 1)
        goto out;
    if (X509_sign(x, pk, EVP_sha256()) <= 0)
        goto out;
    cb = BIO_new(BIO_s_mem());
    kb = BIO_new(BIO_s_mem());
    if (cb == NULL || kb == NULL || PEM_write_bio_X509(cb, x) != 1 ||
        PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL) != 1)
        goto out;
    st = bio_take(ctx, cb, cert_pem, cert_len);
    if (st == CAIRN_OK)
        st = bio_take(ctx, kb, key_pem, key_len);
    if (st != CAIRN_OK) {
        cairn__free(ctx, *cert_pem);
        *cert_pem = NULL;
    }
out:
    X509_EXTENSION_free(ext);
    BN_free(bn);
    X509_free(x);
    EVP_PKEY_free(pk);
    BIO_free(cb);
    BIO_free(kb);
    ERR_clear_error();
    return st;
}
