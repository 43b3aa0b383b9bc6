/*
 * kvscope's native matrix-vector kernels for float weights (decode): F32, F16 and BF16 rows times a
 * float x, called from Java through the foreign function API (org.kvscope.tensor.NativeKernels).
 *
 * Unlike the quantized kernels (kvscope_kernels.c) nothing is rounded: x stays float, each weight
 * is converted exactly (F16 by the CPU's F16C / AVX-512 conversion, BF16 by a 16-bit shift) and
 * multiplied-added in float, so a row differs from the Java float kernels only by the order of its
 * float sums. (llama.cpp instead rounds x to the weights' type first, F16 or BF16, and multiplies
 * in that format's dot product.) Decode streams every weight once per token, so what matters is how the
 * rows are read: on AVX-512, while x fits in L1 beside them (up to 4,096 columns) one row per pass, a
 * single stream per core for the hardware prefetchers; longer rows eight per pass, sharing each load of x,
 * the next pass's rows prefetched into L2 a line at a time as the pass goes (F32 rows under 2,048 columns: four per pass
 * with a burst prefetch where the L1 data cache is larger than 32 KiB, one per pass where it is not). AVX2 takes the same one row per
 * pass where x is short (F32 under 2,048 columns by the same L1 rule), and four rows per pass for longer rows, prefetching
 * the next pass into L2 a line at a time. Every row's sum is the same whichever pass takes
 * it. BF16 rows where x is short take 32 weights a load at AVX-512 (unpacked with zeros) and 16 at AVX2 (two a lane,
 * shifted and masked), x put in their order once per call (rows_bf16_unpack, rows_bf16_pairs_avx2). The instruction set is
 * the quantized kernels' choice (kvs_isa: AVX-512, AVX2 with F16C, or scalar C).
 */
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "kvscope_guard.h"
#include "kvscope_half.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define EXPORT __attribute__((visibility("default")))

/* Type codes, continuing kvs_matvec's. */
enum { FLOAT_F32 = 4, FLOAT_F16 = 5, FLOAT_BF16 = 6 };
enum { ISA_SCALAR = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };

/* The instruction set chosen in kvscope_kernels.c (0 scalar, 1 AVX2, 2 AVX-512). */
int kvs_isa(void);

#define ROWS 4
/* Rows per AVX-512 pass where x is long (over ONE_ROW_COLS columns): each load of x serves eight rows. With an 8,192-float x
 * (32 KiB, all of Zen 4's L1 data cache) x is read again from L2 every pass, 32 KiB per pass: eight rows a pass halve that
 * against four (Llama-3.2-1B down, F16, one core: 24.4-25.2 -> 27.1-27.2 GB/s, `read` 31.6-32.3; docs/BENCHMARKS.md,
 * down27). 16 sums in registers, 4 x vectors, 4 weight vectors: 24 of AVX-512's 32. */
#define WIDE_ROWS 8

/* ---------------------------------------------------------------- scalar */

static inline float weight(int type, const uint8_t *w, int i) {
    uint16_t h;
    float f;
    switch (type) {
    case FLOAT_F32: memcpy(&f, w + 4 * i, 4); return f;
    case FLOAT_F16: memcpy(&h, w + 2 * i, 2); return kvs_half_to_float(h);
    default: {
        memcpy(&h, w + 2 * i, 2);
        uint32_t bits = (uint32_t)h << 16;
        memcpy(&f, &bits, 4);
        return f;
    }
    }
}

static void rows_scalar(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                        float *out) {
    for (int r = from; r < to; r++) {
        const uint8_t *row = w + r * rowBytes;
        float s[4] = {0, 0, 0, 0};
        int i = 0;
        for (; i + 4 <= cols; i += 4) {
            for (int k = 0; k < 4; k++) {
                s[k] += weight(type, row, i + k) * x[i + k];
            }
        }
        for (; i < cols; i++) {
            s[0] += weight(type, row, i) * x[i];
        }
        out[r] = (s[0] + s[1]) + (s[2] + s[3]);
    }
}

#if defined(__x86_64__)

static inline void prefetch_lines(const uint8_t *p, int64_t bytes) {
    for (int64_t o = 0; o < bytes; o += 64) {
        _mm_prefetch((const char *)p + o, _MM_HINT_T0);
    }
}

/* x up to this many floats (16 KiB) stays in L1 beside the streamed rows: one row per pass, no software prefetch, so
 * each core reads one stream, front to back, which the hardware prefetchers follow (2 threads, Llama-3.2-1B shapes:
 * 1.1-1.2x the four-row passes with a burst prefetch of the next pass; docs/BENCHMARKS.md, bw17). */
#define ONE_ROW_COLS 4096
/* Short F32 rows (the SmolLM2-135M shape's 576 and 1,536 columns) on AVX-512 depend on the core's L1 data cache. Where
 * it is larger than 32 KiB (Zen 5's 48 KiB) they stay four per pass with a burst prefetch of the next pass: one row per
 * pass read them 11-15% slower end to end there (docs/BENCHMARKS.md, end of the fifteenth session; f32d21). A call's
 * first pass is prefetched as it starts, and its last pass prefetches the rows after the range too (a prefetch never
 * faults): a core's next chunk starts there, so no chunk begins cold. With a 32 KiB L1 (Zen 4) the two four-row passes
 * in L1 at once (down's 1,536 columns: 48 KiB) crowd it, and one row per pass without software prefetch reads them
 * 1.4x faster (2 threads, 2 MiB pages: 39 -> 54-57 GB/s a token; end to end about 1.2x; docs/BENCHMARKS.md, flt25). */
#define F32_ONE_ROW_MIN_COLS 2048
#define SMALL_L1_BYTES (32 * 1024)

/* Whether AVX-512 (and AVX2) read F32 rows under F32_ONE_ROW_MIN_COLS one per pass: where the L1 data cache is at most
 * SMALL_L1_BYTES (sysconf's, from cpuid; unknown counts as large, keeping the four-row passes). Computed once. */
static int f32_short_one_row(void) {
    static int known = -1;
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v < 0) {
        long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
        v = l1 > 0 && l1 <= SMALL_L1_BYTES;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v;
}

/** 1 where AVX-512 F32 decode reads rows of fewer than 2,048 columns one per pass (a small L1 data cache), else 0. */
EXPORT int kvs_float_short_rows_one_pass(void) {
    return f32_short_one_row();
}

/* ---------------------------------------------------------------- AVX2 (with F16C and FMA) */

#define AVX2 __attribute__((target("avx2,fma,f16c")))

AVX2 static inline __m256 load8(int type, const uint8_t *w, int i) {
    switch (type) {
    case FLOAT_F32: return _mm256_loadu_ps((const float *)(w + 4 * i));
    case FLOAT_F16: return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 2 * i)));
    default:
        return _mm256_castsi256_ps(
                _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + 2 * i))), 16));
    }
}

AVX2 static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Rows of w times x, R rows per pass sharing x's loads. With next set, each 16 columns also prefetch the same columns of
 * the next pass's rows (next = w + R rows) into L2, a line at a time as the pass goes, as AVX-512 does: with a burst of
 * the whole next pass at each pass's start, Llama-3.2-1B's down (8,192 columns) read at 17-18 GB/s where the other
 * products read 28-29; a line at a time 22.5-23.5 (one thread, F16 / BF16; docs/BENCHMARKS.md, avx26). */
AVX2 static inline __attribute__((always_inline)) void pass_avx2(int type, const uint8_t *w, int64_t rowBytes,
                                                                  const float *x, int cols, int R, float *out,
                                                                  const uint8_t *next) {
    int size = type == FLOAT_F32 ? 4 : 2;
    __m256 a[ROWS], b[ROWS];
    for (int r = 0; r < R; r++) {
        a[r] = b[r] = _mm256_setzero_ps();
    }
    int i = 0;
    for (; i + 16 <= cols; i += 16) {
        __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
        for (int r = 0; r < R; r++) {
            if (next && (size == 4 || (i & 31) == 0)) { /* F16/BF16: 16 columns are half a line */
                _mm_prefetch((const char *)next + r * rowBytes + size * i, _MM_HINT_T1);
            }
            a[r] = _mm256_fmadd_ps(load8(type, w + r * rowBytes, i), x0, a[r]);
            b[r] = _mm256_fmadd_ps(load8(type, w + r * rowBytes, i + 8), x1, b[r]);
        }
    }
    for (; i + 8 <= cols; i += 8) {
        __m256 x0 = _mm256_loadu_ps(x + i);
        for (int r = 0; r < R; r++) {
            a[r] = _mm256_fmadd_ps(load8(type, w + r * rowBytes, i), x0, a[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        float s = hsum8(_mm256_add_ps(a[r], b[r]));
        for (int j = i; j < cols; j++) {
            s += weight(type, w + r * rowBytes, j) * x[j];
        }
        out[r] = s;
    }
}

/* Rows per AVX2 pass: as on AVX-512, one where x is short (2 threads, Llama-3.2-1B: 1.32x the four-row passes per
 * token at F16, 1.08x at F32; docs/BENCHMARKS.md, f32b24), F32 rows under F32_ONE_ROW_MIN_COLS only where the L1 data
 * cache is small (Zen 4, SmolLM2-135M shape: 28.6 -> 34.3 GB/s a token, 2 threads; docs/BENCHMARKS.md, avx26); else
 * four, each pass prefetching the next into L2 a line at a time (pass_avx2). */
static int avx2_rows_per_pass(int type, int cols) {
    return cols <= ONE_ROW_COLS && !(type == FLOAT_F32 && cols < F32_ONE_ROW_MIN_COLS && !f32_short_one_row()) ? 1
                                                                                                             : ROWS;
}

/** The rows per pass AVX2 float decode takes for rows of cols columns of type (4 F32, 5 F16, 6 BF16): 1 or 4. */
EXPORT int kvs_float_avx2_rows_per_pass(int type, int cols) {
    return avx2_rows_per_pass(type, cols);
}

/** How AVX2 float decode's four-row passes prefetch the next pass: 2, a line at a time into L2 as the pass goes. */
EXPORT int kvs_float_avx2_pass_prefetch(void) {
    return 2;
}

/* BF16 rows where x is short (at most ONE_ROW_COLS), one row per pass, 16 weights per 32-byte load, two a lane: the
 * lane shifted left by 16 is the even column's weight, the lane with its low half cleared the odd one's (two operations
 * per 16 weights where widening each 8 with vpmovzxwd and a shift took four); each load is read once, as at AVX-512.
 * x is taken apart once per call into its even and odd columns. Sums: a and b over the even and odd columns of each
 * 32-column step's first 16, c and d over its second 16; then a last 16 into a and b, eight more widened into a, the
 * last columns one by one after hsum8((a + c) + (b + d)). */
AVX2 static void rows_bf16_pairs_avx2(const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                                     float *out) {
    float xe[ONE_ROW_COLS / 2] __attribute__((aligned(32))), xo[ONE_ROW_COLS / 2] __attribute__((aligned(32)));
    int full = cols & ~15;
    for (int i = 0; i < full; i += 16) {
        __m256 lo = _mm256_loadu_ps(x + i), hi = _mm256_loadu_ps(x + i + 8);
        /* per 128-bit half (x0 x2 x8 x10 | x4 x6 x12 x14), then the 64-bit quarters put in order */
        _mm256_store_ps(xe + i / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(
                                        _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0))), 0xD8)));
        _mm256_store_ps(xo + i / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(
                                        _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))), 0xD8)));
    }
    const __m256i high = _mm256_set1_epi32((int)0xFFFF0000u);
    for (int r = from; r < to; r++) {
        const uint8_t *row = w + r * rowBytes;
        __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
        const uint8_t *p = row, *stop = row + 2 * (full & ~31);
        const float *pe = xe, *po = xo;
        for (; p < stop; p += 64, pe += 16, po += 16) {
            __m256i v = _mm256_loadu_si256((const __m256i *)p), u = _mm256_loadu_si256((const __m256i *)(p + 32));
            __asm__("" : "+x"(v), "+x"(u)); /* one load each (see rows_bf16_unpack) */
            a = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v, 16)), _mm256_load_ps(pe), a);
            b = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v, high)), _mm256_load_ps(po), b);
            c = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(u, 16)), _mm256_load_ps(pe + 8), c);
            d = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(u, high)), _mm256_load_ps(po + 8), d);
        }
        int i = full & ~31;
        if (i < full) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(row + 2 * i));
            a = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v, 16)), _mm256_load_ps(xe + i / 2), a);
            b = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v, high)), _mm256_load_ps(xo + i / 2), b);
            i += 16;
        }
        if (i + 8 <= cols) {
            a = _mm256_fmadd_ps(load8(FLOAT_BF16, row, i), _mm256_loadu_ps(x + i), a);
            i += 8;
        }
        float s = hsum8(_mm256_add_ps(_mm256_add_ps(a, c), _mm256_add_ps(b, d)));
        for (; i < cols; i++) {
            s = fmaf(weight(FLOAT_BF16, row, i), x[i], s);
        }
        out[r] = s;
    }
}

AVX2 static void rows_avx2(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                           float *out) {
    int r = from;
    if (type == FLOAT_BF16 && cols <= ONE_ROW_COLS) {
        rows_bf16_pairs_avx2(w, rowBytes, x, cols, from, to, out);
        return;
    }
    if (avx2_rows_per_pass(type, cols) == 1) {
        r = to;
        for (int q = from; q < to; q++) {
            switch (type) {
            case FLOAT_F32: pass_avx2(FLOAT_F32, w + q * rowBytes, rowBytes, x, cols, 1, out + q, NULL); break;
            case FLOAT_F16: pass_avx2(FLOAT_F16, w + q * rowBytes, rowBytes, x, cols, 1, out + q, NULL); break;
            default: pass_avx2(FLOAT_BF16, w + q * rowBytes, rowBytes, x, cols, 1, out + q, NULL); break;
            }
        }
    }
    for (; r + ROWS <= to; r += ROWS) {
        const uint8_t *pass = w + r * rowBytes, *next = r + 2 * ROWS <= to ? pass + ROWS * rowBytes : NULL;
        switch (type) {
        case FLOAT_F32: pass_avx2(FLOAT_F32, pass, rowBytes, x, cols, ROWS, out + r, next); break;
        case FLOAT_F16: pass_avx2(FLOAT_F16, pass, rowBytes, x, cols, ROWS, out + r, next); break;
        default: pass_avx2(FLOAT_BF16, pass, rowBytes, x, cols, ROWS, out + r, next); break;
        }
    }
    for (; r < to; r++) {
        switch (type) {
        case FLOAT_F32: pass_avx2(FLOAT_F32, w + r * rowBytes, rowBytes, x, cols, 1, out + r, NULL); break;
        case FLOAT_F16: pass_avx2(FLOAT_F16, w + r * rowBytes, rowBytes, x, cols, 1, out + r, NULL); break;
        default: pass_avx2(FLOAT_BF16, w + r * rowBytes, rowBytes, x, cols, 1, out + r, NULL); break;
        }
    }
}

/* ---------------------------------------------------------------- AVX-512 */

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

/* Sixteen weights from column i as floats; the lanes outside m read nothing and are zero. */
AVX512 static inline __m512 load16(int type, const uint8_t *w, int i, __mmask16 m) {
    switch (type) {
    case FLOAT_F32: return _mm512_maskz_loadu_ps(m, w + 4 * i);
    case FLOAT_F16: return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, w + 2 * i));
    default:
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, w + 2 * i)), 16));
    }
}

/* 64 F16 weights from p (128 bytes) as four vectors of 16 floats: two 64-byte loads, each half widened by vcvtph2ps.
 * vcvtph2ps from memory (a 32-byte load each 16 weights) streamed one core's rows 10-15% slower on Zen 4 (2 MiB pages,
 * Llama-3.2-1B shapes, one thread; docs/BENCHMARKS.md, f1626). */
AVX512 static inline __attribute__((always_inline)) void load64_f16(const uint8_t *p, __m512 *w0, __m512 *w1, __m512 *w2,
                                                                     __m512 *w3) {
    __m512i v = _mm512_loadu_si512(p), u = _mm512_loadu_si512(p + 64);
    *w0 = _mm512_cvtph_ps(_mm512_castsi512_si256(v));
    *w1 = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(v, 1));
    *w2 = _mm512_cvtph_ps(_mm512_castsi512_si256(u));
    *w3 = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(u, 1));
}

/* Rows of w times x, R rows per pass (at most WIDE_ROWS) sharing x's loads. With next set, each 32 columns also prefetch
 * the same columns of the next pass's rows (next = w + R rows) into L2, a line at a time as the pass goes, not a burst
 * at its start. */
AVX512 static inline __attribute__((always_inline)) void pass_avx512(int type, const uint8_t *w, int64_t rowBytes,
                                                                      const float *x, int cols, int R, float *out,
                                                                      const uint8_t *next) {
    __m512 a[WIDE_ROWS], b[WIDE_ROWS];
    int size = type == FLOAT_F32 ? 4 : 2;
    for (int r = 0; r < R; r++) {
        a[r] = b[r] = _mm512_setzero_ps();
    }
    int i = 0;
    if (type == FLOAT_F16) { /* 64 columns a step in 64-byte loads (load64_f16), the same two sums in the same order as
                              * the 32-column steps below; a wide pass prefetches two lines of each next row a step */
        for (; i + 64 <= cols; i += 64) {
            __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16), x2 = _mm512_loadu_ps(x + i + 32),
                   x3 = _mm512_loadu_ps(x + i + 48);
            for (int r = 0; r < R; r++) {
                if (next) {
                    const char *ahead = (const char *)next + r * rowBytes + 2 * i;
                    _mm_prefetch(ahead, _MM_HINT_T1);
                    _mm_prefetch(ahead + 64, _MM_HINT_T1);
                }
                __m512 w0, w1, w2, w3;
                load64_f16(w + r * rowBytes + 2 * i, &w0, &w1, &w2, &w3);
                a[r] = _mm512_fmadd_ps(w0, x0, a[r]);
                b[r] = _mm512_fmadd_ps(w1, x1, b[r]);
                a[r] = _mm512_fmadd_ps(w2, x2, a[r]);
                b[r] = _mm512_fmadd_ps(w3, x3, b[r]);
            }
        }
    } else if (R == 1) { /* 64 columns a step, the same two sums in the same order as the 32-column steps below: fewer
                          * instructions per byte streamed (2 threads, 1B F32: 1.05x per token; docs/BENCHMARKS.md, f32d22) */
        for (; i + 64 <= cols; i += 64) {
            a[0] = _mm512_fmadd_ps(load16(type, w, i, 0xFFFF), _mm512_loadu_ps(x + i), a[0]);
            b[0] = _mm512_fmadd_ps(load16(type, w, i + 16, 0xFFFF), _mm512_loadu_ps(x + i + 16), b[0]);
            a[0] = _mm512_fmadd_ps(load16(type, w, i + 32, 0xFFFF), _mm512_loadu_ps(x + i + 32), a[0]);
            b[0] = _mm512_fmadd_ps(load16(type, w, i + 48, 0xFFFF), _mm512_loadu_ps(x + i + 48), b[0]);
        }
    }
    for (; i + 32 <= cols; i += 32) {
        __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
        for (int r = 0; r < R; r++) {
            if (next) { /* into L2 only: in L1 the next pass's lines pushed out x (32 KiB at 8,192 columns) and the
                         * lines still to be read (Llama-3.2-1B down, 2 threads, anonymous 2 MiB pages: F16
                         * 37-39 -> 44-47 GB/s, F32 48-51 -> 52-56; docs/BENCHMARKS.md, f32b24) */
                const char *ahead = (const char *)next + r * rowBytes + size * i;
                _mm_prefetch(ahead, _MM_HINT_T1);
                if (size == 4) {
                    _mm_prefetch(ahead + 64, _MM_HINT_T1);
                }
            }
            a[r] = _mm512_fmadd_ps(load16(type, w + r * rowBytes, i, 0xFFFF), x0, a[r]);
            b[r] = _mm512_fmadd_ps(load16(type, w + r * rowBytes, i + 16, 0xFFFF), x1, b[r]);
        }
    }
    for (; i < cols; i += 16) {
        __mmask16 m = cols - i >= 16 ? 0xFFFF : (__mmask16)((1u << (cols - i)) - 1);
        __m512 x0 = _mm512_maskz_loadu_ps(m, x + i);
        for (int r = 0; r < R; r++) {
            a[r] = _mm512_fmadd_ps(load16(type, w + r * rowBytes, i, m), x0, a[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        out[r] = _mm512_reduce_add_ps(_mm512_add_ps(a[r], b[r]));
    }
}

/* BF16 rows where x is short (at most ONE_ROW_COLS), one row per pass, 32 weights per 64-byte load, widened by unpacking
 * with zeros: in each 128-bit lane L of the load (columns 8L..8L+7), vpunpcklwd puts columns 8L..8L+3 in the high halves
 * of four 32-bit lanes (floats, exactly) and vpunpckhwd columns 8L+4..8L+7: two single-cycle operations per 32 weights
 * where widening each 16 with vpmovzxwd and a shift took four (F16's vcvtph2ps takes two, plus an extract). x is put in
 * the same order once per call (xl, xh), so each row's products meet their x without a shuffle. Each 64-byte load is
 * read once: left to itself gcc folded it into both unpacks as a memory operand, two loads of every line (135M shape,
 * one thread, rows in L2: 52.7 -> 68.4 GB/s of weights, F16 46.6; docs/BENCHMARKS.md, bf28). Sums: a and b over the
 * unpacked low and high columns of each 64-column step's first 32, c and d over its second 32; then a last 32 into a and
 * b, the columns past the last multiple of 32 through masked widening into a (lane k, column i + k); (a + c) + (b + d). */
AVX512 static void rows_bf16_unpack(const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                                    float *out) {
    float xl[ONE_ROW_COLS / 2] __attribute__((aligned(64))), xh[ONE_ROW_COLS / 2] __attribute__((aligned(64)));
    int full = cols & ~31;
    const __m512i low = _mm512_set_epi32(27, 26, 25, 24, 19, 18, 17, 16, 11, 10, 9, 8, 3, 2, 1, 0);
    const __m512i high = _mm512_set_epi32(31, 30, 29, 28, 23, 22, 21, 20, 15, 14, 13, 12, 7, 6, 5, 4);
    for (int i = 0; i < full; i += 32) {
        __m512 lo = _mm512_loadu_ps(x + i), hi = _mm512_loadu_ps(x + i + 16);
        _mm512_store_ps(xl + i / 2, _mm512_permutex2var_ps(lo, low, hi));
        _mm512_store_ps(xh + i / 2, _mm512_permutex2var_ps(lo, high, hi));
    }
    const __m512i zero = _mm512_setzero_si512();
    for (int r = from; r < to; r++) {
        const uint8_t *row = w + r * rowBytes, *p = row, *stop = row + 2 * (full & ~63);
        const float *pl = xl, *ph = xh;
        __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;
        for (; p < stop; p += 128, pl += 32, ph += 32) {
            __m512i v = _mm512_loadu_si512(p), u = _mm512_loadu_si512(p + 64);
            __asm__("" : "+v"(v), "+v"(u)); /* in registers: one load each */
            a = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_unpacklo_epi16(zero, v)), _mm512_load_ps(pl), a);
            b = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_unpackhi_epi16(zero, v)), _mm512_load_ps(ph), b);
            c = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_unpacklo_epi16(zero, u)), _mm512_load_ps(pl + 16), c);
            d = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_unpackhi_epi16(zero, u)), _mm512_load_ps(ph + 16), d);
        }
        int i = full & ~63;
        if (i < full) {
            __m512i v = _mm512_loadu_si512(p);
            __asm__("" : "+v"(v));
            a = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_unpacklo_epi16(zero, v)), _mm512_load_ps(pl), a);
            b = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_unpackhi_epi16(zero, v)), _mm512_load_ps(ph), b);
            i += 32;
        }
        for (; i < cols; i += 16) {
            __mmask16 m = cols - i >= 16 ? 0xFFFF : (__mmask16)((1u << (cols - i)) - 1);
            a = _mm512_fmadd_ps(load16(FLOAT_BF16, row, i, m), _mm512_maskz_loadu_ps(m, x + i), a);
        }
        out[r] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, c), _mm512_add_ps(b, d)));
    }
}

/* Rows per AVX-512 pass: four for F32 rows under F32_ONE_ROW_MIN_COLS where the L1 data cache is large (with a burst
 * prefetch of the next pass), WIDE_ROWS where x is long (over ONE_ROW_COLS columns), else one. */
static int avx512_rows_per_pass(int type, int cols) {
    if (type == FLOAT_F32 && cols < F32_ONE_ROW_MIN_COLS && !f32_short_one_row()) {
        return ROWS;
    }
    return cols > ONE_ROW_COLS ? WIDE_ROWS : 1;
}

/** The rows per pass AVX-512 float decode takes for rows of cols columns of type (4 F32, 5 F16, 6 BF16): 1, 4 or 8. */
EXPORT int kvs_float_avx512_rows_per_pass(int type, int cols) {
    return avx512_rows_per_pass(type, cols);
}

#define ROWS_AVX512(T)                                                                                               \
    AVX512 static void rows_avx512_##T(const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from,        \
                                       int to, float *out) {                                                         \
        int r = from, per = avx512_rows_per_pass(T, cols);                                                           \
        if (per == ROWS) {                                                                                           \
            if (r + ROWS <= to) {                                                                                    \
                prefetch_lines(w + r * rowBytes, ROWS * rowBytes);                                                   \
            }                                                                                                        \
            for (; r + ROWS <= to; r += ROWS) {                                                                      \
                prefetch_lines(w + (r + ROWS) * rowBytes, ROWS * rowBytes);                                          \
                pass_avx512(T, w + r * rowBytes, rowBytes, x, cols, ROWS, out + r, NULL);                            \
            }                                                                                                        \
        } else if (per == WIDE_ROWS) {                                                                               \
            for (; r + WIDE_ROWS <= to; r += WIDE_ROWS) {                                                            \
                const uint8_t *pass = w + r * rowBytes;                                                              \
                pass_avx512(T, pass, rowBytes, x, cols, WIDE_ROWS, out + r,                                          \
                            r + 2 * WIDE_ROWS <= to ? pass + WIDE_ROWS * rowBytes : NULL);                           \
            }                                                                                                        \
            if (r + ROWS <= to) {                                                                                    \
                pass_avx512(T, w + r * rowBytes, rowBytes, x, cols, ROWS, out + r, NULL);                            \
                r += ROWS;                                                                                           \
            }                                                                                                        \
        }                                                                                                            \
        for (; r < to; r++) {                                                                                        \
            pass_avx512(T, w + r * rowBytes, rowBytes, x, cols, 1, out + r, NULL);                                   \
        }                                                                                                            \
    }
ROWS_AVX512(FLOAT_F32)
ROWS_AVX512(FLOAT_F16)
ROWS_AVX512(FLOAT_BF16)

/* F16 and BF16 rows under F32_ONE_ROW_MIN_COLS (the SmolLM2-135M shape's 576 and 1,536 columns) at AVX-512: a call's
 * first SHORT_HALF_START_BYTES of rows are prefetched into L1 as it starts. A decode product of that shape is 0.2-1.8 MB,
 * cut into chunks of 0.1-0.5 MB (two a core, then guided tails), and every chunk is a call that starts a new stream,
 * whose first lines the hardware prefetchers have not yet reached; the burst puts its first misses in flight at once
 * (2 threads, 2 MiB pages, kvscope's split: F16 token 1.00 -> 1.03 of a plain read's rate in the host's fast state,
 * 1.01 -> 1.04 in the slow one; docs/BENCHMARKS.md, s1627). One row per pass as before; the sums are unchanged. */
#define SHORT_HALF_START_BYTES 4096

/* The bytes of a call's first rows the AVX-512 float kernels prefetch as it starts (0: none). */
static int64_t avx512_start_prefetch(int type, int cols) {
    return type != FLOAT_F32 && cols < F32_ONE_ROW_MIN_COLS ? SHORT_HALF_START_BYTES : 0;
}

/** The bytes of a call's first rows AVX-512 float decode prefetches as it starts, for rows of cols columns of type. */
EXPORT int kvs_float_avx512_start_prefetch(int type, int cols) {
    return (int)avx512_start_prefetch(type, cols);
}

/* Rows [from, to): where x is short, one row per pass (F32 below 2,048 columns with an L1 data cache over 32 KiB: four
 * rows, a burst prefetch of the next pass; F16 and BF16 below 2,048 columns with a burst of the call's first rows);
 * else eight rows per pass, each pass prefetching the next a line at a time (the last rows: one four-row pass, then
 * one row a pass). */
AVX512 static void rows_avx512(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                               float *out) {
    int64_t start = avx512_start_prefetch(type, cols), bytes = (int64_t)(to - from) * rowBytes;
    if (start > 0 && bytes > 0) {
        prefetch_lines(w + from * rowBytes, bytes < start ? bytes : start);
    }
    switch (type) {
    case FLOAT_F32: rows_avx512_FLOAT_F32(w, rowBytes, x, cols, from, to, out); break;
    case FLOAT_F16: rows_avx512_FLOAT_F16(w, rowBytes, x, cols, from, to, out); break;
    default:
        if (cols <= ONE_ROW_COLS) {
            rows_bf16_unpack(w, rowBytes, x, cols, from, to, out);
        } else {
            rows_avx512_FLOAT_BF16(w, rowBytes, x, cols, from, to, out);
        }
        break;
    }
}

#endif

static void matvec_any(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                       float *out) {
    switch (kvs_isa()) {
#if defined(__x86_64__)
    case ISA_AVX512: rows_avx512(type, w, rowBytes, x, cols, from, to, out); break;
    case ISA_AVX2: rows_avx2(type, w, rowBytes, x, cols, from, to, out); break;
#endif
    default: rows_scalar(type, w, rowBytes, x, cols, from, to, out); break;
    }
}

/** out[r] = row r · x for r in [from, to): rows of rowBytes from w, weights of type 4 (F32), 5 (F16) or 6 (BF16). */
EXPORT void kvs_matvec_float(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to,
                             float *out) {
    KVS_GUARDED(matvec_any(type, w, rowBytes, x, cols, from, to, out));
}
