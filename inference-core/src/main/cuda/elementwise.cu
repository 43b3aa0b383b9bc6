// Per-token operations of a transformer layer: RMS norm, rotary embedding, SwiGLU, residual add, softmax.
#include "kvscope_common.cuh"

// out[b][i] = x[b][i] / sqrt(mean_i(x[b]^2) + eps) * weight[i]. One block per row; in place allowed.
extern "C" __global__ void kv_rmsnorm(const float *x, const float *weight, float *out, int dim, float eps) {
    __shared__ float scratch[32];
    const float *row = x + (size_t) blockIdx.x * dim;
    float *dst = out + (size_t) blockIdx.x * dim;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) ss = fmaf(row[i], row[i], ss);
    ss = kv_block_sum(ss, scratch);
    const float scale = rsqrtf(ss / (float) dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) dst[i] = row[i] * scale * weight[i];
}

// Rotary position embedding in place on vec[batch][heads][headDim]; token b sits at positions[b].
// Pair i (0 <= i < rotDim/2) turns by angle pos * f_i where f_i = invFreq[i] when invFreq is given,
// else theta^(-2i/rotDim) / freqFactors[i] (factors optional, e.g. llama3 rope scaling). Frequency,
// angle and sine/cosine are computed in double precision (cheap here, exact for long contexts).
// neox == 0: pairs (2i, 2i+1) ("norm" layout of llama GGUFs); neox != 0: pairs (i, i + rotDim/2)
// (qwen2). Dimensions past rotDim are left alone.
extern "C" __global__ void kv_rope(float *vec, const int *positions, int batch, int heads, int headDim, int rotDim,
                                   float theta, const float *freqFactors, const float *invFreq, int neox) {
    const int half = rotDim / 2;
    const long long total = (long long) batch * heads * half;
    for (long long idx = blockIdx.x * (long long) blockDim.x + threadIdx.x; idx < total;
         idx += (long long) gridDim.x * blockDim.x) {
        const int i = (int) (idx % half);
        const long long bh = idx / half;
        const int b = (int) (bh / heads);
        double freq;
        if (invFreq != nullptr) {
            freq = invFreq[i];
        } else {
            freq = pow((double) theta, -2.0 * i / rotDim);
            if (freqFactors != nullptr) freq /= freqFactors[i];
        }
        double sd, cd;
        sincos((double) positions[b] * freq, &sd, &cd);
        const float s = (float) sd, c = (float) cd;
        float *v = vec + bh * headDim;
        const int i0 = neox ? i : 2 * i;
        const int i1 = neox ? i + half : 2 * i + 1;
        const float a = v[i0], bval = v[i1];
        v[i0] = a * c - bval * s;
        v[i1] = a * s + bval * c;
    }
}

// out[i] = silu(gate[i]) * up[i]; out may alias gate or up.
extern "C" __global__ void kv_swiglu(const float *gate, const float *up, float *out, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

// out[i] = a[i] + b[i] (residual connection); out may alias a or b.
extern "C" __global__ void kv_add(const float *a, const float *b, float *out, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        out[i] = a[i] + b[i];
    }
}

// Softmax in place over each row of x[rows][len]; one block per row.
extern "C" __global__ void kv_softmax(float *x, int len) {
    __shared__ float scratch[32];
    float *row = x + (size_t) blockIdx.x * len;
    float m = -INFINITY;
    for (int i = threadIdx.x; i < len; i += blockDim.x) m = fmaxf(m, row[i]);
    m = kv_block_max(m, scratch);
    float s = 0.0f;
    for (int i = threadIdx.x; i < len; i += blockDim.x) {
        const float e = expf(row[i] - m);
        row[i] = e;
        s += e;
    }
    s = kv_block_sum(s, scratch);
    const float inv = 1.0f / s;
    for (int i = threadIdx.x; i < len; i += blockDim.x) row[i] *= inv;
}
