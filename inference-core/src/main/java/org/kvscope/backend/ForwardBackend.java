package org.kvscope.backend;

import org.kvscope.kv.DecodeWindows;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PrefillPruner;
import org.kvscope.model.ModelConfig;
import org.kvscope.trace.AttentionObserver;

/**
 * The transformer forward pass of one session on one device, with the KV cache it owns. The
 * engine ({@code InferenceSession}) drives every model run through this interface, so the
 * sessions, generation, perplexity, needle evaluation, attention capture and every compression
 * policy work the same on any backend; only {@link Backends} names the implementations.
 *
 * <p>What a backend provides:
 * <ul>
 *   <li><b>Prefill chunk and decode step</b>: {@link #forward} runs {@code n} consecutive tokens
 *       (one token is a decode step) and appends their keys and values to the cache.</li>
 *   <li><b>Logits</b>: of the last row, or of every row for teacher-forced scoring, through a
 *       {@link LogitsSink}.</li>
 *   <li><b>KV-cache access</b>: {@link #cache()} reads slot positions, sizes, keys and values;
 *       {@link #keepPositions} compacts the cache to the positions a policy keeps.</li>
 *   <li><b>Attention evidence and the observer hook</b>: with an {@link AttentionObserver} the
 *       backend reports every attention row it computes (query head, query position, the
 *       visible slots' positions and softmax weights, in slot order). That is all the evidence
 *       policies ask for: the engine's collectors turn the rows into the last α queries' rows,
 *       attention accumulated over the prompt, and each decode step's weights. Without an
 *       observer a backend must not pay for reporting.</li>
 *   <li><b>Prefill pruning</b> (PyramidInfer): with a {@link PrefillPruner}, after each layer the
 *       rows it names continue to the next layer and the others stop there.</li>
 * </ul>
 *
 * <p>Performance contract: one call per prefill chunk or decode step; implementations dispatch
 * nothing virtually per token or per head through this interface.
 *
 * <p>Not thread-safe: one instance per session. {@link #close()} frees what the session holds
 * (device memory for a GPU backend), not the model's weights.
 */
public interface ForwardBackend extends AutoCloseable {

    ModelConfig config();

    /** What runs the model, e.g. "CPU" or "NVIDIA H100 (sm_90, 79.1 GiB)". */
    String description();

    /**
     * The session's KV cache. Positions and sizes are always current. On a device backend keys
     * and values are copies read back from the device when asked for (slow; for tests and
     * analysis), and {@link KvCache#retain} compacts the device cache.
     */
    KvCache cache();

    /**
     * Runs {@code tokens[offset .. offset + n)} at positions {@code startPosition ...}, appending
     * their keys and values to the cache, and hands logits to {@code sink}: every row when
     * {@code allRows}, else the last row only. With a {@code pruner}, rows may stop between
     * layers; rows stopped before the last layer get no logits. {@code observer} (may be null)
     * sees every attention row as described above.
     *
     * @throws IllegalArgumentException for no tokens, a token outside the vocabulary or
     *                                  positions beyond the cache's capacity
     */
    void forward(int[] tokens, int offset, int n, int startPosition, AttentionObserver observer,
                 PrefillPruner pruner, boolean allRows, LogitsSink sink);

    /**
     * {@link #forward} without a pruner and without logits: for the keys and values appended and the attention rows
     * {@code observer} sees. A backend may skip what feeds only the logits (the last layer after its attention);
     * by default it runs {@link #forward} and drops the last row's logits.
     */
    default void attend(int[] tokens, int offset, int n, int startPosition, AttentionObserver observer) {
        forward(tokens, offset, n, startPosition, observer, null, false, (row, logits, o) -> { });
    }

    /**
     * Whether {@link #forwardInWindows} runs here (false by default).
     */
    default boolean attendsInWindows() { return false; }

    /**
     * {@link #forward} without pruning, each (layer, kv-head) that {@code windows} bounds attending from
     * the row at cache slot j only to slots {@code 0 .. sinks − 1} and {@code max(sinks, j − (entries −
     * sinks)) .. j}: what that row's decode step sees when every step keeps the head's first sinks and
     * latest entries. Nothing is evicted. Null windows: plain {@link #forward}.
     *
     * @throws UnsupportedOperationException with windows, unless {@link #attendsInWindows()}
     */
    default void forwardInWindows(int[] tokens, int offset, int n, int startPosition, AttentionObserver observer,
                                  boolean allRows, LogitsSink sink, DecodeWindows windows) {
        if (windows != null) {
            throw new UnsupportedOperationException(description() + " does not attend in decode windows");
        }
        forward(tokens, offset, n, startPosition, observer, null, allRows, sink);
    }

    /**
     * Keeps, per (layer, kv-head), exactly the slots holding the given positions; a null entry
     * (or a null layer) leaves that head unchanged.
     *
     * @param keptPositions [layer][kvHead] strictly increasing positions the head holds
     * @throws IllegalStateException naming the position, layer and kv-head when a head does not
     *                               hold a kept position
     */
    void keepPositions(int[][][] keptPositions);

    /** Empties the cache. */
    void reset();

    /** Frees the session's memory; the backend is unusable afterwards. */
    @Override
    void close();

    /**
     * The slots of one (layer, kv-head) that hold {@code want} (strictly increasing), for
     * {@link #keepPositions}; null when they are every slot (nothing to compact).
     *
     * @throws IllegalStateException when a wanted position is not held
     */
    static int[] slotsHolding(KvCache cache, int layer, int kvHead, int[] want) {
        int size = cache.size(layer, kvHead);
        int[] have = cache.positions(layer, kvHead);
        int[] slots = new int[want.length];
        int s = 0;
        for (int i = 0; i < want.length; i++) {
            while (s < size && have[s] < want[i]) {
                s++;
            }
            if (s == size || have[s] != want[i]) {
                throw new IllegalStateException("kept position " + want[i] + " which layer " + layer + " kv-head "
                        + kvHead + " does not hold");
            }
            slots[i] = s++;
        }
        return slots.length == size ? null : slots;
    }

    /**
     * Checks the rows a {@link PrefillPruner} keeps out of {@code live}: strictly increasing
     * indices below live, ending with the last row.
     *
     * @throws IllegalStateException otherwise
     */
    static void checkKeptRows(int[] keep, int live) {
        if (keep.length == 0 || keep[keep.length - 1] != live - 1) {
            throw new IllegalStateException("a prefill pruner must keep the last row");
        }
        for (int j = 0; j < keep.length; j++) {
            int r = keep[j];
            if (r < j || r >= live || (j > 0 && r <= keep[j - 1])) {
                throw new IllegalStateException("pruned rows must be strictly increasing indices below " + live);
            }
        }
    }
}
