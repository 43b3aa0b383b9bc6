/*
 * kvscope's native matrix x matrix kernel for BF16 weights (prefill), called from Java through the foreign
 * function API (org.kvscope.tensor.NativeMatmul) on CPUs with AVX-512 BF16 (vdpbf16ps). As llama.cpp does for
 * BF16 weights, every activation row is rounded to BF16 once per product (round to nearest even,
 * kvs_bf16_round_rows), so the results differ from the exact float kernels by that rounding of x (at most
 * 2^-8 of each |x_i|) and the order of the float sums; with --kernels java, or without AVX-512 BF16, the Java
 * float kernels run instead.
 *
 * The weights are taken in tiles of 32 rows, each first repacked into a thread's buffer: for every pair of
 * columns (k, k + 1) the 32 rows' two BF16 values side by side, 128 bytes (two vectors of 16 32-bit lanes, lane
 * i = row i). One vdpbf16ps of such a vector with an activation row's pair (x_k, x_k+1) broadcast to every lane
 * adds w_ik x_k + w_ik+1 x_k+1 to the 16 rows' sums, which are the outputs themselves: no horizontal sums. Twelve
 * activation rows pass at a time, 24 accumulators and the tile's two vectors in registers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvscope_guard.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define EXPORT __attribute__((visibility("default")))

/* kvscope_kernels.c: the instruction set level in use (2: AVX-512 VNNI) */
int kvs_isa(void);

/** Weight rows per tile; NativeMatmul's tiles of BF16 weights are as many rows. */
#define BF16_TILE 32
/** Activation rows per pass through a tile. */
#define BF16_PASS 12

/** Whether this CPU has AVX-512 BF16 and the library runs at its AVX-512 level: kvs_bf16_matmul may be called. */
EXPORT int kvs_bf16_tiled(void) {
#if defined(__x86_64__)
    return kvs_isa() == 2 && __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

#if defined(__x86_64__)

#define BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define INLINE inline __attribute__((always_inline))

/* Activation rows [from, to) of x rounded to BF16 into dst, dstRowBytes apart; an odd row gets a zero after it. */
BF16 static void round_rows(const float *x, int cols, int from, int to, uint8_t *dst, int64_t dstRowBytes) {
    for (int r = from; r < to; r++) {
        const float *s = x + (int64_t)r * cols;
        uint16_t *d = (uint16_t *)(dst + r * dstRowBytes);
        int i = 0;
        for (; i + 32 <= cols; i += 32) {
            __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(s + i + 16), _mm512_loadu_ps(s + i));
            _mm512_storeu_si512(d + i, (__m512i)v);
        }
        for (; i < cols; i += 16) {
            int n = cols - i;
            __mmask16 m = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
            __m256bh v = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, s + i));
            _mm256_mask_storeu_epi16(d + i, m, (__m256i)v);
        }
        if (cols & 1) {
            d[cols] = 0;
        }
    }
}

static __thread uint32_t *tile_memory;
static __thread size_t tile_capacity;

/* Rows [0, n) of w (n <= BF16_TILE) as t[p * 32 + i] = row i's pair p; rows n.. and an odd row's last pair's second
 * value zero. */
static void repack(const uint8_t *w, int64_t rowBytes, int n, int cols, uint32_t *t) {
    int full = cols / 2, pairs = (cols + 1) / 2;
    if (n < BF16_TILE) {
        memset(t, 0, (size_t)pairs * BF16_TILE * 4);
    }
    for (int i = 0; i < n; i++) {
        const uint8_t *row = w + i * rowBytes;
        for (int p = 0; p < full; p++) {
            memcpy(t + (size_t)p * BF16_TILE + i, row + 4 * p, 4);
        }
        if (cols & 1) {
            uint16_t v;
            memcpy(&v, row + 2 * (cols - 1), 2);
            t[(size_t)full * BF16_TILE + i] = v;
        }
    }
}

/* R activation rows (x, xBytes apart) through a repacked tile: out[r * outStride + i] for the lanes in m0 | m1 << 16. */
BF16 static INLINE void pass(const uint32_t *t, int pairs, const uint8_t *x, int64_t xBytes, float *out,
                             int64_t outStride, __mmask16 m0, __mmask16 m1, const int R) {
    __m512 a0[BF16_PASS], a1[BF16_PASS];
    for (int r = 0; r < R; r++) {
        a0[r] = _mm512_setzero_ps();
        a1[r] = _mm512_setzero_ps();
    }
    for (int p = 0; p < pairs; p++) {
        __m512bh w0 = (__m512bh)_mm512_load_si512(t + (size_t)p * BF16_TILE);
        __m512bh w1 = (__m512bh)_mm512_load_si512(t + (size_t)p * BF16_TILE + 16);
        for (int r = 0; r < R; r++) {
            int32_t v;
            memcpy(&v, x + r * xBytes + 4 * p, 4);
            __m512bh xv = (__m512bh)_mm512_set1_epi32(v);
            a0[r] = _mm512_dpbf16_ps(a0[r], w0, xv);
            a1[r] = _mm512_dpbf16_ps(a1[r], w1, xv);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm512_mask_storeu_ps(out + r * outStride, m0, a0[r]);
        _mm512_mask_storeu_ps(out + r * outStride + 16, m1, a1[r]);
    }
}

#define PASS_CASE(K)                                                                                                  \
    case K: pass(tile, pairs, x + b * xBytes, xBytes, o + b * outStride, outStride, m0, m1, K); break

BF16 static int matmul_avx512(const uint8_t *w, int64_t rowBytes, const uint8_t *x, int64_t xBytes, int cols,
                              int batch, int from, int to, float *out, int64_t outStride) {
    int pairs = (cols + 1) / 2;
    size_t bytes = (size_t)pairs * BF16_TILE * 4;
    if (bytes > tile_capacity) {
        free(tile_memory);
        tile_memory = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (tile_memory == NULL) {
            tile_capacity = 0;
            return 0;
        }
        tile_capacity = bytes;
    }
    uint32_t *tile = tile_memory;
    for (int r0 = from; r0 < to; r0 += BF16_TILE) {
        int n = to - r0 < BF16_TILE ? to - r0 : BF16_TILE;
        repack(w + r0 * rowBytes, rowBytes, n, cols, tile);
        __mmask16 m0 = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
        __mmask16 m1 = n >= 32 ? (__mmask16)0xFFFF : n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : 0;
        float *o = out + r0;
        int b = 0;
        for (; b + BF16_PASS <= batch; b += BF16_PASS) {
            pass(tile, pairs, x + b * xBytes, xBytes, o + b * outStride, outStride, m0, m1, BF16_PASS);
        }
        switch (batch - b) {
            PASS_CASE(11); PASS_CASE(10); PASS_CASE(9); PASS_CASE(8); PASS_CASE(7); PASS_CASE(6);
            PASS_CASE(5); PASS_CASE(4); PASS_CASE(3); PASS_CASE(2); PASS_CASE(1);
            default: break;
        }
    }
    return 1;
}

#endif

/**
 * Activation rows [from, to) of x (rows of cols floats) rounded to BF16 for kvs_bf16_matmul, dstRowBytes apart
 * (at least 2 * cols + 2 for odd cols). Only where kvs_bf16_tiled.
 */
EXPORT void kvs_bf16_round_rows(const float *x, int cols, int from, int to, uint8_t *dst, int64_t dstRowBytes) {
#if defined(__x86_64__)
    if (kvs_bf16_tiled()) {
        round_rows(x, cols, from, to, dst, dstRowBytes);
    }
#endif
}

/**
 * out[b * outStride + r] = row r of w · activation row b (BF16 weights, rows rowBytes apart; activation rows
 * from kvs_bf16_round_rows, xBytes apart), for r in [from, to) and b in [0, batch). Only where kvs_bf16_tiled;
 * returns 0 (nothing written) elsewhere or when the tile buffer could not be allocated.
 */
EXPORT int kvs_bf16_matmul(const uint8_t *w, int64_t rowBytes, const uint8_t *x, int64_t xBytes, int cols, int batch,
                           int from, int to, float *out, int64_t outStride) {
    volatile int done = 0;
#if defined(__x86_64__)
    if (kvs_bf16_tiled()) {
        KVS_GUARDED(done = matmul_avx512(w, rowBytes, x, xBytes, cols, batch, from, to, out, outStride));
    }
#endif
    return done;
}
