/*
 * CPU, one thread, of H2O's every-row sum over one 2,048-token prefill's rows on the SmolLM2-135M shape (270 heads, four
 * rows a block as AttentionEvidence.recordBlock adds them), in C as kvs_add_rows_f32 runs it (AVX-512 and AVX2):
 * the native counterpart of scripts/BlockAddCost.java's "4 fused" (VectorOps.addFourRows). Timing only.
 * gcc -O3 -o /tmp/add4 scripts/add-four-rows-cost.c && /tmp/add4
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define N 2048
#define STRIDE 2056
#define HEADS 270
__attribute__((target("avx512f")))
static void add4(float *acc, const float *w, int s, int n) {
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        __m512 a = _mm512_loadu_ps(acc + k);
        a = _mm512_add_ps(a, _mm512_loadu_ps(w + k));
        a = _mm512_add_ps(a, _mm512_loadu_ps(w + s + k));
        a = _mm512_add_ps(a, _mm512_loadu_ps(w + 2 * s + k));
        a = _mm512_add_ps(a, _mm512_loadu_ps(w + 3 * s + k));
        _mm512_storeu_ps(acc + k, a);
    }
    for (; k < n; k++) acc[k] = acc[k] + w[k] + w[s + k] + w[2 * s + k] + w[3 * s + k];
}
__attribute__((target("avx2")))
static void add4_256(float *acc, const float *w, int s, int n) {
    int k = 0;
    for (; k + 8 <= n; k += 8) {
        __m256 a = _mm256_loadu_ps(acc + k);
        a = _mm256_add_ps(a, _mm256_loadu_ps(w + k));
        a = _mm256_add_ps(a, _mm256_loadu_ps(w + s + k));
        a = _mm256_add_ps(a, _mm256_loadu_ps(w + 2 * s + k));
        a = _mm256_add_ps(a, _mm256_loadu_ps(w + 3 * s + k));
        _mm256_storeu_ps(acc + k, a);
    }
    for (; k < n; k++) acc[k] = acc[k] + w[k] + w[s + k] + w[2 * s + k] + w[3 * s + k];
}
int main() {
    float *block = malloc(4 * STRIDE * 4);
    for (int i = 0; i < 4 * STRIDE; i++) block[i] = rand() * 1e-12f;
    float (*accs)[N] = calloc(HEADS, sizeof(float[N]));
    for (int round = 0; round < 6; round++) for (int mode = 0; mode < 2; mode++) {
        struct timespec a, b; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
        for (int h = 0; h < HEADS; h++) for (int q = 0; q + 4 <= N; q += 4) {
            if (mode == 0) add4(accs[h], block, STRIDE, q + 4); else add4_256(accs[h], block, STRIDE, q + 4);
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
        if (round >= 3) printf("round %d %s %.1f ms\n", round, mode ? "avx2" : "avx512", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
    }
    return 0;
}
