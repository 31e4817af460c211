/*
 * model.c - loads the built-in engine's model file (format: SR-30..SR-36).
 *
 * Invariants: the SHA-256 trailer is checked before any field is trusted,
 * and every field is bounds-checked anyway (a file with a valid checksum
 * can still be hostile); the file must be consumed exactly; nothing is
 * allocated unless the whole file is valid; scales must be finite and
 * non-negative; the vocabulary must be strictly ascending so lookups can
 * binary-search.
 */
#include <math.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

#define SR_MAGIC "CSRM"
#define SR_VERSION 1
#define SR_MAX_MODEL_BYTES (16u * 1024u * 1024u)
#define SR_MAX_VOCAB (1u << 20)
#define SR_MAX_INTENTS 1024u

static float f32_from_bits(uint32_t v)
{
    float f;
    memcpy(&f, &v, sizeof(f));
    return f;
}

static bool scale_ok(float f)
{
    return isfinite(f) && f >= 0.0f && f < 1.0e6f;
}

static void *host_alloc(const cairn_smartreply_host *h, size_t n)
{
    return h->alloc(h->ud, n ? n : 1);
}

void smartreply__model_free(const cairn_smartreply_host *host, sr_model *m)
{
    if (m == NULL)
        return;
    host->free(host->ud, m->intents);
    host->free(host->ud, m->vocab);
    host->free(host->ud, m->emb_scale);
    host->free(host->ud, m->emb);
    host->free(host->ud, m->out_scale);
    host->free(host->ud, m->out);
    host->free(host->ud, m->bias);
    memset(m, 0, sizeof(*m));
}

/* First pass: validates and measures; second pass (fill) copies. */
static cairn_status parse(const uint8_t *p, size_t len, sr_model *m, bool fill)
{
    cairn__reader r;
    const uint8_t *magic;
    uint16_t version, thr, thr2;
    size_t nb, rows;

    cairn__reader_init(&r, p, len);
    magic = cairn__read_bytes(&r, 4);
    if (magic == NULL || memcmp(magic, SR_MAGIC, 4) != 0)
        return CAIRN_ERR_DECODE;
    version = cairn__read_u16be(&r);
    if (r.err)
        return CAIRN_ERR_DECODE;
    if (version != SR_VERSION)
        return CAIRN_ERR_VERSION;
    m->dim = cairn__read_u16be(&r);
    m->bucket_bits = cairn__read_u8(&r);
    (void)cairn__read_u8(&r);
    m->n_classes = cairn__read_u16be(&r);
    m->n_intents = cairn__read_u16be(&r);
    thr = cairn__read_u16be(&r);
    thr2 = cairn__read_u16be(&r);
    m->n_vocab = cairn__read_u32be(&r);
    if (r.err || m->dim == 0 || m->dim > 256 || m->bucket_bits < 4 ||
        m->bucket_bits > 20 || m->n_classes == 0 || m->n_intents < m->n_classes ||
        m->n_intents > SR_MAX_INTENTS || thr > 10000 || thr2 > 10000 ||
        m->n_vocab > SR_MAX_VOCAB)
        return CAIRN_ERR_DECODE;
    m->threshold = (float)thr / 10000.0f;
    m->threshold2 = (float)thr2 / 10000.0f;

    for (size_t i = 0; i < m->n_intents; i++) {
        uint8_t kind = cairn__read_u8(&r);
        uint16_t pair = cairn__read_u16be(&r);
        uint8_t nl = cairn__read_u8(&r);
        const uint8_t *name = cairn__read_bytes(&r, nl);
        uint8_t rl = cairn__read_u8(&r);
        const uint8_t *reply = cairn__read_bytes(&r, rl);
        /* rl is a u8, so a reply always fits CAIRN_SMARTREPLY_MAX_REPLY. */
        if (r.err || nl == 0 || nl > 64 || rl == 0)
            return CAIRN_ERR_DECODE;
        /* Class intents first, then answer intents; pairs point at answers. */
        if (kind != (i < m->n_classes ? SR_KIND_CLASS : SR_KIND_ANSWER))
            return CAIRN_ERR_DECODE;
        if (pair != SR_NO_PAIR && (pair < m->n_classes || pair >= m->n_intents))
            return CAIRN_ERR_DECODE;
        if (!smartreply__utf8_clean((const char *)name, nl) ||
            !smartreply__utf8_clean((const char *)reply, rl))
            return CAIRN_ERR_DECODE;
        if (fill) {
            sr_intent *it = &m->intents[i];
            it->kind = kind;
            it->pair = pair;
            it->reply_len = rl;
            memcpy(it->name, name, nl);
            it->name[nl] = '\0';
            memcpy(it->reply, reply, rl);
            it->reply[rl] = '\0';
        }
    }
    for (uint32_t i = 0, prev = 0; i < m->n_vocab; i++) {
        uint32_t v = cairn__read_u32be(&r);
        if (r.err || (i > 0 && v <= prev))
            return CAIRN_ERR_DECODE;
        prev = v;
        if (fill)
            m->vocab[i] = v;
    }
    nb = (size_t)1 << m->bucket_bits;
    for (size_t i = 0; i < nb; i++) {
        float s = f32_from_bits(cairn__read_u32be(&r));
        if (r.err || !scale_ok(s))
            return CAIRN_ERR_DECODE;
        if (fill)
            m->emb_scale[i] = s;
    }
    {
        const uint8_t *e = cairn__read_bytes(&r, nb * m->dim);
        if (e == NULL)
            return CAIRN_ERR_DECODE;
        if (fill)
            memcpy(m->emb, e, nb * m->dim);
    }
    rows = (size_t)m->n_classes + 1;
    for (size_t i = 0; i < rows; i++) {
        float s = f32_from_bits(cairn__read_u32be(&r));
        if (r.err || !scale_ok(s))
            return CAIRN_ERR_DECODE;
        if (fill)
            m->out_scale[i] = s;
    }
    {
        const uint8_t *o = cairn__read_bytes(&r, rows * m->dim);
        if (o == NULL)
            return CAIRN_ERR_DECODE;
        if (fill)
            memcpy(m->out, o, rows * m->dim);
    }
    for (size_t i = 0; i < rows; i++) {
        int32_t b = (int32_t)cairn__read_u32be(&r);
        /* |bias| < 2^12 in probability-logit units keeps exp() finite. */
        if (r.err || b > (1 << 28) || b < -(1 << 28))
            return CAIRN_ERR_DECODE;
        if (fill)
            m->bias[i] = b;
    }
    if (r.err || cairn__reader_left(&r) != 0)
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

cairn_status smartreply__model_load(const cairn_smartreply_host *host,
                                    const uint8_t *blob, size_t len, sr_model *m)
{
    uint8_t digest[crypto_hash_sha256_BYTES];
    sr_model tmp;
    cairn_status st;
    size_t nb, rows;

    if (host == NULL || m == NULL || (blob == NULL && len > 0))
        return CAIRN_ERR_INVALID_ARG;
    memset(m, 0, sizeof(*m));
    if (len > SR_MAX_MODEL_BYTES)
        return CAIRN_ERR_TOO_LARGE;
    if (len < 4 + crypto_hash_sha256_BYTES)
        return CAIRN_ERR_DECODE;
    crypto_hash_sha256(digest, blob, len - sizeof(digest));
    if (cairn__memeq_ct(digest, blob + len - sizeof(digest), sizeof(digest)) != 0)
        return CAIRN_ERR_CORRUPT;
    len -= sizeof(digest);

    memset(&tmp, 0, sizeof(tmp));
    st = parse(blob, len, &tmp, false);
    if (st != CAIRN_OK)
        return st;
    nb = (size_t)1 << tmp.bucket_bits;
    rows = (size_t)tmp.n_classes + 1;
    tmp.intents = host_alloc(host, tmp.n_intents * sizeof(sr_intent));
    tmp.vocab = host_alloc(host, tmp.n_vocab * sizeof(uint32_t));
    tmp.emb_scale = host_alloc(host, nb * sizeof(float));
    tmp.emb = host_alloc(host, nb * tmp.dim);
    tmp.out_scale = host_alloc(host, rows * sizeof(float));
    tmp.out = host_alloc(host, rows * tmp.dim);
    tmp.bias = host_alloc(host, rows * sizeof(int32_t));
    if (!tmp.intents || !tmp.vocab || !tmp.emb_scale || !tmp.emb ||
        !tmp.out_scale || !tmp.out || !tmp.bias) {
        smartreply__model_free(host, &tmp);
        return CAIRN_ERR_NOMEM;
    }
    memset(tmp.intents, 0, tmp.n_intents * sizeof(sr_intent));
    st = parse(blob, len, &tmp, true);
    if (st != CAIRN_OK) {
        smartreply__model_free(host, &tmp);
        return st;
    }
    *m = tmp;
    return CAIRN_OK;
}

bool smartreply__vocab_has(const sr_model *m, uint32_t h)
{
    size_t lo = 0, hi = m->n_vocab;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->vocab[mid] == h)
            return true;
        if (m->vocab[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}
