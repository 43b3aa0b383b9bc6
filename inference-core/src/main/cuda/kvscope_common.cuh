// Shared helpers for kvscope's CUDA kernels: number formats, warp and block reductions.
#pragma once
#include <cuda_fp16.h>
#include <stdint.h>

#define KV_WARP 32
#define KV_FULL_MASK 0xffffffffu

// IEEE half stored as raw bits -> float.
__device__ __forceinline__ float kv_half_to_float(uint16_t bits) {
    return __half2float(__ushort_as_half(bits));
}

// bfloat16 raw bits -> float (bf16 is the high half of an IEEE float).
__device__ __forceinline__ float kv_bf16_to_float(uint16_t bits) {
    return __uint_as_float(((uint32_t) bits) << 16);
}

// Unaligned-safe little-endian 16-bit load from a byte pointer that is at least 2-byte aligned.
__device__ __forceinline__ uint16_t kv_load_u16(const uint8_t *p) {
    return *reinterpret_cast<const uint16_t *>(p);
}

__device__ __forceinline__ float kv_warp_sum(float v) {
#pragma unroll
    for (int o = KV_WARP / 2; o > 0; o >>= 1) {
        v += __shfl_xor_sync(KV_FULL_MASK, v, o);
    }
    return v;
}

__device__ __forceinline__ float kv_warp_max(float v) {
#pragma unroll
    for (int o = KV_WARP / 2; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(KV_FULL_MASK, v, o));
    }
    return v;
}

// Sum over the whole block; every thread gets the result. `scratch` needs 32 floats.
__device__ __forceinline__ float kv_block_sum(float v, float *scratch) {
    const int lane = threadIdx.x % KV_WARP;
    const int warp = threadIdx.x / KV_WARP;
    const int warps = (blockDim.x + KV_WARP - 1) / KV_WARP;
    v = kv_warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float total = lane < warps ? scratch[lane] : 0.0f;
    total = kv_warp_sum(total);
    return total;
}

// Max over the whole block; every thread gets the result. `scratch` needs 32 floats.
__device__ __forceinline__ float kv_block_max(float v, float *scratch) {
    const int lane = threadIdx.x % KV_WARP;
    const int warp = threadIdx.x / KV_WARP;
    const int warps = (blockDim.x + KV_WARP - 1) / KV_WARP;
    v = kv_warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float total = lane < warps ? scratch[lane] : -INFINITY;
    total = kv_warp_max(total);
    return total;
}
