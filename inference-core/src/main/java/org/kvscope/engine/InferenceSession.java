package org.kvscope.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.kvscope.backend.ForwardBackend;
import org.kvscope.backend.LogitsSink;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.DecodeWindows;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PrefillPruner;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.AttentionObserver;
import org.kvscope.trace.EvidenceCollector;

/**
 * One conversation with a model: a KV cache sized for the requested context, prefill of a
 * prompt through batched kernels, and single decode steps, on the device the options name (a
 * {@link ForwardBackend}; the CPU unless told otherwise). Attention observers see every
 * attention row; with none attached the forward pass skips the hook.
 *
 * <p>With a {@link CompressionPolicy} set, the session gathers the attention evidence the policy
 * asks for during prefill, applies its kept positions to the cache after prefill, and lets it
 * evict after every decode step. The backend gathers the evidence through its observer hook and
 * compacts its own cache.
 *
 * <p>Close a session to free what its backend holds (device memory on a GPU; nothing on the CPU).
 */
public final class InferenceSession implements AutoCloseable {
    private final Model model;
    private final SessionOptions options;
    private final ForwardBackend backend;
    private final List<AttentionObserver> observers = new CopyOnWriteArrayList<>();
    private int position;
    private CompressionPolicy policy;
    private AttentionEvidence lastEvidence;
    /** Earlier prefills' evidence, newest first, at most {@value #SPARES}: arrays for the next ones' of their shape. */
    private final java.util.ArrayDeque<AttentionEvidence> spareEvidence = new java.util.ArrayDeque<>();
    /** Evidence of two shapes (a bench's or a workbench's two policies in turn) each find their arrays again. */
    private static final int SPARES = 2;
    private DecodeCap decodeCap = DecodeCap.NONE;
    private BudgetCap budgetCap;
    private final CacheOccupancy.Tracker occupancy = new CacheOccupancy.Tracker();
    private long lastReconstructionNanos;
    private long lastSelectionNanos;
    private long lastWarmupNanos;
    /** The token {@link #decode(int, float[])} hands to the backend. */
    private final int[] oneToken = new int[1];
    /** Copies decode's logits into the caller's array (one sink per session, not a closure per token). */
    private final CopyLogits decodeSink = new CopyLogits();

    /** Copies a vocabulary's logits into {@link #into}. */
    private static final class CopyLogits implements LogitsSink {
        float[] into;
        int vocab;

        @Override
        public void accept(int row, float[] logits, int offset) {
            System.arraycopy(logits, offset, into, 0, vocab);
        }
    }

    public InferenceSession(Model model, SessionOptions options) {
        ModelConfig c = model.config();
        if (options.contextLength() > c.contextLength()) {
            throw new IllegalArgumentException("context length " + options.contextLength()
                    + " exceeds the model's trained context of " + c.contextLength() + " tokens");
        }
        this.model = model;
        this.options = options;
        this.backend = options.backend().open(model, options.contextLength());
    }

    public Model model() { return model; }

    /** The backend's cache (positions and sizes current; keys/values may be read back from a device). */
    public KvCache cache() { return backend.cache(); }

    /** What runs the model, e.g. "CPU". */
    public String device() { return backend.description(); }

    /** Number of tokens processed so far (the next token's position). */
    public int position() { return position; }

    public int contextLength() { return options.contextLength(); }

    /** Tokens per prefill forward call. */
    public int prefillChunk() { return options.prefillChunk(); }

    public void addObserver(AttentionObserver observer) { observers.add(observer); }

    public void removeObserver(AttentionObserver observer) { observers.remove(observer); }

    /**
     * Sets the compression policy for the following prefill and decode steps (null for none).
     * A budget above the prompt length simply keeps everything; one above the model's trained
     * context is an error.
     *
     * @throws IllegalArgumentException when the policy's parameters do not fit the model
     */
    public void setPolicy(CompressionPolicy policy) {
        if (policy != null) {
            policy.validateFor(model.config().contextLength());
        }
        this.policy = policy;
    }

    public CompressionPolicy policy() { return policy; }

    /** How far the cache may grow while decoding, from the next prefill on ({@link DecodeCap#NONE} by default). */
    public void setDecodeCap(DecodeCap cap) {
        this.decodeCap = java.util.Objects.requireNonNull(cap);
    }

    public DecodeCap decodeCap() { return decodeCap; }

    /**
     * Cache entries and bytes since the last {@link #reset()}, sampled after every prefill (once
     * compressed) and every decode step (once the step's evictions are applied).
     */
    public CacheOccupancy occupancy() { return occupancy.result(); }

    /**
     * Evidence gathered for the policy during the last prefill (null when none was needed). A later prefill of this
     * session that asks for evidence of the same shape gathers it into these arrays ({@link AttentionEvidence#reusing},
     * the newest {@value #SPARES} shapes kept): copy what must outlive the next prefills.
     */
    public AttentionEvidence lastEvidence() { return lastEvidence; }

    /** Keeps {@code evidence} (null: nothing) as the newest spare, dropping the oldest past {@value #SPARES}. */
    private void spare(AttentionEvidence evidence) {
        if (evidence != null) {
            spareEvidence.addFirst(evidence);
            while (spareEvidence.size() > SPARES) {
                spareEvidence.removeLast();
            }
        }
    }

    /** Forgets everything: empty cache, position 0. */
    public void reset() {
        backend.reset();
        position = 0;
        spare(lastEvidence);
        lastEvidence = null;
        budgetCap = null;
        occupancy.clear();
    }

    /**
     * Keeps only positions {@code 0..n-1} in the cache and continues from position {@code n}: the
     * cache of a session that had prefilled just those tokens (no policy: every position still held).
     *
     * @throws IllegalStateException when a policy is set or {@code n} is past the current position
     */
    void truncate(int n) {
        if (policy != null || n < 0 || n > position) {
            throw new IllegalStateException("cannot truncate to " + n + " positions: the session holds " + position
                    + (policy != null ? " under policy " + policy.name() : ""));
        }
        if (n == 0) {
            reset();
        } else if (n < position) {
            backend.keepPositions(KeptPositions.all(model.config().layers(), model.config().kvHeads(), n).positions());
            position = n;
        }
    }

    /** Runs the prompt (in chunks of matrix-matrix batches) and returns the last token's logits. */
    public float[] prefill(int[] tokens) {
        return prefill(tokens, null);
    }

    /**
     * {@link #prefill(int[])}, calling {@code afterEachChunk} (when not null) on this thread after
     * each forward call, before the policy's selection: a benchmark runs two sessions' prefills in
     * turns, chunk by chunk, so that both see the machine in the same state.
     */
    public float[] prefill(int[] tokens, Runnable afterEachChunk) {
        return prefill(tokens, afterEachChunk, null);
    }

    /**
     * {@link #prefill(int[])} of {@code fork}'s context, its first {@link PrefillFork#boundary()} tokens
     * taken from the session that lent them: their cache entries and the policy's evidence from their
     * attention rows. Only the chunks after the boundary run here, the same forward calls as a
     * prefill of the whole context from position 0.
     *
     * @throws IllegalStateException when this session has run anything, runs other chunks or the fork
     *                               was not lent or was used; when the policy prunes the prefill or
     *                               asks for other evidence than the fork gathered
     */
    public float[] prefill(PrefillFork fork) {
        if (position != 0 || fork.chunk() != options.prefillChunk()) {
            throw new IllegalStateException("a forked prefill starts an empty session with chunks of " + fork.chunk());
        }
        AttentionEvidence inherited = fork.evidence();
        int window = policy == null ? 0 : evidenceWindow(policy);
        if (window != (inherited == null ? 0 : inherited.window()) || window > 0
                && (inherited.hasAccumulated() != policy.needsAccumulatedAttention()
                || inherited.hasWindowMoments() != policy.needsWindowMoments()
                || !java.util.Objects.equals(inherited.windowScoring(), policy.windowScoring()))) {
            throw new IllegalStateException("the prefill fork gathered other evidence than "
                    + (policy == null ? "a session without a policy" : "policy " + policy.name()) + " asks for");
        }
        if (policy != null && policy.needsKeyNorms()) {
            backend.cache().recordKeyNorms(); // before the lent keys are written, as a whole prefill records them
        }
        fork.restore(backend.cache());
        position = fork.boundary();
        int[] rest = java.util.Arrays.copyOfRange(fork.context(), fork.boundary(), fork.context().length);
        return prefill(rest, null, fork);
    }

    private float[] prefill(int[] tokens, Runnable afterEachChunk, PrefillFork fork) {
        float[][] last = new float[1][];
        int vocab = model.config().vocabSize();
        runPrefill(tokens, false, afterEachChunk, fork, (row, logits, o) -> {
            if (row == tokens.length - 1) {
                last[0] = java.util.Arrays.copyOfRange(logits, o, o + vocab);
            }
        });
        return last[0];
    }

    /**
     * Runs tokens and hands every row's logits to {@code sink} (row = index into {@code tokens});
     * used for teacher-forced perplexity.
     */
    public void prefillAll(int[] tokens, LogitsSink sink) {
        runPrefill(tokens, true, null, null, sink);
    }

    /**
     * True when a decode step would only append to the cache: no policy that acts while decoding
     * ({@link CompressionPolicy#actsDuringDecode}) and no budget cap in force. Then {@link
     * #teacherForce} gives what that many {@link #decode} calls give.
     */
    public boolean decodeOnlyAppends() {
        return budgetCap == null && (policy == null || !policy.actsDuringDecode() && !policy.needsDecodeAttention());
    }

    /**
     * True when {@link #teacherForce} gives what decode steps give: {@link #decodeOnlyAppends()}, or
     * a policy whose decode steps only keep each head's sinks and latest entries ({@link
     * CompressionPolicy#decodeWindows}; no budget cap that could cut them, no decode attention asked for) on a backend
     * that attends in such windows, every bounded head holding at most its window now.
     */
    public boolean canTeacherForce() {
        return decodeOnlyAppends() || windows() != null;
    }

    /** The policy's decode windows when teacher-forcing may use them, else null. */
    private DecodeWindows windows() {
        if (policy == null || policy.needsDecodeAttention() || !backend.attendsInWindows()) {
            return null;
        }
        KvCache cache = backend.cache();
        DecodeWindows w = policy.decodeWindows(cache.layers(), cache.kvHeads());
        if (w == null || w.layers() != cache.layers() || budgetCap != null && !budgetCap.neverTrims(w)) {
            return null; // a budget cap that could cut changes what each step keeps: step token by token
        }
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                if (w.bounded(l, h) && cache.size(l, h) > w.entries(l, h)) {
                    return null; // the first step would evict more than its window's oldest entry
                }
            }
        }
        return w;
    }

    /**
     * Teacher-forces {@code tokens} after the cache as {@code tokens.length} {@link #decode} calls
     * would, in prefill chunks: each token attends to the entries the cache holds and the tokens
     * before it (within the policy's {@link DecodeWindows}, when it slides them), and every row's
     * logits go to {@code sink} (row = index into {@code tokens}). The policy gathers no evidence and
     * does not select again; windowed heads end holding what the last step would leave;
     * {@link #occupancy} gets one sample per token, the cache as after that token's decode step.
     *
     * @throws IllegalStateException unless {@link #canTeacherForce()}
     */
    public void teacherForce(int[] tokens, LogitsSink sink) {
        DecodeWindows windows = decodeOnlyAppends() ? null : windows();
        if (!decodeOnlyAppends() && windows == null) {
            throw new IllegalStateException("decode steps change the cache here (policy "
                    + (policy == null ? "none" : policy.name()) + ", decode cap " + decodeCap.id()
                    + "): teacher-force token by token");
        }
        requireRoom(tokens.length);
        KvCache cache = backend.cache();
        int[] held = new int[cache.layers() * cache.kvHeads()];
        for (int i = 0; i < held.length; i++) {
            held[i] = cache.size(i / cache.kvHeads(), i % cache.kvHeads());
        }
        int vocab = model.config().vocabSize();
        for (int off = 0; off < tokens.length; off += options.prefillChunk()) {
            int n = Math.min(options.prefillChunk(), tokens.length - off);
            int base = off;
            int at = position;
            LogitsSink rows = (row, logits, o) -> {
                FiniteLogits.require(logits, o, vocab, at + row);
                sink.accept(base + row, logits, o);
            };
            if (windows == null) {
                backend.forward(tokens, off, n, position, observer(), null, true, rows);
            } else {
                backend.forwardInWindows(tokens, off, n, position, observer(), true, rows, windows);
            }
            position += n;
        }
        if (windows == null) {
            occupancy.sampleGrowth(cache, tokens.length);
            return;
        }
        sampleWindowedSteps(cache, windows, held, tokens.length);
        int[][][] kept = new int[cache.layers()][cache.kvHeads()][];
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                if (windows.bounded(l, h)) {
                    kept[l][h] = windows.kept(l, h, cache.positions(l, h), cache.size(l, h));
                }
            }
        }
        apply(kept);
    }

    /**
     * The samples {@code steps} decode steps take of a cache whose heads held {@code held} entries
     * ({@code layer * kvHeads + kvHead}) and each gained one per step, bounded heads at most their window.
     */
    private void sampleWindowedSteps(KvCache cache, DecodeWindows windows, int[] held, int steps) {
        int kvHeads = cache.kvHeads();
        long bytesPerEntry = 2L * cache.type().vectorBytes(cache.headDim());
        for (int step = 1; step <= steps; step++) {
            long entries = 0;
            int widest = 0;
            for (int i = 0; i < held.length; i++) {
                int l = i / kvHeads, h = i % kvHeads;
                long size = held[i] + (long) step;
                int e = (int) (windows.bounded(l, h) ? Math.min(size, windows.entries(l, h)) : size);
                entries += e;
                widest = Math.max(widest, e);
            }
            occupancy.sample(entries, widest, entries * bytesPerEntry, held.length);
        }
    }

    /**
     * The gatherer of what {@code policy} scores from during a prefill of {@code keyCount} tokens: its
     * window of attention rows (one row at least when it also asks for reconstruction or retrieval
     * scores), the accumulated attention, window moments and window scores when it asks; null when it
     * needs no attention.
     */
    static EvidenceCollector collectorFor(CompressionPolicy policy, ModelConfig c, int keyCount) {
        return collectorFor(policy, c.layers(), c.heads(), c.kvHeads(), keyCount, java.util.List.of());
    }

    /**
     * {@link #collectorFor(CompressionPolicy, ModelConfig, int)} for a model of this shape, its evidence in the
     * arrays of the first of {@code spares} that fits ({@link AttentionEvidence#reusing}), which is taken out of
     * them; new arrays when none fits.
     */
    static EvidenceCollector collectorFor(CompressionPolicy policy, int layers, int heads, int kvHeads, int keyCount,
                                          java.util.Collection<AttentionEvidence> spares) {
        int window = evidenceWindow(policy);
        if (window == 0) {
            return null;
        }
        boolean accumulate = policy.needsAccumulatedAttention(), moments = policy.needsWindowMoments();
        AttentionEvidence spare = spares.stream()
                .filter(e -> e.fits(layers, heads, kvHeads, keyCount, window, accumulate, moments)).findFirst().orElse(null);
        if (spare != null) {
            spares.remove(spare);
        }
        AttentionEvidence evidence = AttentionEvidence.reusing(spare, layers, heads, kvHeads, keyCount, window,
                accumulate, moments);
        if (policy.windowScoring() != null) {
            evidence.computeWindowScores(policy.windowScoring()); // before the first row is recorded
        }
        return new EvidenceCollector(evidence);
    }

    /** Rows of the last prompt queries {@link #collectorFor} keeps (0: no attention gathered). */
    private static int evidenceWindow(CompressionPolicy policy) {
        boolean extra = policy.needsContextReconstruction() || policy.needsRetrievalScores();
        return Math.max(policy.evidenceWindow(), extra ? 1 : 0);
    }

    /** A prefill of {@code tokens} from the current position; with a {@code fork}, the rest of its context. */
    private void runPrefill(int[] tokens, boolean allRows, Runnable afterEachChunk, PrefillFork fork,
                            LogitsSink sink) {
        requireRoom(tokens.length);
        lastReconstructionNanos = 0; // this prefill's figures only, whatever ran before
        lastSelectionNanos = 0;
        lastWarmupNanos = 0;
        int keyCount = position + tokens.length;
        EvidenceCollector collector = null;
        CompressionPolicy.PrefillContext context = null;
        PrefillPruner pruner = null;
        if (policy != null) {
            ModelConfig c = model.config();
            if (SelectionWarmup.worthIt(c.layers(), c.kvHeads(), keyCount)) {
                long t0 = System.nanoTime();
                if (SelectionWarmup.run(policy, c.heads(), c.kvHeads(), backend.cache().headDim(),
                        backend.cache().type()) > 0) {
                    lastWarmupNanos = System.nanoTime() - t0;
                }
            }
            if (fork == null) { // the previous prefill's evidence is replaced by this one's: arrays of its shape are reused
                spare(lastEvidence);
                lastEvidence = null;
                collector = collectorFor(policy, c.layers(), c.heads(), c.kvHeads(), keyCount, spareEvidence);
            } else {
                collector = fork.collector();
            }
            if (collector != null) {
                observers.add(collector);
            }
            if (policy.needsKeyNorms()) {
                backend.cache().recordKeyNorms();
            }
            context = new CompressionPolicy.PrefillContext(c.layers(), c.heads(), c.kvHeads(), keyCount,
                    options.contextLength(), collector == null ? null : collector.evidence(), backend.cache());
            pruner = policy.prefillPruner(context);
            if (pruner != null && fork != null) {
                observers.remove(collector);
                throw new IllegalStateException("policy " + policy.name() + " prunes the prefill in one forward call:"
                        + " it cannot continue a forked prefill");
            }
            if (pruner instanceof AttentionObserver o) {
                observers.add(o);
            }
            policy.prepareSelection(context);
        }
        try {
            // a pruner decides per layer from the whole prompt's attention: one forward call
            int chunk = pruner != null ? tokens.length : options.prefillChunk();
            for (int off = 0; off < tokens.length; off += chunk) {
                int n = Math.min(chunk, tokens.length - off);
                int base = off;
                int at = position;
                int vocab = model.config().vocabSize();
                backend.forward(tokens, off, n, position, observer(), pruner, allRows, (row, logits, o) -> {
                    FiniteLogits.require(logits, o, vocab, at + row);
                    sink.accept(base + row, logits, o);
                });
                position += n;
                if (afterEachChunk != null) {
                    afterEachChunk.run();
                }
            }
        } finally {
            if (collector != null) {
                observers.remove(collector);
            }
            if (pruner instanceof AttentionObserver o) {
                observers.remove(o);
            }
        }
        if (policy != null) {
            lastEvidence = collector == null ? null : collector.evidence();
            if (lastEvidence != null) {
                attachExtras(lastEvidence, fork != null ? fork.context() : tokens, keyCount);
            }
            long t0 = System.nanoTime();
            KeptPositions kept = policy.checkedSelectAfterPrefill(context);
            lastSelectionNanos = System.nanoTime() - t0;
            budgetCap = decodeCap == DecodeCap.BUDGET
                    ? BudgetCap.of(policy, context, kept, backend.cache(), keyCount) : null;
            if (kept != null) {
                apply(kept.positions());
            }
        }
        occupancy.sample(backend.cache());
    }

    /** The reconstruction scores and retrieval scores the policy asks for (see {@link CompressionPolicy}). */
    private void attachExtras(AttentionEvidence evidence, int[] tokens, int keyCount) {
        lastReconstructionNanos = 0;
        if (policy.needsContextReconstruction()) {
            if (keyCount != tokens.length) {
                throw new IllegalArgumentException("policy " + policy.name()
                        + " scores a prompt prefilled in one call; this prefill continued at position " + (keyCount - tokens.length));
            }
            long t0 = System.nanoTime();
            boolean room = options.contextLength() - keyCount - ContextReconstruction.overhead(model.tokenizer()) >= 1;
            evidence.setReconstruction(room ? reconstructionScores(tokens)
                    : ContextReconstruction.score(options.backend(), model, tokens));
            lastReconstructionNanos = System.nanoTime() - t0;
        }
        if (policy.needsRetrievalScores()) {
            evidence.setRetrievalScores(RetrievalHeads.of(options.backend(), model).perKvHead());
        }
    }

    /**
     * Wall time of the policy's selection after the last prefill ({@link
     * CompressionPolicy#checkedSelectAfterPrefill}: scoring and choosing the kept positions, not
     * the evidence gathering during prefill, the reconstruction pass or applying the kept set).
     */
    public long lastSelectionNanos() { return lastSelectionNanos; }

    /**
     * Wall time the last prefill spent warming up its policy's selection before the forward pass (0 when
     * none ran: once per policy in a JVM, for long prompts; {@link SelectionWarmup}). Part of the prefill.
     */
    public long lastWarmupNanos() { return lastWarmupNanos; }

    /** Wall time of the last prefill's KVzip reconstruction pass (0 when none ran). */
    public long lastReconstructionNanos() { return lastReconstructionNanos; }

    /**
     * KVzip's reconstruction scores for a cache that holds exactly {@code context} (prefilled
     * without compression): per {@code layer * kvHeads + kvHead}, one score per position. The
     * cache is unchanged afterwards.
     *
     * @throws IllegalStateException when the session has processed anything else
     */
    public float[][] reconstructionScores(int[] context) {
        return reconstructionScores(context, options.contextLength());
    }

    /** {@link #reconstructionScores(int[])} within the first {@code capacity} cache slots (chunks sized to fit them). */
    float[][] reconstructionScores(int[] context, int capacity) {
        if (position != context.length) {
            throw new IllegalStateException("the cache holds " + position + " positions, not the " + context.length
                    + "-token context");
        }
        return ContextReconstruction.run(backend, model.tokenizer(), context, Math.min(capacity, options.contextLength()),
                options.prefillChunk());
    }

    /** Runs one token and returns its logits. */
    public float[] decode(int token) {
        return decode(token, new float[model.config().vocabSize()]);
    }

    /**
     * {@link #decode(int)} with the logits written to {@code logits}[0 .. vocabulary) and that array
     * returned: a decode loop that keeps one array allocates none of vocabulary size per token.
     */
    public float[] decode(int token, float[] logits) {
        int vocab = model.config().vocabSize();
        if (logits.length < vocab) {
            throw new IllegalArgumentException("logits array of " + logits.length + " floats is shorter than the "
                    + vocab + "-token vocabulary");
        }
        requireRoom(1);
        DecodeRows rows = policy != null && policy.needsDecodeAttention() ? new DecodeRows(model.config()) : null;
        if (rows != null) {
            observers.add(rows);
        }
        oneToken[0] = token;
        try {
            decodeSink.into = logits;
            decodeSink.vocab = vocab;
            backend.forward(oneToken, 0, 1, position, observer(), null, false, decodeSink);
        } finally {
            decodeSink.into = null;
            if (rows != null) {
                observers.remove(rows);
            }
        }
        FiniteLogits.require(logits, 0, model.config().vocabSize(), position);
        if (policy != null) {
            int[][][] kept = policy.checkedDecodeStep(new CompressionPolicy.DecodeContext(position, backend.cache(),
                    rows == null ? null : rows.weights, model.config().heads()));
            if (kept != null) {
                apply(kept);
            }
        }
        if (budgetCap != null) {
            int[][][] kept = budgetCap.trim(backend.cache(), position);
            if (kept != null) {
                apply(kept);
            }
        }
        occupancy.sample(backend.cache());
        position++;
        return logits;
    }

    /** Keeps, per (layer, kv-head), the slots holding the given positions (null = unchanged). */
    private void apply(int[][][] keptPositions) {
        try {
            backend.keepPositions(keptPositions);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("policy " + policy.name() + " " + e.getMessage(), e);
        }
    }

    /** Frees what the backend holds; the session is unusable afterwards. */
    @Override
    public void close() {
        backend.close();
    }

    /** Copies the single decode query's attention rows for the policy. */
    private static final class DecodeRows implements AttentionObserver {
        final float[][][] weights;

        DecodeRows(ModelConfig c) {
            weights = new float[c.layers()][c.heads()][];
        }

        @Override
        public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
            weights[layer][head] = java.util.Arrays.copyOf(w, count);
        }
    }

    private void requireRoom(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("nothing to run: empty token list");
        }
        if (position + n > options.contextLength()) {
            throw new ContextOverflowException(position, n, options.contextLength());
        }
    }

    private AttentionObserver observer() {
        int n = observers.size();
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return observers.get(0);
        }
        List<AttentionObserver> all = List.copyOf(observers);
        return new AttentionObserver() {
            @Override
            public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
                for (AttentionObserver o : all) {
                    if (o.wants(layer, head, q)) {
                        o.onAttention(layer, head, q, keys, w, count);
                    }
                }
            }

            @Override
            public boolean wants(int layer, int head, int q) {
                for (AttentionObserver o : all) {
                    if (o.wants(layer, head, q)) {
                        return true;
                    }
                }
                return false;
            }

            /** Each in turn: one that moves the row to the front leaves it intact at its offset for the next. */
            @Override
            public void onAttention(int layer, int head, int q, int[] keys, float[] w, int offset, int count) {
                for (AttentionObserver o : all) {
                    if (o.wants(layer, head, q)) {
                        o.onAttention(layer, head, q, keys, w, offset, count);
                    }
                }
            }

            @Override
            public void onForwardStart(int start, int count) {
                all.forEach(o -> o.onForwardStart(start, count));
            }

            @Override
            public void onForwardEnd(int start, int count) {
                all.forEach(o -> o.onForwardEnd(start, count));
            }
        };
    }
}
