/*
 * main.c - `cairn`, the command-line messenger: global options, then a
 * subcommand. Every subcommand answers --help; read commands answer
 * --json (one JSON value per line). Exit codes: cli.h and cairn.1.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    cli_cmd_fn fn;
    const char *what;
} CMDS[] = {
    {"init", cmd_init, "create the account (device 1) and register it"},
    {"register", cmd_register, "register this device again, publish keys"},
    {"whoami", cmd_whoami, "show this account"},
    {"contacts", cmd_contacts, "list contacts and their verification state"},
    {"send", cmd_send, "send a text"},
    {"sync", cmd_sync, "receive and print what is pending"},
    {"read", cmd_read, "mark a conversation read (sends read receipts)"},
    {"history", cmd_history, "show a conversation"},
    {"chat", cmd_chat, "interactive conversation"},
    {"groups", cmd_groups, "list, create, add, remove, leave, send"},
    {"files", cmd_files, "send or fetch an encrypted file"},
    {"devices", cmd_devices, "list devices, link a new one"},
    {"verify", cmd_verify, "safety number and QR; mark verified; accept a new key"},
    {"kt", cmd_kt, "key-transparency status and self-check"},
};

static int usage(FILE *f)
{
    fprintf(f, "usage: cairn [global options] <command> [args]\n\n"
               "global options:\n"
               "  --profile NAME     account profile (default: default)\n"
               "  --home DIR         keep data and config under DIR (instead of XDG dirs)\n"
               "  --json             machine-readable output (one JSON value per line)\n"
               "  --relay URL        relay: https://host:port/?sip=PORT or dir:/path\n"
               "  --relay-ca FILE    certificate (or CA) that authenticates the relay\n"
               "  --kt-url URL       key-transparency directory\n"
               "  --kt-keys SIG:VRF  the directory's public keys (hex)\n"
               "  --require-kt       refuse contacts the directory cannot vouch for\n"
               "  --auditor URL      gossip verified tree heads to this auditor\n"
               "  --auditor-key HEX  require tree heads signed by this auditor\n"
               "  --kt-monitor-hours N  check this account's own key every N hours (1..24)\n"
               "  --device-name NAME name shown to your other devices\n"
               "  --version, --help\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(CMDS) / sizeof(CMDS[0]); i++)
        fprintf(f, "  %-10s %s\n", CMDS[i].name, CMDS[i].what);
    fprintf(f, "\n`cairn <command> --help` describes each; see cairn(1).\n");
    return f == stdout ? CLI_OK : CLI_USAGE;
}

int main(int argc, char **argv)
{
    static cli c;
    static char keys[300];
    int i = 1, r;
    memset(&c, 0, sizeof(c));
    c.profile = getenv("CAIRN_PROFILE") ? getenv("CAIRN_PROFILE") : "default";
    c.home = getenv("CAIRN_HOME");
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) {
            c.json = 1;
        } else if (strcmp(a, "--require-kt") == 0) {
            c.require_kt = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            return usage(stdout);
        } else if (strcmp(a, "--version") == 0) {
            printf("cairn %s\n", cairn_version_string());
            return CLI_OK;
        } else if (v && strcmp(a, "--profile") == 0) {
            c.profile = v, i++;
        } else if (v && strcmp(a, "--home") == 0) {
            c.home = v, i++;
        } else if (v && strcmp(a, "--relay") == 0) {
            c.relay = v, i++;
        } else if (v && strcmp(a, "--relay-ca") == 0) {
            c.relay_ca = v, i++;
        } else if (v && strcmp(a, "--kt-url") == 0) {
            c.kt_url = v, i++;
        } else if (v && strcmp(a, "--auditor") == 0) {
            c.auditor_url = v, i++;
        } else if (v && strcmp(a, "--auditor-key") == 0) {
            c.auditor_key = v, c.require_auditor = 1, i++;
        } else if (v && strcmp(a, "--kt-monitor-hours") == 0) {
            c.kt_monitor_hours = atoi(v), i++;
            if (c.kt_monitor_hours < 1 || c.kt_monitor_hours > 24)
                return usage(stderr);
        } else if (v && strcmp(a, "--device-name") == 0) {
            c.device_name = v, i++;
        } else if (v && strcmp(a, "--kt-keys") == 0) {
            char *colon;
            snprintf(keys, sizeof(keys), "%s", v);
            colon = strchr(keys, ':');
            if (colon == NULL)
                return usage(stderr);
            *colon = '\0';
            c.kt_sig_key = keys;
            c.kt_vrf_key = colon + 1;
            i++;
        } else {
            fprintf(stderr, "cairn: unknown option %s\n", a);
            return usage(stderr);
        }
    }
    if (i >= argc)
        return usage(stderr);
    r = cli_paths(&c);
    if (r != CLI_OK)
        return r;
    cli_config_load(&c);
    for (size_t k = 0; k < sizeof(CMDS) / sizeof(CMDS[0]); k++) {
        if (strcmp(argv[i], CMDS[k].name) == 0) {
            r = CMDS[k].fn(&c, argc - i - 1, argv + i + 1);
            cli_close(&c);
            return r;
        }
    }
    fprintf(stderr, "cairn: unknown command '%s'\n", argv[i]);
    return usage(stderr);
}
