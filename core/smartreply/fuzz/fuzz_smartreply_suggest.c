/*
 * fuzz_smartreply_suggest.c - the host's suggest path on hostile input:
 * the input is split at 0x1E bytes into up to 16 messages (a leading 0x01
 * byte marks a message as the user's own), then passed through the
 * window, sanitising, masking and the built-in engine. Whatever comes
 * back must be at most three clean, distinct-intent suggestions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/smartreply.h"

static cairn_context *ctx;
static cairn_smartreply *sr;

static void setup(void)
{
    FILE *f;
    long n;
    uint8_t *model;
    if (sr != NULL)
        return;
    if (cairn_context_create(NULL, &ctx) != CAIRN_OK ||
        cairn_smartreply_create(ctx, &sr) != CAIRN_OK)
        abort();
    cairn_smartreply_set_enabled(sr, 1);
    if (cairn_smartreply_set_conversation(sr, (const uint8_t *)"c", 1, 1) != CAIRN_OK)
        abort();
    f = fopen(SR_MODEL_PATH, "rb");
    if (f == NULL)
        abort();
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    model = malloc((size_t)n);
    if (model == NULL || fread(model, 1, (size_t)n, f) != (size_t)n)
        abort();
    fclose(f);
    if (cairn_smartreply_add_plugin(sr, cairn_smartreply_builtin(), model, (size_t)n, NULL) !=
        CAIRN_OK)
        abort();
    free(model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_smartreply_message msgs[16];
    cairn_smartreply_list *l = NULL;
    size_t n = 0, start = 0;
    setup();
    for (size_t i = 0; i <= size && n < 16; i++) {
        if (i == size || data[i] == 0x1E) {
            const uint8_t *s = data + start;
            size_t len = i - start;
            int mine = len > 0 && s[0] == 0x01;
            msgs[n].text = (const char *)(mine ? s + 1 : s);
            msgs[n].len = mine ? len - 1 : len;
            msgs[n].from_me = mine;
            n++;
            start = i + 1;
        }
    }
    if (cairn_smartreply_suggest(sr, (const uint8_t *)"c", 1, msgs, n, &l) == CAIRN_OK) {
        if (l->count > CAIRN_SMARTREPLY_MAX_SUGGESTIONS)
            abort();
        for (size_t i = 0; i < l->count; i++) {
            if (l->items[i].len == 0 || l->items[i].text[l->items[i].len] != '\0')
                abort();
            for (size_t j = 0; j < i; j++)
                if (l->items[i].intent == l->items[j].intent)
                    abort();
        }
        cairn_smartreply_list_free(sr, l);
    }
    return 0;
}
