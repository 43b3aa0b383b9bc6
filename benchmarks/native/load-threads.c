/*
 * Does the load-time copy of float weights into fresh anonymous memory go faster on two threads (issue 17, load30,
 * docs/BENCHMARKS.md)? One process, THREADS threads (1, 2, ...), each taking every THREADS-th 8 MiB chunk:
 *   fresh MIB   first-touches MIB MiB of fresh anonymous memory (mmap, madvise(MADV_HUGEPAGE), one write per 4 KiB),
 *               then writes it again (the same memory, touched: no fault)
 *   copy FILE   reads FILE once through the page cache on one thread into one 8 MiB buffer (so the copy finds it
 *               cached), then preads it into fresh anonymous 2 MiB-page memory as kvscope's AnonymousCopy does (mmap,
 *               MADV_HUGEPAGE, pread 8 MiB at a time), then preads it again into that memory (no fault)
 * Prints each pass's seconds and GB/s, and /proc/vmstat's thp_fault_alloc / thp_fault_fallback and the guest's
 * page_reporting reported_kib (memory handed back to the host: it is backed anew on first touch) around the first touch.
 * Built and run by load-threads.sh, which alternates thread counts with a pause between processes.
 *   load-threads fresh MIB THREADS | load-threads copy FILE THREADS
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vm-counters.h"

enum { CHUNK = 8 << 20, MAX_THREADS = 16 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint8_t *g_mem;
static size_t g_bytes;
static int g_fd, g_threads, g_copy, g_pass;

static void *part(void *arg) {
    long t = (long)arg;
    for (size_t c = (size_t)t * CHUNK; c < g_bytes; c += (size_t)g_threads * CHUNK) {
        size_t n = g_bytes - c < CHUNK ? g_bytes - c : CHUNK;
        if (g_copy) {
            for (size_t done = 0; done < n; ) {
                ssize_t r = pread(g_fd, g_mem + c + done, n - done, (off_t)(c + done));
                if (r <= 0) { fprintf(stderr, "pread failed at %zu\n", c + done); exit(1); }
                done += (size_t)r;
            }
        } else {
            for (size_t i = 0; i < n; i += 4096) g_mem[c + i] = (uint8_t)((c + i) >> 12) + g_pass;
        }
    }
    return NULL;
}

/* One pass over g_mem on g_threads threads (the caller is thread 0): seconds. */
static double pass(void) {
    pthread_t th[MAX_THREADS];
    double t = now();
    for (long i = 1; i < g_threads; i++) pthread_create(&th[i], NULL, part, (void *)i);
    part((void *)0);
    for (long i = 1; i < g_threads; i++) pthread_join(th[i], NULL);
    g_pass++;
    return now() - t;
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[1], "fresh") && strcmp(argv[1], "copy")) || atoi(argv[3]) < 1
        || atoi(argv[3]) > MAX_THREADS) {
        fprintf(stderr, "usage: load-threads fresh MIB THREADS | load-threads copy FILE THREADS\n");
        return 2;
    }
    g_copy = !strcmp(argv[1], "copy");
    g_threads = atoi(argv[3]);
    if (g_copy) {
        g_fd = open(argv[2], O_RDONLY);
        if (g_fd < 0) { perror(argv[2]); return 1; }
        g_bytes = (size_t)lseek(g_fd, 0, SEEK_END);
        uint8_t *buf = malloc(CHUNK);
        double t = now();
        for (size_t done = 0; done < g_bytes; ) {
            ssize_t r = pread(g_fd, buf, CHUNK, (off_t)done);
            if (r <= 0) { fprintf(stderr, "pread failed\n"); return 1; }
            done += (size_t)r;
        }
        double s = now() - t;
        printf("cache read (1 thread, one 8 MiB buffer) %.2f GB in %.3f s (%.2f GB/s)\n", g_bytes / 1e9, s, g_bytes / s / 1e9);
        free(buf);
    } else {
        g_bytes = (size_t)atol(argv[2]) << 20;
    }
    size_t mapped = (g_bytes + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
    uint8_t *m = mmap(NULL, mapped + (2u << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 1; }
    g_mem = (uint8_t *)(((uintptr_t)m + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
    madvise(g_mem, mapped, MADV_HUGEPAGE);
    long alloc = vmstat("thp_fault_alloc"), fallback = vmstat("thp_fault_fallback"), reported = reported_kib();
    double first = pass();
    long alloc2 = vmstat("thp_fault_alloc"), fallback2 = vmstat("thp_fault_fallback"), reported2 = reported_kib();
    double again = pass();
    printf("%s threads %d: %.2f GB first %.3f s (%.3f GB/s), again %.3f s (%.2f GB/s); thp_fault_alloc +%ld"
           " fallback +%ld; reported_kib %ld (+%ld during)\n", argv[1], g_threads,
           g_bytes / 1e9, first, g_bytes / first / 1e9, again, g_bytes / again / 1e9, alloc2 - alloc,
           fallback2 - fallback, reported, reported2 - reported);
    return 0;
}
