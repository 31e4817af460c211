/*
 * tls_mbedtls.c - the mbedTLS backend of cairn_tls (mbedTLS 2.28 as in
 * Debian 12).
 *
 * Each config owns its mbedtls_ssl_config, trusted CAs, own certificate
 * and key; randomness for the handshake comes from the context RNG through
 * mbedtls_ssl_conf_rng (no global DRBG). The socket callbacks use
 * send(MSG_NOSIGNAL)/recv on the caller's non-blocking fd and turn EAGAIN
 * into MBEDTLS_ERR_SSL_WANT_*. TLS 1.2 minimum (BIND-TLS-1); pins checked
 * right after the handshake against the raw SPKI (BIND-TLS-3).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tls_internal.h"

struct tls__be_config {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt own;
    mbedtls_pk_context key;
    bool has_ca, has_own;
};

struct cairn_tls {
    cairn_tls_config *cfg;
    mbedtls_ssl_context ssl;
    int fd;
    bool established;
    bool failed;
};

const char *cairn_tls_backend(void)
{
    return "mbedtls";
}

static int rng_cb(void *ud, unsigned char *out, size_t n)
{
    return cairn__random((const cairn_context *)ud, out, n) == CAIRN_OK ? 0 : -1;
}

static int net_send(void *ud, const unsigned char *p, size_t n)
{
    ssize_t r = send(((cairn_tls *)ud)->fd, p, n, MSG_NOSIGNAL);

    if (r >= 0)
        return (int)r;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
                                                 : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int net_recv(void *ud, unsigned char *p, size_t n)
{
    ssize_t r = recv(((cairn_tls *)ud)->fd, p, n, 0);

    if (r >= 0)
        return (int)r;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_READ;
    return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* ---- config --------------------------------------------------------------- */

cairn_status tls__be_config_new(cairn_tls_config *cfg)
{
    struct tls__be_config *be = cairn__calloc(cfg->ctx, 1, sizeof(*be));

    if (be == NULL)
        return CAIRN_ERR_NOMEM;
    mbedtls_ssl_config_init(&be->conf);
    mbedtls_x509_crt_init(&be->ca);
    mbedtls_x509_crt_init(&be->own);
    mbedtls_pk_init(&be->key);
    if (mbedtls_ssl_config_defaults(
            &be->conf,
            cfg->role == CAIRN_TLS_CLIENT ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER,
            MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        mbedtls_ssl_config_free(&be->conf);
        cairn__free(cfg->ctx, be);
        return CAIRN_ERR_TLS;
    }
    mbedtls_ssl_conf_min_version(&be->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_rng(&be->conf, rng_cb, (void *)cfg->ctx);
    mbedtls_ssl_conf_renegotiation(&be->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    cfg->be = be;
    return CAIRN_OK;
}

void tls__be_config_free(cairn_tls_config *cfg)
{
    struct tls__be_config *be = cfg->be;

    if (be == NULL)
        return;
    mbedtls_ssl_config_free(&be->conf);
    mbedtls_x509_crt_free(&be->ca);
    mbedtls_x509_crt_free(&be->own);
    mbedtls_pk_free(&be->key);
    cairn__free(cfg->ctx, be);
    cfg->be = NULL;
}

void tls__be_apply_verify(cairn_tls_config *cfg)
{
    int mode = MBEDTLS_SSL_VERIFY_NONE;

    if (cfg->role == CAIRN_TLS_CLIENT && cfg->verify)
        mode = MBEDTLS_SSL_VERIFY_REQUIRED;
    mbedtls_ssl_conf_authmode(&cfg->be->conf, mode);
    mbedtls_ssl_conf_ca_chain(&cfg->be->conf, &cfg->be->ca, NULL);
}

/* mbedTLS wants PEM NUL-terminated with the NUL counted. */
static cairn_status pem_copy(const cairn_context *ctx, const char *pem, size_t len, char **out)
{
    if (len > ((size_t)16 << 20))
        return CAIRN_ERR_TOO_LARGE;
    *out = cairn__alloc(ctx, len + 1);
    if (*out == NULL)
        return CAIRN_ERR_NOMEM;
    memcpy(*out, pem, len);
    (*out)[len] = '\0';
    return CAIRN_OK;
}

cairn_status tls__be_add_ca_pem(cairn_tls_config *cfg, const char *pem, size_t len)
{
    char *z;
    cairn_status st = pem_copy(cfg->ctx, pem, len, &z);
    int rc;

    if (st != CAIRN_OK)
        return st;
    rc = mbedtls_x509_crt_parse(&cfg->be->ca, (const unsigned char *)z, len + 1);
    cairn__free(cfg->ctx, z);
    /* rc > 0 counts certificates that failed while others parsed. */
    if (rc < 0 || cfg->be->ca.raw.len == 0)
        return CAIRN_ERR_DECODE;
    cfg->be->has_ca = true;
    tls__be_apply_verify(cfg);
    return CAIRN_OK;
}

cairn_status tls__be_set_cert(cairn_tls_config *cfg, const char *cert, size_t cert_len,
                              const char *key, size_t key_len)
{
    struct tls__be_config *be = cfg->be;
    char *cz = NULL, *kz = NULL;
    cairn_status st;
    int rc;

    st = pem_copy(cfg->ctx, cert, cert_len, &cz);
    if (st == CAIRN_OK)
        st = pem_copy(cfg->ctx, key, key_len, &kz);
    if (st != CAIRN_OK)
        goto out;
    mbedtls_x509_crt_free(&be->own);
    mbedtls_x509_crt_init(&be->own);
    mbedtls_pk_free(&be->key);
    mbedtls_pk_init(&be->key);
    be->has_own = false;
    rc = mbedtls_x509_crt_parse(&be->own, (const unsigned char *)cz, cert_len + 1);
    if (rc != 0) {
        st = CAIRN_ERR_DECODE;
        goto out;
    }
    rc = mbedtls_pk_parse_key(&be->key, (const unsigned char *)kz, key_len + 1, NULL, 0);
    if (rc != 0) {
        st = CAIRN_ERR_DECODE;
        goto out;
    }
    if (mbedtls_pk_check_pair(&be->own.pk, &be->key) != 0) {
        st = CAIRN_ERR_BAD_KEY;
        goto out;
    }
    if (mbedtls_ssl_conf_own_cert(&be->conf, &be->own, &be->key) != 0) {
        st = CAIRN_ERR_TLS;
        goto out;
    }
    be->has_own = true;
out:
    cairn__free(cfg->ctx, cz);
    if (kz != NULL)
        cairn__free_secret(cfg->ctx, kz, key_len + 1);
    return st;
}

cairn_status tls__sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    return mbedtls_sha256_ret(p, n, out, 0) == 0 ? CAIRN_OK : CAIRN_ERR_CRYPTO;
}

cairn_status cairn_tls_pin_from_pem(const cairn_context *ctx, const char *pem, size_t len,
                                    uint8_t pin[CAIRN_TLS_PIN_LEN])
{
    mbedtls_x509_crt crt;
    char *z;
    cairn_status st;

    if (ctx == NULL || pem == NULL || pin == NULL || len == 0)
        return CAIRN_ERR_INVALID_ARG;
    st = pem_copy(ctx, pem, len, &z);
    if (st != CAIRN_OK)
        return st;
    mbedtls_x509_crt_init(&crt);
    if (mbedtls_x509_crt_parse(&crt, (const unsigned char *)z, len + 1) < 0 || crt.raw.len == 0)
        st = CAIRN_ERR_DECODE;
    else
        st = tls__sha256(crt.pk_raw.p, crt.pk_raw.len, pin);
    mbedtls_x509_crt_free(&crt);
    cairn__free(ctx, z);
    return st;
}

/* ---- sessions ------------------------------------------------------------- */

cairn_status cairn_tls_new(cairn_tls_config *cfg, int fd, const char *server_name, cairn_tls **out)
{
    cairn_tls *t;

    if (cfg == NULL || out == NULL || fd < 0)
        return CAIRN_ERR_INVALID_ARG;
    if (cfg->role == CAIRN_TLS_CLIENT && cfg->verify && (server_name == NULL || !*server_name))
        return CAIRN_ERR_INVALID_ARG;
    if (cfg->role == CAIRN_TLS_SERVER && !cfg->be->has_own)
        return CAIRN_ERR_STATE;
    *out = NULL;
    t = cairn__calloc(cfg->ctx, 1, sizeof(*t));
    if (t == NULL)
        return CAIRN_ERR_NOMEM;
    t->cfg = cfg;
    t->fd = fd;
    mbedtls_ssl_init(&t->ssl);
    if (mbedtls_ssl_setup(&t->ssl, &cfg->be->conf) != 0)
        goto fail;
    if (cfg->role == CAIRN_TLS_CLIENT && server_name != NULL && *server_name &&
        mbedtls_ssl_set_hostname(&t->ssl, server_name) != 0)
        goto fail;
    mbedtls_ssl_set_bio(&t->ssl, t, net_send, net_recv, NULL);
    *out = t;
    return CAIRN_OK;
fail:
    mbedtls_ssl_free(&t->ssl);
    cairn__free(cfg->ctx, t);
    return CAIRN_ERR_TLS;
}

void cairn_tls_free(cairn_tls *t)
{
    if (t == NULL)
        return;
    mbedtls_ssl_free(&t->ssl);
    cairn__free(t->cfg->ctx, t);
}

static cairn_status map_err(cairn_tls *t, int rc, cairn_tls_want *want)
{
    *want = CAIRN_TLS_DONE;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) {
        *want = CAIRN_TLS_WANT_READ;
        return CAIRN_OK;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        *want = CAIRN_TLS_WANT_WRITE;
        return CAIRN_OK;
    }
    t->failed = true;
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
        return CAIRN_ERR_AUTH;
    if (rc == MBEDTLS_ERR_NET_CONN_RESET || rc == MBEDTLS_ERR_NET_SEND_FAILED ||
        rc == MBEDTLS_ERR_NET_RECV_FAILED || rc == MBEDTLS_ERR_SSL_CONN_EOF)
        return CAIRN_ERR_NETWORK;
    return CAIRN_ERR_TLS;
}

cairn_status cairn_tls_handshake(cairn_tls *t, cairn_tls_want *want)
{
    int rc;
    cairn_status st;

    if (t == NULL || want == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *want = CAIRN_TLS_DONE;
    if (t->failed)
        return CAIRN_ERR_STATE;
    if (t->established)
        return CAIRN_OK;
    rc = mbedtls_ssl_handshake(&t->ssl);
    if (rc != 0)
        return map_err(t, rc, want);
    if (t->cfg->role == CAIRN_TLS_CLIENT && t->cfg->n_pins > 0) {
        uint8_t pin[CAIRN_TLS_PIN_LEN];
        st = cairn_tls_peer_pin(t, pin);
        if (st == CAIRN_OK)
            st = tls__check_pin(t->cfg, pin);
        if (st != CAIRN_OK) {
            t->failed = true;
            return CAIRN_ERR_AUTH;
        }
    }
    t->established = true;
    return CAIRN_OK;
}

cairn_status cairn_tls_read(cairn_tls *t, uint8_t *buf, size_t cap, size_t *n, cairn_tls_want *want)
{
    int rc;

    if (t == NULL || buf == NULL || n == NULL || want == NULL || cap == 0)
        return CAIRN_ERR_INVALID_ARG;
    *n = 0;
    *want = CAIRN_TLS_DONE;
    if (!t->established || t->failed)
        return CAIRN_ERR_STATE;
    rc = mbedtls_ssl_read(&t->ssl, buf, cap);
    if (rc > 0) {
        *n = (size_t)rc;
        return CAIRN_OK;
    }
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
        return CAIRN_OK; /* closed */
    return map_err(t, rc, want);
}

cairn_status cairn_tls_write(cairn_tls *t, const uint8_t *p, size_t len, size_t *n,
                             cairn_tls_want *want)
{
    int rc;

    if (t == NULL || p == NULL || n == NULL || want == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *n = 0;
    *want = CAIRN_TLS_DONE;
    if (!t->established || t->failed)
        return CAIRN_ERR_STATE;
    if (len == 0)
        return CAIRN_OK;
    rc = mbedtls_ssl_write(&t->ssl, p, len);
    if (rc >= 0) {
        *n = (size_t)rc;
        return CAIRN_OK;
    }
    return map_err(t, rc, want);
}

cairn_status cairn_tls_shutdown(cairn_tls *t, cairn_tls_want *want)
{
    int rc;

    if (t == NULL || want == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *want = CAIRN_TLS_DONE;
    if (!t->established || t->failed)
        return CAIRN_OK;
    rc = mbedtls_ssl_close_notify(&t->ssl);
    if (rc == 0)
        return CAIRN_OK;
    return map_err(t, rc, want);
}

size_t cairn_tls_pending(const cairn_tls *t)
{
    size_t n;

    if (t == NULL || !t->established)
        return 0;
    n = mbedtls_ssl_get_bytes_avail(&t->ssl);
    /* A whole record may sit undecrypted in mbedTLS's input buffer: the fd
     * will not become readable for it, so report it as pending too. */
    if (n == 0 && mbedtls_ssl_check_pending(&t->ssl))
        n = 1;
    return n;
}

cairn_status cairn_tls_peer_pin(const cairn_tls *t, uint8_t pin[CAIRN_TLS_PIN_LEN])
{
    const mbedtls_x509_crt *crt;

    if (t == NULL || pin == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (t->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER)
        return CAIRN_ERR_STATE;
    crt = mbedtls_ssl_get_peer_cert(&t->ssl);
    if (crt == NULL || crt->pk_raw.len == 0)
        return CAIRN_ERR_NOT_FOUND;
    return tls__sha256(crt->pk_raw.p, crt->pk_raw.len, pin);
}
