/*
 * selfsigned_mbedtls.c - cairn_tls_selfsigned with mbedTLS x509write: a
 * P-256 key and a self-signed X.509v3 certificate for loopback demos and
 * tests. All randomness (key, serial, signature) comes from the context
 * RNG. mbedTLS 2.28 has no subjectAltName writer, so the extension value
 * is DER-encoded here (names are capped at 100 bytes so every length fits
 * the one-byte short form). Key material is wiped on every exit.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "tls_internal.h"

#define PEM_CAP 4096

static int rng_cb(void *ud, unsigned char *out, size_t n)
{
    return cairn__random((const cairn_context *)ud, out, n) == CAIRN_OK ? 0 : -1;
}

static void fmt_time(int64_t ms, char out[15])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    /* strftime bounds every field; years past 9999 do not occur here. */
    if (strftime(out, 15, "%Y%m%d%H%M%S", &tm) != 14)
        memcpy(out, "20990101000000", 15);
}

/* SEQUENCE { [2] dNSName, [7] 127.0.0.1 } (or only the IP). */
static size_t san_der(const char *name, uint8_t *out)
{
    size_t n = strlen(name), off = 2;

    if (!tls__is_ip(name)) {
        out[off++] = 0x82;
        out[off++] = (uint8_t)n;
        memcpy(out + off, name, n);
        off += n;
    }
    out[off++] = 0x87;
    out[off++] = 4;
    out[off++] = 127;
    out[off++] = 0;
    out[off++] = 0;
    out[off++] = 1;
    out[0] = 0x30;
    out[1] = (uint8_t)(off - 2);
    return off;
}

static cairn_status dup_pem(const cairn_context *ctx, const unsigned char *pem, char **out,
                            size_t *len)
{
    size_t n = strnlen((const char *)pem, PEM_CAP);

    *out = cairn__alloc(ctx, n + 1);
    if (*out == NULL)
        return CAIRN_ERR_NOMEM;
    memcpy(*out, pem, n + 1);
    (*out)[n] = '\0';
    *len = n;
    return CAIRN_OK;
}

cairn_status cairn_tls_selfsigned(const cairn_context *ctx, const char *name, unsigned days,
                                  char **cert_pem, size_t *cert_len, char **key_pem,
                                  size_t *key_len)
{
    mbedtls_pk_context key;
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;
    unsigned char *buf = NULL;
    uint8_t sraw[16], san[128];
    char subject[128], nb[15], na[15];
    int64_t now;
    cairn_status st = CAIRN_ERR_CRYPTO;
    size_t san_len;

    if (ctx == NULL || name == NULL || !*name || strlen(name) > 100 || days == 0 ||
        cert_pem == NULL || cert_len == NULL || key_pem == NULL || key_len == NULL ||
        strpbrk(name, ",=\\\r\n\"+<>;") != NULL)
        return CAIRN_ERR_INVALID_ARG;
    *cert_pem = *key_pem = NULL;
    buf = cairn__alloc(ctx, PEM_CAP);
    if (buf == NULL)
        return CAIRN_ERR_NOMEM;
    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&serial);
    if (cairn__random(ctx, sraw, sizeof(sraw)) != CAIRN_OK)
        goto out;
    sraw[0] = (uint8_t)((sraw[0] & 0x7f) | 0x01);
    now = cairn__now_ms(ctx);
    fmt_time(now - 3600000, nb);
    fmt_time(now + (int64_t)days * 86400000, na);
    snprintf(subject, sizeof(subject), "CN=%s", name);
    san_len = san_der(name, san);
    if (mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), rng_cb, (void *)ctx) !=
            0 ||
        mbedtls_mpi_read_binary(&serial, sraw, sizeof(sraw)) != 0)
        goto out;
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &key);
    if (mbedtls_x509write_crt_set_subject_name(&crt, subject) != 0 ||
        mbedtls_x509write_crt_set_issuer_name(&crt, subject) != 0 ||
        mbedtls_x509write_crt_set_serial(&crt, &serial) != 0 ||
        mbedtls_x509write_crt_set_validity(&crt, nb, na) != 0 ||
        mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san,
                                            san_len) != 0)
        goto out;
    if (mbedtls_x509write_crt_pem(&crt, buf, PEM_CAP, rng_cb, (void *)ctx) != 0)
        goto out;
    st = dup_pem(ctx, buf, cert_pem, cert_len);
    if (st != CAIRN_OK)
        goto out;
    st = CAIRN_ERR_CRYPTO;
    if (mbedtls_pk_write_key_pem(&key, buf, PEM_CAP) != 0)
        goto out;
    st = dup_pem(ctx, buf, key_pem, key_len);
out:
    if (st != CAIRN_OK && *cert_pem != NULL) {
        cairn__free(ctx, *cert_pem);
        *cert_pem = NULL;
    }
    cairn__free_secret(ctx, buf, PEM_CAP);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&key);
    return st;
}
