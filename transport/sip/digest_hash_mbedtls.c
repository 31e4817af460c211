/*
 * digest_hash_mbedtls.c - sip__hash over mbedTLS's generic md API
 * (mbedTLS 2.28 as shipped by Debian 12).
 */
#include <mbedtls/md.h>

#include "digest_hash.h"

cairn_status sip__hash(cairn_sip_digest_alg alg, const cairn_sip_str *parts, size_t n,
                       uint8_t out[SIP__HASH_MAX], size_t *out_len)
{
    const mbedtls_md_info_t *info;
    mbedtls_md_context_t c;
    size_t i;
    int rc;

    if (alg == CAIRN_SIP_DIGEST_MD5)
        info = mbedtls_md_info_from_type(MBEDTLS_MD_MD5);
    else if (alg == CAIRN_SIP_DIGEST_SHA256)
        info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    else
        return CAIRN_ERR_INVALID_ARG;
    if (info == NULL || mbedtls_md_get_size(info) > SIP__HASH_MAX)
        return CAIRN_ERR_CRYPTO;
    mbedtls_md_init(&c);
    rc = mbedtls_md_setup(&c, info, 0);
    if (rc == 0)
        rc = mbedtls_md_starts(&c);
    for (i = 0; rc == 0 && i < n; i++)
        if (parts[i].len)
            rc = mbedtls_md_update(&c, (const unsigned char *)parts[i].p, parts[i].len);
    if (rc == 0)
        rc = mbedtls_md_finish(&c, out);
    mbedtls_md_free(&c);
    if (rc != 0)
        return CAIRN_ERR_CRYPTO;
    *out_len = mbedtls_md_get_size(info);
    return CAIRN_OK;
}
