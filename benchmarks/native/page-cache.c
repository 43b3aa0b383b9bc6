/*
 * How a model file sits in the page cache and how a process maps it (issue 17, thp20, docs/BENCHMARKS.md): on a
 * kernel with large page-cache folios (ext4, 6.x) a 2 MiB folio mapped at a 2 MiB-aligned address is mapped with one
 * PMD entry ("FilePmdMapped" in /proc/PID/smaps), otherwise with 4 KiB entries; how the file was read back decides
 * the folio sizes. Built by page-cache.sh.
 *   page-cache evict FILE         posix_fadvise(DONTNEED): drops the file's unmapped cached pages
 *   page-cache read FILE          read() front to back in 8 MiB blocks (as cat does, with the device's readahead)
 *   page-cache fault FILE [huge|small]  maps it and touches every 4 KiB page (as an engine's first token does), with
 *                                 madvise(MADV_HUGEPAGE) first if "huge" (faults then read 2 MiB folios) or
 *                                 MADV_RANDOM if "small" (faults read single 4 KiB pages, no readahead)
 *   page-cache show FILE          maps it, touches every page, prints how much of it was PMD-mapped (2 MiB folios)
 * Every command ends with a line: cached MiB (mincore), PMD-mapped MiB in this process, time.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* FilePmdMapped of the mapping starting at addr, in KiB (from /proc/self/smaps), or -1. */
static long pmd_kib(void *addr) {
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0;
    long kib = -1;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char c;
        if (sscanf(line, "%lx-%lx%c", &lo, &hi, &c) == 3 && c == ' ') in = lo == (unsigned long)addr;
        else if (in && sscanf(line, "FilePmdMapped: %ld kB", &kib) == 1) break;
    }
    if (f) fclose(f);
    return kib;
}

static double cached_mib(int fd, off_t size) {
    void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return -1;
    size_t pages = (size + 4095) / 4096, in = 0;
    unsigned char *v = malloc(pages);
    if (mincore(m, size, v) == 0) for (size_t i = 0; i < pages; i++) in += v[i] & 1;
    free(v);
    munmap(m, size);
    return in * 4096.0 / (1 << 20);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: page-cache evict|read|fault|show FILE [huge]\n");
        return 2;
    }
    int fd = open(argv[2], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(argv[2]);
        return 2;
    }
    double t0 = now();
    long pmd = -1;
    if (!strcmp(argv[1], "evict")) {
        if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) perror("posix_fadvise");
    } else if (!strcmp(argv[1], "read")) {
        size_t n = 8 << 20;
        char *b = malloc(n);
        while (read(fd, b, n) > 0) {
        }
    } else if (!strcmp(argv[1], "fault") || !strcmp(argv[1], "show")) {
        volatile uint8_t *m = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) { perror("mmap"); return 1; }
        int advice = argc < 4 ? -1 : !strcmp(argv[3], "huge") ? MADV_HUGEPAGE : !strcmp(argv[3], "small") ? MADV_RANDOM : -1;
        if (advice >= 0 && madvise((void *)m, st.st_size, advice) != 0) perror("madvise");
        unsigned s = 0;
        for (off_t i = 0; i < st.st_size; i += 4096) s += m[i];
        pmd = pmd_kib((void *)m);
        printf("mapped at %p (%s 2 MiB aligned), sum %u\n", (void *)m, ((uintptr_t)m & ((2 << 20) - 1)) ? "not" : "", s);
    } else {
        fprintf(stderr, "page-cache: unknown command %s (evict, read, fault, show)\n", argv[1]);
        return 2;
    }
    double t = now() - t0;
    printf("%s %s: %.1f s; cached %.0f of %.0f MiB", argv[1], argv[2], t, cached_mib(fd, st.st_size), st.st_size / 1048576.0);
    if (pmd >= 0) printf("; PMD-mapped here %.0f MiB", pmd / 1024.0);
    printf("\n");
    return 0;
}
