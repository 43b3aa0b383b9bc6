package org.kvscope.backend.cuda;

import org.kvscope.backend.ForwardBackend;
import org.kvscope.backend.LogitsSink;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PrefillPruner;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.RopeFrequencies;
import org.kvscope.model.RopeLayout;
import org.kvscope.tensor.FloatTensor;

import org.kvscope.trace.AttentionObserver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The transformer forward pass on a CUDA device, with the same arithmetic as the CPU engine: weights
 * in their raw GGUF layout, fp32 activations, and a device KV cache of {@code contextLength} slots
 * per (layer, kv-head) that policies compact. A prefill chunk runs through the batched matmul
 * kernels with causal attention; a single token runs through matrix-vector kernels.
 *
 * <p>As a {@link ForwardBackend}: the slot positions and counts are mirrored on the host (they are
 * known without reading the device), so policies read them for free. Attention rows for an
 * observer come from the attention kernel's weights output, copied to the host once per layer
 * and reported in slot order (only when an observer is attached). Compaction to kept positions
 * runs the {@code kv_compact} kernel once per changed layer. PyramidInfer's row pruning gathers
 * the surviving rows' hidden states on the host between layers (once per layer of a prefill).
 *
 * <p>Not thread-safe: one instance per session. Close it to free all device memory it holds (the
 * context, and weights shared through {@link CudaBackend}, stay open and belong to the caller).
 */
public final class CudaForward implements ForwardBackend {
    private final CudaContext context;
    private final CudaKernels kernels;
    private final CudaStream stream;
    private final ModelConfig c;
    private final FloatTensor tokenEmbedding;
    private final CudaModelWeights weights;
    private final boolean ownsWeights;
    /** Host mirror of the device cache: slot positions [layer * kvHeads + kvHead][slot] and counts. */
    private final int[][] slotPositions;
    private final int[] slotCounts;
    private final MirroredCache cacheView = new MirroredCache();
    private final List<KvCacheLayer> caches = new ArrayList<>();
    private final List<KvCacheTable> tables = new ArrayList<>();
    private final DeviceBuffer inverseFrequencies;
    private final RopePairing pairing;
    /** Rows per output-head launch when every row's logits are wanted. */
    private static final int LOGIT_ROWS = 16;
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
        this(context, model, null, contextLength);
    }

    /**
     * Like {@link #CudaForward(CudaContext, Model, int)} over weights already on the device (not
     * freed by {@link #close()}); null uploads and owns them.
     */
    CudaForward(CudaContext context, Model model, CudaModelWeights shared, int contextLength) {
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
        this.ownsWeights = shared == null;
        this.weights = shared != null ? shared : new CudaModelWeights(context, model);
        this.slotPositions = new int[c.layers() * c.kvHeads()][contextLength];
        this.slotCounts = new int[c.layers() * c.kvHeads()];
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
            if (ownsWeights) {
                weights.close();
            }
            throw e;
        }
        this.inverseFrequencies = inv;
    }

    /** The model configuration. */
    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public String description() {
        return context.device().describe();
    }

    @Override
    public KvCache cache() {
        return cacheView;
    }

    /** Positions the KV cache can hold. */
    public int contextLength() {
        return contextLength;
    }

    /** The position after the last token run (0 after {@link #reset()}); compaction does not move it. */
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
    @Override
    public void reset() {
        checkOpen();
        for (KvCacheLayer cache : caches) {
            cache.counts().fillZero();
        }
        Arrays.fill(slotCounts, 0);
        position = 0;
    }

    /**
     * Runs {@code tokens[offset..offset+n)} at positions {@code startPosition...}, appends their keys and
     * values to the cache, and returns the logits of the last token (a fresh array of vocabulary size).
     *
     * @throws IllegalArgumentException when startPosition does not come after every cached position, the
     *                                  positions exceed the context, or a token is outside the vocabulary
     */
    public float[] forward(int[] tokens, int offset, int n, int startPosition) {
        float[] logits = new float[c.vocabSize()];
        forward(tokens, offset, n, startPosition, null, null, false,
                (row, values, o) -> System.arraycopy(values, o, logits, 0, logits.length));
        return logits;
    }

    @Override
    public void forward(int[] tokens, int offset, int n, int startPosition, AttentionObserver observer,
                        PrefillPruner pruner, boolean allRows, LogitsSink sink) {
        checkOpen();
        if (n <= 0) {
            throw new IllegalArgumentException("need at least one token, got " + n);
        }
        if (offset < 0 || offset + n > tokens.length) {
            throw new IllegalArgumentException("tokens " + offset + ".." + (offset + n - 1) + " outside the array of "
                    + tokens.length);
        }
        int last = lastCachedPosition();
        if (startPosition <= last) {
            throw new IllegalArgumentException("startPosition " + startPosition + " must come after the last cached position "
                    + last + " (keep fewer positions or call reset() to start over)");
        }
        if (startPosition + n > contextLength) {
            throw new IllegalArgumentException("positions " + startPosition + ".." + (startPosition + n - 1)
                    + " exceed the session's context of " + contextLength + " tokens");
        }
        if (n > KernelLaunch.MAX_GRID_Y) {
            throw new IllegalArgumentException("at most " + KernelLaunch.MAX_GRID_Y + " tokens per call, got " + n);
        }
        if (observer != null && (long) n * c.heads() * contextLength > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("attention rows of " + n + " queries x " + c.heads() + " heads x "
                    + contextLength + " slots are too many to report at once; run the prompt in smaller chunks");
        }
        int dim = c.dim();
        int[] rowPositions = new int[n];
        int[] rows = new int[n];
        for (int t = 0; t < n; t++) {
            int token = tokens[offset + t];
            if (token < 0 || token >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " outside vocabulary 0.." + (c.vocabSize() - 1));
            }
            rowPositions[t] = startPosition + t;
            rows[t] = t;
        }
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                if (slotCounts[l * c.kvHeads() + h] + n > contextLength) {
                    throw new IllegalStateException("KV cache full: layer " + l + " kv-head " + h + " holds "
                            + slotCounts[l * c.kvHeads() + h] + " of " + contextLength + " slots");
                }
            }
        }
        Scratch s = scratch(n);
        float[] embedded = s.hostX;
        for (int t = 0; t < n; t++) {
            tokenEmbedding.dequantize((long) tokens[offset + t] * dim, embedded, t * dim, dim);
        }
        s.x.copyFrom(embedded, n * dim);
        s.positions.copyFrom(rowPositions, n);
        if (observer != null) {
            observer.onForwardStart(startPosition, n);
        }
        int live = n;
        AttentionQueries queries = new AttentionQueries(s.q, live, c.heads(), s.sequence, s.positions);
        for (int l = 0; l < c.layers(); l++) {
            layer(l, live, rowPositions, queries, observer, s);
            if (pruner != null && l + 1 < c.layers()) {
                int[] keep = pruner.rowsForNextLayer(l, Arrays.copyOf(rowPositions, live));
                if (keep != null) {
                    live = pruneRows(keep, live, rows, rowPositions, s);
                    queries = new AttentionQueries(s.q, live, c.heads(), s.sequence, s.positions);
                }
            }
        }
        position = startPosition + n;
        if (observer != null) {
            observer.onForwardEnd(startPosition, n);
        }
        logits(live, allRows, rows, s, sink);
    }

    /** The largest position any (layer, kv-head) holds, or -1 for an empty cache. */
    private int lastCachedPosition() {
        int last = -1;
        for (int i = 0; i < slotCounts.length; i++) {
            if (slotCounts[i] > 0) {
                last = Math.max(last, slotPositions[i][slotCounts[i] - 1]);
            }
        }
        return last;
    }

    /** Keeps the hidden states and positions of the rows {@code keep} names (gathered on the host). */
    private int pruneRows(int[] keep, int live, int[] rows, int[] rowPositions, Scratch s) {
        ForwardBackend.checkKeptRows(keep, live);
        int dim = c.dim();
        float[] x = s.hostX;
        s.x.copyTo(x, live * dim);
        for (int j = 0; j < keep.length; j++) {
            int r = keep[j];
            if (r != j) {
                System.arraycopy(x, r * dim, x, j * dim, dim);
                rows[j] = rows[r];
                rowPositions[j] = rowPositions[r];
            }
        }
        s.x.copyFrom(x, keep.length * dim);
        s.positions.copyFrom(rowPositions, keep.length);
        return keep.length;
    }

    private void logits(int live, boolean allRows, int[] rows, Scratch s, LogitsSink sink) {
        int dim = c.dim(), vocab = c.vocabSize();
        for (int r0 = allRows ? 0 : live - 1; r0 < live; r0 += LOGIT_ROWS) {
            int n = Math.min(LOGIT_ROWS, live - r0);
            DeviceBuffer x = s.x.slice(4L * r0 * dim, 4L * n * dim);
            kernels.rmsNorm(x, weights.outputNorm(), s.xb, n, dim, c.rmsEps(), stream);
            kernels.matmul(weights.output(), s.xb, s.logits, n, stream);
            s.logits.copyTo(s.hostLogits, n * vocab);
            for (int t = 0; t < n; t++) {
                sink.accept(rows[r0 + t], s.hostLogits, t * vocab);
            }
        }
    }

    private void layer(int l, int n, int[] rowPositions, AttentionQueries queries, AttentionObserver observer,
                       Scratch s) {
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
        int[] before = mirrorAppend(l, rowPositions, n);
        DeviceBuffer attentionWeights = observer == null ? null : s.weights(context, c, contextLength);
        kernels.attention(queries, tables.get(l), attentionScale, s.att, attentionWeights, contextLength, stream);
        if (observer != null) {
            report(l, n, rowPositions, before, observer, s);
        }
        kernels.matmul(w.wo(), s.att, s.xb, n, stream);
        kernels.add(s.x, s.xb, s.x, (long) n * dim, stream);
        kernels.rmsNorm(s.x, w.ffnNorm(), s.xb, n, dim, eps, stream);
        kernels.matmul(w.gate(), s.xb, s.hb, n, stream);
        kernels.matmul(w.up(), s.xb, s.hb2, n, stream);
        kernels.swiglu(s.hb, s.hb2, s.hb, (long) n * ffn, stream);
        kernels.matmul(w.down(), s.hb, s.xb, n, stream);
        kernels.add(s.x, s.xb, s.x, (long) n * dim, stream);
    }

    /** Records the n appended positions in every kv head's mirror; returns the counts before. */
    private int[] mirrorAppend(int l, int[] rowPositions, int n) {
        int[] before = new int[c.kvHeads()];
        for (int h = 0; h < c.kvHeads(); h++) {
            int i = l * c.kvHeads() + h;
            before[h] = slotCounts[i];
            System.arraycopy(rowPositions, 0, slotPositions[i], before[h], n);
            slotCounts[i] = before[h] + n;
        }
        return before;
    }

    /**
     * Hands the observer every query head's attention row of this layer: the kernel wrote weights
     * [row][head][contextLength] in slot order; row t of kv-head g sees its slots up to before[g] + t.
     */
    private void report(int l, int n, int[] rowPositions, int[] before, AttentionObserver observer, Scratch s) {
        int heads = c.heads(), group = c.groupSize();
        float[] all = s.hostWeights(n * heads * contextLength);
        s.weights(context, c, contextLength).copyTo(all, n * heads * contextLength);
        float[] row = s.hostRow(contextLength);
        for (int h = 0; h < heads; h++) {
            int kvHead = h / group;
            int[] positions = slotPositions[l * c.kvHeads() + kvHead];
            for (int t = 0; t < n; t++) {
                if (!observer.wants(l, h, rowPositions[t])) {
                    continue;
                }
                int visible = before[kvHead] + t + 1;
                System.arraycopy(all, (t * heads + h) * contextLength, row, 0, visible);
                observer.onAttention(l, h, rowPositions[t], positions, row, visible);
            }
        }
    }

    @Override
    public void keepPositions(int[][][] keptPositions) {
        checkOpen();
        for (int l = 0; l < keptPositions.length; l++) {
            if (keptPositions[l] == null) {
                continue;
            }
            int[][] slots = new int[c.kvHeads()][];
            boolean changed = false;
            for (int h = 0; h < c.kvHeads() && h < keptPositions[l].length; h++) {
                if (keptPositions[l][h] != null) {
                    slots[h] = ForwardBackend.slotsHolding(cacheView, l, h, keptPositions[l][h]);
                    changed |= slots[h] != null;
                }
            }
            if (changed) {
                compactLayer(l, slots);
            }
        }
    }

    /** Keeps slots[h] of each kv head of layer l (null = all) with one kv_compact launch. */
    private void compactLayer(int l, int[][] slots) {
        int kvHeads = c.kvHeads();
        int stride = 1;
        int[] counts = new int[kvHeads];
        for (int h = 0; h < kvHeads; h++) {
            counts[h] = slots[h] == null ? slotCounts[l * kvHeads + h] : slots[h].length;
            stride = Math.max(stride, counts[h]);
        }
        int[] idx = new int[kvHeads * stride];
        for (int h = 0; h < kvHeads; h++) {
            for (int i = 0; i < counts[h]; i++) {
                idx[h * stride + i] = slots[h] == null ? i : slots[h][i];
            }
        }
        Scratch s = scratch(1);
        s.keptIdx(context, kvHeads, contextLength).copyFrom(idx, idx.length);
        s.keptCount.copyFrom(counts, kvHeads);
        kernels.compact(caches.get(l), s.keptIdx(context, kvHeads, contextLength), s.keptCount, stride, stream);
        for (int h = 0; h < kvHeads; h++) {
            if (slots[h] != null) {
                int[] p = slotPositions[l * kvHeads + h];
                for (int i = 0; i < counts[h]; i++) {
                    p[i] = p[slots[h][i]];
                }
                slotCounts[l * kvHeads + h] = counts[h];
            }
        }
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
            scratch.keptCount = scratch.alloc(context, c.kvHeads());
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
        if (ownsWeights) {
            weights.close();
        }
    }

    /**
     * The device cache seen from the host: positions and counts from the mirror, keys and values
     * read back from the device on request, appends and retains run as kernels.
     */
    private final class MirroredCache implements KvCache {
        @Override public int layers() { return c.layers(); }

        @Override public int kvHeads() { return c.kvHeads(); }

        @Override public int headDim() { return c.headDim(); }

        @Override public int capacity() { return contextLength; }

        @Override public int size(int layer, int kvHead) { return slotCounts[layer * c.kvHeads() + kvHead]; }

        @Override public int[] positions(int layer, int kvHead) { return slotPositions[layer * c.kvHeads() + kvHead]; }

        /** A copy of the head's keys read back from the device (not live). */
        @Override public float[] keys(int layer, int kvHead) { return readHead(caches.get(layer).keys(), kvHead); }

        /** A copy of the head's values read back from the device (not live). */
        @Override public float[] values(int layer, int kvHead) { return readHead(caches.get(layer).values(), kvHead); }

        private float[] readHead(DeviceBuffer buffer, int kvHead) {
            checkOpen();
            long bytes = 4L * contextLength * c.headDim();
            return buffer.slice(kvHead * bytes, bytes).toFloats(contextLength * c.headDim());
        }

        @Override
        public void append(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
            checkOpen();
            int kvDim = c.kvDim();
            for (int h = 0; h < c.kvHeads(); h++) {
                int i = layer * c.kvHeads() + h;
                if (slotCounts[i] == contextLength) {
                    throw new IllegalStateException("KV cache full: layer " + layer + " kv-head " + h + " holds "
                            + contextLength + " positions (the session's context length)");
                }
                if (slotCounts[i] > 0 && slotPositions[i][slotCounts[i] - 1] >= position) {
                    throw new IllegalStateException("positions must increase: appending " + position + " after "
                            + slotPositions[i][slotCounts[i] - 1]);
                }
            }
            try (DeviceBuffer dk = context.upload(Arrays.copyOfRange(k, kOffset, kOffset + kvDim));
                 DeviceBuffer dv = context.upload(Arrays.copyOfRange(v, vOffset, vOffset + kvDim));
                 DeviceBuffer dp = context.upload(new int[] {position})) {
                kernels.append(caches.get(layer), dk, dv, dp, 1, stream);
                context.synchronize();
            }
            mirrorAppend(layer, new int[] {position}, 1);
        }

        @Override
        public void retain(int layer, int kvHead, int[] keptSlots) {
            checkOpen();
            int size = size(layer, kvHead);
            for (int j = 0, prev = -1; j < keptSlots.length; prev = keptSlots[j++]) {
                if (keptSlots[j] <= prev || keptSlots[j] >= size) {
                    throw new IllegalArgumentException("kept slots must be strictly increasing and below " + size
                            + "; got " + keptSlots[j] + " after " + prev);
                }
            }
            int[][] slots = new int[c.kvHeads()][];
            slots[kvHead] = keptSlots.clone();
            compactLayer(layer, slots);
        }

        @Override
        public void clear() {
            reset();
        }
    }

    /** Device activations for batches of up to {@code batch} tokens. */
    private static final class Scratch implements AutoCloseable {
        final int batch;
        final DeviceBuffer x, xb, q, k, v, att, hb, hb2, logits, positions, sequence;
        final float[] hostX, hostLogits;
        DeviceBuffer keptCount;
        private DeviceBuffer weights, keptIdx;
        private float[] hostWeights, hostRow;
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
                logits = alloc(context, (long) Math.min(batch, LOGIT_ROWS) * c.vocabSize());
                positions = alloc(context, batch);
                sequence = alloc(context, batch);
                sequence.fillZero();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
            hostX = new float[batch * c.dim()];
            hostLogits = new float[Math.min(batch, LOGIT_ROWS) * c.vocabSize()];
        }

        /** Attention weights [batch][heads][contextLength], allocated on first use (observers only). */
        DeviceBuffer weights(CudaContext context, ModelConfig c, int contextLength) {
            if (weights == null) {
                weights = alloc(context, (long) batch * c.heads() * contextLength);
            }
            return weights;
        }

        /** Kept slot indices [kvHeads][contextLength] for compaction, allocated on first use. */
        DeviceBuffer keptIdx(CudaContext context, int kvHeads, int contextLength) {
            if (keptIdx == null) {
                keptIdx = alloc(context, (long) kvHeads * contextLength);
            }
            return keptIdx;
        }

        float[] hostWeights(int size) {
            if (hostWeights == null || hostWeights.length < size) {
                hostWeights = new float[size];
            }
            return hostWeights;
        }

        float[] hostRow(int size) {
            if (hostRow == null || hostRow.length < size) {
                hostRow = new float[size];
            }
            return hostRow;
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
