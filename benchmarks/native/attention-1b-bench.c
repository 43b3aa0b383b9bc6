/*
 * The native F16-cache decode attention (kvs_attend_f16) at Llama-3.2-1B's shape: 16 layers x 8 kv-heads, groups of
 * 4 query heads, heads of 64; one task per kv-head and layer (DecodeAttention's split with 2 threads), THREADS
 * threads each taking its share of a layer's tasks, a barrier per layer; random halves, each array 16 bytes past a
 * 64-byte line (a Java short[]'s data starts 16 bytes into the object, whose own start is only 8-byte aligned;
 * -DOFF=0: on the line). Prints the best and median wall time of a step
 * (all layers) and the cache's bytes over the best; with a 4th argument, a plain AVX-512 read of the same bytes.
 *   gcc -O3 -pthread -o /tmp/ab1b attention-1b-bench.c kvscope_attention.c isa.c -lm   (isa.c: int kvs_isa(void){return 2;})
 *   /tmp/ab1b SLOTS STEPS [THREADS [read]]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void kvs_attend_f16(const uint16_t *, const uint16_t *, int, int, int, int, int, const float *, float *, int, float *,
                    float *, float *, int);
#define LAYERS 16
#define KVH 8
#define G 4
#define HD 64
static int n, steps, nthreads;
#ifndef OFF
#define OFF 16
#endif
static uint16_t *K[LAYERS * KVH], *V[LAYERS * KVH];
static float qs[KVH][G * HD], partial[KVH * G * HD], pmax[KVH * G], psum[KVH * G];
static pthread_barrier_t bar;
static int readonly; static size_t perg; static volatile float rsink;
#include <immintrin.h>
__attribute__((target("avx512f"))) static void rd(const uint16_t *p) {
    __m512 a = _mm512_setzero_ps(), b = a;
    for (size_t i = 0; i < perg; i += 64) { a = _mm512_add_ps(a, _mm512_castsi512_ps(_mm512_loadu_si512(p + i)));
        b = _mm512_add_ps(b, _mm512_castsi512_ps(_mm512_loadu_si512(p + i + 32))); }
    rsink += _mm512_reduce_add_ps(_mm512_add_ps(a, b));
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static void *work(void *arg) {
    int id = (int)(intptr_t)arg;
    int stride = (n + 31) / 16 * 16;
    float *scr = aligned_alloc(64, sizeof(float) * G * stride + 64);
    for (int s = 0; s < steps; s++) {
        pthread_barrier_wait(&bar);
        for (int l = 0; l < LAYERS; l++) {
            int per = KVH / nthreads;
            for (int h = id * per; h < (id + 1) * per; h++) {
                if (readonly) { rd(K[l * KVH + h]); rd(V[l * KVH + h]); continue; }
                kvs_attend_f16(K[l * KVH + h], V[l * KVH + h], 0, n, HD, G, 16, qs[h], scr, stride, partial, pmax, psum, h);
            }
            pthread_barrier_wait(&bar);
        }
    }
    return NULL;
}
int main(int argc, char **argv) {
    n = atoi(argv[1]); steps = atoi(argv[2]); nthreads = argc > 3 ? atoi(argv[3]) : 2; readonly = argc > 4;
    size_t per = (size_t)((n + 15) / 16 * 16) * HD; perg = per;
    for (int p = 0; p < LAYERS * KVH; p++) {
        K[p] = (uint16_t *)((char *)aligned_alloc(64, per * 2 + 64) + OFF); V[p] = (uint16_t *)((char *)aligned_alloc(64, per * 2 + 64) + OFF);
        for (size_t i = 0; i < per; i++) {
            K[p][i] = 0x3000 + (rand() & 0x7ff) + ((rand() & 1) << 15);
            V[p][i] = 0x3000 + (rand() & 0x7ff);
        }
    }
    for (int h = 0; h < KVH; h++) for (int i = 0; i < G * HD; i++) qs[h][i] = (rand() % 1000) / 1000.0f - 0.5f;
    pthread_barrier_init(&bar, NULL, nthreads + 1);
    pthread_t th[8];
    for (int i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, work, (void *)(intptr_t)i);
    double *t = malloc(sizeof(double) * steps);
    for (int s = 0; s < steps; s++) {
        double t0 = now();
        pthread_barrier_wait(&bar);
        for (int l = 0; l < LAYERS; l++) pthread_barrier_wait(&bar);
        t[s] = now() - t0;
    }
    for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
    double best = 1e30; for (int s = 1; s < steps; s++) best = t[s] < best ? t[s] : best;
    /* median */
    for (int a = 1; a < steps; a++) for (int b = a + 1; b < steps; b++) if (t[b] < t[a]) { double x = t[a]; t[a] = t[b]; t[b] = x; }
    double med = t[1 + (steps - 1) / 2];
    double bytes = 2.0 * LAYERS * KVH * per * 2;
    printf("%s ", readonly ? "READ" : "ATTEND"); printf("slots %d threads %d: best %.0f us, median %.0f us per step; cache %.1f MiB, %.1f GB/s at best; check %g\n", n, nthreads,
           best, med, bytes / 1048576, bytes / best / 1e3, partial[0] + pmax[0] + psum[0]);
    return 0;
}
