/*
 * bench_smartreply.c - figures for the smart-reply goals (not a test; it
 * asserts nothing): p50 and p99 latency of one cairn_smartreply_suggest()
 * call with the built-in engine in-process, pinned to one core; model
 * bytes; extra resident memory after loading and after 10,000 calls.
 * Goals: p99 <= 1 ms, model <= 1 MiB, <= 4 MiB extra RSS.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cairn/smartreply.h"

#define CALLS 10000

static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    static const char *const texts[] = {
        "Want to grab lunch tomorrow?", "Thanks so much for your help!",
        "Running 10 minutes late, sorry", "How was your weekend?",
        "Are you free on Saturday?", "Happy birthday!! Hope you have a great day",
        "Did you get home okay?", "Check this out https://example.com/article",
        "I got the job!", "What time works for you?", "Can you call me later?",
        "The meeting notes are in the shared folder",
        ("So I was thinking we could go to that new place near the station, "
         "they have a terrace and it's supposed to be sunny, what do you reckon?"),
        "Tu viens ce soir ?", "My dad is in hospital", "lol",
    };
    const size_t nt = sizeof(texts) / sizeof(texts[0]);
    cairn_context *ctx = NULL;
    cairn_smartreply *sr = NULL;
    cairn_smartreply_message window[3];
    uint8_t *model;
    long model_len, rss0, rss1, rss2;
    double *lat = malloc(sizeof(double) * CALLS);
    size_t shown = 0;
    FILE *f;
    cpu_set_t one;

    CPU_ZERO(&one);
    CPU_SET(0, &one);
    (void)sched_setaffinity(0, sizeof(one), &one);

    rss0 = rss_kib(); /* before the model file is even read */
    f = fopen(SR_MODEL_PATH, "rb");
    if (f == NULL || lat == NULL)
        return 1;
    fseek(f, 0, SEEK_END);
    model_len = ftell(f);
    fseek(f, 0, SEEK_SET);
    model = malloc((size_t)model_len);
    if (model == NULL || fread(model, 1, (size_t)model_len, f) != (size_t)model_len)
        return 1;
    fclose(f);

    if (cairn_context_create(NULL, &ctx) != CAIRN_OK || cairn_smartreply_create(ctx, &sr) != CAIRN_OK)
        return 1;
    cairn_smartreply_set_enabled(sr, 1);
    if (cairn_smartreply_set_conversation(sr, (const uint8_t *)"bench", 5, 1) != CAIRN_OK)
        return 1;
    if (cairn_smartreply_add_plugin(sr, cairn_smartreply_builtin(), model, (size_t)model_len, NULL) !=
        CAIRN_OK)
        return 1;
    free(model); /* the engine keeps its own copy */
    rss1 = rss_kib();

    window[0].text = "Hey!";
    window[0].len = 4;
    window[0].from_me = 0;
    window[1].text = "Hi, how are you?";
    window[1].len = 16;
    window[1].from_me = 1;
    for (int i = 0; i < CALLS; i++) {
        cairn_smartreply_list *l = NULL;
        const char *t = texts[(size_t)i % nt];
        double t0;
        cairn_status st;
        window[2].text = t;
        window[2].len = strlen(t);
        window[2].from_me = 0;
        t0 = now_us();
        st = cairn_smartreply_suggest(sr, (const uint8_t *)"bench", 5, window, 3, &l);
        lat[i] = now_us() - t0;
        if (st == CAIRN_OK) {
            shown += l->count > 0;
            cairn_smartreply_list_free(sr, l);
        }
    }
    rss2 = rss_kib();
    qsort(lat, CALLS, sizeof(double), cmp_double);
    printf("smartreply built-in engine, %d suggest calls (3-message window), one core\n", CALLS);
    printf("  p50 latency        %.1f us\n", lat[CALLS / 2]);
    printf("  p99 latency        %.1f us   (goal <= 1000 us)\n", lat[CALLS * 99 / 100]);
    printf("  max latency        %.1f us\n", lat[CALLS - 1]);
    printf("  model bytes        %ld   (goal <= 1048576)\n", model_len);
    printf("  RSS before load    %ld KiB\n", rss0);
    printf("  RSS after load     %ld KiB (+%ld KiB)\n", rss1, rss1 - rss0);
    printf("  RSS after %d calls %ld KiB (+%ld KiB over before load; goal <= 4096)\n", CALLS,
           rss2, rss2 - rss0);
    printf("  calls with suggestions %zu / %d\n", shown, CALLS);
    cairn_smartreply_destroy(sr);
    cairn_context_destroy(ctx);
    free(lat);
    return 0;
}
