/*
 * tls_openssl.c - the OpenSSL backend of cairn_tls (OpenSSL 3).
 *
 * Each config owns its SSL_CTX and its own BIO_METHOD (no process-wide
 * state): the BIO writes with send(MSG_NOSIGNAL) so a peer that resets the
 * connection gives CAIRN_ERR_NETWORK instead of killing the process with
 * SIGPIPE. Minimum protocol TLS 1.2 (BIND-TLS-1); the hostname/IP check is
 * armed per session when verification is on (BIND-TLS-2); pins are checked
 * right after the handshake, before any data is returned (BIND-TLS-3).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_internal.h"

struct tls__be_config {
    SSL_CTX *ssl_ctx;
    BIO_METHOD *bio_method;
};

struct cairn_tls {
    cairn_tls_config *cfg;
    SSL *ssl;
    int fd;
    bool established;
    bool failed;
};

const char *cairn_tls_backend(void)
{
    return "openssl";
}

/* ---- socket BIO without SIGPIPE ----------------------------------------- */

static int bio_write(BIO *b, const char *p, int n)
{
    ssize_t r;

    BIO_clear_retry_flags(b);
    r = send(*(int *)BIO_get_data(b), p, (size_t)n, MSG_NOSIGNAL);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return (int)r;
}

static int bio_read(BIO *b, char *p, int n)
{
    ssize_t r;

    BIO_clear_retry_flags(b);
    r = recv(*(int *)BIO_get_data(b), p, (size_t)n, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(b);
    return (int)r;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* ---- config --------------------------------------------------------------- */

cairn_status tls__be_config_new(cairn_tls_config *cfg)
{
    struct tls__be_config *be = cairn__calloc(cfg->ctx, 1, sizeof(*be));

    if (be == NULL)
        return CAIRN_ERR_NOMEM;
    be->ssl_ctx =
        SSL_CTX_new(cfg->role == CAIRN_TLS_CLIENT ? TLS_client_method() : TLS_server_method());
    be->bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "cairn-fd");
    if (be->ssl_ctx == NULL || be->bio_method == NULL ||
        SSL_CTX_set_min_proto_version(be->ssl_ctx, TLS1_2_VERSION) != 1) {
        SSL_CTX_free(be->ssl_ctx);
        BIO_meth_free(be->bio_method);
        cairn__free(cfg->ctx, be);
        ERR_clear_error();
        return CAIRN_ERR_TLS;
    }
    BIO_meth_set_write(be->bio_method, bio_write);
    BIO_meth_set_read(be->bio_method, bio_read);
    BIO_meth_set_ctrl(be->bio_method, bio_ctrl);
    BIO_meth_set_create(be->bio_method, bio_create);
    /* Renegotiation and compression are not wanted on a signalling link. */
    SSL_CTX_set_options(be->ssl_ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(be->ssl_ctx,
                     SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    cfg->be = be;
    return CAIRN_OK;
}

void tls__be_config_free(cairn_tls_config *cfg)
{
    if (cfg->be == NULL)
        return;
    SSL_CTX_free(cfg->be->ssl_ctx);
    BIO_meth_free(cfg->be->bio_method);
    cairn__free(cfg->ctx, cfg->be);
    cfg->be = NULL;
}

void tls__be_apply_verify(cairn_tls_config *cfg)
{
    int mode = (cfg->role == CAIRN_TLS_CLIENT && cfg->verify) ? SSL_VERIFY_PEER : SSL_VERIFY_NONE;

    SSL_CTX_set_verify(cfg->be->ssl_ctx, mode, NULL);
}

cairn_status tls__be_add_ca_pem(cairn_tls_config *cfg, const char *pem, size_t len)
{
    X509_STORE *store = SSL_CTX_get_cert_store(cfg->be->ssl_ctx);
    BIO *bio;
    X509 *x;
    int added = 0;

    if (len > INT32_MAX)
        return CAIRN_ERR_TOO_LARGE;
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return CAIRN_ERR_NOMEM;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(store, x) == 1)
            added++;
        X509_free(x);
    }
    BIO_free(bio);
    ERR_clear_error();
    return added ? CAIRN_OK : CAIRN_ERR_DECODE;
}

cairn_status tls__be_set_cert(cairn_tls_config *cfg, const char *cert, size_t cert_len,
                              const char *key, size_t key_len)
{
    SSL_CTX *c = cfg->be->ssl_ctx;
    cairn_status st = CAIRN_OK;
    BIO *cb, *kb;
    X509 *x;
    EVP_PKEY *pk = NULL;

    if (cert_len > INT32_MAX || key_len > INT32_MAX)
        return CAIRN_ERR_TOO_LARGE;
    cb = BIO_new_mem_buf(cert, (int)cert_len);
    kb = BIO_new_mem_buf(key, (int)key_len);
    if (cb == NULL || kb == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    if (x == NULL || SSL_CTX_use_certificate(c, x) != 1) {
        X509_free(x);
        st = CAIRN_ERR_DECODE;
        goto out;
    }
    X509_free(x);
    /* The rest of the PEM is the chain, leaf's issuer first. */
    SSL_CTX_clear_chain_certs(c);
    while ((x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) != NULL)
        if (SSL_CTX_add0_chain_cert(c, x) != 1)
            X509_free(x);
    pk = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    if (pk == NULL)
        st = CAIRN_ERR_DECODE;
    else if (SSL_CTX_use_PrivateKey(c, pk) != 1 || SSL_CTX_check_private_key(c) != 1)
        st = CAIRN_ERR_BAD_KEY;
out:
    EVP_PKEY_free(pk);
    BIO_free(cb);
    BIO_free(kb);
    ERR_clear_error();
    return st;
}

cairn_status tls__sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;

    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32)
        return CAIRN_ERR_CRYPTO;
    return CAIRN_OK;
}

static cairn_status spki_pin(X509 *x, uint8_t pin[CAIRN_TLS_PIN_LEN])
{
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    cairn_status st;

    if (len <= 0)
        return CAIRN_ERR_CRYPTO;
    st = tls__sha256(der, (size_t)len, pin);
    OPENSSL_free(der);
    return st;
}

cairn_status cairn_tls_pin_from_pem(const cairn_context *ctx, const char *pem, size_t len,
                                    uint8_t pin[CAIRN_TLS_PIN_LEN])
{
    BIO *b;
    X509 *x;
    cairn_status st;

    (void)ctx;
    if (pem == NULL || pin == NULL || len == 0 || len > INT32_MAX)
        return CAIRN_ERR_INVALID_ARG;
    b = BIO_new_mem_buf(pem, (int)len);
    if (b == NULL)
        return CAIRN_ERR_NOMEM;
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    ERR_clear_error();
    if (x == NULL)
        return CAIRN_ERR_DECODE;
    st = spki_pin(x, pin);
    X509_free(x);
    return st;
}

/* ---- sessions ------------------------------------------------------------- */

cairn_status cairn_tls_new(cairn_tls_config *cfg, int fd, const char *server_name, cairn_tls **out)
{
    cairn_tls *t;
    BIO *bio;

    if (cfg == NULL || out == NULL || fd < 0)
        return CAIRN_ERR_INVALID_ARG;
    if (cfg->role == CAIRN_TLS_CLIENT && cfg->verify && (server_name == NULL || !*server_name))
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    t = cairn__calloc(cfg->ctx, 1, sizeof(*t));
    if (t == NULL)
        return CAIRN_ERR_NOMEM;
    t->cfg = cfg;
    t->fd = fd;
    t->ssl = SSL_new(cfg->be->ssl_ctx);
    bio = t->ssl ? BIO_new(cfg->be->bio_method) : NULL;
    if (bio == NULL)
        goto fail;
    BIO_set_data(bio, &t->fd);
    SSL_set_bio(t->ssl, bio, bio);
    if (cfg->role == CAIRN_TLS_CLIENT) {
        SSL_set_connect_state(t->ssl);
        if (server_name != NULL && *server_name) {
            bool ip = tls__is_ip(server_name);
            if (!ip && SSL_set_tlsext_host_name(t->ssl, server_name) != 1)
                goto fail;
            if (cfg->verify) {
                X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
                X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, server_name)
                        : X509_VERIFY_PARAM_set1_host(vp, server_name, 0)) != 1)
                    goto fail;
            }
        }
    } else {
        SSL_set_accept_state(t->ssl);
    }
    *out = t;
    return CAIRN_OK;
fail:
    SSL_free(t->ssl);
    cairn__free(cfg->ctx, t);
    ERR_clear_error();
    return CAIRN_ERR_TLS;
}

void cairn_tls_free(cairn_tls *t)
{
    if (t == NULL)
        return;
    SSL_free(t->ssl);
    cairn__free(t->cfg->ctx, t);
}

/* Maps an SSL_get_error result; WANT_* become CAIRN_OK with *want set. */
static cairn_status map_err(cairn_tls *t, int rc, cairn_tls_want *want, bool *eof)
{
    int e = SSL_get_error(t->ssl, rc);
    unsigned long q;

    *want = CAIRN_TLS_DONE;
    switch (e) {
    case SSL_ERROR_WANT_READ:
        *want = CAIRN_TLS_WANT_READ;
        return CAIRN_OK;
    case SSL_ERROR_WANT_WRITE:
        *want = CAIRN_TLS_WANT_WRITE;
        return CAIRN_OK;
    case SSL_ERROR_ZERO_RETURN:
        if (eof)
            *eof = true;
        return eof ? CAIRN_OK : CAIRN_ERR_NETWORK;
    case SSL_ERROR_SYSCALL:
        q = ERR_peek_error();
        ERR_clear_error();
        if (q == 0 && eof && t->established) { /* EOF without close_notify */
            *eof = true;
            return CAIRN_OK;
        }
        t->failed = true;
        return CAIRN_ERR_NETWORK;
    default:
        ERR_clear_error();
        t->failed = true;
        if (SSL_get_verify_result(t->ssl) != X509_V_OK)
            return CAIRN_ERR_AUTH;
        return CAIRN_ERR_TLS;
    }
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
    ERR_clear_error();
    rc = SSL_do_handshake(t->ssl);
    if (rc != 1) {
        st = map_err(t, rc, want, NULL);
        if (st == CAIRN_OK && *want == CAIRN_TLS_DONE)
            st = CAIRN_ERR_TLS;
        return st;
    }
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
    size_t got = 0;
    bool eof = false;
    int rc;
    cairn_status st;

    if (t == NULL || buf == NULL || n == NULL || want == NULL || cap == 0)
        return CAIRN_ERR_INVALID_ARG;
    *n = 0;
    *want = CAIRN_TLS_DONE;
    if (!t->established || t->failed)
        return CAIRN_ERR_STATE;
    ERR_clear_error();
    rc = SSL_read_ex(t->ssl, buf, cap, &got);
    if (rc == 1) {
        *n = got;
        return CAIRN_OK;
    }
    st = map_err(t, rc, want, &eof);
    return st;
}

cairn_status cairn_tls_write(cairn_tls *t, const uint8_t *p, size_t len, size_t *n,
                             cairn_tls_want *want)
{
    size_t put = 0;
    int rc;
    cairn_status st;

    if (t == NULL || p == NULL || n == NULL || want == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *n = 0;
    *want = CAIRN_TLS_DONE;
    if (!t->established || t->failed)
        return CAIRN_ERR_STATE;
    if (len == 0)
        return CAIRN_OK;
    ERR_clear_error();
    rc = SSL_write_ex(t->ssl, p, len, &put);
    if (rc == 1) {
        *n = put;
        return CAIRN_OK;
    }
    st = map_err(t, rc, want, NULL);
    return st;
}

cairn_status cairn_tls_shutdown(cairn_tls *t, cairn_tls_want *want)
{
    int rc;

    if (t == NULL || want == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *want = CAIRN_TLS_DONE;
    if (!t->established || t->failed)
        return CAIRN_OK;
    ERR_clear_error();
    rc = SSL_shutdown(t->ssl);
    if (rc >= 0) /* 0: our close_notify is out; we do not wait for theirs */
        return CAIRN_OK;
    return map_err(t, rc, want, NULL);
}

size_t cairn_tls_pending(const cairn_tls *t)
{
    if (t == NULL || !t->established)
        return 0;
    return (size_t)SSL_pending(t->ssl);
}

cairn_status cairn_tls_peer_pin(const cairn_tls *t, uint8_t pin[CAIRN_TLS_PIN_LEN])
{
    X509 *x;
    cairn_status st;

    if (t == NULL || pin == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (!SSL_is_init_finished(t->ssl))
        return CAIRN_ERR_STATE;
    x = SSL_get1_peer_certificate(t->ssl);
    if (x == NULL)
        return CAIRN_ERR_NOT_FOUND;
    st = spki_pin(x, pin);
    X509_free(x);
    return st;
}
