/*
 * Where a 1B float decode token's memory bandwidth goes (issue 17, bw17, docs/BENCHMARKS.md): the weight products of
 * one Llama-3.2-1B decode token (16 layers of q/k/v fused, attention output, gate/up grouped by 16 rows, down; then the
 * 128,256-row output matrix), on two threads split as org.kvscope.tensor.Parallel splits them (each participant's
 * contiguous region of chunks front to back, then the other's from the back; one spin hand-off per product), with a
 * chosen row kernel:
 *   read   a plain streaming read of the same rows (AVX-512 loads added up): the ceiling
 *   kvs    libkvscope's kvs_matvec_float (the library built from the working tree)
 *   lib=P  kvs_matvec_float of another build of the library, P (an A/B of two builds in one process)
 *   rN[pD|n] N rows per pass (1, 2 or 4) with a software prefetch D bytes ahead of each row's loads, or (n) of the
 *          next pass's rows at the same columns, a line at a time, into L1 (n), L2 (t) or non-temporal (q)
 *   hN     r1 where x is at most 16 KiB (4,096 columns), else rNn
 *   readsN N interleaved streams a thread (1-8): each call's rows cut in N equal parts read in lockstep, 64 bytes each
 *   readpD[t|q] the plain read with a software prefetch D bytes ahead of each line, into L1 (T0), L2 (t) or NTA (q)
 *   g1     F16 only: ggml_vec_dot_f16 as llama.cpp's ggml does it (one row a pass, four 16-lane accumulators, x in F16,
 *          32-byte vcvtph2ps loads of both)
 *   g4     F16 only: llamafile's tinyBLAS<16> 4x1 tile as llama.cpp runs F16 decode (four rows a pass, one accumulator a
 *          row, x in F16 loaded once for the four)
 * Each kernel name may end in /iN: the product's rows split between the threads as ggml splits them, jobs of N rows
 * (gate/up: N / 16 of its 16-row groups, at least one) taken in order from one counter, thread t's first job t (both
 * threads read neighbouring jobs), not in contiguous regions; ~: on a second copy of the weights in the other page size
 * (4 KiB pages where WEIGHTS is thp, MADV_HUGEPAGE where anon); +: on a second copy in the same page size (another
 * allocation, so other guest pages); ^: on the file FILE (in the environment) mapped read-only, its last bytes, as for a
 * GGUF WEIGHTS. Order: NAME[@TYPE][/iN][~|+|^].
 * SHAPE=135m: SmolLM2-135M's products instead of Llama-3.2-1B's.
 * Weights: "anon" (anonymous 4 KiB pages), "thp" (anonymous, madvise(MADV_HUGEPAGE)) or a GGUF file mapped read-only
 * (its last bytes, the file's own 4 KiB page-cache pages, as kvscope and llama.cpp map them). Prints GB/s per
 * product kind and per token, medians of TOKENS tokens after one warm-up, the kernels taking turns token by token, and
 * each kernel's median per-round speed (bytes a second) over the first one's. KERNEL@f32|f16|bf16: that kernel on anonymous
 * weights of that type instead of TYPE's (the same bytes' values, allocated as WEIGHTS says: anon or thp), in the same
 * process, so the types' kernels meet the same memory state. Built and run by native-bandwidth.sh.
 * KVS_ISA=1: libkvscope's kernels (kvs, lib=P) limited to AVX2 (kvs_limit_isa).
 * SPLIT=kvscope: products cut as kvscope cuts them (2 chunks a thread at least, guided 128 KiB tails), not 8 a thread.
 *   [THREADS=1] [CHUNK_KIB=K] [SPLIT=kvscope] [KVS_ISA=1] [MADV=huge|nohuge|populate|collapse,...] decode-bandwidth TYPE(f32|f16|bf16) WEIGHTS(anon|thp|FILE) TOKENS KERNEL...
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

void kvs_matvec_float(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                      float *out);
int kvs_limit_isa(int level);

enum { THREADS = 2, CHUNKS_PER_THREAD = 8, MAXK = 32 };
/* The shape: Llama-3.2-1B's, or SHAPE=135m in the environment SmolLM2-135M's (30 layers of 576 / 192 / 1,536 columns,
 * the 49,152-row tied embedding as the output matrix). */
static int DIM = 2048, KV = 512, FFN = 8192, LAYERS = 16, VOCAB = 128256;
enum { K_QKV, K_O, K_GATEUP, K_DOWN, K_LOGITS, KINDS };
static const char *KIND_NAMES[] = {"qkv", "o", "gate/up", "down", "logits"};

typedef void (*kernel_fn)(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                          float *out);

/* One thread (THREADS=1 in the environment): times are that thread's CPU time, so a shared host's other processes
 * taking the core do not count (their memory traffic still does). */
static int g_one;

static double now(void) {
    struct timespec t;
    clock_gettime(g_one ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------ row kernels (AVX-512) */

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

AVX512 static void read_rows(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                             float *out) {
    (void)type, (void)x, (void)cols;
    const uint8_t *p = w + from * rowBytes, *end = w + to * rowBytes;
    __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;
    for (; p + 256 <= end; p += 256) {
        a = _mm512_add_ps(a, _mm512_loadu_ps(p));
        b = _mm512_add_ps(b, _mm512_loadu_ps(p + 64));
        c = _mm512_add_ps(c, _mm512_loadu_ps(p + 128));
        d = _mm512_add_ps(d, _mm512_loadu_ps(p + 192));
    }
    out[from] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));
}

static int g_streams = 1, g_read_pf = 0, g_read_hint = 0;

/* readsN: the call's bytes cut in N parts (256-byte multiples), read in lockstep 64 bytes a part, then the rest. */
#define STREAMS(N)                                                                                                \
    AVX512 static void read_streams_##N(const uint8_t *p, int64_t bytes, float *out) {                           \
        int64_t part = bytes / N & ~(int64_t)255;                                                                 \
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};   \
        for (int64_t o = 0; o < part; o += 64) {                                                                  \
            for (int s = 0; s < N; s++) acc[s & 3] = _mm512_add_ps(acc[s & 3], _mm512_loadu_ps(p + s * part + o)); \
        }                                                                                                         \
        for (int64_t o = N * part; o + 64 <= bytes; o += 64) acc[0] = _mm512_add_ps(acc[0], _mm512_loadu_ps(p + o)); \
        *out = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]))); \
    }
STREAMS(2)
STREAMS(3)
STREAMS(4)
STREAMS(6)
STREAMS(8)

/* readpD[t|q]: the plain read, each 256-byte step prefetching its four lines D bytes ahead. */
#define READ_PF(H, HINT)                                                                                          \
    AVX512 static void read_pf_##H(const uint8_t *p, const uint8_t *end, int64_t pf, float *out) {               \
        __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;                                                      \
        for (; p + 256 <= end; p += 256) {                                                                        \
            _mm_prefetch((const char *)p + pf, HINT);                                                             \
            _mm_prefetch((const char *)p + pf + 64, HINT);                                                        \
            _mm_prefetch((const char *)p + pf + 128, HINT);                                                       \
            _mm_prefetch((const char *)p + pf + 192, HINT);                                                       \
            a = _mm512_add_ps(a, _mm512_loadu_ps(p));                                                             \
            b = _mm512_add_ps(b, _mm512_loadu_ps(p + 64));                                                        \
            c = _mm512_add_ps(c, _mm512_loadu_ps(p + 128));                                                       \
            d = _mm512_add_ps(d, _mm512_loadu_ps(p + 192));                                                       \
        }                                                                                                         \
        *out = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));                     \
    }
READ_PF(t0, _MM_HINT_T0)
READ_PF(t1, _MM_HINT_T1)
READ_PF(nta, _MM_HINT_NTA)

static void read_pattern(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                         float *out) {
    (void)type, (void)x, (void)cols;
    const uint8_t *p = w + from * rowBytes;
    int64_t bytes = (int64_t)(to - from) * rowBytes;
    if (g_read_pf) {
        if (g_read_hint == 1) read_pf_t1(p, p + bytes, g_read_pf, out + from);
        else if (g_read_hint == 2) read_pf_nta(p, p + bytes, g_read_pf, out + from);
        else read_pf_t0(p, p + bytes, g_read_pf, out + from);
        return;
    }
    switch (g_streams) {
    case 2: read_streams_2(p, bytes, out + from); break;
    case 3: read_streams_3(p, bytes, out + from); break;
    case 4: read_streams_4(p, bytes, out + from); break;
    case 6: read_streams_6(p, bytes, out + from); break;
    default: read_streams_8(p, bytes, out + from); break;
    }
}

/* x in F16 for g1 and g4 (ggml converts x to the weights' vec_dot_type, F16, before the product). */
static uint16_t *g_x16;

AVX512 static uint16_t to_f16(float f) { return _cvtss_sh(f, 0); }

/* ggml_vec_dot_f16 (AVX-512: GGML_F16_STEP 64, GGML_F16_EPR 16, four accumulators), one row a call. */
AVX512 static float ggml_dot_f16(int n, const uint16_t *w, const uint16_t *x) {
    __m512 sum[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int i = 0; i < n; i += 64) {
        for (int j = 0; j < 4; j++) {
            __m512 ax = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(x + i + 16 * j)));
            __m512 ay = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + i + 16 * j)));
            sum[j] = _mm512_fmadd_ps(ax, ay, sum[j]);
        }
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(sum[0], sum[1]), _mm512_add_ps(sum[2], sum[3])));
}

static void ggml_rows(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                      float *out) {
    (void)type, (void)x;
    for (int r = from; r < to; r++) out[r] = ggml_dot_f16(cols, (const uint16_t *)(w + r * rowBytes), g_x16);
}

/* tinyBLAS<16, __m512, __m512, ggml_fp16_t, ggml_fp16_t, float>::gemm_bloc<4, 1> (RM > RN: x's 16 halves loaded once,
 * then each of the four rows' 16), four rows a pass; the range's last rows one at a time. */
AVX512 static void tinyblas_rows(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from,
                                 int to, float *out) {
    (void)type, (void)x;
    int r = from;
    for (; r + 4 <= to; r += 4) {
        __m512 c[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        const uint8_t *row = w + r * rowBytes;
        for (int l = 0; l < cols; l += 16) {
            __m512 b = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(g_x16 + l)));
            for (int i = 0; i < 4; i++) {
                __m512 a = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + i * rowBytes + 2 * l)));
                c[i] = _mm512_fmadd_ps(a, b, c[i]);
            }
        }
        for (int i = 0; i < 4; i++) out[r + i] = _mm512_reduce_add_ps(c[i]);
    }
    for (; r < to; r++) out[r] = ggml_dot_f16(cols, (const uint16_t *)(w + r * rowBytes), g_x16);
}

AVX512 static inline __m512 load16(int type, const uint8_t *w, int i) {
    switch (type) {
    case 4: return _mm512_loadu_ps(w + 4 * i);
    case 5: return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + 2 * i)));
    default: return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w + 2 * i))), 16));
    }
}

static int g_rows = 4, g_pf = 0;

/* R rows per pass, cols a multiple of 32; prefetch pf bytes ahead of each row's current 32 weights (0: none; -1, -2,
 * -3: the same columns of the next pass's rows, a line at a time as the pass goes, into L1, L2 or non-temporal). */
AVX512 static inline __attribute__((always_inline)) void pass(int type, const uint8_t *w, int64_t rowBytes,
                                                               const float *x, int cols, int R, int pf, float *out) {
    __m512 a[4], b[4];
    int size = type == 4 ? 4 : 2;
    for (int r = 0; r < R; r++) {
        a[r] = b[r] = _mm512_setzero_ps();
    }
    for (int i = 0; i < cols; i += 32) {
        __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
        for (int r = 0; r < R; r++) {
            const uint8_t *row = w + r * rowBytes;
            if (pf) {
                const char *ahead = (const char *)row + size * i + (pf < 0 ? R * rowBytes : pf);
                if (pf == -2) {
                    _mm_prefetch(ahead, _MM_HINT_T1);
                    if (size == 4) _mm_prefetch(ahead + 64, _MM_HINT_T1);
                } else if (pf == -3) {
                    _mm_prefetch(ahead, _MM_HINT_NTA);
                    if (size == 4) _mm_prefetch(ahead + 64, _MM_HINT_NTA);
                } else {
                    _mm_prefetch(ahead, _MM_HINT_T0);
                    if (size == 4) _mm_prefetch(ahead + 64, _MM_HINT_T0);
                }
            }
            a[r] = _mm512_fmadd_ps(load16(type, row, i), x0, a[r]);
            b[r] = _mm512_fmadd_ps(load16(type, row, i + 16), x1, b[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        out[r] = _mm512_reduce_add_ps(_mm512_add_ps(a[r], b[r]));
    }
}

#define VARIANT(T)                                                                                              \
    AVX512 static void rows_##T(const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to, \
                                float *out) {                                                                   \
        int r = from, R = g_rows, pf = g_pf;                                                                    \
        if (R == 4) {                                                                                           \
            for (; r + 4 <= to; r += 4) pass(T, w + r * rowBytes, rowBytes, x, cols, 4, pf, out + r);           \
        } else if (R == 2) {                                                                                    \
            for (; r + 2 <= to; r += 2) pass(T, w + r * rowBytes, rowBytes, x, cols, 2, pf, out + r);           \
        }                                                                                                       \
        for (; r < to; r++) pass(T, w + r * rowBytes, rowBytes, x, cols, 1, pf, out + r);                       \
    }
VARIANT(4)
VARIANT(5)
VARIANT(6)

static int g_hybrid;

static void variant_rows(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                         float *out) {
    if (g_hybrid) { /* one row per pass while x (4 bytes a column) fits in 16 KiB; else g_hybrid rows with prefetch */
        g_rows = cols <= 4096 ? 1 : g_hybrid;
        g_pf = cols <= 4096 ? 0 : -1;
    }
    switch (type) {
    case 4: rows_4(w, rowBytes, x, cols, from, to, out); break;
    case 5: rows_5(w, rowBytes, x, cols, from, to, out); break;
    default: rows_6(w, rowBytes, x, cols, from, to, out); break;
    }
}

/* ------------------------------------------------------------------ the parallel loop (Parallel.forRange's split) */

typedef struct {
    const uint8_t *w[2];
    int64_t rowBytes;
    const float *x;
    int cols, parts, rows; /* parts: matrices (gate/up: 2, grouped by 16 rows); rows: each one's */
    int grouped;
    int start[4];
    float *out[3];
} product;

static kernel_fn g_kernel;
static int g_type;
static product g_p;
static int g_n, g_chunk;
static _Alignas(64) _Atomic int64_t g_region[THREADS][8];

static void run_range(int from, int to) {
    product *p = &g_p;
    if (p->grouped) {
        int r0 = from * 16, r1 = to * 16 < p->rows ? to * 16 : p->rows;
        for (int i = 0; i < p->parts; i++) {
            g_kernel(g_type, p->w[i], p->rowBytes, p->x, p->cols, r0, r1, p->out[i]);
        }
        return;
    }
    for (int i = 0; i < p->parts; i++) {
        int a = from > p->start[i] ? from : p->start[i], b = to < p->start[i + 1] ? to : p->start[i + 1];
        if (a < b) {
            g_kernel(g_type, p->w[0] + (int64_t)p->start[i] * p->rowBytes, p->rowBytes, p->x, p->cols,
                     a - p->start[i], b - p->start[i], p->out[i]);
        }
    }
}

/* Regions in indices (lo << 32 | hi); a chunk as Parallel.Loop.size takes it: full chunks, or with g_tail guided ones
 * (a quarter of the region's rest within [tail, chunk], the whole rest when less than a tail would be left). */
static int g_tail;

static int chunk_size(int lo, int hi, int front) {
    int rest = hi - lo;
    if (g_tail >= g_chunk) {
        int part = front ? g_chunk : hi % g_chunk;
        return rest < (part == 0 ? g_chunk : part) ? rest : (part == 0 ? g_chunk : part);
    }
    int size = rest / (2 * THREADS) < g_chunk ? rest / (2 * THREADS) : g_chunk;
    size = size > g_tail ? size : g_tail;
    return rest - size < g_tail ? (rest < g_chunk ? rest : g_chunk) : size;
}

static int64_t take(int q, int front) {
    while (1) {
        int64_t r = atomic_load(&g_region[q][0]);
        int lo = (int)(r >> 32), hi = (int)r;
        if (lo >= hi) return -1;
        int size = chunk_size(lo, hi, front);
        if (atomic_compare_exchange_weak(&g_region[q][0], &r, front ? r + ((int64_t)size << 32) : r - size)) {
            return front ? (int64_t)lo << 32 | (lo + size) : (int64_t)(hi - size) << 32 | hi;
        }
    }
}

/* /iN: jobs of g_job indices from one counter, thread t's first job t (ggml_compute_forward_mul_mat's chunks). */
static int g_job_rows, g_job;
static _Alignas(64) _Atomic int g_next_job;

static void work(int q) {
    if (g_job > 0) {
        int jobs = (g_n + g_job - 1) / g_job;
        for (int j = q; j < jobs; j = atomic_fetch_add(&g_next_job, 1)) {
            run_range(j * g_job, (j + 1) * g_job < g_n ? (j + 1) * g_job : g_n);
        }
        return;
    }
    for (int64_t c = take(q, 1); c >= 0; c = take(q, 1)) {
        run_range((int)(c >> 32), (int)c);
    }
    for (int k = 1; k < THREADS; k++) {
        int o = (q + k) % THREADS;
        for (int64_t c = take(o, 0); c >= 0; c = take(o, 0)) {
            run_range((int)(c >> 32), (int)c);
        }
    }
}

/* Generation (high 32 bits), closed flag, participants inside: a worker joins only an open generation it has not
 * joined, and the caller, once its chunks are done and none is left, waits only for a worker that is inside. */
#define CLOSED (1LL << 31)
static _Alignas(64) _Atomic int64_t g_state = CLOSED;

static void *worker(void *arg) {
    (void)arg;
    int64_t last = 0;
    while (1) {
        int64_t s = atomic_load(&g_state);
        if ((s & CLOSED) || s >> 32 == last) {
            _mm_pause();
            continue;
        }
        if (atomic_compare_exchange_weak(&g_state, &s, s + 1)) {
            last = s >> 32;
            work(1);
            atomic_fetch_sub(&g_state, 1);
        }
    }
    return NULL;
}

/* CHUNK_KIB=K in the environment: about K KiB of weights a chunk, at least CHUNKS_PER_THREAD a thread, as kvscope's
 * decode products are cut (FloatTensor.CHUNK_BYTES, 2,048); unset: CHUNKS_PER_THREAD a thread whatever the bytes. */
static int64_t g_chunk_bytes;
/* SPLIT=kvscope in the environment: kvscope's own split (FloatTensor: at least MIN_CHUNKS_PER_THREAD, 2, chunks a
 * thread of about CHUNK_KIB each, and guided tails of about TAIL_BYTES, 128 KiB; Parallel.Loop.size). */
static int g_split_kvscope;

static void for_range(int n, int grain) {
    int64_t bytes = (int64_t)n * (g_p.grouped ? 16 * g_p.parts : 1) * g_p.rowBytes;
    int64_t per = g_split_kvscope ? 2 : CHUNKS_PER_THREAD;
    if (g_chunk_bytes > 0 && bytes / g_chunk_bytes / THREADS > per) per = bytes / g_chunk_bytes / THREADS;
    int parts = THREADS * (int)per;
    g_n = n;
    g_chunk = (n + parts - 1) / parts > grain ? (n + parts - 1) / parts : grain;
    int64_t tail = g_split_kvscope ? (int64_t)(128 << 10) * n / (bytes > 0 ? bytes : 1) : 0;
    tail = tail < 1 ? 1 : tail > n ? n : tail;
    g_tail = g_split_kvscope ? (tail > grain ? (tail < g_chunk ? (int)tail : g_chunk) : (grain < g_chunk ? grain : g_chunk)) : g_chunk;
    g_job = 0;
    if (g_job_rows > 0) {
        g_job = g_p.grouped ? g_job_rows / 16 : g_job_rows;
        g_job = g_job < 1 ? 1 : g_job;
        atomic_store(&g_next_job, THREADS);
    }
    int chunks = (n + g_chunk - 1) / g_chunk;
    for (int q = 0; q < THREADS; q++) {
        int64_t lo = (int64_t)q * chunks / THREADS * g_chunk, hi = (int64_t)(q + 1) * chunks / THREADS * g_chunk;
        atomic_store(&g_region[q][0], (lo < n ? lo : n) << 32 | (hi < n ? hi : n));
    }
    atomic_store(&g_state, ((atomic_load(&g_state) >> 32) + 1) << 32);
    work(0);
    if (g_one) {
        work(1);
        return;
    }
    atomic_fetch_or(&g_state, CLOSED);
    while (atomic_load(&g_state) & (CLOSED - 1)) {
        _mm_pause();
    }
}

/* ------------------------------------------------------------------ the token */

static double median(const double *v0, int m) {
    double v[64];
    memcpy(v, v0, m * sizeof(double));
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) { double t = v[j]; v[j] = v[j - 1]; v[j - 1] = t; }
    return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

/* One token's products; its time per product kind into kind[q][s], the whole into tok[s], each kind's fastest single
 * product so far into fastest[q] (on a shared host, the products no other process interrupted). */
static void token(const uint8_t *base, int size, const float *x, float *out, double kind[KINDS][64], double *tok, int s,
                  double *fastest) {
    double sum[KINDS] = {0};
    double t0 = now();
    const uint8_t *w = base;
    for (int l = 0; l < LAYERS; l++) {
        double a = now();
        g_p = (product){.w = {w}, .rowBytes = (int64_t)DIM * size, .x = x, .cols = DIM, .parts = 3,
                        .start = {0, DIM, DIM + KV, DIM + 2 * KV}, .out = {out, out + DIM, out + DIM + KV}};
        for_range(DIM + 2 * KV, 16);
        w += (int64_t)(DIM + 2 * KV) * DIM * size;
        double b = now();
        g_p = (product){.w = {w}, .rowBytes = (int64_t)DIM * size, .x = x, .cols = DIM, .parts = 1,
                        .start = {0, DIM}, .out = {out}};
        for_range(DIM, 16);
        w += (int64_t)DIM * DIM * size;
        double c = now();
        g_p = (product){.w = {w, w + (int64_t)FFN * DIM * size}, .rowBytes = (int64_t)DIM * size, .x = x,
                        .cols = DIM, .parts = 2, .rows = FFN, .grouped = 1, .out = {out, out + FFN}};
        for_range(FFN / 16, 1);
        w += (int64_t)2 * FFN * DIM * size;
        double d = now();
        g_p = (product){.w = {w}, .rowBytes = (int64_t)FFN * size, .x = x, .cols = FFN, .parts = 1,
                        .start = {0, DIM}, .out = {out}};
        for_range(DIM, 16);
        w += (int64_t)DIM * FFN * size;
        double e = now();
        sum[K_QKV] += b - a, sum[K_O] += c - b, sum[K_GATEUP] += d - c, sum[K_DOWN] += e - d;
        double one[4] = {b - a, c - b, d - c, e - d};
        for (int q = 0; q < 4 && s > 0; q++) fastest[q] = one[q] < fastest[q] ? one[q] : fastest[q];
    }
    double a = now();
    g_p = (product){.w = {w}, .rowBytes = (int64_t)DIM * size, .x = x, .cols = DIM, .parts = 1,
                    .start = {0, VOCAB}, .out = {out}};
    for_range(VOCAB, 16);
    double e = now();
    sum[K_LOGITS] = e - a;
    if (s > 0) fastest[K_LOGITS] = e - a < fastest[K_LOGITS] ? e - a : fastest[K_LOGITS];
    tok[s] = e - t0;
    for (int q = 0; q < KINDS; q++) kind[q][s] = sum[q];
}

/* TOTAL bytes of anonymous weights of TYPE (4 KiB pages, or MADV_HUGEPAGE where huge): small weights of either width,
 * never NaN or subnormal. */
static uint8_t *anonymous_weights(int type, int64_t total, int huge) {
    uint8_t *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) { perror("mmap"); exit(1); }
    madvise(base, total, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    uint32_t s = 1;
    for (int64_t i = 0; i < total; i += 4) {
        s = s * 1664525u + 1013904223u;
        uint32_t v = type == 4 ? 0x3C000000u | (s >> 9 & 0x7FFFFF) : 0x2C002C00u | (s >> 16 & 0x3FF) | (s & 0x3FF) << 16;
        if (type == 6) v = 0x3C003C00u | (s >> 16 & 0x7F) | (s & 0x7F) << 16;
        memcpy(base + i, &v, 4);
    }
    return base;
}

/* MADV=huge|nohuge|populate|collapse[,...]: madvise the file mapping so (MADV_HUGEPAGE, MADV_NOHUGEPAGE,
 * MADV_POPULATE_READ, MADV_COLLAPSE) before the first token; each call's result printed. */
static void advise(void *m, int64_t size, const char *list) {
    printf("file mapped at %p (%s2 MiB aligned)", m, ((uintptr_t)m & ((2 << 20) - 1)) ? "not " : "");
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list ? list : "");
    for (char *w = strtok(buf, ","); w; w = strtok(NULL, ",")) {
        int a = !strcmp(w, "huge") ? MADV_HUGEPAGE : !strcmp(w, "nohuge") ? MADV_NOHUGEPAGE : !strcmp(w, "populate") ? 22
              : !strcmp(w, "collapse") ? 25 : -1;
        if (a < 0) {
            fprintf(stderr, "decode-bandwidth: MADV takes huge, nohuge, populate or collapse, not %s\n", w);
            exit(2);
        }
        double t = now();
        int r = madvise(m, size, a);
        printf("; madvise %s: %s (%.2f s)", w, r ? strerror(errno) : "ok", now() - t);
    }
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: decode-bandwidth f32|f16|bf16 anon|thp|FILE TOKENS KERNEL... (read, kvs, r1, r4, r4p512, ...)\n");
        return 2;
    }
    int type = !strcmp(argv[1], "f32") ? 4 : !strcmp(argv[1], "f16") ? 5 : !strcmp(argv[1], "bf16") ? 6 : -1;
    int tokens = atoi(argv[3]);
    if (type < 0 || tokens < 1) {
        fprintf(stderr, "decode-bandwidth: TYPE is f32, f16 or bf16 and TOKENS at least 1\n");
        return 2;
    }
    int size = type == 4 ? 4 : 2;
    if (getenv("SHAPE") && !strcmp(getenv("SHAPE"), "135m")) {
        DIM = 576, KV = 192, FFN = 1536, LAYERS = 30, VOCAB = 49152;
    } else if (getenv("SHAPE") && strcmp(getenv("SHAPE"), "1b")) {
        fprintf(stderr, "decode-bandwidth: SHAPE is 1b (Llama-3.2-1B, the default) or 135m (SmolLM2-135M), not %s\n", getenv("SHAPE"));
        return 2;
    }
    int64_t layerRows = (int64_t)DIM + 2 * KV + DIM + 2 * FFN, layerElems = layerRows * DIM + (int64_t)DIM * FFN;
    int64_t total = (LAYERS * layerElems + (int64_t)VOCAB * DIM) * size;
    uint8_t *base;
    if (!strcmp(argv[2], "anon") || !strcmp(argv[2], "thp")) {
        base = anonymous_weights(type, total, !strcmp(argv[2], "thp"));
    } else {
        int fd = open(argv[2], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < total) {
            fprintf(stderr, "decode-bandwidth: %s is not a readable file of at least %lld bytes\n", argv[2], (long long)total);
            return 2;
        }
        uint8_t *m = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) { perror("mmap"); return 1; }
        base = m + ((st.st_size - total) & ~(int64_t)63);
        advise(m, st.st_size, getenv("MADV"));
    }
    float *x = aligned_alloc(64, 4 * FFN), *out = aligned_alloc(64, 4 * (int64_t)VOCAB);
    for (int i = 0; i < FFN; i++) x[i] = (float)((i * 37 % 101) - 50) / 64.0f;
    g_one = getenv("THREADS") && !strcmp(getenv("THREADS"), "1");
    g_chunk_bytes = getenv("CHUNK_KIB") ? atoll(getenv("CHUNK_KIB")) * 1024 : 0;
    g_split_kvscope = getenv("SPLIT") && !strcmp(getenv("SPLIT"), "kvscope");
    pthread_t t;
    if (!g_one) {
        pthread_create(&t, NULL, worker, NULL);
    }
    g_type = type;
    printf("shape %s, type %s, weights %s, %.3f GB a token, %d tokens of each kernel in turn after 1 warm-up (medians; ratio: per-round GB/s of this kernel over the first one), %s\n", DIM == 576 ? "135m" : "1b", argv[1], argv[2],
           total / 1e9, tokens, g_one ? "1 thread, its CPU time" : "2 threads, wall time");
    int kernels = argc - 4;
    if (kernels > MAXK) kernels = MAXK;
    int n = tokens + 1 > 64 ? 64 : tokens + 1;
    static double kind[MAXK][KINDS][64], tok[MAXK][64], fastest[MAXK][KINDS];
    kernel_fn lib[MAXK] = {0};
    g_x16 = aligned_alloc(64, 2 * FFN);
    for (int i = 0; i < FFN; i++) g_x16[i] = to_f16(x[i]);
    for (int k = 0; k < MAXK; k++) for (int q = 0; q < KINDS; q++) fastest[k][q] = 1e30;
    if (getenv("KVS_ISA")) printf("libkvscope's instruction set limited to %d (KVS_ISA: 1 AVX2, 0 scalar)\n", kvs_limit_isa(atoi(getenv("KVS_ISA"))));
    /* NAME@TYPE: that kernel on anonymous weights of another type (allocated as WEIGHTS says, anon or thp), in the same
     * process, so a type's kernel meets the same memory state as the others'. */
    static char names[MAXK][512];
    int ktype[MAXK], kjob[MAXK], kcopy[MAXK];
    uint8_t *kbase[MAXK];
    uint8_t *typed[4][7] = {{0}}; /* [copy: 0 the weights, 1 the other page size's, 2 a second allocation, 3 FILE][type] */
    typed[0][type] = base;
    int anonymous = !strcmp(argv[2], "anon") || !strcmp(argv[2], "thp"), thp = !strcmp(argv[2], "thp");
    int64_t unit = LAYERS * layerElems + (int64_t)VOCAB * DIM;
    for (int k = 0; k < kernels; k++) {
        snprintf(names[k], sizeof names[k], "%s", argv[4 + k]);
        size_t len = strlen(names[k]);
        kcopy[k] = !len ? 0 : names[k][len - 1] == '~' ? 1 : names[k][len - 1] == '+' ? 2 : names[k][len - 1] == '^' ? 3 : 0;
        if (kcopy[k]) {
            names[k][len - 1] = 0;
            if (!anonymous && kcopy[k] != 3) {
                fprintf(stderr, "decode-bandwidth: ~ and + on anon or thp weights only, not %s\n", argv[4 + k]);
                return 2;
            }
        }
        char *slash = strstr(names[k], "/i");
        kjob[k] = 0;
        if (slash) {
            kjob[k] = atoi(slash + 2);
            *slash = 0;
            if (kjob[k] < 1) {
                fprintf(stderr, "decode-bandwidth: /iN takes N rows a job, at least 1, not %s\n", argv[4 + k]);
                return 2;
            }
        }
        char *at = strrchr(names[k], '@');
        ktype[k] = type;
        if (at) {
            *at = 0;
            ktype[k] = !strcmp(at + 1, "f32") ? 4 : !strcmp(at + 1, "f16") ? 5 : !strcmp(at + 1, "bf16") ? 6 : -1;
            if (ktype[k] < 0 || (ktype[k] != type && strcmp(argv[2], "anon") && strcmp(argv[2], "thp"))) {
                fprintf(stderr, "decode-bandwidth: @f32, @f16 or @bf16 on anon or thp weights only, not %s\n", argv[4 + k]);
                return 2;
            }
        }
        int c = kcopy[k];
        if (c == 3 && !typed[c][ktype[k]]) {
            const char *file = getenv("FILE");
            int fd = file ? open(file, O_RDONLY) : -1;
            struct stat st;
            int64_t need = unit * (ktype[k] == 4 ? 4 : 2);
            if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < need) {
                fprintf(stderr, "decode-bandwidth: ^ reads FILE (in the environment), a file of at least %lld bytes\n", (long long)need);
                return 2;
            }
            uint8_t *m = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
            if (m == MAP_FAILED) { perror("mmap"); return 1; }
            typed[c][ktype[k]] = m + ((st.st_size - need) & ~(int64_t)63);
        }
        if (!typed[c][ktype[k]]) {
            typed[c][ktype[k]] = anonymous_weights(ktype[k], unit * (ktype[k] == 4 ? 4 : 2), c == 1 ? !thp : thp);
        }
        kbase[k] = typed[c][ktype[k]];
        const char *name = names[k];
        if (!strncmp(name, "lib=", 4)) {
            void *h = dlopen(name + 4, RTLD_NOW | RTLD_LOCAL);
            lib[k] = h ? (kernel_fn)dlsym(h, "kvs_matvec_float") : NULL;
            int (*limit)(int) = h ? (int (*)(int))dlsym(h, "kvs_limit_isa") : NULL;
            if (lib[k] && limit && getenv("KVS_ISA")) limit(atoi(getenv("KVS_ISA")));
            if (!lib[k]) {
                fprintf(stderr, "decode-bandwidth: no kvs_matvec_float in %s (%s)\n", name + 4, dlerror());
                return 2;
            }
        } else if ((name[0] == 'g' && strcmp(name, "g1") && strcmp(name, "g4")) || (name[0] == 'g' && ktype[k] != 5)) {
            fprintf(stderr, "decode-bandwidth: g1 and g4 are F16 kernels, not %s\n", argv[4 + k]);
            return 2;
        } else if (!strncmp(name, "reads", 5) && !strchr("23468", name[5])) {
            fprintf(stderr, "decode-bandwidth: readsN takes N 2, 3, 4, 6 or 8, not %s\n", argv[4 + k]);
            return 2;
        } else if (strcmp(name, "read") && strcmp(name, "kvs") && strncmp(name, "reads", 5) && strncmp(name, "readp", 5)
                   && name[0] != 'g' && !(strchr("rh", name[0]) && strchr("124", name[1]) && name[1])) {
            fprintf(stderr, "decode-bandwidth: unknown kernel %s (read, readsN, readpD[t|q], kvs, lib=PATH, g1, g4, rN, rNn, rNt, rNq, rNpD or hN with N 1, 2 or 4; each with @f32, @f16 or @bf16, /iN, ~ or + or not)\n", argv[4 + k]);
            return 2;
        }
    }
    struct timespec c0, w0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    clock_gettime(CLOCK_MONOTONIC, &w0);
    for (int s = 0; s < n; s++) { /* token s of every kernel in turn, so a burst of load hits them alike */
        for (int k = 0; k < kernels; k++) {
            const char *name = names[k];
            g_type = ktype[k];
            g_job_rows = kjob[k];
            if (lib[k]) g_kernel = lib[k];
            else if (!strcmp(name, "read")) g_kernel = read_rows;
            else if (!strncmp(name, "reads", 5)) {
                g_kernel = read_pattern;
                g_read_pf = 0;
                g_streams = name[5] - '0';
            } else if (!strncmp(name, "readp", 5)) {
                g_kernel = read_pattern;
                g_read_pf = atoi(name + 5);
                const char *h = name + 5 + strspn(name + 5, "0123456789");
                g_read_hint = *h == 't' ? 1 : *h == 'q' ? 2 : 0;
            } else if (!strcmp(name, "g1")) g_kernel = ggml_rows;
            else if (!strcmp(name, "g4")) g_kernel = tinyblas_rows;
            else if (!strcmp(name, "kvs")) g_kernel = kvs_matvec_float;
            else if (name[0] == 'h') {
                g_kernel = variant_rows;
                g_hybrid = name[1] - '0';
            } else {
                g_kernel = variant_rows;
                g_hybrid = 0;
                g_rows = name[1] - '0';
                g_pf = name[2] == 'p' ? atoi(name + 3) : name[2] == 'n' ? -1 : name[2] == 't' ? -2 : name[2] == 'q' ? -3 : 0;
            }
            token(kbase[k], ktype[k] == 4 ? 4 : 2, x, out, kind[k], tok[k], s, fastest[k]);
        }
    }
    struct timespec c1, w1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    clock_gettime(CLOCK_MONOTONIC, &w1);
    double wall = (w1.tv_sec - w0.tv_sec) + (w1.tv_nsec - w0.tv_nsec) * 1e-9;
    /* Both threads spin or work throughout, so CPU time / (threads x wall) is the share of the cores the tokens got:
     * well under 1, other processes took a core (their work, not the memory, set the speed). */
    printf("tokens: %.2f s wall, CPU share %.2f of %d threads\n", wall,
           ((c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9) / (wall * (g_one ? 1 : THREADS)), g_one ? 1 : THREADS);
    for (int k = 0; k < kernels; k++) {
        size = ktype[k] == 4 ? 4 : 2;
        total = unit * size;
        int64_t bytes[KINDS] = {(int64_t)LAYERS * (DIM + 2 * KV) * DIM * size, (int64_t)LAYERS * DIM * DIM * size,
                                (int64_t)LAYERS * 2 * FFN * DIM * size, (int64_t)LAYERS * DIM * FFN * size,
                                (int64_t)VOCAB * DIM * size};
        double med[KINDS], ratio[64];
        for (int q = 0; q < KINDS; q++) med[q] = median(kind[k][q] + 1, n - 1);
        for (int s = 1; s < n; s++) ratio[s - 1] = tok[0][s] / tok[k][s] * (double)size / (ktype[0] == 4 ? 4 : 2);
        double t = median(tok[k] + 1, n - 1);
        printf("%-8s token %7.1f ms  %5.1f GB/s  x%s %.2f |", argv[4 + k], t * 1e3, total / t / 1e9, argv[4],
               median(ratio, n - 1));
        for (int q = 0; q < KINDS; q++) printf(" %s %5.1f", KIND_NAMES[q], bytes[q] / med[q] / 1e9);
        double best = tok[k][1];
        for (int s = 2; s < n; s++) best = tok[k][s] < best ? tok[k][s] : best;
        printf("  best token %.1f GB/s; fastest product:", total / best / 1e9);
        for (int q = 0; q < KINDS; q++) printf(" %s %.1f", KIND_NAMES[q], bytes[q] / (q == K_LOGITS ? 1 : LAYERS) / fastest[k][q] / 1e9);
        printf(" (GB/s per token:");
        for (int s = 1; s < n; s++) printf(" %.1f", total / tok[k][s] / 1e9);
        printf(")\n");
    }
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "AnonHugePages", 13) || !strncmp(line, "FilePmdMapped", 13)) printf("%s", line);
    }
    return 0;
}
