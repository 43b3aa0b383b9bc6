package org.kvscope.app.ui.vm;

import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.EvictionTimeline;
import org.kvscope.model.Model;

/**
 * The decode-time eviction timeline of policy A or B: the captured prompt is prefilled with the
 * policy active and a few tokens are generated greedily in the background while every eviction is
 * recorded. Re-recorded when the capture, the chosen policy's setting or the step count change,
 * only while shown; the last result per setting is reused.
 */
public final class EvictionTimelineViewModel {
    /** Default generated tokens. */
    public static final int DEFAULT_STEPS = 32;
    private final WorkbenchViewModel vm;
    private final IntegerProperty policyIndex = new SimpleIntegerProperty(0);
    private final IntegerProperty steps = new SimpleIntegerProperty(DEFAULT_STEPS);
    private final BooleanProperty active = new SimpleBooleanProperty(true);
    private final ObjectProperty<EvictionTimeline> timeline = new SimpleObjectProperty<>();
    private final LatestTask<EvictionTimeline> task = new LatestTask<>();
    private Key shownKey, pendingKey;
    private boolean stale;

    private record Key(CaptureRun run, String policy, Map<String, String> values, int steps) {}

    public EvictionTimelineViewModel(WorkbenchViewModel vm) {
        this.vm = vm;
        vm.captureProperty().addListener((o, a, b) -> refresh());
        for (PolicyViewModel p : vm.policies()) {
            p.valuesProperty().addListener((o, a, b) -> refresh());
            p.policyNameProperty().addListener((o, a, b) -> refresh());
        }
        policyIndex.addListener((o, a, b) -> refresh());
        steps.addListener((o, a, b) -> refresh());
        active.addListener((o, a, on) -> {
            if (on && stale) {
                refresh();
            }
        });
        task.resultProperty().addListener((o, a, t) -> {
            if (t != null) {
                shownKey = pendingKey;
                timeline.set(t);
            }
        });
    }

    /** 0 for policy A, 1 for B. */
    public IntegerProperty policyIndexProperty() { return policyIndex; }
    public IntegerProperty stepsProperty() { return steps; }
    /** Whether the view is on screen (recording waits until it is). */
    public BooleanProperty activeProperty() { return active; }
    public ObjectProperty<EvictionTimeline> timelineProperty() { return timeline; }
    public BooleanProperty runningProperty() { return task.runningProperty(); }
    public javafx.beans.property.DoubleProperty progressProperty() { return task.progressProperty(); }
    public javafx.beans.property.StringProperty messageProperty() { return task.messageProperty(); }

    /** The policy whose timeline is shown. */
    public PolicyViewModel policy() { return vm.policies().get(policyIndex.get()); }

    /** Stops a recording in flight. */
    public void cancel() { task.cancel(); }

    private void refresh() {
        CaptureRun run = vm.capture();
        Model model = vm.model();
        if (run == null || model == null) {
            task.clear();
            timeline.set(null);
            shownKey = null;
            return;
        }
        if (!active.get()) {
            stale = true;
            return;
        }
        stale = false;
        PolicyViewModel p = policy();
        int n = Math.max(1, Math.min(steps.get(), model.config().contextLength() - run.promptTokens().length - 1));
        Key key = new Key(run, p.policyName(), ParameterValues.format(p.values()), n);
        if (key.equals(shownKey)) {
            task.cancel();
            return;
        }
        org.kvscope.kv.CompressionPolicy policy;
        try {
            policy = p.createPolicy();
        } catch (IllegalArgumentException | IllegalStateException e) { // the policy pane shows why
            task.cancel();
            return;
        }
        pendingKey = key;
        int[] prompt = run.promptTokens();
        task.start("eviction timeline of " + p.policyName(), (cancelled, progress) ->
                EvictionTimeline.record(model, prompt, policy, n, cancelled));
    }
}
