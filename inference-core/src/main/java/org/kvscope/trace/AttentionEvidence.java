package org.kvscope.trace;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.kvscope.tensor.PolicyKernels;
import org.kvscope.tensor.VectorOps;

/**
 * Attention gathered during one prefill that compression policies score from, and that can be
 * re-scored for new policy settings without re-running the model.
 *
 * <p>For every layer and query head it holds the exact attention rows of the last
 * {@link #window()} queries (row r is the query at position {@code keyCount − window + r}, with
 * weights over key positions {@code 0..query}) and the attention each key position received,
 * summed over all queries of the prefill, and the window rows' sum per key (added as each row
 * arrives, in query order), and with accumulation each kv-head's heads' sums added together
 * ({@link #accumulatedKvHeadSum}). Memory: {@code layers × heads × (window + 2) × keyCount} floats
 * ({@code layers × kvHeads × keyCount} more with accumulation), and with
 * {@linkplain #hasWindowMoments window moments} (CAKE's) three doubles more per key.
 */
public final class AttentionEvidence {
    private final int layers, heads, kvHeads, keyCount, window;
    private final boolean accumulate;
    private final float[][][] rows;        // [layer*heads+head][r][key]
    private final boolean[] staleRows;     // [(layer*heads+head)*window+r], reused rows not written yet; null: none
    private final float[][] accumulated;   // [layer*heads+head][key]
    private final float[][] kvHeadSums;    // [layer*kvHeads+kvHead][key], each set when its heads' last rows are in
    private final AtomicIntegerArray pendingLastRows; // per layer*kvHeads+kvHead, heads whose last row is still to come
    private final boolean[] lastRowSeen;   // [layer*heads+head], written by the thread recording the head
    private final float[][] windowSums;    // [layer*heads+head][key]
    private final double[][] rowEntropy;   // [layer*heads+head][r], with moments
    private final double[][] weightSums, squareSums, variances; // [layer*heads+head][key < firstWindowQuery], with moments
    private final double[] varianceTotals; // [layer*heads+head], with moments
    private WindowScoring scoring;         // optional, set before the first row
    private float[][] windowScores;        // [score group][key], each set when its heads' windows are complete
    private AtomicIntegerArray pendingHeads; // per score group, heads whose last window row is still to come
    private volatile float[][] keys;       // [layer*kvHeads+kvHead][key*headDim], optional
    private volatile int headDim;
    private volatile float[][] reconstruction; // [layer*kvHeads+kvHead][key], optional (KVzip)
    private volatile float[][] retrievalScores; // [layer][kvHead], optional (DuoAttention head split)

    /** Evidence with both the window rows and the accumulated attention. */
    public AttentionEvidence(int layers, int heads, int kvHeads, int keyCount, int window) {
        this(layers, heads, kvHeads, keyCount, window, true);
    }

    /**
     * @param accumulate whether to sum every query's attention per key (only policies that score
     *                   by accumulated attention need it; without it only the window rows are kept
     *                   and queries before the window cost nothing)
     */
    public AttentionEvidence(int layers, int heads, int kvHeads, int keyCount, int window, boolean accumulate) {
        this(layers, heads, kvHeads, keyCount, window, accumulate, false);
    }

    /**
     * @param accumulate as above
     * @param moments    whether to add up each window row's {@link WindowMoments} as it arrives
     *                   ({@link #windowEntropy}, {@link #windowWeightSums}, {@link #windowSquareSums}):
     *                   a logarithm per weight of the window rows, paid during the prefill instead of
     *                   at the policy's selection
     */
    public AttentionEvidence(int layers, int heads, int kvHeads, int keyCount, int window, boolean accumulate,
                             boolean moments) {
        this(layers, heads, kvHeads, keyCount, window, accumulate, moments, null);
    }

    /**
     * Evidence as {@link #AttentionEvidence(int, int, int, int, int, boolean, boolean)} makes it, held in
     * {@code spare}'s arrays when {@code spare} has the same shape and options ({@link #fits}), which then must no
     * longer be read: a session's next prefill gathers its evidence into the previous one's arrays instead of
     * allocating them again (SnapKV's window rows on the SmolLM2-135M shape are 141 MB a 2,048-token prefill, 270
     * heads × 64 rows × 2,048 floats, each of them garbage the young collections copy into the old generation).
     * The sums start at 0 again; a window row is written whole when it is recorded (its weights, zeros past them)
     * and reads as zeros until then, so the evidence holds the floats a new one would.
     *
     * @param spare evidence whose arrays may be reused, or null
     */
    public static AttentionEvidence reusing(AttentionEvidence spare, int layers, int heads, int kvHeads, int keyCount,
                                            int window, boolean accumulate, boolean moments) {
        return new AttentionEvidence(layers, heads, kvHeads, keyCount, window, accumulate, moments,
                spare != null && spare.fits(layers, heads, kvHeads, keyCount, window, accumulate, moments) ? spare : null);
    }

    /** Whether this evidence has the shape and options given (and its arrays could hold such evidence). */
    public boolean fits(int layers, int heads, int kvHeads, int keyCount, int window, boolean accumulate, boolean moments) {
        return this.layers == layers && this.heads == heads && this.kvHeads == kvHeads && this.keyCount == keyCount
                && this.window == Math.min(Math.max(window, 1), keyCount) && this.accumulate == accumulate
                && hasWindowMoments() == moments;
    }

    private AttentionEvidence(int layers, int heads, int kvHeads, int keyCount, int window, boolean accumulate,
                              boolean moments, AttentionEvidence spare) {
        if (layers <= 0 || heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || keyCount <= 0) {
            throw new IllegalArgumentException("bad evidence dimensions: layers=" + layers + " heads=" + heads
                    + " kvHeads=" + kvHeads + " keys=" + keyCount);
        }
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.keyCount = keyCount;
        this.window = Math.min(Math.max(window, 1), keyCount);
        this.accumulate = accumulate;
        rows = spare != null ? spare.rows : new float[layers * heads][this.window][keyCount];
        staleRows = spare != null ? filled(new boolean[layers * heads * this.window]) : null;
        accumulated = !accumulate ? null : spare != null ? zeroed(spare.accumulated) : new float[layers * heads][keyCount];
        kvHeadSums = accumulate ? new float[layers * kvHeads][] : null;
        pendingLastRows = accumulate ? new AtomicIntegerArray(layers * kvHeads) : null;
        lastRowSeen = accumulate ? new boolean[layers * heads] : null;
        for (int g = 0; accumulate && g < layers * kvHeads; g++) {
            pendingLastRows.set(g, heads / kvHeads);
        }
        windowSums = spare != null ? zeroed(spare.windowSums) : new float[layers * heads][keyCount];
        boolean reuse = moments && spare != null;
        rowEntropy = !moments ? null : reuse ? zeroed(spare.rowEntropy) : new double[layers * heads][this.window];
        weightSums = !moments ? null : reuse ? zeroed(spare.weightSums) : new double[layers * heads][keyCount - this.window];
        squareSums = !moments ? null : reuse ? zeroed(spare.squareSums) : new double[layers * heads][keyCount - this.window];
        variances = !moments ? null : reuse ? zeroed(spare.variances) : new double[layers * heads][keyCount - this.window];
        varianceTotals = !moments ? null : new double[layers * heads];
    }

    private static boolean[] filled(boolean[] a) {
        java.util.Arrays.fill(a, true);
        return a;
    }

    private static float[][] zeroed(float[][] a) {
        for (float[] x : a) {
            java.util.Arrays.fill(x, 0f);
        }
        return a;
    }

    private static double[][] zeroed(double[][] a) {
        for (double[] x : a) {
            java.util.Arrays.fill(x, 0d);
        }
        return a;
    }

    public int layers() { return layers; }

    public int heads() { return heads; }

    public int kvHeads() { return kvHeads; }

    public int groupSize() { return heads / kvHeads; }

    /** Number of key positions (the prompt length). */
    public int keyCount() { return keyCount; }

    /** Number of final query rows kept exactly. */
    public int window() { return window; }

    /** Position of the first query whose row is kept. */
    public int firstWindowQuery() { return keyCount - window; }

    /** Row of the query at {@code firstWindowQuery() + r} (weights beyond the query are 0). Live array. */
    public float[] row(int layer, int head, int r) {
        int idx = layer * heads + head;
        if (staleRows != null && staleRows[idx * window + r]) { // reused, never recorded: a new row's zeros
            java.util.Arrays.fill(rows[idx][r], 0f);
            staleRows[idx * window + r] = false;
        }
        return rows[idx][r];
    }

    /**
     * The window's rows of one layer and query head summed per key, each row added in query order
     * to a sum that starts at 0: the same floats as adding {@link #row} 0 … {@code window() − 1}
     * in turn, computed as the rows arrive during the prefill. Live array.
     */
    public float[] windowSum(int layer, int head) {
        return windowSums[layer * heads + head];
    }

    /** True when the window rows' moments were added up as they arrived ({@link #windowEntropy} and the sums). */
    public boolean hasWindowMoments() { return rowEntropy != null; }

    /**
     * The entropy term −Σ a·ln(a + 1e-10) of window row {@code r} over the keys before the window
     * (positions below {@link #firstWindowQuery()}), as {@link WindowMoments#addRow} gives it.
     */
    public double windowEntropy(int layer, int head, int r) {
        return moments()[layer * heads + head][r];
    }

    /**
     * Per key before the window, the window rows' weights summed in double, rows in query order
     * (as {@link WindowMoments#addRow} adds them). Live array of {@link #firstWindowQuery()} values.
     */
    public double[] windowWeightSums(int layer, int head) {
        moments();
        return weightSums[layer * heads + head];
    }

    /** Per key before the window, the window rows' squared weights summed like {@link #windowWeightSums}. Live array. */
    public double[] windowSquareSums(int layer, int head) {
        moments();
        return squareSums[layer * heads + head];
    }

    /**
     * Per key before the window, the sample variance of its weights over the window rows
     * ({@link WindowMoments#variances} of {@link #windowWeightSums} and {@link #windowSquareSums}),
     * computed when the last window row arrived. Live array.
     */
    public double[] windowVariances(int layer, int head) {
        moments();
        return variances[layer * heads + head];
    }

    /** The total of {@link #windowVariances}, added in key order. */
    public double windowVarianceTotal(int layer, int head) {
        moments();
        return varianceTotals[layer * heads + head];
    }

    private double[][] moments() {
        if (rowEntropy == null) {
            throw new IllegalStateException("this evidence was gathered without the window rows' moments");
        }
        return rowEntropy;
    }

    /**
     * Asks for {@code scoring}'s scores to be computed during the prefill: each score group's as soon as the
     * last window row of its heads is recorded ({@link #windowScores}). Call before the first row is recorded.
     */
    public void computeWindowScores(WindowScoring scoring) {
        if (scoring.fromMoments() && rowEntropy == null) {
            throw new IllegalStateException("scores from window moments need evidence that adds up the moments");
        }
        int groups = scoring.perLayer() ? layers : layers * kvHeads;
        int span = scoring.perLayer() ? heads : groupSize();
        pendingHeads = new AtomicIntegerArray(groups);
        for (int g = 0; g < groups; g++) {
            pendingHeads.set(g, span);
        }
        windowScores = new float[groups][];
        this.scoring = scoring;
    }

    /** The scoring {@link #computeWindowScores} asked for, or null. */
    public WindowScoring windowScoring() { return scoring; }

    /**
     * {@link #windowScoring()}'s scores of the group that holds this layer's kv-head (per layer: the layer's),
     * computed during the prefill from {@link #windowSum}s, {@link #keyCount()} positions; null when no
     * scoring was asked for or a head's last window row was not recorded. Live array.
     */
    public float[] windowScores(int layer, int kvHead) {
        return scoring == null ? null : windowScores[scoring.perLayer() ? layer : layer * kvHeads + kvHead];
    }

    /** After a head's last window row: the last of its group's heads computes the group's scores. */
    private void windowComplete(int layer, int head) {
        boolean perLayer = scoring.perLayer();
        int span = perLayer ? heads : groupSize();
        int group = perLayer ? layer : layer * kvHeads + head / span;
        if (pendingHeads.decrementAndGet(group) == 0) {
            int first = layer * heads + (perLayer ? 0 : head / span * span);
            windowScores[group] = scoring.fromMoments()
                    ? scoring.scores(weightSums, variances, first, span, keyCount, window)
                    : scoring.scores(windowSums, first, span, keyCount, window);
        }
    }

    /** True when {@link #accumulated} is available. */
    public boolean hasAccumulated() { return accumulate; }

    /** Attention each key received summed over all prefill queries. Live array. */
    public float[] accumulated(int layer, int head) {
        if (!accumulate) {
            throw new IllegalStateException("this evidence was gathered without accumulated attention");
        }
        return accumulated[layer * heads + head];
    }

    /**
     * The kv-head's query heads' {@link #accumulated} attention added per key, head after head, to a sum that
     * starts at 0 (H2O's scores): computed during the prefill by whichever thread records the last of those heads'
     * rows of the prompt's last query, so that a selection finds it ready. Null when those rows were not all
     * recorded (or the evidence does not accumulate). Live array of {@link #keyCount()} floats.
     */
    public float[] accumulatedKvHeadSum(int layer, int kvHead) {
        return kvHeadSums == null ? null : kvHeadSums[layer * kvHeads + kvHead];
    }

    /** After the last prompt row of a head: the last of its kv-head's heads adds up their accumulated attention. */
    private void lastRowRecorded(int layer, int head) {
        int group = groupSize(), g = layer * kvHeads + head / group;
        if (lastRowSeen[layer * heads + head]) { // recorded again: the sum would no longer match; none is given
            kvHeadSums[g] = null;
            pendingLastRows.set(g, Integer.MAX_VALUE);
            return;
        }
        lastRowSeen[layer * heads + head] = true;
        if (pendingLastRows.decrementAndGet(g) == 0) {
            float[] sum = new float[keyCount];
            for (int i = layer * heads + head / group * group, end = i + group; i < end; i++) {
                addTo(sum, accumulated[i], keyCount);
            }
            kvHeadSums[g] = sum;
        }
    }

    /** True when the prompt's keys were recorded ({@link #setKeys}). */
    public boolean hasKeys() { return keys != null; }

    /** Length of one recorded key vector (0 when none were recorded). */
    public int headDim() { return headDim; }

    /**
     * Keys of one layer and kv-head for positions {@code 0..keyCount-1}, position-major. Live array.
     *
     * @throws IllegalStateException when no keys were recorded
     */
    public float[] keys(int layer, int kvHead) {
        float[][] k = keys;
        if (k == null) {
            throw new IllegalStateException("this evidence was gathered without the prompt's keys");
        }
        return k[layer * kvHeads + kvHead];
    }

    /**
     * Attaches the prompt's keys (memory: layers × kvHeads × keyCount × headDim floats).
     *
     * @param keys per {@code layer * kvHeads + kvHead}, {@code keyCount * headDim} floats each
     */
    public void setKeys(int headDim, float[][] keys) {
        if (headDim <= 0 || keys.length != layers * kvHeads) {
            throw new IllegalArgumentException("need " + layers * kvHeads + " key arrays of positive head size, got "
                    + keys.length + " of " + headDim);
        }
        for (float[] k : keys) {
            if (k.length != keyCount * headDim) {
                throw new IllegalArgumentException("each key array must hold " + keyCount + " × " + headDim + " floats");
            }
        }
        this.headDim = headDim;
        this.keys = keys;
    }

    /** True when {@link #setReconstruction} attached KVzip's context-reconstruction scores. */
    public boolean hasReconstruction() { return reconstruction != null; }

    /**
     * The most attention each key position received from any query (and any query head of the
     * kv-head) while the model reconstructed its context (KVzip). Live array.
     *
     * @throws IllegalStateException when no reconstruction pass was run for this evidence
     */
    public float[] reconstruction(int layer, int kvHead) {
        float[][] r = reconstruction;
        if (r == null) {
            throw new IllegalStateException("this run has no context-reconstruction scores (KVzip's extra pass)");
        }
        return r[layer * kvHeads + kvHead];
    }

    /**
     * Attaches context-reconstruction scores.
     *
     * @param scores per {@code layer * kvHeads + kvHead}, {@code keyCount} floats each
     */
    public void setReconstruction(float[][] scores) {
        if (scores.length != layers * kvHeads) {
            throw new IllegalArgumentException("need " + layers * kvHeads + " score arrays, got " + scores.length);
        }
        for (float[] s : scores) {
            if (s.length != keyCount) {
                throw new IllegalArgumentException("each reconstruction score array must hold " + keyCount + " floats");
            }
        }
        this.reconstruction = scores;
    }

    /** True when {@link #setRetrievalScores} attached the model's per-head retrieval scores. */
    public boolean hasRetrievalScores() { return retrievalScores != null; }

    /**
     * The model's retrieval score per layer and kv-head (DuoAttention-style head split). Live array.
     *
     * @throws IllegalStateException when none were attached
     */
    public float[][] retrievalScores() {
        float[][] r = retrievalScores;
        if (r == null) {
            throw new IllegalStateException("this run has no per-head retrieval scores (the head classification)");
        }
        return r;
    }

    /** Attaches per-head retrieval scores, {@code [layer][kvHead]}. */
    public void setRetrievalScores(float[][] scores) {
        if (scores.length != layers || java.util.Arrays.stream(scores).anyMatch(s -> s.length != kvHeads)) {
            throw new IllegalArgumentException("retrieval scores must be " + layers + " layers × " + kvHeads + " kv-heads");
        }
        this.retrievalScores = scores;
    }

    /** Records one attention row (called by {@link EvidenceCollector}). */
    void record(int layer, int head, int queryPosition, int[] keyPositions, float[] weights, int count) {
        record(layer, head, queryPosition, keyPositions, weights, 0, count);
    }

    /** Records one attention row whose weights start at {@code wo} in {@code weights}. */
    void record(int layer, int head, int queryPosition, int[] keyPositions, float[] weights, int wo, int count) {
        int idx = layer * heads + head;
        int r = queryPosition - firstWindowQuery();
        float[] row = r >= 0 && r < window ? rows[idx][r] : null;
        if (!accumulate && row == null) {
            return;
        }
        if (count > 0 && count <= keyCount && keyPositions[0] == 0 && keyPositions[count - 1] == count - 1) {
            // slots hold positions 0..count-1 (an uncompressed prefill). The sums add from a row at offset 0 (the
            // window row, the weights themselves when wo is 0, else a per-thread copy): C2 does not vectorise
            // acc[k] += weights[wo + k] (the two may be one array, wo apart) but does acc[k] += src[k]; 3-4x less
            // CPU for H2O's every-row sum. No Vector API call, whose interpreted fallback a cold or C1-only
            // process would pay. Same floats: each element's adds are unchanged.
            float[] src = row != null ? row : wo == 0 ? weights : scratch();
            if (src != weights) {
                System.arraycopy(weights, wo, src, 0, count);
            }
            if (row != null && staleRows != null && staleRows[idx * window + r]) { // a reused row: zeros past the weights
                java.util.Arrays.fill(row, count, keyCount, 0f);
                staleRows[idx * window + r] = false;
            }
            if (accumulate) {
                addTo(accumulated[idx], src, count);
                if (queryPosition == keyCount - 1) {
                    lastRowRecorded(layer, head);
                }
            }
            if (row != null) {
                addTo(windowSums[idx], row, count);
                addMoments(idx, r, row);
                if (scoring != null && r == window - 1) {
                    windowComplete(layer, head);
                }
            }
            return;
        }
        if (row != null && staleRows != null && staleRows[idx * window + r]) { // a reused row: zeros where no weight lands
            java.util.Arrays.fill(row, 0f);
            staleRows[idx * window + r] = false;
        }
        float[] acc = accumulate ? accumulated[idx] : null;
        float[] sum = row != null ? windowSums[idx] : null;
        for (int s = 0; s < count; s++) {
            int p = keyPositions[s];
            if (p < keyCount) {
                if (acc != null) {
                    acc[p] += weights[wo + s];
                }
                if (row != null) {
                    row[p] = weights[wo + s];
                    sum[p] += weights[wo + s];
                }
            }
        }
        if (row != null) {
            addMoments(idx, r, row);
        }
        if (acc != null && queryPosition == keyCount - 1) {
            lastRowRecorded(layer, head);
        }
        if (scoring != null && r == window - 1) {
            windowComplete(layer, head);
        }
    }

    /**
     * Records a block of four rows before the window in one pass when it can: the evidence accumulates, the rows'
     * queries precede {@link #firstWindowQuery()} and the slots hold positions 0.. (an uncompressed prefill). Row j
     * (query {@code queryPositions[from + j]}, {@code firstCount + j} weights at {@code wo + j * rowStride}, then
     * zeros up to {@link AttentionObserver#blockWidth}) is added to the accumulated attention as {@link #record} adds
     * it, rows in order: per key ((((acc + r0) + r1) + r2) + r3) in whole vectors over the block's width (or the keys,
     * if fewer). A row's zeros past its own weights leave the sum as it is (it is never −0: it starts at +0 and adds
     * weights), so these are the same floats, with the sum read and written once per block instead of per row and
     * no scalar remainder (H2O's every-row sum), in the native kernel ({@link PolicyKernels#addFourRows}, the same
     * floats at half the CPU) where the library loads.
     *
     * @return false when nothing was recorded and the rows must go to {@link #record} one by one
     */
    boolean recordBlock(int layer, int head, int[] queryPositions, int from, int rows, int[] keyPositions,
                        float[] weights, int wo, int rowStride, int firstCount) {
        int last = firstCount + rows - 1; // slots the block's last row sees
        if (!accumulate || rows != 4 || firstCount <= 0 || last > keyCount
                || queryPositions[from + rows - 1] >= firstWindowQuery()
                || keyPositions[0] != 0 || keyPositions[last - 1] != last - 1) {
            return false;
        }
        float[] sum = accumulated[layer * heads + head];
        int width = Math.min(AttentionObserver.blockWidth(firstCount, rows), keyCount);
        if (!PolicyKernels.addFourRows(sum, weights, wo, rowStride, width)) {
            VectorOps.addFourRows(sum, weights, wo, rowStride, width);
        }
        return true;
    }

    /** Per thread: the prompt row {@link #record} adds from (one not kept in the window). */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's scratch of {@link #keyCount} floats. */
    private float[] scratch() {
        float[] s = SCRATCH.get();
        if (s.length < keyCount) {
            s = new float[keyCount];
            SCRATCH.set(s);
        }
        return s;
    }

    /** sum[k] += src[k] for k in [0, n): both from index 0, a loop C2 vectorises. */
    private static void addTo(float[] sum, float[] src, int n) {
        for (int k = 0; k < n; k++) {
            sum[k] += src[k];
        }
    }

    /** Adds window row {@code r}'s moments over the keys before the window, when they are kept. */
    private void addMoments(int idx, int r, float[] row) {
        if (rowEntropy != null) {
            int upto = keyCount - window;
            rowEntropy[idx][r] = WindowMoments.addRow(row, upto, weightSums[idx], squareSums[idx]);
            if (r == window - 1) { // rows arrive in query order: the window is complete
                varianceTotals[idx] = WindowMoments.variances(weightSums[idx], squareSums[idx], upto, window, variances[idx]);
            }
        }
    }
}
