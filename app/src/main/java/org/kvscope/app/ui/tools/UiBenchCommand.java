package org.kvscope.app.ui.tools;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.beans.value.ChangeListener;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.WorkbenchApp;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.prompts.SampleTexts;

/**
 * {@code kvscope bench-ui}: latency from a budget change (as a slider move makes it) to the
 * instant views updated and laid out, on a prompt of about N tokens, in the real window (headless).
 */
final class UiBenchCommand {
    private UiBenchCommand() {}

    static int run(Path model, int tokens, int moves, int tab, PrintStream out) throws Exception {
        if (moves < 5) {
            throw new IllegalArgumentException("--moves must be at least 5, was " + moves);
        }
        FxRuntime.start(true);
        Path recent = Files.createTempFile("kvscope-recent", ".json");
        Files.delete(recent);
        WorkbenchViewModel vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(), new RecentModels(recent),
                DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        MainWindow window = FxRuntime.onFx(() -> {
            Scene scene = WorkbenchApp.createScene(vm, 1600, 960);
            Stage stage = new Stage();
            stage.setScene(scene);
            stage.show();
            return (MainWindow) scene.getRoot();
        });
        String prompt;
        int context;
        try (var m = new Workbench().load(model)) {
            context = m.config().contextLength();
            int target = Math.min(tokens, context) - Workbench.DECODE_STEPS - 1;
            String text = String.join(" ", SampleTexts.all().stream().limit(6).map(SampleTexts::read).toList());
            prompt = DemoSession.promptOfTokens(m, text, target);
        }
        DemoSession.loadAndRun(vm, model, prompt, false);
        String tabName = FxRuntime.onFx(() -> {
            window.views().getSelectionModel().select(tab);
            return window.views().getTabs().get(tab).getText();
        });
        int n = FxRuntime.onFx(() -> vm.capture().promptTokens().length);
        long[] nanos = new long[moves];
        long[] analysisNanos = new long[moves];
        long[] layoutNanos = new long[moves];
        for (int i = 0; i < moves; i++) {
            int index = i;
            int budget = 16 + (i * 37) % Math.max(1, n / 2);
            CompletableFuture<Long> done = new CompletableFuture<>();
            long[] t0 = new long[1];
            Platform.runLater(() -> {
                ChangeListener<PolicyAnalysis> l = new ChangeListener<>() {
                    @Override
                    public void changed(javafx.beans.value.ObservableValue<? extends PolicyAnalysis> o,
                                        PolicyAnalysis a, PolicyAnalysis b) {
                        vm.policyA().analysisProperty().removeListener(this);
                        long l0 = System.nanoTime();
                        window.applyCss();
                        window.layout();
                        long end = System.nanoTime();
                        layoutNanos[index] = end - l0;
                        done.complete(end - t0[0]);
                    }
                };
                vm.policyA().analysisProperty().addListener(l);
                t0[0] = System.nanoTime();
                vm.policyA().set("budget", budget == (int) vm.policyA().values().get("budget") ? budget + 1 : budget);
            });
            nanos[i] = done.get(30, TimeUnit.SECONDS);
            analysisNanos[i] = FxRuntime.onFx(() -> vm.policyA().analysisNanosProperty().get());
        }
        int warm = Math.min(5, moves / 5);
        long[] m = Arrays.copyOfRange(nanos, warm, moves);
        long[] a = Arrays.copyOfRange(analysisNanos, warm, moves);
        long[] lay = Arrays.copyOfRange(layoutNanos, warm, moves);
        Arrays.sort(m);
        Arrays.sort(a);
        Arrays.sort(lay);
        out.printf("bench-ui: %s, prompt %d tokens, policy %s, %d budget moves (%d warm-up dropped), '%s' tab shown%n",
                model.getFileName(), n, FxRuntime.onFx(vm.policyA()::policyName), m.length, warm, tabName);
        out.printf("  slider move -> views updated: p50 %.1f ms, p95 %.1f ms, max %.1f ms%n",
                ms(m, 0.5), ms(m, 0.95), m[m.length - 1] / 1e6);
        out.printf("  of which PolicyAnalysis:      p50 %.1f ms, p95 %.1f ms%n", ms(a, 0.5), ms(a, 0.95));
        out.printf("  of which CSS + layout:        p50 %.1f ms, p95 %.1f ms%n", ms(lay, 0.5), ms(lay, 0.95));
        FxRuntime.onFx(() -> { vm.shutdown(); return null; });
        Platform.exit();
        return 0;
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * (sorted.length - 1)))] / 1e6;
    }
}
