/*
 * CPU, one thread, of H2O's every-row sum over one 2,048-token prefill's rows on the SmolLM2-135M shape (270 heads, four
 * rows a block as AttentionEvidence.recordBlock adds them) in kvs_add_rows_f32 itself (the library's source included,
 * its AVX-512 and AVX2 paths): the native counterpart of scripts/BlockAddCost.java's "4 fused" (VectorOps.addFourRows). Timing only.
 * gcc -O3 -o /tmp/add4 scripts/add-four-rows-cost.c -lm && /tmp/add4
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "../inference-core/src/main/c/kvscope_policy_kernels.c" /* the library's own kernel, not a copy */
#define N 2048
#define STRIDE 2056
#define HEADS 270
static int level = 2; /* the instruction set kvs_add_rows_f32 dispatches on: 2 AVX-512, 1 AVX2 */
int kvs_isa(void) { return level; }
int main() {
    float *block = malloc(4 * STRIDE * 4);
    for (int i = 0; i < 4 * STRIDE; i++) block[i] = rand() * 1e-12f;
    float (*accs)[N] = calloc(HEADS, sizeof(float[N]));
    for (int round = 0; round < 6; round++) for (int mode = 0; mode < 2; mode++) {
        level = mode == 0 ? 2 : 1;
        struct timespec a, b; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
        for (int h = 0; h < HEADS; h++) for (int q = 0; q + 4 <= N; q += 4) {
            kvs_add_rows_f32(0, block, STRIDE, accs[h], q + 4, 0, 0, NULL);
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
        if (round >= 3) printf("round %d %s %.1f ms\n", round, mode ? "avx2" : "avx512", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
    }
    return 0;
}
