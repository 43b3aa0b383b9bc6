/*
 * One SmolLM2-135M Q4_0 decode step's products through libkvscope's kvs_matvec, two threads, no Java (q4s23,
 * docs/BENCHMARKS.md issue 17): per layer q/k/v (960 x 576), attention output (576 x 576), gate/up (3,072 x 576) and
 * down (576 x 1,536), then the tied logits (49,152 x 576): 76 MB of random Q4_0 rows in anonymous memory, streamed
 * from memory as in a real step. x is quantized once per product on thread 0 (kvs_quantize_q8_0), then each thread
 * takes its half of the rows in CHUNKS calls and the two meet at a spinning barrier: the floor of a step whose
 * hand-offs cost nothing but that barrier. Prints the median wall time of a step per configuration, alternated.
 *   gcc -O3 -o /tmp/q4step benchmarks/native/q4_0-135m-step.c -L$L -lkvscope -lpthread -Wl,-rpath,$L
 *   (L=inference-core/target/classes/native/linux-x86_64)   /tmp/q4step STEPS
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void kvs_matvec(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from, int to, float *out);
void kvs_quantize_q8_0(const float *x, int n, uint8_t *dst);

enum { LAYERS = 30, DIM = 576, FFN = 1536, VOCAB = 49152, PRODUCTS = 4 * LAYERS + 1 };
static const int ROWS[4] = {960, 576, 3072, 576}, COLS[4] = {576, 576, 576, 1536};
static uint8_t *W[PRODUCTS];
static int prows[PRODUCTS], pcols[PRODUCTS];
static float x[FFN], out[VOCAB];
static uint8_t xq[FFN / 32 * 36];
static int threads = 2, chunks = 1;
static volatile int gen, arrived, current;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void part(int p, int t) {
    int n = prows[p], from = (int)((int64_t)n * t / threads), to = (int)((int64_t)n * (t + 1) / threads);
    for (int c = 0; c < chunks; c++) {
        int a = from + (to - from) * c / chunks, b = from + (to - from) * (c + 1) / chunks;
        kvs_matvec(0, W[p], (int64_t)pcols[p] / 32 * 18, xq, pcols[p], a, b, out);
    }
}

static void *worker(void *arg) {
    (void)arg;
    int seen = 0;
    for (;;) {
        while (gen == seen) {
            __builtin_ia32_pause();
        }
        seen = gen;
        if (seen < 0) {
            return NULL;
        }
        part(current, 1);
        __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
    }
}

static double step(void) {
    static int g;
    double t0 = now();
    for (int p = 0; p < PRODUCTS; p++) {
        kvs_quantize_q8_0(x, pcols[p], xq);
        if (threads > 1) {
            arrived = 0;
            current = p;
            __atomic_store_n(&gen, ++g, __ATOMIC_SEQ_CST);
        }
        part(p, 0);
        if (threads > 1) {
            while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) == 0) {
                __builtin_ia32_pause();
            }
        }
    }
    return now() - t0;
}

static int cmp(const void *a, const void *b) {
    double d = *(const double *)a - *(const double *)b;
    return d < 0 ? -1 : d > 0;
}

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 50;
    for (int p = 0; p < PRODUCTS; p++) {
        int k = p == PRODUCTS - 1 ? -1 : p % 4;
        prows[p] = k < 0 ? VOCAB : ROWS[k];
        pcols[p] = k < 0 ? DIM : COLS[k];
        int64_t bytes = (int64_t)prows[p] * pcols[p] / 32 * 18;
        W[p] = malloc(bytes);
        for (int64_t i = 0; i < bytes; i++) {
            W[p][i] = (uint8_t)rand();
        }
        for (int64_t b = 0; b < bytes / 18; b++) { /* f16 scales near 0.01 */
            W[p][18 * b] = 0x1e;
            W[p][18 * b + 1] = 0x20;
        }
    }
    for (int i = 0; i < FFN; i++) {
        x[i] = (float)(rand() % 2001 - 1000) / 1000.0f;
    }
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    const int configs[][2] = {{1, 1}, {2, 1}, {2, 2}, {2, 4}, {2, 8}};
    double *times = malloc(sizeof(double) * steps);
    for (int round = 0; round < 2; round++) {
        for (int c = 0; c < 5; c++) {
            threads = configs[c][0];
            chunks = configs[c][1];
            for (int s = 0; s < steps; s++) {
                times[s] = step();
            }
            qsort(times, steps, sizeof(double), cmp);
            printf("round %d: %d thread(s), %d call(s) a thread a product: step median %.0f us (min %.0f)\n", round,
                   threads, chunks, times[steps / 2] * 1e6, times[0] * 1e6);
            fflush(stdout);
        }
    }
    gen = -1;
    pthread_join(t, NULL);
    return 0;
}
