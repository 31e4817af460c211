/*
 * conncap.c - limits.max_connections_per_address: how many SIP and how many
 * HTTPS connections one client address may hold at once, and the r->rt
 * state the runtime files share.
 *
 * Counts live in a u64 map keyed by a keyed SipHash of the textual address
 * (key random per process, so nobody can aim collisions; a collision would
 * only make two addresses share one count, which limits more, never less).
 * An entry exists only while its count is above zero, so the table is
 * bounded by the number of open connections.
 *
 * SIP connections are counted at accept (sip_conn.c). HTTPS connections
 * are made inside evhttp, which tells us neither the peer nor the close; so
 * each HTTPS SSL object carries a small record in an OpenSSL ex-data slot:
 * the count is taken when the TLS handshake starts (the socket is known
 * then; over the cap the socket is shut down, so the handshake fails and
 * evhttp drops the connection before any request is read) and given back
 * by the slot's free callback when OpenSSL frees the object, whichever way
 * the connection ended.
 *
 * Invariant: every successful take is matched by exactly one put.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "runtime.h"

cairn_status relay__runtime_create(relay *r)
{
    r->rt = cairn__calloc(r->ctx, 1, sizeof *r->rt);
    if (r->rt == NULL)
        return CAIRN_ERR_NOMEM;
    randombytes_buf(r->rt->cap_key, sizeof r->rt->cap_key);
    r->rt->https_ex_idx = -1;
    return CAIRN_OK;
}

void relay__runtime_destroy(relay *r)
{
    if (r->rt == NULL)
        return;
    relay__map_free(&r->rt->cap[RELAY_CAP_SIP], r->ctx);
    relay__map_free(&r->rt->cap[RELAY_CAP_HTTPS], r->ctx);
    cairn__free(r->ctx, r->rt);
    r->rt = NULL;
}

static uint64_t addr_key(const relay *r, const char *addr)
{
    uint8_t h[crypto_shorthash_BYTES];
    uint64_t k;
    crypto_shorthash(h, (const uint8_t *)addr, strlen(addr), r->rt->cap_key);
    memcpy(&k, h, sizeof k);
    return k ? k : 1; /* 0 is the map's empty key */
}

bool relay__conncap_take(relay *r, relay_conncap_kind kind, const char *addr)
{
    if (r->rt == NULL)
        return true;
    relay_map *m = &r->rt->cap[kind];
    uint64_t k = addr_key(r, addr);
    uintptr_t n = (uintptr_t)relay__map_get(m, k);
    if ((int64_t)n >= r->cfg.max_connections_per_address) {
        r->m.address_cap_closed_total++;
        return false;
    }
    if (relay__map_put(m, r->ctx, k, (void *)(n + 1)) != CAIRN_OK)
        RLOGW("conncap_nomem", "peer=%s", addr); /* counted as not taken: see put */
    return true;
}

void relay__conncap_put(relay *r, relay_conncap_kind kind, const char *addr)
{
    if (r->rt == NULL)
        return;
    relay_map *m = &r->rt->cap[kind];
    uint64_t k = addr_key(r, addr);
    uintptr_t n = (uintptr_t)relay__map_get(m, k);
    if (n <= 1)
        relay__map_del(m, k); /* also the entry an out-of-memory take never stored */
    else
        relay__map_put(m, r->ctx, k, (void *)(n - 1)); /* existing key: cannot fail */
}

/* ---- HTTPS: one record per SSL object ------------------------------------- */

typedef struct https_cap {
    relay *r;
    bool checked, counted;
    char addr[48];
} https_cap;

static void ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    https_cap *hc = ptr;
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    if (hc == NULL)
        return;
    if (hc->counted)
        relay__conncap_put(hc->r, RELAY_CAP_HTTPS, hc->addr);
    cairn__free(hc->r->ctx, hc);
}

/* The slot (and its free callback) is process-wide: registered once. */
static int g_ex_idx = -1;

cairn_status relay__conncap_https_init(relay *r)
{
    if (g_ex_idx < 0)
        g_ex_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, ex_free);
    if (g_ex_idx < 0)
        return CAIRN_ERR_TLS;
    r->rt->https_ex_idx = g_ex_idx;
    return CAIRN_OK;
}

static bool peer_of(int fd, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof ss;
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &l) != 0)
        return false;
    if (ss.ss_family == AF_INET)
        return inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)cap) !=
               NULL;
    if (ss.ss_family == AF_INET6)
        return inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)cap) !=
               NULL;
    return false;
}

static void on_info(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if (!(where & SSL_CB_HANDSHAKE_START) || g_ex_idx < 0)
        return;
    https_cap *hc = SSL_get_ex_data(ssl, g_ex_idx);
    if (hc == NULL || hc->checked)
        return;
    hc->checked = true;
    int fd = SSL_get_fd(ssl);
    if (!peer_of(fd, hc->addr, sizeof hc->addr))
        return;
    if (relay__conncap_take(hc->r, RELAY_CAP_HTTPS, hc->addr)) {
        hc->counted = true;
        return;
    }
    RLOGI("https_address_cap", "peer=%s", hc->addr);
    /* The handshake then reads EOF and fails; evhttp frees the connection
     * (and with it this SSL object). */
    shutdown(fd, SHUT_RDWR);
}

void relay__conncap_https_attach(relay *r, SSL *ssl)
{
    if (r->rt == NULL || r->rt->https_ex_idx < 0)
        return;
    https_cap *hc = cairn__calloc(r->ctx, 1, sizeof *hc);
    if (hc == NULL)
        return; /* not counted: out of memory must not lock clients out */
    hc->r = r;
    if (SSL_set_ex_data(ssl, r->rt->https_ex_idx, hc) != 1) {
        cairn__free(r->ctx, hc);
        return;
    }
    SSL_set_info_callback(ssl, on_info);
}
