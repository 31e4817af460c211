/*
 * mirror.c - the RFC 6962 tiled mirror of the directory log (KT-API-20)
 * and the few directory facts it needs that ktdir.h does not export yet
 * (an entry's timestamp and prefix root, the signed head): those are read
 * through the directory's internal header, in this one file only.
 *
 * Invariant: mirror entry i is the 40-byte LogEntry of directory entry i.
 * The mirror is written after SQLite, so after a crash it can only be
 * behind the directory, never ahead; kts__mirror_sync closes the gap.
 */
#include <string.h>

#include "kts_internal.h"
#include "ktdir_internal.h"

void kts__entry(const cairn_ktdir *d, uint64_t pos, uint64_t *ts,
                uint8_t prefix_root[32])
{
    *ts = d->ents[pos].ts;
    memcpy(prefix_root, d->pt.nodes[d->ents[pos].proot].hash, 32);
}

void kts__head(const cairn_ktdir *d, uint64_t *size, uint8_t root[32],
               uint8_t sig[64], uint64_t *ts)
{
    *size = d->n_ents;
    if (d->n_ents == 0) {
        memset(root, 0, 32);
        memset(sig, 0, 64);
        *ts = 0;
        return;
    }
    ktdir__log_root(&d->log, d->n_ents, root);
    memcpy(sig, d->head_sig, 64);
    *ts = d->ents[d->n_ents - 1].ts;
}

cairn_status kts__config_encode(const cairn_context *ctx, const cairn_ktdir *d,
                                uint8_t **out, size_t *len)
{
    cairn__buf b;
    cairn_status st;
    cairn__buf_init(&b, ctx, 4096);
    st = ktdir__config_encode(&b, &d->cfg);
    if (st == CAIRN_OK)
        st = cairn__buf_take(&b, out, len);
    cairn__buf_free(&b);
    return st;
}

cairn_status kts__drop_version(cairn_ktdir *d, const uint8_t *label,
                               size_t len, uint32_t version)
{
    return ktdir__dir_drop_version(d, label, len, version);
}

cairn_status kts__mirror_open(kts_server *s)
{
    return cairn_tlog_open(s->ctx, s->mirror_dir, s->opt.origin, s->mirror_signer,
                           CAIRN_TLOG_CREATE | CAIRN_TLOG_KEEP_CHECKPOINTS,
                           &s->mirror);
}

cairn_status kts__mirror_sync(kts_server *s)
{
    uint64_t have = cairn_tlog_size(s->mirror), want = cairn_ktdir_tree_size(s->dir);
    cairn_status st;
    if (have > want) {
        CAIRN_LOGE(s->ctx, "kt", "mirror holds %llu entries, directory %llu: "
                   "refusing to serve a diverging mirror",
                   (unsigned long long)have, (unsigned long long)want);
        return CAIRN_ERR_CORRUPT;
    }
    for (uint64_t i = have; i < want; i++) {
        uint8_t e[40];
        uint64_t ts, idx;
        kts__entry(s->dir, i, &ts, e + 8);
        for (int k = 0; k < 8; k++)
            e[k] = (uint8_t)(ts >> (56 - 8 * k));
        if ((st = cairn_tlog_append(s->mirror, e, sizeof e, &idx)) != CAIRN_OK)
            return st;
        if (idx != i)
            return CAIRN_ERR_INTERNAL;
    }
    if (want > have)
        return cairn_tlog_publish(s->mirror);
    return CAIRN_OK;
}
