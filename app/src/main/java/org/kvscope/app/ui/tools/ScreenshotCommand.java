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

/** {@code kvscope screenshots}: renders the real workbench headless on a model and writes one PNG per tab. */
final class ScreenshotCommand {
    private static final List<String> FILES = List.of("workbench-attention.png", "workbench-metrics.png",
            "workbench-evaluation.png", "workbench-compare.png");

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
            Scene scene = WorkbenchApp.createScene(vm, 1600, 960);
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
        for (int t = 0; t < FILES.size(); t++) {
            int tab = t;
            Path file = outDir.resolve(FILES.get(t));
            FxRuntime.onFx(() -> {
                window.views().getSelectionModel().select(tab);
                return null;
            });
            Thread.sleep(300);
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
            out.println("wrote " + file);
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
