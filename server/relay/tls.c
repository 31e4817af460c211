/*
 * tls.c - the relay's TLS server context (OpenSSL, used by libevent's
 * bufferevent_openssl on both listeners) and the self-signed certificate
 * made on first run so a loopback demo works with no setup.
 *
 * Invariants: TLS 1.2 minimum; SSL_MODE_RELEASE_BUFFERS so an idle
 * connection holds no TLS record buffers (this is what keeps idle
 * connections small); a reload (SIGHUP) builds a complete new context and
 * swaps it in only if the key matches the certificate, so a bad file never
 * takes the listener down. Existing connections keep their SSL objects
 * (each holds a reference to the context it started with).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "relay.h"

static int mkdir_p(const char *path, mode_t mode)
{
    char tmp[RELAY_STR_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, mode) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static void dirname_of(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash == NULL)
        snprintf(out, cap, ".");
    else if (slash == out)
        out[1] = 0;
    else
        *slash = 0;
}

static cairn_status generate(relay *r)
{
    const relay_config *c = &r->cfg;
    EVP_PKEY *pkey = NULL;
    X509 *x = NULL;
    X509_EXTENSION *ext = NULL;
    X509V3_CTX v3;
    FILE *f = NULL;
    cairn_status st = CAIRN_ERR_CRYPTO;
    char dir[RELAY_STR_MAX], san[RELAY_STR_MAX + 64];
    uint8_t serial[16];

    dirname_of(c->cert_file, dir, sizeof dir);
    if (mkdir_p(dir, 0700) != 0)
        return CAIRN_ERR_IO;
    dirname_of(c->key_file, dir, sizeof dir);
    if (mkdir_p(dir, 0700) != 0)
        return CAIRN_ERR_IO;
    pkey = EVP_EC_gen("P-256");
    x = X509_new();
    if (pkey == NULL || x == NULL)
        goto out;
    cairn__random(r->ctx, serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
        BN_free(bn);
        goto out;
    }
    BN_free(bn);
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400L);
    X509_set_pubkey(x, pkey);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)c->domain, -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    snprintf(san, sizeof san, "DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1", c->domain);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
    if (ext == NULL || !X509_add_ext(x, ext, -1))
        goto out;
    if (!X509_sign(x, pkey, EVP_sha256()))
        goto out;
    {
        int fd = open(c->key_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
            if (fd >= 0)
                close(fd);
            st = CAIRN_ERR_IO;
            goto out;
        }
        if (!PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0) {
            f = NULL;
            st = CAIRN_ERR_IO;
            goto out;
        }
        f = NULL;
    }
    f = fopen(c->cert_file, "w");
    if (f == NULL || !PEM_write_X509(f, x) || fclose(f) != 0) {
        f = NULL;
        st = CAIRN_ERR_IO;
        goto out;
    }
    f = NULL;
    RLOGI("tls_cert_generated", "cert=%s key=%s cn=%s", c->cert_file, c->key_file, c->domain);
    st = CAIRN_OK;
out:
    if (f)
        fclose(f);
    X509_EXTENSION_free(ext);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return st;
}

cairn_status relay__tls_ensure_cert(relay *r)
{
    if (access(r->cfg.cert_file, F_OK) == 0 && access(r->cfg.key_file, F_OK) == 0)
        return CAIRN_OK;
    if (access(r->cfg.cert_file, F_OK) == 0 || access(r->cfg.key_file, F_OK) == 0) {
        RLOGE("tls_cert_missing", "cert=%s key=%s reason=\"only one of the pair exists\"",
              r->cfg.cert_file, r->cfg.key_file);
        return CAIRN_ERR_IO;
    }
    return generate(r);
}

cairn_status relay__tls_load(relay *r)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return CAIRN_ERR_TLS;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* Session tickets would let a client resume; the state is small and
     * stateless on our side, so keep them, but no server-side cache. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_use_certificate_chain_file(ctx, r->cfg.cert_file) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, r->cfg.key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        unsigned long e = ERR_get_error();
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        RLOGE("tls_load_failed", "cert=%s reason=\"%s\"", r->cfg.cert_file, buf);
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return CAIRN_ERR_TLS;
    }
    if (r->ssl)
        SSL_CTX_free(r->ssl);
    r->ssl = ctx;
    RLOGI("tls_loaded", "cert=%s", r->cfg.cert_file);
    return CAIRN_OK;
}

void relay__tls_bev_free(struct bufferevent *bev)
{
    if (bev == NULL)
        return;
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    if (ssl)
        SSL_set_shutdown(ssl, SSL_RECEIVED_SHUTDOWN);
    bufferevent_free(bev);
}
