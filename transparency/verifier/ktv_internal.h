/*
 * ktv_internal.h - the view handle shared by the files of cairn_ktverify.
 *
 * Invariant: every field is changed only by a verify call that passed all
 * its checks (the new values are computed into copies first), or by a
 * successful parse.
 */
#ifndef CAIRN_KTV_INTERNAL_H
#define CAIRN_KTV_INTERNAL_H

#include "base.h"
#include "cairn/ktverify.h"

struct cairn_ktv {
    const cairn_context *ctx;
    cairn_kt_config cfg;
    cairn_ktv_options opt;
    cairn_kt_view view;
    uint64_t last_ts;
    bool has_head;
    uint64_t head_size;
    uint8_t head_sig[64];
    size_t n_labels, cap_labels;
    cairn_kt_label_state *labels; /* grown on demand, <= CAIRN_KTV_MAX_LABELS */
};

/* Binding of a blob to a configuration: SHA-256 of both public keys. */
void ktv__cfg_hash(const cairn_kt_config *cfg, uint8_t out[32]);
/* Room for `need` label states (need <= CAIRN_KTV_MAX_LABELS). */
cairn_status ktv__reserve(cairn_ktv *v, size_t need);
cairn_kt_label_state *ktv__find(const cairn_ktv *v, const uint8_t *label,
                                size_t len);

#endif
