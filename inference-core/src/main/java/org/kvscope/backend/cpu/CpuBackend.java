package org.kvscope.backend.cpu;

import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.ForwardBackend;
import org.kvscope.backend.LogitsSink;
import org.kvscope.kv.DecodeWindows;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.PrefillPruner;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.trace.AttentionObserver;

/**
 * {@link ForwardBackend} on the CPU: {@link CpuForward} over a {@link KvCache} of the chosen
 * {@link KvCacheType} (F32 by default). Every call
 * goes straight to the forward pass, so results are the same, bit for bit, as calling it
 * directly; the observer is invoked inline from the attention loop (concurrently for different
 * heads, in query order per head).
 */
public final class CpuBackend implements ForwardBackend {
    /** Opens CPU backends with an F32 cache; holds nothing between sessions. */
    public static final BackendFactory FACTORY = factory(KvCacheType.F32);

    /** Opens CPU backends whose caches store keys and values as {@code cacheType}. */
    public static BackendFactory factory(KvCacheType cacheType) {
        return new BackendFactory() {
            @Override public String device() { return "cpu"; }

            @Override public String description() { return "CPU"; }

            @Override public KvCacheType cacheType() { return cacheType; }

            @Override
            public ForwardBackend open(Model model, int contextLength) {
                return new CpuBackend(model, contextLength, cacheType);
            }
        };
    }

    /**
     * Whether this backend runs {@code model} on its scalar small-model path (embedding width at most
     * 128, F32 matrices: stories260K), whose kernels are plain Java loops.
     */
    public static boolean runsScalar(Model model) {
        return SmallModel.fits(model.config(), model.weights());
    }

    private final CpuForward forward;
    private final KvCache cache;

    /** With an F32 cache. */
    public CpuBackend(Model model, int contextLength) {
        this(model, contextLength, KvCacheType.F32);
    }

    public CpuBackend(Model model, int contextLength, KvCacheType cacheType) {
        ModelConfig c = model.config();
        this.forward = new CpuForward(c, model.weights());
        this.cache = cacheType.newCache(c.layers(), c.kvHeads(), c.headDim(), contextLength);
    }

    @Override public ModelConfig config() { return forward.config(); }

    @Override public String description() { return "CPU"; }

    @Override public KvCache cache() { return cache; }

    @Override
    public void forward(int[] tokens, int offset, int n, int startPosition, AttentionObserver observer,
                        PrefillPruner pruner, boolean allRows, LogitsSink sink) {
        forward.forward(tokens, offset, n, startPosition, cache, observer, pruner, allRows, sink);
    }

    /** Skips the last layer's output projection and FFN, and the logits ({@link CpuForward#attend}). */
    @Override
    public void attend(int[] tokens, int offset, int n, int startPosition, AttentionObserver observer) {
        forward.attend(tokens, offset, n, startPosition, cache, observer);
    }

    @Override public boolean attendsInWindows() { return true; }

    @Override
    public void forwardInWindows(int[] tokens, int offset, int n, int startPosition, AttentionObserver observer,
                                 boolean allRows, LogitsSink sink, DecodeWindows windows) {
        forward.forwardInWindows(tokens, offset, n, startPosition, cache, observer, windows, allRows, sink);
    }

    @Override
    public void keepPositions(int[][][] keptPositions) {
        for (int l = 0; l < keptPositions.length; l++) {
            if (keptPositions[l] == null) {
                continue;
            }
            for (int h = 0; h < keptPositions[l].length; h++) {
                if (keptPositions[l][h] != null) {
                    int[] slots = ForwardBackend.slotsHolding(cache, l, h, keptPositions[l][h]);
                    if (slots != null) {
                        cache.retain(l, h, slots);
                    }
                }
            }
        }
    }

    @Override public void reset() { cache.clear(); }

    @Override public void close() {}
}
