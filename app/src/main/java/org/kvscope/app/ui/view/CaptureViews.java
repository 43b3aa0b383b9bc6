package org.kvscope.app.ui.view;

import java.util.function.Consumer;
import java.util.function.BiFunction;
import org.kvscope.app.ui.vm.LatestTask;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.model.Model;

/**
 * Data a view derives from each new capture, prepared on a background thread: a newer capture
 * cancels the preparation in flight and a stale result never reaches the view, which receives the
 * finished record on the FX thread (null when the capture is cleared).
 */
final class CaptureViews {
    private CaptureViews() {}

    /**
     * Keeps {@code view} fed with {@code prepare(capture, model)} for every capture of {@code vm} (model read on
     * the FX thread, {@code prepare} run on a background one); returns the task.
     */
    static <T> LatestTask<T> feed(WorkbenchViewModel vm, BiFunction<CaptureRun, Model, T> prepare, Consumer<T> view) {
        LatestTask<T> task = new LatestTask<>();
        vm.captureProperty().addListener((o, a, run) -> {
            if (run == null) {
                task.cancel();
                view.accept(null);
            } else {
                Model model = vm.model();
                task.start("Preparing views", (cancelled, progress) -> prepare.apply(run, model));
            }
        });
        task.resultProperty().addListener((o, a, result) -> {
            if (result != null) {
                view.accept(result);
            }
        });
        return task;
    }
}
