package org.kvscope.app.ui.vm;

import java.util.ArrayList;
import java.util.List;
import org.kvscope.app.ui.session.SessionState;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;

/** Builds the saved form of a workbench session from its live state. */
final class SessionSnapshots {
    private SessionSnapshots() {}

    static SessionState of(Model model, String prompt, List<PolicyViewModel> policies) {
        List<SessionState.PolicySettings> ps = new ArrayList<>();
        for (PolicyViewModel p : policies) {
            ps.add(new SessionState.PolicySettings(p.policyName(), ParameterValues.format(p.values()), results(p)));
        }
        return new SessionState(SessionState.VERSION,
                model == null ? null : model.info().path().toAbsolutePath().toString(), prompt, ps);
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
