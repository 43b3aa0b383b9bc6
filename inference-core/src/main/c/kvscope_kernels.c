/*
 * kvscope's native matrix-vector kernels for quantized weights (decode), called from Java through
 * the foreign function API (org.kvscope.tensor.NativeKernels).
 *
 * The input vector is first quantized to 8 bits (kvs_quantize_q8k for the K-quants, kvs_quantize_q8_0
 * for Q4_0 and Q8_0); each row is then an integer dot product of its quants with those of the input,
 * scaled per block in float. The integer products use the CPU's widening multiply-adds
 * (AVX-512 VNNI vpdpbusd/vpdpwssd, or AVX2 vpmaddubsw/vpmaddwd), chosen once at run time; a portable
 * scalar path computes the same integers and serves everywhere else.
 *
 * Input layouts (this library's own; the Java side only sizes the buffers):
 *  - Q8K, per 256 values, 320 bytes: float d at 0; int16 sums of each run of 32 quants at 16;
 *    int16 sums of each run of 16 at 32; 256 int8 quants at 64. x[i] ~ d * q[i].
 *  - Q8_0, for n values: n int8 quants, then n/32 floats d, then n/32 int32 sums of each block's quants.
 * Quantization: d = max|x| / 127 over the block, q = round-half-even(x * (1/d)) (0 when d is 0).
 *
 * Weight layouts are ggml's: Q4_0 (f16 d, 16 bytes of nibbles), Q8_0 (f16 d, 32 int8), Q4_K (f16 d,
 * f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles), Q6_K (128 bytes low nibbles,
 * 64 bytes high bit pairs, 16 int8 scales, f16 d).
 */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "kvscope_guard.h"
#include "kvscope_half.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define EXPORT __attribute__((visibility("default")))

enum { TYPE_Q4_0 = 0, TYPE_Q8_0 = 1, TYPE_Q4_K = 2, TYPE_Q6_K = 3 };
enum { ISA_SCALAR = 0, ISA_AVX2 = 1, ISA_AVX512_VNNI = 2 };

EXPORT int kvs_isa(void);

#define Q8K_BYTES 320
#define Q8K_S32 16
#define Q8K_S16 32
#define Q8K_QS 64

/* ---------------------------------------------------------------- common */

static inline uint16_t u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Q4_K's eight 6-bit scales (bytes 0..7 of sc) and mins (bytes 0..7 of mn) from its 12 packed bytes. */
static inline void q4k_scales(const uint8_t *p, uint32_t sc[2], uint32_t mn[2]) {
    uint32_t a = u32(p), b = u32(p + 4), c = u32(p + 8);
    sc[0] = a & 0x3F3F3F3F;
    mn[0] = b & 0x3F3F3F3F;
    sc[1] = (c & 0x0F0F0F0F) | (((a >> 6) & 0x03030303) << 4);
    mn[1] = ((c >> 4) & 0x0F0F0F0F) | (((b >> 6) & 0x03030303) << 4);
}

/* A Q8_K block's header: d, the eight sums of 32 quants (from the sixteen sums of 16, s16) and s16 itself. */
static void q8k_header(uint8_t *dst, float d, const int16_t s16[16]) {
    int16_t s32[8];
    for (int j = 0; j < 8; j++) {
        s32[j] = (int16_t)(s16[2 * j] + s16[2 * j + 1]);
    }
    memset(dst, 0, Q8K_QS);
    memcpy(dst, &d, 4);
    memcpy(dst + Q8K_S32, s32, sizeof s32);
    memcpy(dst + Q8K_S16, s16, 16 * sizeof(int16_t));
}

/* ---------------------------------------------------------------- quantization of the input */

static float block_scale(const float *x, int n) {
    float amax = 0.0f;
    for (int i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        amax = a > amax ? a : amax;
    }
    return amax / 127.0f;
}

static inline int8_t quant(float v, float id) {
    float r = rintf(v * id);
    r = r > 127.0f ? 127.0f : r < -127.0f ? -127.0f : r;
    return (int8_t)r;
}

static void quantize_q8k_scalar(const float *x, int n, uint8_t *dst) {
    for (int b = 0; b < n / 256; b++, x += 256, dst += Q8K_BYTES) {
        float d = block_scale(x, 256);
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        int8_t *q = (int8_t *)(dst + Q8K_QS);
        for (int i = 0; i < 256; i++) {
            q[i] = quant(x[i], id);
        }
        int16_t s16[16];
        for (int g = 0; g < 16; g++) {
            int s = 0;
            for (int i = 0; i < 16; i++) {
                s += q[16 * g + i];
            }
            s16[g] = (int16_t)s;
        }
        q8k_header(dst, d, s16);
    }
}

static void quantize_q8_0_scalar(const float *x, int n, uint8_t *dst) {
    int blocks = n / 32;
    int8_t *q = (int8_t *)dst;
    float *ds = (float *)(dst + n);
    int32_t *sums = (int32_t *)(dst + n + 4 * blocks);
    for (int b = 0; b < blocks; b++, x += 32, q += 32) {
        float d = block_scale(x, 32);
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        int s = 0;
        for (int i = 0; i < 32; i++) {
            q[i] = quant(x[i], id);
            s += q[i];
        }
        ds[b] = d;
        sums[b] = s;
    }
}

/* ---------------------------------------------------------------- scalar rows */

static float row_q4k_scalar(const uint8_t *w, const uint8_t *xq, int blocks) {
    float sum = 0.0f;
    for (int b = 0; b < blocks; b++, w += 144, xq += Q8K_BYTES) {
        uint32_t scw[2], mnw[2];
        q4k_scales(w + 4, scw, mnw);
        const uint8_t *sc = (const uint8_t *)scw, *mn = (const uint8_t *)mnw;
        const uint8_t *qs = w + 16;
        const int8_t *x = (const int8_t *)(xq + Q8K_QS);
        int isum = 0, msum = 0;
        for (int c = 0; c < 4; c++) {
            int lo = 0, hi = 0;
            for (int l = 0; l < 32; l++) {
                lo += (qs[32 * c + l] & 0xF) * x[64 * c + l];
                hi += (qs[32 * c + l] >> 4) * x[64 * c + 32 + l];
            }
            isum += sc[2 * c] * lo + sc[2 * c + 1] * hi;
        }
        const int16_t *s32 = (const int16_t *)(xq + Q8K_S32);
        for (int j = 0; j < 8; j++) {
            msum += mn[j] * s32[j];
        }
        float xd;
        memcpy(&xd, xq, 4);
        sum += xd * kvs_half_to_float(u16(w)) * (float)isum - xd * kvs_half_to_float(u16(w + 2)) * (float)msum;
    }
    return sum;
}

static float row_q6k_scalar(const uint8_t *w, const uint8_t *xq, int blocks) {
    float sum = 0.0f;
    for (int b = 0; b < blocks; b++, w += 210, xq += Q8K_BYTES) {
        const int8_t *sc = (const int8_t *)(w + 192);
        const int8_t *x = (const int8_t *)(xq + Q8K_QS);
        const int16_t *s16 = (const int16_t *)(xq + Q8K_S16);
        int isum = 0;
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = w + 64 * h, *qh = w + 128 + 32 * h;
            for (int k = 0; k < 4; k++) {
                int g0 = 0, g1 = 0;
                for (int l = 0; l < 32; l++) {
                    int low = ql[l + ((k & 1) ? 32 : 0)];
                    low = k < 2 ? low & 0xF : low >> 4;
                    int q = low | (((qh[l] >> (2 * k)) & 3) << 4);
                    int p = q * x[128 * h + 32 * k + l];
                    if (l < 16) g0 += p; else g1 += p;
                }
                int g = 8 * h + 2 * k;
                isum += sc[g] * g0 + sc[g + 1] * g1;
            }
        }
        int corr = 0;
        for (int g = 0; g < 16; g++) {
            corr += sc[g] * s16[g];
        }
        isum -= 32 * corr;
        float xd;
        memcpy(&xd, xq, 4);
        sum += xd * kvs_half_to_float(u16(w + 208)) * (float)isum;
    }
    return sum;
}

static float row_q4_0_scalar(const uint8_t *w, const uint8_t *xq, int blocks, int cols) {
    const int8_t *x = (const int8_t *)xq;
    const float *xd = (const float *)(xq + cols);
    const int32_t *xs = (const int32_t *)(xq + cols + 4 * blocks);
    float sum = 0.0f;
    for (int b = 0; b < blocks; b++, w += 18, x += 32) {
        int isum = -8 * xs[b];
        for (int l = 0; l < 16; l++) {
            isum += (w[2 + l] & 0xF) * x[l] + (w[2 + l] >> 4) * x[16 + l];
        }
        sum += xd[b] * kvs_half_to_float(u16(w)) * (float)isum;
    }
    return sum;
}

static float row_q8_0_scalar(const uint8_t *w, const uint8_t *xq, int blocks, int cols) {
    const int8_t *x = (const int8_t *)xq;
    const float *xd = (const float *)(xq + cols);
    float sum = 0.0f;
    for (int b = 0; b < blocks; b++, w += 34, x += 32) {
        const int8_t *q = (const int8_t *)(w + 2);
        int isum = 0;
        for (int l = 0; l < 32; l++) {
            isum += q[l] * x[l];
        }
        sum += xd[b] * kvs_half_to_float(u16(w)) * (float)isum;
    }
    return sum;
}

static void rows_scalar(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from, int to,
                        float *out) {
    for (int r = from; r < to; r++) {
        const uint8_t *row = w + (int64_t)r * rowBytes;
        switch (type) {
        case TYPE_Q4_0: out[r] = row_q4_0_scalar(row, xq, cols / 32, cols); break;
        case TYPE_Q8_0: out[r] = row_q8_0_scalar(row, xq, cols / 32, cols); break;
        case TYPE_Q4_K: out[r] = row_q4k_scalar(row, xq, cols / 256); break;
        default: out[r] = row_q6k_scalar(row, xq, cols / 256); break;
        }
    }
}

#if defined(__x86_64__)

/* ---------------------------------------------------------------- AVX2 rows */

#define AVX2 __attribute__((target("avx2,fma,f16c")))

/* The largest of the eight lanes. */
AVX2 static inline float hmax256(__m256 m) {
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_max_ss(h, _mm_movehdup_ps(h)));
}

AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 static inline float f16c(const uint8_t *p) { return _cvtsh_ss(u16(p)); }

/* vpshufb indices that repeat int16 lane i of each 128-bit half across that half. */
AVX2 static inline __m256i word_of_half(int i) { return _mm256_set1_epi16((short)(0x0101 * 2 * i + 0x0100)); }

/*
 * Q4_K, one block (256 values) at a time: per 32-value sub-block c, nibbles against x by vpmaddubsw, then vpmaddwd
 * with the sub-block's scale in every lane: the block's eight 6-bit scales as int16 in both halves of one vector,
 * each sub-block's picked by one vpshufb.
 */
AVX2 static float row_q4k_avx2(const uint8_t *w, const uint8_t *xq, int blocks) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    float macc = 0.0f;
    for (int b = 0; b < blocks; b++, w += 144, xq += Q8K_BYTES) {
        uint32_t scw[2], mnw[2];
        q4k_scales(w + 4, scw, mnw);
        __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)scw)));
        const uint8_t *qs = w + 16, *x = xq + Q8K_QS;
        __m256i isum = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * c));
            __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
            __m256i plo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(x + 64 * c)));
            __m256i phi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(x + 64 * c + 32)));
            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(plo, _mm256_shuffle_epi8(sc, word_of_half(2 * c))));
            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(phi, _mm256_shuffle_epi8(sc, word_of_half(2 * c + 1))));
        }
        __m128i mn16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)mnw));
        __m128i mp = _mm_madd_epi16(mn16, _mm_loadu_si128((const __m128i *)(xq + Q8K_S32)));
        mp = _mm_add_epi32(mp, _mm_shuffle_epi32(mp, 0x4E));
        mp = _mm_add_epi32(mp, _mm_shuffle_epi32(mp, 0xB1));
        float xd;
        memcpy(&xd, xq, 4);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(xd * f16c(w)), _mm256_cvtepi32_ps(isum), acc);
        macc += xd * f16c(w + 2) * (float)_mm_cvtsi128_si32(mp);
    }
    return hsum256(acc) - macc;
}

/*
 * Q6_K, one block (256 values, 210 bytes: 128 of low nibbles, 64 of high bit pairs, 16 int8 scales, the f16 d) in two
 * halves of 128 values: each half's quants (0..63, the -32 offset taken off once per block through Q8_K's int16 sums)
 * against x by vpmaddubsw, then by their group's scale. The helpers below are shared with row_q6k_avx512.
 */

/* Half h's 128 six-bit quants, 0..63, as four vectors of 32 bytes (group k of 16 values in each 128-bit half). */
AVX2 static inline __attribute__((always_inline)) void q6k_half_quants(const uint8_t *w, int h, __m256i q[4]) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(3);
    const uint8_t *ql = w + 64 * h;
    __m256i qh = _mm256_loadu_si256((const __m256i *)(w + 128 + 32 * h));
    __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
    q[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m2), 4));
    q[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m2), 4));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m2), 4));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m2), 4));
}

/* Half h's eight scales as int16 in both 128-bit halves: group 2k's picked (q6k_pick) for the low, 2k + 1's the high. */
AVX2 static inline __attribute__((always_inline)) __m256i q6k_half_scales(const int8_t *sc, int h) {
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(sc + 8 * h))));
}

/* The vpshufb control that puts q6k_half_scales' scale of group 2k in the low half's words and 2k + 1's in the high. */
AVX2 static inline __attribute__((always_inline)) __m256i q6k_pick(int k) {
    return _mm256_set_m128i(_mm256_castsi256_si128(word_of_half(2 * k + 1)), _mm256_castsi256_si128(word_of_half(2 * k)));
}

/* acc plus the block's sums: isum (quants 0..63 times x by scale) less 32 x each scale times its group's x sum, times
 * the block's d and x's d. */
AVX2 static inline __attribute__((always_inline)) __m256 q6k_block_sum(const uint8_t *w, const uint8_t *xq, __m256i isum,
                                                                       __m256 acc) {
    __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 192)));
    __m256i corr = _mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)(xq + Q8K_S16)));
    isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(corr, 5));
    float xd;
    memcpy(&xd, xq, 4);
    return _mm256_fmadd_ps(_mm256_set1_ps(xd * f16c(w + 208)), _mm256_cvtepi32_ps(isum), acc);
}

AVX2 static float row_q6k_avx2(const uint8_t *w, const uint8_t *xq, int blocks) {
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++, w += 210, xq += Q8K_BYTES) {
        const int8_t *sc = (const int8_t *)(w + 192);
        const uint8_t *x = xq + Q8K_QS;
        __m256i isum = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            __m256i q[4];
            q6k_half_quants(w, h, q);
            __m256i sch = q6k_half_scales(sc, h);
            for (int k = 0; k < 4; k++) {
                __m256i p = _mm256_maddubs_epi16(q[k], _mm256_loadu_si256((const __m256i *)(x + 128 * h + 32 * k)));
                __m256i pick = q6k_pick(k);
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, _mm256_shuffle_epi8(sch, pick)));
            }
        }
        acc = q6k_block_sum(w, xq, isum, acc);
    }
    return hsum256(acc);
}

/*
 * kvs_quantize_q8_0 eight values per vector: the same max |x| (a maximum is exact in any order), the same d, 1/d and
 * products, rounded half to even by vcvtps2dq as rintf does under the default rounding, the same clamp: the same bytes
 * for finite x.
 */
AVX2 static void quantize_q8_0_avx2(const float *x, int n, uint8_t *dst) {
    int blocks = n / 32;
    float *ds = (float *)(dst + n);
    int32_t *sums = (int32_t *)(dst + n + 4 * blocks);
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256i top = _mm256_set1_epi32(127), bottom = _mm256_set1_epi32(-127);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int b = 0; b < blocks; b++, x += 32) {
        __m256 v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = _mm256_loadu_ps(x + 8 * k);
        }
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v[0], magnitude), _mm256_and_ps(v[1], magnitude)),
                                 _mm256_max_ps(_mm256_and_ps(v[2], magnitude), _mm256_and_ps(v[3], magnitude)));
        float d = hmax256(m) / 127.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        __m256 vid = _mm256_set1_ps(id);
        __m256i q[4];
        for (int k = 0; k < 4; k++) {
            q[k] = _mm256_max_epi32(_mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v[k], vid)), top), bottom);
        }
        /* packs work per 128-bit lane: dwords come out as q0[0..3] q1[0..3] q2[0..3] q3[0..3] q0[4..7] ... */
        __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        _mm256_storeu_si256((__m256i *)(dst + 32 * b), _mm256_permutevar8x32_epi32(bytes, order));
        __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
        ds[b] = d;
        sums[b] = _mm_cvtsi128_si32(s4);
    }
}

/*
 * quantize_q8k_scalar eight values per vector: the same max |x|, d, 1/d and products, rounded half to even by
 * vcvtps2dq as rintf does under the default rounding, the same clamp, the same exact int16 sums: the same bytes for
 * finite x. Quants written 32 at a time as quantize_q8_0_avx2 packs them.
 */
AVX2 static void quantize_q8k_avx2(const float *x, int n, uint8_t *dst) {
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256i top = _mm256_set1_epi32(127), bottom = _mm256_set1_epi32(-127);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int b = 0; b < n / 256; b++, x += 256, dst += Q8K_BYTES) {
        __m256 m = _mm256_setzero_ps();
        for (int g = 0; g < 32; g++) {
            m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + 8 * g), magnitude));
        }
        float d = hmax256(m) / 127.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        __m256 vid = _mm256_set1_ps(id);
        int16_t s16[16];
        for (int j = 0; j < 8; j++) {
            __m256i q[4];
            for (int k = 0; k < 4; k++) {
                __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 32 * j + 8 * k), vid));
                q[k] = _mm256_max_epi32(_mm256_min_epi32(v, top), bottom);
            }
            __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
            _mm256_storeu_si256((__m256i *)(dst + Q8K_QS + 32 * j), _mm256_permutevar8x32_epi32(bytes, order));
            /* (a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, ...), then twice: the two runs of 16 in lanes 0 and 1 */
            __m256i t = _mm256_hadd_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
            t = _mm256_hadd_epi32(t, t);
            __m128i u = _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
            s16[2 * j] = (int16_t)_mm_cvtsi128_si32(u);
            s16[2 * j + 1] = (int16_t)_mm_extract_epi32(u, 1);
        }
        q8k_header(dst, d, s16);
    }
}

/* Q4_0 blocks one at a time: lane sums of each block scaled by dw·xd and added lane-wise (x: the blocks' quants). */
AVX2 static float row_q4_0_avx2(const uint8_t *w, const uint8_t *x, const float *xd, const int32_t *xs, int blocks) {
    const __m128i m4 = _mm_set1_epi8(0x0F);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++, w += 18, x += 32) {
        __m128i raw = _mm_loadu_si128((const __m128i *)(w + 2));
        __m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), m4), _mm_and_si128(raw, m4));
        __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(q, _mm256_loadu_si256((const __m256i *)x)), ones);
        p = _mm256_add_epi32(p, _mm256_zextsi128_si256(_mm_cvtsi32_si128(-8 * xs[b])));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(xd[b] * f16c(w)), _mm256_cvtepi32_ps(p), acc);
    }
    return hsum256(acc);
}

/*
 * Q4_0 rows, AVX2, eight blocks (a "group", 256 values, 144 bytes of a row) at a time; rows are read as they lie.
 * x is arranged once per call so that one 256-bit vector of weight nibbles holds blocks k and k + 4 of a group (16
 * bytes each, one per 128-bit half): per pair, the x quants under the low nibbles of both blocks, then under the high
 * ones. vpmaddubsw (nibbles 0..15 against signed x: pair sums within ±3,810, low + high within ±7,620, no saturation)
 * and vpmaddwd give four int32 lanes per block; three vphaddd turn the four pairs into the eight blocks' exact integer
 * sums in block order, from which 8·Σx (Q4_0's offset) is subtracted. Then one multiply-add for eight blocks: the sums
 * in float times dw·xd (the eight f16 scales converted together, times x's eight scales), one float sum per lane
 * (lane = block mod 8) over the groups, the eight lanes added at the end (hsum256); blocks past the last whole group
 * (cols not a multiple of 256) go through row_q4_0_avx2 and are added last. The integer sums are those of the other
 * levels; only the float order differs.
 */
#define Q4A_GROUPS 32 /* groups arranged at a time (8 KiB of stack): rows up to 8,192 columns at once, longer in parts */

/* x's quants of groups [0, groups) from x arranged as above into xa (256 bytes per group). */
AVX2 static void q4a_arrange(const uint8_t *x, int groups, uint8_t *xa) {
    for (int g = 0; g < groups; g++, x += 256, xa += 256) {
        for (int k = 0; k < 4; k++) {
            const uint8_t *a = x + 32 * k, *b = x + 32 * (k + 4);
            _mm256_storeu_si256((__m256i *)(xa + 64 * k),
                                _mm256_loadu2_m128i((const __m128i *)b, (const __m128i *)a));
            _mm256_storeu_si256((__m256i *)(xa + 64 * k + 32),
                                _mm256_loadu2_m128i((const __m128i *)(b + 16), (const __m128i *)(a + 16)));
        }
    }
}

/* One row's groups [0, groups) against xa; xd and xs: x's scales and quant sums of the same blocks. */
AVX2 static float row_q4_0_groups_avx2(const uint8_t *w, const uint8_t *xa, const float *xd, const int32_t *xs,
                                       int groups) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    __m256 acc = _mm256_setzero_ps();
    for (int g = 0; g < groups; g++, w += 144, xa += 256) {
        __m256i v[4];
        for (int k = 0; k < 4; k++) {
            __m256i raw = _mm256_loadu2_m128i((const __m128i *)(w + 18 * (k + 4) + 2), (const __m128i *)(w + 18 * k + 2));
            __m256i lo = _mm256_and_si256(raw, m4), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
            __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(xa + 64 * k))),
                                         _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(xa + 64 * k + 32))));
            v[k] = _mm256_madd_epi16(p, ones);
        }
        /* halves: (0|4) (1|5) (2|6) (3|7) -> (0,0,1,1|4,4,5,5) (2,2,3,3|6,6,7,7) -> (0,1,2,3|4,5,6,7) */
        __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
        s = _mm256_sub_epi32(s, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(xs + 8 * g)), 3));
        __m256 dw = _mm256_cvtph_ps(_mm_setr_epi16((short)u16(w), (short)u16(w + 18), (short)u16(w + 36),
                                                   (short)u16(w + 54), (short)u16(w + 72), (short)u16(w + 90),
                                                   (short)u16(w + 108), (short)u16(w + 126)));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_loadu_ps(xd + 8 * g)), acc);
    }
    return hsum256(acc);
}

/* One row's groups against arranged x (row_q4_0_groups_avx2 or _avx512). */
typedef float (*q4_0_group_row)(const uint8_t *w, const uint8_t *xa, const float *xd, const int32_t *xs, int groups);

/*
 * Rows [from, to) by groups: x arranged once per part of Q4A_GROUPS groups, each row's part summed by row and added
 * to the parts before; blocks past the last whole group through row_q4_0_avx2, added last. Inlined into each level,
 * where row is a constant.
 */
static inline __attribute__((always_inline)) void rows_q4_0_groups(q4_0_group_row row, const uint8_t *w,
                                                                  int64_t rowBytes, const uint8_t *xq, int cols,
                                                                  int from, int to, float *out) {
    _Alignas(32) uint8_t xa[256 * Q4A_GROUPS];
    int blocks = cols / 32, groups = blocks / 8;
    const float *xd = (const float *)(xq + cols);
    const int32_t *xs = (const int32_t *)(xq + cols + 4 * blocks);
    for (int first = 0; first < groups; first += Q4A_GROUPS) {
        int count = groups - first < Q4A_GROUPS ? groups - first : Q4A_GROUPS;
        q4a_arrange(xq + 256 * first, count, xa);
        for (int r = from; r < to; r++) {
            float s = row(w + r * rowBytes + 144 * first, xa, xd + 8 * first, xs + 8 * first, count);
            out[r] = first > 0 ? out[r] + s : s;
        }
    }
    int tail = 8 * groups;
    for (int r = from; tail < blocks && r < to; r++) {
        float s = row_q4_0_avx2(w + r * rowBytes + 18 * tail, xq + 32 * tail, xd + tail, xs + tail, blocks - tail);
        out[r] = groups > 0 ? out[r] + s : s;
    }
}

AVX2 static void rows_q4_0_avx2(const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from, int to,
                                float *out) {
    rows_q4_0_groups(row_q4_0_groups_avx2, w, rowBytes, xq, cols, from, to, out);
}

AVX2 static float row_q8_0_avx2(const uint8_t *w, const uint8_t *xq, int blocks, int cols) {
    const __m256i ones = _mm256_set1_epi16(1);
    const uint8_t *x = xq;
    const float *xd = (const float *)(xq + cols);
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++, w += 34, x += 32) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(w + 2));
        __m256i xv = _mm256_loadu_si256((const __m256i *)x);
        __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(xv, q));
        p = _mm256_madd_epi16(p, ones);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(xd[b] * f16c(w)), _mm256_cvtepi32_ps(p), acc);
    }
    return hsum256(acc);
}

AVX2 static void rows_avx2(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from, int to,
                           float *out) {
    if (type == TYPE_Q4_0) {
        rows_q4_0_avx2(w, rowBytes, xq, cols, from, to, out);
        return;
    }
    for (int r = from; r < to; r++) {
        const uint8_t *row = w + (int64_t)r * rowBytes;
        switch (type) {
        case TYPE_Q8_0: out[r] = row_q8_0_avx2(row, xq, cols / 32, cols); break;
        case TYPE_Q4_K: out[r] = row_q4k_avx2(row, xq, cols / 256); break;
        default: out[r] = row_q6k_avx2(row, xq, cols / 256); break;
        }
    }
}

/* ---------------------------------------------------------------- AVX-512 VNNI rows */

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))

/* quantize_q8_0_avx2 sixteen values per vector: the same bytes for finite x. */
AVX512 static void quantize_q8_0_avx512(const float *x, int n, uint8_t *dst) {
    int blocks = n / 32;
    float *ds = (float *)(dst + n);
    int32_t *sums = (int32_t *)(dst + n + 4 * blocks);
    const __m512i top = _mm512_set1_epi32(127), bottom = _mm512_set1_epi32(-127);
    for (int b = 0; b < blocks; b++, x += 32) {
        __m512 a = _mm512_loadu_ps(x), c = _mm512_loadu_ps(x + 16);
        float d = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(c))) / 127.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        __m512 vid = _mm512_set1_ps(id);
        __m512i qa = _mm512_max_epi32(_mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(a, vid)), top), bottom);
        __m512i qc = _mm512_max_epi32(_mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(c, vid)), top), bottom);
        _mm_storeu_si128((__m128i *)(dst + 32 * b), _mm512_cvtepi32_epi8(qa));
        _mm_storeu_si128((__m128i *)(dst + 32 * b + 16), _mm512_cvtepi32_epi8(qc));
        ds[b] = d;
        sums[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(qa, qc));
    }
}

/* quantize_q8k_scalar 16 values per vector: the same d, quants and int16 sums (exact integers), the same bytes for finite x. */
AVX512 static void quantize_q8k_avx512(const float *x, int cols, uint8_t *dst) {
    const __m512i top = _mm512_set1_epi32(127), bottom = _mm512_set1_epi32(-127);
    for (int b = 0; b < cols / 256; b++, x += 256, dst += Q8K_BYTES) {
        __m512 m = _mm512_setzero_ps();
        for (int g = 0; g < 16; g++) {
            m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + 16 * g)));
        }
        float d = _mm512_reduce_max_ps(m) / 127.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        __m512 vid = _mm512_set1_ps(id);
        int16_t s16[16];
        for (int g = 0; g < 16; g++) {
            __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + 16 * g), vid));
            q = _mm512_max_epi32(_mm512_min_epi32(q, top), bottom);
            _mm_storeu_si128((__m128i *)(dst + 64 + 16 * g), _mm512_cvtepi32_epi8(q));
            s16[g] = (int16_t)_mm512_reduce_add_epi32(q);
        }
        q8k_header(dst, d, s16);
    }
}

/*
 * Q4_K and Q6_K rows, AVX-512: row_q4k_avx2's and row_q6k_avx2's steps on 256-bit vectors, each vpmaddwd by the
 * scales and the vpaddd after it fused into one vpdpwssd (the same exact int32 sums: no saturation, and none possible
 * here), in two chains of four a block added at its end (integer sums: the same in any order; 0.92 of one chain's
 * time in cache, where the chain's latency showed). Only 256-bit vectors, as rows_q4_0_avx512: on Zen 4 the 512-bit
 * forms (the rows' nibbles widened to 512 bits by vpsrlvw, x in 512-bit loads, Q6_K's low bits in 512-bit loads of
 * the streamed row) took 1.05-1.2x the CPU time of these from memory, though not in cache (kq26,
 * docs/BENCHMARKS.md); vpdpwssd ymm runs at full rate on every AVX-512 VNNI core. The integer sums and the float
 * operations and their order are the AVX2 level's: the outputs are the AVX2 level's, bit for bit.
 */
AVX512 static float row_q4k_avx512(const uint8_t *w, const uint8_t *xq, int blocks) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    float macc = 0.0f;
    for (int b = 0; b < blocks; b++, w += 144, xq += Q8K_BYTES) {
        uint32_t scw[2], mnw[2];
        q4k_scales(w + 4, scw, mnw);
        __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)scw)));
        const uint8_t *qs = w + 16, *x = xq + Q8K_QS;
        __m256i isum = _mm256_setzero_si256(), isum2 = _mm256_setzero_si256(); /* low nibbles', high nibbles' */
        for (int c = 0; c < 4; c++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * c));
            __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
            __m256i plo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(x + 64 * c)));
            __m256i phi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(x + 64 * c + 32)));
            isum = _mm256_dpwssd_epi32(isum, plo, _mm256_shuffle_epi8(sc, word_of_half(2 * c)));
            isum2 = _mm256_dpwssd_epi32(isum2, phi, _mm256_shuffle_epi8(sc, word_of_half(2 * c + 1)));
        }
        isum = _mm256_add_epi32(isum, isum2);
        __m128i mn16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)mnw));
        __m128i mp = _mm_madd_epi16(mn16, _mm_loadu_si128((const __m128i *)(xq + Q8K_S32)));
        mp = _mm_add_epi32(mp, _mm_shuffle_epi32(mp, 0x4E));
        mp = _mm_add_epi32(mp, _mm_shuffle_epi32(mp, 0xB1));
        float xd;
        memcpy(&xd, xq, 4);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(xd * f16c(w)), _mm256_cvtepi32_ps(isum), acc);
        macc += xd * f16c(w + 2) * (float)_mm_cvtsi128_si32(mp);
    }
    return hsum256(acc) - macc;
}

AVX512 static float row_q6k_avx512(const uint8_t *w, const uint8_t *xq, int blocks) {
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++, w += 210, xq += Q8K_BYTES) {
        const int8_t *sc = (const int8_t *)(w + 192);
        const uint8_t *x = xq + Q8K_QS;
        __m256i isum = _mm256_setzero_si256(), isum2 = _mm256_setzero_si256(); /* groups 0, 2 and 1, 3 of each half */
        for (int h = 0; h < 2; h++) {
            __m256i q[4];
            q6k_half_quants(w, h, q);
            __m256i sch = q6k_half_scales(sc, h);
            for (int k = 0; k < 4; k++) {
                __m256i p = _mm256_maddubs_epi16(q[k], _mm256_loadu_si256((const __m256i *)(x + 128 * h + 32 * k)));
                __m256i pick = q6k_pick(k);
                if (k & 1) {
                    isum2 = _mm256_dpwssd_epi32(isum2, p, _mm256_shuffle_epi8(sch, pick));
                } else {
                    isum = _mm256_dpwssd_epi32(isum, p, _mm256_shuffle_epi8(sch, pick));
                }
            }
        }
        acc = q6k_block_sum(w, xq, _mm256_add_epi32(isum, isum2), acc);
    }
    return hsum256(acc);
}

/*
 * Q4_0 rows, AVX-512: rows_q4_0_avx2's groups of eight blocks and its arranged x (q4a_arrange), with vpdpbusd on
 * 256-bit vectors (nibbles unsigned, x signed: a lane's four low and four high products in one exact int32 sum, the
 * sum vpmaddubsw + vpmaddwd give) and the group's eight f16 scales (words 0, 9, ..., 63 of its first 128 bytes) taken
 * by two word permutes of 256-bit loads. Only 256-bit vectors: on Zen 4 the 512-bit integer work runs as two halves
 * and 512-bit loads slowed the stream from memory (q4d25, docs/BENCHMARKS.md); vpdpbusd ymm runs at full rate on every
 * AVX-512 VNNI core. Rows are read in order, one after another, as at AVX2. The integer sums and the float operations
 * and their order are rows_q4_0_avx2's: the outputs are the AVX2 level's, bit for bit.
 */
AVX512 static float row_q4_0_groups_avx512(const uint8_t *w, const uint8_t *xa, const float *xd, const int32_t *xs,
                                           int groups) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i first4 = _mm256_setr_epi16(0, 9, 18, 27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* in bytes 0..63 */
    const __m256i last4 = _mm256_setr_epi16(0, 0, 0, 0, 4, 13, 22, 31, 0, 0, 0, 0, 0, 0, 0, 0); /* in 64..127 */
    __m256 acc = _mm256_setzero_ps();
    for (int g = 0; g < groups; g++, w += 144, xa += 256) {
        __m256i v[4];
        for (int k = 0; k < 4; k++) {
            __m256i raw = _mm256_loadu2_m128i((const __m128i *)(w + 18 * (k + 4) + 2), (const __m128i *)(w + 18 * k + 2));
            __m256i lo = _mm256_and_si256(raw, m4), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
            v[k] = _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), lo,
                                                           _mm256_loadu_si256((const __m256i *)(xa + 64 * k))),
                                       hi, _mm256_loadu_si256((const __m256i *)(xa + 64 * k + 32)));
        }
        __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
        s = _mm256_sub_epi32(s, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(xs + 8 * g)), 3));
        __m256i h0 = _mm256_permutex2var_epi16(_mm256_loadu_si256((const __m256i *)w), first4,
                                               _mm256_loadu_si256((const __m256i *)(w + 32)));
        __m256i h1 = _mm256_permutex2var_epi16(_mm256_loadu_si256((const __m256i *)(w + 64)), last4,
                                               _mm256_loadu_si256((const __m256i *)(w + 96)));
        __m256 dw = _mm256_cvtph_ps(_mm_blend_epi16(_mm256_castsi256_si128(h0), _mm256_castsi256_si128(h1), 0xF0));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_loadu_ps(xd + 8 * g)), acc);
    }
    return hsum256(acc);
}

AVX512 static void rows_q4_0_avx512(const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from, int to,
                                    float *out) {
    rows_q4_0_groups(row_q4_0_groups_avx512, w, rowBytes, xq, cols, from, to, out);
}

AVX512 static float row_q8_0_avx512(const uint8_t *w, const uint8_t *xq, int blocks, int cols) {
    const uint8_t *x = xq;
    const float *xd = (const float *)(xq + cols);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int b = 0;
    for (; b + 2 <= blocks; b += 2, w += 68, x += 64) {
        __m256i q0 = _mm256_loadu_si256((const __m256i *)(w + 2)), q1 = _mm256_loadu_si256((const __m256i *)(w + 36));
        __m256i x0 = _mm256_loadu_si256((const __m256i *)x), x1 = _mm256_loadu_si256((const __m256i *)(x + 32));
        __m256i p0 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(q0), _mm256_sign_epi8(x0, q0));
        __m256i p1 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(q1), _mm256_sign_epi8(x1, q1));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(xd[b] * f16c(w)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(xd[b + 1] * f16c(w + 34)), _mm256_cvtepi32_ps(p1), acc1);
    }
    for (; b < blocks; b++, w += 34, x += 32) {
        __m256i q0 = _mm256_loadu_si256((const __m256i *)(w + 2));
        __m256i p0 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(q0),
                                         _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)x), q0));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(xd[b] * f16c(w)), _mm256_cvtepi32_ps(p0), acc0);
    }
    return hsum256(_mm256_add_ps(acc0, acc1));
}

AVX512 static void rows_avx512(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from,
                               int to, float *out) {
    if (type == TYPE_Q4_0) {
        rows_q4_0_avx512(w, rowBytes, xq, cols, from, to, out);
        return;
    }
    for (int r = from; r < to; r++) {
        const uint8_t *row = w + (int64_t)r * rowBytes;
        switch (type) {
        case TYPE_Q8_0: out[r] = row_q8_0_avx512(row, xq, cols / 32, cols); break;
        case TYPE_Q4_K: out[r] = row_q4k_avx512(row, xq, cols / 256); break;
        default: out[r] = row_q6k_avx512(row, xq, cols / 256); break;
        }
    }
}

static int best_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("fma")) {
        return ISA_AVX512_VNNI;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        return ISA_AVX2; /* F16C comes with every AVX2 CPU that has FMA */
    }
    return ISA_SCALAR;
}
#else
static int best_isa(void) { return ISA_SCALAR; }
#endif

/* ---------------------------------------------------------------- entry points */

static int isa = -1;

/** The instruction set the kernels use: 0 scalar, 1 AVX2, 2 AVX-512 VNNI. */
EXPORT int kvs_isa(void) {
    if (isa < 0) {
        isa = best_isa();
    }
    return isa;
}

/** Uses at most instruction set {@code level} (tests compare the paths); returns the one now used. */
EXPORT int kvs_limit_isa(int level) {
    int best = best_isa();
    isa = level < best ? (level < 0 ? 0 : level) : best;
    return isa;
}

static void matvec_any(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from, int to,
                       float *out) {
    switch (kvs_isa()) {
#if defined(__x86_64__)
    case ISA_AVX512_VNNI: rows_avx512(type, w, rowBytes, xq, cols, from, to, out); break;
    case ISA_AVX2: rows_avx2(type, w, rowBytes, xq, cols, from, to, out); break;
#endif
    default: rows_scalar(type, w, rowBytes, xq, cols, from, to, out); break;
    }
}

/** x (n values, a multiple of 256) quantized for Q4_K and Q6_K weights in the Q8K layout above; the same bytes at every level. */
EXPORT void kvs_quantize_q8k(const float *x, int n, uint8_t *dst) {
#if defined(__x86_64__)
    switch (kvs_isa()) {
    case ISA_AVX512_VNNI: quantize_q8k_avx512(x, n, dst); return;
    case ISA_AVX2: quantize_q8k_avx2(x, n, dst); return;
    default: break;
    }
#endif
    quantize_q8k_scalar(x, n, dst);
}

/**
 * x (n values, a multiple of 32) quantized for Q4_0 and Q8_0 weights in the layout above, at the instruction set in
 * use; every level writes the same bytes for finite x (NativeKernelsTest).
 */
EXPORT void kvs_quantize_q8_0(const float *x, int n, uint8_t *dst) {
    switch (kvs_isa()) {
#if defined(__x86_64__)
    case ISA_AVX512_VNNI: quantize_q8_0_avx512(x, n, dst); break;
    case ISA_AVX2: quantize_q8_0_avx2(x, n, dst); break;
#endif
    default: quantize_q8_0_scalar(x, n, dst); break;
    }
}

/** out[r] = row r · x for r in [from, to); rows of rowBytes from w, x quantized for this type. */
EXPORT void kvs_matvec(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from, int to,
                       float *out) {
    KVS_GUARDED(matvec_any(type, w, rowBytes, xq, cols, from, to, out));
}

/* ---------------------------------------------------------------- faults reading mapped weights */

__thread sigjmp_buf *kvs_guard_jump __attribute__((tls_model("initial-exec")));
/** SIGBUS faults taken inside guarded kernels since the library loaded (read by the Java side). */
EXPORT volatile int kvs_faults;
static struct sigaction previous_bus;

static void on_bus(int sig, siginfo_t *info, void *context) {
    sigjmp_buf *jump = kvs_guard_jump;
    if (jump != NULL) {
        kvs_guard_jump = NULL;
        __atomic_add_fetch(&kvs_faults, 1, __ATOMIC_SEQ_CST);
        siglongjmp(*jump, 1);
    }
    if (previous_bus.sa_flags & SA_SIGINFO) {
        previous_bus.sa_sigaction(sig, info, context);
    } else if (previous_bus.sa_handler != SIG_DFL && previous_bus.sa_handler != SIG_IGN) {
        previous_bus.sa_handler(sig);
    } else {
        signal(sig, SIG_DFL); /* the faulting instruction runs again and takes the default action */
    }
}

/** Puts the guard's SIGBUS handler in front of the present one (the JVM's); 0 when installed, once per process. */
EXPORT int kvs_guard_install(void) {
    static int installed;
    if (installed) {
        return 0;
    }
    struct sigaction guard;
    memset(&guard, 0, sizeof guard);
    if (sigaction(SIGBUS, NULL, &previous_bus) != 0) {
        return -1;
    }
    guard.sa_sigaction = on_bus;
    guard.sa_mask = previous_bus.sa_mask;
    /* SA_NODEFER: a jump out of the handler leaves SIGBUS unblocked on that thread, so a later fault is caught too. */
    guard.sa_flags = (previous_bus.sa_flags | SA_SIGINFO | SA_NODEFER) & ~SA_RESETHAND;
    if (sigaction(SIGBUS, &guard, NULL) != 0) {
        return -1;
    }
    installed = 1;
    return 0;
}
