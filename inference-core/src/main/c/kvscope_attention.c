/*
 * Decode attention over an F16 KV cache (org.kvscope.tensor.NativeAttention, called by the Java
 * DecodeAttention for one task: one kv-head's run of slots [s0, s1) and every query head of its group).
 *
 * The results are those of the Java path bit for bit: every float operation is the Java path's, lane by
 * lane, in the same order (the vector width of the instructions here does not change a lane's sums):
 * - keys are stored transposed in blocks of 16 slots (dimension d of slot s at (s/16*hd + d)*16 + s%16);
 *   the score of a slot sums its dimensions in A chains (A = the Java vector's lanes, 16 or 8: chain m
 *   takes dimensions m, m + A, ... by fused multiply-adds from +0), then adds the chains in pairs
 *   m and m + A/2, m and m + A/4, ... (DecodeAttention.scores16 / scores8);
 * - softmax: the maximum of the run's scores, e^(score - max) by VectorOps.exp's polynomial, their sum
 *   in A lanes (element i into lane i mod A, whole vectors of A), those lanes added as VectorOps.sumLanes
 *   adds them, then the elements past the last whole vector one by one (VectorOps.expShifted);
 * - values: for each dimension, a fused multiply-add per slot in slot order from +0
 *   (AttentionKernels.weightedValues).
 * Halves are converted exactly (F16C / AVX-512 vcvtph2ps, or kvs_half_to_float).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kvscope_half.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma GCC optimize("fp-contract=off")

#define EXPORT __attribute__((visibility("default")))
#define INLINE static inline __attribute__((always_inline))

enum { ISA_SCALAR = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };
int kvs_isa(void);

/* Slots per block of the transposed keys; slots per tile of the values' pass. */
#define KB 16
#define VTILE 64
/*
 * Key blocks prefetched ahead at AVX-512, a block's lines spread over its chains (chain_z). The values' rows, read
 * in order, are left to the hardware's prefetchers: a burst of the next tile's lines at each tile's start, or a
 * slot's lines 128 slots on, was slower on Zen 4 (docs/BENCHMARKS.md, issue 17, deep25).
 */
#define KEY_AHEAD 4
/*
 * Key blocks prefetched into L2 (AVX-512: beside the KEY_AHEAD prefetch, spread the same way; AVX2: a half block's
 * lines at each half block): without it a decoded token's attention took about the sum of the cache's read time and
 * its arithmetic; 0.83 of that time at 8,192 slots on Zen 4 (docs/BENCHMARKS.md, issue 17, deep26).
 */
#define KEY_AHEAD_L2 16
/* Query heads scored together (each further group of up to 4 converts the keys again). */
#define NH 4

/* VectorOps.exp's constants. */
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO (-2.12194440e-4f)
#define ROUND 12582912.0f
#define ROUND_BITS 0x4B400000
#define EXP_MIN (-87.33654f)
#define EXP_MAX 88.0f
#define C2 0.5f
#define C3 1.6666667e-1f
#define C4 4.1666668e-2f
#define C5 8.3333338e-3f
#define C6 1.3888889e-3f
#define C7 1.9841270e-4f

/* VectorOps.exp(float), the scalar twin of the vector exp, bit for bit. */
static float exp_scalar(float x) {
    if (x < EXP_MIN) {
        return 0.0f;
    } else if (x > EXP_MAX) {
        return INFINITY;
    } else if (x != x) {
        return x;
    }
    float t = fmaf(x, LOG2E, ROUND);
    float n = t - ROUND;
    float r = fmaf(n, -LN2_HI, x);
    r = fmaf(n, -LN2_LO, r);
    float p = fmaf(r, C7, C6);
    p = fmaf(p, r, C5);
    p = fmaf(p, r, C4);
    p = fmaf(p, r, C3);
    p = fmaf(p, r, C2);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    int32_t tb;
    memcpy(&tb, &t, 4);
    uint32_t bits = (uint32_t)(tb - (ROUND_BITS - 127)) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

/* VectorOps.sumLanes for A = 16 or 8 lanes. */
static float sum_lanes(const float *l, int A) {
    if (A == 16) {
        return (((l[0] + l[8]) + (l[4] + l[12])) + ((l[2] + l[10]) + (l[6] + l[14])))
               + (((l[1] + l[9]) + (l[5] + l[13])) + ((l[3] + l[11]) + (l[7] + l[15])));
    }
    return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

/* Java's Math.max over a[0..n): NaN if any is NaN, +0 over -0. */
static float max_java(const float *a, int n) {
    float m = -INFINITY;
    for (int i = 0; i < n; i++) {
        float x = a[i];
        if (x != x) {
            return x;
        }
        if (x > m || (x == 0.0f && m == 0.0f && !signbit(x))) {
            m = x;
        }
    }
    return m;
}

/* Σ e over a[0..n) as VectorOps.expShifted adds it: A lanes over whole vectors, sumLanes, then the tail. */
static float sum_as_java(const float *a, int n, int A) {
    float lanes[16] = {0};
    int i = 0;
    for (; i + A <= n; i += A) {
        for (int k = 0; k < A; k++) {
            lanes[k] += a[i + k];
        }
    }
    float s = sum_lanes(lanes, A);
    for (; i < n; i++) {
        s += a[i];
    }
    return s;
}

/* ---------------------------------------------------------------- scalar */

/* The score of slot i (0..15) of the key block at blk against q. */
static float score_scalar(const uint16_t *blk, int i, int hd, const float *q, int A) {
    float c[16];
    for (int m = 0; m < A; m++) {
        float a = 0.0f;
        for (int d = m; d < hd; d += A) {
            a = fmaf(kvs_half_to_float(blk[d * KB + i]), q[d], a);
        }
        c[m] = a;
    }
    for (int w = A / 2; w >= 1; w /= 2) {
        for (int m = 0; m < w; m++) {
            c[m] = c[m] + c[m + w];
        }
    }
    return c[0];
}

static void keys_scalar(const uint16_t *keys, int base, int end, int hd, int group, int A, const float *qs,
                        float *scr, int stride) {
    for (int s = base; s < end; s++) {
        const uint16_t *blk = keys + (int64_t)(s / KB) * hd * KB;
        for (int j = 0; j < group; j++) {
            scr[j * stride + s - base] = score_scalar(blk, s % KB, hd, qs + j * hd, A);
        }
    }
}

static void exps_scalar(float *a, int n, float max) {
    for (int i = 0; i < n; i++) {
        a[i] = exp_scalar(a[i] - max);
    }
}

static void values_scalar(const uint16_t *values, int s0, int s1, int hd, int group, const float *scr, int stride,
                          int off, float *partial) {
    for (int j = 0; j < group; j++) {
        for (int d = 0; d < hd; d++) {
            float a = 0.0f;
            for (int s = s0; s < s1; s++) {
                a = fmaf(kvs_half_to_float(values[(int64_t)s * hd + d]), scr[j * stride + s - s0 + off], a);
            }
            partial[j * hd + d] = a;
        }
    }
}

#if defined(__x86_64__)

/* ---------------------------------------------------------------- AVX2 (FMA, F16C): 8 slots a vector */

#define AVX2 __attribute__((target("avx2,fma,f16c")))

typedef struct {
    __m256 v[NH];
} y4;

/* Chain m (dimensions m, m + A, ...) of 8 slots (lanes) of the key block at blk, for nh query heads. */
AVX2 INLINE y4 chain_y(const uint16_t *blk, int m, int A, int hd, const float *q, int nh) {
    y4 r;
    for (int j = 0; j < nh; j++) {
        r.v[j] = _mm256_setzero_ps();
    }
    for (int d = m; d < hd; d += A) {
        __m256 k = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + d * KB)));
        for (int j = 0; j < nh; j++) {
            r.v[j] = _mm256_fmadd_ps(k, _mm256_broadcast_ss(q + j * hd + d), r.v[j]);
        }
    }
    return r;
}

AVX2 INLINE y4 add_y(y4 a, y4 b, int nh) {
    for (int j = 0; j < nh; j++) {
        a.v[j] = _mm256_add_ps(a.v[j], b.v[j]);
    }
    return a;
}

#define CY(m) chain_y(blk, m, A, hd, q, nh)
/* A = 16: chains m and m + 8, then + 4, + 2, + 1. */
AVX2 INLINE y4 t16b_y(const uint16_t *blk, int m, int A, int hd, const float *q, int nh) {
    return add_y(CY(m), CY(m + 8), nh);
}
AVX2 INLINE y4 t16c_y(const uint16_t *blk, int m, int A, int hd, const float *q, int nh) {
    return add_y(t16b_y(blk, m, A, hd, q, nh), t16b_y(blk, m + 4, A, hd, q, nh), nh);
}
AVX2 INLINE y4 t16d_y(const uint16_t *blk, int m, int A, int hd, const float *q, int nh) {
    return add_y(t16c_y(blk, m, A, hd, q, nh), t16c_y(blk, m + 2, A, hd, q, nh), nh);
}
/* A = 8: chains m and m + 4, then + 2, + 1. */
AVX2 INLINE y4 t8b_y(const uint16_t *blk, int m, int A, int hd, const float *q, int nh) {
    return add_y(CY(m), CY(m + 4), nh);
}
AVX2 INLINE y4 t8c_y(const uint16_t *blk, int m, int A, int hd, const float *q, int nh) {
    return add_y(t8b_y(blk, m, A, hd, q, nh), t8b_y(blk, m + 2, A, hd, q, nh), nh);
}

AVX2 INLINE void block_y(const uint16_t *blk, int A, int hd, const float *q, int nh, float *out, int stride) {
    y4 r = A == 16 ? add_y(t16d_y(blk, 0, A, hd, q, nh), t16d_y(blk, 1, A, hd, q, nh), nh)
                   : add_y(t8c_y(blk, 0, A, hd, q, nh), t8c_y(blk, 1, A, hd, q, nh), nh);
    for (int j = 0; j < nh; j++) {
        _mm256_storeu_ps(out + j * stride, r.v[j]);
    }
}

/* Scores of slots [base, end) (base a multiple of 8) into scr[j*stride + s - base], whole runs of 8. */
AVX2 static void keys_avx2(const uint16_t *keys, int base, int end, int hd, int group, int A, const float *qs,
                           float *scr, int stride) {
    for (int s = base; s < end; s += 8) {
        const uint16_t *blk = keys + (int64_t)(s / KB) * hd * KB + s % KB;
        /* this half block's half of the key block KEY_AHEAD_L2 on, into L2 */
        const char *pf = (const char *)(keys + (int64_t)(s / KB + KEY_AHEAD_L2) * hd * KB) + (s % KB) * hd * 2;
        for (int o = 0; o < hd * KB; o += 64) {
            _mm_prefetch(pf + o, _MM_HINT_T1);
        }
        for (int j = 0; j < group; j += NH) {
            int nh = group - j < NH ? group - j : NH;
            float *out = scr + j * stride + s - base;
            const float *q = qs + j * hd;
            switch (nh) {
            case 1: block_y(blk, A, hd, q, 1, out, stride); break;
            case 2: block_y(blk, A, hd, q, 2, out, stride); break;
            case 3: block_y(blk, A, hd, q, 3, out, stride); break;
            default: block_y(blk, A, hd, q, 4, out, stride); break;
            }
        }
    }
}

/* VectorOps.exp lane by lane. */
AVX2 static inline __m256 exp_y(__m256 x) {
    __m256 c = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_MIN)), _mm256_set1_ps(EXP_MAX));
    __m256 t = _mm256_fmadd_ps(c, _mm256_set1_ps(LOG2E), _mm256_set1_ps(ROUND));
    __m256 n = _mm256_sub_ps(t, _mm256_set1_ps(ROUND));
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-LN2_HI), c);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-LN2_LO), r);
    __m256 p = _mm256_fmadd_ps(r, _mm256_set1_ps(C7), _mm256_set1_ps(C6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(C5));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(C4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(C3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(C2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(ROUND_BITS - 127)), 23);
    __m256 e = _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
    e = _mm256_blendv_ps(e, _mm256_setzero_ps(), _mm256_cmp_ps(x, _mm256_set1_ps(EXP_MIN), _CMP_LT_OQ));
    return _mm256_blendv_ps(e, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(x, _mm256_set1_ps(EXP_MAX), _CMP_GT_OQ));
}

AVX2 static void exps_avx2(float *a, int n, float max) {
    __m256 m = _mm256_set1_ps(max);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(a + i, exp_y(_mm256_sub_ps(_mm256_loadu_ps(a + i), m)));
    }
    for (; i < n; i++) {
        a[i] = exp_scalar(a[i] - max);
    }
}

/* The maximum of a[0..n) where no element is NaN and the maximum is not zero; else max_java's answer. */
AVX2 static float max_avx2(const float *a, int n) {
    __m256 m = _mm256_set1_ps(-INFINITY), nan = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(a + i);
        m = _mm256_max_ps(m, x);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
    float l[8];
    _mm256_storeu_ps(l, m);
    float r = l[0];
    for (int k = 1; k < 8; k++) {
        r = l[k] > r ? l[k] : r;
    }
    for (; i < n; i++) {
        if (a[i] != a[i]) {
            return max_java(a, n);
        }
        r = a[i] > r ? a[i] : r;
    }
    if (_mm256_movemask_ps(nan) != 0 || r == 0.0f) {
        return max_java(a, n);
    }
    return r;
}

/* partial[j*hd + d] for d in [d0, d1) (multiples of 8), from tiles of VTILE slots, chunks of 16 dimensions. */
AVX2 static void values_avx2(const uint16_t *values, int s0, int s1, int hd, int d0, int d1, int group,
                             const float *scr, int stride, int off, float *partial) {
    for (int t = s0; t < s1; t += VTILE) {
        int n = s1 - t < VTILE ? s1 - t : VTILE;
        for (int d = d0; d < d1; d += 16) {
            int two = d + 16 <= d1;
            for (int j0 = 0; j0 < group; j0 += NH) {
                int nh = group - j0 < NH ? group - j0 : NH;
                __m256 a[NH][2];
                for (int j = 0; j < nh; j++) {
                    float *o = partial + (j0 + j) * hd + d;
                    a[j][0] = t > s0 ? _mm256_loadu_ps(o) : _mm256_setzero_ps();
                    a[j][1] = t > s0 && two ? _mm256_loadu_ps(o + 8) : _mm256_setzero_ps();
                }
                const float *p = scr + j0 * stride + t - s0 + off;
                for (int s = 0; s < n; s++) {
                    const uint16_t *row = values + (int64_t)(t + s) * hd + d;
                    __m256 v0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)row));
                    __m256 v1 = two ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 8))) : v0;
                    for (int j = 0; j < nh; j++) {
                        __m256 w = _mm256_broadcast_ss(p + j * stride + s);
                        a[j][0] = _mm256_fmadd_ps(v0, w, a[j][0]);
                        a[j][1] = _mm256_fmadd_ps(v1, w, a[j][1]);
                    }
                }
                for (int j = 0; j < nh; j++) {
                    float *o = partial + (j0 + j) * hd + d;
                    _mm256_storeu_ps(o, a[j][0]);
                    if (two) {
                        _mm256_storeu_ps(o + 8, a[j][1]);
                    }
                }
            }
            if (!two) {
                d -= 8; /* a last chunk of 8 dimensions */
            }
        }
    }
}

/* ---------------------------------------------------------------- AVX-512: 16 slots (a whole key block) a vector */

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

typedef struct {
    __m512 v[NH];
} z4;

/*
 * Chain m of the 16 slots of the key block at blk for nh query heads; where pf is set, its share (1/A) of the bytes
 * of the key block at pf is prefetched, and of the block KEY_AHEAD_L2 - KEY_AHEAD further on into L2, so a block's
 * prefetches are spread over its chains: all at once they stall on the fill buffers with the block's own loads
 * behind them (docs/BENCHMARKS.md, issue 17, deep25).
 */
AVX512 INLINE z4 chain_z(const uint16_t *blk, int m, int A, int hd, const float *q, int nh, const char *pf) {
    z4 r;
    if (pf != NULL) {
        for (int o = m * hd * KB * 2 / A; o < (m + 1) * hd * KB * 2 / A; o += 64) {
            _mm_prefetch(pf + o, _MM_HINT_T0);
            _mm_prefetch(pf + o + (KEY_AHEAD_L2 - KEY_AHEAD) * hd * KB * 2, _MM_HINT_T1);
        }
    }
    for (int j = 0; j < nh; j++) {
        r.v[j] = _mm512_setzero_ps();
    }
    for (int d = m; d < hd; d += A) {
        __m512 k = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + d * KB)));
        for (int j = 0; j < nh; j++) {
            r.v[j] = _mm512_fmadd_ps(k, _mm512_set1_ps(q[j * hd + d]), r.v[j]);
        }
    }
    return r;
}

AVX512 INLINE z4 add_z(z4 a, z4 b, int nh) {
    for (int j = 0; j < nh; j++) {
        a.v[j] = _mm512_add_ps(a.v[j], b.v[j]);
    }
    return a;
}

#define CZ(m) chain_z(blk, m, A, hd, q, nh, pf)
AVX512 INLINE z4 t16b_z(const uint16_t *blk, int m, int A, int hd, const float *q, int nh, const char *pf) {
    return add_z(CZ(m), CZ(m + 8), nh);
}
AVX512 INLINE z4 t16c_z(const uint16_t *blk, int m, int A, int hd, const float *q, int nh, const char *pf) {
    return add_z(t16b_z(blk, m, A, hd, q, nh, pf), t16b_z(blk, m + 4, A, hd, q, nh, pf), nh);
}
AVX512 INLINE z4 t16d_z(const uint16_t *blk, int m, int A, int hd, const float *q, int nh, const char *pf) {
    return add_z(t16c_z(blk, m, A, hd, q, nh, pf), t16c_z(blk, m + 2, A, hd, q, nh, pf), nh);
}
AVX512 INLINE z4 t8b_z(const uint16_t *blk, int m, int A, int hd, const float *q, int nh, const char *pf) {
    return add_z(CZ(m), CZ(m + 4), nh);
}
AVX512 INLINE z4 t8c_z(const uint16_t *blk, int m, int A, int hd, const float *q, int nh, const char *pf) {
    return add_z(t8b_z(blk, m, A, hd, q, nh, pf), t8b_z(blk, m + 2, A, hd, q, nh, pf), nh);
}

AVX512 INLINE void block_z(const uint16_t *blk, int A, int hd, const float *q, int nh, float *out, int stride,
                           const char *pf) {
    z4 r = A == 16 ? add_z(t16d_z(blk, 0, A, hd, q, nh, pf), t16d_z(blk, 1, A, hd, q, nh, pf), nh)
                   : add_z(t8c_z(blk, 0, A, hd, q, nh, pf), t8c_z(blk, 1, A, hd, q, nh, pf), nh);
    for (int j = 0; j < nh; j++) {
        _mm512_storeu_ps(out + j * stride, r.v[j]);
    }
}

/* Scores of slots [base, end) (base a multiple of 16) into scr[j*stride + s - base], whole blocks. */
AVX512 INLINE void keys_z(const uint16_t *keys, int base, int end, int hd, int group, int A, const float *qs,
                          float *scr, int stride) {
    for (int s = base; s < end; s += KB) {
        const uint16_t *blk = keys + (int64_t)(s / KB) * hd * KB;
        /* the block KEY_AHEAD blocks on, by the first group of query heads' chains */
        const char *pf = s + KEY_AHEAD * KB < end ? (const char *)(blk + KEY_AHEAD * hd * KB) : NULL;
        for (int j = 0; j < group; j += NH, pf = NULL) {
            int nh = group - j < NH ? group - j : NH;
            float *out = scr + j * stride + s - base;
            const float *q = qs + j * hd;
            if (A == 16) {
                switch (nh) {
                case 1: block_z(blk, 16, hd, q, 1, out, stride, pf); break;
                case 2: block_z(blk, 16, hd, q, 2, out, stride, pf); break;
                case 3: block_z(blk, 16, hd, q, 3, out, stride, pf); break;
                default: block_z(blk, 16, hd, q, 4, out, stride, pf); break;
                }
            } else {
                switch (nh) {
                case 1: block_z(blk, 8, hd, q, 1, out, stride, pf); break;
                case 2: block_z(blk, 8, hd, q, 2, out, stride, pf); break;
                case 3: block_z(blk, 8, hd, q, 3, out, stride, pf); break;
                default: block_z(blk, 8, hd, q, 4, out, stride, pf); break;
                }
            }
        }
    }
}

/* keys_z, the head size a constant for the common sizes (the chains' loops unrolled: about 0.9 of the time at 8,192
 * slots with the L2 prefetches, docs/BENCHMARKS.md, issue 17, deep26). */
AVX512 static void keys_avx512(const uint16_t *keys, int base, int end, int hd, int group, int A, const float *qs,
                               float *scr, int stride) {
    if (hd == 64) {
        keys_z(keys, base, end, 64, group, A, qs, scr, stride);
    } else if (hd == 128) {
        keys_z(keys, base, end, 128, group, A, qs, scr, stride);
    } else {
        keys_z(keys, base, end, hd, group, A, qs, scr, stride);
    }
}

AVX512 static inline __m512 exp_z(__m512 x) {
    __m512 c = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(EXP_MIN)), _mm512_set1_ps(EXP_MAX));
    __m512 t = _mm512_fmadd_ps(c, _mm512_set1_ps(LOG2E), _mm512_set1_ps(ROUND));
    __m512 n = _mm512_sub_ps(t, _mm512_set1_ps(ROUND));
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-LN2_HI), c);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(-LN2_LO), r);
    __m512 p = _mm512_fmadd_ps(r, _mm512_set1_ps(C7), _mm512_set1_ps(C6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C5));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i bits = _mm512_slli_epi32(_mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(ROUND_BITS - 127)), 23);
    __m512 e = _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
    e = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_MIN), _CMP_LT_OQ), e, _mm512_setzero_ps());
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_MAX), _CMP_GT_OQ), e,
                                _mm512_set1_ps(INFINITY));
}

/* a[i] = e^(a[i] - max) for i < n; returns their sum in 16 lanes as sum_as_java adds it for A = 16. */
AVX512 static float exps_avx512(float *a, int n, float max) {
    __m512 m = _mm512_set1_ps(max), acc = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = exp_z(_mm512_sub_ps(_mm512_loadu_ps(a + i), m));
        _mm512_storeu_ps(a + i, e);
        acc = _mm512_add_ps(acc, e);
    }
    float lanes[16];
    _mm512_storeu_ps(lanes, acc);
    float s = sum_lanes(lanes, 16);
    for (; i < n; i++) {
        a[i] = exp_scalar(a[i] - max);
        s += a[i];
    }
    return s;
}

/*
 * One tile of n slots from slot t for nh query heads (constant where inlined) and K vectors of 16 dimensions
 * from d: partial[j*hd + d ..] continues its sums (from +0 for the run's first tile) by one fused
 * multiply-add per slot; the accumulators stay in registers over the tile.
 */
AVX512 INLINE void vtile_z(const uint16_t *values, int t, int n, int hd, int d, int nh, int K, int first,
                           const float *p, int stride, float *partial) {
    __m512 a[NH][4];
    for (int j = 0; j < nh; j++) {
        for (int c = 0; c < K; c++) {
            a[j][c] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(partial + j * hd + d + 16 * c);
        }
    }
    const uint16_t *row = values + (int64_t)t * hd + d;
    for (int s = 0; s < n; s++, row += hd) {
        __m512 v[4];
        for (int c = 0; c < K; c++) {
            v[c] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + 16 * c)));
        }
        for (int j = 0; j < nh; j++) {
            __m512 w = _mm512_set1_ps(p[j * stride + s]);
            for (int c = 0; c < K; c++) {
                a[j][c] = _mm512_fmadd_ps(v[c], w, a[j][c]);
            }
        }
    }
    for (int j = 0; j < nh; j++) {
        for (int c = 0; c < K; c++) {
            _mm512_storeu_ps(partial + j * hd + d + 16 * c, a[j][c]);
        }
    }
}

#define VTILE_NH(K)                                                                                    \
    switch (nh) {                                                                                      \
    case 1: vtile_z(values, t, n, hd, d, 1, K, first, p, stride, out); break;                         \
    case 2: vtile_z(values, t, n, hd, d, 2, K, first, p, stride, out); break;                         \
    case 3: vtile_z(values, t, n, hd, d, 3, K, first, p, stride, out); break;                         \
    default: vtile_z(values, t, n, hd, d, 4, K, first, p, stride, out); break;                        \
    }

/* partial[j*hd + d] for d in [0, hd/16*16), tiles of VTILE slots, chunks of 64 dimensions (then of 16). */
AVX512 static void values_avx512(const uint16_t *values, int s0, int s1, int hd, int group, const float *scr,
                                 int stride, int off, float *partial) {
    int wide = hd / 16 * 16;
    for (int t = s0; t < s1; t += VTILE) {
        int n = s1 - t < VTILE ? s1 - t : VTILE, first = t == s0;
        for (int j0 = 0; j0 < group; j0 += NH) {
            int nh = group - j0 < NH ? group - j0 : NH;
            const float *p = scr + j0 * stride + t - s0 + off;
            float *out = partial + j0 * hd;
            int d = 0;
            for (; d + 64 <= wide; d += 64) {
                VTILE_NH(4)
            }
            for (; d < wide; d += 16) {
                VTILE_NH(1)
            }
        }
    }
}

#endif

/* ---------------------------------------------------------------- entry point */

/**
 * One task of the decode attention over an F16 cache, for a kv-head's slots [s0, s1) and its group of query
 * heads: keys (transposed blocks) and values (rows of hd halves) of the head; qs the group's queries times
 * the scale (group rows of hd); A the Java vector's lanes (16 or 8; s0 a multiple of A, hd of A);
 * scr scratch of group * stride floats, stride >= s1 - s0 + 31 rounded up to 16 (the run's slots from the
 * start of s0's key block, whole blocks). Writes partial[(t·group + j)·hd + d] (the group's unnormalised
 * weighted values), pmax[t·group + j] (the scores' maximum) and psum[t·group + j] (Σ e^(score − max)).
 */
EXPORT void kvs_attend_f16(const uint16_t *keys, const uint16_t *values, int s0, int s1, int hd, int group, int A,
                           const float *qs, float *scr, int stride, float *partial, float *pmax, float *psum,
                           int t) {
    int base = s0 / KB * KB, off = s0 - base, n = s1 - s0;
    partial += (int64_t)t * group * hd;
    pmax += t * group;
    psum += t * group;
    int isa = kvs_isa();
#if defined(__x86_64__)
    if (isa == ISA_AVX512) {
        keys_avx512(keys, base, s1, hd, group, A, qs, scr, stride);
    } else if (isa == ISA_AVX2) {
        keys_avx2(keys, s0, s1, hd, group, A, qs, scr + off, stride);
    } else
#endif
        keys_scalar(keys, s0, s1, hd, group, A, qs, scr + off, stride);
    for (int j = 0; j < group; j++) {
        float *row = scr + j * stride + off;
        float max;
#if defined(__x86_64__)
        if (isa >= ISA_AVX2) {
            max = max_avx2(row, n);
            if (isa == ISA_AVX512 && A == 16) {
                pmax[j] = max;
                psum[j] = exps_avx512(row, n, max);
                continue;
            }
            exps_avx2(row, n, max);
        } else
#endif
        {
            max = max_java(row, n);
            exps_scalar(row, n, max);
        }
        pmax[j] = max;
        psum[j] = sum_as_java(row, n, A);
    }
#if defined(__x86_64__)
    if (isa == ISA_AVX512) {
        int wide = hd / 16 * 16;
        values_avx512(values, s0, s1, hd, group, scr, stride, off, partial);
        if (wide < hd) {
            values_avx2(values, s0, s1, hd, wide, hd, group, scr, stride, off, partial);
        }
        return;
    }
    if (isa == ISA_AVX2) {
        values_avx2(values, s0, s1, hd, 0, hd, group, scr, stride, off, partial);
        return;
    }
#endif
    values_scalar(values, s0, s1, hd, group, scr, stride, off, partial);
}
