package org.kvscope.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.ForwardingPolicy;
import org.kvscope.kv.KvCache;
import org.kvscope.model.Model;
import org.kvscope.sampling.Sampler;

/**
 * Which positions left the KV cache, and when, while a policy generated: the prompt positions
 * gone after prefill, then per generated token the positions the policy evicted at that decode
 * step, per layer and kv-head. Recorded by wrapping the policy (its decisions are unchanged).
 *
 * @param policy         policy name
 * @param promptLength   prompt tokens (positions 0..promptLength-1)
 * @param prefillEvicted [layer][kvHead] prompt positions not in the cache after prefill, increasing
 * @param steps          one entry per decode step, in order
 */
public record EvictionTimeline(String policy, int promptLength, int[][][] prefillEvicted, List<Step> steps) {

    /**
     * One decode step.
     *
     * @param position position of the token decoded at this step (promptLength + index)
     * @param token    that token's id
     * @param evicted  [layer][kvHead] positions evicted after this step, increasing (empty when none)
     */
    public record Step(int position, int token, int[][][] evicted) {
        /** Positions evicted in this step summed over layers and kv-heads. */
        public int count() {
            int n = 0;
            for (int[][] layer : evicted) {
                for (int[] h : layer) {
                    n += h.length;
                }
            }
            return n;
        }
    }

    public int layers() { return prefillEvicted.length; }

    public int kvHeads() { return prefillEvicted[0].length; }

    /**
     * The decode step at which a position left one (layer, kv-head): -1 when gone after prefill,
     * the step index otherwise, or {@code Integer.MAX_VALUE} when it is still cached at the end.
     */
    public int evictedAt(int layer, int kvHead, int position) {
        if (java.util.Arrays.binarySearch(prefillEvicted[layer][kvHead], position) >= 0) {
            return -1;
        }
        for (int s = 0; s < steps.size(); s++) {
            if (java.util.Arrays.binarySearch(steps.get(s).evicted()[layer][kvHead], position) >= 0) {
                return s;
            }
        }
        return Integer.MAX_VALUE;
    }

    /**
     * Prefills {@code prompt} with the policy active and greedily decodes {@code steps} tokens,
     * recording every eviction.
     *
     * @throws CancellationException when {@code cancelled} turns true between steps
     */
    public static EvictionTimeline record(Model model, int[] prompt, CompressionPolicy policy, int steps,
                                          BooleanSupplier cancelled) {
        InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(prompt.length + steps + 1));
        Recorder recorder = new Recorder(policy);
        s.setPolicy(recorder);
        float[] logits = s.prefill(prompt);
        int[][][] prefill = missing(s.cache(), prompt.length);
        for (int i = 0; i < steps; i++) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("eviction timeline cancelled");
            }
            int token = Sampler.argmax(logits);
            recorder.token = token;
            logits = s.decode(token);
        }
        return new EvictionTimeline(policy.name(), prompt.length, prefill, List.copyOf(recorder.steps));
    }

    private static int[][][] missing(KvCache cache, int n) {
        int[][][] out = new int[cache.layers()][cache.kvHeads()][];
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                boolean[] held = new boolean[n];
                int[] pos = cache.positions(l, h);
                for (int i = 0; i < cache.size(l, h); i++) {
                    if (pos[i] < n) {
                        held[pos[i]] = true;
                    }
                }
                out[l][h] = java.util.stream.IntStream.range(0, n).filter(p -> !held[p]).toArray();
            }
        }
        return out;
    }

    /** Delegates every decision to the policy and notes what each decode step removes. */
    private static final class Recorder extends ForwardingPolicy {
        private final List<Step> steps = new ArrayList<>();
        private int token;

        Recorder(CompressionPolicy delegate) {
            super(delegate);
        }

        /** Null: every step is recorded, so the engine steps. */
        @Override
        public org.kvscope.kv.DecodeWindows decodeWindows(int layers, int kvHeads) { return null; }

        @Override
        public int[][][] onDecodeStep(DecodeContext ctx) {
            KvCache cache = ctx.cache();
            int[][][] kept = delegate().onDecodeStep(ctx);
            int[][][] evicted = new int[cache.layers()][cache.kvHeads()][];
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    int[] keep = kept == null ? null : kept[l][h];
                    evicted[l][h] = keep == null ? new int[0] : removed(cache.positions(l, h), cache.size(l, h), keep);
                }
            }
            steps.add(new Step(ctx.position(), token, evicted));
            return kept;
        }

        /** Cached positions (increasing) not in {@code keep} (increasing). */
        private static int[] removed(int[] positions, int size, int[] keep) {
            int[] out = new int[size];
            int n = 0;
            for (int i = 0, k = 0; i < size; i++) {
                while (k < keep.length && keep[k] < positions[i]) {
                    k++;
                }
                if (k == keep.length || keep[k] != positions[i]) {
                    out[n++] = positions[i];
                }
            }
            return java.util.Arrays.copyOf(out, n);
        }
    }
}
