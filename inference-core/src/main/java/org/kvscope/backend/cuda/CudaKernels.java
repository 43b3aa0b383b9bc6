package org.kvscope.backend.cuda;

import static org.kvscope.backend.cuda.Checks.capacity;
import static org.kvscope.backend.cuda.Checks.floats;
import static org.kvscope.backend.cuda.Checks.positive;

/**
 * Typed launchers for kvscope's CUDA kernels. Every launcher checks shapes and buffer sizes, then
 * queues the kernel on the given stream and returns without waiting. Activations are fp32.
 */
public final class CudaKernels {
    private static final int MATMUL_ROWS_PER_BLOCK = 8;
    private static final int MATMUL_BATCH_TILE = 8;
    private static final int THREADS = 256;

    private final CudaContext context;

    /** Launchers for kernels of this context's module. */
    public CudaKernels(CudaContext context) {
        this.context = context;
    }

    /** The context the kernels run in. */
    public CudaContext context() {
        return context;
    }

    // ---- matrix products ------------------------------------------------------------------

    /** out[rows] = W x[cols] for one token (decode). */
    public void matvec(WeightMatrix w, DeviceBuffer x, DeviceBuffer out, CudaStream stream) {
        matmul(w, x, out, 1, stream);
    }

    /**
     * out[b][rows] = W x[b][cols] for {@code batch} tokens (prefill or batched decode). Batches of
     * three or more use the tiled kernel that reuses each decoded weight for 8 tokens.
     */
    public void matmul(WeightMatrix w, DeviceBuffer x, DeviceBuffer out, int batch, CudaStream stream) {
        positive("batch", batch);
        capacity("x", x.byteSize(), floats((long) batch * w.cols()));
        capacity("out", out.byteSize(), floats((long) batch * w.rows()));
        long gridX = (w.rows() + MATMUL_ROWS_PER_BLOCK - 1) / MATMUL_ROWS_PER_BLOCK;
        String suffix = WeightLayout.kernelSuffix(w.type());
        if (batch <= 2) {
            KernelLaunch.run(stream, "kv_matvec_" + suffix, gridX, batch, THREADS,
                    w.data(), w.rowBytes(), x, out, w.rows(), w.cols(), batch);
        } else {
            KernelLaunch.run(stream, "kv_matmul_" + suffix, gridX, (batch + MATMUL_BATCH_TILE - 1) / MATMUL_BATCH_TILE,
                    THREADS, w.data(), w.rowBytes(), x, out, w.rows(), w.cols(), batch);
        }
    }

    // ---- per-token layer operations -------------------------------------------------------

    /** out[b] = x[b] / rms(x[b]) * weight for {@code batch} rows of {@code dim}; out may be x. */
    public void rmsNorm(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer out, int batch, int dim, float eps,
                        CudaStream stream) {
        positive("batch", batch);
        positive("dim", dim);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("rmsNorm eps must be positive, got " + eps);
        }
        capacity("x", x.byteSize(), floats((long) batch * dim));
        capacity("out", out.byteSize(), floats((long) batch * dim));
        capacity("weight", weight.byteSize(), floats(dim));
        KernelLaunch.run(stream, "kv_rmsnorm", batch, 1, THREADS, x, weight, out, dim, eps);
    }

    /**
     * Rotates vec[batch][heads][headDim] in place; token b is at positions[b] (int). Pair i of the
     * first rotDim dimensions turns with frequency theta^(-2i/rotDim) / freqFactors[i]; freqFactors
     * (rotDim/2 floats, e.g. llama3 scaling) may be null.
     */
    public void rope(DeviceBuffer vec, DeviceBuffer positions, int batch, int heads, int headDim, int rotDim,
                     RopePairing pairing, float theta, DeviceBuffer freqFactors, CudaStream stream) {
        if (!(theta > 0)) {
            throw new IllegalArgumentException("rope theta must be positive, got " + theta);
        }
        checkRope(vec, positions, batch, heads, headDim, rotDim, freqFactors, "freqFactors");
        launchRope(vec, positions, batch, heads, headDim, rotDim, pairing, theta, freqFactors, null, stream);
    }

    /** Like {@link #rope} with precomputed inverse frequencies (rotDim/2 floats) for each pair. */
    public void ropeWithInverseFrequencies(DeviceBuffer vec, DeviceBuffer positions, int batch, int heads, int headDim,
                                           int rotDim, RopePairing pairing, DeviceBuffer inverseFrequencies,
                                           CudaStream stream) {
        if (inverseFrequencies == null) {
            throw new IllegalArgumentException("inverseFrequencies must not be null");
        }
        checkRope(vec, positions, batch, heads, headDim, rotDim, inverseFrequencies, "inverseFrequencies");
        launchRope(vec, positions, batch, heads, headDim, rotDim, pairing, 1f, null, inverseFrequencies, stream);
    }

    private static void checkRope(DeviceBuffer vec, DeviceBuffer positions, int batch, int heads, int headDim,
                                  int rotDim, DeviceBuffer perPair, String perPairName) {
        positive("batch", batch);
        positive("heads", heads);
        positive("headDim", headDim);
        positive("rotDim", rotDim);
        if (rotDim % 2 != 0 || rotDim > headDim) {
            throw new IllegalArgumentException("rotDim must be even and <= headDim " + headDim + ", got " + rotDim);
        }
        capacity("vec", vec.byteSize(), floats((long) batch * heads * headDim));
        capacity("positions", positions.byteSize(), floats(batch));
        if (perPair != null) {
            capacity(perPairName, perPair.byteSize(), floats(rotDim / 2));
        }
    }

    private void launchRope(DeviceBuffer vec, DeviceBuffer positions, int batch, int heads, int headDim, int rotDim,
                            RopePairing pairing, float theta, DeviceBuffer factors, DeviceBuffer inverse,
                            CudaStream stream) {
        long total = (long) batch * heads * (rotDim / 2);
        KernelLaunch.run(stream, "kv_rope", KernelLaunch.strideBlocks(total, THREADS), 1, THREADS, vec, positions,
                batch, heads, headDim, rotDim, theta, factors, inverse, pairing == RopePairing.NEOX ? 1 : 0);
    }

    /** out[i] = silu(gate[i]) * up[i] for n elements; out may alias gate or up. */
    public void swiglu(DeviceBuffer gate, DeviceBuffer up, DeviceBuffer out, long n, CudaStream stream) {
        elementwise("kv_swiglu", gate, up, out, n, stream);
    }

    /** out[i] = a[i] + b[i] for n elements (residual add); out may alias a or b. */
    public void add(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, long n, CudaStream stream) {
        elementwise("kv_add", a, b, out, n, stream);
    }

    private static void elementwise(String kernel, DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, long n,
                                    CudaStream stream) {
        positive("n", n);
        capacity("first input", a.byteSize(), floats(n));
        capacity("second input", b.byteSize(), floats(n));
        capacity("out", out.byteSize(), floats(n));
        KernelLaunch.run(stream, kernel, KernelLaunch.strideBlocks(n, THREADS), 1, THREADS, a, b, out, n);
    }

    /** Softmax in place over each of {@code rows} rows of {@code len} floats. */
    public void softmax(DeviceBuffer x, int rows, int len, CudaStream stream) {
        positive("rows", rows);
        positive("len", len);
        capacity("x", x.byteSize(), floats((long) rows * len));
        KernelLaunch.run(stream, "kv_softmax", rows, 1, THREADS, x, len);
    }

    // ---- KV cache and attention -------------------------------------------------------------

    /**
     * Appends nTokens tokens to every kv head of the cache: keys/values from [nTokens][kvHeads][headDim]
     * floats, positions from nTokens ints. Slots beyond the capacity are dropped, so compact first
     * when count + nTokens could exceed it.
     */
    public void append(KvCacheLayer cache, DeviceBuffer newKeys, DeviceBuffer newValues, DeviceBuffer newPositions,
                       int nTokens, CudaStream stream) {
        positive("nTokens", nTokens);
        long elements = (long) nTokens * cache.kvHeads() * cache.headDim();
        capacity("newKeys", newKeys.byteSize(), floats(elements));
        capacity("newValues", newValues.byteSize(), floats(elements));
        capacity("newPositions", newPositions.byteSize(), floats(nTokens));
        KernelLaunch.run(stream, "kv_cache_append", cache.kvHeads(), 1, THREADS, cache.keys(), cache.values(),
                cache.positions(), cache.counts(), newKeys, newValues, newPositions, nTokens, cache.kvHeads(),
                cache.headDim(), cache.capacity());
    }

    /**
     * Attention of queries over compressed caches. Query i (of {@code queries.count()}) belongs to
     * sequence {@code sequence[i]} of the table and sits at {@code position[i]}; it sees only slots at
     * positions <= its own. out receives [count][heads][headDim]. When {@code weights} is not null it
     * receives the attention weights [count][heads][weightStride] (zero past each kv head's count and
     * for masked slots); weightStride must be at least the table's capacity.
     */
    public void attention(AttentionQueries queries, KvCacheTable caches, float scale, DeviceBuffer out,
                          DeviceBuffer weights, int weightStride, CudaStream stream) {
        int heads = queries.heads();
        if (heads % caches.kvHeads() != 0) {
            throw new IllegalArgumentException("query heads " + heads + " must be a multiple of kv heads " + caches.kvHeads());
        }
        capacity("queries", queries.q().byteSize(), floats((long) queries.count() * heads * caches.headDim()));
        capacity("out", out.byteSize(), floats((long) queries.count() * heads * caches.headDim()));
        if (queries.count() > KernelLaunch.MAX_GRID_Y) {
            throw new IllegalArgumentException("at most " + KernelLaunch.MAX_GRID_Y + " queries per launch, got " + queries.count());
        }
        if (weights != null) {
            if (weightStride < caches.capacity()) {
                throw new IllegalArgumentException("weightStride " + weightStride + " must be >= cache capacity " + caches.capacity());
            }
            capacity("weights", weights.byteSize(), floats((long) queries.count() * heads * weightStride));
        }
        KernelLaunch.run(stream, "kv_attention", heads, queries.count(), THREADS, queries.q(), queries.sequence(),
                queries.position(), caches.table(), caches.size(), heads, caches.kvHeads(), caches.headDim(),
                caches.capacity(), scale, out, weights, weights == null ? 0 : weightStride);
    }

    /**
     * Importance scores from attention weights: scores[h][j] = sum over the nQueries queries of
     * weights[q][h][j] (stride floats per head). With {@code accumulate} the sum is added to the
     * existing scores (H2O's running total), otherwise it replaces them (SnapKV's observation window).
     */
    public void attentionScores(DeviceBuffer weights, int nQueries, int heads, int stride, DeviceBuffer scores,
                                boolean accumulate, CudaStream stream) {
        positive("nQueries", nQueries);
        positive("heads", heads);
        positive("stride", stride);
        long perQuery = (long) heads * stride;
        capacity("weights", weights.byteSize(), floats(nQueries * perQuery));
        capacity("scores", scores.byteSize(), floats(perQuery));
        KernelLaunch.run(stream, "kv_attention_scores", KernelLaunch.strideBlocks(perQuery, THREADS), 1, THREADS,
                weights, scores, nQueries, heads, stride, accumulate ? 1 : 0);
    }

    /**
     * 1-D pooling of each query head's scores [heads][stride] along the slots into out (not in place).
     * Head h covers counts[h / (heads / kvHeads)] slots; outputs past that count are zero.
     * {@code kernel} must be odd.
     */
    public void poolScores(DeviceBuffer in, DeviceBuffer out, DeviceBuffer counts, int heads, int kvHeads, int stride,
                           int kernel, PoolMode mode, CudaStream stream) {
        checkHeads(heads, kvHeads);
        positive("stride", stride);
        if (kernel < 1 || kernel % 2 == 0) {
            throw new IllegalArgumentException("pooling kernel size must be odd and >= 1, got " + kernel);
        }
        long total = (long) heads * stride;
        capacity("in", in.byteSize(), floats(total));
        capacity("out", out.byteSize(), floats(total));
        capacity("counts", counts.byteSize(), floats(kvHeads));
        KernelLaunch.run(stream, "kv_pool_scores", KernelLaunch.strideBlocks(total, THREADS), 1, THREADS, in, out,
                counts, heads, heads / kvHeads, stride, kernel, mode == PoolMode.AVG ? 0 : 1);
    }

    /** out[g][j] = mean or max of in[h][j] over the query heads h of kv head g ([heads][stride] -> [kvHeads][stride]). */
    public void aggregateHeads(DeviceBuffer in, DeviceBuffer out, int heads, int kvHeads, int stride,
                               HeadAggregation mode, CudaStream stream) {
        checkHeads(heads, kvHeads);
        positive("stride", stride);
        capacity("in", in.byteSize(), floats((long) heads * stride));
        capacity("out", out.byteSize(), floats((long) kvHeads * stride));
        long total = (long) kvHeads * stride;
        KernelLaunch.run(stream, "kv_aggregate_heads", KernelLaunch.strideBlocks(total, THREADS), 1, THREADS, in, out,
                kvHeads, heads / kvHeads, stride, mode == HeadAggregation.MEAN ? 0 : 1);
    }

    /**
     * Per kv head g, keeps the k highest of scores[g][0..counts[g]) (ties: lower slot first); the last
     * {@code protectedTail} slots are always kept. keptIdx[g][0..keptCount[g]) receives the kept slots
     * in ascending order; keptCount[g] = min(k, counts[g]). keptIdx has k ints per kv head.
     */
    public void topK(DeviceBuffer scores, DeviceBuffer counts, int kvHeads, int stride, int k, int protectedTail,
                     DeviceBuffer keptIdx, DeviceBuffer keptCount, CudaStream stream) {
        positive("kvHeads", kvHeads);
        positive("stride", stride);
        positive("k", k);
        Checks.nonNegative("protectedTail", protectedTail);
        if (protectedTail > k) {
            throw new IllegalArgumentException("protectedTail " + protectedTail + " must be <= k " + k);
        }
        capacity("scores", scores.byteSize(), floats((long) kvHeads * stride));
        capacity("counts", counts.byteSize(), floats(kvHeads));
        capacity("keptIdx", keptIdx.byteSize(), floats((long) kvHeads * k));
        capacity("keptCount", keptCount.byteSize(), floats(kvHeads));
        KernelLaunch.run(stream, "kv_topk", kvHeads, 1, THREADS, scores, counts, stride, k, protectedTail, keptIdx,
                keptCount);
    }

    /**
     * Keeps only the selected slots of every kv head: slot i takes slot keptIdx[g][i] (keys, values,
     * positions) for i < keptCount[g], and the count becomes keptCount[g]. keptIdx rows (kStride ints
     * each) must ascend, as {@link #topK} writes them.
     */
    public void compact(KvCacheLayer cache, DeviceBuffer keptIdx, DeviceBuffer keptCount, int kStride,
                        CudaStream stream) {
        positive("kStride", kStride);
        Checks.atMost("kStride", kStride, cache.capacity());
        capacity("keptIdx", keptIdx.byteSize(), floats((long) cache.kvHeads() * kStride));
        capacity("keptCount", keptCount.byteSize(), floats(cache.kvHeads()));
        KernelLaunch.run(stream, "kv_compact", cache.kvHeads(), 1, THREADS, cache.keys(), cache.values(),
                cache.positions(), cache.counts(), keptIdx, keptCount, kStride, cache.headDim(), cache.capacity());
    }

    private static void checkHeads(int heads, int kvHeads) {
        positive("heads", heads);
        positive("kvHeads", kvHeads);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("query heads " + heads + " must be a multiple of kv heads " + kvHeads);
        }
    }
}
