/*
 * kvscope's native matrix x matrix kernels for quantized weights (prefill), called from Java through the
 * foreign function API (org.kvscope.tensor.NativeMatmul). Decode's matrix-vector kernels are in
 * kvscope_kernels.c; this file shares their input quantization (kvs_quantize_q8k, kvs_quantize_q8_0: one
 * quantized row per activation row, in the layouts described there) and, on the scalar level, their rows.
 *
 * The weights are taken in tiles of 16 rows. Each tile is first repacked into a thread's buffer: every
 * value unpacked to one byte, four consecutive values of the 16 rows side by side (64 bytes: one vector of
 * 16 32-bit lanes, lane i = row i), the per-row scales as float or int32 vectors in the same lane order.
 * Every activation row then runs through the tile: one multiply-add of a weight vector with four of the
 * row's quants broadcast to all lanes (AVX-512 VNNI vpdpbusd) adds 4 products to each of the 16 rows'
 * sums, so a block's sums end up one per lane, scaled per block by one float multiply-add for all 16 rows.
 * The weight vectors of a block stay in registers while several activation rows pass. AVX2 takes each half of a
 * tile (8 lanes) in turn with vpmaddubsw/vpmaddwd, adding int16 pair sums as long as they cannot overflow.
 *
 * Integers per block are those of the decode kernels (the same quantized x, the same integer sums: at AVX-512
 * Q4_0's nibbles stay unsigned, 0..15, against decode's signed x with -8 times the block's quant sum as the start of
 * the sum, and Q8_0's activations are stored + 128 with -128 times the block's weight sum there; at AVX2 Q4_0's
 * activations are stored + 128 against weights q - 8); only the float summation order differs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvscope_guard.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define EXPORT __attribute__((visibility("default")))

/* kvscope_kernels.c */
void kvs_quantize_q8k(const float *x, int n, uint8_t *dst);
void kvs_quantize_q8_0(const float *x, int n, uint8_t *dst);
void kvs_matvec(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int cols, int from, int to,
                float *out);
int kvs_isa(void);

enum { MM_Q4_0 = 0, MM_Q8_0 = 1, MM_Q4_K = 2, MM_Q6_K = 3 };
enum { MM_SCALAR = 0, MM_AVX2 = 1, MM_AVX512 = 2 };

#define TILE 16
#define Q8K_BYTES 320

#if defined(__x86_64__)
static void quantize_q8_0_unsigned(const float *x, int cols, uint8_t *dst);
#endif

/* One activation row of cols values quantized for kvs_matmul on weights of type (kvs_quantize_rows). */
static void quantize_row(int type, const float *x, int cols, uint8_t *q) {
#if defined(__x86_64__)
    if (type == MM_Q8_0 && kvs_isa() == MM_AVX512) {
        quantize_q8_0_unsigned(x, cols, q);
        return;
    }
#endif
    if (type == MM_Q4_K || type == MM_Q6_K) {
        kvs_quantize_q8k(x, cols, q);
    } else {
        kvs_quantize_q8_0(x, cols, q);
        if (type == MM_Q4_0 && kvs_isa() == MM_AVX2) { /* the AVX2 Q4_0 tiles take quants + 128 */
            for (int i = 0; i < cols; i++) {
                q[i] ^= 0x80;
            }
        }
    }
}

/**
 * Quantizes activation rows [from, to) of x (rows of cols floats) for kvs_matmul on weights of type, dstRowBytes
 * apart: decode's layouts and quants (kvs_quantize_q8k, kvs_quantize_q8_0), except that the AVX-512 level takes
 * Q8_0 activations as unsigned quants + 128 (quantize_q8_0_unsigned), and the AVX2 level Q4_0's as quants + 128.
 * Quantize and multiply at the same level.
 */
EXPORT void kvs_quantize_rows(int type, const float *x, int cols, int from, int to, uint8_t *dst, int64_t dstRowBytes) {
    for (int r = from; r < to; r++) {
        quantize_row(type, x + (int64_t)r * cols, cols, dst + r * dstRowBytes);
    }
}

/* Values per step of kvs_quantize_slice: one Q8K block, eight Q8_0 blocks (320 bytes quantized either way). */
#define SLICE_STEP 256

/**
 * kvs_quantize_rows of columns [c0, c0 + sliceCols) of rows of cols values, written into their places in rows
 * already laid out for cols: rows [from, to) of x hold just the slice (sliceCols floats each); c0 and sliceCols are
 * multiples of the type's block (32 values, 256 for the K-quants). Quantization is per block, so the bytes are those
 * kvs_quantize_rows writes for the whole rows: a Q8K block is 320 bytes of its own; a Q8_0 row is its quants, then
 * its scales (then, but at the AVX-512 level's unsigned Q8_0, its block sums), so a slice lands in two or three
 * ranges of the row. Prefill's feed-forward block quantizes down's input a slice of hidden units at a time this way.
 */
EXPORT void kvs_quantize_slice(int type, const float *x, int sliceCols, int from, int to, int cols, int c0,
                               uint8_t *dst, int64_t dstRowBytes) {
    uint8_t q[SLICE_STEP / 256 * Q8K_BYTES];
    int superBlocks = type == MM_Q4_K || type == MM_Q6_K;
    int sums = !superBlocks && !(type == MM_Q8_0 && kvs_isa() == MM_AVX512);
    for (int r = from; r < to; r++) {
        const float *s = x + (int64_t)r * sliceCols;
        uint8_t *row = dst + r * dstRowBytes;
        for (int i = 0; i < sliceCols; i += SLICE_STEP) {
            int n = sliceCols - i < SLICE_STEP ? sliceCols - i : SLICE_STEP, c = c0 + i;
            quantize_row(type, s + i, n, q);
            if (superBlocks) {
                memcpy(row + (int64_t)c / 256 * Q8K_BYTES, q, (size_t)n / 256 * Q8K_BYTES);
                continue;
            }
            memcpy(row + c, q, (size_t)n);
            memcpy(row + cols + 4 * (c / 32), q + n, (size_t)4 * (n / 32));
            if (sums) {
                memcpy(row + cols + 4 * (cols / 32) + 4 * (c / 32), q + n + 4 * (n / 32), (size_t)4 * (n / 32));
            }
        }
    }
}

/*
 * Each activation row through decode's rows (kvs_matvec): the scalar level, the reference the tiles are held to
 * (see kvs_matmul_tiled).
 */
static void matmul_by_rows(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int64_t xBytes, int cols,
                          int batch, int from, int to, float *out, int64_t outStride) {
    for (int b = 0; b < batch; b++) {
        kvs_matvec(type, w, rowBytes, xq + b * xBytes, cols, from, to, out + b * outStride);
    }
}

#if defined(__x86_64__)

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#define INLINE inline __attribute__((always_inline))

static inline uint16_t mm_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline int32_t mm_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

/* ---------------------------------------------------------------- the tile buffer */

/** A repacked tile: values [groups][TILE][4] bytes, then float d and dmin, int32 scales (or offsets), int16 min pairs. */
typedef struct {
    uint8_t *q;
    float *d, *dmin;
    int32_t *sc;
    int16_t *mn;
} Tile;

static __thread uint8_t *tile_memory;
static __thread size_t tile_capacity;

/* Int32 scales per tile lane: Q4_K's per 32 values, Q6_K's per 16, Q4_0's and Q8_0's offset per block. */
static size_t scale_count(int type, int cols) {
    return type == MM_Q4_K ? (size_t)cols / 32 : type == MM_Q6_K ? (size_t)cols / 16 : (size_t)cols / 32;
}

static int tile_layout(int type, int cols, Tile *t) {
    size_t values = (size_t)cols * TILE;
    size_t blocks = type == MM_Q4_K || type == MM_Q6_K ? (size_t)cols / 256 : (size_t)cols / 32;
    size_t scales = scale_count(type, cols);
    size_t bytes = values + 2 * blocks * TILE * 4 + scales * TILE * 4 + (type == MM_Q4_K ? blocks * 8 * TILE * 2 : 0);
    if (bytes > tile_capacity) {
        free(tile_memory);
        size_t cap = (bytes + 63) / 64 * 64;
        tile_memory = aligned_alloc(64, cap);
        if (tile_memory == NULL) {
            tile_capacity = 0;
            return 0;
        }
        tile_capacity = cap;
    }
    uint8_t *p = tile_memory;
    t->q = p;
    p += values;
    t->d = (float *)p;
    p += blocks * TILE * 4;
    t->dmin = (float *)p;
    p += blocks * TILE * 4;
    t->sc = (int32_t *)p;
    p += scales * TILE * 4;
    t->mn = (int16_t *)p;
    return 1;
}

/* Four values (one per byte of v) of row i into the tile's group g. */
static inline void put(Tile *t, int g, int i, uint32_t v) {
    memcpy(t->q + (size_t)g * 64 + 4 * i, &v, 4);
}

/*
 * Repacks rows [0, n) of w (n <= TILE; rows n.. of the tile are zero). Q8_0 values are stored as q, and Q4_0 values
 * for AVX2 as q - 8 (signed bytes), with -128 times each block's sum of them in t->sc, for activations stored + 128
 * (unsigned): sum (x + 128) w - 128 sum w = sum x w. Q4_0 values for AVX-512 (nibbles) are stored as q, 0..15, and
 * take their offset from the activations' sums (q4_0_rows_avx512); t->sc is not written then.
 */
AVX2 static void repack(int type, int nibbles, const uint8_t *w, int64_t rowBytes, int n, int cols, Tile *t) {
    const uint32_t lo = 0x0F0F0F0Fu;
    if (n < TILE) {
        size_t blocks = type == MM_Q4_K || type == MM_Q6_K ? (size_t)cols / 256 : (size_t)cols / 32;
        memset(t->q, 0, (size_t)cols * TILE);
        memset(t->d, 0, blocks * TILE * 4);
        memset(t->dmin, 0, blocks * TILE * 4);
        memset(t->sc, 0, scale_count(type, cols) * TILE * 4);
        if (type == MM_Q4_K) {
            memset(t->mn, 0, blocks * 8 * TILE * 2);
        }
    }
    for (int i = 0; i < n; i++) {
        const uint8_t *row = w + i * rowBytes;
        switch (type) {
        case MM_Q4_0:
            for (int b = 0; b < cols / 32; b++) {
                const uint8_t *p = row + 18 * b;
                int sum = 0;
                for (int g = 0; g < 4; g++) {
                    uint32_t raw = (uint32_t)mm_i32(p + 2 + 4 * g);
                    if (nibbles) {
                        put(t, 8 * b + g, i, raw & lo);
                        put(t, 8 * b + 4 + g, i, (raw >> 4) & lo);
                        continue;
                    }
                    /* bytewise q - 8: each byte lifted by 128 first, so no borrow crosses bytes */
                    uint32_t l4 = (((raw & lo) | 0x80808080u) - 0x08080808u) ^ 0x80808080u;
                    uint32_t h4 = ((((raw >> 4) & lo) | 0x80808080u) - 0x08080808u) ^ 0x80808080u;
                    put(t, 8 * b + g, i, l4);
                    put(t, 8 * b + 4 + g, i, h4);
                    sum += (int)((((raw & lo) + ((raw >> 4) & lo)) * 0x01010101u) >> 24); /* 8 nibbles, at most 120 */
                }
                if (!nibbles) {
                    t->sc[b * TILE + i] = -128 * (sum - 8 * 32);
                }
                t->d[b * TILE + i] = _cvtsh_ss(mm_u16(p));
            }
            break;
        case MM_Q8_0:
            for (int b = 0; b < cols / 32; b++) {
                const uint8_t *p = row + 34 * b;
                int sum = 0;
                for (int g = 0; g < 8; g++) {
                    put(t, 8 * b + g, i, (uint32_t)mm_i32(p + 2 + 4 * g));
                }
                for (int l = 0; l < 32; l++) {
                    sum += (int8_t)p[2 + l];
                }
                t->sc[b * TILE + i] = -128 * sum;
                t->d[b * TILE + i] = _cvtsh_ss(mm_u16(p));
            }
            break;
        case MM_Q4_K:
            for (int b = 0; b < cols / 256; b++) {
                const uint8_t *p = row + 144 * b, *s = p + 4;
                for (int c = 0; c < 4; c++) {
                    for (int m = 0; m < 8; m++) {
                        uint32_t raw = (uint32_t)mm_i32(p + 16 + 32 * c + 4 * m);
                        put(t, 64 * b + 16 * c + m, i, raw & lo);
                        put(t, 64 * b + 16 * c + 8 + m, i, (raw >> 4) & lo);
                    }
                }
                for (int j = 0; j < 8; j++) {
                    int sc = j < 4 ? s[j] & 63 : (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
                    int mn = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
                    t->sc[(b * 8 + j) * TILE + i] = sc;
                    t->mn[((b * 4 + j / 2) * TILE + i) * 2 + (j & 1)] = (int16_t)mn;
                }
                t->d[b * TILE + i] = _cvtsh_ss(mm_u16(p));
                t->dmin[b * TILE + i] = _cvtsh_ss(mm_u16(p + 2));
            }
            break;
        default: /* Q6_K: value 128h + 32k + l */
            for (int b = 0; b < cols / 256; b++) {
                const uint8_t *p = row + 210 * b;
                for (int h = 0; h < 2; h++) {
                    for (int k = 0; k < 4; k++) {
                        const uint8_t *ql = p + 64 * h + 32 * (k & 1), *qh = p + 128 + 32 * h;
                        for (int m = 0; m < 8; m++) {
                            uint32_t low = ((uint32_t)mm_i32(ql + 4 * m) >> (4 * (k >> 1))) & lo;
                            uint32_t high = (((uint32_t)mm_i32(qh + 4 * m) >> (2 * k)) & 0x03030303u) << 4;
                            put(t, 64 * b + 32 * h + 8 * k + m, i, low | high);
                        }
                    }
                }
                for (int g = 0; g < 16; g++) {
                    t->sc[(b * 16 + g) * TILE + i] = (int8_t)p[192 + g];
                }
                t->d[b * TILE + i] = _cvtsh_ss(mm_u16(p + 208));
            }
            break;
        }
    }
}

/*
 * Activation rows for the Q4_0 and Q8_0 tiles: per row, cols quants + 128 (unsigned bytes), then cols / 32 float
 * scales (the layout of kvs_quantize_q8_0 without its sums). The quants are decode's: d = max|x| / 127,
 * q = round-half-even(x / d) by the CPU's default rounding, clamped to +-127.
 */
AVX512 static void quantize_q8_0_unsigned(const float *x, int cols, uint8_t *dst) {
    float *ds = (float *)(dst + cols);
    const __m512i bias = _mm512_set1_epi32(128), top = _mm512_set1_epi32(127), bottom = _mm512_set1_epi32(-127);
    for (int b = 0; b < cols / 32; b++) {
        __m512 a = _mm512_loadu_ps(x + 32 * b), c = _mm512_loadu_ps(x + 32 * b + 16);
        float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(c)));
        float d = amax / 127.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        __m512 vid = _mm512_set1_ps(id);
        __m512i qa = _mm512_cvtps_epi32(_mm512_mul_ps(a, vid)), qc = _mm512_cvtps_epi32(_mm512_mul_ps(c, vid));
        qa = _mm512_add_epi32(_mm512_max_epi32(_mm512_min_epi32(qa, top), bottom), bias);
        qc = _mm512_add_epi32(_mm512_max_epi32(_mm512_min_epi32(qc, top), bottom), bias);
        _mm_storeu_si128((__m128i *)(dst + 32 * b), _mm512_cvtepi32_epi8(qa));
        _mm_storeu_si128((__m128i *)(dst + 32 * b + 16), _mm512_cvtepi32_epi8(qc));
        ds[b] = d;
    }
}

/* ---------------------------------------------------------------- AVX-512 VNNI tiles */

/* Activation rows per pass over a block's weight vectors. */
#define ROWS512 4

/*
 * A whole tile of Q4_0 rows for q4_0_rows_avx512, as repack(MM_Q4_0, 1, ...) writes it, in vectors: per block the 16
 * rows' 16 bytes of nibbles as four vectors of four rows, their 4-byte groups gathered into one vector per group
 * (lane i = row i) by two two-source permutes and a 256-bit shuffle per pair of groups, low and high nibbles masked
 * out of each; the f16 scales by one gather. rowBytes * (TILE - 1) + cols must fit an int32 (the caller checks).
 */
AVX512 static void repack_q4_0_avx512(const uint8_t *w, int64_t rowBytes, int cols, Tile *t) {
    const __m512i lo = _mm512_set1_epi8(0x0F);
    /* from rows 0-3 (first source) and 4-7 (second), dword 4 L + g of row L: groups 0, 1 and 2, 3 of 8 rows each */
    const __m512i pick01 = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const __m512i pick23 = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    const __m512i rows = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32((int32_t)rowBytes));
    for (int b = 0; b < cols / 32; b++) {
        __m512i z[4];
        for (int j = 0; j < 4; j++) {
            const uint8_t *p = w + 4 * j * rowBytes + 18 * b + 2;
            __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)p));
            v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p + rowBytes)), 1);
            v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p + 2 * rowBytes)), 2);
            z[j] = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p + 3 * rowBytes)), 3);
        }
        __m512i a = _mm512_permutex2var_epi32(z[0], pick01, z[1]), c = _mm512_permutex2var_epi32(z[2], pick01, z[3]);
        __m512i e = _mm512_permutex2var_epi32(z[0], pick23, z[1]), f = _mm512_permutex2var_epi32(z[2], pick23, z[3]);
        __m512i raw[4] = {_mm512_shuffle_i64x2(a, c, 0x44), _mm512_shuffle_i64x2(a, c, 0xEE),
                          _mm512_shuffle_i64x2(e, f, 0x44), _mm512_shuffle_i64x2(e, f, 0xEE)};
        uint8_t *q = t->q + (size_t)512 * b;
        for (int g = 0; g < 4; g++) {
            _mm512_store_si512(q + 64 * g, _mm512_and_si512(raw[g], lo));
            _mm512_store_si512(q + 64 * (4 + g), _mm512_and_si512(_mm512_srli_epi16(raw[g], 4), lo));
        }
        __m512i d = _mm512_i32gather_epi32(_mm512_add_epi32(rows, _mm512_set1_epi32(18 * b)), w, 1);
        _mm512_store_ps(t->d + TILE * b, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d)));
    }
}

/*
 * Q4_0: rows R of x (xBytes apart, decode's signed quants, scales and block sums) through a tile of nibbles 0..15:
 * sum q x - 8 sum x = sum (q - 8) x, the integers of decode's rows. Per group of four values the weight vector is
 * loaded once and the R rows' multiply-adds follow each other, R independent sums side by side (row after row, with
 * a block's eight weight vectors held, ran 4-7% slower on Zen 4).
 */
AVX512 static INLINE void q4_0_rows_avx512(const Tile *t, int cols, const uint8_t *xq, int64_t xBytes, float *out,
                                           int64_t outStride, __mmask16 mask, const int R) {
    int blocks = cols / 32;
    __m512 acc[ROWS512];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm512_setzero_ps();
    }
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wq = t->q + (size_t)512 * b;
        __m512i s[ROWS512];
        for (int r = 0; r < R; r++) {
            int32_t xs;
            memcpy(&xs, xq + r * xBytes + cols + 4 * blocks + 4 * b, 4);
            s[r] = _mm512_set1_epi32(-8 * xs);
        }
        for (int k = 0; k < 8; k++) {
            __m512i wv = _mm512_load_si512(wq + 64 * k);
            for (int r = 0; r < R; r++) {
                s[r] = _mm512_dpbusd_epi32(s[r], wv, _mm512_set1_epi32(mm_i32(xq + r * xBytes + 32 * b + 4 * k)));
            }
        }
        __m512 dw = _mm512_load_ps(t->d + TILE * b);
        for (int r = 0; r < R; r++) {
            float xd;
            memcpy(&xd, xq + r * xBytes + cols + 4 * b, 4);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[r]), _mm512_mul_ps(dw, _mm512_set1_ps(xd)), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm512_mask_storeu_ps(out + r * outStride, mask, acc[r]);
    }
}

/* Q8_0: rows R of x (xBytes apart, quants + 128) through the tile; out rows outStride apart, lanes of mask. */
AVX512 static INLINE void q8_0_rows_avx512(const Tile *t, int cols, const uint8_t *xq, int64_t xBytes, float *out,
                                         int64_t outStride, __mmask16 mask, const int R) {
    int blocks = cols / 32;
    __m512 acc[ROWS512];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm512_setzero_ps();
    }
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wq = t->q + (size_t)512 * b;
        __m512i w0 = _mm512_load_si512(wq), w1 = _mm512_load_si512(wq + 64), w2 = _mm512_load_si512(wq + 128),
                w3 = _mm512_load_si512(wq + 192), w4 = _mm512_load_si512(wq + 256), w5 = _mm512_load_si512(wq + 320),
                w6 = _mm512_load_si512(wq + 384), w7 = _mm512_load_si512(wq + 448);
        __m512 dw = _mm512_load_ps(t->d + TILE * b);
        __m512i corr = _mm512_load_si512(t->sc + TILE * b);
        for (int r = 0; r < R; r++) {
            const uint8_t *x = xq + r * xBytes;
            const uint8_t *xb = x + 32 * b;
            float xd;
            memcpy(&xd, x + cols + 4 * b, 4);
            __m512i s = _mm512_dpbusd_epi32(corr, _mm512_set1_epi32(mm_i32(xb)), w0);
            s = _mm512_dpbusd_epi32(s, _mm512_set1_epi32(mm_i32(xb + 4)), w1);
            s = _mm512_dpbusd_epi32(s, _mm512_set1_epi32(mm_i32(xb + 8)), w2);
            s = _mm512_dpbusd_epi32(s, _mm512_set1_epi32(mm_i32(xb + 12)), w3);
            s = _mm512_dpbusd_epi32(s, _mm512_set1_epi32(mm_i32(xb + 16)), w4);
            s = _mm512_dpbusd_epi32(s, _mm512_set1_epi32(mm_i32(xb + 20)), w5);
            s = _mm512_dpbusd_epi32(s, _mm512_set1_epi32(mm_i32(xb + 24)), w6);
            s = _mm512_dpbusd_epi32(s, _mm512_set1_epi32(mm_i32(xb + 28)), w7);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, _mm512_set1_ps(xd)), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm512_mask_storeu_ps(out + r * outStride, mask, acc[r]);
    }
}

AVX512 static INLINE void q4k_rows_avx512(const Tile *t, int cols, const uint8_t *xq, int64_t xBytes, float *out,
                                          int64_t outStride, __mmask16 mask, const int R) {
    __m512 acc[ROWS512];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm512_setzero_ps();
    }
    for (int b = 0; b < cols / 256; b++) {
        __m512i isum[ROWS512];
        for (int r = 0; r < R; r++) {
            isum[r] = _mm512_setzero_si512();
        }
        for (int j = 0; j < 8; j++) {
            const uint8_t *wq = t->q + (size_t)4096 * b + 512 * j;
            __m512i w0 = _mm512_load_si512(wq), w1 = _mm512_load_si512(wq + 64), w2 = _mm512_load_si512(wq + 128),
                    w3 = _mm512_load_si512(wq + 192), w4 = _mm512_load_si512(wq + 256),
                    w5 = _mm512_load_si512(wq + 320), w6 = _mm512_load_si512(wq + 384),
                    w7 = _mm512_load_si512(wq + 448);
            __m512i sc = _mm512_load_si512(t->sc + (b * 8 + j) * TILE);
            for (int r = 0; r < R; r++) {
                const uint8_t *xb = xq + r * xBytes + (int64_t)Q8K_BYTES * b + 64 + 32 * j;
                __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w0, _mm512_set1_epi32(mm_i32(xb)));
                s = _mm512_dpbusd_epi32(s, w1, _mm512_set1_epi32(mm_i32(xb + 4)));
                s = _mm512_dpbusd_epi32(s, w2, _mm512_set1_epi32(mm_i32(xb + 8)));
                s = _mm512_dpbusd_epi32(s, w3, _mm512_set1_epi32(mm_i32(xb + 12)));
                s = _mm512_dpbusd_epi32(s, w4, _mm512_set1_epi32(mm_i32(xb + 16)));
                s = _mm512_dpbusd_epi32(s, w5, _mm512_set1_epi32(mm_i32(xb + 20)));
                s = _mm512_dpbusd_epi32(s, w6, _mm512_set1_epi32(mm_i32(xb + 24)));
                s = _mm512_dpbusd_epi32(s, w7, _mm512_set1_epi32(mm_i32(xb + 28)));
                isum[r] = _mm512_add_epi32(isum[r], _mm512_mullo_epi32(s, sc));
            }
        }
        const int16_t *mn = t->mn + (size_t)b * 4 * TILE * 2;
        __m512i m0 = _mm512_load_si512(mn), m1 = _mm512_load_si512(mn + 32), m2 = _mm512_load_si512(mn + 64),
                m3 = _mm512_load_si512(mn + 96);
        __m512 d = _mm512_load_ps(t->d + TILE * b), dmin = _mm512_load_ps(t->dmin + TILE * b);
        for (int r = 0; r < R; r++) {
            const uint8_t *xb = xq + r * xBytes + (int64_t)Q8K_BYTES * b;
            float xd;
            memcpy(&xd, xb, 4);
            __m512i ms = _mm512_dpwssd_epi32(_mm512_setzero_si512(), m0, _mm512_set1_epi32(mm_i32(xb + 16)));
            ms = _mm512_dpwssd_epi32(ms, m1, _mm512_set1_epi32(mm_i32(xb + 20)));
            ms = _mm512_dpwssd_epi32(ms, m2, _mm512_set1_epi32(mm_i32(xb + 24)));
            ms = _mm512_dpwssd_epi32(ms, m3, _mm512_set1_epi32(mm_i32(xb + 28)));
            __m512 vx = _mm512_set1_ps(xd);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r]), _mm512_mul_ps(d, vx), acc[r]);
            acc[r] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(ms), _mm512_mul_ps(dmin, vx), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm512_mask_storeu_ps(out + r * outStride, mask, acc[r]);
    }
}

AVX512 static INLINE void q6k_rows_avx512(const Tile *t, int cols, const uint8_t *xq, int64_t xBytes, float *out,
                                          int64_t outStride, __mmask16 mask, const int R) {
    __m512 acc[ROWS512];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm512_setzero_ps();
    }
    for (int b = 0; b < cols / 256; b++) {
        __m512i isum[ROWS512];
        for (int r = 0; r < R; r++) {
            isum[r] = _mm512_setzero_si512();
        }
        for (int g = 0; g < 16; g++) {
            const uint8_t *wq = t->q + (size_t)4096 * b + 256 * g;
            __m512i w0 = _mm512_load_si512(wq), w1 = _mm512_load_si512(wq + 64), w2 = _mm512_load_si512(wq + 128),
                    w3 = _mm512_load_si512(wq + 192);
            __m512i sc = _mm512_load_si512(t->sc + (b * 16 + g) * TILE);
            for (int r = 0; r < R; r++) {
                const uint8_t *x = xq + r * xBytes + (int64_t)Q8K_BYTES * b;
                const uint8_t *xb = x + 64 + 16 * g;
                int16_t s16;
                memcpy(&s16, x + 32 + 2 * g, 2);
                __m512i s = _mm512_dpbusd_epi32(_mm512_set1_epi32(-32 * s16), w0, _mm512_set1_epi32(mm_i32(xb)));
                s = _mm512_dpbusd_epi32(s, w1, _mm512_set1_epi32(mm_i32(xb + 4)));
                s = _mm512_dpbusd_epi32(s, w2, _mm512_set1_epi32(mm_i32(xb + 8)));
                s = _mm512_dpbusd_epi32(s, w3, _mm512_set1_epi32(mm_i32(xb + 12)));
                isum[r] = _mm512_add_epi32(isum[r], _mm512_mullo_epi32(s, sc));
            }
        }
        __m512 d = _mm512_load_ps(t->d + TILE * b);
        for (int r = 0; r < R; r++) {
            float xd;
            memcpy(&xd, xq + r * xBytes + (int64_t)Q8K_BYTES * b, 4);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r]), _mm512_mul_ps(d, _mm512_set1_ps(xd)), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm512_mask_storeu_ps(out + r * outStride, mask, acc[r]);
    }
}

/* Every activation row through one repacked tile, ROWS512 at a time, then the rest; O: the tile's first output. */
#define ALL_ROWS(O, KERNEL, ...)                                                                                     \
    do {                                                                                                               \
        int b_ = 0;                                                                                                    \
        for (; b_ + ROWS512 <= batch; b_ += ROWS512) {                                                                 \
            KERNEL(__VA_ARGS__, xq + b_ * xBytes, xBytes, (O) + b_ * outStride, outStride, mask, ROWS512);            \
        }                                                                                                              \
        switch (batch - b_) {                                                                                          \
        case 3: KERNEL(__VA_ARGS__, xq + b_ * xBytes, xBytes, (O) + b_ * outStride, outStride, mask, 3); break;        \
        case 2: KERNEL(__VA_ARGS__, xq + b_ * xBytes, xBytes, (O) + b_ * outStride, outStride, mask, 2); break;        \
        case 1: KERNEL(__VA_ARGS__, xq + b_ * xBytes, xBytes, (O) + b_ * outStride, outStride, mask, 1); break;        \
        default: break;                                                                                                \
        }                                                                                                              \
    } while (0)

AVX512 static int matmul_avx512(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int64_t xBytes,
                                int cols, int batch, int from, int to, float *out, int64_t outStride) {
    Tile t;
    if (!tile_layout(type, cols, &t)) {
        return 0;
    }
    /* the vector repack's gather offsets are int32 */
    int vectorQ4_0 = type == MM_Q4_0 && rowBytes <= (INT32_MAX - cols) / TILE;
    for (int r0 = from; r0 < to; r0 += TILE) {
        int n = to - r0 < TILE ? to - r0 : TILE;
        __mmask16 mask = (__mmask16)((1u << n) - 1);
        if (vectorQ4_0 && n == TILE) {
            repack_q4_0_avx512(w + r0 * rowBytes, rowBytes, cols, &t);
        } else {
            repack(type, 1, w + r0 * rowBytes, rowBytes, n, cols, &t);
        }
        switch (type) {
        case MM_Q4_0: ALL_ROWS(out + r0, q4_0_rows_avx512, &t, cols); break;
        case MM_Q8_0: ALL_ROWS(out + r0, q8_0_rows_avx512, &t, cols); break;
        case MM_Q4_K: ALL_ROWS(out + r0, q4k_rows_avx512, &t, cols); break;
        default: ALL_ROWS(out + r0, q6k_rows_avx512, &t, cols); break;
        }
    }
    return 1;
}


/* ---------------------------------------------------------------- AVX2 tiles: each half of a tile (8 lanes) in turn */

#define ROWS256 4
/* Activation rows per pass of q4_0_rows2_avx2 (3: its sums and accumulators in 16 registers; 2 and 4 were slower). */
#define ROWS256_Q4_0 3
/* Activation rows per pass of q8_0_rows2_avx2 (3 ran 3-5% faster than 2 on Zen 4, avx25). */
#define ROWS256_Q8_0 3

/* Lanes [8 h, 8 h + 8) of rows of the tile (n valid) as an AVX2 store mask. */
AVX2 static inline __m256i half_mask(int n, int h) {
    int valid = n - 8 * h;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/*
 * A whole tile of Q4_0 rows for the AVX2 tiles, as repack(MM_Q4_0, 0, ...) writes it, in vectors: per block and half
 * of the tile, the 8 rows' 16 bytes of nibbles as four vectors of two rows (rows j and j + 4 in the two 128-bit
 * lanes), their 4-byte groups brought into lane order (lane i = row i) by a 4 x 4 transpose of 32-bit values in each
 * lane, nibbles masked out and lowered by 8; -128 times each row's sum of q - 8 from byte sums of the eight groups.
 */
AVX2 static void repack_q4_0_avx2(const uint8_t *w, int64_t rowBytes, int cols, Tile *t) {
    const __m256i lo = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8), ones8 = _mm256_set1_epi8(1);
    const __m256i ones16 = _mm256_set1_epi16(1);
    for (int b = 0; b < cols / 32; b++) {
        uint8_t *q = t->q + (size_t)512 * b;
        for (int h = 0; h < 2; h++) {
            const uint8_t *p = w + 8 * h * rowBytes + 18 * b + 2;
            __m256i v[4];
            for (int j = 0; j < 4; j++) {
                v[j] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p + j * rowBytes))),
                                               _mm_loadu_si128((const __m128i *)(p + (j + 4) * rowBytes)), 1);
            }
            __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpackhi_epi32(v[0], v[1]);
            __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
            __m256i g[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2), _mm256_unpacklo_epi64(t1, t3),
                            _mm256_unpackhi_epi64(t1, t3)};
            __m256i sum = _mm256_setzero_si256();
            for (int k = 0; k < 4; k++) {
                __m256i l4 = _mm256_sub_epi8(_mm256_and_si256(g[k], lo), eight);
                __m256i h4 = _mm256_sub_epi8(_mm256_and_si256(_mm256_srli_epi16(g[k], 4), lo), eight);
                _mm256_store_si256((__m256i *)(q + 64 * k + 32 * h), l4);
                _mm256_store_si256((__m256i *)(q + 64 * (4 + k) + 32 * h), h4);
                sum = _mm256_add_epi8(sum, _mm256_add_epi8(l4, h4)); /* 8 values of -8..7 a byte */
            }
            __m256i rowSum = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, sum), ones16);
            _mm256_store_si256((__m256i *)(t->sc + TILE * b + 8 * h), _mm256_mullo_epi32(rowSum, _mm256_set1_epi32(-128)));
        }
        for (int i = 0; i < TILE; i++) {
            t->d[b * TILE + i] = _cvtsh_ss(mm_u16(w + i * rowBytes + 18 * b));
        }
    }
}

/*
 * A whole tile of Q8_0 rows for the AVX2 tiles, as repack(MM_Q8_0, 0, ...) writes the values and scales, in vectors:
 * per block and half of the tile, the 8 rows' 32 quant bytes (eight 4-byte groups each) transposed 8 x 8 so that
 * vector k holds group k of rows 0..7 (lane i = row i). The AVX2 tiles take no weight sums (t->sc is AVX-512's).
 */
AVX2 static void repack_q8_0_avx2(const uint8_t *w, int64_t rowBytes, int cols, Tile *t) {
    for (int b = 0; b < cols / 32; b++) {
        uint8_t *q = t->q + (size_t)512 * b;
        for (int h = 0; h < 2; h++) {
            const uint8_t *p = w + 8 * h * rowBytes + 34 * b + 2;
            __m256i r[8], u[8], v[8];
            for (int i = 0; i < 8; i++) {
                r[i] = _mm256_loadu_si256((const __m256i *)(p + i * rowBytes));
            }
            for (int i = 0; i < 8; i += 2) {
                u[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
                u[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
            }
            for (int i = 0; i < 8; i += 4) {
                v[i] = _mm256_unpacklo_epi64(u[i], u[i + 2]);
                v[i + 1] = _mm256_unpackhi_epi64(u[i], u[i + 2]);
                v[i + 2] = _mm256_unpacklo_epi64(u[i + 1], u[i + 3]);
                v[i + 3] = _mm256_unpackhi_epi64(u[i + 1], u[i + 3]);
            }
            /* v[j] (j < 4): group j of rows 0..3 in the low half, group j + 4 in the high; v[j + 4] rows 4..7 */
            for (int j = 0; j < 4; j++) {
                __m256i lo = _mm256_permute2x128_si256(v[j], v[j + 4], 0x20);
                __m256i hi = _mm256_permute2x128_si256(v[j], v[j + 4], 0x31);
                _mm256_store_si256((__m256i *)(q + 64 * j + 32 * h), lo);
                _mm256_store_si256((__m256i *)(q + 64 * (j + 4) + 32 * h), hi);
            }
        }
        for (int i = 0; i < TILE; i++) {
            t->d[b * TILE + i] = _cvtsh_ss(mm_u16(w + i * rowBytes + 34 * b));
        }
    }
}

/*
 * Q4_0: activations quants + 128 (unsigned), weights q - 8; |(x + 128)(q - 8)| <= 2040, so 8 pair sums of
 * vpmaddubsw stay within int16 (32640) before one vpmaddwd per block.
 */
AVX2 static INLINE void q4_0_rows_avx2(const Tile *t, int cols, int h, const uint8_t *xq, int64_t xBytes, float *out,
                                       int64_t outStride, __m256i mask, const int R) {
    const __m256i ones = _mm256_set1_epi16(1);
    int blocks = cols / 32;
    __m256 acc[ROWS256];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm256_setzero_ps();
    }
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wq = t->q + (size_t)512 * b + 32 * h;
        __m256i p[ROWS256];
        for (int r = 0; r < R; r++) {
            p[r] = _mm256_setzero_si256();
        }
        for (int k = 0; k < 8; k++) {
            __m256i wv = _mm256_load_si256((const __m256i *)(wq + 64 * k));
            for (int r = 0; r < R; r++) {
                __m256i xv = _mm256_set1_epi32(mm_i32(xq + r * xBytes + 32 * b + 4 * k));
                p[r] = _mm256_add_epi16(p[r], _mm256_maddubs_epi16(xv, wv));
            }
        }
        __m256 dw = _mm256_load_ps(t->d + TILE * b + 8 * h);
        __m256i corr = _mm256_load_si256((const __m256i *)(t->sc + TILE * b + 8 * h));
        for (int r = 0; r < R; r++) {
            float xd;
            memcpy(&xd, xq + r * xBytes + cols + 4 * b, 4);
            __m256i s = _mm256_add_epi32(_mm256_madd_epi16(p[r], ones), corr);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_set1_ps(xd)), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_maskstore_ps(out + r * outStride + 8 * h, mask, acc[r]);
    }
}

/*
 * Q4_0 through both halves of a full tile at once (q4_0_rows_avx2 takes one): per group of four values both weight
 * vectors loaded once for R activation rows and each broadcast of four of x's quants feeding both, so a row's
 * quants are read once per tile instead of twice. The same integers and float operations per lane.
 */
AVX2 static INLINE void q4_0_rows2_avx2(const Tile *t, int cols, const uint8_t *xq, int64_t xBytes, float *out,
                                        int64_t outStride, const int R) {
    const __m256i ones = _mm256_set1_epi16(1);
    int blocks = cols / 32;
    __m256 acc[ROWS256_Q4_0][2];
    for (int r = 0; r < R; r++) {
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    }
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wq = t->q + (size_t)512 * b;
        __m256i p[ROWS256_Q4_0][2];
        for (int r = 0; r < R; r++) {
            p[r][0] = p[r][1] = _mm256_setzero_si256();
        }
        for (int k = 0; k < 8; k++) {
            __m256i w0 = _mm256_load_si256((const __m256i *)(wq + 64 * k)),
                    w1 = _mm256_load_si256((const __m256i *)(wq + 64 * k + 32));
            for (int r = 0; r < R; r++) {
                __m256i xv = _mm256_set1_epi32(mm_i32(xq + r * xBytes + 32 * b + 4 * k));
                p[r][0] = _mm256_add_epi16(p[r][0], _mm256_maddubs_epi16(xv, w0));
                p[r][1] = _mm256_add_epi16(p[r][1], _mm256_maddubs_epi16(xv, w1));
            }
        }
        for (int h = 0; h < 2; h++) {
            __m256 dw = _mm256_load_ps(t->d + TILE * b + 8 * h);
            __m256i corr = _mm256_load_si256((const __m256i *)(t->sc + TILE * b + 8 * h));
            for (int r = 0; r < R; r++) {
                float xd;
                memcpy(&xd, xq + r * xBytes + cols + 4 * b, 4);
                __m256i s = _mm256_add_epi32(_mm256_madd_epi16(p[r][h], ones), corr);
                acc[r][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_set1_ps(xd)), acc[r][h]);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_storeu_ps(out + r * outStride, acc[r][0]);
        _mm256_storeu_ps(out + r * outStride + 8, acc[r][1]);
    }
}

/* Q8_0: activations signed (decode's layout), weights q: |q| times x with q's sign, as the decode rows do. */
AVX2 static INLINE void q8_0_rows_avx2(const Tile *t, int cols, int h, const uint8_t *xq, int64_t xBytes, float *out,
                                       int64_t outStride, __m256i mask, const int R) {
    const __m256i ones = _mm256_set1_epi16(1);
    int blocks = cols / 32;
    __m256 acc[ROWS256];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm256_setzero_ps();
    }
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wq = t->q + (size_t)512 * b + 32 * h;
        __m256i s[ROWS256];
        for (int r = 0; r < R; r++) {
            s[r] = _mm256_setzero_si256();
        }
        for (int k = 0; k < 8; k++) {
            __m256i wv = _mm256_load_si256((const __m256i *)(wq + 64 * k)), wa = _mm256_abs_epi8(wv);
            for (int r = 0; r < R; r++) {
                __m256i xv = _mm256_set1_epi32(mm_i32(xq + r * xBytes + 32 * b + 4 * k));
                s[r] = _mm256_add_epi32(s[r], _mm256_madd_epi16(_mm256_maddubs_epi16(wa, _mm256_sign_epi8(xv, wv)), ones));
            }
        }
        __m256 dw = _mm256_load_ps(t->d + TILE * b + 8 * h);
        for (int r = 0; r < R; r++) {
            float xd;
            memcpy(&xd, xq + r * xBytes + cols + 4 * b, 4);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[r]), _mm256_mul_ps(dw, _mm256_set1_ps(xd)), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_maskstore_ps(out + r * outStride + 8 * h, mask, acc[r]);
    }
}

/*
 * Q8_0 through both halves of a full tile at once, as q4_0_rows2_avx2 (q8_0_rows_avx2 takes one): per group of four
 * values both weight vectors and their absolute values once for R activation rows, each broadcast of x's quants
 * feeding both halves. The same integers and float operations per lane.
 */
AVX2 static INLINE void q8_0_rows2_avx2(const Tile *t, int cols, const uint8_t *xq, int64_t xBytes, float *out,
                                        int64_t outStride, const int R) {
    const __m256i ones = _mm256_set1_epi16(1);
    int blocks = cols / 32;
    __m256 acc[ROWS256_Q8_0][2];
    for (int r = 0; r < R; r++) {
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    }
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wq = t->q + (size_t)512 * b;
        __m256i s[ROWS256_Q8_0][2];
        for (int r = 0; r < R; r++) {
            s[r][0] = s[r][1] = _mm256_setzero_si256();
        }
        for (int k = 0; k < 8; k++) {
            __m256i w0 = _mm256_load_si256((const __m256i *)(wq + 64 * k)),
                    w1 = _mm256_load_si256((const __m256i *)(wq + 64 * k + 32));
            __m256i a0 = _mm256_abs_epi8(w0), a1 = _mm256_abs_epi8(w1);
            for (int r = 0; r < R; r++) {
                __m256i xv = _mm256_set1_epi32(mm_i32(xq + r * xBytes + 32 * b + 4 * k));
                __m256i p0 = _mm256_maddubs_epi16(a0, _mm256_sign_epi8(xv, w0));
                __m256i p1 = _mm256_maddubs_epi16(a1, _mm256_sign_epi8(xv, w1));
                s[r][0] = _mm256_add_epi32(s[r][0], _mm256_madd_epi16(p0, ones));
                s[r][1] = _mm256_add_epi32(s[r][1], _mm256_madd_epi16(p1, ones));
            }
        }
        for (int h = 0; h < 2; h++) {
            __m256 dw = _mm256_load_ps(t->d + TILE * b + 8 * h);
            for (int r = 0; r < R; r++) {
                float xd;
                memcpy(&xd, xq + r * xBytes + cols + 4 * b, 4);
                __m256 scale = _mm256_mul_ps(dw, _mm256_set1_ps(xd));
                acc[r][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[r][h]), scale, acc[r][h]);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_storeu_ps(out + r * outStride, acc[r][0]);
        _mm256_storeu_ps(out + r * outStride + 8, acc[r][1]);
    }
}

/* Each int32 lane's low int16 copied to its high half: one scale per row for both int16 of vpmaddwd. */
AVX2 static inline __m256i both_halves(__m256i v) {
    return _mm256_or_si256(_mm256_and_si256(v, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(v, 16));
}

/* Q4_K: 15 * 127 * 2 * 8 = 30480 fits int16 over a 32-value sub-block; one vpmaddwd with its scale per sub-block. */
AVX2 static INLINE void q4k_rows_avx2(const Tile *t, int cols, int h, const uint8_t *xq, int64_t xBytes, float *out,
                                      int64_t outStride, __m256i mask, const int R) {
    __m256 acc[ROWS256];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm256_setzero_ps();
    }
    for (int b = 0; b < cols / 256; b++) {
        __m256i isum[ROWS256];
        for (int r = 0; r < R; r++) {
            isum[r] = _mm256_setzero_si256();
        }
        for (int j = 0; j < 8; j++) {
            const uint8_t *wq = t->q + (size_t)4096 * b + 512 * j + 32 * h;
            __m256i p[ROWS256];
            for (int r = 0; r < R; r++) {
                p[r] = _mm256_setzero_si256();
            }
            for (int k = 0; k < 8; k++) {
                __m256i wv = _mm256_load_si256((const __m256i *)(wq + 64 * k));
                for (int r = 0; r < R; r++) {
                    const uint8_t *xb = xq + r * xBytes + (int64_t)Q8K_BYTES * b + 64 + 32 * j;
                    p[r] = _mm256_add_epi16(p[r], _mm256_maddubs_epi16(wv, _mm256_set1_epi32(mm_i32(xb + 4 * k))));
                }
            }
            __m256i sc = both_halves(_mm256_load_si256((const __m256i *)(t->sc + (b * 8 + j) * TILE + 8 * h)));
            for (int r = 0; r < R; r++) {
                isum[r] = _mm256_add_epi32(isum[r], _mm256_madd_epi16(p[r], sc));
            }
        }
        const int16_t *mn = t->mn + (size_t)b * 4 * TILE * 2 + 16 * h;
        __m256 d = _mm256_load_ps(t->d + TILE * b + 8 * h), dmin = _mm256_load_ps(t->dmin + TILE * b + 8 * h);
        for (int r = 0; r < R; r++) {
            const uint8_t *xb = xq + r * xBytes + (int64_t)Q8K_BYTES * b;
            float xd;
            memcpy(&xd, xb, 4);
            __m256i ms = _mm256_setzero_si256();
            for (int u = 0; u < 4; u++) {
                ms = _mm256_add_epi32(ms, _mm256_madd_epi16(_mm256_load_si256((const __m256i *)(mn + 32 * u)),
                                                            _mm256_set1_epi32(mm_i32(xb + 16 + 4 * u))));
            }
            __m256 vx = _mm256_set1_ps(xd);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r]), _mm256_mul_ps(d, vx), acc[r]);
            acc[r] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(ms), _mm256_mul_ps(dmin, vx), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_maskstore_ps(out + r * outStride + 8 * h, mask, acc[r]);
    }
}

/* Q6_K: 63 * 127 * 2 = 16002, so two vpmaddubsw per int16 sum; -32 times the group's quant sum in int32. */
AVX2 static INLINE void q6k_rows_avx2(const Tile *t, int cols, int h, const uint8_t *xq, int64_t xBytes, float *out,
                                      int64_t outStride, __m256i mask, const int R) {
    __m256 acc[ROWS256];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm256_setzero_ps();
    }
    for (int b = 0; b < cols / 256; b++) {
        __m256i isum[ROWS256];
        for (int r = 0; r < R; r++) {
            isum[r] = _mm256_setzero_si256();
        }
        for (int g = 0; g < 16; g++) {
            const uint8_t *wq = t->q + (size_t)4096 * b + 256 * g + 32 * h;
            __m256i w0 = _mm256_load_si256((const __m256i *)wq), w1 = _mm256_load_si256((const __m256i *)(wq + 64)),
                    w2 = _mm256_load_si256((const __m256i *)(wq + 128)),
                    w3 = _mm256_load_si256((const __m256i *)(wq + 192));
            __m256i sc32 = _mm256_load_si256((const __m256i *)(t->sc + (b * 16 + g) * TILE + 8 * h));
            __m256i sc = both_halves(sc32);
            for (int r = 0; r < R; r++) {
                const uint8_t *x = xq + r * xBytes + (int64_t)Q8K_BYTES * b;
                const uint8_t *xb = x + 64 + 16 * g;
                int16_t s16;
                memcpy(&s16, x + 32 + 2 * g, 2);
                __m256i pa = _mm256_add_epi16(_mm256_maddubs_epi16(w0, _mm256_set1_epi32(mm_i32(xb))),
                                              _mm256_maddubs_epi16(w1, _mm256_set1_epi32(mm_i32(xb + 4))));
                __m256i pb = _mm256_add_epi16(_mm256_maddubs_epi16(w2, _mm256_set1_epi32(mm_i32(xb + 8))),
                                              _mm256_maddubs_epi16(w3, _mm256_set1_epi32(mm_i32(xb + 12))));
                __m256i v = _mm256_add_epi32(_mm256_madd_epi16(pa, sc), _mm256_madd_epi16(pb, sc));
                v = _mm256_add_epi32(v, _mm256_mullo_epi32(sc32, _mm256_set1_epi32(-32 * s16)));
                isum[r] = _mm256_add_epi32(isum[r], v);
            }
        }
        __m256 d = _mm256_load_ps(t->d + TILE * b + 8 * h);
        for (int r = 0; r < R; r++) {
            float xd;
            memcpy(&xd, xq + r * xBytes + (int64_t)Q8K_BYTES * b, 4);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r]), _mm256_mul_ps(d, _mm256_set1_ps(xd)), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_maskstore_ps(out + r * outStride + 8 * h, mask, acc[r]);
    }
}

/* Every activation row through one half of a repacked tile, ROWS256 at a time, then the rest. */
#define ALL_ROWS256(O, KERNEL, ...)                                                                                   \
    do {                                                                                                               \
        int b_ = 0;                                                                                                    \
        for (; b_ + ROWS256 <= batch; b_ += ROWS256) {                                                                 \
            KERNEL(__VA_ARGS__, xq + b_ * xBytes, xBytes, (O) + b_ * outStride, outStride, mask, ROWS256);            \
        }                                                                                                              \
        switch (batch - b_) {                                                                                          \
        case 3: KERNEL(__VA_ARGS__, xq + b_ * xBytes, xBytes, (O) + b_ * outStride, outStride, mask, 3); break;        \
        case 2: KERNEL(__VA_ARGS__, xq + b_ * xBytes, xBytes, (O) + b_ * outStride, outStride, mask, 2); break;        \
        case 1: KERNEL(__VA_ARGS__, xq + b_ * xBytes, xBytes, (O) + b_ * outStride, outStride, mask, 1); break;        \
        default: break;                                                                                                \
        }                                                                                                              \
    } while (0)

AVX2 static int matmul_avx2(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int64_t xBytes, int cols,
                            int batch, int from, int to, float *out, int64_t outStride) {
    Tile t;
    if (!tile_layout(type, cols, &t)) {
        return 0;
    }
    for (int r0 = from; r0 < to; r0 += TILE) {
        int n = to - r0 < TILE ? to - r0 : TILE;
        if (type == MM_Q4_0 && n == TILE) { /* a full Q4_0 tile: repacked in vectors, both halves in one pass */
            repack_q4_0_avx2(w + r0 * rowBytes, rowBytes, cols, &t);
            int b = 0;
            for (; b + ROWS256_Q4_0 <= batch; b += ROWS256_Q4_0) {
                q4_0_rows2_avx2(&t, cols, xq + b * xBytes, xBytes, out + r0 + b * outStride, outStride, ROWS256_Q4_0);
            }
            for (; b < batch; b++) {
                q4_0_rows2_avx2(&t, cols, xq + b * xBytes, xBytes, out + r0 + b * outStride, outStride, 1);
            }
            continue;
        }
        if (type == MM_Q8_0 && n == TILE) { /* a full Q8_0 tile: repacked in vectors, both halves in one pass */
            repack_q8_0_avx2(w + r0 * rowBytes, rowBytes, cols, &t);
            int b = 0;
            for (; b + ROWS256_Q8_0 <= batch; b += ROWS256_Q8_0) {
                q8_0_rows2_avx2(&t, cols, xq + b * xBytes, xBytes, out + r0 + b * outStride, outStride, ROWS256_Q8_0);
            }
            for (; b < batch; b++) {
                q8_0_rows2_avx2(&t, cols, xq + b * xBytes, xBytes, out + r0 + b * outStride, outStride, 1);
            }
            continue;
        }
        repack(type, 0, w + r0 * rowBytes, rowBytes, n, cols, &t);
        for (int h = 0; h < 2 && 8 * h < n; h++) {
            __m256i mask = half_mask(n, h);
            switch (type) {
            case MM_Q4_0: ALL_ROWS256(out + r0, q4_0_rows_avx2, &t, cols, h); break;
            case MM_Q8_0: ALL_ROWS256(out + r0, q8_0_rows_avx2, &t, cols, h); break;
            case MM_Q4_K: ALL_ROWS256(out + r0, q4k_rows_avx2, &t, cols, h); break;
            default: ALL_ROWS256(out + r0, q6k_rows_avx2, &t, cols, h); break;
            }
        }
    }
    return 1;
}

#endif

/**
 * Whether kvs_matmul runs in tiles at the instruction set now in use (AVX-512 VNNI, AVX2). On the scalar level it
 * takes each activation row through decode's rows, which streams the weights once per row: the reference for
 * tests, slower for prefill than the Java float kernels, which the caller then uses instead.
 */
EXPORT int kvs_matmul_tiled(void) {
    return kvs_isa() >= MM_AVX2;
}

static void matmul_any(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int64_t xBytes, int cols,
                       int batch, int from, int to, float *out, int64_t outStride) {
#if defined(__x86_64__)
    if (kvs_isa() == MM_AVX512 && matmul_avx512(type, w, rowBytes, xq, xBytes, cols, batch, from, to, out, outStride)) {
        return;
    }
    if (kvs_isa() == MM_AVX2 && matmul_avx2(type, w, rowBytes, xq, xBytes, cols, batch, from, to, out, outStride)) {
        return;
    }
#endif
    matmul_by_rows(type, w, rowBytes, xq, xBytes, cols, batch, from, to, out, outStride);
}

/**
 * out[b * outStride + r] = row r of w · activation row b, for r in [from, to) and b in [0, batch); the
 * activation rows quantized by kvs_quantize_rows, xBytes apart. Weight rows of rowBytes from w.
 */
EXPORT void kvs_matmul(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int64_t xBytes, int cols,
                       int batch, int from, int to, float *out, int64_t outStride) {
    KVS_GUARDED(matmul_any(type, w, rowBytes, xq, xBytes, cols, batch, from, to, out, outStride));
}
