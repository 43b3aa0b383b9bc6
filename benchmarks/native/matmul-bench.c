/*
 * The prefill kernel alone (kvs_matmul of inference-core/src/main/c/kvscope_matmul.c): one thread, random weights
 * of one type (valid scales), a batch of random activation rows quantized once, the product repeated for about a
 * second of this thread's CPU time (so time taken by other processes on a shared host is not counted).
 * Built and run by matmul-bench.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void kvs_quantize_rows(int type, const float *x, int cols, int from, int to, uint8_t *dst, int64_t dstRowBytes);
void kvs_matmul(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int64_t xBytes, int cols, int batch,
                int from, int to, float *out, int64_t outStride);
int kvs_limit_isa(int level);

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    static const char *names[] = {"q4_0", "q8_0", "q4_k", "q6_k"};
    static const int block[] = {32, 32, 256, 256}, bytes[] = {18, 34, 144, 210}, scale_at[] = {0, 0, 0, 208};
    if (argc < 5) {
        fprintf(stderr, "usage: matmul-bench TYPE(0 q4_0, 1 q8_0, 2 q4_k, 3 q6_k) ROWS COLS BATCH [ISA LEVEL 0-2]\n");
        return 2;
    }
    int type = atoi(argv[1]), rows = atoi(argv[2]), cols = atoi(argv[3]), batch = atoi(argv[4]);
    if (type < 0 || type > 3 || rows < 1 || batch < 1 || cols < block[type] || cols % block[type] != 0) {
        fprintf(stderr, "matmul-bench: TYPE 0-3, ROWS and BATCH at least 1, COLS a multiple of the type's block\n");
        return 2;
    }
    int level = kvs_limit_isa(argc > 5 ? atoi(argv[5]) : 9);
    int64_t rowBytes = (int64_t)cols / block[type] * bytes[type];
    int64_t xBytes = type >= 2 ? (int64_t)cols / 256 * 320 : (int64_t)cols / 32 * 40;
    uint8_t *w = malloc(rowBytes * rows), *xq = aligned_alloc(64, (xBytes * batch + 63) / 64 * 64);
    float *x = malloc(4L * cols * batch), *out = malloc(4L * rows * batch);
    srand(1);
    for (int64_t i = 0; i < rowBytes * rows; i++) {
        w[i] = (uint8_t)rand();
    }
    for (int64_t b = 0; b < rowBytes * rows; b += bytes[type]) { /* f16 scales 0.1 (and Q4_K's dmin) */
        w[b + scale_at[type]] = 0x66;
        w[b + scale_at[type] + 1] = 0x2E;
        if (type == 2) {
            w[b + 2] = 0x66;
            w[b + 3] = 0x2E;
        }
    }
    for (int64_t i = 0; i < (int64_t)cols * batch; i++) {
        x[i] = (float)rand() / RAND_MAX - 0.5f;
    }
    kvs_quantize_rows(type, x, cols, 0, batch, xq, xBytes);
    kvs_matmul(type, w, rowBytes, xq, xBytes, cols, batch, 0, rows, out, rows);
    int n = 0;
    double start = cpu_seconds(), t;
    do {
        kvs_matmul(type, w, rowBytes, xq, xBytes, cols, batch, 0, rows, out, rows);
        n++;
        t = cpu_seconds() - start;
    } while (t < 1.0);
    double q0 = cpu_seconds();
    for (int i = 0; i < 20; i++) {
        kvs_quantize_rows(type, x, cols, 0, batch, xq, xBytes);
    }
    double quantize = (cpu_seconds() - q0) / 20;
    printf("%s %dx%d, batch %d, isa level %d: %.3f ms per product (%.1f GMAC/s of thread CPU time), "
           "quantizing the batch %.3f ms\n", names[type], rows, cols, batch, level, t / n * 1e3,
           (double)rows * cols * batch * n / t / 1e9, quantize * 1e3);
    return 0;
}
