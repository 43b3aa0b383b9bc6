package org.kvscope.app.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.PolicyEvidence;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.kv.PositionScorer;
import org.kvscope.metrics.ScoreAgreement;
import org.kvscope.model.Model;
import org.kvscope.trace.AttentionEvidence;

/** Score agreement of every pair of scoring policies on one captured prompt (CLI and workbench). */
public final class ScoreAgreementRun {
    private ScoreAgreementRun() {}

    /** Registered policies that score prompt positions (the ones score agreement can compare). */
    public static List<String> scoringPolicies() {
        List<String> out = new ArrayList<>();
        for (PolicyRegistry.Entry e : PolicyRegistry.entries()) {
            try {
                if (PolicyRegistry.create(e.name(), Map.of()) instanceof PositionScorer) {
                    out.add(e.name());
                }
            } catch (RuntimeException ignored) {
                // a policy (plugin) that cannot be built with its defaults is not offered
            }
        }
        return out;
    }

    /**
     * A scoring policy with its parameters, the budget set when it declares one.
     *
     * @throws IllegalArgumentException naming the policy when it does not score positions
     */
    public static PositionScorer create(String name, Map<String, ?> params, int budget) {
        Map<String, Object> p = new LinkedHashMap<>(params);
        boolean hasBudget = PolicyRegistry.entry(name).parameters().stream()
                .anyMatch(s -> s.name().equals(BudgetParameters.BUDGET));
        if (hasBudget) {
            p.putIfAbsent(BudgetParameters.BUDGET, budget);
        }
        CompressionPolicy policy = PolicyRegistry.create(name, p);
        if (!(policy instanceof PositionScorer scored)) {
            throw new IllegalArgumentException("policy '" + name + "' does not score positions; policies that do: "
                    + String.join(", ", scoringPolicies()));
        }
        return scored;
    }

    /**
     * Attaches to {@code run}'s evidence what the policies' scores need beyond its attention
     * (KVzip's reconstruction scores: one extra pass over the prompt, once per capture).
     */
    public static void completeEvidence(BackendFactory backend, Model model, CaptureRun run,
                                        List<? extends PositionScorer> policies) {
        for (PositionScorer p : policies) {
            if (p instanceof CompressionPolicy policy) {
                PolicyEvidence.complete(backend, model, policy, run);
            }
        }
    }

    /** Every pair (in the order given) of {@code policies} on the evidence of one prompt. */
    public static List<ScoreAgreement> pairs(AttentionEvidence evidence, int promptLength, int contextLength,
                                             List<? extends PositionScorer> policies, int topK) {
        var ctx = new CompressionPolicy.PrefillContext(evidence.layers(), evidence.heads(), evidence.kvHeads(),
                promptLength, contextLength, evidence);
        List<ScoreAgreement> out = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            for (int j = i + 1; j < policies.size(); j++) {
                out.add(ScoreAgreement.of(ctx, policies.get(i), policies.get(j), topK));
            }
        }
        return out;
    }

    /** CSV rows: one per pair and layer (means over kv-heads). */
    public static List<List<Object>> csvRows(List<ScoreAgreement> pairs) {
        List<List<Object>> rows = new ArrayList<>();
        for (ScoreAgreement a : pairs) {
            for (int l = 0; l < a.layers(); l++) {
                rows.add(List.of(a.policyA(), a.policyB(), l, a.spearman(l), a.topKOverlap(l), a.topK(), a.positions()));
            }
        }
        return rows;
    }

    public static final List<String> CSV_HEADER = List.of("policy_a", "policy_b", "layer", "spearman", "topk_overlap",
            "k", "positions");

    /** JSON form of one pair: means, per layer, and per layer and kv-head. */
    public static Map<String, Object> json(ScoreAgreement a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", a.policyA());
        m.put("b", a.policyB());
        m.put("firstPosition", a.first());
        m.put("positions", a.positions());
        m.put("topK", a.topK());
        m.put("meanSpearman", a.meanSpearman());
        m.put("meanTopKOverlap", a.meanTopKOverlap());
        List<Map<String, Object>> layers = new ArrayList<>();
        for (int l = 0; l < a.layers(); l++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", l);
            row.put("spearman", a.spearman(l));
            row.put("topKOverlap", a.topKOverlap(l));
            row.put("spearmanPerKvHead", a.spearman()[l]);
            row.put("topKOverlapPerKvHead", a.topKOverlap()[l]);
            layers.add(row);
        }
        m.put("perLayer", layers);
        return m;
    }
}
