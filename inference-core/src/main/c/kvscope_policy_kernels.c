/*
 * kvscope's native kernels for the compression policies' scoring (org.kvscope.tensor.PolicyKernels).
 *
 * kvs_dots_f64: out[i] = the double dot product of float row i (n rows of d values) with a double vector y,
 * computed exactly as the Java loop it replaces (org.kvscope.kv.DoubleSums.dot): four sums, sum l adding
 * x[j]·y[j] for j ≡ l (mod 4) in order, each product rounded to double before it is added (never fused), the
 * rest of d after the last group of four added to sum 0, then (s0 + s1) + (s2 + s3). The AVX2 path keeps the
 * four sums in the four lanes of a vector (the same additions in the same order) and runs four rows at a time
 * so their additions overlap; it is compiled without FMA, so nothing can be contracted. Results are
 * bit-identical at every instruction set level.
 *
 * kvs_add_rows_f32: H2O's every-row sum during the prefill (org.kvscope.trace.AttentionEvidence.recordBlock), four
 * attention rows added to a float sum in row order per element, as org.kvscope.tensor.VectorOps.addFourRows adds them.
 */
#include <math.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define EXPORT __attribute__((visibility("default")))

/* The instruction set chosen in kvscope_kernels.c (0 scalar, 1 AVX2, 2 AVX-512). */
int kvs_isa(void);

static inline double dot_scalar(const float *x, const double *y, int d) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int j = 0;
    for (; j + 4 <= d; j += 4) {
        s0 += (double) x[j] * y[j];
        s1 += (double) x[j + 1] * y[j + 1];
        s2 += (double) x[j + 2] * y[j + 2];
        s3 += (double) x[j + 3] * y[j + 3];
    }
    for (; j < d; j++) {
        s0 += (double) x[j] * y[j];
    }
    return (s0 + s1) + (s2 + s3);
}

static void dots_scalar(const float *x, int n, int d, const double *y, double *out) {
    for (int i = 0; i < n; i++) {
        out[i] = dot_scalar(x + (int64_t) i * d, y, d);
    }
}

#if defined(__x86_64__)
#define AVX2_ONLY __attribute__((target("avx2")))

/* (l0 + l1) + (l2 + l3) of a vector's lanes, then the tail of the row added to lane 0 first. */
static inline AVX2_ONLY double finish(__m256d acc, const float *x, const double *y, int j, int d) {
    double l[4];
    _mm256_storeu_pd(l, acc);
    for (; j < d; j++) {
        l[0] += (double) x[j] * y[j];
    }
    return (l[0] + l[1]) + (l[2] + l[3]);
}

static AVX2_ONLY void dots_avx2(const float *x, int n, int d, const double *y, double *out) {
    int d4 = d & ~3, i = 0;
    for (; i + 4 <= n; i += 4) {
        const float *r0 = x + (int64_t) i * d, *r1 = r0 + d, *r2 = r1 + d, *r3 = r2 + d;
        __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0; j < d4; j += 4) {
            __m256d yj = _mm256_loadu_pd(y + j);
            a0 = _mm256_add_pd(a0, _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(r0 + j)), yj));
            a1 = _mm256_add_pd(a1, _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(r1 + j)), yj));
            a2 = _mm256_add_pd(a2, _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(r2 + j)), yj));
            a3 = _mm256_add_pd(a3, _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(r3 + j)), yj));
        }
        out[i] = finish(a0, r0, y, d4, d);
        out[i + 1] = finish(a1, r1, y, d4, d);
        out[i + 2] = finish(a2, r2, y, d4, d);
        out[i + 3] = finish(a3, r3, y, d4, d);
    }
    for (; i < n; i++) {
        const float *r = x + (int64_t) i * d;
        __m256d a = _mm256_setzero_pd();
        for (int j = 0; j < d4; j += 4) {
            a = _mm256_add_pd(a, _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(r + j)), _mm256_loadu_pd(y + j)));
        }
        out[i] = finish(a, r, y, d4, d);
    }
}
#endif

/**
 * out[i] = row i of x · y (d doubles), in double, as DoubleSums.dot sums it, for rows i in [from, to), rows stride
 * floats apart. The argument list is kvs_matvec's (a reserved int first, 0), so the Java side's downcall shares the
 * handle the foreign linker already made for that one: a new shape costs a fresh JVM 20-60 ms to link.
 */
EXPORT void kvs_dots_f64(int reserved, const float *x, int64_t stride, const double *y, int d, int from, int to,
                         double *out) {
    (void) reserved;
    for (int i = from; i < to;) {
        /* the kernels take consecutive rows d apart: one row at a time when the stride differs */
        int rows = stride == d ? to - i : 1;
        const float *r = x + (int64_t) i * stride;
#if defined(__x86_64__)
        if (kvs_isa() >= 1) {
            dots_avx2(r, rows, d, y, out + i);
        } else
#endif
        {
            dots_scalar(r, rows, d, y, out + i);
        }
        i += rows;
    }
}

/* ---------------------------------------------------------------- top-k (org.kvscope.kv.TopK) */

/* TopK.key: orders by score descending (Float.compare, -0 as +0, NaN first), then index ascending. */
static inline int64_t topk_key(float score, int index) {
    float s = score + 0.0f; /* -0 becomes +0, as in Java */
    int32_t bits;
    if (s != s) {
        bits = 0x7fc00000; /* Float.floatToIntBits: one NaN */
    } else {
        __builtin_memcpy(&bits, &s, 4);
    }
    int32_t sortable = bits ^ ((bits >> 31) & 0x7fffffff);
    return (int64_t) (((uint64_t) (uint32_t) ~sortable << 32) | (uint32_t) index);
}

static inline void sift_down(int64_t *heap, int i, int size) {
    int64_t v = heap[i];
    for (int c = 2 * i + 1; c < size; c = 2 * i + 1) {
        if (c + 1 < size && heap[c + 1] > heap[c]) {
            c++;
        }
        if (heap[c] <= v) {
            break;
        }
        heap[i] = heap[c];
        i = c;
    }
    heap[i] = v;
}

/* The k-th smallest of topk_key(scores[i], i + base) over i in [from, to) (0 < k <= to - from), from a max-heap of
 * k keys (heap: k longs of scratch). The keys are distinct, so any exact method finds the same one. */
static int64_t kth_key(const float *scores, int from, int to, int k, int64_t base, int64_t *heap) {
    for (int i = 0; i < k; i++) {
        heap[i] = topk_key(scores[from + i], (int) (from + i + base));
    }
    for (int i = k / 2 - 1; i >= 0; i--) {
        sift_down(heap, i, k);
    }
    for (int i = from + k; i < to; i++) {
        int64_t key = topk_key(scores[i], (int) (i + base));
        if (key < heap[0]) {
            heap[0] = key;
            sift_down(heap, 0, k);
        }
    }
    return heap[0];
}

/**
 * out[0 .. k) = the indices in [from, to) of the k smallest TopK.key(scores[i], i), increasing (0 < k <= to - from):
 * the k-th smallest key from a max-heap of k keys (heap, k longs of scratch; keys are distinct, so any exact
 * method finds the same one), then every index whose key is at most it, in order. Argument list: kvs_matvec's.
 */
EXPORT void kvs_best_f32(int k, const float *scores, int64_t reserved, int64_t *heap, int from, int to, int unused,
                         int32_t *out) {
    (void) reserved;
    (void) unused;
    int64_t last = kth_key(scores, from, to, k, 0, heap);
    for (int i = from, j = 0; j < k; i++) {
        if (topk_key(scores[i], i) <= last) {
            out[j++] = i;
        }
    }
}

/* ---------------------------------------------------------------- KeyDiff's scores (org.kvscope.kv.KeyDiffPolicy) */

/* Java's Math.max(x, floor) for a square root and a positive floor (NaN stays NaN). */
static inline double at_least(double x, double floor) {
    return x != x ? x : (x >= floor ? x : floor);
}

/**
 * KeyDiff's scores of rows i in [from, to) of n keys of length d (stride d floats), y = [S (d doubles) | q (n doubles:
 * the keys' squared norms)]: ‖S‖ = max(sqrt(Σ S[j]² in order), n·1e-12), then out[i] = (float) -(k_i·S /
 * (max(sqrt(q_i), 1e-12) · ‖S‖)), the dot product summed as kvs_dots_f64 sums it and the rest as the Java expressions
 * round it (no contraction): KeyDiffPolicy's floats bit for bit. Argument list: kvs_matvec's (reserved int, x, d, y,
 * n, from, to, out).
 */
EXPORT void kvs_keydiff_f32(int reserved, const float *keys, int64_t d64, const double *y, int n, int from, int to,
                            float *out) {
    (void) reserved;
    int d = (int) d64;
    const double *squares = y + d;
    double anchor_norm = 0;
    for (int j = 0; j < d; j++) {
        anchor_norm += y[j] * y[j];
    }
    anchor_norm = at_least(sqrt(anchor_norm), n * 1e-12);
    double dots[64];
    for (int i = from; i < to; i += 64) {
        int rows = to - i < 64 ? to - i : 64;
        const float *r = keys + (int64_t) i * d;
#if defined(__x86_64__)
        if (kvs_isa() >= 1) {
            dots_avx2(r, rows, d, y, dots);
        } else
#endif
        {
            dots_scalar(r, rows, d, y, dots);
        }
        for (int j = 0; j < rows; j++) {
            double norm = at_least(sqrt(squares[i + j]), 1e-12);
            out[i + j] = (float) -(dots[j] / (norm * anchor_norm));
        }
    }
}

/* ---------------------------------------------------------------- Ada-KV's layer (org.kvscope.kv.AdaKvPolicy) */

/**
 * One layer of Ada-KV's selection, org.kvscope.kv.AdaKvPolicy.selectLayer's sets: heads rows of n scores (row h at
 * scores + h·n); candidates are the positions below end (n − window). Each head keeps its own top `safe` (TopK.key
 * with the position as index), then the `more` best remaining candidates of all heads (TopK.key with h·n + p as
 * index), more = max(0, min(remaining, heads·selectable − taken)), then its window. out[h] = head h's count, its
 * positions, increasing, at out + heads + h·n. scratch: heads + max(1, heads·selectable) longs. Argument list:
 * kvs_matvec's (heads, scores, n, scratch, end, safe, selectable, out).
 */
EXPORT void kvs_ada_layer_f32(int heads, const float *scores, int64_t n64, int64_t *scratch, int end, int safe,
                              int selectable, int32_t *out) {
    int n = (int) n64;
    int64_t *own = scratch, *heap = scratch + heads;
    int64_t taken = 0;
    for (int h = 0; h < heads; h++) {
        int k = safe < end ? safe : end;
        own[h] = k > 0 ? kth_key(scores + (int64_t) h * n, 0, end, k, 0, heap) : INT64_MIN;
        taken += k > 0 ? k : 0;
    }
    int64_t remaining = (int64_t) heads * end - taken;
    int64_t more = (int64_t) heads * selectable - taken;
    more = more < remaining ? more : remaining;
    more = more > 0 ? more : 0;
    int64_t last = more == 0 ? INT64_MIN : INT64_MAX; /* none, or all remaining */
    if (more > 0 && more < remaining) {
        for (int64_t i = 0; i < more; i++) {
            heap[i] = INT64_MAX;
        }
        for (int h = 0; h < heads; h++) {
            const float *s = scores + (int64_t) h * n;
            for (int p = 0; p < end; p++) {
                if (topk_key(s[p], p) <= own[h]) {
                    continue;
                }
                int64_t key = topk_key(s[p], h * n + p);
                if (key < heap[0]) {
                    heap[0] = key;
                    sift_down(heap, 0, (int) more);
                }
            }
        }
        last = heap[0];
    }
    for (int h = 0; h < heads; h++) {
        const float *s = scores + (int64_t) h * n;
        int32_t *o = out + heads + (int64_t) h * n;
        int k = 0;
        for (int p = 0; p < end; p++) {
            if (topk_key(s[p], p) <= own[h] || topk_key(s[p], h * n + p) <= last) {
                o[k++] = p;
            }
        }
        for (int p = end; p < n; p++) {
            o[k++] = p;
        }
        out[h] = k;
    }
}

/* ---------------------------------------------------------------- four rows added to a sum (H2O) */

/* acc[k] = (((acc[k] + w[k]) + w[s + k]) + w[2s + k]) + w[3s + k]: each lane's adds in row order, never reassociated. */
static void add_rows_scalar(const float *w, int64_t s, float *acc, int k, int n) {
    for (; k < n; k++) {
        acc[k] = acc[k] + w[k] + w[s + k] + w[2 * s + k] + w[3 * s + k];
    }
}

#if defined(__x86_64__)
#define AVX512_ONLY __attribute__((target("avx512f")))

static AVX2_ONLY int add_rows_avx2(const float *w, int64_t s, float *acc, int n) {
    int k = 0;
    for (; k + 8 <= n; k += 8) {
        __m256 a = _mm256_loadu_ps(acc + k);
        a = _mm256_add_ps(a, _mm256_loadu_ps(w + k));
        a = _mm256_add_ps(a, _mm256_loadu_ps(w + s + k));
        a = _mm256_add_ps(a, _mm256_loadu_ps(w + 2 * s + k));
        a = _mm256_add_ps(a, _mm256_loadu_ps(w + 3 * s + k));
        _mm256_storeu_ps(acc + k, a);
    }
    return k;
}

static AVX512_ONLY int add_rows_avx512(const float *w, int64_t s, float *acc, int n) {
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        __m512 a = _mm512_loadu_ps(acc + k);
        a = _mm512_add_ps(a, _mm512_loadu_ps(w + k));
        a = _mm512_add_ps(a, _mm512_loadu_ps(w + s + k));
        a = _mm512_add_ps(a, _mm512_loadu_ps(w + 2 * s + k));
        a = _mm512_add_ps(a, _mm512_loadu_ps(w + 3 * s + k));
        _mm512_storeu_ps(acc + k, a);
    }
    return k;
}
#endif

/**
 * acc[k] = (((acc[k] + w[o + k]) + w[o + s + k]) + w[o + 2s + k]) + w[o + 3s + k] for k below n: four rows of stride s
 * added to the sum in row order (VectorOps.addFourRows' floats: the same adds per element, in whole vectors, then the
 * tail one element at a time). Argument list: kvs_matvec's (o, w, s, acc, n, reserved, reserved, reserved).
 */
EXPORT void kvs_add_rows_f32(int o, const float *w, int64_t s, float *acc, int n, int reserved1, int reserved2,
                             void *reserved3) {
    (void) reserved1;
    (void) reserved2;
    (void) reserved3;
    const float *rows = w + o;
    int k = 0;
#if defined(__x86_64__)
    if (kvs_isa() >= 2) {
        k = add_rows_avx512(rows, s, acc, n);
    } else if (kvs_isa() >= 1) {
        k = add_rows_avx2(rows, s, acc, n);
    }
#endif
    add_rows_scalar(rows, s, acc, k, n);
}
