package org.kvscope.app.ui.vm;

import javafx.beans.property.ObjectProperty;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.metrics.KeptDiff;
import org.kvscope.metrics.PolicyAnalysis;

/**
 * Policy A against policy B on the captured run: which keys each keeps (recomputed in the
 * background when either analysis changes), the perplexity and needle differences, and the swap
 * and copy actions.
 */
public final class CompareViewModel {
    private final WorkbenchViewModel vm;
    private final PolicyPair pair;
    private final LatestTask<KeptDiff> diff = new LatestTask<>();

    public CompareViewModel(WorkbenchViewModel vm) {
        this.vm = vm;
        this.pair = new PolicyPair(vm.policyA(), vm.policyB());
        vm.policyA().analysisProperty().addListener((o, a, b) -> recompute());
        vm.policyB().analysisProperty().addListener((o, a, b) -> recompute());
        vm.captureProperty().addListener((o, a, b) -> recompute());
        recompute();
    }

    public ObjectProperty<KeptDiff> diffProperty() { return diff.resultProperty(); }
    public KeptDiff diff() { return diff.result(); }

    /** A takes B's setting and B takes A's. */
    public void swap() { pair.swap(); }

    /** B takes A's policy and values. */
    public void copyAToB() { pair.copyAToB(); }

    private void recompute() {
        CaptureRun run = vm.capture();
        PolicyAnalysis a = vm.policyA().analysis(), b = vm.policyB().analysis();
        if (run == null || a == null || b == null) {
            diff.clear();
            return;
        }
        int n = run.promptTokens().length;
        diff.start("policy diff", (cancelled, progress) -> KeptDiff.of(a, b, n));
    }

    /** Perplexity and needle accuracy of A and B and their differences, one line each ("" when none yet). */
    public String evaluationDifference() {
        StringBuilder sb = new StringBuilder();
        CompressedPerplexity.Result pa = vm.policyA().perplexityProperty().get();
        CompressedPerplexity.Result pb = vm.policyB().perplexityProperty().get();
        if (pa != null && pb != null) {
            sb.append(String.format("Perplexity: A %.3f, B %.3f, A − B %+.3f (%+.2f%%)", pa.perplexity(), pb.perplexity(),
                    pa.perplexity() - pb.perplexity(), 100 * (pa.perplexity() / pb.perplexity() - 1)));
        }
        var na = vm.policyA().needlesProperty().get();
        var nb = vm.policyB().needlesProperty().get();
        if (na != null && nb != null) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(String.format("Needle accuracy: A %.0f%%, B %.0f%%, A − B %+.0f points", 100 * na.accuracy(),
                    100 * nb.accuracy(), 100 * (na.accuracy() - nb.accuracy())));
        }
        return sb.toString();
    }
}
