/*
 * tls.c - optional HTTPS for cairn-kt: every accepted connection gets an
 * OpenSSL bufferevent (libevent_openssl) in server mode, so evhttp runs
 * unchanged over TLS. TLS 1.2 minimum. Everything cairn-kt serves is
 * public signed data; TLS here protects the publisher's credentials and
 * the privacy of lookups.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "kts_internal.h"

static struct bufferevent *bevcb(struct event_base *base, void *arg)
{
    kts_server *s = arg;
    SSL *ssl = SSL_new((SSL_CTX *)s->tls_ctx);
    struct bufferevent *bev;
    if (ssl == NULL)
        return NULL;
    bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                         BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL)
        SSL_free(ssl);
    return bev;
}

cairn_status kts__tls_setup(kts_server *s)
{
    SSL_CTX *c = SSL_CTX_new(TLS_server_method());
    if (c == NULL)
        return CAIRN_ERR_TLS;
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    if (s->opt.tls_key == NULL ||
        SSL_CTX_use_certificate_chain_file(c, s->opt.tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(c, s->opt.tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(c) != 1) {
        CAIRN_LOGE(s->ctx, "kt", "cannot load the TLS certificate or key");
        SSL_CTX_free(c);
        return CAIRN_ERR_TLS;
    }
    s->tls_ctx = c;
    evhttp_set_bevcb(s->http, bevcb, s);
    CAIRN_LOGI(s->ctx, "kt", "serving HTTPS");
    return CAIRN_OK;
}

void kts__tls_free(kts_server *s)
{
    if (s->tls_ctx)
        SSL_CTX_free((SSL_CTX *)s->tls_ctx);
    s->tls_ctx = NULL;
}
