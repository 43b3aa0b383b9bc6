package org.kvscope.backend.cpu;

import org.kvscope.backend.ForwardBackend;
import org.kvscope.backend.LogitsSink;
import org.kvscope.kv.CompactKvCache;
import org.kvscope.kv.DecodeWindows;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.PrefillPruner;
import org.kvscope.model.LayerWeights;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelWeights;
import org.kvscope.tensor.FloatTensor;
import org.kvscope.tensor.Parallel;
import org.kvscope.tensor.VectorOps;
import org.kvscope.trace.AttentionObserver;

/**
 * The transformer forward pass on the CPU. A call runs a batch of consecutive tokens through
 * every layer: projections use matrix-matrix kernels (each weight row streamed once for the
 * whole batch), attention reads each query's visible cache slots, and new keys/values are
 * appended to the {@link KvCache}. One token is a decode step; many are a prefill chunk.
 *
 * <p>A model small enough for {@link SmallModel} runs on {@link ScalarKernels} on the calling thread
 * (its heads over all cores only where a prefill chunk sees many keys), with the same results bit
 * for bit; larger ones on the vector kernels over all cores.
 *
 * <p>Not thread-safe: one instance per session (it owns scratch buffers). Sessions reach it
 * through {@link CpuBackend}.
 */
public final class CpuForward {
    private final ModelConfig c;
    private final ModelWeights w;
    private final Rope rope;
    private final float attentionScale;
    /** The scalar one-thread path, or null for the vector kernels. */
    private final SmallModel small;
    private final DecodeAttention decodeAttention;
    /** Per layer, the matrices decode multiplies in one hand-off: {wq, wk, wv} and {gate, up}; {down}. */
    private final FloatTensor[][] qkv, gateUp, down;
    /** Output rows of {@link #qkv}'s, {@link #gateUp}'s and {@link #down}'s matrices. */
    private final int[] qkvRows, gateUpRows, downRows;
    private Scratch s;
    private final Heads heads = new Heads();
    /** The current call's decode windows (null: causal attention over every cached slot). */
    private DecodeWindows windows;
    /**
     * Floats of hb (and of hb2) for a batch's feed-forward block at most, above which it runs in slices of hidden units
     * where it can ({@link #slicesFeedForward}): 2 MiB, a 256-row Llama-3.2-1B chunk's q, which shares hb's array.
     * Smaller in tests only.
     */
    static final int FFN_FLOATS = 1 << 19;
    private int ffnFloats = FFN_FLOATS;
    /** False in tests only: no batch attends in {@link #attendSplit}. */
    private boolean splitRanges = true;
    /** {@link #attendSplit}'s ordering of an observer's rows (made at its first observed batch). */
    private OrderedRanges ranges;

    /**
     * The parallel loop over query heads of one layer's attention, refilled per call (one object
     * per forward pass, not a closure per layer).
     */
    private final class Heads implements Parallel.IntRangeBody {
        private int layer, n;
        private int[] rowPositions;
        private KvCache cache;
        private AttentionObserver obs;
        private Scratch b;

        void start(int layer, int n, int[] rowPositions, KvCache cache, AttentionObserver obs, Scratch b) {
            this.layer = layer;
            this.n = n;
            this.rowPositions = rowPositions;
            this.cache = cache;
            this.obs = obs;
            this.b = b;
        }

        void end() {
            rowPositions = null;
            cache = null;
            obs = null;
            b = null;
        }

        @Override
        public void run(int from, int to) {
            for (int h = from; h < to; h++) {
                attendHead(layer, h, n, rowPositions, b.before[h / c.groupSize()], cache, obs, b);
            }
        }
    }

    /** Takes the scalar path when {@link SmallModel#of} accepts the model. */
    public CpuForward(ModelConfig config, ModelWeights weights) {
        this(config, weights, true);
    }

    /** With {@code scalarIfSmall} false, always the vector kernels (tests compare the two paths). */
    CpuForward(ModelConfig config, ModelWeights weights, boolean scalarIfSmall) {
        this.c = config;
        this.w = weights;
        this.rope = new Rope(config);
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
        this.small = scalarIfSmall ? SmallModel.of(config, weights) : null;
        this.decodeAttention = new DecodeAttention(config.headDim(), config.groupSize(), config.kvHeads(), attentionScale);
        LayerWeights[] layers = weights.layers();
        this.qkv = new FloatTensor[layers.length][];
        this.gateUp = new FloatTensor[layers.length][];
        this.down = new FloatTensor[layers.length][];
        for (int l = 0; l < layers.length; l++) {
            qkv[l] = new FloatTensor[] {layers[l].wq(), layers[l].wk(), layers[l].wv()};
            down[l] = new FloatTensor[] {layers[l].down()};
            gateUp[l] = new FloatTensor[] {layers[l].gate(), layers[l].up()};
        }
        this.qkvRows = new int[] {config.qDim(), config.kvDim(), config.kvDim()};
        this.gateUpRows = new int[] {config.ffnDim(), config.ffnDim()};
        this.downRows = new int[] {config.dim()};
    }

    /** Whether this forward pass runs on the scalar kernels. */
    boolean scalar() { return small != null; }

    public ModelConfig config() { return c; }

    /**
     * Runs {@code n} tokens at positions {@code startPosition...} and returns the logits of the
     * last one (a fresh array of vocabulary size).
     */
    public float[] forward(int[] tokens, int offset, int n, int startPosition, KvCache cache,
                           AttentionObserver observer) {
        float[] logits = new float[c.vocabSize()];
        forward(tokens, offset, n, startPosition, cache, observer, null, false,
                (row, values, o) -> System.arraycopy(values, o, logits, 0, logits.length));
        return logits;
    }

    /**
     * {@link #forward(int[], int, int, int, KvCache, AttentionObserver, PrefillPruner, boolean, LogitsSink)}
     * without pruning, the heads that {@code windows} bounds attending in their sink + sliding window
     * ({@link org.kvscope.backend.ForwardBackend#forwardInWindows}): each such row as a decode step computes it over the slots it sees.
     */
    public void forwardInWindows(int[] tokens, int offset, int n, int startPosition, KvCache cache,
                                 AttentionObserver observer, DecodeWindows windows, boolean allRows, LogitsSink sink) {
        if (windows != null && windows.layers() != c.layers()) {
            throw new IllegalArgumentException("decode windows for " + windows.layers() + " layers, the model has "
                    + c.layers());
        }
        this.windows = windows;
        try {
            forward(tokens, offset, n, startPosition, cache, observer, (PrefillPruner) null, allRows, sink);
        } finally {
            this.windows = null;
        }
    }

    /**
     * {@link #forward(int[], int, int, int, KvCache, AttentionObserver, PrefillPruner, boolean, LogitsSink)} for the
     * keys, values and attention rows alone ({@link org.kvscope.backend.ForwardBackend#attend}): no logits, and the
     * last layer stops after its attention, whose output feeds only the logits.
     */
    public void attend(int[] tokens, int offset, int n, int startPosition, KvCache cache, AttentionObserver observer) {
        forward(tokens, offset, n, startPosition, cache, observer, null, false, null);
    }

    /**
     * Runs {@code n} tokens and hands logits to {@code sink}: for every row when {@code allRows},
     * else for the last row only. With a {@code pruner}, rows may be dropped between layers
     * (deeper layers compute fewer tokens); rows dropped before the last layer get no logits.
     * A null {@code sink} wants none: see {@link #attend}.
     */
    public void forward(int[] tokens, int offset, int n, int startPosition, KvCache cache,
                        AttentionObserver observer, PrefillPruner pruner, boolean allRows, LogitsSink sink) {
        if (n <= 0) {
            throw new IllegalArgumentException("need at least one token, got " + n);
        }
        if (startPosition + n > cache.capacity()) {
            throw new IllegalArgumentException("positions " + startPosition + ".." + (startPosition + n - 1)
                    + " exceed the session's context of " + cache.capacity() + " tokens");
        }
        Scratch b = scratch(n, cache.capacity());
        boolean timed = DecodeTimings.timed(n);
        long time = DecodeTimings.now();
        int dim = c.dim();
        for (int t = 0; t < n; t++) {
            int token = tokens[offset + t];
            if (token < 0 || token >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " outside vocabulary 0.." + (c.vocabSize() - 1));
            }
            w.tokenEmbedding().dequantizeEach((long) token * dim, b.x, t * dim, dim); // allocates nothing in C1
        }
        if (observer != null) {
            observer.onForwardStart(startPosition, n);
        }
        int[] rows = b.rows, rowPositions = b.rowPositions;
        for (int t = 0; t < n; t++) {
            rows[t] = t;
            rowPositions[t] = startPosition + t;
            rope.angles(startPosition + t, b.cos[t], b.sin[t]);
        }
        if (timed) {
            DecodeTimings.lap(DecodeTimings.Phase.EMBEDDING, time);
        }
        int live = n;
        for (int l = 0; l < c.layers(); l++) {
            layer(l, w.layers()[l], live, rowPositions, cache, observer, b, timed, sink != null || l + 1 < c.layers());
            if (pruner != null && l + 1 < c.layers()) {
                int[] keep = pruner.rowsForNextLayer(l, java.util.Arrays.copyOf(rowPositions, live));
                if (keep != null) {
                    live = compactRows(keep, live, rows, rowPositions, b);
                }
            }
        }
        if (observer != null) {
            observer.onForwardEnd(startPosition, n);
        }
        if (timed) {
            DecodeTimings.step();
        }
        if (sink == null) {
            return;
        }
        if (live == n) { // no row dropped: row r is still token r
            logits(live, allRows, b, sink, timed);
        } else {
            int[] original = java.util.Arrays.copyOf(rows, live);
            logits(live, allRows, b, (row, values, o) -> sink.accept(original[row], values, o), false);
        }
    }

    /** Moves the kept rows' hidden states and RoPE tables to the front; returns the new row count. */
    private int compactRows(int[] keep, int live, int[] rows, int[] rowPositions, Scratch b) {
        int dim = c.dim();
        ForwardBackend.checkKeptRows(keep, live);
        for (int j = 0; j < keep.length; j++) {
            int r = keep[j];
            if (r != j) {
                System.arraycopy(b.x, r * dim, b.x, j * dim, dim);
                rows[j] = rows[r];
                rowPositions[j] = rowPositions[r];
                float[] cs = b.cos[j], sn = b.sin[j];
                b.cos[j] = b.cos[r];
                b.sin[j] = b.sin[r];
                b.cos[r] = cs;
                b.sin[r] = sn;
            }
        }
        return keep.length;
    }

    /**
     * One layer over the batch's rows; {@code timed}: a decode step whose phases {@link DecodeTimings} adds up;
     * without {@code outputs}, only the keys, values and attention (the rest of the layer feeds nothing wanted).
     */
    private void layer(int l, LayerWeights lw, int n, int[] rowPositions, KvCache cache, AttentionObserver obs,
                       Scratch b, boolean timed, boolean outputs) {
        int dim = c.dim(), qDim = c.qDim(), kvDim = c.kvDim();
        long time = timed ? DecodeTimings.now() : 0L;
        // a batch on the vector path: each range of rows is normed (and SwiGLU'd) in the loop that quantizes it
        boolean fused = n > 1 && small == null;
        float eps = c.rmsEps();
        if (!fused) {
            normRows(b.xb, b.x, lw.attnNorm(), n);
        }
        if (timed) {
            time = DecodeTimings.lap(DecodeTimings.Phase.NORMS, time);
        }
        if (n == 1 && small == null) { // one hand-off to the cores for the three
            FloatTensor.matvecs(b.xb, dim, qkv[l], b.qkv, qkvRows);
        } else if (small == null) { // one quantization of the batch and one hand-off for the three
            FloatTensor.matmuls(b.xb, n, dim, qkv[l], b.qkv, qkvRows,
                    (from, to) -> rmsnormRows(b.xb, b.x, lw.attnNorm(), from, to, dim, eps), b.att);
        } else {
            project(lw.wq(), b.xb, b.q, n, qDim, dim);
            project(lw.wk(), b.xb, b.k, n, kvDim, dim);
            project(lw.wv(), b.xb, b.v, n, kvDim, dim);
        }
        if (timed) {
            time = DecodeTimings.lap(DecodeTimings.Phase.QKV, time);
        }
        for (int t = 0; t < n; t++) {
            addBias(b.q, t * qDim, lw.bq());
            addBias(b.k, t * kvDim, lw.bk());
            addBias(b.v, t * kvDim, lw.bv());
            rope.rotate(b.q, t * qDim, c.heads(), b.cos[t], b.sin[t]);
            rope.rotate(b.k, t * kvDim, c.kvHeads(), b.cos[t], b.sin[t]);
        }
        int[] before = b.before;
        for (int h = 0; h < c.kvHeads(); h++) {
            before[h] = cache.size(l, h);
        }
        boolean smallHeads = small != null && !SmallModel.attentionPaysCores(n, before[0]);
        // decode attention appends the token's keys and values in its loop, each kv-head's in the task that reads it
        boolean decode = !smallHeads && n == 1 && obs == null && windows == null
                && DecodeAttention.appliesAfterAppend(cache, l, c.headDim(), rowPositions[0], b.k, b.v, kvDim);
        if (!decode) {
            for (int t = 0; t < n; t++) {
                cache.append(l, rowPositions[t], b.k, t * kvDim, b.v, t * kvDim);
            }
        }
        if (timed) {
            time = DecodeTimings.lap(DecodeTimings.Phase.ROPE_APPEND, time);
        }
        if (smallHeads) {
            for (int h = 0; h < c.heads(); h++) {
                attendHead(l, h, n, rowPositions, before[h / c.groupSize()], cache, obs, b);
            }
        } else if (decode) {
            decodeAttention.attendAppending(l, (CompactKvCache) cache, rowPositions[0], b.k, b.v, b.q, b.scores, b.att);
        } else if (splitsAttention(n)) {
            attendSplit(l, n, rowPositions, cache, obs, b);
        } else {
            heads.start(l, n, rowPositions, cache, obs, b);
            try {
                Parallel.forRange(c.heads(), 1, heads);
            } finally {
                heads.end();
            }
        }
        if (timed) {
            time = DecodeTimings.lap(DecodeTimings.Phase.ATTENTION, time);
        }
        if (!outputs) {
            return;
        }
        project(lw.wo(), b.att, b.xb, n, dim, qDim, b.q);
        if (timed) {
            time = DecodeTimings.lap(DecodeTimings.Phase.OUTPUT, time);
        }
        int ffn = c.ffnDim();
        // the residual add and the norm of each range of rows in the loop that quantizes them
        Parallel.IntRangeBody ffnInput = !fused ? null : (from, to) -> {
            for (int i = from * dim; i < to * dim; i++) {
                b.x[i] += b.xb[i];
            }
            rmsnormRows(b.xb, b.x, lw.ffnNorm(), from, to, dim, eps);
        };
        if (fused && b.ffnSliced) { // the same floats, without hb and hb2
            FloatTensor.feedForward(b.xb, n, dim, lw.gate(), lw.up(), lw.down(), ffn, b.xb, ffnInput, b.hb, b.hb2);
        } else if (fused) {
            FloatTensor.matmuls(b.xb, n, dim, gateUp[l], b.gateUp, gateUpRows, ffnInput);
            if (timed) {
                time = DecodeTimings.lap(DecodeTimings.Phase.GATE_UP, time);
            }
            FloatTensor.matmuls(b.hb, n, ffn, down[l], b.down, downRows,
                    (from, to) -> VectorOps.swiglu(b.hb, b.hb2, from * ffn, to * ffn), b.hb2);
            if (timed) {
                time = DecodeTimings.lap(DecodeTimings.Phase.DOWN, time);
            }
        } else {
            time = unfusedFeedForward(l, n, lw, b, timed, time);
        }
        for (int i = 0; i < n * dim; i++) {
            b.x[i] += b.xb[i];
        }
        if (timed) {
            DecodeTimings.lap(DecodeTimings.Phase.RESIDUAL, time);
        }
    }

    /** The feed-forward block without the fused products: residual add, norm, gate/up and SwiGLU, down. */
    private long unfusedFeedForward(int l, int n, LayerWeights lw, Scratch b, boolean timed, long time) {
        int dim = c.dim();
        int ffn = c.ffnDim();
        for (int i = 0; i < n * dim; i++) {
            b.x[i] += b.xb[i];
        }
        if (timed) {
            time = DecodeTimings.lap(DecodeTimings.Phase.RESIDUAL, time);
        }
        normRows(b.xb, b.x, lw.ffnNorm(), n);
        if (timed) {
            time = DecodeTimings.lap(DecodeTimings.Phase.NORMS, time);
        }
        if (n == 1 && small == null) { // one hand-off for gate, up and SwiGLU
            FloatTensor.matvecsThen(b.xb, dim, gateUp[l], b.gateUp, ffn, b.swiglu);
        } else {
            if (small == null) {
                FloatTensor.matmuls(b.xb, n, dim, gateUp[l], b.gateUp, gateUpRows);
            } else {
                project(lw.gate(), b.xb, b.hb, n, ffn, dim);
                project(lw.up(), b.xb, b.hb2, n, ffn, dim);
            }
            if (small != null) {
                ScalarKernels.swiglu(b.hb, b.hb2, 0, n * ffn);
            } else {
                Parallel.forRange(n * ffn, 4096, (from, to) -> VectorOps.swiglu(b.hb, b.hb2, from, to));
            }
        }
        if (timed) {
            time = DecodeTimings.lap(DecodeTimings.Phase.GATE_UP, time);
        }
        project(lw.down(), b.hb, b.xb, n, dim, ffn);
        if (timed) {
            time = DecodeTimings.lap(DecodeTimings.Phase.DOWN, time);
        }
        return time;
    }

    /**
     * Attention of query head {@code h} for every token of the batch; writes b.att. From
     * {@link AttentionKernels#MIN_QUERIES} queries on, the head's keys are transposed once and
     * scores run across keys, four queries at a time where the head size allows.
     */
    private void attendHead(int l, int h, int n, int[] rowPositions, int before, KvCache cache,
                            AttentionObserver obs, Scratch b) {
        int hd = c.headDim();
        int kvHead = h / c.groupSize();
        if (windows != null && windows.bounded(l, kvHead)) {
            attendHeadWindowed(l, h, n, rowPositions, before, cache, obs, b);
            return;
        }
        float[] keys = null, values = null;
        if (cache.type() == KvCacheType.F32) {
            keys = cache.keys(l, kvHead);
            values = cache.values(l, kvHead);
        } else if (n >= AttentionKernels.MIN_QUERIES) { // prefill: the head decoded once for the blocked kernels
            float[][] head = AttentionKernels.decodedHead(cache, l, kvHead, before + n);
            keys = head[0];
            values = head[1];
        }
        int[] positions = cache.positions(l, kvHead);
        if (small != null && keys != null) {
            attendHeadScalar(l, h, n, rowPositions, before, keys, values, positions, obs, b);
            return;
        }
        float[] keysT = n >= AttentionKernels.MIN_QUERIES ? AttentionKernels.transposeKeys(keys, before + n, hd) : null;
        attendRows(l, h, 0, n, rowPositions, before, cache, keys, values, keysT, AttentionKernels.stride(before + n),
                positions, obs, b.scores[h], b);
    }

    /** Batch rows from which prefill attention runs in {@link #attendSplit}. */
    private static final int SPLIT_ROWS = 64;
    /** Query ranges per head in {@link #attendSplit}. */
    static final int RANGES = 4;
    /** Chunks per participant of {@link #attendSplit}'s loop: one range each (a range is tens of µs of work). */
    private static final int RANGE_CHUNKS = 64;
    /** Per thread: {@link #attendSplit}'s score rows. */
    private static final ThreadLocal<float[][]> RANGE_SCORES = ThreadLocal.withInitial(() -> new float[1][0]);

    /** Whether a batch of n rows attends in {@link #attendSplit}: vector path, no decode windows, n large. */
    private boolean splitsAttention(int n) {
        return splitRanges && small == null && windows == null && n >= SPLIT_ROWS
                && AttentionKernels.fourFit(c.headDim());
    }

    /** Tests: a batch's feed-forward block in slices where hb would hold more than {@code floats}. */
    CpuForward feedForwardFloats(int floats) {
        ffnFloats = floats;
        s = null;
        return this;
    }

    /** Tests: every batch attends head by head ({@link #attendHead}), the path the split must match bit for bit. */
    CpuForward attendingHeadByHead() {
        splitRanges = false;
        return this;
    }

    /**
     * Prefill attention as {@link #RANGES} ranges of each query head's rows, of about equal work (row t sees
     * before + t + 1 keys), over the cores, after each kv head's keys and values are read from the cache and its
     * keys transposed once for its group's query heads (attendHead does both per query head, and its nine heads
     * on two cores leave one core idle for a ninth of the time). Every row's floats are attendHead's. The rows
     * {@code obs} wants reach it per head in query order and one at a time ({@link OrderedRanges}, whose order the
     * ranges then run in), as from attendHead.
     */
    private void attendSplit(int l, int n, int[] rowPositions, KvCache cache, AttentionObserver obs, Scratch b) {
        Parallel.forRange(2 * c.kvHeads(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                prepareHead(l, i / 2, i % 2 == 0, n, cache, b);
            }
        });
        OrderedRanges order = obs == null ? null : wantedRanges(l, n, rowPositions, obs, b);
        Parallel.forRange(c.heads() * RANGES, 1, RANGE_CHUNKS, (from, to) -> {
            float[] scores = grown(RANGE_SCORES.get(), AttentionKernels.BLOCK * b.rowStride, Integer.MAX_VALUE);
            for (int i = from; i < to; i++) {
                int item = order == null ? i : order.item(i);
                int h = item / RANGES, r = item % RANGES, g = h / c.groupSize(), before = b.before[g];
                int t0 = rangeStart(r, n, before), t1 = rangeStart(r + 1, n, before);
                if (t0 >= t1) {
                    continue;
                }
                float[] keys = b.headKeys[g], values = b.headValues[g], keysT = b.headKeysT[g];
                int stride = AttentionKernels.stride(before + n);
                int[] positions = cache.positions(l, g);
                if (order == null || !order.wanted(h, r)) {
                    attendRows(l, h, t0, t1, rowPositions, before, cache, keys, values, keysT, stride, positions,
                            null, scores, b);
                } else if (order.startsInOrder(h, r)) {
                    attendRows(l, h, t0, t1, rowPositions, before, cache, keys, values, keysT, stride, positions,
                            obs, scores, b);
                    order.finish(h, r, null);
                } else {
                    OrderedRanges.Rows rows = order.rows(h);
                    attendRows(l, h, t0, t1, rowPositions, before, cache, keys, values, keysT, stride, positions,
                            rows, scores, b);
                    order.finish(h, r, rows);
                }
            }
        });
        if (order != null) {
            order.close();
        }
    }

    /** {@link #ranges} opened for layer l: which of {@link #attendSplit}'s ranges hold a row {@code obs} wants. */
    private OrderedRanges wantedRanges(int l, int n, int[] rowPositions, AttentionObserver obs, Scratch b) {
        if (ranges == null) {
            ranges = new OrderedRanges(c.heads(), c.groupSize(), RANGES);
        }
        ranges.open(l, obs);
        for (int h = 0; h < c.heads(); h++) {
            int before = b.before[h / c.groupSize()];
            for (int r = 0; r < RANGES; r++) {
                for (int t = rangeStart(r, n, before), end = rangeStart(r + 1, n, before); t < end; t++) {
                    if (obs.wants(l, h, rowPositions[t])) {
                        ranges.want(h, r);
                        break;
                    }
                }
            }
        }
        return ranges;
    }

    /** Keys (and their transposition) or values of kv head g for {@link #attendSplit}, into b's per-head arrays. */
    private void prepareHead(int l, int g, boolean keys, int n, KvCache cache, Scratch b) {
        int hd = c.headDim(), count = b.before[g] + n, most = cache.capacity() * hd;
        boolean f32 = cache.type() == KvCacheType.F32;
        if (keys) {
            if (f32) {
                b.headKeys[g] = cache.keys(l, g);
            } else {
                b.headKeys[g] = b.decodedKeys[g] = grown(b.decodedKeys, g, count * hd, most);
                cache.readKeys(l, g, 0, count, b.headKeys[g], 0);
            }
            b.headKeysT[g] = grown(b.headKeysT, g, hd * AttentionKernels.stride(count),
                    hd * AttentionKernels.stride(cache.capacity()));
            AttentionKernels.transposeKeys(b.headKeys[g], count, hd, b.headKeysT[g]);
        } else if (f32) {
            b.headValues[g] = cache.values(l, g);
        } else {
            b.headValues[g] = b.decodedValues[g] = grown(b.decodedValues, g, count * hd, most);
            cache.readValues(l, g, 0, count, b.headValues[g], 0);
        }
    }

    /**
     * Start of range r of {@link #attendSplit}'s {@link #RANGES} over n rows after before keys: the multiple of
     * {@link AttentionKernels#BLOCK} nearest to where the rows' work (row t: before + t + 1 keys) reaches r /
     * RANGES of the whole; n for r = RANGES. Only the last range holds the rows past the last whole block.
     */
    static int rangeStart(int r, int n, int before) {
        if (r >= RANGES) {
            return n;
        }
        int block = AttentionKernels.BLOCK;
        double part = ((double) before * n + (double) n * n / 2) * r / RANGES;
        double t = Math.sqrt((double) before * before + 2 * part) - before;
        return Math.min(n / block * block, (int) Math.round(t / block) * block);
    }

    /** holder[i], replaced first by an array of at least n floats if shorter (twice the old length, at most most). */
    private static float[] grown(float[][] holder, int i, int n, int most) {
        if (holder[i] == null || holder[i].length < n) {
            int old = holder[i] == null ? 0 : holder[i].length;
            holder[i] = new float[(int) Math.max(n, Math.min(2L * old, most))];
        }
        return holder[i];
    }

    private static float[] grown(float[][] holder, int n, int most) {
        return grown(holder, 0, n, most);
    }

    /**
     * Rows [t0, t1) of {@link #attendHead} (t0 a multiple of {@link AttentionKernels#BLOCK}, t1 one too or the batch's
     * end, so every row takes the kernels it takes in a call for the whole batch): keys, values and keysT (rows of
     * stride) as attendHead has them (keysT null below {@link AttentionKernels#MIN_QUERIES} queries), scores a
     * buffer of {@link AttentionKernels#BLOCK} rows of {@code b.rowStride}.
     */
    private void attendRows(int l, int h, int t0, int t1, int[] rowPositions, int before, KvCache cache,
                            float[] keys, float[] values, float[] keysT, int stride, int[] positions,
                            AttentionObserver obs, float[] scores, Scratch b) {
        int hd = c.headDim(), qDim = c.qDim(), kvHead = h / c.groupSize();
        int rowStride = b.rowStride;
        int t = t0, n = t1;
        if (keysT != null) {
            if (AttentionKernels.fourFit(hd)) {
                int block = AttentionKernels.BLOCK;
                for (; t + block <= n; t += block) {
                    int keysSeen = before + t + block; // what the block's last query sees
                    // zeros past each row: to keysSeen for the kernel, to the block's width for an observer
                    int zeroed = obs == null ? keysSeen : AttentionObserver.blockWidth(before + t + 1, block);
                    AttentionKernels.scoresFour(b.q, t * qDim + h * hd, qDim, keysT, stride, hd, keysSeen,
                            attentionScale, scores, rowStride);
                    for (int j = 0; j < block; j++) {
                        int row = j * rowStride, visible = before + t + j + 1;
                        softmax(scores, row, visible);
                        java.util.Arrays.fill(scores, row + visible, row + zeroed, 0f);
                    }
                    AttentionKernels.weightedValuesFour(scores, rowStride, keysSeen, values, hd, b.att,
                            t * qDim + h * hd, qDim);
                    if (obs != null) {
                        obs.onAttentionBlock(l, h, rowPositions, t, block, positions, scores, 0, rowStride,
                                before + t + 1);
                    }
                }
            }
        }
        for (; t < n; t++) {
            int qOff = t * qDim + h * hd;
            int visible = before + t + 1;
            if (keysT != null) {
                AttentionKernels.scores(b.q, qOff, keysT, stride, hd, visible, attentionScale, scores);
            } else if (keys == null) { // decode from a compact cache: decoded a tile at a time
                AttentionKernels.scoresTiled(b.q, qOff, cache, l, kvHead, visible, attentionScale, scores);
            } else {
                for (int s = 0; s < visible; s++) {
                    scores[s] = VectorOps.dot(b.q, qOff, keys, s * hd, hd) * attentionScale;
                }
            }
            softmax(scores, 0, visible);
            if (values == null) {
                AttentionKernels.weightedValuesTiled(scores, visible, cache, l, kvHead, b.att, qOff);
            } else {
                AttentionKernels.weightedValues(scores, visible, values, hd, b.att, qOff);
            }
            if (obs != null && obs.wants(l, h, rowPositions[t])) {
                obs.onAttention(l, h, rowPositions[t], positions, scores, visible);
            }
        }
    }

    /**
     * {@link #attendHead} of a head that {@link #windows} bounds: row t (cache slot before + t) sees the
     * head's first sinks slots and its slots from {@code max(sinks, slot − (entries − sinks))} to its own,
     * gathered in slot order, and is computed as a decode step computes its row over a cache holding just
     * those (decode's dot products, softmax and weighted values, on the scalar twins for a small model).
     */
    private void attendHeadWindowed(int l, int h, int n, int[] rowPositions, int before, KvCache cache,
                                    AttentionObserver obs, Scratch b) {
        int hd = c.headDim(), qDim = c.qDim(), kvHead = h / c.groupSize();
        int sinks = windows.sinks(l, kvHead), recent = windows.entries(l, kvHead) - sinks;
        float[] keys, values;
        if (cache.type() == KvCacheType.F32) {
            keys = cache.keys(l, kvHead);
            values = cache.values(l, kvHead);
        } else {
            float[][] head = AttentionKernels.decodedHead(cache, l, kvHead, before + n);
            keys = head[0];
            values = head[1];
        }
        int[] positions = cache.positions(l, kvHead);
        float[] scores = b.scores[h], lanes = b.lanes[h];
        int most = sinks + recent + 1;
        if (b.windowKeys[h] == null || b.windowKeys[h].length < most * hd) {
            b.windowKeys[h] = new float[most * hd];
            b.windowValues[h] = new float[most * hd];
            b.windowPositions[h] = new int[most];
        }
        float[] wk = b.windowKeys[h], wv = b.windowValues[h];
        int[] wp = b.windowPositions[h];
        for (int t = 0; t < n; t++) {
            int slot = before + t, from = Math.max(sinks, slot - recent), qOff = t * qDim + h * hd;
            float[] k = keys, v = values;
            int[] p = positions;
            int count = slot + 1;
            if (from > sinks) { // slots sinks .. from − 1 have left the window: gather what is seen
                int tail = slot + 1 - from;
                System.arraycopy(keys, 0, wk, 0, sinks * hd);
                System.arraycopy(keys, from * hd, wk, sinks * hd, tail * hd);
                System.arraycopy(values, 0, wv, 0, sinks * hd);
                System.arraycopy(values, from * hd, wv, sinks * hd, tail * hd);
                System.arraycopy(positions, 0, wp, 0, sinks);
                System.arraycopy(positions, from, wp, sinks, tail);
                k = wk;
                v = wv;
                p = wp;
                count = sinks + tail;
            }
            if (small != null) {
                ScalarKernels.scoresDot(b.q, qOff, k, hd, count, attentionScale, scores, lanes);
                ScalarKernels.softmax(scores, 0, count, lanes);
                ScalarKernels.weightedValues(scores, count, v, hd, b.att, qOff);
            } else {
                for (int j = 0; j < count; j++) {
                    scores[j] = VectorOps.dot(b.q, qOff, k, j * hd, hd) * attentionScale;
                }
                softmax(scores, 0, count);
                AttentionKernels.weightedValues(scores, count, v, hd, b.att, qOff);
            }
            if (obs != null && obs.wants(l, h, rowPositions[t])) {
                obs.onAttention(l, h, rowPositions[t], p, scores, count);
            }
        }
    }

    /**
     * {@link #attendHead} on {@link ScalarKernels}, query by query, each in the order its vector kernel
     * takes: blocks of four queries ({@code scoresFour}, keys up to the block's last query weighted),
     * single queries over transposed keys, or decode's dot products.
     */
    private void attendHeadScalar(int l, int h, int n, int[] rowPositions, int before, float[] keys, float[] values,
                                  int[] positions, AttentionObserver obs, Scratch b) {
        int hd = c.headDim(), qDim = c.qDim();
        float[] scores = b.scores[h], lanes = b.lanes[h];
        boolean prefill = n >= AttentionKernels.MIN_QUERIES;
        int blocked = prefill && AttentionKernels.fourFit(hd) ? n / AttentionKernels.BLOCK * AttentionKernels.BLOCK : 0;
        for (int t = 0; t < n; t++) {
            int qOff = t * qDim + h * hd;
            int visible = before + t + 1, weighted = visible;
            if (t < blocked) {
                weighted = before + t / AttentionKernels.BLOCK * AttentionKernels.BLOCK + AttentionKernels.BLOCK;
                ScalarKernels.scoresScaledQuery(b.q, qOff, keys, hd, visible, attentionScale, scores, b.scaledQuery[h]);
                java.util.Arrays.fill(scores, visible, weighted, 0f);
            } else if (prefill) {
                ScalarKernels.scoresTransposedOrder(b.q, qOff, keys, hd, visible, attentionScale, scores);
            } else {
                ScalarKernels.scoresDot(b.q, qOff, keys, hd, visible, attentionScale, scores, lanes);
            }
            ScalarKernels.softmax(scores, 0, visible, lanes);
            ScalarKernels.weightedValues(scores, weighted, values, hd, b.att, qOff);
            if (obs != null) {
                obs.onAttention(l, h, rowPositions[t], positions, scores, visible);
            }
        }
    }

    /** a[from .. from + n) = softmax of itself. */
    private static void softmax(float[] a, int from, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < from + n; i++) {
            if (a[i] > max) {
                max = a[i];
            }
        }
        float inv = 1f / VectorOps.expShifted(a, from, n, max);
        for (int i = from; i < from + n; i++) {
            a[i] *= inv;
        }
    }

    private void logits(int n, boolean allRows, Scratch b, LogitsSink sink, boolean timed) {
        long time = timed ? DecodeTimings.now() : 0L;
        int dim = c.dim(), vocab = c.vocabSize();
        int first = allRows ? 0 : n - 1;
        int chunk = 16;
        for (int r0 = first; r0 < n; r0 += chunk) {
            int rows = Math.min(chunk, n - r0);
            for (int t = 0; t < rows; t++) {
                rmsnorm(b.xb, t * dim, b.x, (r0 + t) * dim, w.outputNorm(), dim, c.rmsEps());
            }
            if (timed) {
                time = DecodeTimings.lap(DecodeTimings.Phase.NORMS, time);
            }
            float[] out = b.logits(rows, vocab);
            project(w.output(), b.xb, out, rows, vocab, dim);
            if (timed) {
                time = DecodeTimings.lap(DecodeTimings.Phase.LOGITS, time);
            }
            for (int t = 0; t < rows; t++) {
                sink.accept(r0 + t, out, t * vocab);
            }
            if (timed) {
                time = DecodeTimings.lap(DecodeTimings.Phase.SINK, time);
            }
        }
    }

    private void project(FloatTensor weight, float[] in, float[] out, int n, int rows, int cols) {
        project(weight, in, out, n, rows, cols, null);
    }

    /** {@link #project} with an array idle during the product lent for its packed batch (null: none). */
    private void project(FloatTensor weight, float[] in, float[] out, int n, int rows, int cols, float[] work) {
        if (small != null) {
            small.project(weight, in, out, n, rows, cols);
        } else if (n == 1) {
            weight.matvec(in, out, rows, cols);
        } else {
            weight.matmul(in, out, n, rows, cols, work);
        }
    }

    /**
     * out row t = RMSNorm of x row t for t &lt; n (rows of dim) by {@link #rmsnormRows}, on the calling thread: a
     * parallel loop per norm (two per layer) cost prefill more in hand-offs than it saved (docs/BENCHMARKS.md, q417).
     * A batch on the vector path norms its rows inside the products' quantization loop instead (q4p17).
     */
    private void normRows(float[] out, float[] x, float[] weight, int n) {
        rmsnormRows(out, x, weight, 0, n, c.dim(), c.rmsEps());
    }


    /**
     * {@link #rmsnorm} of rows [from, to) of x (rows of n) into the same rows of out, four rows at a time: their
     * sums of squares are four independent chains in one loop (each in the row's own order, so the same floats as
     * one row at a time), where one row's chain waits on every double add.
     */
    static void rmsnormRows(float[] out, float[] x, float[] weight, int from, int to, int n, float eps) {
        int t = from;
        for (; t + 4 <= to; t += 4) {
            int o0 = t * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int i = 0; i < n; i++) {
                float v0 = x[o0 + i], v1 = x[o1 + i], v2 = x[o2 + i], v3 = x[o3 + i];
                s0 += v0 * v0;
                s1 += v1 * v1;
                s2 += v2 * v2;
                s3 += v3 * v3;
            }
            scaleRow(out, x, o0, weight, n, (float) (1.0 / Math.sqrt(s0 / n + eps)));
            scaleRow(out, x, o1, weight, n, (float) (1.0 / Math.sqrt(s1 / n + eps)));
            scaleRow(out, x, o2, weight, n, (float) (1.0 / Math.sqrt(s2 / n + eps)));
            scaleRow(out, x, o3, weight, n, (float) (1.0 / Math.sqrt(s3 / n + eps)));
        }
        for (; t < to; t++) {
            rmsnorm(out, t * n, x, t * n, weight, n, eps);
        }
    }

    private static void scaleRow(float[] out, float[] x, int offset, float[] weight, int n, float inv) {
        for (int i = 0; i < n; i++) {
            out[offset + i] = weight[i] * (inv * x[offset + i]);
        }
    }

    private static void addBias(float[] x, int offset, float[] bias) {
        if (bias != null) {
            for (int i = 0; i < bias.length; i++) {
                x[offset + i] += bias[i];
            }
        }
    }

    static void rmsnorm(float[] out, int oo, float[] x, int xo, float[] weight, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            ss += v * v;
        }
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[oo + i] = weight[i] * (inv * x[xo + i]);
        }
    }

    /**
     * The scratch for a call of n rows: a batch's ({@code n > 1}) asks again whether the feed-forward block runs in
     * slices ({@link #slicesFeedForward}: the kernels in use may have changed), since hb is sized for the answer.
     */
    private Scratch scratch(int n, int capacity) {
        int batch = Math.max(n, s == null ? 1 : s.batch);
        boolean sliced = n > 1 ? slicesFeedForward(batch) : s != null && s.ffnSliced;
        int work = !sliced ? 0 : n > 1 ? feedForwardWork(batch) : s.ffnWork;
        if (s == null || s.batch < n || s.capacity < capacity || s.ffnSliced != sliced || s.ffnWork != work) {
            s = new Scratch(c, batch, sliced, work, Math.max(capacity, s == null ? 0 : s.capacity));
        }
        return s;
    }

    /**
     * Floats of the work array a batch's feed-forward block in slices can use for down's input
     * ({@link FloatTensor#feedForwardWork}: batch × a chunk of hidden units in the Java kernels, else 0), the largest
     * of any layer's.
     */
    private int feedForwardWork(int batch) {
        int work = 0;
        for (LayerWeights lw : w.layers()) {
            work = Math.max(work, FloatTensor.feedForwardWork(lw.gate(), lw.up(), lw.down(), c.dim(), c.ffnDim(), batch));
        }
        return work;
    }

    /**
     * Whether the feed-forward block of a batch of up to {@code batch} rows runs in slices of hidden units
     * ({@link FloatTensor#feedForward}): on the vector path where its hb would hold more than {@link #ffnFloats}
     * floats and every layer's gate, up and down run all in the native kernels or all in the Java ones (256-row
     * chunks: Llama-3.2-1B's files, not SmolLM2-135M's).
     */
    boolean slicesFeedForward(int batch) {
        if (small != null || batch < 2 || (long) batch * c.ffnDim() <= ffnFloats) {
            return false;
        }
        for (LayerWeights lw : w.layers()) {
            if (!FloatTensor.slicesFeedForward(lw.gate(), lw.up(), lw.down(), c.dim(), c.ffnDim())) {
                return false;
            }
        }
        return true;
    }

    /** Per-session buffers sized for the largest batch seen. */
    private static final class Scratch {
        final int batch, capacity;
        final float[] x, xb, q, k, v, att, hb, hb2;
        /** Per head: one query times the attention scale, for the scalar blocked scores. */
        final float[][] scaledQuery;
        /** Per head: the scalar kernels' lane sums (heads may run on different cores). */
        final float[][] lanes;
        /** Per head: the keys, values and positions a decode-windowed row sees, gathered (grown when first needed). */
        final float[][] windowKeys, windowValues;
        final int[][] windowPositions;
        /** Rows of logits, grown to what is asked for: one row unless every row's logits are wanted. */
        private float[] logits = new float[0];
        final float[][] scores, cos, sin;
        /** Each kv-head's slots before a layer's append. */
        final int[] before;
        /** Per live row: its token's index in the call and its position. */
        final int[] rows, rowPositions;
        /** Outputs of the fused products: {q, k, v}, {hb, hb2} and {xb} (down), and SwiGLU over hb's rows. */
        final float[][] qkv, gateUp, down;
        final Parallel.IntRangeBody swiglu;
        /**
         * Per kv head, for {@link #attendSplit}: its keys, values and transposed keys (keys and values the cache's
         * own arrays or decodedKeys / decodedValues).
         */
        final float[][] headKeys, headValues, headKeysT, decodedKeys, decodedValues;
        /** Row length in {@link #scores}: four rows per head for blocked prefill attention. */
        final int rowStride;

        /** Whether a batch's feed-forward block runs in slices of hidden units ({@link #slicesFeedForward}). */
        final boolean ffnSliced;

        /** Floats of hb a batch's feed-forward block in slices takes for down's input (Java kernels), or 0. */
        final int ffnWork;

        Scratch(ModelConfig c, int batch, boolean ffnSliced, int ffnWork, int capacity) {
            this.batch = batch;
            this.capacity = capacity;
            this.ffnSliced = ffnSliced;
            this.ffnWork = ffnWork;
            x = new float[batch * c.dim()];
            xb = new float[batch * Math.max(c.dim(), c.qDim())];
            k = new float[batch * c.kvDim()];
            v = new float[batch * c.kvDim()];
            // q and att live only from the q projection to the output projection, hb and hb2 only in the feed-forward
            // block after it: each pair shares one array (peak memory, issue 17: 4 MiB of a 256-row Llama-3.2-1B chunk);
            // a batch's feed-forward block in slices needs neither (12 MiB less on that chunk) but in the Java kernels
            // lends hb to it for down's input (batch × one chunk of 2,048 hidden units: q's size on that chunk), one row
            // (decode) the whole block; the Java kernels' packed batch goes into the array of the pair idle at the time:
            // att (hb2) for q/k/v, gate/up (with the rows after the last group of four) and down, q (hb) for the output
            // projection (2 MiB less on that chunk than a packing array of the thread's own)
            int wide = ffnSliced ? Math.max(c.ffnDim(), batch * c.qDim()) : batch * Math.max(c.ffnDim(), c.qDim());
            hb = new float[Math.max(wide, ffnWork)];
            hb2 = new float[wide];
            q = hb;
            att = hb2;
            scaledQuery = new float[c.heads()][c.headDim()];
            lanes = new float[c.heads()][ScalarKernels.LANES];
            windowKeys = new float[c.heads()][];
            windowValues = new float[c.heads()][];
            windowPositions = new int[c.heads()][];
            rowStride = AttentionKernels.stride(capacity);
            scores = new float[c.heads()][AttentionKernels.BLOCK * rowStride];
            headKeys = new float[c.kvHeads()][];
            headValues = new float[c.kvHeads()][];
            headKeysT = new float[c.kvHeads()][];
            decodedKeys = new float[c.kvHeads()][];
            decodedValues = new float[c.kvHeads()][];
            before = new int[c.kvHeads()];
            rows = new int[batch];
            rowPositions = new int[batch];
            qkv = new float[][] {q, k, v};
            gateUp = new float[][] {hb, hb2};
            down = new float[][] {xb};
            swiglu = (from, to) -> VectorOps.swiglu(hb, hb2, from, to);
            cos = new float[batch][c.ropeDim() / 2];
            sin = new float[batch][c.ropeDim() / 2];
        }

        float[] logits(int rows, int vocab) {
            if (logits.length < rows * vocab) {
                logits = new float[rows * vocab];
            }
            return logits;
        }
    }
}
