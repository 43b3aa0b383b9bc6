package org.kvscope.app.ui.tools;

import java.nio.file.Path;
import org.kvscope.app.ui.vm.WorkbenchViewModel;

/**
 * Runs {@code kvscope screenshots}' rendering of every shot, in its order and at its sizes, in a JVM of its own (the
 * command's headless toolkit, as {@link ScreenshotSizesTest} starts it): argument one is the output directory, two the
 * model, on which a prompt is run first (the views drawn, as the command draws them).
 */
final class ScreenshotSizesProbe {
    private ScreenshotSizesProbe() {}

    public static void main(String[] args) throws Exception {
        FxRuntime.start(true);
        WorkbenchViewModel vm = ScreenshotCommand.workbench();
        Shooter shooter = Shooter.open(vm);
        DemoSession.loadAndRun(vm, Path.of(args[1]), "the quick brown fox jumps over the lazy dog ".repeat(3), false);
        for (ScreenshotCommand.Shot shot : ScreenshotCommand.SHOTS) {
            shooter.shoot(shot, Path.of(args[0]).resolve(shot.file()));
        }
        shooter.close(vm);
        javafx.application.Platform.exit();
    }
}
