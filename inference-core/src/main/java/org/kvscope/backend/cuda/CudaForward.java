package org.kvscope.backend.cuda;

import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.RopeFrequencies;
import org.kvscope.model.RopeLayout;
import org.kvscope.tensor.FloatTensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The transformer forward pass on a CUDA device, with the same arithmetic as the CPU engine: weights
 * in their raw GGUF layout, fp32 activations, and a full (uncompressed) device KV cache of
 * {@code contextLength} positions per layer. A prefill chunk runs through the batched matmul kernels
 * with causal attention; a single token runs through matrix-vector kernels.
 *
 * <p>Not thread-safe: one instance per session. Close it to free all device memory it holds (the
 * context stays open and belongs to the caller).
 */
public final class CudaForward implements AutoCloseable {
    private final CudaContext context;
    private final CudaKernels kernels;
    private final CudaStream stream;
    private final ModelConfig c;
    private final FloatTensor tokenEmbedding;
    private final CudaModelWeights weights;
    private final List<KvCacheLayer> caches = new ArrayList<>();
    private final List<KvCacheTable> tables = new ArrayList<>();
    private final DeviceBuffer inverseFrequencies;
    private final RopePairing pairing;
    private final float attentionScale;
    private final int contextLength;
    private Scratch scratch;
    private int position;
    private boolean closed;

    /**
     * Uploads the weights of {@code model} and allocates a KV cache for {@code contextLength} positions.
     *
     * @throws IllegalArgumentException when a matrix has a type the kernels cannot read, the head
     *                                  dimension exceeds {@link KvCacheLayer#MAX_HEAD_DIM}, or the context is not positive
     * @throws CudaOutOfMemoryException when weights and cache do not fit on the device
     */
    public CudaForward(CudaContext context, Model model, int contextLength) {
        this.c = model.config();
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        }
        if (c.headDim() > KvCacheLayer.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("head dimension " + c.headDim() + " exceeds the CUDA attention limit of "
                    + KvCacheLayer.MAX_HEAD_DIM);
        }
        this.context = context;
        this.kernels = new CudaKernels(context);
        this.stream = context.defaultStream();
        this.tokenEmbedding = model.weights().tokenEmbedding();
        this.contextLength = contextLength;
        this.attentionScale = (float) (1.0 / Math.sqrt(c.headDim()));
        this.pairing = c.architecture().ropeLayout() == RopeLayout.NEOX ? RopePairing.NEOX : RopePairing.INTERLEAVED;
        this.weights = new CudaModelWeights(context, model);
        DeviceBuffer inv = null;
        try {
            inv = context.upload(RopeFrequencies.inverseFrequencies(c));
            for (int l = 0; l < c.layers(); l++) {
                KvCacheLayer cache = KvCacheLayer.allocate(context, c.kvHeads(), contextLength, c.headDim());
                caches.add(cache);
                tables.add(KvCacheTable.of(context, List.of(cache)));
            }
        } catch (RuntimeException e) {
            if (inv != null) inv.close();
            freeCaches();
            weights.close();
            throw e;
        }
        this.inverseFrequencies = inv;
    }

    /** The model configuration. */
    public ModelConfig config() {
        return c;
    }

    /** Positions the KV cache can hold. */
    public int contextLength() {
        return contextLength;
    }

    /** Tokens currently in the KV cache (the position of the next token). */
    public int position() {
        return position;
    }

    /** Bytes of weight matrices read per decoded token (every matrix once, including the output head). */
    public long weightBytesPerToken() {
        return weights.matrixBytes();
    }

    /**
     * Names of weight matrices held as dequantized F32 because the kernels cannot read their raw layout
     * (for example Q8_0 rows whose length is not a multiple of 32); empty for typical models.
     */
    public List<String> dequantizedTensors() {
        return weights.dequantizedTensors();
    }

    /** Empties the KV cache so that the next forward starts at position 0. */
    public void reset() {
        checkOpen();
        for (KvCacheLayer cache : caches) {
            cache.counts().fillZero();
        }
        position = 0;
    }

    /**
     * Runs {@code tokens[offset..offset+n)} at positions {@code startPosition...}, appends their keys and
     * values to the cache, and returns the logits of the last token (a fresh array of vocabulary size).
     *
     * @throws IllegalArgumentException when startPosition is not the cache's current position, the
     *                                  positions exceed the context, or a token is outside the vocabulary
     */
    public float[] forward(int[] tokens, int offset, int n, int startPosition) {
        checkOpen();
        if (n <= 0) {
            throw new IllegalArgumentException("need at least one token, got " + n);
        }
        if (offset < 0 || offset + n > tokens.length) {
            throw new IllegalArgumentException("tokens " + offset + ".." + (offset + n - 1) + " outside the array of "
                    + tokens.length);
        }
        if (startPosition != position) {
            throw new IllegalArgumentException("startPosition " + startPosition + " must equal the cached token count "
                    + position + " (the GPU cache is append-only; call reset() to start over)");
        }
        if (startPosition + n > contextLength) {
            throw new IllegalArgumentException("positions " + startPosition + ".." + (startPosition + n - 1)
                    + " exceed the context of " + contextLength + " tokens");
        }
        if (n > KernelLaunch.MAX_GRID_Y) {
            throw new IllegalArgumentException("at most " + KernelLaunch.MAX_GRID_Y + " tokens per call, got " + n);
        }
        Scratch s = scratch(n);
        int dim = c.dim();
        float[] embedded = new float[n * dim];
        int[] positions = new int[n];
        for (int t = 0; t < n; t++) {
            int token = tokens[offset + t];
            if (token < 0 || token >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " outside vocabulary 0.." + (c.vocabSize() - 1));
            }
            tokenEmbedding.dequantize((long) token * dim, embedded, t * dim, dim);
            positions[t] = startPosition + t;
        }
        s.x.copyFrom(embedded);
        s.positions.copyFrom(positions);
        AttentionQueries queries = new AttentionQueries(s.q, n, c.heads(), s.sequence, s.positions);
        for (int l = 0; l < c.layers(); l++) {
            layer(l, n, queries, s);
        }
        position = startPosition + n;
        DeviceBuffer last = s.x.slice(4L * (n - 1) * dim, 4L * dim);
        kernels.rmsNorm(last, weights.outputNorm(), s.xb, 1, dim, c.rmsEps(), stream);
        kernels.matvec(weights.output(), s.xb, s.logits, stream);
        return s.logits.toFloats(c.vocabSize());
    }

    private void layer(int l, int n, AttentionQueries queries, Scratch s) {
        CudaModelWeights.Layer w = weights.layer(l);
        int dim = c.dim(), qDim = c.qDim(), kvDim = c.kvDim(), ffn = c.ffnDim(), hd = c.headDim();
        float eps = c.rmsEps();
        kernels.rmsNorm(s.x, w.attnNorm(), s.xb, n, dim, eps, stream);
        kernels.matmul(w.wq(), s.xb, s.q, n, stream);
        kernels.matmul(w.wk(), s.xb, s.k, n, stream);
        kernels.matmul(w.wv(), s.xb, s.v, n, stream);
        addBias(s.q, w.bq(), n, qDim);
        addBias(s.k, w.bk(), n, kvDim);
        addBias(s.v, w.bv(), n, kvDim);
        kernels.ropeWithInverseFrequencies(s.q, s.positions, n, c.heads(), hd, c.ropeDim(), pairing,
                inverseFrequencies, stream);
        kernels.ropeWithInverseFrequencies(s.k, s.positions, n, c.kvHeads(), hd, c.ropeDim(), pairing,
                inverseFrequencies, stream);
        kernels.append(caches.get(l), s.k, s.v, s.positions, n, stream);
        kernels.attention(queries, tables.get(l), attentionScale, s.att, null, 0, stream);
        kernels.matmul(w.wo(), s.att, s.xb, n, stream);
        kernels.add(s.x, s.xb, s.x, (long) n * dim, stream);
        kernels.rmsNorm(s.x, w.ffnNorm(), s.xb, n, dim, eps, stream);
        kernels.matmul(w.gate(), s.xb, s.hb, n, stream);
        kernels.matmul(w.up(), s.xb, s.hb2, n, stream);
        kernels.swiglu(s.hb, s.hb2, s.hb, (long) n * ffn, stream);
        kernels.matmul(w.down(), s.hb, s.xb, n, stream);
        kernels.add(s.x, s.xb, s.x, (long) n * dim, stream);
    }

    /** Adds a per-row bias to each of n rows of width (one launch per row; rows are few in decode). */
    private void addBias(DeviceBuffer rows, DeviceBuffer bias, int n, int width) {
        if (bias == null) {
            return;
        }
        for (int t = 0; t < n; t++) {
            DeviceBuffer row = rows.slice(4L * t * width, 4L * width);
            kernels.add(row, bias, row, width, stream);
        }
    }

    private Scratch scratch(int n) {
        if (scratch == null || scratch.batch < n) {
            if (scratch != null) {
                scratch.close();
                scratch = null;
            }
            scratch = new Scratch(context, c, Math.max(n, 1));
        }
        return scratch;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CudaForward is closed");
        }
    }

    private void freeCaches() {
        for (KvCacheTable t : tables) t.close();
        for (KvCacheLayer cache : caches) cache.close();
        tables.clear();
        caches.clear();
    }

    /** Frees the weights, the KV cache and the scratch buffers (not the context). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        context.synchronize();
        if (scratch != null) scratch.close();
        freeCaches();
        inverseFrequencies.close();
        weights.close();
    }

    /** Device activations for batches of up to {@code batch} tokens. */
    private static final class Scratch implements AutoCloseable {
        final int batch;
        final DeviceBuffer x, xb, q, k, v, att, hb, hb2, logits, positions, sequence;
        private final List<DeviceBuffer> all = new ArrayList<>();

        Scratch(CudaContext context, ModelConfig c, int batch) {
            this.batch = batch;
            try {
                x = alloc(context, (long) batch * c.dim());
                xb = alloc(context, (long) batch * Math.max(c.dim(), c.qDim()));
                q = alloc(context, (long) batch * c.qDim());
                k = alloc(context, (long) batch * c.kvDim());
                v = alloc(context, (long) batch * c.kvDim());
                att = alloc(context, (long) batch * c.qDim());
                hb = alloc(context, (long) batch * c.ffnDim());
                hb2 = alloc(context, (long) batch * c.ffnDim());
                logits = alloc(context, c.vocabSize());
                positions = alloc(context, batch);
                sequence = alloc(context, batch);
                sequence.fillZero();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private DeviceBuffer alloc(CudaContext context, long floats) {
            DeviceBuffer b = context.allocate(4L * floats);
            all.add(b);
            return b;
        }

        @Override
        public void close() {
            for (DeviceBuffer b : all) b.close();
            all.clear();
        }
    }
}
