/*
 * relay_provision_test.c - the provisioning mailbox of cairn-relay against
 * the real binary (spec/relay-api.md section 10, RELAY-PROV-*): put, take
 * once, conflicts, size and name rules, expiry and the sweep, durability
 * across a restart, and the caps and rate limits that bound what
 * unauthenticated callers can make the relay store.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "relay_support.h"
#include "test_support.h"

#define LOOSE "[limits]\nrate_address_burst = 100000\nrate_account_burst = 100000\n"
#define BOX "/v1/provisioning/0a2c063469fa1cfb218daebcf35c7071"

static long req(rt_server *s, const char *method, const char *path, const void *body, size_t len,
                char **out, size_t *out_len)
{
    rt_resp r;
    assert_int_equal(rt_http(s, method, path, NULL, NULL, body, len, &r), 0);
    if (out) {
        *out = r.body;
        *out_len = r.len;
    } else {
        free(r.body);
    }
    return r.code;
}

static long put(rt_server *s, const char *path, const char *body)
{
    return req(s, "PUT", path, body, strlen(body), NULL, NULL);
}

static long take(rt_server *s, const char *path, const char *want)
{
    char *b = NULL;
    size_t n = 0;
    long code = req(s, "GET", path, NULL, 0, &b, &n);
    if (code == 200 && want) {
        assert_int_equal(n, strlen(want));
        assert_memory_equal(b, want, n);
    }
    free(b);
    return code;
}

static long boxes_in_db(rt_server *s)
{
    char path[700];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long n = -1;
    snprintf(path, sizeof path, "%s/state/relay.db", s->dir);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM provision", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* RELAY-PROV-1/3/4: no credentials; put, take once (then 404); a second
 * put on a live name is 409; a taken name can be used again. */
static void test_put_take_once(void **state)
{
    rt_server s;
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE), 0);
    assert_int_equal(put(&s, BOX ".offer", "offer-bytes"), 201);
    assert_int_equal(put(&s, BOX ".offer", "another"), 409);
    assert_int_equal(put(&s, BOX ".prov", "prov-bytes"), 201);
    assert_int_equal(take(&s, BOX ".offer", "offer-bytes"), 200);
    assert_int_equal(take(&s, BOX ".offer", NULL), 404);
    assert_int_equal(take(&s, BOX ".prov", "prov-bytes"), 200);
    assert_int_equal(take(&s, BOX ".prov", NULL), 404);
    assert_int_equal(take(&s, BOX ".never", NULL), 404);
    assert_int_equal(put(&s, BOX ".offer", "again"), 201);
    assert_int_equal(take(&s, BOX ".offer", "again"), 200);
    /* binary content survives byte for byte */
    uint8_t bin[256];
    for (int i = 0; i < 256; i++)
        bin[i] = (uint8_t)i;
    assert_int_equal(req(&s, "PUT", BOX ".bin", bin, sizeof bin, NULL, NULL), 201);
    char *b = NULL;
    size_t n = 0;
    assert_int_equal(req(&s, "GET", BOX ".bin", NULL, 0, &b, &n), 200);
    assert_int_equal(n, sizeof bin);
    assert_memory_equal(b, bin, sizeof bin);
    free(b);
    /* other methods */
    assert_int_equal(req(&s, "DELETE", BOX ".offer", NULL, 0, NULL, NULL), 405);
    assert_int_equal(req(&s, "POST", BOX ".offer", "x", 1, NULL, NULL), 405);
    rt_server_cleanup(&s);
}

/* RELAY-PROV-2: strict names; RELAY-PROV-3: 1..64 KiB bodies. */
static void test_names_and_sizes(void **state)
{
    rt_server s;
    char path[256];
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE), 0);
    const char *bad[] = {
        "0A2C063469FA1CFB218DAEBCF35C7071.offer", /* upper-case hex */
        "0a2c063469fa1cfb218daebcf35c707.offer",  /* 31 digits */
        "0a2c063469fa1cfb218daebcf35c70711.offer", /* 33 digits */
        "0a2c063469fa1cfb218daebcf35c7071",       /* no suffix */
        "0a2c063469fa1cfb218daebcf35c7071.",      /* empty suffix */
        "0a2c063469fa1cfb218daebcf35c7071.Offer", /* upper-case suffix */
        "0a2c063469fa1cfb218daebcf35c7071.of1",   /* digit in suffix */
        "0a2c063469fa1cfb218daebcf35c7071.abcdefghijklmnopq", /* 17 letters */
        "0a2c063469fa1cfb218daebcf35c7071.a.b",
        "0a2c063469fa1cfb218daebcf35c7071%2eoffer",
        "0a2c063469fa1cfb218daebcf35c7071.offer/x",
        "g a2c063469fa1cfb218daebcf35c7071.offer",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "/v1/provisioning/%s", bad[i]);
        for (char *p = path; *p; p++)
            if (*p == ' ')
                *p = 'g';
        long code = put(&s, path, "x");
        assert_true(code == 400 || code == 404);
        code = take(&s, path, NULL);
        assert_true(code == 400 || code == 404);
    }
    assert_int_equal(put(&s, "/v1/provisioning", "x"), 404);
    assert_int_equal(boxes_in_db(&s), 0);
    /* the longest suffix is fine */
    assert_int_equal(put(&s, BOX ".abcdefghijklmnop", "x"), 201);

    size_t max = 65536;
    char *big = malloc(max + 1);
    assert_non_null(big);
    memset(big, 'z', max + 1);
    assert_int_equal(req(&s, "PUT", BOX ".big", big, max + 1, NULL, NULL), 413);
    assert_int_equal(req(&s, "PUT", BOX ".big", big, max, NULL, NULL), 201);
    char *b = NULL;
    size_t n = 0;
    assert_int_equal(req(&s, "GET", BOX ".big", NULL, 0, &b, &n), 200);
    assert_int_equal(n, max);
    free(b);
    free(big);
    assert_int_equal(req(&s, "PUT", BOX ".empty", "", 0, NULL, NULL), 400);
    rt_server_cleanup(&s);
}

/* RELAY-PROV-5: a box not taken within ttl_seconds is 404 (its name can be
 * put again) and the sweep deletes it; RELAY-PROV-6: boxes survive a
 * restart. */
static void test_expiry_and_restart(void **state)
{
    rt_server s;
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE "[provisioning]\nttl_seconds = 1\n"
                                            "[queue]\nsweep_interval_seconds = 1\n"),
                     0);
    assert_int_equal(put(&s, BOX ".offer", "old"), 201);
    assert_int_equal(put(&s, BOX ".gone", "swept"), 201);
    usleep(1300 * 1000);
    assert_int_equal(take(&s, BOX ".offer", NULL), 404);
    assert_int_equal(put(&s, BOX ".offer", "new"), 201);
    assert_int_equal(take(&s, BOX ".offer", "new"), 200);
    /* the sweep runs within a couple of ticks */
    long left = -1;
    for (int i = 0; i < 40 && left != 0; i++) {
        usleep(100 * 1000);
        left = boxes_in_db(&s);
    }
    assert_int_equal(left, 0);
    rt_server_cleanup(&s);

    assert_int_equal(rt_server_start(&s, LOOSE), 0);
    assert_int_equal(put(&s, BOX ".prov", "durable"), 201);
    assert_int_equal(rt_server_stop(&s, 9), 128 + 9);
    assert_int_equal(rt_server_restart(&s), 0);
    assert_int_equal(take(&s, BOX ".prov", "durable"), 200);
    assert_int_equal(take(&s, BOX ".prov", NULL), 404);
    rt_server_cleanup(&s);
}

/* RELAY-PROV-7: caps per address and in all; RELAY-PROV-8: a per-address
 * rate limit of its own (429 with Retry-After), while the relay keeps
 * serving. */
static void test_hostile_rates(void **state)
{
    rt_server s;
    char path[128];
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE "[provisioning]\nmax_boxes_per_address = 3\n"),
                     0);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s.n%c", BOX, 'a' + i);
        assert_int_equal(put(&s, path, "x"), 201);
    }
    assert_int_equal(put(&s, BOX ".nd", "x"), 429);
    /* taking one frees a slot */
    assert_int_equal(take(&s, BOX ".na", "x"), 200);
    assert_int_equal(put(&s, BOX ".nd", "x"), 201);
    assert_int_equal(boxes_in_db(&s), 3);
    rt_server_cleanup(&s);

    assert_int_equal(rt_server_start(&s, LOOSE "[provisioning]\nmax_boxes = 2\n"), 0);
    assert_int_equal(put(&s, BOX ".a", "x"), 201);
    assert_int_equal(put(&s, BOX ".b", "x"), 201);
    assert_int_equal(put(&s, BOX ".c", "x"), 503);
    rt_server_cleanup(&s);

    assert_int_equal(rt_server_start(&s, LOOSE "[provisioning]\nrate_per_second = 1\n"
                                            "rate_burst = 20\nmax_boxes_per_address = 1000\n"),
                     0);
    int ok = 0, limited = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 60; i++) {
        snprintf(path, sizeof path, "/v1/provisioning/%032x.h", i);
        long code = i % 2 ? put(&s, path, "x") : take(&s, path, NULL);
        if (code == 429)
            limited++;
        else if (code == 201 || code == 404)
            ok++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* the burst, plus one token per second the loop took (a loaded
     * machine is slower, never faster) */
    int refill = (int)(t1.tv_sec - t0.tv_sec) + 2;
    assert_true(ok >= 15 && ok <= 20 + refill);
    assert_true(limited >= 40 - refill && limited + ok == 60);
    assert_true(boxes_in_db(&s) <= 10 + refill);
    /* the rest of the API is not starved by the provisioning bucket */
    rt_resp r;
    assert_int_equal(rt_http(&s, "GET", "/healthz", NULL, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    free(r.body);
    rt_server_cleanup(&s);
}

typedef struct taker {
    rt_server *s;
    long code;
} taker;

static void *take_thread(void *arg)
{
    taker *t = arg;
    rt_resp r;
    t->code = rt_http(t->s, "GET", BOX ".race", NULL, NULL, NULL, 0, &r) == 0 ? r.code : -1;
    free(r.body);
    return NULL;
}

/* RELAY-PROV-4: of many concurrent takes of one box exactly one gets it. */
static void test_concurrent_takes(void **state)
{
    rt_server s;
    enum { N = 16 };
    pthread_t th[N];
    taker t[N];
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE), 0);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(put(&s, BOX ".race", "only-once"), 201);
        for (int i = 0; i < N; i++) {
            t[i].s = &s;
            t[i].code = 0;
            assert_int_equal(pthread_create(&th[i], NULL, take_thread, &t[i]), 0);
        }
        int got = 0, missed = 0;
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            got += t[i].code == 200;
            missed += t[i].code == 404;
        }
        assert_int_equal(got, 1);
        assert_int_equal(missed, N - 1);
    }
    rt_server_cleanup(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_take_once),
        cmocka_unit_test(test_names_and_sizes),
        cmocka_unit_test(test_expiry_and_restart),
        cmocka_unit_test(test_hostile_rates),
        cmocka_unit_test(test_concurrent_takes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
