/*
 * Q4_0 decode kernels of two libkvscope builds (q4d22, docs/BENCHMARKS.md issue 17): both libraries loaded in one
 * process, run alternately on the same random rows and x. First checks that their outputs agree (largest difference
 * relative to the largest output, shapes with tails of every kind); then per pass and library, the process's CPU time
 * of one Llama-3.2-1B decode step's products with THREADS threads splitting each product's rows (16 layers of q, k, v,
 * attention output, gate, up, down, then the tied 128,256-row logits: 695 MB of weights streamed from memory, as in a
 * real step; the wall time too), of one 2,048 x 2,048 and one 512 x 8,192 product in cache, and of the SmolLM2-135M
 * shape's 3,072 x 576 (gate/up) and 576 x 1,536 (down) products.
 *   gcc -O3 -o /tmp/q4ab benchmarks/native/q4_0-ab.c -ldl -lm -lpthread
 *   /tmp/q4ab A/libkvscope.so B/libkvscope.so PASSES [THREADS [ISA[,ISA_B]]]
 * ISA (0 scalar, 1 AVX2, 2 AVX-512 VNNI; default the CPU's best) caps both libraries (kvs_limit_isa): 1 times what an
 * AVX2 CPU runs. ISA,ISA_B caps them apart: A B at 1,2 with copies of one library under two names times its two
 * levels against each other (q4d25).
 */
#include "kernel_ab.h"

static uint8_t *rows(int64_t n, int cols) {
    int64_t bytes = n * (cols / 32) * 18;
    uint8_t *w = malloc(bytes);
    for (int64_t i = 0; i < bytes; i++) {
        w[i] = (uint8_t)rand();
    }
    for (int64_t b = 0; b < bytes / 18; b++) {
        uint16_t h = half(0.005f + 0.01f * (rand() % 100) / 100.0f);
        memcpy(w + 18 * b, &h, 2);
    }
    return w;
}

/* Rows [0, n) of a Q4_0 product, split over the harness's threads. */
static void product(int lib, const uint8_t *w, int n, int cols, const uint8_t *xq, float *out) {
    split_product(lib, 0, w, (int64_t)cols / 32 * 18, n, cols, xq, out, threads);
}

int main(int argc, char **argv) {
    int status = load_libraries(argc, argv, "q4ab", "kvs_quantize_q8_0");
    if (status != 0) {
        return status;
    }
    int passes = atoi(argv[3]);
    static float x[40000];
    static uint8_t xq[2][40000 / 32 * 40];
    float *o[2] = {malloc(4 * 200000), malloc(4 * 200000)};
    fill_x(x, 40000);
    static const int cols[] = {32, 64, 96, 576, 800, 1536, 2048, 8192, 16384, 16416, 33280};
    double worst = 0;
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        for (int n = 1; n <= 13; n += 4) {
            uint8_t *w = rows(n, cols[c]);
            for (int l = 0; l < 2; l++) {
                quant[l](x, cols[c], xq[l]);
                matvec[l](0, w, (int64_t)cols[c] / 32 * 18, xq[l], cols[c], 0, n, o[l]);
            }
            if (memcmp(xq[0], xq[1], cols[c] / 32 * 40) != 0) {
                printf("quantized x differs at %d columns\n", cols[c]);
            }
            worst = fmax(worst, relative_difference(o[0], o[1], n));
            free(w);
        }
    }
    printf("largest difference B - A: %.2g of the largest output\n", worst);

    enum { DISTINCT = 4 };
    static const int shape[7][2] = {{2048, 2048}, {512, 2048}, {512, 2048}, {2048, 2048},
                                    {8192, 2048}, {8192, 2048}, {2048, 8192}};
    uint8_t *layer[DISTINCT][7], *logits = rows(128256, 2048);
    for (int l = 0; l < DISTINCT; l++) {
        for (int k = 0; k < 7; k++) {
            layer[l][k] = rows(shape[k][0], shape[k][1]);
        }
    }
    uint8_t *small = rows(2048, 2048), *wide = rows(512, 8192), *gate135 = rows(3072, 576), *down135 = rows(576, 1536);
    static uint8_t x2[2048 / 32 * 40], x8[8192 / 32 * 40], x576[576 / 32 * 40], x1536[1536 / 32 * 40];
    quant[0](x, 2048, x2);
    quant[0](x, 8192, x8);
    quant[0](x, 576, x576);
    quant[0](x, 1536, x1536);
    float *out = malloc(4 * 128256);
    for (int pass = 0; pass < passes; pass++) {
        for (int lib = 0; lib < 2; lib++) {
            double c0 = now(CLOCK_PROCESS_CPUTIME_ID), t0 = now(CLOCK_MONOTONIC);
            for (int layerNo = 0; layerNo < 16; layerNo++) {
                for (int k = 0; k < 7; k++) {
                    const uint8_t *xk = shape[k][1] == 2048 ? x2 : x8;
                    product(lib, layer[layerNo % DISTINCT][k], shape[k][0], shape[k][1], xk, out);
                }
            }
            product(lib, logits, 128256, 2048, x2, out);
            double step = now(CLOCK_PROCESS_CPUTIME_ID) - c0, wall = now(CLOCK_MONOTONIC) - t0;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 200; i++) {
                product(lib, small, 2048, 2048, x2, out);
            }
            double s = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 200;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 200; i++) {
                product(lib, wide, 512, 8192, x8, out);
            }
            double v = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 200;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 1000; i++) {
                product(lib, gate135, 3072, 576, x576, out);
            }
            double g = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 1000;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 1000; i++) {
                product(lib, down135, 576, 1536, x1536, out);
            }
            double d = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 1000;
            printf("pass %d %s: step CPU %.2f ms (wall %.2f ms, %.1f GB/s), 2048x2048 in cache %.1f us "
                   "(%.1f GB/s of CPU), 512x8192 %.1f us; 135M shapes 3072x576 %.1f us, 576x1536 %.1f us\n",
                   pass, lib ? "B" : "A", step * 1e3, wall * 1e3, 695.0e6 / wall / 1e9, s * 1e6, 2.36e6 / s / 1e9,
                   v * 1e6, g * 1e6, d * 1e6);
        }
    }
    return 0;
}
