package org.kvscope.app.ui.vm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.kvscope.app.ui.session.SessionState;
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
     */
    record Checked(Path modelPath, String prompt, List<CheckedPolicy> policies, ViewSettings.Checked views) {}

    static SessionState of(Model model, String prompt, List<PolicyViewModel> policies, ViewSettings views) {
        List<SessionState.PolicySettings> ps = new ArrayList<>();
        for (PolicyViewModel p : policies) {
            ps.add(new SessionState.PolicySettings(p.policyName(), ParameterValues.format(p.values()), results(p)));
        }
        return new SessionState(SessionState.VERSION,
                model == null ? null : model.info().path().toAbsolutePath().toString(), prompt, ps, views.save());
    }

    /**
     * Checks the policies of a structurally valid session (as {@code SessionStore.load} returns it)
     * against the policy registry, and its view settings against {@code views}.
     *
     * @throws IllegalArgumentException "policies[i].values.name: problem; valid …" (or "views.name: …")
     *                                  for the first bad field
     */
    static Checked check(SessionState s, ViewSettings views) {
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
                s.prompt() == null ? "" : s.prompt(), List.copyOf(out), views.check(s.views()));
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
