package org.kvscope.kv;

import java.util.Arrays;
import java.util.List;
import org.kvscope.tensor.KernelScratch;
import org.kvscope.tensor.PolicyKernels;

/**
 * Ada-KV (Feng et al. 2024): head-wise adaptive budgets. SnapKV's scores (PyramidKV's, with the
 * pyramid schedule) decide per layer, but instead of a top-k per kv-head, one top-k runs over the
 * scores of all the layer's kv-heads together: the layer keeps kv-heads × (budget − window)
 * selected entries, and a head whose attention is spread out gets more of them than a focused
 * one. A safeguard first gives every head its own top ⌊α·budget⌋ entries (window included), so
 * no head is starved. Each head keeps its observation window as in SnapKV.
 */
public final class AdaKvPolicy extends SnapKvPolicy {
    public static final String SNAPKV_NAME = "ada-snapkv";
    public static final String PYRAMIDKV_NAME = "ada-pyramidkv";
    private final String name;

    public AdaKvPolicy(String name, PolicyParameters params) {
        super(params);
        this.name = name;
    }

    /** SnapKV's (or, with "pyramid", PyramidKV's) parameters plus the safeguard α. */
    public static List<ParameterSpec> specs(String defaultSchedule) {
        return concat(SnapKvPolicy.specs(defaultSchedule), List.of(
                ParameterSpec.real("safeguard", 0, 1, 0.2, "α: share of the budget each head keeps by its own scores")));
    }

    @Override public String name() { return name; }

    @Override
    protected int[][] selectLayer(PrefillContext ctx, int layer, int sinks, int recent, int budget) {
        float[][] scores = new float[ctx.kvHeads()][];
        for (int h = 0; h < ctx.kvHeads(); h++) {
            scores[h] = scores(ctx, layer, h);
        }
        return selectLayer(scores, ctx.promptLength(), recent, budget, params.getDouble("safeguard"));
    }

    /**
     * One layer's kept positions per kv-head: the window of each head, each head's own top
     * ⌊α·budget⌋ − window, then the best of all heads' remaining candidates up to
     * kv-heads × (budget − window) selected entries in all. Candidates rank by {@link TopK#key} of
     * (score, head · n + position). Three passes over the candidates: each head's own top-k
     * ({@link TopK#best}); the threshold of the shared top-k, from a max-heap of the best remaining keys
     * so far (a score below the heap top's passed over on a float comparison); then each head's kept
     * positions in order. Nothing the size of all candidates is built or sorted.
     */
    static int[][] selectLayer(float[][] scores, int n, int window, int budget, double alpha) {
        int heads = scores.length, end = n - window;
        int selectable = Math.max(0, Math.min(budget, n) - window);
        int safe = Math.max(0, Math.min(selectable, (int) Math.floor(alpha * budget) - window));
        if (heads > 0 && PolicyKernels.available() && (long) heads * (n + 1) <= Integer.MAX_VALUE) {
            return selectLayerNatively(scores, n, end, safe, selectable);
        }
        return selectLayerInJava(scores, n, end, safe, selectable);
    }

    /**
     * {@link #selectLayer} in the native kernel ({@link PolicyKernels#adaLayer}: the same rules, so the same sets): no
     * loop over the candidates in Java, so a fresh JVM's first selection does not wait for the JIT to compile them
     * (docs/BENCHMARKS.md, issue 15). The heads' rows are copied into one array for it, this thread's
     * {@link KernelScratch} like the kernel's other arrays.
     */
    private static int[][] selectLayerNatively(float[][] scores, int n, int end, int safe, int selectable) {
        int heads = scores.length;
        float[] flat = KernelScratch.floats(heads * n);
        for (int h = 0; h < heads; h++) {
            System.arraycopy(scores[h], 0, flat, h * n, end); // the window's scores are not read
        }
        long[] scratch = KernelScratch.longs(heads + Math.max(1, heads * selectable));
        int[] kept = KernelScratch.ints(heads * (n + 1));
        PolicyKernels.adaLayer(flat, heads, n, end, safe, selectable, scratch, kept);
        int[][] out = new int[heads][];
        for (int h = 0; h < heads; h++) {
            int from = heads + h * n;
            out[h] = Arrays.copyOfRange(kept, from, from + kept[h]);
        }
        return out;
    }

    /** {@link #selectLayer} in Java, where the native library is unavailable (the tests' reference for the kernel). */
    static int[][] selectLayerInJava(float[][] scores, int n, int end, int safe, int selectable) {
        int heads = scores.length;
        boolean[][] chosen = new boolean[heads][end];
        int[][] owns = TopK.best(scores, 0, end, safe);
        int taken = 0;
        for (int h = 0; h < heads; h++) {
            for (int p : owns[h]) {
                chosen[h][p] = true;
            }
            taken += owns[h].length;
        }
        int remaining = heads * end - taken;
        int more = Math.max(0, Math.min(remaining, heads * selectable - taken));
        long last = more == 0 ? Long.MIN_VALUE : Long.MAX_VALUE; // none, or all remaining
        if (more > 0 && more < remaining) {
            long[] heap = new long[more]; // the best remaining keys so far; MAX_VALUE ranks below every key
            Arrays.fill(heap, Long.MAX_VALUE);
            float worst = Float.NEGATIVE_INFINITY; // the heap top's score once the heap is full
            for (int h = 0; h < heads; h++) {
                float[] s = scores[h];
                boolean[] own = chosen[h];
                for (int p = 0; p < end; p++) {
                    float v = s[p];
                    if (v < worst || own[p]) {
                        continue;
                    }
                    long key = TopK.key(v, h * n + p);
                    if (key < heap[0]) {
                        heap[0] = key;
                        TopK.siftDown(heap, 0, more);
                        if (heap[0] != Long.MAX_VALUE) {
                            worst = TopK.score(heap[0]);
                        }
                    }
                }
            }
            last = heap[0];
        }
        float lastScore = last == Long.MIN_VALUE ? Float.POSITIVE_INFINITY
                : last == Long.MAX_VALUE ? Float.NEGATIVE_INFINITY : TopK.score(last);
        int[][] out = new int[heads][];
        int[] kept = new int[n];
        for (int h = 0; h < heads; h++) {
            float[] s = scores[h];
            boolean[] own = chosen[h];
            int k = 0;
            for (int p = 0; p < end; p++) {
                float v = s[p];
                if (own[p] || !(v < lastScore) && TopK.key(v, h * n + p) <= last) {
                    kept[k++] = p;
                }
            }
            for (int p = end; p < n; p++) {
                kept[k++] = p;
            }
            out[h] = Arrays.copyOf(kept, k);
        }
        return out;
    }
}
