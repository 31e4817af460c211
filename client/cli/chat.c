/*
 * chat.c - `cairn chat`: an interactive conversation in the terminal.
 *
 * One loop polls the terminal and the engine fd. Incoming messages,
 * delivered/read marks and group changes are printed above the input
 * line, which is then redrawn. The input line is edited in raw mode
 * (arrows, Home/End, Ctrl-A/E/U, backspace by UTF-8 character, Up/Down
 * for the history of sent lines); Enter sends. Typing state is sent when
 * the line becomes non-empty (renewed every 4 s) and idle when it is
 * cleared or sent; a peer's "typing" shows until idle or 6 s pass.
 * With --suggest, on-device smart replies for the latest incoming message
 * are shown and Alt-1..3 (or Tab for the first) puts one in the line; what
 * is sent is an ordinary text (ENG-PL-13). Peer text is printed with
 * control characters replaced, so nobody can drive the terminal.
 *
 * Without a terminal on stdin, each input line is sent as a message and
 * events are printed as `cairn sync` prints them (scripts, tests).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cairn/smartreply.h"
#include "cli.h"

#define LINE_MAX_BYTES 4000
#define HIST 50
#define SENT_MAX 128
#define WINDOW 8

typedef struct chat {
    cli *c;
    const char *conv;
    char line[LINE_MAX_BYTES + 1];
    size_t len, cur;
    char hist[HIST][LINE_MAX_BYTES + 1];
    int nhist, hpos;
    struct {
        char id[CAIRN_MSG_ID_HEX];
        char text[40];
    } sent[SENT_MAX];
    int nsent;
    char typing_peer[CAIRN_URI_MAX + 1];
    int64_t typing_until;
    int64_t composing_sent;
    int composing;
    cairn_smartreply *sr;
    char sugg[3][256];
    int nsugg;
    struct {
        char text[512];
        int from_me;
    } recent[WINDOW];
    int nrecent;
    int tty;
    struct termios saved;
} chat;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void put_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        putchar(ch < 0x20 || ch == 0x7f ? '?' : ch);
    }
}

static size_t width_of(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            w++;
    return w;
}

static void redraw(chat *ch)
{
    size_t col;
    if (!ch->tty)
        return;
    printf("\r\033[K");
    col = 0;
    if (ch->typing_until > now_ms()) {
        printf("\033[2m%s is typing\u2026\033[0m ", ch->typing_peer);
        col += width_of(ch->typing_peer, strlen(ch->typing_peer)) + 12;
    }
    for (int i = 0; i < ch->nsugg; i++) {
        printf("\033[36m[Alt-%d] %s\033[0m ", i + 1, ch->sugg[i]);
        col += 9 + width_of(ch->sugg[i], strlen(ch->sugg[i]));
    }
    printf("> ");
    col += 2;
    put_safe(ch->line, ch->len);
    printf("\r");
    col += width_of(ch->line, ch->cur);
    if (col)
        printf("\033[%zuC", col);
    fflush(stdout);
}

/* Prints a line above the input line. */
static void say(chat *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(chat *ch, const char *fmt, ...)
{
    va_list ap;
    if (ch->tty)
        printf("\r\033[K");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    redraw(ch);
}

static void remember(chat *ch, const char *text, size_t n, int from_me)
{
    if (ch->nrecent == WINDOW) {
        memmove(&ch->recent[0], &ch->recent[1], sizeof(ch->recent[0]) * (WINDOW - 1));
        ch->nrecent--;
    }
    if (n >= sizeof(ch->recent[0].text))
        n = sizeof(ch->recent[0].text) - 1;
    memcpy(ch->recent[ch->nrecent].text, text, n);
    ch->recent[ch->nrecent].text[n] = '\0';
    ch->recent[ch->nrecent].from_me = from_me;
    ch->nrecent++;
}

static void suggest(chat *ch)
{
    cairn_smartreply_message msgs[WINDOW];
    cairn_smartreply_list *list = NULL;
    ch->nsugg = 0;
    if (ch->sr == NULL || ch->nrecent == 0)
        return;
    for (int i = 0; i < ch->nrecent; i++) {
        msgs[i].text = ch->recent[i].text;
        msgs[i].len = strlen(ch->recent[i].text);
        msgs[i].from_me = ch->recent[i].from_me;
    }
    if (cairn_smartreply_suggest(ch->sr, (const uint8_t *)ch->conv, strlen(ch->conv), msgs,
                                 (size_t)ch->nrecent, &list) != CAIRN_OK)
        return;
    for (size_t i = 0; i < list->count && i < 3; i++)
        snprintf(ch->sugg[ch->nsugg++], sizeof(ch->sugg[0]), "%s", list->items[i].text);
    cairn_smartreply_list_free(ch->sr, list);
}

static const char *sent_text(chat *ch, const char *id)
{
    for (int i = 0; i < ch->nsent; i++)
        if (strcmp(ch->sent[i].id, id) == 0)
            return ch->sent[i].text;
    return NULL;
}

static void on_event(cli *c, const cairn_event *ev)
{
    chat *ch = c->ud;
    const char *t;
    if (!ch->tty) {
        cli_print_event(c, ev);
        return;
    }
    if (ev->conversation && strcmp(ev->conversation, ch->conv) != 0 &&
        ev->type != CAIRN_EVENT_KT_ALERT && ev->type != CAIRN_EVENT_IDENTITY_CHANGED) {
        if (ev->type == CAIRN_EVENT_MESSAGE)
            say(ch, "\033[2m(new message in %s)\033[0m\n", ev->conversation);
        return;
    }
    switch (ev->type) {
    case CAIRN_EVENT_MESSAGE:
        if (ch->tty)
            printf("\r\033[K");
        printf("\033[1m%s\033[0m: ", ev->outgoing ? "you (other device)" : ev->peer);
        put_safe(ev->text, ev->text_len);
        printf("\n");
        remember(ch, ev->text, ev->text_len, ev->outgoing);
        if (strcmp(ev->peer, ch->typing_peer) == 0)
            ch->typing_until = 0;
        if (!ev->outgoing) {
            (void)cairn_engine_mark_read(c->eng, ev->conversation, ev->msg_id);
            suggest(ch);
        }
        redraw(ch);
        break;
    case CAIRN_EVENT_FILE:
        say(ch, "%s sent a file: %s (%llu bytes); fetch with: cairn files get %s %s <path>\n",
            ev->peer, ev->file_name, (unsigned long long)ev->file_size, ev->conversation,
            ev->msg_id);
        break;
    case CAIRN_EVENT_DELIVERED:
    case CAIRN_EVENT_READ:
        t = sent_text(ch, ev->msg_id);
        say(ch, "\033[2m  %s %s%s%s\033[0m\n",
            ev->type == CAIRN_EVENT_READ ? "\u2713\u2713 read" : "\u2713 delivered", t ? "\"" : "",
            t ? t : "", t ? "\"" : "");
        break;
    case CAIRN_EVENT_TYPING:
        snprintf(ch->typing_peer, sizeof(ch->typing_peer), "%s", ev->peer);
        ch->typing_until = ev->typing ? now_ms() + 6000 : 0;
        redraw(ch);
        break;
    default:
        if (ch->tty)
            printf("\r\033[K");
        cli_print_event(c, ev);
        redraw(ch);
        break;
    }
}

static void raw_on(chat *ch)
{
    struct termios t;
    if (tcgetattr(0, &ch->saved) != 0) {
        ch->tty = 0;
        return;
    }
    t = ch->saved;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
    t.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(0, TCSANOW, &t);
}

static void raw_off(chat *ch)
{
    if (ch->tty)
        tcsetattr(0, TCSANOW, &ch->saved);
}

static void set_composing(chat *ch, int on)
{
    int64_t now = now_ms();
    if (on && (!ch->composing || now - ch->composing_sent > 4000)) {
        (void)cairn_engine_send_typing(ch->c->eng, ch->conv, 1);
        ch->composing = 1;
        ch->composing_sent = now;
    } else if (!on && ch->composing) {
        (void)cairn_engine_send_typing(ch->c->eng, ch->conv, 0);
        ch->composing = 0;
    }
}

static int send_line(chat *ch, const char *text, size_t n)
{
    char id[CAIRN_MSG_ID_HEX];
    cairn_status rc;
    if (n == 0)
        return CLI_OK;
    rc = cairn_engine_send_text(ch->c->eng, ch->conv, text, n, id);
    if (rc != CAIRN_OK) {
        say(ch, "! not sent: %s %s\n", cairn_strerror(rc), cairn_engine_last_error(ch->c->eng));
        return cli_exit_code(rc);
    }
    if (ch->nsent == SENT_MAX) {
        memmove(&ch->sent[0], &ch->sent[1], sizeof(ch->sent[0]) * (SENT_MAX - 1));
        ch->nsent--;
    }
    memcpy(ch->sent[ch->nsent].id, id, sizeof(id));
    snprintf(ch->sent[ch->nsent].text, sizeof(ch->sent[0].text), "%.*s", (int)(n > 30 ? 30 : n),
             text);
    ch->nsent++;
    remember(ch, text, n, 1);
    ch->nsugg = 0;
    if (ch->tty) {
        printf("\r\033[K\033[1myou\033[0m: ");
        put_safe(text, n);
        printf("\n");
    } else if (ch->c->json) {
        cli_json_out(json_pack("{s:s, s:s}", "sent", id, "to", ch->conv));
    } else {
        printf("sent (id %.8s)\n", id);
    }
    return CLI_OK;
}

static void insert(chat *ch, const char *s, size_t n)
{
    if (ch->len + n > LINE_MAX_BYTES)
        return;
    memmove(ch->line + ch->cur + n, ch->line + ch->cur, ch->len - ch->cur);
    memcpy(ch->line + ch->cur, s, n);
    ch->len += n;
    ch->cur += n;
}

static void pick(chat *ch, int i)
{
    if (i < ch->nsugg) {
        ch->len = ch->cur = 0;
        insert(ch, ch->sugg[i], strlen(ch->sugg[i]));
    }
}

/* Handles one key sequence; returns 1 to quit. */
static int key(chat *ch, const unsigned char *k, size_t n)
{
    if (n == 0)
        return 0;
    if (k[0] == 3 || (k[0] == 4 && ch->len == 0))
        return 1;
    if (k[0] == '\r' || k[0] == '\n') {
        set_composing(ch, 0);
        if (ch->len) {
            memcpy(ch->hist[ch->nhist % HIST], ch->line, ch->len);
            ch->hist[ch->nhist % HIST][ch->len] = '\0';
            ch->nhist++;
            ch->hpos = ch->nhist;
            (void)send_line(ch, ch->line, ch->len);
        }
        ch->len = ch->cur = 0;
    } else if (k[0] == 0x7f || k[0] == 8) {
        while (ch->cur > 0) {
            unsigned char b = (unsigned char)ch->line[--ch->cur];
            memmove(ch->line + ch->cur, ch->line + ch->cur + 1, ch->len - ch->cur - 1);
            ch->len--;
            if ((b & 0xc0) != 0x80)
                break;
        }
    } else if (k[0] == 1) {
        ch->cur = 0;
    } else if (k[0] == 5) {
        ch->cur = ch->len;
    } else if (k[0] == 0x15) {
        ch->len = ch->cur = 0;
    } else if (k[0] == '\t') {
        pick(ch, 0);
    } else if (k[0] == 0x1b && n >= 2 && k[1] >= '1' && k[1] <= '3') {
        pick(ch, k[1] - '1');
    } else if (k[0] == 0x1b && n >= 3 && k[1] == '[') {
        if (k[2] == 'D')
            while (ch->cur > 0 && (((unsigned char)ch->line[--ch->cur]) & 0xc0) == 0x80) {
            }
        else if (k[2] == 'C')
            while (ch->cur < ch->len && (((unsigned char)ch->line[++ch->cur]) & 0xc0) == 0x80) {
            }
        else if (k[2] == 'H')
            ch->cur = 0;
        else if (k[2] == 'F')
            ch->cur = ch->len;
        else if ((k[2] == 'A' && ch->hpos > 0 && ch->hpos > ch->nhist - HIST) ||
                 (k[2] == 'B' && ch->hpos < ch->nhist)) {
            ch->hpos += k[2] == 'A' ? -1 : 1;
            if (ch->hpos == ch->nhist) {
                ch->len = 0;
            } else {
                ch->len = strlen(ch->hist[ch->hpos % HIST]);
                memcpy(ch->line, ch->hist[ch->hpos % HIST], ch->len);
            }
            ch->cur = ch->len;
        }
    } else if (k[0] >= 0x20 && k[0] != 0x1b) {
        insert(ch, (const char *)k, n);
    }
    if (ch->len > 0)
        set_composing(ch, 1);
    else
        set_composing(ch, 0);
    redraw(ch);
    return 0;
}

static void setup_suggestions(chat *ch)
{
    const char *path = getenv("CAIRN_SMARTREPLY_MODEL");
    FILE *f;
    static uint8_t model[4 * 1024 * 1024];
    size_t n;
#ifdef CAIRN_CLI_MODEL_PATH
    if (path == NULL)
        path = CAIRN_CLI_MODEL_PATH;
#endif
    if (path == NULL || (f = fopen(path, "rb")) == NULL)
        return;
    n = fread(model, 1, sizeof(model), f);
    fclose(f);
    if (cairn_smartreply_create(ch->c->ctx, &ch->sr) != CAIRN_OK)
        return;
    if (cairn_smartreply_add_plugin(ch->sr, cairn_smartreply_builtin(), model, n, NULL) !=
        CAIRN_OK) {
        cairn_smartreply_destroy(ch->sr);
        ch->sr = NULL;
        return;
    }
    /* SR-2: opted in globally and for this conversation by --suggest */
    cairn_smartreply_set_enabled(ch->sr, 1);
    (void)cairn_smartreply_set_conversation(ch->sr, (const uint8_t *)ch->conv, strlen(ch->conv), 1);
}

static void load_recent(void *ud, const cairn_history_item *it)
{
    chat *ch = ud;
    if (ch->tty) {
        printf("\033[2m%s: ", it->outgoing ? "you" : it->sender);
        put_safe(it->text, it->text_len);
        printf("%s\033[0m\n", it->outgoing ? (it->status == 2   ? "  \u2713\u2713"
                                              : it->status == 1 ? "  \u2713"
                                                                : "")
                                           : "");
    }
    if (it->kind == 1)
        remember(ch, it->text, it->text_len, it->outgoing);
}

int cmd_chat(cli *c, int argc, char **argv)
{
    static chat ch;
    char buf[300];
    int r, quit = 0, use_sugg = 0;
    const char *target = NULL;
    char pending[LINE_MAX_BYTES + 1];
    size_t plen = 0;

    if (cli_wants_help(argc, argv))
        return cli_usage(
            "usage: cairn chat <uri|group:ID> [--suggest]\n"
            "Interactive conversation. Enter sends; Up/Down recall sent lines; Left/Right,\n"
            "Home/End, Ctrl-A/E/U edit; Alt-1..3 (Tab: the first) take a smart-reply\n"
            "suggestion (--suggest opts in, computed on this device); Ctrl-C or Ctrl-D quits.\n"
            "Incoming messages, typing, and delivered/read marks show live.\n");
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--suggest") == 0)
            use_sugg = 1;
        else if (target == NULL)
            target = argv[i];
        else
            return cli_usage("usage: cairn chat <uri|group:ID> [--suggest]\n");
    }
    if (target == NULL)
        return cli_usage("usage: cairn chat <uri|group:ID> [--suggest]\n");
    memset(&ch, 0, sizeof(ch));
    ch.c = c;
    ch.conv = cli_conv(target, buf, sizeof(buf));
    ch.tty = isatty(0) && isatty(1);
    c->ud = &ch;
    c->on_event = on_event;
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    if (use_sugg)
        setup_suggestions(&ch);
    if (ch.tty)
        printf("chat with %s - Ctrl-C to quit\n", ch.conv);
    (void)cairn_engine_history(c->eng, ch.conv, 10, load_recent, &ch);
    if (ch.tty) {
        raw_on(&ch);
        suggest(&ch);
    }
    redraw(&ch);
    (void)cairn_engine_process(c->eng, NULL);
    while (!quit) {
        struct pollfd p[2];
        int next = 500, nfds = 1;
        p[0].fd = 0;
        p[0].events = POLLIN;
        p[1].fd = cairn_engine_fd(c->eng);
        p[1].events = POLLIN;
        if (p[1].fd >= 0)
            nfds = 2;
        if (poll(p, (nfds_t)nfds, next) < 0 && errno != EINTR)
            break;
        if (p[0].revents & (POLLIN | POLLHUP)) {
            unsigned char k[64];
            ssize_t n = read(0, k, sizeof(k));
            if (n <= 0) {
                if (plen)
                    (void)send_line(&ch, pending, plen);
                break;
            }
            if (ch.tty) {
                /* one key at a time: an escape sequence, a whole UTF-8
                 * character, or one byte */
                for (ssize_t i = 0; i < n && !quit;) {
                    size_t kl = 1;
                    if (k[i] == 0x1b && i + 1 < n)
                        kl = k[i + 1] == '[' && i + 2 < n ? 3 : 2;
                    else if (k[i] >= 0xf0)
                        kl = 4;
                    else if (k[i] >= 0xe0)
                        kl = 3;
                    else if (k[i] >= 0xc0)
                        kl = 2;
                    if (kl > (size_t)(n - i))
                        kl = (size_t)(n - i);
                    quit = key(&ch, k + i, kl);
                    i += (ssize_t)kl;
                }
            } else {
                for (ssize_t i = 0; i < n; i++) {
                    if (k[i] == '\n') {
                        (void)send_line(&ch, pending, plen);
                        plen = 0;
                    } else if (plen < LINE_MAX_BYTES) {
                        pending[plen++] = (char)k[i];
                    }
                }
            }
        }
        if (cairn_engine_process(c->eng, &next) != CAIRN_OK && !ch.tty)
            break;
        if (ch.typing_until && ch.typing_until <= now_ms()) {
            ch.typing_until = 0;
            redraw(&ch);
        }
    }
    if (!ch.tty)
        (void)cli_pump(c, 1000);
    set_composing(&ch, 0);
    raw_off(&ch);
    if (ch.tty)
        printf("\n");
    cairn_smartreply_destroy(ch.sr);
    return CLI_OK;
}
