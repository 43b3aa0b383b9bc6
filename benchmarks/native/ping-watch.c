/*
 * Where does the host run this VM's two vCPUs, sample by sample, beside a benchmark (issue 17, state31,
 * docs/BENCHMARKS.md)? Two threads pinned to cpu0 and cpu1 sleep; every PERIOD_MS milliseconds (500) they wake and pass
 * a cache line back and forth TRIPS times (300, after 8 untimed ones; ping-pong.h, the code touch-watch.c times), each
 * round trip timed with the TSC (10 ns steps in this VM): 50-80 ns when the host runs both vCPUs on one CCD (the slow
 * memory state), 240-300 or 331-391 ns on two CCDs (state31; copy29's means: ~83 / ~339 ns). One line a sample:
 *   2026-12-06T09:31:02.123 median 70 ns mean 62 ns max 91 ns wake 12 us ok
 * UTC time the sample began, the median, mean and longest timed round trip, how long the first (untimed) round trip
 * waited for the woken partner, and "disturbed" where a timed round trip took over 2 us (either thread was delayed: an
 * interrupt, the other vCPU descheduled by the guest or the host) or the exchange was abandoned: a wait over 1 ms (a
 * thread spinning for a descheduled partner takes its vCPU from the benchmark beside it; 10 ms cost 1.4% of a core).
 * It runs SECONDS seconds (0: until SIGINT/SIGTERM) and then prints its own CPU time (getrusage) as a share of a core.
 * Built by ping-watch.sh; benchmarks/llamacpp/ping_join.py joins its log with compare.py --times' process lines.
 *   [PERIOD_MS=500] [TRIPS=300] ping-watch [SECONDS]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ping-pong.h"

enum { WARM = 8 };
#define DISTURBED_NS 2000.0
#define LIMIT_NS 1e6

static pthread_barrier_t g_start, g_done;
static volatile sig_atomic_t g_stop;
static volatile int g_quit;
static long g_trips;
static uint64_t g_limit;

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int pin(pthread_t thread, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(thread, sizeof set, &set);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        pthread_barrier_wait(&g_start);
        if (g_quit) return NULL;
        pong_side(WARM + g_trips, g_limit);
        pthread_barrier_wait(&g_done);
    }
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static void stamp(char *out, size_t size) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    struct tm tm;
    gmtime_r(&t.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03ld", t.tv_nsec / 1000000);
}

int main(int argc, char **argv) {
    double run_s = argc > 1 ? atof(argv[1]) : 0;
    long period_ms = getenv("PERIOD_MS") ? atol(getenv("PERIOD_MS")) : 500;
    g_trips = getenv("TRIPS") ? atol(getenv("TRIPS")) : 300;
    if (argc > 2 || run_s < 0 || period_ms < 1 || g_trips < 1 || g_trips > 100000) {
        fprintf(stderr, "usage: [PERIOD_MS=500] [TRIPS=300] ping-watch [SECONDS]  (PERIOD_MS >= 1, TRIPS 1..100000)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pin(pthread_self(), 0) != 0) {
        fprintf(stderr, "ping-watch: cannot pin a thread to cpu0\n");
        return 1;
    }
    /* TSC ticks a ns (constant_tsc), against CLOCK_MONOTONIC over 50 ms */
    double c0 = seconds(CLOCK_MONOTONIC);
    uint64_t k0 = __rdtsc();
    struct timespec nap = {0, 50000000};
    nanosleep(&nap, NULL);
    double per_ns = (__rdtsc() - k0) / ((seconds(CLOCK_MONOTONIC) - c0) * 1e9);
    g_limit = (uint64_t)(LIMIT_NS * per_ns);
    uint64_t *ticks = calloc(WARM + g_trips, sizeof *ticks), *sorted = calloc(g_trips, sizeof *sorted);
    pthread_barrier_init(&g_start, NULL, 2);
    pthread_barrier_init(&g_done, NULL, 2);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    if (pin(th, 1) != 0) {
        fprintf(stderr, "ping-watch: cannot pin a thread to cpu1\n");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    char when[40];
    stamp(when, sizeof when);
    printf("# ping-watch %s: cpu0/cpu1, every %ld ms %ld round trips (after %d untimed), TSC %.3f GHz, disturbed: a "
           "round trip over %.0f ns or a wait over %.1f ms\n", when, period_ms, g_trips, WARM, per_ns, DISTURBED_NS,
           LIMIT_NS / 1e6);
    double start = seconds(CLOCK_MONOTONIC);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    long samples = 0, disturbed = 0;
    while (!g_stop && (run_s == 0 || seconds(CLOCK_MONOTONIC) - start < run_s)) {
        stamp(when, sizeof when);
        atomic_store(&g_ball, 0);
        memset(ticks, 0, (WARM + g_trips) * sizeof *ticks);
        pthread_barrier_wait(&g_start);
        long done = ping_side(WARM + g_trips, ticks, g_limit);
        pthread_barrier_wait(&g_done);
        samples++;
        if (done < WARM + g_trips) {
            disturbed++;
            printf("%s abandoned after %ld round trips disturbed\n", when, done);
        } else {
            memcpy(sorted, ticks + WARM, g_trips * sizeof *sorted);
            qsort(sorted, g_trips, sizeof *sorted, by_value);
            uint64_t sum = 0;
            for (long i = 0; i < g_trips; i++) sum += sorted[i];
            double median = sorted[g_trips / 2] / per_ns, max = sorted[g_trips - 1] / per_ns;
            int bad = max > DISTURBED_NS;
            disturbed += bad;
            printf("%s median %.0f ns mean %.0f ns max %.0f ns wake %.0f us %s\n", when, median, sum / per_ns / g_trips,
                   max, ticks[0] / per_ns / 1e3, bad ? "disturbed" : "ok");
        }
        next.tv_nsec += period_ms % 1000 * 1000000;
        next.tv_sec += period_ms / 1000 + next.tv_nsec / 1000000000;
        next.tv_nsec %= 1000000000;
        while (!g_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) != 0) {}
    }
    g_quit = 1;
    pthread_barrier_wait(&g_start);
    pthread_join(th, NULL);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    double wall = seconds(CLOCK_MONOTONIC) - start;
    printf("# ping-watch end: %ld samples, %ld disturbed, CPU %.3f s (user+sys, both threads) over %.1f s = %.3f%% of "
           "one core\n", samples, disturbed, cpu, wall, cpu / wall * 100);
    return 0;
}
