package org.kvscope.app.ui.vm;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.kvscope.engine.CaptureRun;
import org.kvscope.metrics.PvcConsistency;

/**
 * PvC overlap of the captured run, a property of the model (not of a policy): recomputed in the
 * background whenever the capture, the definition, k or the recent window change.
 */
public final class PvcViewModel {
    /** Default PvC size. */
    public static final int DEFAULT_K = 32;
    /** Default recent window (prompt queries). */
    public static final int DEFAULT_WINDOW = 16;
    private final WorkbenchViewModel vm;
    private final ObjectProperty<PvcConsistency.Definition> definition =
            new SimpleObjectProperty<>(PvcConsistency.Definition.RECENT_VS_LATER);
    private final IntegerProperty k = new SimpleIntegerProperty(DEFAULT_K);
    private final IntegerProperty window = new SimpleIntegerProperty(DEFAULT_WINDOW);
    private final LatestTask<PvcConsistency> task = new LatestTask<>();

    public PvcViewModel(WorkbenchViewModel vm) {
        this.vm = vm;
        vm.captureProperty().addListener((o, a, b) -> recompute());
        definition.addListener((o, a, b) -> recompute());
        k.addListener((o, a, b) -> recompute());
        window.addListener((o, a, b) -> recompute());
        recompute();
    }

    public ObjectProperty<PvcConsistency.Definition> definitionProperty() { return definition; }
    public IntegerProperty kProperty() { return k; }
    public IntegerProperty windowProperty() { return window; }
    public ObjectProperty<PvcConsistency> resultProperty() { return task.resultProperty(); }
    public PvcConsistency result() { return task.result(); }

    private void recompute() {
        CaptureRun run = vm.capture();
        if (run == null) {
            task.clear();
            return;
        }
        PvcConsistency.Definition d = definition.get();
        int kk = Math.max(1, k.get()), w = Math.max(2, window.get());
        task.start("PvC overlap", (cancelled, progress) -> PvcConsistency.of(run.capture(), d, kk, w));
    }

    /** One line naming the definition, k and the window, and the mean. */
    public static String describe(PvcConsistency p) {
        if (p == null) {
            return "";
        }
        double mean = p.mean();
        return String.format("Model (FullKV run): PvC overlap %s, %s, k = %d, recent window %d",
                Double.isNaN(mean) ? "n/a (no decoded tokens captured)" : String.format("%.3f", mean),
                p.definition().label(), p.k(), p.window());
    }
}
