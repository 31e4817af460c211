/*
 * plugin_test.c - a third-party plugin shared object for the sandbox
 * tests (SR-10..SR-14). Its behaviour is chosen by the model blob:
 *   "echo"   replies with the latest message it saw and the window size
 *   "open"   tries to open a file inside suggest()
 *   "socket" tries to create a socket inside suggest()
 *   "spin"   never returns from suggest()
 *   "fail"   create() fails with CAIRN_ERR_DECODE
 * With SR_TEST_PLUGIN_ABI=bad in the environment the entry point offers an
 * unknown ABI version. Uses only libc and the public header.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cairn/smartreply.h"

typedef struct state {
    char mode[16];
} state;

static cairn_status t_create(const cairn_smartreply_host *host, const uint8_t *model,
                             size_t model_len, void **out)
{
    state *s;
    if (model_len == 4 && memcmp(model, "fail", 4) == 0)
        return CAIRN_ERR_DECODE;
    s = host->alloc(host->ud, sizeof(*s));
    if (s == NULL)
        return CAIRN_ERR_NOMEM;
    memset(s, 0, sizeof(*s));
    memcpy(s->mode, model, model_len < 15 ? model_len : 15);
    *out = s;
    return CAIRN_OK;
}

static cairn_status t_suggest(void *st, const cairn_smartreply_message *msgs,
                              size_t count, cairn_smartreply_output *out)
{
    state *s = st;
    const cairn_smartreply_message *last = &msgs[count - 1];
    if (strcmp(s->mode, "open") == 0) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0)
            close(fd);
    } else if (strcmp(s->mode, "socket") == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0)
            close(fd);
    } else if (strcmp(s->mode, "spin") == 0) {
        volatile unsigned long n = 0;
        for (;;)
            n++;
    }
    out->count = 2;
    out->replies[0].intent = 7;
    out->replies[0].len = (uint32_t)(last->len > CAIRN_SMARTREPLY_MAX_REPLY
                                         ? CAIRN_SMARTREPLY_MAX_REPLY : last->len);
    memcpy(out->replies[0].text, last->text, out->replies[0].len);
    out->replies[1].intent = 8;
    out->replies[1].len = (uint32_t)snprintf(out->replies[1].text,
                                             sizeof(out->replies[1].text), "n=%zu", count);
    return CAIRN_OK;
}

static void t_destroy(void *st)
{
    (void)st; /* arena memory: nothing to free */
}

static const cairn_smartreply_plugin plugin = {
    CAIRN_SMARTREPLY_ABI_VERSION, sizeof(cairn_smartreply_plugin), "test-plugin",
    t_create, t_suggest, t_destroy};

static const cairn_smartreply_plugin bad_plugin = {
    99, sizeof(cairn_smartreply_plugin), "bad-abi", t_create, t_suggest, t_destroy};

__attribute__((visibility("default"))) const cairn_smartreply_plugin *
cairn_smartreply_plugin_entry(uint32_t host_abi_version)
{
    const char *abi = getenv("SR_TEST_PLUGIN_ABI");
    if (abi != NULL && strcmp(abi, "bad") == 0)
        return &bad_plugin;
    return host_abi_version == CAIRN_SMARTREPLY_ABI_VERSION ? &plugin : NULL;
}
