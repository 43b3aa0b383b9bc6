/*
 * Does a fresh first touch of anonymous memory put this VM's memory in its slow state (issue 17, copy29,
 * docs/BENCHMARKS.md)? One process reads a buffer on two threads (a plain AVX-512 streaming read, each thread half of
 * it) every PERIOD_MS milliseconds for WATCH_S seconds and prints each read's GB/s; at AT seconds, between two reads,
 * the main thread does ACTION and prints what it cost:
 *   none     nothing
 *   fresh    first-touches MIB MiB of fresh anonymous memory (mmap, madvise(MADV_HUGEPAGE), one write per 4 KiB):
 *            memory this guest's free page reporting may have handed back to the host, which must back it anew
 *   retouch  writes the same MIB MiB again, a buffer first-touched (as fresh) before the watch began
 *   file     reads FILE through the page cache (pread, 8 MiB at a time into one small buffer): no new anonymous memory
 *   copy     reads FILE into fresh anonymous 2 MiB-page memory as kvscope's load copies float weights (AnonymousCopy:
 *            mmap, MADV_HUGEPAGE, pread 8 MiB at a time)
 * The watch goes on for at least AFTER_S seconds (10) after the action ends. The read buffer is READ_MIB MiB (512) of
 * anonymous memory with MADV_HUGEPAGE, first-touched before the watch; READ_FILE=F: each round then also reads F's last
 * READ_MIB MiB through a read-only mapping of its page cache (memory the host has backed since F was cached). Each
 * round also times PINGS (2,000) round trips of a cache line between the two threads ("ping", ns each: where the host
 * runs the two vCPUs, SMT siblings of one core or two cores) and one thread's read of half the buffer alone ("one").
 * Also printed: /proc/vmstat's thp_fault_alloc and thp_fault_fallback and the guest's page_reporting reported_kib, before and
 * after the action. Built and run by touch-watch.sh; touch-watch.py counts the states.
 *   [SPIN=1] [WATCH_S=20] [AT=5] [AFTER_S=10] [PERIOD_MS=100] [MIB=2400] [READ_MIB=512] touch-watch ACTION [FILE]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ping-pong.h"
#include "vm-counters.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static long env(const char *name, long fallback) {
    const char *v = getenv(name);
    return v ? atol(v) : fallback;
}

__attribute__((target("avx512f"))) static uint64_t read_range(const uint8_t *p, size_t n) {
    __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
    for (size_t i = 0; i < n; i += 256) {
        a = _mm512_add_epi64(a, _mm512_load_si512(p + i));
        b = _mm512_add_epi64(b, _mm512_load_si512(p + i + 64));
        c = _mm512_add_epi64(c, _mm512_load_si512(p + i + 128));
        d = _mm512_add_epi64(d, _mm512_load_si512(p + i + 192));
    }
    return _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d)));
}

static uint8_t *g_buf;
static size_t g_half;
static const uint8_t *volatile g_part; /* what the worker reads in this round: its half starts here */
static pthread_barrier_t g_start, g_done;
static volatile int g_stop;
static volatile uint64_t g_sink;
static volatile int g_cpu[2];
static volatile int g_mode; /* this round: 0 the worker reads its half, 1 it answers the ping-pong */
/* SPIN=1: the two threads hand rounds over by spinning on these counters, and the main thread spins out the rest of each
 * period, so neither vCPU ever goes idle (halts); unset, they wait on a barrier (futex) and nanosleep between rounds. */
static int g_spin;
static _Atomic long g_go, g_back;
static long g_round;

static void start_round(void) {
    if (g_spin) atomic_store(&g_go, ++g_round);
    else pthread_barrier_wait(&g_start);
}

static void end_round(void) {
    if (g_spin) { while (atomic_load(&g_back) != g_round) _mm_pause(); }
    else pthread_barrier_wait(&g_done);
}
enum { PINGS = 2000 };

/* The main thread's side of PINGS round trips of one cache line between the two threads (ping-pong.h): ns a round trip.
 * Two vCPUs on one host core's SMT siblings pass it in some tens of ns, on two cores of one CCX more, across CCDs more
 * still. */
static double ping(void) {
    double t = now();
    ping_side(PINGS, NULL, 0);
    return (now() - t) / PINGS * 1e9;
}

static void pong(void) { pong_side(PINGS, 0); }

static void *worker(void *arg) {
    (void)arg;
    for (long seen = 0;;) {
        if (g_spin) { while (atomic_load(&g_go) == seen) _mm_pause(); seen = atomic_load(&g_go); }
        else pthread_barrier_wait(&g_start);
        if (g_stop) return NULL;
        g_cpu[1] = sched_getcpu();
        if (g_mode) pong();
        else g_sink += read_range(g_part, g_half);
        if (g_spin) atomic_store(&g_back, seen);
        else pthread_barrier_wait(&g_done);
    }
}

static uint8_t *anonymous(size_t bytes) {
    uint8_t *m = mmap(NULL, bytes + (2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(1); }
    m = (uint8_t *)(((uintptr_t)m + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
    madvise(m, bytes, MADV_HUGEPAGE);
    return m;
}

static void touch(uint8_t *m, size_t bytes, int pass) {
    for (size_t i = 0; i < bytes; i += 4096) m[i] = (uint8_t)(i >> 12) + pass;
}

static void counters(const char *when) {
    printf("%s: thp_fault_alloc %ld thp_fault_fallback %ld reported_kib %ld\n", when, vmstat("thp_fault_alloc"),
           vmstat("thp_fault_fallback"), reported_kib());
}

static size_t copy_file(const char *path, uint8_t *into) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { perror(path); exit(1); }
    size_t done = 0;
    for (ssize_t n; (n = pread(fd, into + done, 8 << 20, done)) > 0; ) done += n;
    close(fd);
    return done;
}

static size_t file_size(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { perror(path); exit(1); }
    size_t n = lseek(fd, 0, SEEK_END);
    close(fd);
    return n;
}

int main(int argc, char **argv) {
    int known = argc >= 2 && (!strcmp(argv[1], "none") || !strcmp(argv[1], "fresh") || !strcmp(argv[1], "retouch")
                              || !strcmp(argv[1], "file") || !strcmp(argv[1], "copy"));
    if (!known || ((!strcmp(argv[1], "file") || !strcmp(argv[1], "copy")) && argc < 3)) {
        fprintf(stderr, "usage: touch-watch none|fresh|retouch|file FILE|copy FILE\n");
        return 2;
    }
    const char *action = argv[1], *path = argc > 2 ? argv[2] : NULL;
    double seconds = env("WATCH_S", 20), at = env("AT", 5), period = env("PERIOD_MS", 100) / 1000.0;
    size_t mib = env("MIB", 2400), bytes = mib << 20, read_bytes = (size_t)env("READ_MIB", 512) << 20;
    double t0 = now();
    g_buf = anonymous(read_bytes);
    touch(g_buf, read_bytes, 1);
    g_half = read_bytes / 2;
    printf("read buffer %zu MiB first-touched in %.3f s\n", read_bytes >> 20, now() - t0);
    uint8_t *old = NULL;
    if (!strcmp(action, "retouch")) {
        double t = now();
        old = anonymous(bytes);
        touch(old, bytes, 1);
        printf("retouch buffer %zu MiB first-touched in %.3f s (%.2f GB/s)\n", mib, now() - t, bytes / (now() - t) / 1e9);
    }
    const uint8_t *mapped = NULL;
    if (getenv("READ_FILE")) {
        /* the file's last READ_MIB MiB (4 KiB-aligned), its page-cache pages mapped read-only and faulted in now */
        size_t size = file_size(getenv("READ_FILE")), off = (size - read_bytes) & ~(size_t)4095;
        int fd = open(getenv("READ_FILE"), O_RDONLY);
        if (fd < 0 || size < read_bytes) { fprintf(stderr, "READ_FILE: unreadable or under READ_MIB\n"); return 1; }
        mapped = mmap(NULL, read_bytes, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, off);
        if (mapped == MAP_FAILED) { perror("mmap READ_FILE"); return 1; }
        close(fd);
    }
    g_spin = getenv("SPIN") && !strcmp(getenv("SPIN"), "1");
    pthread_barrier_init(&g_start, NULL, 2);
    pthread_barrier_init(&g_done, NULL, 2);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    counters("start");
    double start = now(), next = start, after = env("AFTER_S", 10), until = seconds;
    int acted = 0;
    while (now() - start < until) {
        if (!acted && now() - start >= at) {
            acted = 1;
            counters("before");
            double t = now();
            size_t n = bytes;
            if (!strcmp(action, "fresh")) {
                touch(anonymous(bytes), bytes, 1);
            } else if (!strcmp(action, "retouch")) {
                touch(old, bytes, 2);
            } else if (!strcmp(action, "file")) {
                static uint8_t small[8 << 20];
                int fd = open(path, O_RDONLY);
                if (fd < 0) { perror(path); return 1; }
                n = 0;
                for (ssize_t r; (r = pread(fd, small, sizeof small, n)) > 0; ) n += r;
                close(fd);
            } else if (!strcmp(action, "copy")) {
                n = file_size(path);
                copy_file(path, anonymous((n + (2 << 20) - 1) & ~(size_t)((2 << 20) - 1)));
            } else {
                n = 0;
            }
            double took = now() - t;
            printf("action %s %.2f GB in %.3f s (%.2f GB/s) at %.2f s\n", action, n / 1e9, took, n ? n / took / 1e9 : 0,
                   t - start);
            counters("after");
            next = now();
            if (next - start + after > until) until = next - start + after;
        }
        double t = now();
        g_part = g_buf + g_half;
        start_round();
        g_cpu[0] = sched_getcpu();
        g_sink += read_range(g_buf, g_half);
        end_round();
        double took = now() - t;
        printf("t %.2f read %.1f GB/s cpus %d %d", t - start, read_bytes / took / 1e9, g_cpu[0], g_cpu[1]);
        if (mapped) {
            double u = now();
            g_part = mapped + g_half;
            start_round();
            g_sink += read_range(mapped, g_half);
            end_round();
            printf(" file %.1f GB/s", read_bytes / (now() - u) / 1e9);
        }
        g_mode = 1;
        atomic_store(&g_ball, 0);
        start_round();
        double rt = ping();
        end_round();
        g_mode = 0;
        double v = now();
        g_sink += read_range(g_buf, g_half);
        printf(" ping %.0f ns one %.1f GB/s\n", rt, g_half / (now() - v) / 1e9);
        next += period;
        double wait = next - now();
        if (wait > 0 && g_spin) {
            while (now() < next) _mm_pause();
        } else if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    g_stop = 1;
    start_round();
    pthread_join(th, NULL);
    counters("end");
    return 0;
}
