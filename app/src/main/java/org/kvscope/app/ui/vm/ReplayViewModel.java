package org.kvscope.app.ui.vm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.kvscope.app.eval.MultiQuestionRun;
import org.kvscope.app.report.ReportFiles;
import org.kvscope.engine.MultiQuestionReplay.Mode;
import org.kvscope.model.Model;
import org.kvscope.prompts.SuiteDescriptor;

/**
 * Multi-question replay (SCBench's shared-context setting) of policies A and B on a needle suite,
 * as {@code kvscope needle --questions M --replays N} runs it: each replay compresses a context of
 * M needles once and asks the M questions in turn on that cache, under FullKV, query-agnostic and
 * query-aware compression. One cancellable background task runs FullKV once and A and B on each replay, on the
 * device and KV cache type Run uses; cancel takes effect before the next turn and shows nothing of the cancelled run.
 */
public final class ReplayViewModel {
    /** Default questions per replay and replays (the CLI's default replays). */
    public static final int DEFAULT_QUESTIONS = 3, DEFAULT_REPLAYS = 8;
    /** Most questions and replays the view offers. */
    public static final int MAX_QUESTIONS = 16, MAX_REPLAYS = 256;
    private final WorkbenchViewModel vm;
    private final ObjectProperty<SuiteDescriptor> suite = new SimpleObjectProperty<>();
    private final IntegerProperty questions = new SimpleIntegerProperty(DEFAULT_QUESTIONS);
    private final IntegerProperty replays = new SimpleIntegerProperty(DEFAULT_REPLAYS);
    private final LatestTask<Replays> task = new LatestTask<>();
    private final BooleanProperty cancelled = new SimpleBooleanProperty();

    /** One policy's replay: its label ("A"), policy name and values, and every turn's outcome per mode. */
    public record PolicyReplay(String label, String policy, Map<String, Object> values, MultiQuestionRun.Result result) {
        /** Legend name, e.g. "A: snapkv". */
        public String name() { return label + ": " + policy; }
    }

    /** The replays of A and B with the settings they ran with. */
    public record Replays(String suite, int questions, int replays, List<PolicyReplay> policies) {
        /** Answers per turn and mode: one per replay. */
        public int perTurn() { return replays; }
    }

    public ReplayViewModel(WorkbenchViewModel vm) {
        this.vm = vm;
        suite.set(vm.needleSuiteProperty().get());
        vm.needleSuiteProperty().addListener((o, a, b) -> {
            if (suite.get() == null || suite.get() == a) {
                suite.set(b);
            }
        });
        vm.modelProperty().addListener((o, a, b) -> task.clear());
    }

    /** The needle suite whose templates and shortest haystacks make the replays. */
    public ObjectProperty<SuiteDescriptor> suiteProperty() { return suite; }
    /** Questions asked one after another on one compressed cache (M). */
    public IntegerProperty questionsProperty() { return questions; }
    /** Replays, each with other needles and depths (N). */
    public IntegerProperty replaysProperty() { return replays; }
    /** Result, progress (replays done of N), running and failure message. */
    public LatestTask<Replays> task() { return task; }
    public Replays result() { return task.result(); }

    /** Whether the last run was cancelled (until the next run starts). */
    public BooleanProperty cancelledProperty() { return cancelled; }

    /** Stops the replay in flight (it ends before its next turn, unseen); the last finished result stays. */
    public void cancel() {
        if (task.runningProperty().get()) {
            task.cancel();
            cancelled.set(true);
        }
    }

    /** Runs the replays of A and B with the current settings in the background (replacing any run in flight). */
    public void run() {
        Model model = vm.model();
        SuiteDescriptor s = suite.get();
        if (model == null || s == null) {
            return;
        }
        cancelled.set(false);
        int m = questions.get(), n = replays.get();
        List<PolicyReplay> settings = new ArrayList<>();
        List<MultiQuestionRun.PolicyRun> runs = new ArrayList<>();
        for (PolicyViewModel p : vm.policies()) {
            Map<String, Object> values = new LinkedHashMap<>(p.values());
            settings.add(new PolicyReplay(p.label(), p.policyName(), values, null));
            runs.add(new MultiQuestionRun.PolicyRun(p.policyName(), values));
        }
        task.start("replay of " + m + " questions × " + n, (cancelled, progress) -> {
            List<MultiQuestionRun.Replay> list = MultiQuestionRun.replays(model, s, m, n);
            List<MultiQuestionRun.Result> results = vm.workbench().replays(model, list, runs, progress::accept,
                    cancelled);
            List<PolicyReplay> out = new ArrayList<>();
            for (int i = 0; i < settings.size(); i++) {
                PolicyReplay p = settings.get(i);
                out.add(new PolicyReplay(p.label(), p.policy(), p.values(), results.get(i)));
            }
            return new Replays(s.id(), m, n, List.copyOf(out));
        });
    }

    /** Correct answers at each turn (index 0 = first question) under one mode. */
    public static int[] correctByTurn(MultiQuestionRun.Result r, Mode mode) {
        int[] correct = new int[r.questions()];
        for (MultiQuestionRun.TurnResult t : r.turns()) {
            correct[t.turn()] += t.answers().get(mode).success() ? 1 : 0;
        }
        return correct;
    }

    /** One row per policy, mode and turn: correct answers of n and the accuracy. */
    public static String csv(Replays r) {
        List<List<Object>> rows = new ArrayList<>();
        for (PolicyReplay p : r.policies()) {
            for (Mode m : Mode.values()) {
                int[] correct = correctByTurn(p.result(), m);
                double[] accuracy = p.result().accuracyByTurn(m);
                for (int t = 0; t < correct.length; t++) {
                    rows.add(List.of(p.label(), p.policy(), m.id(), t + 1, correct[t], r.perTurn(), accuracy[t]));
                }
            }
        }
        return ReportFiles.csv(List.of("policy_label", "policy", "mode", "turn", "correct", "n", "accuracy"), rows);
    }
}
