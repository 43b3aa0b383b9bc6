package org.example.kvplugin;

import java.util.List;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyParameters;
import org.kvscope.kv.ScoredPolicy;
import org.kvscope.kv.spi.SimplePolicyProvider;
import org.kvscope.trace.AttentionEvidence;

/**
 * An example plugin policy: each position is scored by the highest attention any query of the
 * observation window paid it (SnapKV sums instead), over the query heads of its kv-head; the
 * window itself is always kept and the best-scoring others fill the budget.
 */
public final class WindowMaxPolicy extends ScoredPolicy {
    public static final String NAME = "window-max";

    /** Registered through META-INF/services/org.kvscope.kv.spi.PolicyProvider. */
    public static final class Provider extends SimplePolicyProvider {
        public Provider() {
            super(NAME, "example plugin: peak attention from the observation window", WindowMaxPolicy::specs,
                    WindowMaxPolicy::new);
        }
    }

    public WindowMaxPolicy(PolicyParameters params) {
        super(params);
        BudgetParameters.requireBelowBudget(params, "window");
    }

    public static List<ParameterSpec> specs() {
        return concat(BudgetParameters.specs("uniform"), List.of(
                ParameterSpec.integer("window", 1, 1024, 8, "observation window: last prompt queries that score")
                        .withLabel("observation window α")));
    }

    @Override public String name() { return NAME; }

    @Override public int evidenceWindow() { return params.getInt("window"); }

    @Override protected int recentKept(int promptLength) { return Math.min(params.getInt("window"), promptLength); }

    @Override
    protected float[] scores(PrefillContext ctx, int layer, int kvHead) {
        AttentionEvidence ev = ctx.evidence();
        int window = recentKept(ctx.promptLength());
        float[] out = new float[ctx.promptLength()];
        for (int g = 0; g < ctx.groupSize(); g++) {
            for (int r = ev.window() - window; r < ev.window(); r++) {
                float[] row = ev.row(layer, kvHead * ctx.groupSize() + g, r);
                for (int k = 0; k < out.length; k++) {
                    out[k] = Math.max(out[k], row[k]);
                }
            }
        }
        return out;
    }
}
