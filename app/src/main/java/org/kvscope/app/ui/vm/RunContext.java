package org.kvscope.app.ui.vm;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.kvscope.engine.NeedleEvaluator;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KvCacheType;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.prompts.NeedleCase;
import java.util.function.BooleanSupplier;
import org.kvscope.app.ui.Workbench;
import org.kvscope.backend.Backends;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.PolicyEvidence;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.model.Model;
import org.kvscope.prompts.SuiteDescriptor;

/**
 * What policy views are computed against: the loaded model, the captured FullKV run of the
 * prompt (run with {@link #cacheType()}), and the needle suite for retrieval checks. Memory
 * figures count that cache type's real bytes. The FullKV perplexity baseline is computed
 * once, on first use.
 */
public final class RunContext {
    private final Model model;
    private final CaptureRun run;
    private final SuiteDescriptor needleSuite;
    private final KvCacheType cacheType;
    private final Map<NeedleCase, NeedleEvaluator.Result> needleBaselines = new ConcurrentHashMap<>();
    private List<NeedleCase> needleCases;
    private volatile PolicyAnalysis.Analyzer analyzer;
    private CompressedPerplexity.Result baseline;

    /** With a float32 cache. */
    public RunContext(Model model, CaptureRun run, SuiteDescriptor needleSuite) {
        this(model, run, needleSuite, KvCacheType.F32);
    }

    public RunContext(Model model, CaptureRun run, SuiteDescriptor needleSuite, KvCacheType cacheType) {
        this.model = Objects.requireNonNull(model, "model");
        this.run = Objects.requireNonNull(run, "run");
        this.needleSuite = needleSuite;
        this.cacheType = Objects.requireNonNull(cacheType, "cacheType");
    }

    /**
     * What a policy keeps and costs on this run, from the capture alone; the per-capture ranking
     * work is done on the first call and reused by every later one (each slider move).
     */
    public PolicyAnalysis analyze(CompressionPolicy policy) {
        PolicyAnalysis.Analyzer a = analyzer;
        if (a == null) {
            synchronized (this) {
                if (analyzer == null) {
                    analyzer = new PolicyAnalysis.Analyzer(run.capture());
                }
                a = analyzer;
            }
        }
        // KVzip's reconstruction pass and the head classification: once per capture / model, off the FX thread
        PolicyEvidence.complete(Backends.cpu(), model, policy, run);
        int headDim = model.config().headDim();
        PolicyAnalysis analysis = a.analyze(policy, Workbench.analysisContext(run), headDim, Workbench.overlapK(policy));
        return cacheType == KvCacheType.F32 ? analysis : analysis.inCacheType(cacheType, headDim);
    }

    /** The KV cache type the capture ran with and memory is counted in. */
    public KvCacheType cacheType() { return cacheType; }

    public Model model() { return model; }
    public CaptureRun run() { return run; }
    public SuiteDescriptor needleSuite() { return needleSuite; }
    public int promptLength() { return run.promptTokens().length; }

    /** FullKV needle results by case, filled as cases are first evaluated. */
    public Map<NeedleCase, NeedleEvaluator.Result> needleBaselines() { return needleBaselines; }

    /** The needle suite's cases for this model (one template), computed once. */
    public synchronized List<NeedleCase> needleCases(Workbench workbench) {
        if (needleCases == null) {
            needleCases = needleSuite == null ? List.of() : workbench.needleCases(model, needleSuite, 1);
        }
        return needleCases;
    }

    /** FullKV perplexity of the prompt's continuation; null when cancelled before it finished. */
    public synchronized CompressedPerplexity.Result baseline(Workbench workbench, BooleanSupplier cancelled) {
        if (baseline == null) {
            CompressedPerplexity.Result r = workbench.perplexity(model, run.promptTokens(), null, cancelled);
            if (cancelled.getAsBoolean()) {
                return null;
            }
            baseline = r;
        }
        return baseline;
    }
}
