/*
 * engine.c - the built-in reply engine, exposed through the same plugin
 * ABI as third-party engines (cairn_smartreply_builtin()).
 *
 * Decision order (SR-20..SR-24): the latest message must be from someone
 * else and short; any sensitive topic anywhere in the window declines;
 * the latest message must look English; then the embedding-bag classifier
 * ranks the intents and "none". Nothing is shown unless the top intent is
 * not "none" and reaches the model's threshold (tuned for precision);
 * the top intent's curated reply comes first, then, for a yes/no question,
 * the paired "no" reply, then other intents above the second threshold.
 * One reply per intent, never the same text twice, at most three.
 *
 * All memory comes from the host services, so the engine runs unchanged
 * in-process or inside the sandboxed worker's arena; suggest() allocates
 * nothing.
 */
#include <string.h>

#include "internal.h"

/* Long messages are not small talk; declining is cheaper than guessing. */
#define SR_ENGINE_MAX_LATEST 512

/* exp(x) for x <= 0 without libm (libcairn links no libm): 2^(x*log2 e)
 * split into an integer power, built in the exponent bits, and a degree-5
 * polynomial for the fraction; relative error about 1e-7, ample for a
 * softmax. Inputs below -87 give 0. */
static float sr_exp_neg(float x)
{
    float t, f, p;
    int i;
    union {
        float f;
        uint32_t u;
    } v;
    if (x < -87.0f)
        return 0.0f;
    t = x * 1.44269504f;
    i = (int)t;
    if ((float)i > t)
        i--;
    f = t - (float)i; /* [0, 1) */
    p = 1.0f + f * (0.693147182f + f * (0.240226507f + f * (0.0555041087f +
        f * (0.00961812911f + f * 0.00133335581f))));
    v.u = (uint32_t)(i + 127) << 23;
    return v.f * p;
}

struct sr_engine {
    cairn_smartreply_host host;
    sr_model model;
    sr_lexicon *lex;
};

static cairn_status builtin_create(const cairn_smartreply_host *host,
                                   const uint8_t *model, size_t model_len,
                                   void **state)
{
    sr_engine *e;
    cairn_status st;
    if (host == NULL || host->alloc == NULL || host->free == NULL || state == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *state = NULL;
    e = host->alloc(host->ud, sizeof(*e));
    if (e == NULL)
        return CAIRN_ERR_NOMEM;
    memset(e, 0, sizeof(*e));
    e->host = *host;
    st = smartreply__model_load(&e->host, model, model_len, &e->model);
    if (st == CAIRN_OK)
        st = smartreply__lexicon_create(&e->host, &e->lex);
    if (st != CAIRN_OK) {
        smartreply__model_free(&e->host, &e->model);
        host->free(host->ud, e);
        return st;
    }
    *state = e;
    return CAIRN_OK;
}

static void builtin_destroy(void *state)
{
    sr_engine *e = state;
    cairn_smartreply_host host;
    if (e == NULL)
        return;
    host = e->host;
    smartreply__lexicon_free(&host, e->lex);
    smartreply__model_free(&host, &e->model);
    host.free(host.ud, e);
}

static size_t rank_tokens(const sr_engine *e, const sr_token *toks, size_t n,
                          bool question, float *probs)
{
    const sr_model *m = &e->model;
    uint32_t feats[SR_MAX_FEATURES];
    float h[256];
    size_t nf, rows = (size_t)m->n_classes + 1, dim = m->dim;
    float maxl = 0.0f, sum = 0.0f;

    nf = smartreply__features(toks, n, question,
                              ((uint32_t)1 << m->bucket_bits) - 1, feats);
    if (nf == 0)
        return 0;
    memset(h, 0, sizeof(h));
    for (size_t i = 0; i < nf; i++) {
        float s = m->emb_scale[feats[i]];
        const int8_t *row = m->emb + (size_t)feats[i] * dim;
        if (s == 0.0f)
            continue;
        for (size_t d = 0; d < dim; d++)
            h[d] += s * (float)row[d];
    }
    for (size_t d = 0; d < dim; d++)
        h[d] /= (float)nf;
    for (size_t c = 0; c < rows; c++) {
        const int8_t *row = m->out + c * dim;
        float dot = 0.0f;
        for (size_t d = 0; d < dim; d++)
            dot += (float)row[d] * h[d];
        probs[c] = m->out_scale[c] * dot + (float)m->bias[c] / 65536.0f;
        if (c == 0 || probs[c] > maxl)
            maxl = probs[c];
    }
    for (size_t c = 0; c < rows; c++) {
        probs[c] = sr_exp_neg(probs[c] - maxl);
        sum += probs[c];
    }
    for (size_t c = 0; c < rows; c++)
        probs[c] /= sum;
    return rows;
}

size_t smartreply__engine_rank(const sr_engine *e, const char *text, size_t len,
                               float *probs)
{
    sr_token toks[SR_MAX_TOKENS];
    size_t n = smartreply__tokenize(text, len, toks, SR_MAX_TOKENS);
    return rank_tokens(e, toks, n, smartreply__is_question(text, len), probs);
}

const sr_model *smartreply__engine_model(const sr_engine *e)
{
    return &e->model;
}

static void add_reply(cairn_smartreply_output *out, const sr_model *m, size_t intent)
{
    const sr_intent *it = &m->intents[intent];
    for (uint32_t i = 0; i < out->count; i++)
        if (out->replies[i].intent == intent ||
            strcmp(out->replies[i].text, it->reply) == 0)
            return;
    if (out->count >= CAIRN_SMARTREPLY_MAX_SUGGESTIONS)
        return;
    out->replies[out->count].intent = (uint32_t)intent;
    out->replies[out->count].len = it->reply_len;
    memcpy(out->replies[out->count].text, it->reply, (size_t)it->reply_len + 1);
    out->count++;
}

static cairn_status builtin_suggest(void *state, const cairn_smartreply_message *msgs,
                                    size_t count, cairn_smartreply_output *out)
{
    const sr_engine *e = state;
    const sr_model *m;
    const cairn_smartreply_message *last;
    sr_token toks[SR_MAX_TOKENS];
    float probs[1025];
    size_t n, rows, order[CAIRN_SMARTREPLY_MAX_SUGGESTIONS + 1], k = 0;
    bool question;

    if (e == NULL || msgs == NULL || count == 0 || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    m = &e->model;
    memset(out, 0, sizeof(*out));
    last = &msgs[count - 1];
    if (last->from_me || last->text == NULL || last->len > SR_ENGINE_MAX_LATEST)
        return CAIRN_ERR_DECLINED;
    for (size_t i = 0; i < count; i++)
        if (msgs[i].text != NULL && smartreply__is_sensitive(e->lex, msgs[i].text, msgs[i].len))
            return CAIRN_ERR_DECLINED;
    n = smartreply__tokenize(last->text, last->len, toks, SR_MAX_TOKENS);
    if (!smartreply__is_english(m, toks, n))
        return CAIRN_ERR_DECLINED;
    question = smartreply__is_question(last->text, last->len);
    rows = rank_tokens(e, toks, n, question, probs);
    if (rows == 0)
        return CAIRN_OK;

    /* Top classes by probability, ties to the lower index. */
    for (size_t r = 0; r < CAIRN_SMARTREPLY_MAX_SUGGESTIONS + 1 && r < rows; r++) {
        size_t best = rows;
        for (size_t c = 0; c < rows; c++) {
            bool used = false;
            for (size_t j = 0; j < k; j++)
                used |= order[j] == c;
            if (!used && (best == rows || probs[c] > probs[best]))
                best = c;
        }
        order[k++] = best;
    }
    if (order[0] == 0 || probs[order[0]] < m->threshold)
        return CAIRN_OK;
    add_reply(out, m, order[0] - 1);
    if (smartreply__is_yes_no(toks, n, question) &&
        m->intents[order[0] - 1].pair != SR_NO_PAIR)
        add_reply(out, m, m->intents[order[0] - 1].pair);
    for (size_t j = 1; j < k; j++)
        if (order[j] != 0 && probs[order[j]] >= m->threshold2)
            add_reply(out, m, order[j] - 1);
    return CAIRN_OK;
}

static const cairn_smartreply_plugin builtin_plugin = {
    CAIRN_SMARTREPLY_ABI_VERSION,
    sizeof(cairn_smartreply_plugin),
    "builtin",
    builtin_create,
    builtin_suggest,
    builtin_destroy,
};

const cairn_smartreply_plugin *cairn_smartreply_builtin(void)
{
    return &builtin_plugin;
}
