package org.kvscope.kv;

import java.util.List;
import org.kvscope.trace.AttentionEvidence;

/**
 * SnapKV: each earlier position is scored by the attention the last {@code window} prompt
 * queries (the observation window) pay it, summed over the window, smoothed by 1-D pooling
 * (kernel size, average or max) and aggregated over the query heads that share a kv-head (mean
 * or max); the top positions fill the budget and the window itself is always kept.
 *
 * <p>Average pooling counts padding like PyTorch's default: the sum over the kernel's in-range
 * neighbours divided by the full kernel size.
 */
public class SnapKvPolicy extends ScoredPolicy {
    public static final String NAME = "snapkv";

    public SnapKvPolicy(PolicyParameters params) {
        super(params);
        requireWindowAndOddKernel(params);
    }

    /** The observation window leaves room in the budget and the pooling kernel is odd. */
    static void requireWindowAndOddKernel(PolicyParameters params) {
        BudgetParameters.requireBelowBudget(params, "window");
        if (params.getInt("kernel") % 2 == 0) {
            throw new IllegalArgumentException("parameter 'kernel' must be an odd integer in 1..63, was "
                    + params.getInt("kernel"));
        }
    }

    public static List<ParameterSpec> specs() {
        return specs("uniform");
    }

    protected static List<ParameterSpec> specs(String schedule) {
        return concat(BudgetParameters.specs(schedule), List.of(
                ParameterSpec.integer("window", 1, 1024, 8, "observation window α: last prompt queries used for scoring")
                        .withLabel("observation window α").withLogScale(),
                ParameterSpec.integer("kernel", 1, 63, 7, "pooling kernel size (odd; 1 = no pooling)")
                        .withLabel("pooling kernel"),
                ParameterSpec.choice("pooling", List.of("avg", "max"), "avg", "pooling of scores over neighbours"),
                ParameterSpec.choice("aggregation", List.of("mean", "max"), "mean",
                        "how the query heads of a kv-head are combined")));
    }

    @Override public String name() { return NAME; }

    /** The built-in classes keep their selection while decoding; a plugin's subclass says for itself. */
    @Override public boolean actsDuringDecode() { return !builtIn(); }

    @Override public int evidenceWindow() { return params.getInt("window"); }

    /** The built-in classes' scoring reads the evidence and the parameters only; a plugin's subclass says for itself. */
    @Override
    protected boolean scoresLayersConcurrently() {
        return builtIn();
    }

    private boolean builtIn() {
        return getClass() == SnapKvPolicy.class || getClass() == PyramidKvPolicy.class || getClass() == AdaKvPolicy.class;
    }

    @Override
    protected int recentKept(int promptLength) {
        return Math.min(params.getInt("window"), promptLength);
    }

    @Override
    protected float[] scores(PrefillContext ctx, int layer, int kvHead) {
        AttentionEvidence ev = ctx.evidence();
        int n = ctx.promptLength();
        int alpha = recentKept(n);
        int upto = n - alpha;
        int group = ctx.groupSize();
        boolean max = params.getChoice("aggregation").equals("max");
        float[] out = new float[n];
        if (max) {
            java.util.Arrays.fill(out, 0, upto, Float.NEGATIVE_INFINITY);
        }
        float[] raw = alpha == ev.window() ? null : new float[upto];
        for (int g = 0; g < group; g++) {
            int head = kvHead * group + g;
            float[] pooled = pool(raw == null ? ev.windowSum(layer, head) : windowSum(ev, layer, head, alpha, raw), upto,
                    params.getInt("kernel"), params.getChoice("pooling").equals("max"));
            if (max) {
                for (int k = 0; k < upto; k++) {
                    out[k] = Math.max(out[k], pooled[k]);
                }
            } else {
                for (int k = 0; k < upto; k++) {
                    out[k] += pooled[k] / group;
                }
            }
        }
        return out;
    }

    /**
     * The last {@code alpha} window rows of a head summed into {@code raw} (its length of keys), for
     * evidence whose window is wider than this policy's (a capture re-scored): with the policy's own
     * window the evidence has the sum ready ({@link AttentionEvidence#windowSum}), the same floats.
     */
    private static float[] windowSum(AttentionEvidence ev, int layer, int head, int alpha, float[] raw) {
        java.util.Arrays.fill(raw, 0f);
        for (int r = ev.window() - alpha; r < ev.window(); r++) {
            float[] row = ev.row(layer, head, r);
            for (int k = 0; k < raw.length; k++) {
                raw[k] += row[k];
            }
        }
        return raw;
    }

    static float[] pool(float[] x, int kernel, boolean max) {
        return pool(x, x.length, kernel, max);
    }

    /**
     * 1-D pooling with stride 1 and same-size output, of {@code x[0..len)}. Each output adds (or takes the max of) its
     * in-range neighbours from left to right; the interior runs one neighbour offset at a time
     * across all outputs (the same sums, in a loop the compiler vectorises). Plain loops, not the
     * Vector API: they run fast before the JIT's last tier too (the first selection of a run).
     */
    static float[] pool(float[] x, int len, int kernel, boolean max) {
        if (kernel <= 1) {
            return java.util.Arrays.copyOf(x, len);
        }
        int half = kernel / 2;
        float[] out = new float[len];
        int lo = Math.min(half, len), hi = Math.max(lo, len - half); // interior [lo, hi): every neighbour in range
        if (max) {
            java.util.Arrays.fill(out, lo, hi, Float.NEGATIVE_INFINITY);
        }
        for (int j = -half; j <= half; j++) {
            if (max) {
                for (int i = lo; i < hi; i++) {
                    out[i] = Math.max(out[i], x[i + j]);
                }
            } else {
                for (int i = lo; i < hi; i++) {
                    out[i] += x[i + j];
                }
            }
        }
        if (!max) {
            for (int i = lo; i < hi; i++) {
                out[i] /= kernel;
            }
        }
        for (int i = 0; i < lo; i++) {
            out[i] = edge(x, len, i, half, kernel, max);
        }
        for (int i = hi; i < len; i++) {
            out[i] = edge(x, len, i, half, kernel, max);
        }
        return out;
    }

    /** One output of {@link #pool} near an end, over its in-range neighbours in {@code x[0..len)}. */
    private static float edge(float[] x, int len, int i, int half, int kernel, boolean max) {
        float acc = max ? Float.NEGATIVE_INFINITY : 0f;
        for (int j = Math.max(0, i - half); j <= Math.min(len - 1, i + half); j++) {
            acc = max ? Math.max(acc, x[j]) : acc + x[j];
        }
        return max ? acc : acc / kernel;
    }
}
