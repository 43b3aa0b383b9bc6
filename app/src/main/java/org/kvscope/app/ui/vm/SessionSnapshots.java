package org.kvscope.app.ui.vm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.kvscope.app.ui.session.SessionState;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFMetadata;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;

/** Builds the saved form of a workbench session from its live state, and checks a saved one before it is applied. */
final class SessionSnapshots {
    private SessionSnapshots() {}

    /** One policy of a checked session: a registered name and values its parameters accept. */
    record CheckedPolicy(String name, Map<String, String> values) {}

    /**
     * A session whose every part was checked, so applying it cannot fail half-way.
     *
     * @param modelPath the model to load, or null when the session has none
     * @param prompt    the prompt (never null)
     * @param policies  policy A, then B when present
     * @param views     the views' settings to apply
     * @param cacheType the KV cache type to run with (f32 for sessions saved without one)
     */
    record Checked(Path modelPath, String prompt, List<CheckedPolicy> policies, ViewSettings.Checked views,
                   KvCacheType cacheType) {}

    static SessionState of(Model model, String prompt, List<PolicyViewModel> policies, ViewSettings views,
                           KvCacheType cacheType) {
        List<SessionState.PolicySettings> ps = new ArrayList<>();
        for (PolicyViewModel p : policies) {
            ps.add(new SessionState.PolicySettings(p.policyName(), ParameterValues.format(p.values()), results(p)));
        }
        return new SessionState(SessionState.VERSION,
                model == null ? null : model.info().path().toAbsolutePath().toString(), prompt, ps, views.save(),
                cacheType.cliName());
    }

    /**
     * Checks the policies of a structurally valid session (as {@code SessionStore.load} returns it)
     * against the policy registry, and its view settings against {@code views} (layer and head indices against
     * {@code model}'s counts when it is not null).
     *
     * @throws IllegalArgumentException "policies[i].values.name: problem; valid …" (or "views.name: …")
     *                                  for the first bad field
     */
    static Checked check(SessionState s, ViewSettings views, ViewSettings.ModelLimits model) {
        List<CheckedPolicy> out = new ArrayList<>();
        for (int i = 0; i < s.policies().size(); i++) {
            SessionState.PolicySettings p = s.policies().get(i);
            String at = "policies[" + i + "]";
            PolicyRegistry.Entry entry;
            try {
                entry = PolicyRegistry.entry(p.policy());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ".policy: " + e.getMessage());
            }
            Map<String, String> values = p.values() == null ? Map.of() : p.values();
            List<ParameterSpec> specs = entry.parameters();
            for (Map.Entry<String, String> v : values.entrySet()) {
                ParameterSpec spec = specs.stream().filter(sp -> sp.name().equals(v.getKey())).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(at + ".values." + v.getKey() + ": "
                                + entry.name() + " has no parameter '" + v.getKey() + "'; valid: "
                                + specs.stream().map(ParameterSpec::name).collect(Collectors.joining(", "))));
                if (!v.getValue().isBlank()) {
                    try {
                        spec.validate(v.getValue());
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(at + ".values." + v.getKey() + ": " + e.getMessage());
                    }
                }
            }
            try {
                PolicyRegistry.create(entry.name(), ParameterValues.parse(specs, values));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ".values: " + e.getMessage());
            }
            out.add(new CheckedPolicy(entry.name(), Map.copyOf(values)));
        }
        return new Checked(s.modelPath() == null ? null : Path.of(s.modelPath()),
                s.prompt() == null ? "" : s.prompt(), List.copyOf(out), views.check(s.views(), model),
                s.cacheType() == null ? KvCacheType.F32 : KvCacheType.parse(s.cacheType()));
    }

    /** The layer and head counts of a loaded model. */
    static ViewSettings.ModelLimits limits(Model m) {
        return new ViewSettings.ModelLimits(m.info().path().getFileName().toString(), m.config().layers(),
                m.config().heads());
    }

    /**
     * The layer and head counts a GGUF file declares (its header only; no weights are read), or null when the
     * file cannot say (missing, not GGUF, keys absent): loading it will then report the problem.
     */
    static ViewSettings.ModelLimits limits(Path file) {
        if (!java.nio.file.Files.isRegularFile(file)) {
            return null;
        }
        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFMetadata md = f.metadata();
            String arch = md.findString("general.architecture").orElse(null);
            if (arch == null) {
                return null;
            }
            int layers = md.getInt(arch + ".block_count", 0), heads = md.getInt(arch + ".attention.head_count", 0);
            return layers > 0 && heads > 0
                    ? new ViewSettings.ModelLimits(file.getFileName().toString(), layers, heads) : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static SessionState.Results results(PolicyViewModel p) {
        PolicyAnalysis a = p.analysis();
        if (a == null) {
            return null;
        }
        double[] byLayer = new double[a.recall().length];
        for (int l = 0; l < byLayer.length; l++) {
            byLayer[l] = a.recall(l);
        }
        var ppl = p.perplexityProperty().get();
        var base = p.baselineProperty().get();
        return new SessionState.Results(a.meanRecall(), a.meanPvcOverlap(), a.memory().keptTotal(),
                a.memory().fullTotal(), byLayer, ppl == null ? null : ppl.perplexity(),
                base == null ? null : base.perplexity());
    }
}
