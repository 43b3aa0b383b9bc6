package org.kvscope.app.ui.vm;

import java.util.Arrays;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PyramidInferPolicy;
import org.kvscope.kv.ScoredPolicy;
import org.kvscope.kv.StreamingLlmPolicy;

/** The KV entries per kv-head a policy plans to keep in each layer, for the schedule chart. */
public final class LayerSchedule {
    private LayerSchedule() {}

    /** Entries kept per layer for a prompt of {@code promptLength} tokens. */
    public static int[] of(CompressionPolicy policy, int layers, int promptLength) {
        if (layers < 1 || promptLength < 1) {
            throw new IllegalArgumentException("layers and prompt length must be positive, were " + layers + " and "
                    + promptLength);
        }
        if (policy instanceof ScoredPolicy scored) {
            return scored.layerBudgets(layers, promptLength);
        }
        if (policy instanceof PyramidInferPolicy pi) {
            return pi.layerKeep(layers, promptLength);
        }
        int[] out = new int[layers];
        if (policy instanceof StreamingLlmPolicy) {
            Arrays.fill(out, Math.min(promptLength, policy.parameters().getInt("budget")));
        } else {
            Arrays.fill(out, promptLength);
        }
        return out;
    }
}
