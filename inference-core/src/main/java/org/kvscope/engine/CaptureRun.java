package org.kvscope.engine;

import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.sampling.Sampler;
import org.kvscope.trace.AttentionCapture;
import org.kvscope.trace.CaptureOptions;

/**
 * A FullKV run with attention capture: prefill the prompt and greedily decode a few tokens while
 * an {@link AttentionCapture} records what policies and metrics need, so any policy setting can
 * later be evaluated from the capture alone.
 *
 * @param generated greedily decoded tokens
 */
public record CaptureRun(AttentionCapture capture, int[] promptTokens, int[] generated) {

    public static CaptureRun run(Model model, int[] promptTokens, CaptureOptions options) {
        ModelConfig c = model.config();
        int steps = options.decodeSteps();
        InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(promptTokens.length + steps + 1));
        AttentionCapture capture = new AttentionCapture(c.layers(), c.heads(), c.kvHeads(), promptTokens.length, options);
        s.addObserver(capture);
        float[] logits = s.prefill(promptTokens);
        org.kvscope.kv.PromptKeys.record(s.cache(), capture.evidence()); // for key-scored policies
        int[] generated = new int[steps];
        for (int i = 0; i < steps; i++) {
            generated[i] = Sampler.argmax(logits);
            logits = s.decode(generated[i]);
        }
        return new CaptureRun(capture, promptTokens, generated);
    }
}
