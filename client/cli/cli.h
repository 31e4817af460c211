/*
 * cli.h - what the files of the `cairn` command share: global options,
 * where a profile lives (XDG directories), opening the engine, output in
 * text or JSON, and the exit codes (documented in cairn.1):
 *
 *   0 success                       4 relay or network failure
 *   1 other error                   5 refused for security (identity
 *   2 usage error                     changed, key-transparency alert,
 *   3 no account / no such user,      safety numbers differ)
 *     group or message              6 timed out
 */
#ifndef CAIRN_CLI_H
#define CAIRN_CLI_H

#include <stdio.h>

#include <jansson.h>

#include "cairn/cairn.h"
#include "cairn/engine.h"

enum {
    CLI_OK = 0,
    CLI_ERR = 1,
    CLI_USAGE = 2,
    CLI_NOTFOUND = 3,
    CLI_NETWORK = 4,
    CLI_SECURITY = 5,
    CLI_TIMEOUT = 6
};

typedef struct cli {
    int json;
    const char *profile;
    const char *home; /* --home: overrides both XDG directories */
    const char *relay;
    const char *relay_ca;
    const char *kt_url;
    const char *kt_sig_key;
    const char *kt_vrf_key;
    int require_kt;
    const char *auditor_url;
    const char *auditor_key;
    int require_auditor;
    int kt_monitor_hours; /* own-label search period (ENG-KT-4); 0: daily */
    const char *device_name;
    char data_dir[1024];
    char config_path[1100];
    char db_path[1100];
    char key_path[1100];
    cairn_context *ctx;
    cairn_engine *eng;
    /* event sink: sync/chat print events as they come */
    void (*on_event)(struct cli *c, const cairn_event *ev);
    void *ud;
} cli;

typedef int (*cli_cmd_fn)(cli *c, int argc, char **argv);

/* paths.c */
int cli_paths(cli *c);
/* Reads the profile's config file (key = value) into c where the command
 * line did not set a value. Missing file: fine. */
void cli_config_load(cli *c);
int cli_config_save(cli *c);
/* Opens the engine (creating the store and storage key when create). */
int cli_open(cli *c, int create);
void cli_close(cli *c);

/* util.c */
int cli_exit_code(cairn_status rc);
int cli_fail(cli *c, cairn_status rc, const char *what);
int cli_usage(const char *text);
int cli_wants_help(int argc, char **argv);
/* Prints a JSON value on one line to stdout and releases it. */
void cli_json_out(json_t *v);
/* "group:<id>" or a URI; adds "sip:" when the user typed "alice@host". */
const char *cli_conv(const char *arg, char *buf, size_t cap);
void cli_print_event(cli *c, const cairn_event *ev);
void cli_progress(void *ud, uint64_t done, uint64_t total);
/* Runs the engine loop for up to ms milliseconds (0: until idle). */
int cli_pump(cli *c, int ms);

/* qr.c: renders text/bytes as a QR code with half-block characters. */
int cli_qr_print(FILE *out, const uint8_t *data, size_t len);

/* commands */
int cmd_init(cli *c, int argc, char **argv);
int cmd_register(cli *c, int argc, char **argv);
int cmd_whoami(cli *c, int argc, char **argv);
int cmd_contacts(cli *c, int argc, char **argv);
int cmd_send(cli *c, int argc, char **argv);
int cmd_sync(cli *c, int argc, char **argv);
int cmd_read(cli *c, int argc, char **argv);
int cmd_history(cli *c, int argc, char **argv);
int cmd_groups(cli *c, int argc, char **argv);
int cmd_files(cli *c, int argc, char **argv);
int cmd_devices(cli *c, int argc, char **argv);
int cmd_verify(cli *c, int argc, char **argv);
int cmd_kt(cli *c, int argc, char **argv);
int cmd_chat(cli *c, int argc, char **argv);

#endif
