/*
 * tls_config.c - the backend-neutral half of cairn_tls_config: creation,
 * pins and the verification switch. Keeps the rule that verification may
 * only be turned off when the peer is pinned (BIND-TLS-2).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "tls_internal.h"

cairn_status cairn_tls_config_new(const cairn_context *ctx, cairn_tls_role role,
                                  cairn_tls_config **out)
{
    cairn_tls_config *cfg;
    cairn_status st;

    if (ctx == NULL || out == NULL || (role != CAIRN_TLS_CLIENT && role != CAIRN_TLS_SERVER))
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    cfg = cairn__calloc(ctx, 1, sizeof(*cfg));
    if (cfg == NULL)
        return CAIRN_ERR_NOMEM;
    cfg->ctx = ctx;
    cfg->role = role;
    cfg->verify = true;
    st = tls__be_config_new(cfg);
    if (st != CAIRN_OK) {
        cairn__free(ctx, cfg);
        return st;
    }
    tls__be_apply_verify(cfg);
    *out = cfg;
    return CAIRN_OK;
}

void cairn_tls_config_free(cairn_tls_config *cfg)
{
    if (cfg == NULL)
        return;
    tls__be_config_free(cfg);
    cairn__free(cfg->ctx, cfg);
}

cairn_status cairn_tls_config_add_ca_pem(cairn_tls_config *cfg, const char *pem, size_t len)
{
    if (cfg == NULL || pem == NULL || len == 0)
        return CAIRN_ERR_INVALID_ARG;
    return tls__be_add_ca_pem(cfg, pem, len);
}

cairn_status cairn_tls_config_add_ca_file(cairn_tls_config *cfg, const char *path)
{
    cairn__buf b;
    cairn_status st = CAIRN_OK;
    uint8_t chunk[4096];
    size_t n;
    FILE *f;

    if (cfg == NULL || path == NULL)
        return CAIRN_ERR_INVALID_ARG;
    f = fopen(path, "rb");
    if (f == NULL)
        return CAIRN_ERR_IO;
    /* A CA bundle is a few hundred KB at most; 4 MiB is a generous cap. */
    cairn__buf_init(&b, cfg->ctx, (size_t)4 << 20);
    while (st == CAIRN_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        st = cairn__buf_append(&b, chunk, n);
    if (st == CAIRN_OK && ferror(f))
        st = CAIRN_ERR_IO;
    fclose(f);
    if (st == CAIRN_OK)
        st = b.len ? tls__be_add_ca_pem(cfg, (const char *)b.data, b.len) : CAIRN_ERR_DECODE;
    cairn__buf_free(&b);
    return st;
}

cairn_status cairn_tls_config_set_cert_pem(cairn_tls_config *cfg, const char *cert_pem,
                                           size_t cert_len, const char *key_pem, size_t key_len)
{
    if (cfg == NULL || cert_pem == NULL || key_pem == NULL || cert_len == 0 || key_len == 0)
        return CAIRN_ERR_INVALID_ARG;
    return tls__be_set_cert(cfg, cert_pem, cert_len, key_pem, key_len);
}

cairn_status cairn_tls_config_add_pin(cairn_tls_config *cfg, const uint8_t pin[CAIRN_TLS_PIN_LEN])
{
    if (cfg == NULL || pin == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (cfg->n_pins >= CAIRN_TLS_MAX_PINS)
        return CAIRN_ERR_LIMIT;
    memcpy(cfg->pins[cfg->n_pins++], pin, CAIRN_TLS_PIN_LEN);
    return CAIRN_OK;
}

cairn_status cairn_tls_config_set_verify(cairn_tls_config *cfg, bool verify)
{
    if (cfg == NULL || (!verify && cfg->n_pins == 0))
        return CAIRN_ERR_INVALID_ARG;
    cfg->verify = verify;
    tls__be_apply_verify(cfg);
    return CAIRN_OK;
}

cairn_status tls__check_pin(const cairn_tls_config *cfg, const uint8_t pin[CAIRN_TLS_PIN_LEN])
{
    size_t i;
    int match = 0;

    if (cfg->n_pins == 0)
        return CAIRN_OK;
    for (i = 0; i < cfg->n_pins; i++)
        match |= cairn__memeq_ct(cfg->pins[i], pin, CAIRN_TLS_PIN_LEN) == 0;
    return match ? CAIRN_OK : CAIRN_ERR_AUTH;
}

bool tls__is_ip(const char *s)
{
    uint8_t a[16];

    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}
