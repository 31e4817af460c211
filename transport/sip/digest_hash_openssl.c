/*
 * digest_hash_openssl.c - sip__hash over OpenSSL's EVP digest interface
 * (MD5 and SHA-256 are both in OpenSSL 3's default provider).
 */
#include <openssl/evp.h>

#include "digest_hash.h"

cairn_status sip__hash(cairn_sip_digest_alg alg, const cairn_sip_str *parts, size_t n,
                       uint8_t out[SIP__HASH_MAX], size_t *out_len)
{
    const EVP_MD *md;
    EVP_MD_CTX *c;
    unsigned int len = 0;
    size_t i;
    int ok;

    if (alg == CAIRN_SIP_DIGEST_MD5)
        md = EVP_md5();
    else if (alg == CAIRN_SIP_DIGEST_SHA256)
        md = EVP_sha256();
    else
        return CAIRN_ERR_INVALID_ARG;
    c = EVP_MD_CTX_new();
    if (c == NULL)
        return CAIRN_ERR_CRYPTO;
    ok = EVP_DigestInit_ex(c, md, NULL);
    for (i = 0; ok && i < n; i++)
        if (parts[i].len)
            ok = EVP_DigestUpdate(c, parts[i].p, parts[i].len);
    ok = ok && EVP_DigestFinal_ex(c, out, &len);
    EVP_MD_CTX_free(c);
    if (!ok || len > SIP__HASH_MAX)
        return CAIRN_ERR_CRYPTO;
    *out_len = len;
    return CAIRN_OK;
}
