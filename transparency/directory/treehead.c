/*
 * treehead.c - Configuration, TreeHeadTBS, AuditorTreeHeadTBS and the
 * FullTreeHead wire structure.
 *
 * Invariants: the signed bytes are exactly the TLS encodings the draft
 * gives (KT-TH-1); only ciphersuite 0x0002 and the contact-monitoring and
 * third-party-auditing modes are accepted; signatures are 64 bytes and
 * anything else is a decode error, not a failed signature.
 */
#include <string.h>

#include "ktdir_internal.h"

cairn_status ktdir__config_encode(cairn__buf *b, const cairn_kt_config *c)
{
    cairn_status st;
    if ((st = ktdir__put_u16(b, KT_CIPHERSUITE)) != CAIRN_OK ||
        (st = ktdir__put_u8(b, (uint8_t)c->mode)) != CAIRN_OK ||
        (st = ktdir__put_vec16(b, c->signature_public_key, 32)) != CAIRN_OK ||
        (st = ktdir__put_vec16(b, c->vrf_public_key, 32)) != CAIRN_OK)
        return st;
    if (c->mode == CAIRN_KT_MODE_THIRD_PARTY_AUDITING) {
        if ((st = ktdir__put_u64(b, c->max_auditor_lag)) != CAIRN_OK ||
            (st = ktdir__put_u64(b, c->auditor_start_pos)) != CAIRN_OK ||
            (st = ktdir__put_vec16(b, c->auditor_public_key, 32)) != CAIRN_OK)
            return st;
    }
    if ((st = ktdir__put_u64(b, c->max_ahead)) != CAIRN_OK ||
        (st = ktdir__put_u64(b, c->max_behind)) != CAIRN_OK ||
        (st = ktdir__put_u64(b, c->reasonable_monitoring_window)) != CAIRN_OK)
        return st;
    return ktdir__put_opt_u64(b, false, 0); /* maximum_lifetime: absent */
}

static void get_key(cairn__reader *r, uint8_t out[32])
{
    size_t n;
    const uint8_t *p = ktdir__get_vec16(r, &n, 32);
    if (!r->err && n != 32)
        r->err = true;
    if (!r->err)
        memcpy(out, p, 32);
}

cairn_status ktdir__config_decode(cairn__reader *r, cairn_kt_config *c)
{
    cairn_kt_config t;
    uint16_t suite;
    uint8_t mode;
    memset(&t, 0, sizeof t);
    suite = cairn__read_u16be(r);
    mode = cairn__read_u8(r);
    if (r->err)
        return CAIRN_ERR_DECODE;
    if (suite != KT_CIPHERSUITE)
        return CAIRN_ERR_UNSUPPORTED;
    if (mode != CAIRN_KT_MODE_CONTACT_MONITORING &&
        mode != CAIRN_KT_MODE_THIRD_PARTY_AUDITING)
        return CAIRN_ERR_UNSUPPORTED;
    t.mode = (cairn_kt_mode)mode;
    get_key(r, t.signature_public_key);
    get_key(r, t.vrf_public_key);
    if (t.mode == CAIRN_KT_MODE_THIRD_PARTY_AUDITING) {
        t.max_auditor_lag = cairn__read_u64be(r);
        t.auditor_start_pos = cairn__read_u64be(r);
        get_key(r, t.auditor_public_key);
    }
    t.max_ahead = cairn__read_u64be(r);
    t.max_behind = cairn__read_u64be(r);
    t.reasonable_monitoring_window = cairn__read_u64be(r);
    if (ktdir__get_present(r))
        return r->err ? CAIRN_ERR_DECODE : CAIRN_ERR_UNSUPPORTED;
    if (r->err)
        return CAIRN_ERR_DECODE;
    *c = t;
    return CAIRN_OK;
}

cairn_status ktdir__treehead_tbs(cairn__buf *b, const cairn_kt_config *c,
                                 uint64_t size, const uint8_t root[KT_H])
{
    cairn_status st;
    if ((st = ktdir__config_encode(b, c)) != CAIRN_OK ||
        (st = ktdir__put_u64(b, size)) != CAIRN_OK)
        return st;
    return ktdir__put_bytes(b, root, KT_H);
}

cairn_status ktdir__auditor_tbs(cairn__buf *b, const cairn_kt_config *c,
                                uint64_t ts, uint64_t size,
                                const uint8_t root[KT_H])
{
    cairn_status st;
    if ((st = ktdir__config_encode(b, c)) != CAIRN_OK ||
        (st = ktdir__put_u64(b, ts)) != CAIRN_OK ||
        (st = ktdir__put_u64(b, size)) != CAIRN_OK)
        return st;
    return ktdir__put_bytes(b, root, KT_H);
}

cairn_status ktdir__fth_encode(cairn__buf *b, const ktdir__fth *h)
{
    cairn_status st;
    if ((st = ktdir__put_u8(b, h->type)) != CAIRN_OK)
        return st;
    if (h->type != KT_HEAD_UPDATED)
        return CAIRN_OK;
    if ((st = ktdir__put_u64(b, h->tree_size)) != CAIRN_OK ||
        (st = ktdir__put_vec16(b, h->sig, KT_SIG_LEN)) != CAIRN_OK)
        return st;
    if (h->has_auditor) {
        if ((st = ktdir__put_u64(b, h->a_ts)) != CAIRN_OK ||
            (st = ktdir__put_u64(b, h->a_size)) != CAIRN_OK ||
            (st = ktdir__put_vec16(b, h->a_sig, KT_SIG_LEN)) != CAIRN_OK)
            return st;
    }
    return CAIRN_OK;
}

static void get_sig(cairn__reader *r, uint8_t out[KT_SIG_LEN])
{
    size_t n;
    const uint8_t *p = ktdir__get_vec16(r, &n, KT_SIG_LEN);
    if (!r->err && n != KT_SIG_LEN)
        r->err = true;
    if (!r->err)
        memcpy(out, p, KT_SIG_LEN);
}

cairn_status ktdir__fth_decode(cairn__reader *r, cairn_kt_mode mode,
                               ktdir__fth *h)
{
    memset(h, 0, sizeof *h);
    h->type = cairn__read_u8(r);
    if (r->err || (h->type != KT_HEAD_SAME && h->type != KT_HEAD_UPDATED))
        return CAIRN_ERR_DECODE;
    if (h->type == KT_HEAD_UPDATED) {
        h->tree_size = cairn__read_u64be(r);
        get_sig(r, h->sig);
        if (mode == CAIRN_KT_MODE_THIRD_PARTY_AUDITING) {
            h->has_auditor = true;
            h->a_ts = cairn__read_u64be(r);
            h->a_size = cairn__read_u64be(r);
            get_sig(r, h->a_sig);
        }
    }
    return r->err ? CAIRN_ERR_DECODE : CAIRN_OK;
}
