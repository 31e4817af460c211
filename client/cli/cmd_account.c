/*
 * cmd_account.c - account-level commands: init, register, whoami,
 * contacts, devices (list, link a new device, approve it), verify (safety
 * number, QR, marking verified, accepting a changed key) and kt.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

static const char INIT_HELP[] =
    "usage: cairn [--home DIR] [--profile NAME] init <uri> --relay <url> [--kt-url URL]\n"
    "             [--kt-keys SIG:VRF] [--require-kt] [--device-name NAME]\n"
    "Creates this profile's account as device 1 of <uri> (e.g. sip:alice@example.org),\n"
    "registers it with the relay and publishes its keys.\n";

int cmd_init(cli *c, int argc, char **argv)
{
    char buf[300];
    const char *uri;
    cairn_status rc;
    int r;
    if (cli_wants_help(argc, argv) || argc != 1)
        return cli_usage(INIT_HELP);
    if (c->relay == NULL) {
        fprintf(stderr, "cairn: init needs --relay\n");
        return CLI_USAGE;
    }
    uri = cli_conv(argv[0], buf, sizeof(buf));
    r = cli_open(c, 1);
    if (r != CLI_OK)
        return r;
    rc = cairn_engine_create_account(c->eng, uri);
    if (rc != CAIRN_OK)
        return cli_fail(c, rc, "init");
    if (cli_config_save(c) != CLI_OK)
        fprintf(stderr, "cairn: warning: could not write %s\n", c->config_path);
    if (c->json)
        cli_json_out(json_pack("{s:s, s:i, s:s}", "uri", uri, "device", 1, "relay", c->relay));
    else
        printf("created %s (device 1) at %s\n", uri, c->relay);
    return CLI_OK;
}

int cmd_register(cli *c, int argc, char **argv)
{
    cairn_status rc;
    int uploaded = 0, r;
    (void)argv;
    if (cli_wants_help(argc, argv) || argc != 0)
        return cli_usage("usage: cairn register\nRegisters this device with its relay again and "
                         "publishes its keys (idempotent); uploads fresh pre-keys when low.\n");
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    rc = cairn_engine_register(c->eng);
    if (rc == CAIRN_OK)
        rc = cairn_engine_replenish(c->eng, &uploaded);
    if (rc != CAIRN_OK)
        return cli_fail(c, rc, "register");
    if (c->json)
        cli_json_out(json_pack("{s:b}", "registered", 1));
    else
        printf("registered; keys published\n");
    return CLI_OK;
}

static void fingerprint(const uint8_t *key, char *out)
{
    /* the identity key in groups of four hex digits, for eyes */
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 1; i < CAIRN_PUBLIC_KEY_BYTES; i++) {
        out[o++] = hx[key[i] >> 4];
        out[o++] = hx[key[i] & 15];
        if (i % 2 == 0 && i + 1 < CAIRN_PUBLIC_KEY_BYTES)
            out[o++] = ' ';
    }
    out[o] = '\0';
}

int cmd_whoami(cli *c, int argc, char **argv)
{
    char uri[CAIRN_URI_MAX + 1], fp[100];
    uint32_t device = 0, devs[32];
    uint8_t key[CAIRN_PUBLIC_KEY_BYTES];
    size_t nd = 0;
    cairn_status rc;
    int r;
    if (cli_wants_help(argc, argv) || argc != 0)
        return cli_usage("usage: cairn [--json] whoami\nShows this account: URI, device, "
                         "identity key fingerprint, relay, known devices.\n");
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    rc = cairn_account_identity(cairn_engine_account(c->eng), uri, sizeof(uri), &device, key, NULL);
    if (rc != CAIRN_OK)
        return cli_fail(c, rc, "whoami");
    (void)cairn_engine_devices(c->eng, NULL, devs, 32, &nd);
    fingerprint(key, fp);
    if (c->json) {
        json_t *d = json_array();
        for (size_t i = 0; i < nd; i++)
            json_array_append_new(d, json_integer(devs[i]));
        char b64[64];
        sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
        cli_json_out(json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:o}", "uri", uri, "device",
                               (int)device, "identity", fp, "identity_key", b64, "profile",
                               c->profile, "relay", c->relay ? c->relay : "", "devices", d));
    } else {
        printf("%s, device %u (profile %s)\nidentity key: %s\nrelay: %s\ndevices:", uri, device,
               c->profile, fp, c->relay ? c->relay : "(stored in account)");
        for (size_t i = 0; i < nd; i++)
            printf(" %u", devs[i]);
        printf("\n");
    }
    return CLI_OK;
}

static void contact_cb(void *ud, const char *uri, int verified, int kt)
{
    cli *c = ud;
    static const char *kts[] = {"not checked", "verified by key transparency", "ALERT"};
    if (c->json)
        json_array_append_new((json_t *)c->ud,
                              json_pack("{s:s, s:b, s:s}", "uri", uri, "verified", verified, "kt",
                                        kt == 1   ? "verified"
                                        : kt == 2 ? "alert"
                                                  : "unchecked"));
    else
        printf("%-40s %s  kt: %s\n", uri, verified ? "verified  " : "unverified",
               kts[kt >= 0 && kt <= 2 ? kt : 0]);
}

int cmd_contacts(cli *c, int argc, char **argv)
{
    cairn_status rc;
    int r;
    if (cli_wants_help(argc, argv) || argc != 0)
        return cli_usage("usage: cairn [--json] contacts\nLists contacts, whether you verified "
                         "their safety number, and their key-transparency state.\n");
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    c->ud = json_array();
    rc = cairn_engine_contacts(c->eng, contact_cb, c);
    if (rc != CAIRN_OK) {
        json_decref(c->ud);
        return cli_fail(c, rc, "contacts");
    }
    if (c->json)
        cli_json_out(c->ud);
    else
        json_decref(c->ud);
    return CLI_OK;
}

static const char DEVICES_HELP[] =
    "usage: cairn devices [list]\n"
    "       cairn --relay URL devices link       (on the NEW device: shows a code and QR, waits)\n"
    "       cairn devices approve <code>         (on the EXISTING device)\n"
    "       cairn devices remove <id>            (unlink another device of this account)\n";

int cmd_devices(cli *c, int argc, char **argv)
{
    cairn_status rc;
    int r;
    if (cli_wants_help(argc, argv))
        return cli_usage(DEVICES_HELP);
    if (argc == 0 || strcmp(argv[0], "list") == 0) {
        uint32_t devs[32];
        size_t nd = 0;
        if ((r = cli_open(c, 0)) != CLI_OK)
            return r;
        (void)cli_pump(c, 0);
        rc = cairn_engine_devices(c->eng, NULL, devs, 32, &nd);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "devices");
        if (c->json) {
            json_t *a = json_array();
            for (size_t i = 0; i < nd; i++)
                json_array_append_new(a, json_integer(devs[i]));
            cli_json_out(json_pack("{s:o}", "devices", a));
        } else {
            for (size_t i = 0; i < nd; i++)
                printf("device %u\n", devs[i]);
        }
        return CLI_OK;
    }
    if (strcmp(argv[0], "link") == 0 && argc == 1) {
        char code[CAIRN_LINK_CODE_LEN], qr[CAIRN_LINK_QR_LEN];
        if (c->relay == NULL) {
            fprintf(stderr, "cairn: devices link needs --relay (the account's relay)\n");
            return CLI_USAGE;
        }
        if ((r = cli_open(c, 1)) != CLI_OK)
            return r;
        rc = cairn_engine_link_begin(c->eng, code, qr);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "link");
        if (c->json) {
            cli_json_out(json_pack("{s:s, s:s}", "code", code, "qr", qr));
        } else {
            printf("On your existing device run:\n\n    cairn devices approve %s\n\nor scan:\n",
                   code);
            cli_qr_print(stdout, (const uint8_t *)qr, strlen(qr));
            printf("waiting...\n");
        }
        fflush(stdout);
        rc = cairn_engine_link_finish(c->eng, 300000);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "link");
        (void)cli_config_save(c);
        {
            char uri[CAIRN_URI_MAX + 1];
            uint32_t dev = 0;
            (void)cairn_account_identity(cairn_engine_account(c->eng), uri, sizeof(uri), &dev, NULL,
                                         NULL);
            if (c->json)
                cli_json_out(json_pack("{s:s, s:i}", "linked", uri, "device", (int)dev));
            else
                printf("linked: this is device %u of %s\n", dev, uri);
        }
        return CLI_OK;
    }
    if (strcmp(argv[0], "approve") == 0 && argc == 2) {
        uint32_t dev = 0;
        if ((r = cli_open(c, 0)) != CLI_OK)
            return r;
        rc = cairn_engine_link_approve(c->eng, argv[1], 60000, &dev);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "approve");
        if (c->json)
            cli_json_out(json_pack("{s:i}", "approved_device", (int)dev));
        else
            printf("sent the account to the new device (device %u)\n", dev);
        return CLI_OK;
    }
    if (strcmp(argv[0], "remove") == 0 && argc == 2) {
        char *end;
        unsigned long id = strtoul(argv[1], &end, 10);
        if (argv[1][0] < '1' || argv[1][0] > '9' || *end != '\0' || id > 0x7fffffff)
            return cli_usage(DEVICES_HELP);
        if ((r = cli_open(c, 0)) != CLI_OK)
            return r;
        rc = cairn_engine_device_remove(c->eng, (uint32_t)id);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "remove");
        if (c->json)
            cli_json_out(json_pack("{s:i}", "removed_device", (int)id));
        else
            printf("removed device %lu\n", id);
        return CLI_OK;
    }
    return cli_usage(DEVICES_HELP);
}

static const char VERIFY_HELP[] =
    "usage: cairn [--json] verify <uri> [--mark | --unmark | --accept]\n"
    "Shows the safety number shared with <uri> and its QR code; compare it with\n"
    "theirs. --mark records that you verified it, --accept trusts a changed key.\n";

int cmd_verify(cli *c, int argc, char **argv)
{
    char buf[300], digits[CAIRN_SAFETY_NUMBER_DIGITS + 1];
    uint8_t scan[CAIRN_SCANNABLE_MAX];
    size_t slen = 0;
    const char *uri = NULL;
    int mark = -1, accept = 0, r;
    cairn_status rc;
    if (cli_wants_help(argc, argv))
        return cli_usage(VERIFY_HELP);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--mark") == 0)
            mark = 1;
        else if (strcmp(argv[i], "--unmark") == 0)
            mark = 0;
        else if (strcmp(argv[i], "--accept") == 0)
            accept = 1;
        else if (uri == NULL && argv[i][0] != '-')
            uri = cli_conv(argv[i], buf, sizeof(buf));
        else
            return cli_usage(VERIFY_HELP);
    }
    if (uri == NULL)
        return cli_usage(VERIFY_HELP);
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    if (accept) {
        rc = cairn_engine_identity_accept(c->eng, uri);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "accept");
    }
    rc = cairn_engine_safety_number(c->eng, uri, digits, scan, &slen);
    if (rc != CAIRN_OK)
        return cli_fail(c, rc, "verify");
    if (mark >= 0 && (rc = cairn_engine_set_verified(c->eng, uri, mark)) != CAIRN_OK)
        return cli_fail(c, rc, "mark verified");
    if (c->json) {
        cli_json_out(json_pack("{s:s, s:s, s:b, s:b}", "uri", uri, "safety_number", digits,
                               "marked", mark == 1, "accepted", accept));
        return CLI_OK;
    }
    printf("safety number with %s:\n\n", uri);
    for (int i = 0; i < CAIRN_SAFETY_NUMBER_DIGITS; i += 5)
        printf("%.5s%s", digits + i, (i / 5) % 4 == 3 ? "\n" : " ");
    printf("\n");
    cli_qr_print(stdout, scan, slen);
    if (accept)
        printf("accepted the new identity key of %s\n", uri);
    if (mark == 1)
        printf("marked %s as verified\n", uri);
    return CLI_OK;
}

int cmd_kt(cli *c, int argc, char **argv)
{
    int self_ok = 0, r;
    uint64_t size = 0;
    unsigned alerts = 0;
    cairn_status rc;
    if (cli_wants_help(argc, argv) || argc < 1 ||
        (strcmp(argv[0], "status") != 0 && strcmp(argv[0], "check") != 0))
        return cli_usage("usage: cairn [--json] kt status | kt check\nShows key-transparency "
                         "state; check re-verifies this account's own key in the directory.\n");
    if ((r = cli_open(c, 0)) != CLI_OK)
        return r;
    if (strcmp(argv[0], "check") == 0) {
        rc = cairn_engine_kt_check_self(c->eng);
        if (rc != CAIRN_OK)
            return cli_fail(c, rc, "kt check");
    }
    rc = cairn_engine_kt_status(c->eng, &self_ok, &size, &alerts);
    if (rc != CAIRN_OK)
        return cli_fail(c, rc, "kt status");
    if (c->json)
        cli_json_out(json_pack("{s:b, s:I, s:i, s:s}", "self_verified", self_ok, "tree_size",
                               (json_int_t)size, "alerts", (int)alerts, "directory",
                               c->kt_url ? c->kt_url : ""));
    else
        printf("own key in directory: %s\nlast verified tree size: %llu\nalerts: %u\n",
               self_ok ? "verified" : "not verified", (unsigned long long)size, alerts);
    return alerts ? CLI_SECURITY : CLI_OK;
}
