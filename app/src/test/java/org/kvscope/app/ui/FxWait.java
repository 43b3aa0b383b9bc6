package org.kvscope.app.ui;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import javafx.stage.Stage;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.testfx.util.WaitForAsyncUtils;

/** What the workbench's TestFX classes share: the window at 1280×800, reads on the FX thread, waiting for a state. */
final class FxWait {
    private FxWait() {
    }

    /** Shows the workbench of {@code vm} on {@code stage} at 1280×800. */
    static MainWindow show(Stage stage, WorkbenchViewModel vm) {
        var scene = WorkbenchApp.createScene(vm, 1280, 800);
        stage.setScene(scene);
        stage.show();
        return (MainWindow) scene.getRoot();
    }

    /** {@code onFx} run on the FX thread, waited for at most 30 s. */
    static <T> T fx(Callable<T> onFx) throws Exception {
        return WaitForAsyncUtils.asyncFx(onFx).get(30, TimeUnit.SECONDS);
    }

    /** Waits at most 60 s until {@code onFx} holds on the FX thread, then for queued FX events. */
    static void await(String what, BooleanSupplier onFx) throws TimeoutException {
        try {
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(onFx::getAsBoolean));
        } catch (TimeoutException e) {
            TimeoutException t = new TimeoutException("timed out waiting for " + what);
            t.initCause(e);
            throw t;
        }
        WaitForAsyncUtils.waitForFxEvents();
    }
}
