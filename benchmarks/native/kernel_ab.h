/*
 * What the kernel A/B harnesses (q4_0-ab.c, kquant-ab.c) share: two libkvscope builds loaded in one process
 * (dlopen, RTLD_LOCAL), each product's rows split over one or two threads, timers and a half-precision helper.
 * Arguments: LIB_A LIB_B PASSES [THREADS [ISA[,ISA_B]]]; ISA (0 scalar, 1 AVX2, 2 AVX-512 VNNI; default the CPU's
 * best) caps both libraries (kvs_limit_isa), ISA,ISA_B caps them apart.
 */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*quant_fn)(const float *, int, uint8_t *);
typedef int (*limit_fn)(int);
typedef void (*matvec_fn)(int, const uint8_t *, int64_t, const uint8_t *, int, int, int, float *);
static quant_fn quant[2];
static matvec_fn matvec[2];
static int threads = 1;

static double now(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint16_t half(float f) { /* normal values only (the scales used are about 0.001 to 0.015) */
    uint32_t b;
    memcpy(&b, &f, 4);
    return (uint16_t)(((b >> 16) & 0x8000) | ((((b >> 23) & 0xFF) - 112) << 10) | ((b >> 13) & 0x3FF));
}

typedef struct {
    int lib, type, cols, from, to;
    int64_t rowBytes;
    const uint8_t *w, *xq;
    float *out;
} Job;

static void *work(void *a) {
    Job *j = a;
    matvec[j->lib](j->type, j->w, j->rowBytes, j->xq, j->cols, j->from, j->to, j->out);
    return NULL;
}

/* Rows [0, n) of one product by library lib: on this thread, or the two halves on two threads where nt is 2. */
static void split_product(int lib, int type, const uint8_t *w, int64_t rowBytes, int n, int cols, const uint8_t *xq,
                          float *out, int nt) {
    Job a = {lib, type, cols, 0, nt == 1 ? n : n / 2, rowBytes, w, xq, out};
    Job b = {lib, type, cols, n / 2, n, rowBytes, w, xq, out};
    if (nt == 1) {
        work(&a);
        return;
    }
    pthread_t t;
    pthread_create(&t, NULL, work, &b);
    work(&a);
    pthread_join(t, NULL);
}

/* Loads the two libraries named by argv (quant from quantSymbol, kvs_matvec), capping their instruction sets as the
 * arguments say; sets threads. Returns 0, or prints the problem and returns its exit status. */
static int load_libraries(int argc, char **argv, const char *name, const char *quantSymbol) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s LIB_A LIB_B PASSES [THREADS [ISA[,ISA_B]]]\n", name);
        return 2;
    }
    for (int l = 0; l < 2; l++) {
        void *h = dlopen(argv[1 + l], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "%s\n", dlerror());
            return 1;
        }
        quant[l] = (quant_fn)dlsym(h, quantSymbol);
        matvec[l] = (matvec_fn)dlsym(h, "kvs_matvec");
        if (argc > 5) {
            const char *comma = strchr(argv[5], ',');
            int level = atoi(l == 1 && comma != NULL ? comma + 1 : argv[5]);
            printf("library %c at instruction-set level %d\n", 'A' + l, ((limit_fn)dlsym(h, "kvs_limit_isa"))(level));
        }
    }
    threads = argc > 4 ? atoi(argv[4]) : 1;
    return 0;
}

/* The harnesses' input: x[i] = sin(0.37 i) (1 + i mod 11); the random rows' seed. */
static void fill_x(float *x, int n) {
    srand(5);
    for (int i = 0; i < n; i++) {
        x[i] = (float)sin(0.37 * i) * (1.0f + (i % 11));
    }
}

/* The largest |a - b| over n outputs, relative to the largest |a|. */
static double relative_difference(const float *a, const float *b, int n) {
    double big = 0, d = 0;
    for (int r = 0; r < n; r++) {
        big = fmax(big, fabs(a[r]));
        d = fmax(d, fabs(a[r] - b[r]));
    }
    return d / big;
}
