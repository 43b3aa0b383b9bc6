/*
 * Q4_K, Q6_K and Q8_0 decode kernels (kvs_matvec) of two libkvscope builds (avx25, kq26; docs/BENCHMARKS.md issue
 * 17): both libraries loaded in one process, run alternately on the same random rows and x. First checks that their
 * outputs agree (largest difference relative to the largest output, 256 to 8,192 columns, 1 to 13 rows, each type);
 * then per pass and library, the CPU and wall time of one Llama-3.2-1B decode step's products in the mix of
 * `kvscope synth --type MIX` (16 layers of q, k, v, attention output, gate, up and down, then the tied 128,256-row
 * logits, streamed from memory as in a real step) with THREADS threads splitting each product's rows, of a
 * 2,048 x 2,048 and a 512 x 8,192 product of the mix's first and last types in cache (one thread), and of x's
 * quantization (8,192 values). MIX (environment, default q4_k): q4_k (Q4_K, Q6_K ffn_down and logits: 835 MB),
 * q6_k (all Q6_K: 1,028 MB), q8_0 (all Q8_0: 1,331 MB).
 *   gcc -O3 -o /tmp/kqab benchmarks/native/kquant-ab.c -ldl -lm -lpthread
 *   [MIX=q8_0] /tmp/kqab A/libkvscope.so B/libkvscope.so PASSES [THREADS [ISA[,ISA_B]]]
 * ISA as kernel_ab.h says.
 */
#include "kernel_ab.h"

enum { Q8_0 = 1, Q4_K = 2, Q6_K = 3 };

static quant_fn quant8k[2], quant80[2];

static int block_bytes(int type) { return type == Q8_0 ? 34 : type == Q4_K ? 144 : 210; }
static int block_values(int type) { return type == Q8_0 ? 32 : 256; }
static int64_t row_bytes(int type, int cols) { return (int64_t)cols / block_values(type) * block_bytes(type); }
static int xq_bytes(int type, int cols) { return type == Q8_0 ? cols + cols / 32 * 8 : cols / 256 * 320; }
static const char *name(int type) { return type == Q8_0 ? "Q8_0" : type == Q4_K ? "Q4_K" : "Q6_K"; }
static void quantize(int lib, int type, const float *x, int n, uint8_t *xq) {
    (type == Q8_0 ? quant80 : quant8k)[lib](x, n, xq);
}

/* Random blocks with sane f16 scales (Q8_0: d at 0; Q4_K: d and dmin at 0 and 2; Q6_K: d at 208). */
static uint8_t *rows(int type, int64_t n, int cols) {
    int64_t bytes = n * row_bytes(type, cols), block = block_bytes(type);
    uint8_t *w = malloc(bytes);
    for (int64_t i = 0; i < bytes; i++) {
        w[i] = (uint8_t)rand();
    }
    for (int64_t b = 0; b < bytes / block; b++) {
        uint16_t h = half(0.001f + 0.002f * (rand() % 100) / 100.0f), m = half(0.001f + 0.001f * (rand() % 100) / 100.0f);
        memcpy(w + block * b + (type == Q6_K ? 208 : 0), &h, 2);
        if (type == Q4_K) {
            memcpy(w + block * b + 2, &m, 2);
        }
    }
    return w;
}

/* Rows [0, n) of a product on nt threads (1 or 2). */
static void product(int lib, int type, const uint8_t *w, int n, int cols, const uint8_t *xq, float *out, int nt) {
    split_product(lib, type, w, row_bytes(type, cols), n, cols, xq, out, nt);
}

int main(int argc, char **argv) {
    int status = load_libraries(argc, argv, "kqab", "kvs_quantize_q8k");
    if (status != 0) {
        return status;
    }
    for (int l = 0; l < 2; l++) {
        void *h = dlopen(argv[1 + l], RTLD_NOW | RTLD_LOCAL); /* the handle load_libraries opened */
        quant8k[l] = quant[l];
        quant80[l] = (quant_fn)dlsym(h, "kvs_quantize_q8_0");
    }
    const char *mix = getenv("MIX") ? getenv("MIX") : "q4_k";
    int attn = strcmp(mix, "q8_0") == 0 ? Q8_0 : strcmp(mix, "q6_k") == 0 ? Q6_K : Q4_K;
    int down = attn == Q4_K ? Q6_K : attn;
    int passes = atoi(argv[3]);
    static float x[8192];
    static uint8_t xq[2][8192 / 32 * 40];
    float *o[2] = {malloc(4 * 200000), malloc(4 * 200000)};
    fill_x(x, 8192);
    static const int cols[] = {256, 512, 1280, 2048, 8192};
    for (int type = Q8_0; type <= Q6_K; type++) {
        double worst = 0;
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            for (int n = 1; n <= 13; n += 4) {
                uint8_t *w = rows(type, n, cols[c]);
                for (int l = 0; l < 2; l++) {
                    quantize(l, type, x, cols[c], xq[l]);
                    matvec[l](type, w, row_bytes(type, cols[c]), xq[l], cols[c], 0, n, o[l]);
                }
                if (memcmp(xq[0], xq[1], xq_bytes(type, cols[c])) != 0) {
                    printf("quantized x differs at %d columns\n", cols[c]);
                }
                worst = fmax(worst, relative_difference(o[0], o[1], n));
                free(w);
            }
        }
        printf("%s: largest difference B - A: %.2g of the largest output\n", name(type), worst);
    }

    enum { DISTINCT = 4 };
    static const int shape[7][2] = {{2048, 2048}, {512, 2048}, {512, 2048}, {2048, 2048},
                                    {8192, 2048}, {8192, 2048}, {2048, 8192}};
    uint8_t *layer[DISTINCT][7], *logits = rows(down, 128256, 2048);
    double bytes = row_bytes(down, 2048) * 128256.0;
    for (int k = 0; k < 7; k++) {
        bytes += 16.0 * shape[k][0] * row_bytes(k == 6 ? down : attn, shape[k][1]);
    }
    for (int l = 0; l < DISTINCT; l++) {
        for (int k = 0; k < 7; k++) {
            layer[l][k] = rows(k == 6 ? down : attn, shape[k][0], shape[k][1]);
        }
    }
    uint8_t *small = rows(attn, 2048, 2048), *wide = rows(down, 512, 8192);
    static uint8_t x2[2][2048 / 32 * 40], x8[2][8192 / 32 * 40];
    int types[2] = {attn, down};
    for (int t = 0; t < 2; t++) {
        quantize(0, types[t], x, 2048, x2[t]);
        quantize(0, types[t], x, 8192, x8[t]);
    }
    printf("%s mix: a step streams %.0f MB\n", mix, bytes / 1e6);
    float *out = malloc(4 * 128256);
    for (int pass = 0; pass < passes; pass++) {
        for (int lib = 0; lib < 2; lib++) {
            double c0 = now(CLOCK_PROCESS_CPUTIME_ID), t0 = now(CLOCK_MONOTONIC);
            for (int layerNo = 0; layerNo < 16; layerNo++) {
                for (int k = 0; k < 7; k++) {
                    int type = k == 6 ? down : attn;
                    product(lib, type, layer[layerNo % DISTINCT][k], shape[k][0], shape[k][1],
                            shape[k][1] == 2048 ? x2[type != attn] : x8[type != attn], out, threads);
                }
            }
            product(lib, down, logits, 128256, 2048, x2[1], out, threads);
            double step = now(CLOCK_PROCESS_CPUTIME_ID) - c0, wall = now(CLOCK_MONOTONIC) - t0;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 200; i++) {
                product(lib, attn, small, 2048, 2048, x2[0], out, 1);
            }
            double s = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 200;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 200; i++) {
                product(lib, down, wide, 512, 8192, x8[1], out, 1);
            }
            double v = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 200;
            c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < 2000; i++) {
                quantize(lib, attn, x, 8192, x8[0]);
            }
            double qt = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / 2000;
            printf("pass %d %s: step CPU %.2f ms (wall %.2f ms, %.1f GB/s), %s 2048x2048 in cache %.1f us "
                   "(%.1f GB/s of CPU), %s 512x8192 %.1f us (%.1f GB/s of CPU); quantize 8,192 values %.2f us\n",
                   pass, lib ? "B" : "A", step * 1e3, wall * 1e3, bytes / wall / 1e9, name(attn), s * 1e6,
                   2048.0 * row_bytes(attn, 2048) / s / 1e9, name(down), v * 1e6,
                   512.0 * row_bytes(down, 8192) / v / 1e9, qt * 1e6);
        }
    }
    return 0;
}
