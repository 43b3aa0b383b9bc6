package org.kvscope.engine;

import org.kvscope.backend.BackendFactory;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.model.Model;
import org.kvscope.trace.AttentionEvidence;

/**
 * Completes a captured run's evidence with what a policy asks for beyond attention: KVzip's
 * context-reconstruction scores (an extra pass over the prompt) and the model's per-head
 * retrieval scores (measured once per model). A live {@link InferenceSession} does this itself.
 */
public final class PolicyEvidence {
    private PolicyEvidence() {}

    /**
     * Attaches what {@code policy} needs and {@code run}'s evidence lacks.
     *
     * @return wall time of the reconstruction pass in nanoseconds (0 when none ran)
     */
    public static long complete(BackendFactory backend, Model model, CompressionPolicy policy, CaptureRun run) {
        AttentionEvidence ev = run.capture().evidence();
        long nanos = 0;
        if (policy.needsContextReconstruction() && !ev.hasReconstruction()) {
            long t0 = System.nanoTime();
            ev.setReconstruction(ContextReconstruction.score(backend, model, run.promptTokens()));
            nanos = System.nanoTime() - t0;
        }
        if (policy.needsRetrievalScores() && !ev.hasRetrievalScores()) {
            ev.setRetrievalScores(RetrievalHeads.of(backend, model).perKvHead());
        }
        return nanos;
    }
}
