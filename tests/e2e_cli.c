/*
 * e2e_cli.c - the `cairn` command end to end, as a user drives it: three
 * profiles (alice, bob, carol) on a relay directory that publishes keys to
 * the real cairn-kt on loopback, every demo step asserted through the
 * --json output and exit codes: KT-verified exchange both ways, offline
 * delivery, delivery and read receipts, a group with a member removed who
 * then reads nothing, an encrypted file, a second device linked for alice,
 * equal safety numbers, the KT self-check, and meaningful exit codes.
 *
 * Built twice: e2e_cli runs it on a relay directory, e2e_cli_relay
 * (E2E_VIA_RELAY) on the real cairn-relay, which publishes every identity
 * key to the same cairn-kt itself, links alice's second device through its
 * provisioning mailbox and delivers one copy per device (ENG-RELAY-3/5).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"
#include "kt_harness.h"
#ifdef E2E_VIA_RELAY
#include "relay_support.h"
static rt_server relay;
#endif

static char *dir;
static char cli[600];
static char base[1400];
static kth_proc kt;
static char out[65536];

/* Runs `cairn <args>` for a profile; stdout into out; returns exit code. */
static int run(const char *profile, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(const char *profile, const char *fmt, ...)
{
    char args[4096], cmd[6000];
    va_list ap;
    FILE *p;
    size_t n;
    int st;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "%s --profile %s %s", base, profile, args);
    p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state)
{
    const char *extra[] = {"--batch-ms", "50", NULL};
    char keys[600], conf[700];
    FILE *f;
    (void)state;
    dir = cts_tempdir();
    snprintf(cli, sizeof(cli), "%s/client/cairn", getenv("CAIRN_BUILD_DIR"));
    snprintf(keys, sizeof(keys), "%s/ktkeys", dir);
    if (kth_kt_start(&kt, dir, keys, extra) != 0)
        return -1;
#ifdef E2E_VIA_RELAY
    {
        char ini[1024];
        snprintf(ini, sizeof(ini),
                 "[limits]\nrate_address_burst = 100000\nrate_account_burst = 100000\n"
                 "[kt]\nurl = %s\ntoken = %s\ntimeout_ms = 15000\n",
                 kt.url, KTH_TOKEN);
        (void)f;
        (void)conf;
        if (rt_server_start(&relay, ini) != 0)
            return -1;
        snprintf(base, sizeof(base),
                 "%s --home %s/home --relay 'https://127.0.0.1:%u/?sip=%u' --relay-ca "
                 "%s/state/tls/cert.pem --kt-url %s",
                 cli, dir, relay.https, relay.sip, relay.dir, kt.url);
    }
#else
    snprintf(conf, sizeof(conf), "%s/relay", dir);
    mkdir(conf, 0700);
    snprintf(conf, sizeof(conf), "%s/relay/kt.conf", dir);
    f = fopen(conf, "w");
    fprintf(f, "url = %s\ntoken = %s\n", kt.url, KTH_TOKEN);
    fclose(f);
    snprintf(base, sizeof(base), "%s --home %s/home --relay dir:%s/relay --kt-url %s", cli, dir,
             dir, kt.url);
#endif
    return 0;
}

static int teardown(void **state)
{
    (void)state;
#ifdef E2E_VIA_RELAY
    rt_server_cleanup(&relay);
#endif
    kth_kill(&kt, SIGTERM);
    kth_wait(&kt);
    cts_rmdir(dir);
    return 0;
}

/* the value of "key":"..." in out (first occurrence after `after`) */
static const char *jstr(const char *key, char *buf, size_t cap)
{
    char pat[64];
    const char *s, *e;
    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    s = strstr(out, pat);
    if (s == NULL)
        return NULL;
    s += strlen(pat);
    e = strchr(s, '"');
    if (e == NULL || (size_t)(e - s) >= cap)
        return NULL;
    memcpy(buf, s, (size_t)(e - s));
    buf[e - s] = '\0';
    return buf;
}

static void accounts_and_exchange(void **state)
{
    char id[64];
    (void)state;
    assert_int_equal(run("alice", "init alice@example.org"), 0);
    assert_int_equal(run("bob", "init bob@example.org"), 0);
    assert_int_equal(run("carol", "init carol@example.org"), 0);
    assert_int_equal(run("alice", "--json whoami"), 0);
    assert_non_null(strstr(out, "\"uri\":\"sip:alice@example.org\""));
    /* ENG-KT-1 both ways */
    assert_int_equal(run("alice", "--json send bob@example.org 'hello bob'"), 0);
    assert_non_null(jstr("sent", id, sizeof(id)));
    assert_int_equal(run("bob", "--json sync"), 0);
    assert_non_null(strstr(out, "\"text\":\"hello bob\""));
    assert_int_equal(run("alice", "--json sync"), 0);
    assert_non_null(strstr(out, "\"event\":\"delivered\""));
    assert_non_null(strstr(out, id));
    assert_int_equal(run("bob", "--json read alice@example.org"), 0);
    assert_non_null(strstr(out, "\"marked_read\":1"));
    assert_int_equal(run("alice", "--json sync"), 0);
    assert_non_null(strstr(out, "\"event\":\"read\""));
    assert_int_equal(run("bob", "--json send alice@example.org 'hi alice'"), 0);
    assert_int_equal(run("alice", "--json sync"), 0);
    assert_non_null(strstr(out, "\"text\":\"hi alice\""));
    assert_int_equal(run("alice", "--json contacts"), 0);
    assert_non_null(strstr(out, "\"kt\":\"verified\""));
    assert_int_equal(run("bob", "--json contacts"), 0);
    assert_non_null(strstr(out, "\"kt\":\"verified\""));
    assert_int_equal(run("alice", "--json history bob@example.org"), 0);
    assert_non_null(strstr(out, "\"status\":\"read\""));
}

static void offline_delivery(void **state)
{
    (void)state;
    /* carol is offline while alice sends twice */
    assert_int_equal(run("alice", "send carol@example.org 'first while away'"), 0);
    assert_int_equal(run("alice", "send carol@example.org 'second while away'"), 0);
    assert_int_equal(run("carol", "--json sync"), 0);
    assert_non_null(strstr(out, "first while away"));
    assert_non_null(strstr(out, "second while away"));
    assert_true(strstr(out, "first while away") < strstr(out, "second while away"));
}

static void group_with_removal(void **state)
{
    char gid[64], cmdgid[80];
    (void)state;
    assert_int_equal(run("alice", "--json groups create Team bob@example.org carol@example.org"),
                     0);
    assert_non_null(jstr("group", gid, sizeof(gid)));
    assert_int_equal(run("bob", "--json sync"), 0);
    assert_non_null(strstr(out, "\"event\":\"group\""));
    assert_int_equal(run("carol", "--json sync"), 0);
    assert_int_equal(run("alice", "groups send %s 'hello team'", gid), 0);
    assert_int_equal(run("carol", "--json sync"), 0);
    assert_non_null(strstr(out, "hello team"));
    assert_int_equal(run("bob", "--json sync"), 0);
    assert_non_null(strstr(out, "hello team"));
    /* only the admin may remove */
    assert_int_equal(run("bob", "groups remove %s carol@example.org", gid), 1);
    assert_int_equal(run("alice", "groups remove %s carol@example.org", gid), 0);
    assert_int_equal(run("carol", "--json sync"), 0);
    assert_non_null(strstr(out, "you were removed"));
    assert_int_equal(run("bob", "--json sync"), 0);
    assert_int_equal(run("alice", "groups send %s 'carol cannot read this'", gid), 0);
    assert_int_equal(run("bob", "--json sync"), 0);
    assert_non_null(strstr(out, "carol cannot read this"));
    assert_int_equal(run("carol", "--json sync"), 0);
    assert_null(strstr(out, "carol cannot read this"));
    snprintf(cmdgid, sizeof(cmdgid), "group:%s", gid);
    assert_int_equal(run("carol", "send %s 'let me in'", cmdgid), 3);
}

static void encrypted_file(void **state)
{
    char src[700], dst[700], id[64], cmd[1600];
    FILE *f;
    (void)state;
    snprintf(src, sizeof(src), "%s/photo.bin", dir);
    snprintf(dst, sizeof(dst), "%s/photo-received.bin", dir);
    f = fopen(src, "wb");
    for (int i = 0; i < 300000; i++)
        fputc(i * 7 % 256, f);
    fclose(f);
    assert_int_equal(run("alice", "--json files send bob@example.org %s", src), 0);
    assert_int_equal(run("bob", "--json sync"), 0);
    assert_non_null(strstr(out, "\"event\":\"file\""));
    assert_non_null(strstr(out, "\"file_name\":\"photo.bin\""));
    assert_non_null(jstr("msg_id", id, sizeof(id)));
    assert_int_equal(run("bob", "--json files get sip:alice@example.org %s %s", id, dst), 0);
    snprintf(cmd, sizeof(cmd), "cmp -s %s %s", src, dst);
    assert_int_equal(system(cmd), 0);
    /* never overwrites */
    assert_int_not_equal(run("bob", "files get sip:alice@example.org %s %s", id, dst), 0);
}

/* How many times needle occurs in out. */
static int occurrences(const char *needle)
{
    int n = 0;
    for (const char *p = out; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void second_device(void **state)
{
    char cmd[2000], line[512] = "", code[64];
    FILE *p;
    int st;
    (void)state;
    snprintf(cmd, sizeof(cmd), "%s --profile alice2 --device-name laptop --json devices link",
             base);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(line, sizeof(line), p));
    snprintf(out, sizeof(out), "%s", line);
    assert_non_null(jstr("code", code, sizeof(code)));
    assert_int_equal(strlen(code), 19);
    assert_int_equal(run("alice", "--json devices approve %s", code), 0);
    assert_non_null(strstr(out, "\"approved_device\":2"));
    while (fgets(line, sizeof(line), p)) {
    }
    st = pclose(p);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(run("alice", "--json sync"), 0);
    assert_non_null(strstr(out, "\"event\":\"device-linked\""));
    assert_int_equal(run("alice", "--json devices"), 0);
    assert_non_null(strstr(out, "[1, 2]") ? strstr(out, "[1, 2]") : strstr(out, "[1,2]"));
    /* ENG-RELAY-3: one copy per device, each shown once */
    assert_int_equal(run("bob", "send alice@example.org 'to both of your devices'"), 0);
    assert_int_equal(run("alice2", "--json sync"), 0);
    assert_int_equal(occurrences("to both of your devices"), 1);
    assert_int_equal(run("alice", "--json sync"), 0);
    assert_int_equal(occurrences("to both of your devices"), 1);
    assert_int_equal(run("alice2", "send bob@example.org 'from the laptop'"), 0);
    assert_int_equal(run("bob", "--json sync"), 0);
    assert_non_null(strstr(out, "\"peer\":\"sip:alice@example.org\""));
    assert_int_equal(occurrences("from the laptop"), 1);
    assert_int_equal(run("alice", "--json sync"), 0);
    assert_non_null(strstr(out, "\"outgoing\":true"));
    assert_int_equal(occurrences("from the laptop"), 1);
    /* the laptop does not see its own message come back */
    assert_int_equal(run("alice2", "--json sync"), 0);
    assert_int_equal(occurrences("from the laptop"), 0);
}

static void safety_numbers_and_kt(void **state)
{
    char a[80], b[80], c[80];
    (void)state;
    assert_int_equal(run("alice", "--json verify bob@example.org --mark"), 0);
    assert_non_null(jstr("safety_number", a, sizeof(a)));
    assert_int_equal(run("bob", "--json verify alice@example.org"), 0);
    assert_non_null(jstr("safety_number", b, sizeof(b)));
    assert_int_equal(run("alice2", "--json verify bob@example.org"), 0);
    assert_non_null(jstr("safety_number", c, sizeof(c)));
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    assert_int_equal(strlen(a), 60);
    assert_int_equal(run("alice", "--json contacts"), 0);
    assert_non_null(strstr(out, "\"verified\":true"));
    assert_int_equal(run("alice", "--json kt check"), 0);
    assert_non_null(strstr(out, "\"self_verified\":true"));
    assert_non_null(strstr(out, "\"alerts\":0"));
    /* the QR code renders in text mode */
    assert_int_equal(run("bob", "verify alice@example.org"), 0);
    assert_non_null(strstr(out, "\u2588"));
}

static void exit_codes(void **state)
{
    (void)state;
    assert_int_equal(run("alice", "send nobody@example.org hi"), 3);
    assert_int_equal(run("nobody", "whoami"), 3);
    assert_int_equal(run("alice", "frobnicate"), 2);
    assert_int_equal(run("alice", "send"), 2);
    for (const char *const *c =
             (const char *const[]){"init", "register", "whoami", "contacts", "send", "sync", "read",
                                   "history", "chat", "groups", "files", "devices", "verify", "kt",
                                   NULL};
         *c; c++) {
        assert_int_equal(run("alice", "%s --help 2>&1", *c), 2);
        assert_non_null(strstr(out, "usage: cairn"));
    }
    /* chat without a terminal: lines are sent, events printed */
    assert_int_equal(run("bob", "chat alice@example.org <<'EOF'\nfrom chat\nEOF"), 0);
    assert_int_equal(run("alice", "--json sync"), 0);
    assert_non_null(strstr(out, "from chat"));
}

/* The TUI in a pseudo-terminal: editing keys, a suggestion picked with
 * Alt-1, live delivered marks. */
static void chat_tui(void **state)
{
    char cmd[6000];
    FILE *p;
    size_t n;
    (void)state;
    assert_int_equal(run("bob", "send alice@example.org 'thanks for the help!'"), 0);
    snprintf(cmd, sizeof(cmd),
             "(sleep 0.8; printf 'hel'; sleep 0.2; printf 'lo\\177\\177p me\\r'; sleep 0.4; "
             "printf '\\0331'; sleep 0.2; printf '\\r'; sleep 0.4; %s --profile bob sync "
             ">/dev/null; sleep 1.5; printf '\\004') | script -qec \"%s --profile alice chat "
             "bob@example.org --suggest\" /dev/null",
             base, base);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    pclose(p);
    assert_non_null(strstr(out, "thanks for the help!"));
    assert_non_null(strstr(out, "[Alt-1]"));
    assert_non_null(strstr(out, "\u2713 delivered \"help me\""));
    assert_int_equal(run("bob", "--json history alice@example.org"), 0);
    assert_non_null(strstr(out, "\"text\":\"help me\""));
    /* the picked suggestion went out as an ordinary text (ENG-PL-13) */
    assert_non_null(strstr(out, "\"kind\":\"text\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accounts_and_exchange),
        cmocka_unit_test(offline_delivery),
        cmocka_unit_test(group_with_removal),
        cmocka_unit_test(encrypted_file),
        cmocka_unit_test(second_device),
        cmocka_unit_test(safety_numbers_and_kt),
        cmocka_unit_test(exit_codes),
        cmocka_unit_test(chat_tui),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
