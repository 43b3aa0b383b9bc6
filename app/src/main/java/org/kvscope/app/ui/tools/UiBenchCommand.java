package org.kvscope.app.ui.tools;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.WorkbenchApp;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.prompts.SampleTexts;
import org.kvscope.viz.view.BackgroundRendering;
import org.kvscope.viz.view.HeatmapGridView;
import org.kvscope.viz.tools.FxStallWatch;

/**
 * {@code kvscope bench-ui}: in the real window (headless), on a prompt of about N tokens, for each
 * kind of interaction (budget slider move, policy switch, tab switch, keystroke in the prompt, warm
 * Run, which includes the layer × head grid of the new capture, dark theme on or off, presentation mode on or off)
 * the FX-thread CPU time it costs (until
 * the views are updated and a pulse has laid them out) and the wall time from the change to that
 * pulse, as p50 / p95 / max.
 */
final class UiBenchCommand {
    private static final String[] SWITCH = {"h2o", "snapkv", "pyramidkv", "streamingllm"};
    /** Theme switches and presentation-mode toggles measured (each restyles the whole window), at most. */
    private static final int LOOKS_SAMPLES = 20;

    private UiBenchCommand() {}

    /** One measured interaction: FX CPU over it, wall time to the views laid out, longest FX busy stretch. */
    private record Sample(long fxNanos, long wallNanos, long longestNanos) {}

    static int run(Path model, int tokens, int moves, int tab, PrintStream out) throws Exception {
        FxRuntime.start(true);
        Path recent = Files.createTempFile("kvscope-recent", ".json");
        Files.delete(recent);
        WorkbenchViewModel vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(), new RecentModels(recent),
                DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        vm.setWarmUpEnabled(false);
        MainWindow window = FxRuntime.onFx(() -> {
            Scene scene = WorkbenchApp.createScene(vm, 1600, 960);
            Stage stage = new Stage();
            stage.setScene(scene);
            stage.show();
            return (MainWindow) scene.getRoot();
        });
        String prompt;
        try (var m = new Workbench().load(model)) {
            int target = Math.min(tokens, m.config().contextLength() - Workbench.DECODE_STEPS - 1);
            String text = String.join(" ", SampleTexts.all().stream().limit(6).map(SampleTexts::read).toList());
            prompt = DemoSession.promptOfTokens(m, text, target);
        }
        long cold0 = System.nanoTime();
        DemoSession.loadAndRun(vm, model, prompt, false);
        double coldRun = (System.nanoTime() - cold0) / 1e6;
        FxRuntime.onFx(() -> { window.views().getSelectionModel().select(tab); return null; });
        int n = FxRuntime.onFx(() -> vm.capture().promptTokens().length);
        String tabName = FxRuntime.onFx(() -> window.views().getTabs().get(tab).getText());
        try (FxStallWatch fx = FxStallWatch.start(Long.MAX_VALUE / 2_000_000)) {
            List<Sample> slider = new ArrayList<>();
            List<Sample> policy = new ArrayList<>();
            List<Sample> tabs = new ArrayList<>();
            List<Sample> keys = new ArrayList<>();
            List<Sample> runs = new ArrayList<>();
            for (int i = 0; i < moves; i++) {
                int budget = 16 + (i * 37) % Math.max(1, n / 2);
                var before = FxRuntime.onFx(vm.policyA()::analysis);
                slider.add(measure(fx, window, () -> vm.policyA().set("budget",
                        budget == (int) vm.policyA().values().get("budget") ? budget + 1 : budget),
                        () -> vm.policyA().analysis() != before));
            }
            for (int i = 0; i < moves; i++) {
                String name = SWITCH[i % SWITCH.length];
                policy.add(measure(fx, window, () -> vm.policyA().select(name),
                        () -> vm.policyA().analysis() != null && vm.policyA().analysis().policy().equals(name)
                                && vm.policyA().errorProperty().get() == null));
            }
            int tabCount = FxRuntime.onFx(() -> window.views().getTabs().size());
            for (int i = 0; i < moves; i++) {
                int t = (tab + 1 + i) % tabCount;
                tabs.add(measure(fx, window, () -> window.views().getSelectionModel().select(t), () -> true));
            }
            FxRuntime.onFx(() -> { window.views().getSelectionModel().select(tab); return null; });
            for (int i = 0; i < moves; i++) {
                var before = FxRuntime.onFx(() -> vm.promptPiecesProperty().get());
                char c = (char) ('a' + i % 26);
                keys.add(measure(fx, window, () -> vm.promptProperty().set(vm.promptProperty().get() + c),
                        () -> vm.promptPiecesProperty().get() != before));
            }
            FxRuntime.onFx(() -> { vm.promptProperty().set(prompt); return null; });
            List<Sample> themes = new ArrayList<>();
            List<Sample> presentation = new ArrayList<>();
            for (int i = 0; i < Math.min(moves, LOOKS_SAMPLES); i++) {
                boolean on = i % 2 == 0;
                themes.add(measure(fx, window, () -> window.looks().darkProperty().set(on), () -> true));
            }
            for (int i = 0; i < Math.min(moves, LOOKS_SAMPLES); i++) {
                boolean on = i % 2 == 0;
                presentation.add(measure(fx, window, () -> window.looks().presentationProperty().set(on), () -> true));
            }
            HeatmapGridView grid = FxRuntime.onFx(() -> (HeatmapGridView) window.lookup("#head-grid"));
            for (int i = 0; i < Math.min(5, Math.max(2, moves / 4)); i++) {
                var before = FxRuntime.onFx(vm::capture);
                var analysesBefore = FxRuntime.onFx(() -> vm.policies().stream().map(p -> p.analysis()).toList());
                var gridBefore = FxRuntime.onFx(() -> grid.mapsProperty().get());
                runs.add(measure(fx, window, vm::runPrompt, () -> vm.capture() != before && !vm.runningProperty().get()
                        && vm.policies().stream().noneMatch(p -> analysesBefore.contains(p.analysis()))
                        && grid.mapsProperty().get() != gridBefore && grid.renderedProperty().get()));
            }
            out.printf("bench-ui: %s, prompt %d tokens, '%s' tab shown, %d samples per kind (first %d dropped as warm-up)%n",
                    model.getFileName(), n, tabName, moves, warmUp(moves));
            out.printf("  cold Run after load (JIT cold): %.0f ms%n", coldRun);
            out.printf("  %-16s %-34s %-44s %s%n", "interaction", "FX-thread CPU ms p50 / p95 / max",
                    "change -> views updated ms p50 / p95 / max", "longest FX stretch ms");
            report(out, "budget slider", slider);
            report(out, "policy switch", policy);
            report(out, "tab switch", tabs);
            report(out, "keystroke", keys);
            report(out, "warm Run", runs);
            report(out, "theme switch", themes);
            report(out, "presentation", presentation);
            out.printf("  (keystroke: views updated includes the %d ms typing debounce; longest FX stretch: the most"
                    + " CPU the FX thread spent without running a queued heartbeat, over all kept samples)%n",
                    UiThreads.TYPING_DEBOUNCE.toMillis());
        }
        FxRuntime.onFx(() -> { vm.shutdown(); return null; });
        Platform.exit();
        return 0;
    }

    /**
     * Applies a change on the FX thread and waits until {@code done} holds, the views that draw in the background show
     * it ({@link BackgroundRendering}) and the next pulse has laid out the
     * window (the pulse styles and lays out only what the change made dirty, as in the real application); returns
     * the FX thread's CPU time over that span plus one more render pulse, and the wall time to the laid-out pulse.
     */
    private static Sample measure(FxStallWatch fx, MainWindow window, Runnable change, BooleanSupplier done)
            throws Exception {
        long[] start = new long[2];
        FxRuntime.onFx(() -> {
            fx.reset();
            start[0] = fx.fxCpuNanos();
            start[1] = System.nanoTime();
            change.run();
            return null;
        });
        while (!FxRuntime.onFx(() -> done.getAsBoolean() && BackgroundRendering.allRendered(window))) {
            Thread.sleep(2);
        }
        long wall = afterNextPulse(window.getScene()) - start[1];
        Thread.sleep(40); // the pulse that renders the change
        long cpu = FxRuntime.onFx((Supplier<Long>) () -> fx.fxCpuNanos() - start[0]);
        return new Sample(cpu, wall, fx.maxCpuNanos());
    }

    /** Waits for the next pulse to finish its CSS and layout pass; returns when it did ({@link System#nanoTime}). */
    private static long afterNextPulse(Scene scene) throws Exception {
        java.util.concurrent.CompletableFuture<Long> laidOut = new java.util.concurrent.CompletableFuture<>();
        FxRuntime.onFx(() -> {
            Runnable[] once = new Runnable[1];
            once[0] = () -> {
                scene.removePostLayoutPulseListener(once[0]);
                laidOut.complete(System.nanoTime());
            };
            scene.addPostLayoutPulseListener(once[0]);
            Platform.requestNextPulse();
            return null;
        });
        return laidOut.get(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static int warmUp(int samples) {
        return Math.min(5, samples / 5);
    }

    private static void report(PrintStream out, String what, List<Sample> samples) {
        int drop = samples.size() > 5 ? warmUp(samples.size()) : 0;
        List<Sample> kept = samples.subList(drop, samples.size());
        long[] fx = kept.stream().mapToLong(Sample::fxNanos).sorted().toArray();
        long[] wall = kept.stream().mapToLong(Sample::wallNanos).sorted().toArray();
        long longest = kept.stream().mapToLong(Sample::longestNanos).max().orElse(0);
        out.printf("  %-16s %6.1f / %6.1f / %6.1f                %7.1f / %7.1f / %7.1f                %7.1f%n", what,
                ms(fx, 0.5), ms(fx, 0.95), fx[fx.length - 1] / 1e6, ms(wall, 0.5), ms(wall, 0.95),
                wall[wall.length - 1] / 1e6, longest / 1e6);
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * (sorted.length - 1)))] / 1e6;
    }
}
