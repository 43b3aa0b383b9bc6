package org.kvscope.app.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.kvscope.app.eval.MultiQuestionRun;
import org.kvscope.app.eval.NeedleGridRun;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;
import org.kvscope.backend.Device;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.Generator;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.NeedleEvaluator;
import org.kvscope.engine.SessionOptions;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.LogProbs;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.prompts.NeedleCase;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.sampling.Sampler;
import org.kvscope.trace.CaptureOptions;

/**
 * The engine calls the workbench makes, in one place: load, tokenize, capture, analyze a policy
 * from a capture, generate, and the model re-runs behind perplexity and needle results. Holds only
 * the device and KV cache type choices; every method may run on a background thread.
 */
public final class Workbench {
    /** Exact rows kept for the last prompt queries; policies' observation windows must fit in it. */
    public static final int CAPTURE_WINDOW = 64;
    /** Most cells per side of the captured heatmaps: up to this many tokens the heatmap is at token resolution. */
    public static final int MAP_RESOLUTION = 1024;
    /** Floats all captured heatmaps together may hold (192 MiB); larger models get coarser maps. */
    public static final long MAP_FLOAT_BUDGET = 48L << 20;
    /** FullKV decode steps captured to measure recall. */
    public static final int DECODE_STEPS = 16;
    /** Positions marked as attention sinks. */
    public static final int SINKS = 4;

    private volatile boolean useGpu;
    private volatile KvCacheType cacheType = KvCacheType.F32;
    private BackendFactory gpu;

    /**
     * Runs later model work on the Device box's choice, "CPU" or "GPU". The GPU backend opens on
     * first use (off the FX thread) and stays open for the app's lifetime.
     */
    public void useDevice(String name) {
        useGpu = "GPU".equals(name);
    }

    /**
     * Runs later model work (capture, re-runs, generation) with keys and values stored as {@code type}. The CUDA
     * backend keeps a float32 cache only: with the GPU chosen, another type is refused ({@link #deviceConflict}).
     */
    public void useCacheType(KvCacheType type) {
        cacheType = java.util.Objects.requireNonNull(type, "type");
    }

    /** The KV cache type of later model work. */
    public KvCacheType cacheType() { return cacheType; }

    /**
     * Why a device and a KV cache type cannot be used together, or null when they can: the CUDA backend keeps an f32
     * cache only.
     *
     * @param device "CPU" or "GPU"
     */
    public static String deviceConflict(String device, KvCacheType type) {
        if (!"GPU".equals(device) || type == null || type == KvCacheType.F32) {
            return null;
        }
        return "the GPU keeps an f32 KV cache only, so KV cache " + type.cliName() + " cannot run on it; valid: the GPU"
                + " with f32, or the CPU with f32, f16, q8_0 or q4_0";
    }

    /**
     * The backend of the chosen device.
     *
     * @throws org.kvscope.backend.BackendUnavailableException with the reason
     * @throws IllegalStateException when the GPU is chosen with a cache type other than f32 ({@link #deviceConflict})
     */
    synchronized BackendFactory backend() {
        KvCacheType type = cacheType;
        String conflict = deviceConflict(useGpu ? "GPU" : "CPU", type);
        if (conflict != null) {
            throw new IllegalStateException(conflict);
        }
        if (!useGpu) {
            return Backends.cpu(type);
        }
        if (gpu == null) {
            gpu = Backends.select(Device.CUDA, notice -> {});
        }
        return gpu;
    }

    public Model load(Path path) throws IOException {
        return ModelLoader.load(path);
    }

    /** Prompt tokens with the model's specials; rejects prompts that leave no room to decode. */
    public int[] tokenize(Model model, String text) {
        int[] tokens = model.tokenizer().encodeWithSpecials(text);
        int context = model.config().contextLength();
        if (tokens.length < 3) {
            throw new IllegalArgumentException("the prompt has " + tokens.length + " tokens; write at least a few words");
        }
        if (tokens.length + DECODE_STEPS + 1 > context) {
            throw new IllegalArgumentException("the prompt has " + tokens.length + " tokens, but the model's context is "
                    + context + " tokens and " + (DECODE_STEPS + 1) + " are needed to decode; shorten the prompt to at most "
                    + (context - DECODE_STEPS - 1) + " tokens");
        }
        return tokens;
    }

    /** A FullKV run that records everything the instant views need. */
    public CaptureRun capture(Model model, int[] tokens) {
        return capture(model, tokens, p -> { }, () -> false);
    }

    /** {@link #capture(Model, int[])} reporting progress (0..1); throws CancellationException once cancelled. */
    public CaptureRun capture(Model model, int[] tokens, java.util.function.DoubleConsumer progress,
                              BooleanSupplier cancelled) {
        int window = Math.min(CAPTURE_WINDOW, tokens.length);
        return CaptureRun.run(backend(), model, tokens, new CaptureOptions(window,
                mapResolution(model.config().layers() * model.config().heads(), tokens.length), SINKS, DECODE_STEPS),
                progress, cancelled);
    }

    /**
     * Cells per side of the captured maps: every token (so the heatmap zooms to single tokens and shows the kept
     * set at key resolution) up to {@link #MAP_RESOLUTION}, fewer when {@code heads} maps of that size would
     * exceed {@link #MAP_FLOAT_BUDGET}.
     */
    public static int mapResolution(int heads, int tokens) {
        int byMemory = (int) Math.sqrt((double) MAP_FLOAT_BUDGET / Math.max(1, heads));
        return Math.max(1, Math.min(tokens, Math.min(MAP_RESOLUTION, byMemory)));
    }

    /** What the policy would keep and what it costs (in the cache type's bytes), from the capture alone (no model run). */
    public PolicyAnalysis analyze(Model model, CaptureRun run, CompressionPolicy policy) {
        int headDim = model.config().headDim();
        return PolicyAnalysis.analyze(run.capture(), policy, analysisContext(run), headDim, overlapK(policy))
                .inCacheType(cacheType, headDim);
    }

    /** The context length analyses assume: the prompt plus the captured decode steps. */
    public static int analysisContext(CaptureRun run) {
        return run.promptTokens().length + DECODE_STEPS + 1;
    }

    /** Top-k size for PvC overlap: the policy's budget, or 32 when it has none. */
    public static int overlapK(CompressionPolicy policy) {
        return policy.parameters().asMap().containsKey(BudgetParameters.BUDGET)
                ? policy.parameters().getInt(BudgetParameters.BUDGET) : 32;
    }

    /** Perplexity of the prompt's last quarter after compressing the first three quarters. */
    public CompressedPerplexity.Result perplexity(Model model, int[] tokens, CompressionPolicy policy,
                                                  BooleanSupplier cancelled) {
        int split = splitPoint(tokens.length);
        return CompressedPerplexity.evaluate(backend(), model, policy, Arrays.copyOf(tokens, split),
                Arrays.copyOfRange(tokens, split, tokens.length), cancelled::getAsBoolean);
    }

    /** Where {@link #perplexity} splits a prompt of {@code n} tokens into context and continuation. */
    public static int splitPoint(int n) {
        return Math.max(1, n - Math.max(1, n / 4));
    }

    /** Needle results of one policy over a suite's cases, each with its FullKV baseline. */
    public record NeedleResults(List<NeedleGridRun.CaseResult> cases) {
        /** Share of cases the policy retrieved exactly. */
        public double accuracy() {
            return cases.isEmpty() ? Double.NaN
                    : cases.stream().filter(c -> c.policy().success()).count() / (double) cases.size();
        }
    }

    /** The cases of a needle suite that fit the model, at most {@code templates} templates. */
    public List<NeedleCase> needleCases(Model model, SuiteDescriptor suite, int templates) {
        return NeedleGridRun.cases(model, suite, templates).stream()
                .filter(c -> c.targetTokens() + 8 <= model.config().contextLength())
                .toList();
    }

    /**
     * Evaluates needle cases under a policy. A budget above a case's prompt length is lowered to it
     * (that policy keeps everything there); FullKV baselines come from {@code baselines}, computed
     * on first use.
     *
     * @throws java.util.concurrent.CancellationException when {@code cancelled} turns true
     */
    public NeedleResults needles(Model model, List<NeedleCase> cases, String policy, Map<String, ?> params,
                                 Map<NeedleCase, NeedleEvaluator.Result> baselines, Consumer<Double> progress,
                                 BooleanSupplier cancelled) {
        List<NeedleGridRun.CaseResult> out = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("needle run cancelled");
            }
            NeedleCase c = cases.get(i);
            int promptTokens = model.tokenizer().encodeWithSpecials(c.prompt()).length;
            Map<String, Object> p = new LinkedHashMap<>(params);
            if (p.get(BudgetParameters.BUDGET) instanceof Integer b && b > promptTokens) {
                p.put(BudgetParameters.BUDGET, promptTokens);
            }
            NeedleEvaluator.Result withPolicy = NeedleEvaluator.evaluate(backend(), model,
                    PolicyRegistry.create(policy, p), c.prompt(), c.answer());
            NeedleEvaluator.Result full = baselines.computeIfAbsent(c,
                    k -> NeedleEvaluator.evaluate(backend(), model, null, k.prompt(), k.answer()));
            out.add(new NeedleGridRun.CaseResult(c, withPolicy, full));
            progress.accept((i + 1.0) / cases.size());
        }
        return new NeedleResults(List.copyOf(out));
    }

    /**
     * Multi-question replays of several policies on the chosen device and KV cache type (as Run), FullKV once per
     * replay for all of them.
     *
     * @throws CancellationException once {@code cancelled} turns true (checked before every turn)
     */
    public List<MultiQuestionRun.Result> replays(Model model, List<MultiQuestionRun.Replay> replays,
                                                 List<MultiQuestionRun.PolicyRun> policies, Consumer<Double> progress,
                                                 BooleanSupplier cancelled) {
        return MultiQuestionRun.run(backend(), model, replays, policies, DecodeCap.NONE, progress, cancelled);
    }

    /** One streamed token and its negative log-likelihood under the model. */
    public record StreamedToken(int index, int token, String text, double nll) {}

    /** Generates with the policy active, streaming tokens with their NLL. */
    public Generator.Result generate(Model model, int[] tokens, CompressionPolicy policy, int n, Sampler sampler,
                                     Consumer<StreamedToken> sink, BooleanSupplier cancelled) {
        int context = Math.min(model.config().contextLength(), tokens.length + n + 1);
        try (InferenceSession session = new InferenceSession(model, SessionOptions.ofContext(backend(), context))) {
            session.setPolicy(policy);
            int[] previous = {tokens[tokens.length - 1]};
            return Generator.generate(session, tokens, n, sampler, (i, token, logits) -> {
                double nll = -LogProbs.logProb(logits, token);
                String text = model.tokenizer().decodeToken(previous[0], token);
                previous[0] = token;
                sink.accept(new StreamedToken(i, token, text, nll));
            }, cancelled);
        }
    }

    /** A configured policy from UI values (validated by its parameter specs). */
    public static CompressionPolicy policy(String name, Map<String, ?> values) {
        return PolicyRegistry.create(name, values);
    }
}
