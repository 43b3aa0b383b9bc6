// Attention of query vectors over a compressed KV cache.
//
// A cache table describes nSeq sequences for one layer as four device arrays of pointers, each
// nSeq long and stored one after another: keys, values ([kvHeads][capacity][headDim] floats, keys
// already rotated), slot positions ([kvHeads][capacity] ints) and slot counts ([kvHeads] ints).
// Kv head g holds counts[g] valid slots. Query i belongs to sequence querySeq[i], sits at position
// queryPos[i] and only sees slots whose position is <= its own (causal prefill and decode alike).
// Query head h reads kv head h / (nHeads / nKvHeads) (grouped-query attention).
#include "kvscope_common.cuh"

#define KV_ATT_WARPS 8
#define KV_ATT_MAX_DIM 256
#define KV_ATT_DIMS_PER_LANE (KV_ATT_MAX_DIM / KV_WARP)

// One block per (query head, query). Every warp runs an online softmax over a strided subset of
// the slots; the warps' partial results are merged at the end. When `weights` is not null the
// normalised attention weights are written to weights[query][head][0..weightStride), zero for
// masked slots and for slots past the kv head's count.
extern "C" __global__ void __launch_bounds__(KV_ATT_WARPS * KV_WARP) kv_attention(
    const float *__restrict__ q, const int *__restrict__ querySeq, const int *__restrict__ queryPos,
    const unsigned long long *__restrict__ table, int nSeq, int nHeads, int nKvHeads, int headDim, int capacity,
    float scale, float *__restrict__ out, float *weights, int weightStride) {
    __shared__ float qs[KV_ATT_MAX_DIM];
    __shared__ float warpMax[KV_ATT_WARPS];
    __shared__ float warpSum[KV_ATT_WARPS];
    __shared__ float warpAcc[KV_ATT_WARPS][KV_ATT_MAX_DIM];

    const int head = blockIdx.x;
    const int query = blockIdx.y;
    const int warp = threadIdx.x / KV_WARP;
    const int lane = threadIdx.x % KV_WARP;
    const int seq = querySeq[query];
    const int qpos = queryPos[query];
    const int kvHead = head / (nHeads / nKvHeads);

    const float *keys = reinterpret_cast<const float *>(table[seq]);
    const float *values = reinterpret_cast<const float *>(table[nSeq + seq]);
    const int *positions = reinterpret_cast<const int *>(table[2 * nSeq + seq]);
    const int *counts = reinterpret_cast<const int *>(table[3 * nSeq + seq]);
    const int count = min(counts[kvHead], capacity);
    const size_t headBase = (size_t) kvHead * capacity;

    const float *qv = q + ((size_t) query * nHeads + head) * headDim;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) qs[d] = qv[d] * scale;
    __syncthreads();

    float *wrow = weights != nullptr ? weights + ((size_t) query * nHeads + head) * weightStride : nullptr;
    float m = -INFINITY;
    float s = 0.0f;
    float acc[KV_ATT_DIMS_PER_LANE];
#pragma unroll
    for (int i = 0; i < KV_ATT_DIMS_PER_LANE; i++) acc[i] = 0.0f;

    for (int j = warp; j < count; j += KV_ATT_WARPS) {
        const size_t slot = headBase + j;
        if (positions[slot] > qpos) {
            if (wrow != nullptr && lane == 0) wrow[j] = -INFINITY;
            continue;
        }
        const float *k = keys + slot * headDim;
        float dot = 0.0f;
#pragma unroll
        for (int i = 0; i < KV_ATT_DIMS_PER_LANE; i++) {
            const int d = lane + KV_WARP * i;
            if (d < headDim) dot = fmaf(qs[d], k[d], dot);
        }
        const float score = kv_warp_sum(dot);
        if (wrow != nullptr && lane == 0) wrow[j] = score;
        const float mNew = fmaxf(m, score);
        const float correction = expf(m - mNew);
        const float p = expf(score - mNew);
        s = s * correction + p;
        const float *v = values + slot * headDim;
#pragma unroll
        for (int i = 0; i < KV_ATT_DIMS_PER_LANE; i++) {
            const int d = lane + KV_WARP * i;
            if (d < headDim) acc[i] = acc[i] * correction + p * v[d];
        }
        m = mNew;
    }
    if (lane == 0) {
        warpMax[warp] = m;
        warpSum[warp] = s;
    }
#pragma unroll
    for (int i = 0; i < KV_ATT_DIMS_PER_LANE; i++) {
        const int d = lane + KV_WARP * i;
        if (d < headDim) warpAcc[warp][d] = acc[i];
    }
    __syncthreads();

    float gMax = -INFINITY;
#pragma unroll
    for (int w = 0; w < KV_ATT_WARPS; w++) gMax = fmaxf(gMax, warpMax[w]);
    float gSum = 0.0f;
    float factor[KV_ATT_WARPS];
#pragma unroll
    for (int w = 0; w < KV_ATT_WARPS; w++) {
        factor[w] = warpMax[w] == -INFINITY ? 0.0f : expf(warpMax[w] - gMax);
        gSum += warpSum[w] * factor[w];
    }
    const float inv = gSum > 0.0f ? 1.0f / gSum : 0.0f;
    float *o = out + ((size_t) query * nHeads + head) * headDim;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float v = 0.0f;
#pragma unroll
        for (int w = 0; w < KV_ATT_WARPS; w++) v += warpAcc[w][d] * factor[w];
        o[d] = v * inv;
    }
    if (wrow != nullptr) {
        for (int j = threadIdx.x; j < weightStride; j += blockDim.x) {
            wrow[j] = (j < count && gSum > 0.0f) ? expf(wrow[j] - gMax) * inv : 0.0f;
        }
    }
}
