/*
 * Q4_0 decode products, one thread (q4d17, docs/BENCHMARKS.md issue 17): libkvscope's kvs_matvec against llama.cpp's
 * own Q4_0 gemv (ggml_gemv_q4_0_8x8_q8_0 of the zen4 build that llama-bench loads here, which llama.cpp runs on AVX2
 * and AVX-512 CPUs after repacking the weights at load into 8-row interleaved blocks: ggml-cpu/repack.cpp,
 * make_block_q4_0x8) and against a 16-row interleaved layout written here (lane i of a zmm = row i, one vpdpbusd per
 * 4 values of 16 rows with x's 4 quants broadcast, one f16 scale conversion per block of 16 rows), all on the same
 * random weights and x. "model step": every product of one SmolLM2-135M decode step (30 layers of q/k/v, attention
 * output, gate/up, down, then the tied logits: 76 MB of weights, streamed from memory as in a real step); "in
 * cache": one 3,072 x 576 product (gate/up) again and again. Thread CPU time, so what other processes take is not
 * counted. Prints each kernel's largest difference from kvscope's, relative to the largest output, and the time of
 * the input's quantization (kvs_quantize_q8_0, kvs_quantize_q8k) at each instruction-set level.
 *   L=inference-core/target/classes/native/linux-x86_64 G=/tmp/kvscope-llamacpp/bin
 *   gcc -O3 -mavx2 -mf16c -o /tmp/q4b benchmarks/native/q4_0-decode-bench.c -L$L -lkvscope -L$G -l:libggml-cpu-zen4.so \
 *       -l:libggml-base.so -lm -Wl,-rpath,$PWD/$L:$G
 *   /tmp/q4b TOKENS        (e.g. 20)
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void kvs_quantize_q8_0(const float *x, int n, uint8_t *dst);
void kvs_quantize_q8k(const float *x, int n, uint8_t *dst);
int kvs_limit_isa(int level);
void kvs_matvec(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from, int to, float *out);
/* what ggml::cpu::repack::gemv<block_q4_0, 8, 8, GGML_TYPE_Q8_0> calls (ggml-cpu/arch/x86/repack.cpp) */
void ggml_gemv_q4_0_8x8_q8_0(int n, float *s, size_t bs, const void *vx,
                             const void *vy, int nr, int nc);
#define GGML_GEMV ggml_gemv_q4_0_8x8_q8_0
void ggml_cpu_init(void); /* fills ggml's f16 table, which the gemv reads */

static double cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    int rows, cols;
    uint8_t *file; /* ggml's Q4_0 rows: f16 d, 16 bytes of nibbles per 32 values */
    uint8_t *x8;   /* llama.cpp's repacked blocks: per 8 rows and block, 8 f16 d then 128 bytes */
    uint8_t *x16;  /* 16-row groups: per block 4 x 64 bytes (lane i = row i's 4 bytes), then the group's f16 scales */
} Mat;

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))

/* bytes ahead of the loads that the repacked kernel prefetches (one contiguous stream per matrix) */
#define PF 2048
/* rows [0, 16 * groups) of the repacked matrix times xq (kvscope's Q8_0 input layout) */
AVX512 static void x16_rows(const uint8_t *g16, int nb, int groups, const uint8_t *xq, float *out) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const float *xd = (const float *)(xq + 32 * nb);
    const int32_t *xs = (const int32_t *)(xq + 36 * nb);
    for (int g = 0; g < groups; g++) {
        const uint8_t *q = g16 + (size_t)g * nb * 288, *d = q + (size_t)nb * 256;
        __m512 acc = _mm512_setzero_ps();
        for (int b = 0; b < nb; b++) {
            const uint8_t *x = xq + 32 * b;
            const uint8_t *v = q + 256 * b;
            __m512i a0 = _mm512_set1_epi32(-8 * xs[b]), a1 = _mm512_setzero_si512();
            for (int k = 0; k < 4; k++) {
                __m512i w = _mm512_load_si512(v + 64 * k);
                _mm_prefetch((const char *)v + 64 * k + PF, _MM_HINT_T0);
                int32_t lo, hi;
                memcpy(&lo, x + 4 * k, 4);
                memcpy(&hi, x + 16 + 4 * k, 4);
                a0 = _mm512_dpbusd_epi32(a0, _mm512_and_si512(w, m4), _mm512_set1_epi32(lo));
                a1 = _mm512_dpbusd_epi32(a1, _mm512_and_si512(_mm512_srli_epi16(w, 4), m4), _mm512_set1_epi32(hi));
            }
            __m512 s = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(d + 32 * b))), _mm512_set1_ps(xd[b]));
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(a0, a1)), s, acc);
        }
        _mm512_storeu_ps(out + 16 * g, acc);
    }
}

static void make(Mat *m, int rows, int cols) {
    int nb = cols / 32;
    m->rows = rows;
    m->cols = cols;
    m->file = aligned_alloc(64, ((size_t)rows * nb * 18 + 63) / 64 * 64);
    m->x8 = aligned_alloc(64, (size_t)rows * nb * 18);
    for (size_t i = 0; i < (size_t)rows * nb * 18; i++) {
        m->file[i] = (uint8_t)rand();
    }
    for (size_t b = 0; b < (size_t)rows * nb; b++) { /* f16 scales about 0.01 */
        uint16_t h = _cvtss_sh(0.005f + 0.01f * (rand() % 100) / 100.0f, 0);
        memcpy(m->file + 18 * b, &h, 2);
    }
    m->x16 = aligned_alloc(64, (size_t)rows * nb * 18);
    for (int g = 0; g < rows / 16; g++) {
        uint8_t *q = m->x16 + (size_t)g * nb * 288, *d = q + (size_t)nb * 256;
        for (int b = 0; b < nb; b++) {
            for (int i = 0; i < 16; i++) {
                const uint8_t *src = m->file + ((size_t)(16 * g + i) * nb + b) * 18;
                memcpy(d + 32 * b + 2 * i, src, 2);
                for (int k = 0; k < 4; k++) {
                    memcpy(q + 256 * b + 64 * k + 4 * i, src + 2 + 4 * k, 4);
                }
            }
        }
    }
    for (int g = 0; g < rows / 8; g++) {
        for (int b = 0; b < nb; b++) {
            uint8_t *dst = m->x8 + ((size_t)g * nb + b) * 144;
            for (int i = 0; i < 8; i++) {
                memcpy(dst + 2 * i, m->file + ((size_t)(8 * g + i) * nb + b) * 18, 2);
            }
            for (int i = 0; i < 16; i++) { /* make_block_q4_0x8, interleave 8 */
                uint64_t e;
                memcpy(&e, m->file + ((size_t)(8 * g + i % 8) * nb + b) * 18 + 2 + (i / 8) * 8, 8);
                e ^= 0x8888888888888888ULL;
                memcpy(dst + 16 + 8 * i, &e, 8);
            }
        }
    }
}

/* block_q8_0 (f16 d, 32 int8) from kvscope's quantized x (quants, then float scales). */
static void to_ggml(const uint8_t *xq, int cols, uint8_t *dst) {
    const float *d = (const float *)(xq + cols);
    for (int b = 0; b < cols / 32; b++) {
        uint16_t h = _cvtss_sh(d[b], 0);
        memcpy(dst + 34 * b, &h, 2);
        memcpy(dst + 34 * b + 2, xq + 32 * b, 32);
    }
}

/* rows [from, to) of m; from and to multiples of 16 */
static void run_kvscope(const Mat *m, const uint8_t *xq, float *out, int from, int to) {
    kvs_matvec(0, m->file, (int64_t)m->cols / 32 * 18, xq, m->cols, from, to, out);
}

static void run_x16(const Mat *m, const uint8_t *xq, float *out, int from, int to) {
    x16_rows(m->x16 + (size_t)from * m->cols / 32 * 18, m->cols / 32, (to - from) / 16, xq, out + from);
}

static void run_ggml(const Mat *m, const uint8_t *xg, float *out, int from, int to) {
    GGML_GEMV(m->cols, out + from, 0, m->x8 + (size_t)from * m->cols / 32 * 18, xg, 1, to - from);
}

enum { ENGINES = 3 };

static void run_range(int e, const Mat *m, const uint8_t *xq, const uint8_t *xg, float *out, int from, int to) {
    switch (e) {
    case 0: run_kvscope(m, xq, out, from, to); break;
    case 1: run_ggml(m, xg, out, from, to); break;
    default: run_x16(m, xq, out, from, to); break;
    }
}

static void run(int e, const Mat *m, const uint8_t *xq, const uint8_t *xg, float *out) {
    run_range(e, m, xq, xg, out, 0, m->rows);
}

enum { LAYERS = 30 };
static Mat layer[LAYERS][4], logits;
static uint8_t xq576[576 / 32 * 40], xq1536[1536 / 32 * 40], xg576[576 / 32 * 34], xg1536[1536 / 32 * 34];

int main(int argc, char **argv) {
    int tokens = argc > 1 ? atoi(argv[1]) : 40;
    ggml_cpu_init();
    srand(7);
    static const int shape[5][2] = {{960, 576}, {576, 576}, {3072, 576}, {576, 1536}, {49152, 576}};
    for (int l = 0; l < LAYERS; l++) {
        for (int k = 0; k < 4; k++) {
            make(&layer[l][k], shape[k][0], shape[k][1]);
        }
    }
    make(&logits, shape[4][0], shape[4][1]);
    float x[1536], *out = malloc(4 * 49152), *ref = malloc(4 * 49152);
    for (int i = 0; i < 1536; i++) {
        x[i] = (float)sin(0.37 * i) * (1.0f + (i % 11));
    }
    kvs_quantize_q8_0(x, 576, xq576);
    kvs_quantize_q8_0(x, 1536, xq1536);
    to_ggml(xq576, 576, xg576);
    to_ggml(xq1536, 1536, xg1536);

    /* each engine against kvscope's kernel: llama.cpp within f16 rounding of x's scales, the repacked form within float order */
    static const char *names[] = {"kvscope", "llama.cpp", "16-row repack"};
    for (int e = 1; e < ENGINES; e++) {
        double worst = 0;
        for (int k = 0; k < 4; k++) {
            const Mat *m = &layer[0][k];
            int wide = m->cols == 1536;
            run(0, m, wide ? xq1536 : xq576, wide ? xg1536 : xg576, ref);
            run(e, m, wide ? xq1536 : xq576, wide ? xg1536 : xg576, out);
            double big = 0;
            for (int r = 0; r < m->rows; r++) {
                big = fabs(ref[r]) > big ? fabs(ref[r]) : big;
            }
            for (int r = 0; r < m->rows; r++) {
                double d = fabs(out[r] - ref[r]) / big;
                worst = d > worst ? d : worst;
            }
        }
        printf("%s against kvscope: largest difference %.2g of the largest output\n", names[e], worst);
    }

    /* x's quantization (once per product, on the calling thread before the rows are shared out), per level */
    for (int level = 0; level <= 2; level++) {
        int used = kvs_limit_isa(level);
        double q[2];
        for (int w = 0; w < 2; w++) {
            int n = w ? 1536 : 576;
            double t0 = cpu();
            for (int i = 0; i < 100000; i++) {
                kvs_quantize_q8_0(x, n, w ? xq1536 : xq576);
            }
            q[w] = (cpu() - t0) / 100000;
        }
        printf("kvs_quantize_q8_0 at level %d: %.3f us (576 values), %.3f us (1,536)\n", used, q[0] * 1e6, q[1] * 1e6);
        static float wide[8192];
        static uint8_t wq[8192 / 256 * 320];
        for (int i = 0; i < 8192; i++) {
            wide[i] = x[i % 1536] * (1.0f + (i % 3));
        }
        for (int w = 0; w < 2; w++) { /* the K-quants' input (Q8K) at the 1B shape's widths */
            int n = w ? 8192 : 2048;
            double t0 = cpu();
            for (int i = 0; i < 20000; i++) {
                kvs_quantize_q8k(wide, n, wq);
            }
            q[w] = (cpu() - t0) / 20000;
        }
        printf("kvs_quantize_q8k at level %d: %.3f us (2,048 values), %.3f us (8,192)\n", used, q[0] * 1e6, q[1] * 1e6);
    }
    kvs_limit_isa(9);
    kvs_quantize_q8_0(x, 576, xq576);
    kvs_quantize_q8_0(x, 1536, xq1536);

    for (int pass = 0; pass < 3; pass++) {
        double t[ENGINES], u[ENGINES];
        for (int e = 0; e < ENGINES; e++) {
            double t0 = cpu();
            for (int n = 0; n < tokens; n++) {
                for (int l = 0; l < LAYERS; l++) {
                    for (int k = 0; k < 4; k++) {
                        const Mat *m = &layer[l][k];
                        int wide = m->cols == 1536;
                        run(e, m, wide ? xq1536 : xq576, wide ? xg1536 : xg576, out);
                    }
                }
                run(e, &logits, xq576, xg576, out);
            }
            t[e] = (cpu() - t0) / tokens;
        }
        const Mat *c = &layer[0][2];
        for (int e = 0; e < ENGINES; e++) {
            double t0 = cpu();
            for (int n = 0; n < 2000; n++) {
                run(e, c, xq576, xg576, out);
            }
            u[e] = (cpu() - t0) / 2000;
        }
        printf("CPU us per model step (streamed) / per 3072x576 product (in cache):");
        for (int e = 0; e < ENGINES; e++) {
            printf("  %s %.0f / %.1f", names[e], t[e] * 1e6, u[e] * 1e6);
        }
        printf("\n");
    }
    return 0;
}
