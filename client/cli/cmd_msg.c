/*
 * cmd_msg.c - messaging commands: send, sync (receive and print events),
 * read (mark a conversation read: sends read receipts), history, groups
 * and files (with a progress bar).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_send(cli *c, int argc, char **argv)
{
    char buf[300], text[65536], id[CAIRN_MSG_ID_HEX];
    size_t n = 0;
    const char *conv;
    cairn_status rc;
    int r;
    if (cli_wants_help(argc, argv) || argc < 2)
        return cli_usage("usage: cairn [--json] send <uri|group:ID> <text...>\nSends a text to "
                         "every device of the user (or the group) and your other devices.\n");
    conv = cli_conv(argv[0], buf, sizeof(buf));
    for (int i = 1; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (n + l + 1 >= sizeof(text))
            return cli_usage("cairn: text too long\n");
        if (i > 1)
            text[n++] = ' ';
        memcpy(text + n, argv[i], l);
        n += l;
    }
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    rc = cairn_engine_send_text(c->eng, conv, text, n, id);
    if (rc != CAIRN_OK)
        return cli_fail(c, rc, "send");
    if (c->json)
        cli_json_out(json_pack("{s:s, s:s}", "sent", id, "to", conv));
    else
        printf("sent to %s (id %.8s)\n", conv, id);
    return CLI_OK;
}

int cmd_sync(cli *c, int argc, char **argv)
{
    int wait = 0, r;
    if (cli_wants_help(argc, argv))
        return cli_usage("usage: cairn [--json] sync [--wait SECONDS]\nReceives what is pending "
                         "(messages, receipts, typing, key changes...) and prints one event per "
                         "line; --wait keeps listening.\n");
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc)
            wait = atoi(argv[++i]);
        else
            return cli_usage("usage: cairn sync [--wait SECONDS]\n");
    }
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    r = cli_pump(c, wait * 1000);
    if (r == CLI_OK) {
        int up = 0;
        (void)cairn_engine_replenish(c->eng, &up);
    }
    return r;
}

typedef struct unread {
    char ids[256][CAIRN_MSG_ID_HEX];
    int n;
} unread;

static void collect_unread(void *ud, const cairn_history_item *it)
{
    unread *u = ud;
    if (!it->outgoing && it->status < 2 && u->n < 256)
        snprintf(u->ids[u->n++], CAIRN_MSG_ID_HEX, "%s", it->msg_id);
}

int cmd_read(cli *c, int argc, char **argv)
{
    char buf[300];
    const char *conv;
    static unread box; /* 8 KiB: static rather than on the stack */
    cairn_status rc = CAIRN_OK;
    int r, n;
    if (cli_wants_help(argc, argv) || argc != 1)
        return cli_usage("usage: cairn read <uri|group:ID>\nMarks the conversation read and "
                         "sends encrypted read receipts to the senders.\n");
    conv = cli_conv(argv[0], buf, sizeof(buf));
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    (void)cli_pump(c, 0);
    box.n = 0;
    rc = cairn_engine_history(c->eng, conv, 0, collect_unread, &box);
    for (int i = 0; i < box.n && rc == CAIRN_OK; i++)
        rc = cairn_engine_mark_read(c->eng, conv, box.ids[i]);
    n = box.n;
    if (rc != CAIRN_OK)
        return cli_fail(c, rc, "read");
    if (c->json)
        cli_json_out(json_pack("{s:s, s:i}", "conversation", conv, "marked_read", n));
    else
        printf("marked %d message(s) read in %s\n", n, conv);
    return CLI_OK;
}

static void hist_cb(void *ud, const cairn_history_item *it)
{
    cli *c = ud;
    static const char *marks[] = {"sent", "delivered", "read"};
    if (c->json) {
        json_array_append_new((json_t *)c->ud,
                              json_pack("{s:s, s:s, s:b, s:s, s:s%, s:I, s:s}", "msg_id",
                                        it->msg_id, "sender", it->sender, "outgoing", it->outgoing,
                                        "kind", it->kind == 4 ? "file" : "text", "text", it->text,
                                        it->text_len, "sent_ms", (json_int_t)it->sent_ms, "status",
                                        it->outgoing ? marks[it->status > 2 ? 2 : it->status]
                                                     : (it->status >= 2 ? "read" : "unread")));
        return;
    }
    printf("%s %-28s %s%.*s%s\n",
           it->outgoing ? (it->status == 2   ? "\u2713\u2713"
                           : it->status == 1 ? "\u2713 "
                                             : "  ")
                        : "  ",
           it->outgoing ? "you" : it->sender, it->kind == 4 ? "[file] " : "", (int)it->text_len,
           it->text, "");
}

int cmd_history(cli *c, int argc, char **argv)
{
    char buf[300];
    const char *conv;
    cairn_status rc;
    int r;
    if (cli_wants_help(argc, argv) || argc < 1 || argc > 2)
        return cli_usage("usage: cairn [--json] history <uri|group:ID> [COUNT]\n");
    conv = cli_conv(argv[0], buf, sizeof(buf));
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    c->ud = json_array();
    rc = cairn_engine_history(c->eng, conv, argc == 2 ? (size_t)atoi(argv[1]) : 50, hist_cb, c);
    if (rc != CAIRN_OK) {
        json_decref(c->ud);
        return cli_fail(c, rc, "history");
    }
    if (c->json)
        cli_json_out(c->ud);
    else
        json_decref(c->ud);
    return CLI_OK;
}

static const char GROUPS_HELP[] =
    "usage: cairn [--json] groups [list]\n"
    "       cairn groups create <name> <uri>...\n"
    "       cairn groups add <group-id> <uri>      (admin)\n"
    "       cairn groups remove <group-id> <uri>   (admin; rotates every key)\n"
    "       cairn groups leave <group-id>\n"
    "       cairn groups send <group-id> <text...>\n";

static void group_cb(void *ud, const char *gid, const char *name, const char *admin)
{
    cli *c = ud;
    if (c->json)
        json_array_append_new(
            (json_t *)c->ud, json_pack("{s:s, s:s, s:s}", "id", gid, "name", name, "admin", admin));
    else
        printf("%s  %-20s admin %s\n", gid, name, admin);
}

int cmd_groups(cli *c, int argc, char **argv)
{
    char buf[300], gid[CAIRN_GROUP_ID_HEX];
    cairn_status rc;
    int r;
    if (cli_wants_help(argc, argv))
        return cli_usage(GROUPS_HELP);
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    (void)cli_pump(c, 0);
    if (argc == 0 || strcmp(argv[0], "list") == 0) {
        c->ud = json_array();
        rc = cairn_engine_groups(c->eng, group_cb, c);
        if (c->json && rc == CAIRN_OK)
            cli_json_out(c->ud);
        else
            json_decref(c->ud);
        return rc == CAIRN_OK ? CLI_OK : cli_fail(c, rc, "groups");
    }
    if (strcmp(argv[0], "create") == 0 && argc >= 3) {
        const char *members[64];
        static char mbuf[64][300];
        size_t n = 0;
        for (int i = 2; i < argc && n < 64; i++, n++)
            members[n] = cli_conv(argv[i], mbuf[n], sizeof(mbuf[n]));
        rc = cairn_engine_group_create(c->eng, argv[1], members, n, gid);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "create group");
        if (c->json)
            cli_json_out(json_pack("{s:s, s:s}", "group", gid, "name", argv[1]));
        else
            printf("created group %s: %s\n", argv[1], gid);
        return CLI_OK;
    }
    if ((strcmp(argv[0], "add") == 0 || strcmp(argv[0], "remove") == 0) && argc == 3) {
        const char *uri = cli_conv(argv[2], buf, sizeof(buf));
        rc = argv[0][0] == 'a' ? cairn_engine_group_add(c->eng, argv[1], uri)
                               : cairn_engine_group_remove(c->eng, argv[1], uri);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, argv[0]);
        if (c->json)
            cli_json_out(
                json_pack("{s:s, s:s, s:s}", "group", argv[1], argv[0], uri, "status", "ok"));
        else
            printf("%s %s: %s (keys rotated)\n", argv[0][0] == 'a' ? "added" : "removed", uri,
                   argv[1]);
        return CLI_OK;
    }
    if (strcmp(argv[0], "leave") == 0 && argc == 2) {
        rc = cairn_engine_group_leave(c->eng, argv[1]);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "leave");
        if (!c->json)
            printf("left %s\n", argv[1]);
        return CLI_OK;
    }
    if (strcmp(argv[0], "send") == 0 && argc >= 3) {
        char text[4096], id[CAIRN_MSG_ID_HEX];
        size_t n = 0;
        for (int i = 2; i < argc; i++) {
            size_t l = strlen(argv[i]);
            if (n + l + 1 >= sizeof(text))
                return cli_usage("cairn: text too long\n");
            if (i > 2)
                text[n++] = ' ';
            memcpy(text + n, argv[i], l);
            n += l;
        }
        rc = cairn_engine_group_send(c->eng, argv[1], text, n, id);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "group send");
        if (c->json)
            cli_json_out(json_pack("{s:s, s:s}", "sent", id, "group", argv[1]));
        else
            printf("sent to group %s (id %.8s)\n", argv[1], id);
        return CLI_OK;
    }
    return cli_usage(GROUPS_HELP);
}

static const char FILES_HELP[] =
    "usage: cairn files send <uri|group:ID> <path> [--type MEDIA/TYPE]\n"
    "       cairn files get <conversation> <msg-id> <output-path>\n"
    "Files are encrypted under a fresh key, uploaded to the relay, and announced\n"
    "(URL, key, digest) inside the end-to-end encrypted message.\n";

int cmd_files(cli *c, int argc, char **argv)
{
    char buf[300], id[CAIRN_MSG_ID_HEX];
    cairn_status rc;
    int r;
    if (cli_wants_help(argc, argv))
        return cli_usage(FILES_HELP);
    if (argc >= 3 && strcmp(argv[0], "send") == 0) {
        const char *type = NULL;
        if (argc == 5 && strcmp(argv[3], "--type") == 0)
            type = argv[4];
        else if (argc != 3)
            return cli_usage(FILES_HELP);
        if ((r = cli_open(c, 0)) != CLI_OK)
            return r;
        rc = cairn_engine_send_file(c->eng, cli_conv(argv[1], buf, sizeof(buf)), argv[2], type,
                                    cli_progress, c, id);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "send file");
        if (c->json)
            cli_json_out(json_pack("{s:s}", "sent", id));
        else
            printf("file sent (id %s)\n", id);
        return CLI_OK;
    }
    if (argc == 4 && strcmp(argv[0], "get") == 0) {
        if ((r = cli_open(c, 0)) != CLI_OK)
            return r;
        rc = cairn_engine_file_download(c->eng, cli_conv(argv[1], buf, sizeof(buf)), argv[2],
                                        argv[3], cli_progress, c);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "get file");
        if (c->json)
            cli_json_out(json_pack("{s:s}", "saved", argv[3]));
        else
            printf("saved %s (digest and every chunk verified)\n", argv[3]);
        return CLI_OK;
    }
    return cli_usage(FILES_HELP);
}
