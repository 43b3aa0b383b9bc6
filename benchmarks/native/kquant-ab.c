/*
 * Q4_K and Q6_K decode kernels (kvs_matvec) of two libkvscope builds (avx25, docs/BENCHMARKS.md issue 17): both
 * libraries loaded in one process, run alternately on the same random rows and x. First checks that their outputs
 * agree (largest difference relative to the largest output, 256 to 8,192 columns, 1 to 13 rows); then per pass and
 * library, the CPU and wall time of one Llama-3.2-1B decode step's products in the Q4_K_M-style mix of
 * `kvscope synth --type q4_k` (16 layers of Q4_K q, k, v, attention output, gate and up, Q6_K down, then the tied
 * Q6_K 128,256-row logits: 835 MB streamed from memory, as in a real step) with THREADS threads splitting each
 * product's rows, and of a 2,048 x 2,048 Q4_K and a 512 x 8,192 Q6_K product in cache (one thread), and of x's
 * quantization (kvs_quantize_q8k, 8,192 values).
 *   gcc -O3 -o /tmp/kqab benchmarks/native/kquant-ab.c -ldl -lm -lpthread
 *   /tmp/kqab A/libkvscope.so B/libkvscope.so PASSES [THREADS [ISA[,ISA_B]]]
 * ISA as kernel_ab.h says.
 */
#include "kernel_ab.h"

enum { Q4_K = 2, Q6_K = 3 };

static int64_t row_bytes(int type, int cols) { return (int64_t)cols / 256 * (type == Q4_K ? 144 : 210); }

/* Random blocks with sane f16 scales (Q4_K: d and dmin at 0 and 2; Q6_K: d at 208). */
static uint8_t *rows(int type, int64_t n, int cols) {
    int64_t bytes = n * row_bytes(type, cols), block = type == Q4_K ? 144 : 210;
    uint8_t *w = malloc(bytes);
    for (int64_t i = 0; i < bytes; i++) {
        w[i] = (uint8_t)rand();
    }
    for (int64_t b = 0; b < bytes / block; b++) {
        uint16_t h = half(0.001f + 0.002f * (rand() % 100) / 100.0f), m = half(0.001f + 0.001f * (rand() % 100) / 100.0f);
        memcpy(w + block * b + (type == Q4_K ? 0 : 208), &h, 2);
        if (type == Q4_K) {
            memcpy(w + block * b + 2, &m, 2);
        }
    }
    return w;
}

/* Rows [0, n) of a Q4_K or Q6_K product on nt threads (1 or 2). */
static void product(int lib, int type, const uint8_t *w, int n, int cols, const uint8_t *xq, float *out, int nt) {
    split_product(lib, type, w, row_bytes(type, cols), n, cols, xq, out, nt);
}

int main(int argc, char **argv) {
    int status = load_libraries(argc, argv, "kqab", "kvs_quantize_q8k");
    if (status != 0) {
        return status;
    }
    int passes = atoi(argv[3]);
    static float x[8192];
    static uint8_t xq[2][8192 / 256 * 320];
    float *o[2] = {malloc(4 * 200000), malloc(4 * 200000)};
    fill_x(x, 8192);
    static const int cols[] = {256, 512, 1280, 2048, 8192};
    for (int type = Q4_K; type <= Q6_K; type++) {
        double worst = 0;
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            for (int n = 1; n <= 13; n += 4) {
                uint8_t *w = rows(type, n, cols[c]);
                for (int l = 0; l < 2; l++) {
                    quant[l](x, cols[c], xq[l]);
                    matvec[l](type, w, row_bytes(type, cols[c]), xq[l], cols[c], 0, n, o[l]);
                }
                if (memcmp(xq[0], xq[1], cols[c] / 256 * 320) != 0) {
                    printf("quantized x differs at %d columns\n", cols[c]);
                }
                worst = fmax(worst, relative_difference(o[0], o[1], n));
                free(w);
            }
        }
        printf("%s: largest difference B - A: %.2g of the largest output\n", type == Q4_K ? "Q4_K" : "Q6_K", worst);
    }

    enum { DISTINCT = 4 };
    static const int shape[7][3] = {{2048, 2048, Q4_K}, {512, 2048, Q4_K}, {512, 2048, Q4_K}, {2048, 2048, Q4_K},
                                    {8192, 2048, Q4_K}, {8192, 2048, Q4_K}, {2048, 8192, Q6_K}};
    uint8_t *layer[DISTINCT][7], *logits = rows(Q6_K, 128256, 2048);
    double bytes = row_bytes(Q6_K, 2048) * 128256.0;
    for (int k = 0; k < 7; k++) {
        bytes += 16.0 * shape[k][0] * row_bytes(shape[k][2], shape[k][1]);
    }
    for (int l = 0; l < DISTINCT; l++) {
        for (int k = 0; k < 7; k++) {
            layer[l][k] = rows(shape[k][2], shape[k][0], shape[k][1]);
        }
    }
    uint8_t *small = rows(Q4_K, 2048, 2048), *wide = rows(Q6_K, 512, 8192);
    static uint8_t x2[2048 / 256 * 320], x8[8192 / 256 * 320];
    quant[0](x, 2048, x2);
    quant[0](x, 8192, x8);
    float *out = malloc(4 * 128256);
    for (int pass = 0; pass < passes; pass++) {
        for (int lib = 0; lib < 2; lib++) {
            double c0 = now(CLOCK_PROCESS_CPUTIME_ID), t0 = now(CLOCK_MONOTONIC);
            for (int layerNo = 0; layerNo < 16; layerNo++) {
                for (int k = 0; k < 7; k++) {
                    product(lib, shape[k][2], layer[layerNo % DISTINCT][k], shape[k][0], shape[k][1],
                            shape[k][1] == 2048 ? x2 : x8, out, threads);
                }
            }
            product(lib, Q6_K, logits, 128256, 2048, x2, out, threads);
            double step = now(CLOCK_PROCESS_CPUTIME_ID) - c0, wall = now(CLOCK_MONOTONIC) - t0;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 200; i++) {
                product(lib, Q4_K, small, 2048, 2048, x2, out, 1);
            }
            double s = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 200;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 200; i++) {
                product(lib, Q6_K, wide, 512, 8192, x8, out, 1);
            }
            double v = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 200;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 2000; i++) {
                quant[lib](x, 8192, x8);
            }
            double qt = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 2000;
            printf("pass %d %s: step CPU %.2f ms (wall %.2f ms, %.1f GB/s), Q4_K 2048x2048 in cache %.1f us "
                   "(%.1f GB/s of CPU), Q6_K 512x8192 %.1f us (%.1f GB/s of CPU); quantize 8,192 values %.2f us\n",
                   pass, lib ? "B" : "A", step * 1e3, wall * 1e3, bytes / wall / 1e9, s * 1e6,
                   2048.0 * row_bytes(Q4_K, 2048) / s / 1e9, v * 1e6, 512.0 * row_bytes(Q6_K, 8192) / v / 1e9, qt * 1e6);
        }
    }
    return 0;
}
