// Weight matrix times activations for every supported weight type, reading weights in their raw
// GGUF/ggml byte layout. out[b][row] = sum_c W[row][c] * x[b][c]; x is [batch][cols], out [batch][rows].
//
// One warp owns one weight row; a block holds KV_MM_ROWS rows. Columns are walked in chunks of 256:
// the block stages the chunk of x for its batch tile in shared memory, then every lane decodes
// 8 weights of its row into registers and reuses them for all BT batch entries of the tile.
// Partial sums are reduced with warp shuffles at the end (fp32 throughout).
#include "kvscope_common.cuh"

#define KV_MM_ROWS 8
#define KV_MM_CHUNK 256

enum KvWeightType { KV_F32 = 0, KV_F16 = 1, KV_Q4_0 = 2, KV_Q8_0 = 8, KV_Q4_K = 12, KV_Q6_K = 14, KV_BF16 = 30 };

// Each loader fills w[0..7] with this lane's 8 weights of chunk `c` of a row, and off[0..7] with
// their column offsets inside the chunk. Weights past `cols` are zero. Offsets come in consecutive
// pairs (off[2p+1] == off[2p] + 1); all types but Q6_K even in 4-aligned consecutive quads, so x can
// be read from shared memory with float4 (float2 for Q6_K) loads.
template <int TYPE>
__device__ __forceinline__ void kv_load_chunk(const uint8_t *row, int c, int lane, int cols, float w[8], int off[8]);

template <>
__device__ __forceinline__ void kv_load_chunk<KV_F32>(const uint8_t *row, int c, int lane, int cols, float w[8], int off[8]) {
    const float *rf = reinterpret_cast<const float *>(row) + (size_t) c * KV_MM_CHUNK + 8 * lane;
    const int col0 = c * KV_MM_CHUNK + 8 * lane;
#pragma unroll
    for (int i = 0; i < 8; i++) off[i] = 8 * lane + i;
    if ((cols & 7) == 0 && col0 + 8 <= cols) {
        const float4 a = reinterpret_cast<const float4 *>(rf)[0];
        const float4 b = reinterpret_cast<const float4 *>(rf)[1];
        w[0] = a.x; w[1] = a.y; w[2] = a.z; w[3] = a.w;
        w[4] = b.x; w[5] = b.y; w[6] = b.z; w[7] = b.w;
    } else {
#pragma unroll
        for (int i = 0; i < 8; i++) w[i] = col0 + i < cols ? rf[i] : 0.0f;
    }
}

template <bool BF16>
__device__ __forceinline__ void kv_load_chunk_16bit(const uint8_t *row, int c, int lane, int cols, float w[8], int off[8]) {
    const uint16_t *rh = reinterpret_cast<const uint16_t *>(row) + (size_t) c * KV_MM_CHUNK + 8 * lane;
    const int col0 = c * KV_MM_CHUNK + 8 * lane;
#pragma unroll
    for (int i = 0; i < 8; i++) off[i] = 8 * lane + i;
    if ((cols & 7) == 0 && col0 + 8 <= cols) {
        const uint4 v = reinterpret_cast<const uint4 *>(rh)[0];
        const uint32_t words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const uint16_t lo = (uint16_t) (words[i] & 0xffffu);
            const uint16_t hi = (uint16_t) (words[i] >> 16);
            w[2 * i] = BF16 ? kv_bf16_to_float(lo) : kv_half_to_float(lo);
            w[2 * i + 1] = BF16 ? kv_bf16_to_float(hi) : kv_half_to_float(hi);
        }
    } else {
#pragma unroll
        for (int i = 0; i < 8; i++) {
            w[i] = col0 + i < cols ? (BF16 ? kv_bf16_to_float(rh[i]) : kv_half_to_float(rh[i])) : 0.0f;
        }
    }
}

template <>
__device__ __forceinline__ void kv_load_chunk<KV_F16>(const uint8_t *row, int c, int lane, int cols, float w[8], int off[8]) {
    kv_load_chunk_16bit<false>(row, c, lane, cols, w, off);
}

template <>
__device__ __forceinline__ void kv_load_chunk<KV_BF16>(const uint8_t *row, int c, int lane, int cols, float w[8], int off[8]) {
    kv_load_chunk_16bit<true>(row, c, lane, cols, w, off);
}

// Q8_0: 34-byte blocks of 32 = f16 scale d, int8 q[32]; value = d * q. Four lanes per block.
template <>
__device__ __forceinline__ void kv_load_chunk<KV_Q8_0>(const uint8_t *row, int c, int lane, int cols, float w[8], int off[8]) {
    const int block = c * (KV_MM_CHUNK / 32) + lane / 4;
    const int quarter = lane % 4;
#pragma unroll
    for (int i = 0; i < 8; i++) off[i] = 8 * lane + i;
    if (block * 32 >= cols) {
#pragma unroll
        for (int i = 0; i < 8; i++) w[i] = 0.0f;
        return;
    }
    const uint8_t *bp = row + (size_t) block * 34;
    const float d = kv_half_to_float(kv_load_u16(bp));
    const uint8_t *qs = bp + 2 + 8 * quarter;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const uint16_t pair = kv_load_u16(qs + 2 * i);
        w[2 * i] = d * (float) (int8_t) (pair & 0xff);
        w[2 * i + 1] = d * (float) (int8_t) (pair >> 8);
    }
}

// Q4_0: 18-byte blocks of 32 = f16 d, 16 bytes; byte j holds element j (low nibble) and j+16
// (high nibble); value = d * (nibble - 8). Four lanes per block.
template <>
__device__ __forceinline__ void kv_load_chunk<KV_Q4_0>(const uint8_t *row, int c, int lane, int cols, float w[8], int off[8]) {
    const int block = c * (KV_MM_CHUNK / 32) + lane / 4;
    const int quarter = lane % 4;
    const int base = 32 * (lane / 4) + 4 * quarter;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        off[i] = base + i;
        off[4 + i] = base + 16 + i;
    }
    if (block * 32 >= cols) {
#pragma unroll
        for (int i = 0; i < 8; i++) w[i] = 0.0f;
        return;
    }
    const uint8_t *bp = row + (size_t) block * 18;
    const float d = kv_half_to_float(kv_load_u16(bp));
    const uint32_t q = (uint32_t) kv_load_u16(bp + 2 + 4 * quarter) | ((uint32_t) kv_load_u16(bp + 4 + 4 * quarter) << 16);
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const uint32_t byte = (q >> (8 * i)) & 0xffu;
        w[i] = d * (float) ((int) (byte & 0xf) - 8);
        w[4 + i] = d * (float) ((int) (byte >> 4) - 8);
    }
}

// Q4_K scale/min of sub-block j (0..7) from the 12 packed bytes: 6-bit values.
__device__ __forceinline__ void kv_q4k_scale_min(int j, const uint8_t *s, int &sc, int &mn) {
    if (j < 4) {
        sc = s[j] & 63;
        mn = s[j + 4] & 63;
    } else {
        sc = (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
        mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// Q4_K: 144-byte super-blocks of 256 = f16 d, f16 dmin, 12 scale bytes, 128 nibble bytes. 64-element
// group g uses bytes 32g..32g+31: low nibbles are sub-block 2g, high nibbles sub-block 2g+1;
// value = d*sc*q - dmin*m.
template <>
__device__ __forceinline__ void kv_load_chunk<KV_Q4_K>(const uint8_t *row, int c, int lane, int cols, float w[8], int off[8]) {
    const uint8_t *bp = row + (size_t) c * 144;
    const int g = lane / 8;
    const int k = lane % 8;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        off[i] = 64 * g + 4 * k + i;
        off[4 + i] = 64 * g + 32 + 4 * k + i;
    }
    const float d = kv_half_to_float(kv_load_u16(bp));
    const float dmin = kv_half_to_float(kv_load_u16(bp + 2));
    int sc0, m0, sc1, m1;
    kv_q4k_scale_min(2 * g, bp + 4, sc0, m0);
    kv_q4k_scale_min(2 * g + 1, bp + 4, sc1, m1);
    const float a0 = d * (float) sc0, b0 = dmin * (float) m0;
    const float a1 = d * (float) sc1, b1 = dmin * (float) m1;
    const uint32_t q = *reinterpret_cast<const uint32_t *>(bp + 16 + 32 * g + 4 * k);
#pragma unroll
    for (int i = 0; i < 4; i++) {
        w[i] = a0 * (float) ((q >> (8 * i)) & 0xfu) - b0;
        w[4 + i] = a1 * (float) ((q >> (8 * i + 4)) & 0xfu) - b1;
    }
}

// Q6_K: 210-byte super-blocks of 256 = ql[128], qh[64], int8 scales[16], f16 d. Each 128-element
// half n uses ql[64n..], qh[32n..], scales[8n..]; for l in 0..31 the four values at l, l+32, l+64,
// l+96 take the low/high nibbles of ql[l], ql[l+32] and 2-bit pairs of qh[l]; value = d*sc*(q-32).
template <>
__device__ __forceinline__ void kv_load_chunk<KV_Q6_K>(const uint8_t *row, int c, int lane, int cols, float w[8], int off[8]) {
    const uint8_t *bp = row + (size_t) c * 210;
    const int n = lane / 16;
    const int p = 2 * (lane % 16);
    const uint8_t *ql = bp + 64 * n;
    const uint8_t *qh = bp + 128 + 32 * n;
    const int8_t *sc = reinterpret_cast<const int8_t *>(bp + 192) + 8 * n + p / 16;
    const float d = kv_half_to_float(kv_load_u16(bp + 208));
    const uint16_t lo = kv_load_u16(ql + p);
    const uint16_t hi = kv_load_u16(ql + 32 + p);
    const uint16_t hb = kv_load_u16(qh + p);
    const float s0 = d * (float) sc[0], s1 = d * (float) sc[2], s2 = d * (float) sc[4], s3 = d * (float) sc[6];
#pragma unroll
    for (int e = 0; e < 2; e++) {
        const int a = (lo >> (8 * e)) & 0xff;
        const int b = (hi >> (8 * e)) & 0xff;
        const int h = (hb >> (8 * e)) & 0xff;
        const int base = 128 * n + p + e;
        w[0 + e] = s0 * (float) (((a & 0xf) | ((h & 3) << 4)) - 32);
        w[2 + e] = s1 * (float) (((b & 0xf) | (((h >> 2) & 3) << 4)) - 32);
        w[4 + e] = s2 * (float) (((a >> 4) | (((h >> 4) & 3) << 4)) - 32);
        w[6 + e] = s3 * (float) (((b >> 4) | (((h >> 6) & 3) << 4)) - 32);
        off[0 + e] = base;
        off[2 + e] = base + 32;
        off[4 + e] = base + 64;
        off[6 + e] = base + 96;
    }
}

// Shared-memory index of chunk column e: 4 floats of padding after every 32 keep the lanes' vector
// loads on distinct banks for the loaders' access patterns, and keep quads 16-byte aligned.
__device__ __forceinline__ int kv_xs_index(int e) {
    return e + 4 * (e >> 5);
}

#define KV_XS_ROW (KV_MM_CHUNK + 4 * (KV_MM_CHUNK / 32))

template <int TYPE, int BT>
__device__ __forceinline__ void kv_matmul_body(const uint8_t *__restrict__ weights, long long rowBytes,
                                               const float *__restrict__ x, float *__restrict__ out,
                                               int rows, int cols, int batch) {
    __shared__ __align__(16) float xs[BT][KV_XS_ROW];
    const int warp = threadIdx.x / KV_WARP;
    const int lane = threadIdx.x % KV_WARP;
    const int row = blockIdx.x * KV_MM_ROWS + warp;
    const int b0 = blockIdx.y * BT;
    const uint8_t *rp = weights + (size_t) (row < rows ? row : 0) * (size_t) rowBytes;
    float acc[BT];
#pragma unroll
    for (int t = 0; t < BT; t++) acc[t] = 0.0f;
    const int chunks = (cols + KV_MM_CHUNK - 1) / KV_MM_CHUNK;
    for (int c = 0; c < chunks; c++) {
        __syncthreads();
        for (int i = threadIdx.x; i < BT * KV_MM_CHUNK; i += blockDim.x) {
            const int t = i / KV_MM_CHUNK;
            const int col = c * KV_MM_CHUNK + i % KV_MM_CHUNK;
            xs[t][kv_xs_index(i % KV_MM_CHUNK)] = (b0 + t < batch && col < cols) ? x[(size_t) (b0 + t) * cols + col] : 0.0f;
        }
        __syncthreads();
        if (row < rows) {
            float w[8];
            int off[8];
            kv_load_chunk<TYPE>(rp, c, lane, cols, w, off);
#pragma unroll
            for (int t = 0; t < BT; t++) {
                float s = 0.0f;
                if (TYPE != KV_Q6_K) {
#pragma unroll
                    for (int h = 0; h < 2; h++) {
                        const float4 v = *reinterpret_cast<const float4 *>(&xs[t][kv_xs_index(off[4 * h])]);
                        s = fmaf(w[4 * h], v.x, s);
                        s = fmaf(w[4 * h + 1], v.y, s);
                        s = fmaf(w[4 * h + 2], v.z, s);
                        s = fmaf(w[4 * h + 3], v.w, s);
                    }
                } else {
#pragma unroll
                    for (int p = 0; p < 4; p++) {
                        const float2 v = *reinterpret_cast<const float2 *>(&xs[t][kv_xs_index(off[2 * p])]);
                        s = fmaf(w[2 * p], v.x, s);
                        s = fmaf(w[2 * p + 1], v.y, s);
                    }
                }
                acc[t] += s;
            }
        }
    }
    if (row < rows) {
#pragma unroll
        for (int t = 0; t < BT; t++) {
            const float v = kv_warp_sum(acc[t]);
            if (lane == 0 && b0 + t < batch) out[(size_t) (b0 + t) * rows + row] = v;
        }
    }
}

#define KV_MATMUL_KERNELS(NAME, TYPE)                                                                   \
    extern "C" __global__ void __launch_bounds__(256) kv_matvec_##NAME(                                 \
        const uint8_t *weights, long long rowBytes, const float *x, float *out, int rows, int cols, int batch) { \
        kv_matmul_body<TYPE, 1>(weights, rowBytes, x, out, rows, cols, batch);                          \
    }                                                                                                   \
    extern "C" __global__ void __launch_bounds__(256) kv_matmul_##NAME(                                 \
        const uint8_t *weights, long long rowBytes, const float *x, float *out, int rows, int cols, int batch) { \
        kv_matmul_body<TYPE, 8>(weights, rowBytes, x, out, rows, cols, batch);                          \
    }

KV_MATMUL_KERNELS(f32, KV_F32)
KV_MATMUL_KERNELS(f16, KV_F16)
KV_MATMUL_KERNELS(bf16, KV_BF16)
KV_MATMUL_KERNELS(q4_0, KV_Q4_0)
KV_MATMUL_KERNELS(q8_0, KV_Q8_0)
KV_MATMUL_KERNELS(q4_k, KV_Q4_K)
KV_MATMUL_KERNELS(q6_k, KV_Q6_K)
