package org.kvscope.app.ui.tools;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.WorkbenchApp;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.viz.export.ChartExport;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.prompts.SuiteKind;
import org.kvscope.prompts.Suites;

/**
 * {@code kvscope screenshots}: renders the real workbench headless on a model and writes the PNGs of
 * {@link #SHOTS}: every tab in the light theme at 1280×800, the dark theme, the smallest supported
 * window, and a large window in both themes and in presentation mode.
 */
final class ScreenshotCommand {
    /** Tabs of the views pane, in order. */
    private static final int ATTENTION = 0, METRICS = 1, EVALUATION = 2, COMPARE = 3, TOKENS = 4;

    /** One PNG: which tab, theme and mode, at which window size. */
    record Shot(String file, int tab, boolean dark, boolean presentation, int width, int height) {}

    static final List<Shot> SHOTS = List.of(
            new Shot("workbench-attention.png", ATTENTION, false, false, 1280, 800),
            new Shot("workbench-metrics.png", METRICS, false, false, 1280, 800),
            new Shot("workbench-evaluation.png", EVALUATION, false, false, 1280, 800),
            new Shot("workbench-compare.png", COMPARE, false, false, 1280, 800),
            new Shot("workbench-tokens.png", TOKENS, false, false, 1280, 800),
            new Shot("workbench-attention-dark.png", ATTENTION, true, false, 1280, 800),
            new Shot("workbench-metrics-dark.png", METRICS, true, false, 1280, 800),
            new Shot("workbench-small.png", ATTENTION, false, false, 1024, 700),
            new Shot("workbench-large.png", ATTENTION, false, false, 1600, 1000),
            new Shot("workbench-large-dark.png", COMPARE, true, false, 1600, 1000),
            new Shot("workbench-presentation.png", METRICS, false, true, 1600, 1000));

    private ScreenshotCommand() {}

    static int run(Path model, Path outDir, PrintStream out) throws Exception {
        FxRuntime.start(true);
        Files.createDirectories(outDir);
        Path recent = Files.createTempFile("kvscope-recent", ".json");
        Files.delete(recent);
        WorkbenchViewModel vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(), new RecentModels(recent),
                DeviceProbe.cpuOnly());
        Stage[] stage = new Stage[1];
        MainWindow window = FxRuntime.onFx(() -> {
            Scene scene = WorkbenchApp.createScene(vm, 1280, 800);
            stage[0] = new Stage();
            stage[0].setScene(scene);
            stage[0].show();
            return (MainWindow) scene.getRoot();
        });
        String prompt = Suites.all().stream().filter(s -> s.kind() == SuiteKind.PERPLEXITY && s.style().equals("stories"))
                .findFirst().map(s -> org.kvscope.prompts.PerplexityText.load(s).get(0).text())
                .orElse("Once upon a time, there was a little girl named Lily. She loved to play outside.");
        DemoSession.loadAndRun(vm, model, fit(model, prompt), true);
        FxRuntime.onFx(() -> {
            window.selection().layerProperty().set(Math.min(2, vm.model().config().layers() - 1));
            window.selection().headProperty().set(1);
            return null;
        });
        for (Shot shot : SHOTS) {
            Path file = outDir.resolve(shot.file());
            FxRuntime.onFx(() -> {
                stage[0].setWidth(shot.width());
                stage[0].setHeight(shot.height());
                window.looks().darkProperty().set(shot.dark());
                window.looks().presentationProperty().set(shot.presentation());
                window.views().getSelectionModel().select(shot.tab());
                return null;
            });
            Thread.sleep(400);
            FxRuntime.onFx(() -> {
                try {
                    window.applyCss();
                    window.layout();
                    ChartExport.png(window, file);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return null;
            });
            out.println("wrote " + file + " (" + shot.width() + "×" + shot.height() + (shot.dark() ? ", dark" : "")
                    + (shot.presentation() ? ", presentation mode" : "") + ")");
        }
        FxRuntime.onFx(() -> {
            stage[0].close();
            vm.shutdown();
            return null;
        });
        javafx.application.Platform.exit();
        return 0;
    }

    private static String fit(Path model, String prompt) throws Exception {
        try (var m = new Workbench().load(model)) {
            int max = m.config().contextLength() - Workbench.DECODE_STEPS - 8;
            return DemoSession.promptOfTokens(m, prompt, Math.min(max, 300));
        }
    }
}
