/*
 * util.c - shared helpers of the `cairn` command: status to exit code,
 * error messages, JSON lines, event printing, the progress bar and the
 * engine loop driven from the command (poll on the engine fd).
 */
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_exit_code(cairn_status rc)
{
    switch (rc) {
    case CAIRN_OK:
        return CLI_OK;
    case CAIRN_ERR_INVALID_ARG:
        return CLI_USAGE;
    case CAIRN_ERR_NOT_FOUND:
    case CAIRN_ERR_NOT_MEMBER:
        return CLI_NOTFOUND;
    case CAIRN_ERR_NETWORK:
    case CAIRN_ERR_TLS:
    case CAIRN_ERR_IO:
    case CAIRN_ERR_PROTOCOL:
    case CAIRN_ERR_AUTH:
    case CAIRN_ERR_STALE:
        return CLI_NETWORK;
    case CAIRN_ERR_IDENTITY_CHANGED:
    case CAIRN_ERR_PROOF:
    case CAIRN_ERR_BAD_KEY:
    case CAIRN_ERR_BAD_SIGNATURE:
        return CLI_SECURITY;
    case CAIRN_ERR_TIMEOUT:
        return CLI_TIMEOUT;
    default:
        return CLI_ERR;
    }
}

int cli_fail(cli *c, cairn_status rc, const char *what)
{
    const char *detail = c->eng ? cairn_engine_last_error(c->eng) : "";
    if (c->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "error", cairn_status_name(rc), "what", what,
                              "reason", cairn_strerror(rc), "detail", detail ? detail : "");
        cli_json_out(j);
    }
    fprintf(stderr, "cairn: %s: %s%s%s\n", what, cairn_strerror(rc), detail && *detail ? " - " : "",
            detail ? detail : "");
    return cli_exit_code(rc);
}

int cli_usage(const char *text)
{
    fputs(text, stderr);
    return CLI_USAGE;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

void cli_json_out(json_t *v)
{
    if (v == NULL)
        return;
    json_dumpf(v, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(v);
}

const char *cli_conv(const char *arg, char *buf, size_t cap)
{
    if (strncmp(arg, "group:", 6) == 0 || strncmp(arg, "sip:", 4) == 0 ||
        strncmp(arg, "sips:", 5) == 0 || strncmp(arg, "tel:", 4) == 0)
        return arg;
    snprintf(buf, cap, "sip:%s", arg);
    return buf;
}

static const char *type_name(cairn_event_type t)
{
    switch (t) {
    case CAIRN_EVENT_MESSAGE:
        return "message";
    case CAIRN_EVENT_FILE:
        return "file";
    case CAIRN_EVENT_DELIVERED:
        return "delivered";
    case CAIRN_EVENT_READ:
        return "read";
    case CAIRN_EVENT_TYPING:
        return "typing";
    case CAIRN_EVENT_IDENTITY_CHANGED:
        return "identity-changed";
    case CAIRN_EVENT_KT_ALERT:
        return "kt-alert";
    case CAIRN_EVENT_DEVICE_LINKED:
        return "device-linked";
    case CAIRN_EVENT_GROUP:
        return "group";
    }
    return "unknown";
}

/* Text for a terminal: control characters become '?', so a peer cannot
 * drive the terminal with escape sequences. */
static void safe_print(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
    }
}

void cli_print_event(cli *c, const cairn_event *ev)
{
    if (c->json) {
        json_t *j = json_pack("{s:s}", "event", type_name(ev->type));
        if (ev->peer)
            json_object_set_new(j, "peer", json_string(ev->peer));
        if (ev->device)
            json_object_set_new(j, "device", json_integer(ev->device));
        if (ev->conversation)
            json_object_set_new(j, "conversation", json_string(ev->conversation));
        if (ev->group_id)
            json_object_set_new(j, "group", json_string(ev->group_id));
        if (ev->msg_id)
            json_object_set_new(j, "msg_id", json_string(ev->msg_id));
        if (ev->text)
            json_object_set_new(j, "text", json_stringn(ev->text, ev->text_len));
        if (ev->sent_ms)
            json_object_set_new(j, "sent_ms", json_integer(ev->sent_ms));
        if (ev->type == CAIRN_EVENT_MESSAGE || ev->type == CAIRN_EVENT_FILE)
            json_object_set_new(j, "outgoing", json_boolean(ev->outgoing));
        if (ev->type == CAIRN_EVENT_TYPING)
            json_object_set_new(j, "typing", json_boolean(ev->typing));
        if (ev->file_name) {
            json_object_set_new(j, "file_name", json_string(ev->file_name));
            json_object_set_new(j, "file_size", json_integer((json_int_t)ev->file_size));
        }
        if (ev->type == CAIRN_EVENT_IDENTITY_CHANGED)
            json_object_set_new(j, "kt_confirmed", json_boolean(ev->kt_confirmed));
        if (ev->detail)
            json_object_set_new(j, "detail", json_string(ev->detail));
        cli_json_out(j);
        return;
    }
    switch (ev->type) {
    case CAIRN_EVENT_MESSAGE:
        if (ev->group_id)
            printf("[%s] ", ev->conversation);
        if (ev->outgoing)
            printf("(you, other device) -> %s: ", ev->conversation);
        else
            printf("%s: ", ev->peer);
        safe_print(stdout, ev->text, ev->text_len);
        printf("  (id %.8s)\n", ev->msg_id);
        break;
    case CAIRN_EVENT_FILE:
        printf("%s%s sent a file: %s (%llu bytes) - cairn files get %s %s <path>\n",
               ev->group_id ? "[group] " : "", ev->peer, ev->file_name,
               (unsigned long long)ev->file_size, ev->conversation, ev->msg_id);
        break;
    case CAIRN_EVENT_DELIVERED:
        printf("  \u2713 delivered to %s (id %.8s)\n", ev->peer, ev->msg_id);
        break;
    case CAIRN_EVENT_READ:
        printf("  \u2713\u2713 read by %s (id %.8s)\n", ev->peer, ev->msg_id);
        break;
    case CAIRN_EVENT_TYPING:
        printf("  %s %s\n", ev->peer, ev->typing ? "is typing..." : "stopped typing");
        break;
    case CAIRN_EVENT_IDENTITY_CHANGED:
        printf("! %s has a NEW identity key%s. Compare safety numbers (cairn verify %s), then "
               "accept with: cairn verify --accept %s\n",
               ev->peer, ev->kt_confirmed ? " (confirmed by key transparency)" : "", ev->peer,
               ev->peer);
        break;
    case CAIRN_EVENT_KT_ALERT:
        printf("!! KEY TRANSPARENCY ALERT for %s: %s\n", ev->peer ? ev->peer : "?",
               ev->detail ? ev->detail : "");
        break;
    case CAIRN_EVENT_DEVICE_LINKED:
        printf("* device %u was linked to this account\n", ev->device);
        break;
    case CAIRN_EVENT_GROUP:
        printf("* group %s: %s (by %s)\n", ev->group_id, ev->detail ? ev->detail : "", ev->peer);
        break;
    }
    fflush(stdout);
}

void cli_progress(void *ud, uint64_t done, uint64_t total)
{
    cli *c = ud;
    int width = 30, fill;
    if (c && c->json)
        return;
    fill = total ? (int)((double)done / (double)total * width) : width;
    fprintf(stderr, "\r  [");
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%% %llu/%llu bytes", total ? (int)(done * 100 / total) : 100,
            (unsigned long long)done, (unsigned long long)total);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int cli_pump(cli *c, int ms)
{
    int64_t end = now_ms() + ms;
    cairn_status rc;
    int next = 0;
    rc = cairn_engine_process(c->eng, &next);
    while (rc == CAIRN_OK && now_ms() < end) {
        struct pollfd p = {cairn_engine_fd(c->eng), POLLIN, 0};
        int64_t left = end - now_ms();
        int wait = next < left ? next : (int)left;
        if (p.fd >= 0)
            (void)poll(&p, 1, wait > 0 ? wait : 0);
        else
            usleep((useconds_t)(wait > 0 ? wait : 0) * 1000);
        rc = cairn_engine_process(c->eng, &next);
    }
    return rc == CAIRN_OK ? CLI_OK : cli_fail(c, rc, "receiving");
}
