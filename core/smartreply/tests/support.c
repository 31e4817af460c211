/*
 * support.c - see support.h.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

const uint8_t *srt_model(size_t *len)
{
    static char *model;
    static size_t model_len;
    if (model == NULL)
        model = cts_read_file(SR_MODEL_PATH, &model_len);
    assert_non_null(model);
    *len = model_len;
    return (const uint8_t *)model;
}

cairn_smartreply *srt_host(cairn_context *ctx)
{
    cairn_smartreply *sr = NULL;
    assert_int_equal(cairn_smartreply_create(ctx, &sr), CAIRN_OK);
    cairn_smartreply_set_enabled(sr, 1);
    assert_int_equal(cairn_smartreply_set_conversation(sr, SR_CONV, SR_CONV_LEN, 1), CAIRN_OK);
    return sr;
}

void srt_msgs(cairn_smartreply_message *msgs, const char *const *texts,
              const int *from_me, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        msgs[i].text = texts[i];
        msgs[i].len = strlen(texts[i]);
        msgs[i].from_me = from_me ? from_me[i] : 0;
    }
}

cairn_status srt_suggest1(cairn_smartreply *sr, const char *text,
                          cairn_smartreply_list **out)
{
    cairn_smartreply_message m = {text, strlen(text), 0};
    return cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, &m, 1, out);
}
