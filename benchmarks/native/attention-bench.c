/*
 * The native F16-cache decode attention alone (kvs_attend_f16), one thread, SmolLM2-135M's shape (30 layers,
 * 3 kv-heads, heads of 64, groups of 3, tasks of a third of the slots as DecodeAttention splits them with
 * 2 threads), random halves; prints the best step's thread CPU time and the cache's bytes over it, and a plain
 * read of the same bytes for comparison.
 *   gcc -O2 -mavx512f -o /tmp/ab attention-bench.c LIBKVSCOPE.so -Wl,-rpath,DIR && /tmp/ab SLOTS STEPS
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void kvs_attend_f16(const uint16_t *, const uint16_t *, int, int, int, int, int, const float *, float *, int, float *,
                    float *, float *, int);

static double cpu_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: attention-bench SLOTS STEPS\n");
        return 2;
    }
    int n = atoi(argv[1]), steps = atoi(argv[2]), pairs = 30 * 3, hd = 64, group = 3;
    size_t per = (size_t)((n + 15) / 16 * 16) * hd;
    uint16_t **k = malloc(pairs * sizeof *k), **v = malloc(pairs * sizeof *v);
    for (int p = 0; p < pairs; p++) {
        k[p] = aligned_alloc(64, per * 2);
        v[p] = aligned_alloc(64, per * 2);
        for (size_t i = 0; i < per; i++) { /* halves in [0.125, 0.25) of either sign: finite, no overflow */
            k[p][i] = 0x3000 + (rand() & 0x7ff) + ((rand() & 1) << 15);
            v[p][i] = 0x3000 + (rand() & 0x7ff);
        }
    }
    float qs[3 * 64], partial[3 * 3 * 64], pmax[9], psum[9], sink = 0;
    for (int i = 0; i < 3 * 64; i++) {
        qs[i] = (rand() % 1000) / 1000.0f - 0.5f;
    }
    int chunk = (n / 3 + 15) / 16 * 16;
    float *scratch = malloc(sizeof(float) * group * (chunk + 64));
    double best = 1e30, bestRead = 1e30;
    for (int s = 0; s < steps; s++) {
        double t0 = cpu_us();
        for (int p = 0; p < pairs; p++) {
            for (int c = 0; c < 3; c++) {
                int s0 = c * chunk, s1 = s0 + chunk < n ? s0 + chunk : n;
                if (s0 < s1) {
                    kvs_attend_f16(k[p], v[p], s0, s1, hd, group, 16, qs, scratch, (s1 - s0 + 31) / 16 * 16, partial,
                                   pmax, psum, c);
                    sink += partial[0];
                }
            }
        }
        double t = cpu_us() - t0;
        best = t < best ? t : best;
    }
    __m512 acc = _mm512_setzero_ps();
    for (int s = 0; s < steps; s++) {
        double t0 = cpu_us();
        for (int p = 0; p < pairs; p++) {
            for (size_t i = 0; i < (size_t)n * hd; i += 32) {
                acc = _mm512_add_ps(acc, _mm512_castsi512_ps(_mm512_load_si512(k[p] + i)));
                acc = _mm512_add_ps(acc, _mm512_castsi512_ps(_mm512_load_si512(v[p] + i)));
            }
        }
        double t = cpu_us() - t0;
        bestRead = t < bestRead ? t : bestRead;
    }
    float lanes[16];
    _mm512_storeu_ps(lanes, acc);
    double bytes = 2.0 * pairs * n * hd * 2;
    printf("slots %d: attention %.0f us a step (%.1f GB/s); plain read %.0f us (%.1f GB/s) [%g %g]\n", n, best,
           bytes / best / 1e3, bestRead, bytes / bestRead / 1e3, sink, lanes[0]);
    return 0;
}
