package org.kvscope.model;

/**
 * Hyper-parameters of a decoder-only transformer.
 *
 * @param architecture  llama or qwen2
 * @param dim           model (embedding) width
 * @param ffnDim        feed-forward hidden width
 * @param layers        transformer blocks
 * @param heads         query heads
 * @param kvHeads       key/value heads (grouped-query attention when fewer than heads)
 * @param headDim       width of one head
 * @param vocabSize     vocabulary size
 * @param contextLength trained context length
 * @param rmsEps        RMSNorm epsilon
 * @param ropeTheta     RoPE base frequency
 * @param ropeDim       dimensions of a head that are rotated (usually headDim)
 * @param ropeFrequencyFactors per-pair divisors of the RoPE frequencies (Llama 3.1 scaling), or null
 */
public record ModelConfig(
        Architecture architecture,
        int dim,
        int ffnDim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        int ropeDim,
        float[] ropeFrequencyFactors) {

    public ModelConfig {
        requirePositive("embedding_length", dim);
        requirePositive("feed_forward_length", ffnDim);
        requirePositive("block_count", layers);
        requirePositive("attention.head_count", heads);
        requirePositive("attention.head_count_kv", kvHeads);
        requirePositive("head dimension", headDim);
        requirePositive("vocab size", vocabSize);
        requirePositive("context_length", contextLength);
        if (!(rmsEps > 0 && rmsEps < 1)) {
            throw new UnsupportedModelException("attention.layer_norm_rms_epsilon is " + rmsEps
                    + "; it must be a small positive number (0 < eps < 1, typically 1e-5 or 1e-6)");
        }
        if (!(ropeTheta > 1 && Float.isFinite(ropeTheta))) {
            throw new UnsupportedModelException("rope.freq_base is " + ropeTheta
                    + "; it must be a finite number above 1 (typically 10000 to 1000000)");
        }
        if (heads % kvHeads != 0) {
            throw new UnsupportedModelException("attention.head_count (" + heads
                    + ") must be a multiple of attention.head_count_kv (" + kvHeads + ")");
        }
        if (ropeDim <= 0 || ropeDim > headDim || ropeDim % 2 != 0) {
            throw new UnsupportedModelException("rope.dimension_count " + ropeDim
                    + " must be even and within 2.." + headDim);
        }
        if (ropeFrequencyFactors != null && ropeFrequencyFactors.length != ropeDim / 2) {
            throw new UnsupportedModelException("rope_freqs has " + ropeFrequencyFactors.length
                    + " entries; expected rope dimension / 2 = " + ropeDim / 2);
        }
        if (ropeFrequencyFactors != null) {
            for (float f : ropeFrequencyFactors) {
                if (!(f > 0 && Float.isFinite(f))) {
                    throw new UnsupportedModelException("rope_freqs holds " + f + "; its factors must be finite and positive");
                }
            }
        }
    }

    private static void requirePositive(String what, int value) {
        if (value <= 0) {
            throw new UnsupportedModelException(what + " must be positive, was " + value);
        }
    }

    /** Width of the query projection (heads × headDim). */
    public int qDim() { return heads * headDim; }

    /** Width of the key/value projections (kvHeads × headDim). */
    public int kvDim() { return kvHeads * headDim; }

    /** Query heads per key/value head. */
    public int groupSize() { return heads / kvHeads; }

    /** Bytes of one cached position in one layer (keys and values, float32). */
    public long kvBytesPerTokenPerLayer() { return kvBytesPerTokenPerLayer(d -> (long) d * Float.BYTES); }

    /**
     * Bytes of one cached position in one layer when one kv-head's key (or value) vector of {@code headDim}
     * values takes {@code vectorBytes.applyAsLong(headDim)} bytes: pass {@code KvCacheType::vectorBytes} for a
     * cache type's real bytes (f16 2 per value, Q8_0 34 per 32 values, Q4_0 18 per 32).
     */
    public long kvBytesPerTokenPerLayer(java.util.function.IntToLongFunction vectorBytes) {
        return 2L * kvHeads * vectorBytes.applyAsLong(headDim);
    }
}
