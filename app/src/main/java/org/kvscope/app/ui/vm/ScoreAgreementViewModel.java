package org.kvscope.app.ui.vm;

import java.util.List;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.kvscope.app.eval.ScoreAgreementRun;
import org.kvscope.app.report.ReportFiles;
import org.kvscope.backend.Backends;
import org.kvscope.engine.CaptureRun;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.kv.PositionScorer;
import org.kvscope.metrics.ScoreAgreement;
import org.kvscope.model.Model;
import org.kvscope.trace.AttentionEvidence;

/**
 * Where policies A and B agree on what matters: per layer and kv-head, the Spearman rank
 * correlation of their importance scores and the overlap of their top-k positions on the captured
 * prompt ({@link ScoreAgreement}, computed as {@code kvscope score-agreement} does). Recomputed in
 * the background when the capture, either policy or k changes, while the view is shown (otherwise
 * when it is shown next). A policy that gives no scores is named in {@link #problemProperty()}.
 */
public final class ScoreAgreementViewModel {
    /** Default size of the compared top-k sets. */
    public static final int DEFAULT_K = 32;
    /** Largest k offered. */
    public static final int MAX_K = 4096;
    private final WorkbenchViewModel vm;
    private final IntegerProperty k = new SimpleIntegerProperty(DEFAULT_K);
    private final BooleanProperty active = new SimpleBooleanProperty(true);
    private final StringProperty problem = new SimpleStringProperty("");
    private final LatestTask<Agreement> task = new LatestTask<>();
    private List<String> scoring;
    private boolean stale;

    /**
     * The agreement of A and B.
     *
     * @param a      policy A's label and name, e.g. "A: snapkv"
     * @param b      policy B's
     * @param scores per layer and kv-head, as the CLI reports it
     */
    public record Agreement(String a, String b, ScoreAgreement scores) {}

    public ScoreAgreementViewModel(WorkbenchViewModel vm) {
        this.vm = vm;
        vm.captureProperty().addListener((o, a, b) -> changed());
        for (PolicyViewModel p : vm.policies()) {
            p.policyNameProperty().addListener((o, a, b) -> changed());
            p.valuesProperty().addListener((o, a, b) -> changed());
        }
        k.addListener((o, a, b) -> changed());
        active.addListener((o, a, on) -> {
            if (on && stale) {
                compute();
            }
        });
    }

    /** Size of the top-k sets compared (lowered to the positions compared when larger). */
    public IntegerProperty kProperty() { return k; }
    /** Whether the view is shown; work waits until it is. */
    public BooleanProperty activeProperty() { return active; }
    /** Why nothing can be computed (a policy without scores, a window the capture lacks), or "". */
    public StringProperty problemProperty() { return problem; }
    /** Result, progress, running and failure message. */
    public LatestTask<Agreement> task() { return task; }
    public Agreement result() { return task.result(); }

    private void changed() {
        if (active.get()) {
            compute();
        } else {
            stale = true;
            task.clear();
        }
    }

    /** Starts the computation for the current capture, policies and k (clears the result when it cannot run). */
    public void compute() {
        stale = false;
        CaptureRun run = vm.capture();
        if (run == null || vm.model() == null) {
            task.clear();
            problem.set("");
            return;
        }
        PositionScorer a, b;
        try {
            a = scored(vm.policyA(), run);
            b = scored(vm.policyB(), run);
        } catch (IllegalArgumentException e) {
            task.clear();
            problem.set(e.getMessage());
            return;
        }
        problem.set("");
        int topK = Math.max(1, k.get());
        Model model = vm.model();
        int context = model.config().contextLength();
        String labelA = vm.policyA().label() + ": " + a.name(), labelB = vm.policyB().label() + ": " + b.name();
        task.start("score agreement of " + labelA + " and " + labelB, (cancelled, progress) -> {
            // KVzip's reconstruction pass, once per capture
            ScoreAgreementRun.completeEvidence(Backends.cpu(), model, run, List.of(a, b));
            return new Agreement(labelA, labelB, of(run.capture().evidence(), run.promptTokens().length, context, a, b,
                    topK));
        });
    }

    /** The agreement exactly as {@code score-agreement} computes it for one pair. */
    static ScoreAgreement of(AttentionEvidence evidence, int promptLength, int context, PositionScorer a, PositionScorer b,
                             int topK) {
        return ScoreAgreementRun.pairs(evidence, promptLength, context, List.of(a, b), topK).getFirst();
    }

    /** The pane's policy as a scoring policy, or an exception naming what is wrong and what would do. */
    private PositionScorer scored(PolicyViewModel p, CaptureRun run) {
        CompressionPolicy policy;
        try {
            policy = PolicyRegistry.create(p.policyName(), p.values());
        } catch (IllegalArgumentException | IllegalStateException e) { // a plugin's constructor threw: named
            throw new IllegalArgumentException("Policy " + p.label() + ": " + e.getMessage(), e);
        }
        if (!(policy instanceof PositionScorer s)) {
            if (scoring == null) {
                scoring = ScoreAgreementRun.scoringPolicies();
            }
            throw new IllegalArgumentException("Policy " + p.label() + " (" + p.policyName()
                    + ") gives positions no scores, so there is nothing to compare; choose one that does for "
                    + p.label() + ": " + String.join(", ", scoring) + ".");
        }
        int window = run.capture().evidence().window();
        if (s.evidenceWindow() > window) {
            throw new IllegalArgumentException("Policy " + p.label() + " (" + s.name() + ") observes the last "
                    + s.evidenceWindow() + " queries, but the capture kept " + window + "; lower its window.");
        }
        return s;
    }

    /** CSV exactly as {@code score-agreement --out-csv} writes it: one row per layer (means over kv-heads). */
    public static String csv(ScoreAgreement s) {
        return ReportFiles.csv(ScoreAgreementRun.CSV_HEADER, ScoreAgreementRun.csvRows(List.of(s)));
    }
}
