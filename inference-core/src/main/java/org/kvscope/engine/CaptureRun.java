package org.kvscope.engine;

import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.LogitsSink;
import org.kvscope.backend.Backends;
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
    /** On the CPU. */
    public static CaptureRun run(Model model, int[] promptTokens, CaptureOptions options) {
        return run(Backends.cpu(), model, promptTokens, options, p -> { }, () -> false);
    }

    public static CaptureRun run(BackendFactory backend, Model model, int[] promptTokens, CaptureOptions options) {
        return run(backend, model, promptTokens, options, p -> { }, () -> false);
    }

    /** On the CPU, with progress and cancellation. */
    public static CaptureRun run(Model model, int[] promptTokens, CaptureOptions options, DoubleConsumer progress,
                                 BooleanSupplier cancelled) {
        return run(Backends.cpu(), model, promptTokens, options, progress, cancelled);
    }

    /**
     * Like {@link #run(Model, int[], CaptureOptions)}, reporting the share of work done (0..1) and
     * checking {@code cancelled} between prefill chunks and decode steps.
     *
     * @throws CancellationException when {@code cancelled} turns true
     */
    public static CaptureRun run(BackendFactory backend, Model model, int[] promptTokens, CaptureOptions options,
                                 DoubleConsumer progress, BooleanSupplier cancelled) {
        return run(backend, model, promptTokens, options, progress, cancelled, promptTokens.length, null);
    }

    /** Sees a capture run's prompt rows from a given row on, and the cache once it holds the prompt. */
    public interface PromptObserver extends LogitsSink {
        /** The session's cache right after the prompt's prefill, before any decode step. */
        default void promptCached(org.kvscope.kv.KvCache cache) { }
    }

    /**
     * Like {@link #run(BackendFactory, Model, int[], CaptureOptions, DoubleConsumer, BooleanSupplier)}, also
     * handing {@code promptLogits} the logits of every prompt row from {@code logitsFrom} on (row = index
     * into {@code promptTokens}; a chunk that holds such a row hands all of its rows): a FullKV
     * teacher-forced score of the prompt's tail from the same pass, with no second model run.
     */
    public static CaptureRun run(BackendFactory backend, Model model, int[] promptTokens, CaptureOptions options,
                                 DoubleConsumer progress, BooleanSupplier cancelled, int logitsFrom,
                                 PromptObserver promptLogits) {
        return run(backend, model, promptTokens, options, progress, cancelled, logitsFrom, promptLogits, false);
    }

    /**
     * Like {@link #run(BackendFactory, Model, int[], CaptureOptions, DoubleConsumer, BooleanSupplier, int,
     * PromptObserver)}; with {@code reconstruct}, KVzip's context-reconstruction scores are taken while the
     * cache holds the prompt (the scores {@link ContextReconstruction#score} gives, without its own prefill
     * of the prompt) and attached to the capture's evidence.
     */
    public static CaptureRun run(BackendFactory backend, Model model, int[] promptTokens, CaptureOptions options,
                                 DoubleConsumer progress, BooleanSupplier cancelled, int logitsFrom,
                                 PromptObserver promptLogits, boolean reconstruct) {
        return run(backend, model, promptTokens, options, progress, cancelled, logitsFrom, promptLogits, reconstruct,
                null);
    }

    /**
     * Like {@link #run(BackendFactory, Model, int[], CaptureOptions, DoubleConsumer, BooleanSupplier, int,
     * PromptObserver, boolean)}, lending {@code fork} (when not null) the cache and the attention rows of
     * the prompt's first {@link PrefillFork#boundary()} tokens, which must start the fork's context: a
     * policy's prefill of that context then runs only the chunks after them.
     */
    public static CaptureRun run(BackendFactory backend, Model model, int[] promptTokens, CaptureOptions options,
                                 DoubleConsumer progress, BooleanSupplier cancelled, int logitsFrom,
                                 PromptObserver promptLogits, boolean reconstruct, PrefillFork fork) {
        int capacity = promptTokens.length + options.decodeSteps() + 1;
        int reconstruction = reconstruct ? ContextReconstruction.capacity(model, promptTokens.length) : 0;
        SessionOptions sessionOptions = SessionOptions.ofContext(backend, Math.max(capacity, reconstruction));
        try (InferenceSession s = new InferenceSession(model, sessionOptions)) {
            return run(s, model.config(), promptTokens, options, progress, cancelled, logitsFrom, promptLogits,
                    reconstruction, fork);
        }
    }

    private static CaptureRun run(InferenceSession s, ModelConfig c, int[] promptTokens, CaptureOptions options,
                                  DoubleConsumer progress, BooleanSupplier cancelled, int logitsFrom,
                                  PromptObserver promptLogits, int reconstruction, PrefillFork fork) {
        int steps = options.decodeSteps();
        AttentionCapture capture = new AttentionCapture(c.layers(), c.heads(), c.kvHeads(), promptTokens.length, options);
        if (fork != null && fork.collector() != null) {
            s.addObserver(fork.collector()); // first: it reads each row before the capture does
        }
        s.addObserver(capture);
        // the session's own chunks, one call each, so the result is the same as one prefill call
        int chunk = s.prefillChunk();
        double total = promptTokens.length + steps;
        float[] logits = null;
        for (int off = 0; off < promptTokens.length; off += chunk) {
            check(cancelled);
            int end = Math.min(promptTokens.length, off + chunk);
            int[] chunkTokens = Arrays.copyOfRange(promptTokens, off, end);
            if (promptLogits != null && end > logitsFrom) {
                logits = prefillHandingRows(s, chunkTokens, off, c.vocabSize(), promptLogits);
            } else {
                logits = s.prefill(chunkTokens);
            }
            progress.accept(end / total);
            if (fork != null && end == fork.boundary()) {
                fork.lend(s, promptTokens);
                if (fork.collector() != null) {
                    s.removeObserver(fork.collector());
                }
            }
        }
        org.kvscope.kv.PromptKeys.record(s.cache(), capture.evidence()); // for key-scored policies
        if (promptLogits != null) {
            promptLogits.promptCached(s.cache());
        }
        if (reconstruction > 0) {
            check(cancelled);
            capture.evidence().setReconstruction(s.reconstructionScores(promptTokens, reconstruction));
        }
        int[] generated = new int[steps];
        for (int i = 0; i < steps; i++) {
            check(cancelled);
            generated[i] = Sampler.argmax(logits);
            logits = s.decode(generated[i]);
            progress.accept((promptTokens.length + i + 1) / total);
        }
        return new CaptureRun(capture, promptTokens, generated);
    }

    /** One prefill chunk whose every row goes to {@code sink} (rows numbered from {@code first}); returns the last row's logits. */
    private static float[] prefillHandingRows(InferenceSession s, int[] chunk, int first, int vocab, LogitsSink sink) {
        float[][] last = new float[1][];
        s.prefillAll(chunk, (row, values, o) -> {
            sink.accept(first + row, values, o);
            if (row == chunk.length - 1) {
                last[0] = Arrays.copyOfRange(values, o, o + vocab);
            }
        });
        return last[0];
    }

    private static void check(BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("capture cancelled");
        }
    }
}
