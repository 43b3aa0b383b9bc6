// KV-cache maintenance on the device: appending tokens, attention-based importance scores
// (SnapKV / PyramidKV / H2O), pooling, query-head aggregation, per-kv-head top-k and compaction.
//
// One layer of one sequence's cache: keys and values [kvHeads][capacity][headDim] floats,
// positions [kvHeads][capacity] ints, counts [kvHeads] ints. Slots are kept in ascending position
// order: append adds at the end and compaction keeps the survivors in their order.
#include "kvscope_common.cuh"

// Appends nTokens tokens to every kv head: keys/values from kNew/vNew [nTokens][kvHeads][headDim],
// positions from posNew[nTokens]. Grid = kvHeads. Slots past capacity are dropped (the caller
// compacts before the cache is full); counts[g] never exceeds capacity.
extern "C" __global__ void kv_cache_append(float *keys, float *values, int *positions, int *counts,
                                           const float *kNew, const float *vNew, const int *posNew,
                                           int nTokens, int kvHeads, int headDim, int capacity) {
    const int g = blockIdx.x;
    const int start = counts[g];
    const int n = max(0, min(nTokens, capacity - start));
    for (int e = threadIdx.x; e < n * headDim; e += blockDim.x) {
        const int t = e / headDim;
        const int d = e % headDim;
        const size_t dst = ((size_t) g * capacity + start + t) * headDim + d;
        const size_t src = ((size_t) t * kvHeads + g) * headDim + d;
        keys[dst] = kNew[src];
        values[dst] = vNew[src];
    }
    for (int t = threadIdx.x; t < n; t += blockDim.x) positions[(size_t) g * capacity + start + t] = posNew[t];
    __syncthreads();
    if (threadIdx.x == 0) counts[g] = start + n;
}

// scores[h][j] (+)= sum over queries of weights[query][h][j], for h < nHeads and j < stride.
// With accumulate == 0 the scores are overwritten (SnapKV window sum), otherwise added to (H2O).
extern "C" __global__ void kv_attention_scores(const float *weights, float *scores, int nQueries, int nHeads,
                                               int stride, int accumulate) {
    const long long total = (long long) nHeads * stride;
    for (long long idx = blockIdx.x * (long long) blockDim.x + threadIdx.x; idx < total;
         idx += (long long) gridDim.x * blockDim.x) {
        float s = 0.0f;
        for (int qi = 0; qi < nQueries; qi++) s += weights[(size_t) qi * total + idx];
        scores[idx] = accumulate ? scores[idx] + s : s;
    }
}

// 1-D pooling of each query head's scores along the slots: out[h][j] for j < n, n = counts[h / group].
// mode 0: average over the window j-k/2 .. j+k/2 with zero padding, divided by k (like SnapKV's
// avg_pool1d); mode 1: maximum over the in-range part of the window. out[h][j] = 0 for j >= n.
extern "C" __global__ void kv_pool_scores(const float *in, float *out, const int *counts, int nHeads, int group,
                                          int stride, int kernel, int mode) {
    const long long total = (long long) nHeads * stride;
    const int r = kernel / 2;
    for (long long idx = blockIdx.x * (long long) blockDim.x + threadIdx.x; idx < total;
         idx += (long long) gridDim.x * blockDim.x) {
        const int h = (int) (idx / stride);
        const int j = (int) (idx % stride);
        const int n = counts[h / group];
        if (j >= n) {
            out[idx] = 0.0f;
            continue;
        }
        const float *row = in + (size_t) h * stride;
        const int lo = max(0, j - r);
        const int hi = min(n - 1, j + r);
        float v = mode == 0 ? 0.0f : -INFINITY;
        for (int t = lo; t <= hi; t++) v = mode == 0 ? v + row[t] : fmaxf(v, row[t]);
        out[idx] = mode == 0 ? v / (float) kernel : v;
    }
}

// out[g][j] = mean (mode 0) or max (mode 1) of in[h][j] over the group query heads h of kv head g.
extern "C" __global__ void kv_aggregate_heads(const float *in, float *out, int kvHeads, int group, int stride,
                                              int mode) {
    const long long total = (long long) kvHeads * stride;
    for (long long idx = blockIdx.x * (long long) blockDim.x + threadIdx.x; idx < total;
         idx += (long long) gridDim.x * blockDim.x) {
        const int g = (int) (idx / stride);
        const int j = (int) (idx % stride);
        const float *base = in + (size_t) g * group * stride + j;
        float v = mode == 0 ? 0.0f : -INFINITY;
        for (int t = 0; t < group; t++) v = mode == 0 ? v + base[(size_t) t * stride] : fmaxf(v, base[(size_t) t * stride]);
        out[idx] = mode == 0 ? v / (float) group : v;
    }
}

// Float -> unsigned key with the same order (larger float, larger key).
__device__ __forceinline__ unsigned kv_order_key(float f) {
    const unsigned u = __float_as_uint(f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// Exclusive prefix sum over the block (blockDim a multiple of 32, at most 1024); returns the
// thread's exclusive prefix and writes the block total to *total. `scratch` needs 32 ints.
__device__ __forceinline__ int kv_block_exclusive_scan(int v, int *scratch, int *total) {
    const int lane = threadIdx.x % KV_WARP;
    const int warp = threadIdx.x / KV_WARP;
    const int warps = blockDim.x / KV_WARP;
    int inc = v;
#pragma unroll
    for (int o = 1; o < KV_WARP; o <<= 1) {
        const int n = __shfl_up_sync(KV_FULL_MASK, inc, o);
        if (lane >= o) inc += n;
    }
    __syncthreads();
    if (lane == KV_WARP - 1) scratch[warp] = inc;
    __syncthreads();
    int warpOffset = 0;
    int sum = 0;
    for (int w = 0; w < warps; w++) {
        if (w < warp) warpOffset += scratch[w];
        sum += scratch[w];
    }
    *total = sum;
    return warpOffset + inc - v;
}

// Per kv head g (one block each): keeps the k slots with the highest scores[g][j] among the
// counts[g] slots; the last `protectedTail` slots are always kept (recent window). Ties go to the
// lower slot. keptIdx[g][0..kept) receives the kept slot indices in ascending slot (= position)
// order and keptCount[g] = kept = min(k, counts[g]). Selection is an exact 4-pass radix select.
extern "C" __global__ void __launch_bounds__(256) kv_topk(const float *scores, const int *counts, int stride, int k,
                                                          int protectedTail, int *keptIdx, int *keptCount) {
    __shared__ int hist[256];
    __shared__ int scanScratch[32];
    __shared__ unsigned sharedPrefix;
    __shared__ int sharedRemaining;
    const int g = blockIdx.x;
    const int n = counts[g];
    const float *row = scores + (size_t) g * stride;
    int *dst = keptIdx + (size_t) g * k;
    if (n <= k) {
        for (int j = threadIdx.x; j < n; j += blockDim.x) dst[j] = j;
        if (threadIdx.x == 0) keptCount[g] = n;
        return;
    }
    const int firstProtected = n - protectedTail;
    unsigned prefix = 0;
    unsigned prefixMask = 0;
    int remaining = k;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int i = threadIdx.x; i < 256; i += blockDim.x) hist[i] = 0;
        __syncthreads();
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            const unsigned key = j >= firstProtected ? 0xffffffffu : kv_order_key(row[j]);
            if ((key & prefixMask) == prefix) atomicAdd(&hist[(key >> shift) & 0xffu], 1);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            int above = 0;
            int bin = 255;
            for (; bin > 0; bin--) {
                if (above + hist[bin] >= remaining) break;
                above += hist[bin];
            }
            sharedRemaining = remaining - above;
            sharedPrefix = prefix | ((unsigned) bin << shift);
        }
        __syncthreads();
        prefix = sharedPrefix;
        remaining = sharedRemaining;
        prefixMask |= 0xffu << shift;
    }
    // prefix is now the key of the k-th largest score; take every larger key and the first
    // `remaining` slots whose key equals it.
    int tiesBefore = 0;
    int written = 0;
    for (int base = 0; base < n; base += blockDim.x) {
        const int j = base + threadIdx.x;
        unsigned key = 0;
        if (j < n) key = j >= firstProtected ? 0xffffffffu : kv_order_key(row[j]);
        const int isTie = j < n && key == prefix;
        int tieTotal;
        const int tieRank = tiesBefore + kv_block_exclusive_scan(isTie, scanScratch, &tieTotal);
        const int keep = j < n && (key > prefix || (isTie && tieRank < remaining));
        int keepTotal;
        const int outPos = written + kv_block_exclusive_scan(keep, scanScratch, &keepTotal);
        if (keep) dst[outPos] = j;
        tiesBefore += tieTotal;
        written += keepTotal;
    }
    if (threadIdx.x == 0) keptCount[g] = k;
}

#define KV_COMPACT_STAGE 2048

// Per kv head g (one block each): slot i <- slot keptIdx[g][i] for i < keptCount[g] (keys, values
// and positions), then counts[g] = keptCount[g]. keptIdx rows must ascend (as kv_topk writes them),
// so each staged chunk is read before any slot it came from can be overwritten.
extern "C" __global__ void __launch_bounds__(256) kv_compact(float *keys, float *values, int *positions, int *counts,
                                                             const int *keptIdx, const int *keptCount, int kStride,
                                                             int headDim, int capacity) {
    __shared__ float sk[KV_COMPACT_STAGE];
    __shared__ float sv[KV_COMPACT_STAGE];
    __shared__ int sp[KV_COMPACT_STAGE];
    const int g = blockIdx.x;
    const int n = keptCount[g];
    const int *idx = keptIdx + (size_t) g * kStride;
    const size_t headBase = (size_t) g * capacity;
    const int perChunk = KV_COMPACT_STAGE / headDim;
    for (int c0 = 0; c0 < n; c0 += perChunk) {
        const int cnt = min(perChunk, n - c0);
        for (int e = threadIdx.x; e < cnt * headDim; e += blockDim.x) {
            const size_t src = (headBase + idx[c0 + e / headDim]) * headDim + e % headDim;
            sk[e] = keys[src];
            sv[e] = values[src];
        }
        for (int t = threadIdx.x; t < cnt; t += blockDim.x) sp[t] = positions[headBase + idx[c0 + t]];
        __syncthreads();
        for (int e = threadIdx.x; e < cnt * headDim; e += blockDim.x) {
            const size_t dstIdx = (headBase + c0) * headDim + e;
            keys[dstIdx] = sk[e];
            values[dstIdx] = sv[e];
        }
        for (int t = threadIdx.x; t < cnt; t += blockDim.x) positions[headBase + c0 + t] = sp[t];
        __syncthreads();
    }
    if (threadIdx.x == 0) counts[g] = n;
}
