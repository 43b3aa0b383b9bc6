package org.kvscope.app.ui.vm;

import org.kvscope.engine.CaptureRun;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.trace.AttentionEvidence;

/**
 * The KV entries per kv-head a policy plans to keep in each layer, for the schedule chart: the
 * policy answers itself ({@link CompressionPolicy#layerBudgets}), so schedules measured from the
 * prompt (CAKE's cascade, the "auto" schedule) and plugin policies show their own split.
 */
public final class LayerSchedule {
    private LayerSchedule() {}

    /** Entries kept per layer for a prompt of {@code promptLength} tokens before its attention is known. */
    public static int[] of(CompressionPolicy policy, int layers, int promptLength) {
        if (layers < 1 || promptLength < 1) {
            throw new IllegalArgumentException("layers and prompt length must be positive, were " + layers + " and "
                    + promptLength);
        }
        return checked(policy, policy.layerBudgets(new CompressionPolicy.PrefillContext(layers, 1, 1, promptLength,
                promptLength, null)), layers);
    }

    /**
     * Entries kept per layer on a captured prompt, whose attention the policy may measure (the
     * captured window, when it holds as many queries as the policy scores from).
     */
    public static int[] of(CompressionPolicy policy, CaptureRun run, int contextLength) {
        AttentionEvidence ev = run.capture().evidence();
        AttentionEvidence usable = policy.evidenceWindow() <= ev.window() ? ev : null;
        int layers = ev.layers();
        return checked(policy, policy.layerBudgets(new CompressionPolicy.PrefillContext(layers, ev.heads(), ev.kvHeads(),
                run.capture().promptLength(), contextLength, usable)), layers);
    }

    private static int[] checked(CompressionPolicy policy, int[] budgets, int layers) {
        if (budgets == null || budgets.length != layers) {
            throw new IllegalStateException("policy " + policy.name() + " gave " + (budgets == null ? "no"
                    : budgets.length) + " layer budgets for " + layers + " layers");
        }
        return budgets;
    }
}
