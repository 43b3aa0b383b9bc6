package org.kvscope.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.ForwardBackend;
import org.kvscope.backend.LogitsSink;
import org.kvscope.kv.DecodeWindows;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PrefillPruner;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.trace.AttentionObserver;

/**
 * The CPU backend, watched: counts KVzip reconstruction passes (a forward call that starts with the
 * repeat prompt opens one, the cache's restore after it closes it: contexts of one chunk) and, before every other
 * forward call past the first {@code context} positions, records which of those positions each
 * (layer, kv-head) still holds.
 */
final class CountingBackends implements BackendFactory {
    private final BackendFactory cpu = org.kvscope.backend.Backends.cpu();
    private final int context;
    private int[] repeatPrompt;
    int reconstructionPasses;
    /** Per later forward call, [layer][kvHead] the context positions held. */
    final List<int[][][]> contextHeld = new ArrayList<>();

    CountingBackends(int context) {
        this.context = context;
    }

    @Override public String device() { return cpu.device(); }
    @Override public String description() { return cpu.description(); }

    @Override
    public ForwardBackend open(Model model, int contextLength) {
        repeatPrompt = model.tokenizer().encode(ContextReconstruction.FIRST_PROMPT);
        ForwardBackend b = cpu.open(model, contextLength);
        return new ForwardBackend() {
            private boolean reconstructing;

            @Override public ModelConfig config() { return b.config(); }
            @Override public String description() { return b.description(); }
            @Override public KvCache cache() { return b.cache(); }

            @Override
            public void keepPositions(int[][][] kept) {
                reconstructing = false;
                b.keepPositions(kept);
            }

            @Override public void reset() { b.reset(); }
            @Override public void close() { b.close(); }

            @Override public boolean attendsInWindows() { return b.attendsInWindows(); }

            @Override
            public void forwardInWindows(int[] tokens, int offset, int n, int start, AttentionObserver observer,
                                         boolean allRows, LogitsSink sink, DecodeWindows windows) {
                if (start >= context && !reconstructing) {
                    contextHeld.add(held(b.cache()));
                }
                b.forwardInWindows(tokens, offset, n, start, observer, allRows, sink, windows);
            }

            @Override
            public void forward(int[] tokens, int offset, int n, int start, AttentionObserver observer,
                                PrefillPruner pruner, boolean allRows, LogitsSink sink) {
                if (offset == 0 && tokens.length >= repeatPrompt.length
                        && Arrays.equals(repeatPrompt, Arrays.copyOf(tokens, repeatPrompt.length))) {
                    reconstructionPasses++;
                    reconstructing = true;
                } else if (start >= context && !reconstructing) {
                    contextHeld.add(held(b.cache()));
                }
                b.forward(tokens, offset, n, start, observer, pruner, allRows, sink);
            }
        };
    }

    private int[][][] held(KvCache c) {
        int[][][] out = new int[c.layers()][c.kvHeads()][];
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                out[l][h] = Arrays.stream(c.positions(l, h), 0, c.size(l, h)).filter(p -> p < context).toArray();
            }
        }
        return out;
    }
}
