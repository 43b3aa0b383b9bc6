/*
 * Native memory bandwidth on all the given threads, to compare with the JVM's figures in
 * docs/BENCHMARKS.md: a read-only pass (AVX-512 loads summed, four accumulators), a memcpy
 * copy and a copy with non-temporal stores (copies count bytes read + written, as STREAM does),
 * over two 1 GiB anonymous buffers; with FILE, also a read of that file memory-mapped, as the
 * model's weights are. Best of 7 passes each.
 *
 *   benchmarks/jmh/native-bandwidth.sh THREADS [FILE]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

enum mode { READ, MEMCPY, STREAM_COPY };

static const char *src;
static char *dst;
static size_t bytes;
static int threads;
static enum mode mode;
static volatile float sink;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *pass(void *arg) {
    size_t chunk = (bytes / threads) & ~(size_t) 255;
    const char *a = src + (long) arg * chunk;
    char *b = dst ? dst + (long) arg * chunk : NULL;
    if (mode == READ) {
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (size_t i = 0; i < chunk; i += 256) {
            s0 = _mm512_add_ps(s0, _mm512_loadu_ps((const float *) (a + i)));
            s1 = _mm512_add_ps(s1, _mm512_loadu_ps((const float *) (a + i + 64)));
            s2 = _mm512_add_ps(s2, _mm512_loadu_ps((const float *) (a + i + 128)));
            s3 = _mm512_add_ps(s3, _mm512_loadu_ps((const float *) (a + i + 192)));
        }
        sink += _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
    } else if (mode == MEMCPY) {
        memcpy(b, a, chunk);
    } else {
        for (size_t i = 0; i < chunk; i += 64) {
            _mm512_stream_ps((float *) (b + i), _mm512_loadu_ps((const float *) (a + i)));
        }
        _mm_sfence();
    }
    return NULL;
}

/** Best GB/s of 7 passes; a copy counts its bytes twice. */
static double best(enum mode m, const char *from, char *to, size_t n) {
    src = from, dst = to, bytes = n, mode = m;
    double top = 0;
    for (int rep = 0; rep < 7; rep++) {
        pthread_t th[256];
        double t0 = now();
        for (long t = 0; t < threads; t++) {
            pthread_create(&th[t], NULL, pass, (void *) t);
        }
        for (int t = 0; t < threads; t++) {
            pthread_join(th[t], NULL);
        }
        double gbps = (m == READ ? 1.0 : 2.0) * n / (now() - t0) / 1e9;
        top = gbps > top ? gbps : top;
    }
    return top;
}

int main(int argc, char **argv) {
    if (argc < 2 || (threads = atoi(argv[1])) < 1 || threads > 256) {
        fprintf(stderr, "usage: bandwidth THREADS [FILE]\n");
        return 2;
    }
    size_t size = (size_t) 1 << 30;
    char *a = aligned_alloc(4096, size), *b = aligned_alloc(4096, size);
    if (!a || !b) {
        fprintf(stderr, "bandwidth: cannot allocate two 1 GiB buffers\n");
        return 1;
    }
    memset(a, 1, size);
    memset(b, 2, size);
    double read = best(READ, a, NULL, size);
    double copy = best(MEMCPY, a, b, size);
    double stream = best(STREAM_COPY, a, b, size);
    printf("threads %d: read %.2f GB/s, memcpy copy %.2f GB/s, non-temporal copy %.2f GB/s (copies count read + write)",
           threads, read, copy, stream);
    if (argc > 2) {
        int fd = open(argv[2], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 4096 * threads) {
            fprintf(stderr, "\nbandwidth: cannot read %s\n", argv[2]);
            return 1;
        }
        const char *mapped = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (mapped == MAP_FAILED) {
            fprintf(stderr, "\nbandwidth: cannot map %s\n", argv[2]);
            return 1;
        }
        printf("; mapped file read %.2f GB/s", best(READ, mapped, NULL, st.st_size));
    }
    printf("\n");
    return 0;
}
