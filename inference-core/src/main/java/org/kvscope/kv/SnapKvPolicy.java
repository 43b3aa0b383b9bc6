package org.kvscope.kv;

import java.util.List;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.WindowScoring;

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

    private final WindowScoring scoring;

    public SnapKvPolicy(PolicyParameters params) {
        super(params);
        requireWindowAndOddKernel(params);
        scoring = new WindowScoring(params.getInt("kernel"), params.getChoice("pooling").equals("max"),
                params.getChoice("aggregation").equals("max"), false, false);
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

    /** Pooling and combining over a kv-head's query heads, done by the evidence as the prefill records the window. */
    @Override
    public WindowScoring windowScoring() {
        return scoring;
    }

    /**
     * The scores the evidence computed during the prefill ({@link AttentionEvidence#windowScores}) when it has them
     * for this window and scoring, otherwise the same computation here ({@link WindowScoring#scores}, the same
     * floats) from the window sums, or, for evidence whose window is wider than this policy's (a capture
     * re-scored), from sums of its last window rows.
     */
    @Override
    protected float[] scores(PrefillContext ctx, int layer, int kvHead) {
        AttentionEvidence ev = ctx.evidence();
        int n = ctx.promptLength();
        int alpha = recentKept(n);
        int group = ctx.groupSize();
        if (alpha == ev.window() && n == ev.keyCount() && scoring.equals(ev.windowScoring())) {
            float[] ready = ev.windowScores(layer, kvHead);
            if (ready != null) {
                return ready;
            }
        }
        float[][] sums = new float[group][];
        for (int g = 0; g < group; g++) {
            int head = kvHead * group + g;
            sums[g] = alpha == ev.window() ? ev.windowSum(layer, head) : windowSum(ev, layer, head, alpha, n - alpha);
        }
        return scoring.scores(sums, 0, group, n, alpha);
    }

    /**
     * The last {@code alpha} window rows of a head summed over the first {@code len} keys, for evidence whose window
     * is wider than this policy's: with the policy's own window the evidence has the sum ready
     * ({@link AttentionEvidence#windowSum}), the same floats.
     */
    private static float[] windowSum(AttentionEvidence ev, int layer, int head, int alpha, int len) {
        float[] raw = new float[len];
        for (int r = ev.window() - alpha; r < ev.window(); r++) {
            float[] row = ev.row(layer, head, r);
            for (int k = 0; k < len; k++) {
                raw[k] += row[k];
            }
        }
        return raw;
    }

    static float[] pool(float[] x, int kernel, boolean max) {
        return WindowScoring.pool(x, x.length, kernel, max);
    }
}
