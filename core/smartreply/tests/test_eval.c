/*
 * test_eval.c - evaluates the committed model on the held-out set
 * (model/heldout.tsv, written apart from the training corpus) and on the
 * sensitive and non-English sets, asserts the goals and prints the
 * figures (SR-26):
 *   top-3 intent accuracy >= 0.85 on the held-out intents;
 *   zero suggestions for every sensitive and every non-English message.
 * Top-k is the classifier's ranking without gates; trigger rate and
 * precision go through the whole engine (gates, threshold, reply rules):
 * precision = of the messages that showed anything, the share whose true
 * intent was among the suggestions ("none" messages that trigger count
 * as wrong).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "support.h"

static cairn_context *ctx;
static cairn_smartreply_host host;

static void *h_alloc(void *ud, size_t n) { return cairn__alloc(ud, n); }
static void h_free(void *ud, void *p) { cairn__free(ud, p); }

static char *next_line(char **cursor)
{
    char *s = *cursor, *e;
    if (s == NULL || *s == '\0')
        return NULL;
    e = strchr(s, '\n');
    if (e != NULL) {
        *e = '\0';
        *cursor = e + 1;
    } else {
        *cursor = s + strlen(s);
    }
    return s;
}

static int intent_index(const sr_model *m, const char *name)
{
    if (strcmp(name, "none") == 0)
        return -1;
    for (int i = 0; i < m->n_classes; i++)
        if (strcmp(m->intents[i].name, name) == 0)
            return i;
    fprintf(stderr, "unknown intent %s\n", name);
    fail();
    return -2;
}

static void heldout_accuracy_and_precision(void **state)
{
    const cairn_smartreply_plugin *p = cairn_smartreply_builtin();
    size_t mlen, len;
    const uint8_t *model = srt_model(&mlen);
    char *data = cts_read_file(SR_MODEL_DIR "/heldout.tsv", &len), *cur = data, *line;
    void *engine = NULL;
    const sr_model *m;
    float probs[1025];
    size_t total = 0, top1 = 0, top3 = 0, triggered = 0, good = 0, declined = 0;
    size_t none_total = 0, none_triggered = 0, pairs = 0;
    (void)state;
    assert_non_null(data);
    assert_int_equal(p->create(&host, model, mlen, &engine), CAIRN_OK);
    m = smartreply__engine_model(engine);
    while ((line = next_line(&cur)) != NULL) {
        char *tab = strchr(line, '\t');
        cairn_smartreply_message msg;
        cairn_smartreply_output out;
        cairn_status st;
        int gold;
        if (line[0] == '#' || tab == NULL)
            continue;
        *tab = '\0';
        gold = intent_index(m, line);
        msg.text = tab + 1;
        msg.len = strlen(tab + 1);
        msg.from_me = 0;
        st = p->suggest(engine, &msg, 1, &out);
        assert_true(st == CAIRN_OK || st == CAIRN_ERR_DECLINED);
        if (gold < 0) {
            none_total++;
            if (st == CAIRN_OK && out.count > 0) {
                none_triggered++;
                triggered++;
            }
            continue;
        }
        total++;
        if (smartreply__engine_rank(engine, msg.text, msg.len, probs) > 0) {
            size_t better = 0;
            for (size_t c = 0; c <= m->n_classes; c++)
                better += probs[c] > probs[gold + 1];
            top1 += better == 0;
            top3 += better < 3;
        }
        if (st == CAIRN_ERR_DECLINED) {
            declined++;
            continue;
        }
        if (out.count > 0) {
            triggered++;
            for (uint32_t i = 0; i < out.count; i++) {
                good += out.replies[i].intent == (uint32_t)gold;
                pairs += out.replies[i].intent >= m->n_classes;
            }
        }
    }
    printf("held-out: %zu intent messages, %zu none messages, %u intents\n", total,
           none_total, m->n_classes);
    printf("  top-1 accuracy      %.3f\n", (double)top1 / (double)total);
    printf("  top-3 accuracy      %.3f   (goal >= 0.85)\n", (double)top3 / (double)total);
    printf("  trigger rate        %.3f   (intent messages that showed suggestions)\n",
           (double)(triggered - none_triggered) / (double)total);
    printf("  precision shown     %.3f   (triggered messages whose intent was shown)\n",
           triggered ? (double)good / (double)triggered : 1.0);
    printf("  none triggered      %zu / %zu\n", none_triggered, none_total);
    printf("  gate declines       %zu / %zu (false declines on ordinary messages)\n",
           declined, total);
    printf("  yes/no pair replies %zu\n", pairs);
    assert_true((double)top3 / (double)total >= 0.85);
    p->destroy(engine);
    free(data);
}

/* Through the public host: a file of messages must never yield a
 * suggestion. */
static void assert_silent_on(const char *path, const char *what)
{
    cairn_smartreply *sr = srt_host(ctx);
    size_t mlen, len, n = 0, silent = 0;
    const uint8_t *model = srt_model(&mlen);
    char *data = cts_read_file(path, &len), *cur = data, *line;
    assert_non_null(data);
    assert_int_equal(cairn_smartreply_add_plugin(sr, cairn_smartreply_builtin(), model, mlen, NULL),
                     CAIRN_OK);
    while ((line = next_line(&cur)) != NULL) {
        cairn_smartreply_list *l = NULL;
        cairn_status st;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        n++;
        st = srt_suggest1(sr, line, &l);
        if (st == CAIRN_ERR_DECLINED || (st == CAIRN_OK && l->count == 0)) {
            silent++;
        } else {
            fprintf(stderr, "%s message got suggestions: %s\n", what, line);
        }
        cairn_smartreply_list_free(sr, l);
    }
    printf("%s: %zu messages, %zu with no suggestion\n", what, n, silent);
    assert_true(n >= 50);
    assert_int_equal(silent, n);
    cairn_smartreply_destroy(sr);
    free(data);
}

static void no_suggestions_on_sensitive_topics(void **state)
{
    (void)state;
    assert_silent_on(SR_MODEL_DIR "/sensitive.txt", "sensitive");
}

static void no_suggestions_in_other_languages(void **state)
{
    (void)state;
    assert_silent_on(SR_MODEL_DIR "/non_english.txt", "non-English");
}

static int setup(void **state)
{
    (void)state;
    ctx = cts_context();
    host.abi_version = CAIRN_SMARTREPLY_ABI_VERSION;
    host.size = sizeof(host);
    host.ud = ctx;
    host.alloc = h_alloc;
    host.free = h_free;
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cairn_context_destroy(ctx);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heldout_accuracy_and_precision),
        cmocka_unit_test(no_suggestions_on_sensitive_topics),
        cmocka_unit_test(no_suggestions_in_other_languages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
