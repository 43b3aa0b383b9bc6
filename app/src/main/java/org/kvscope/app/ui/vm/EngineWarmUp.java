package org.kvscope.app.ui.vm;

import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.kvscope.app.ui.Workbench;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.SelectionWarmup;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;

/**
 * Runs a short capture and every policy's analysis once, in the background right after a model
 * loads, so that the JIT has compiled the forward pass, the capture and the analyses before the
 * user's first Run: a cold Run spends most of its time in not-yet-compiled Vector API code. On a
 * model whose selections can be long (SmolLM2-135M and up), each policy's selection from a capture is
 * also run a few hundred times on a small synthetic one ({@link SelectionWarmup#forCaptures}; built-in
 * policies and plugins that opt in), so that the first analysis of a long prompt runs compiled.
 */
final class EngineWarmUp {
    /** Prompt tokens of the warm-up capture. */
    static final int TOKENS = 128;
    private static final String TEXT = "Once upon a time, there was a little girl who liked to play in the park. ";

    private EngineWarmUp() {}

    /** Warms up on {@code model}; returns false when it was cancelled or the model is too small to warm up. */
    static boolean run(Workbench workbench, Model model, BooleanSupplier cancelled) {
        int n = Math.min(TOKENS, model.config().contextLength() - Workbench.DECODE_STEPS - 2);
        int[] text = model.tokenizer().encodeWithSpecials(TEXT);
        if (n < 3 || text.length == 0) {
            return false;
        }
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = text[i % text.length];
        }
        try {
            CaptureRun run = workbench.capture(model, tokens, p -> { }, cancelled);
            RunContext ctx = new RunContext(model, run, null);
            ModelConfig c = model.config();
            boolean selections = SelectionWarmup.worthIt(c.layers(), c.kvHeads(), c.contextLength());
            for (PolicyRegistry.Entry e : PolicyRegistry.entries()) {
                if (cancelled.getAsBoolean()) {
                    return false;
                }
                try {
                    var policy = PolicyRegistry.create(e.name(), ParameterValues.defaults(e.parameters()));
                    if (selections) { // long prompts' first selection compiled, where the policy allows it
                        SelectionWarmup.forCaptures(policy, c.heads(), c.kvHeads(), c.headDim());
                    }
                    if (policy.needsContextReconstruction() || policy.needsRetrievalScores()) {
                        continue; // their extra model passes are not a warm-up's to pay
                    }
                    ctx.analyze(policy);
                } catch (IllegalArgumentException | IllegalStateException unfit) {
                    // defaults that do not fit this short prompt, or a broken plugin: that policy's code stays cold
                }
            }
            return true;
        } catch (CancellationException e) {
            return false;
        }
    }
}
