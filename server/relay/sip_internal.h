/*
 * sip_internal.h - what the SIP files of the relay share: the connection
 * object and the handlers for each kind of SIP message.
 *
 * A connection's life (sip_conn.c):
 *
 *   accept --TLS handshake--> OPEN --REGISTER ok--> BOUND --(REGISTER
 *   Expires: 0 | newer REGISTER of the same device elsewhere)--> OPEN
 *   any state --(EOF, error, timeout, limit)--> freed
 *
 * Only BOUND connections send MESSAGE and receive deliveries. Handlers
 * never free a connection; they set `closing` and the read loop frees it
 * after the handler returns, so no callback sees a freed connection.
 */
#ifndef CAIRN_RELAY_SIP_INTERNAL_H
#define CAIRN_RELAY_SIP_INTERNAL_H

#include "cairn/sip.h"
#include "relay.h"

typedef struct sip_inflight {
    int64_t qid;
    int64_t enqueued_ms;
    double sent;
} sip_inflight;

struct sip_conn {
    relay *r;
    uint64_t id;
    struct bufferevent *bev;
    cairn_sip_reader *rd;
    sip_conn *prev, *next;
    char addr[48];
    int64_t opened_ms;
    int64_t msg_start_ms; /* first byte of the message being read, 0 between */
    bool registered;
    bool closing;
    bool out_blocked;
    relay_principal who;
    char nonce[33];
    int64_t nonce_ms;
    uint32_t last_nc;
    int auth_failures;
    int64_t last_sent_qid;
    int64_t drained_at;  /* committed_max when the queue was last seen empty */
    int64_t retry_at_ms; /* a delivery was refused: resend from the oldest then */
    size_t inflight;
    sip_inflight *win; /* delivery_window slots, allocated on REGISTER */
};

/* sip_conn.c */
bool sip__send(sip_conn *c, const void *p, size_t n);
/* Sends a response to req copying Via/From/To/Call-ID/CSeq; extra is
 * NULL or complete header lines each ending in CRLF. */
void sip__respond(sip_conn *c, const cairn_sip_msg *req, int code, const char *reason,
                  const char *extra);
/* The general form: tag is the To tag to add when the request's To has
 * none (NULL: add none, as a 100 Trying); body (NULL: none) is sent with
 * Content-Type ctype. */
void sip__respond_with(sip_conn *c, const cairn_sip_msg *req, int code, const char *reason,
                       const char *tag, const char *extra, const char *ctype, const void *body,
                       size_t len);
void sip__bind(sip_conn *c, const relay_principal *p);
void sip__unbind(sip_conn *c);

/* sip_register.c */
void sip__handle_register(sip_conn *c, const cairn_sip_msg *m);

/* sip_message.c: takes ownership of m. */
void sip__handle_message(sip_conn *c, cairn_sip_msg *m, double received);
/* RELAY-DEV-2/3 (MESSAGE and INVITE alike): the addressed device must be
 * listed for the account and must not be the sender itself; otherwise
 * answers m (400, 410 with Cairn-Devices, or 500) and returns false. */
bool sip__device_ok(sip_conn *c, const cairn_sip_msg *m, const char *uri, int64_t account,
                    uint32_t device);

/* sip_deliver.c */
void sip__deliver_more(sip_conn *c);
void sip__handle_response(sip_conn *c, const cairn_sip_msg *m);

#endif
