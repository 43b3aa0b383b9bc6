package org.kvscope.app.ui.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.ScrollPane;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.prompts.SuiteKind;
import org.kvscope.prompts.Suites;

/**
 * {@code kvscope screenshots}: renders the real workbench headless on a model and writes the PNGs of
 * {@link #SHOTS}: every view and Evaluation sub-view in the light theme at 1280×800, the per-head entropy chart
 * with one layer selected, the dark theme, the smallest supported window (also in presentation mode), and a large
 * window in both themes and in presentation mode. Views and sub-views are picked by their tab ids.
 */
final class ScreenshotCommand {
    /** The large window. */
    static final int LARGE_W = 1600, LARGE_H = 1000;

    /**
     * What a shot shows: a view tab (by id), an Evaluation sub-tab (by id, or null) and a node scrolled to the top
     * of its page (by id, or null: the page from its top).
     */
    record Where(String view, String subView, String scrollTo) {}

    static final Where ATTENTION = new Where("view-attention", null, null);
    static final Where METRICS = new Where("view-metrics", null, null);
    /** Funnelling by layer beside the per-head entropy of the selected layer (one layer, as the workbench shows it). */
    static final Where FUNNELLING = new Where("view-metrics", null, "head-entropy-chart");
    static final Where NEEDLES = new Where("view-evaluation", "evaluation-needles", null);
    static final Where AGREEMENT = new Where("view-evaluation", "evaluation-agreement", null);
    static final Where REPLAY = new Where("view-evaluation", "evaluation-replay", null);
    static final Where COMPARE = new Where("view-compare", null, null);
    static final Where TOKENS = new Where("view-tokens", null, null);
    static final Where HEADS = new Where("view-heads", null, null);

    /** One PNG: what it shows, theme and mode, at which window size. */
    record Shot(String file, Where where, boolean dark, boolean presentation, int width, int height) {}

    static final List<Shot> SHOTS = List.of(
            new Shot("workbench-attention.png", ATTENTION, false, false, 1280, 800),
            new Shot("workbench-metrics.png", METRICS, false, false, 1280, 800),
            new Shot("workbench-funnelling.png", FUNNELLING, false, false, 1280, 800),
            new Shot("workbench-evaluation.png", NEEDLES, false, false, 1280, 800),
            new Shot("workbench-replay.png", REPLAY, false, false, 1280, 800),
            new Shot("workbench-compare.png", COMPARE, false, false, 1280, 800),
            new Shot("workbench-tokens.png", TOKENS, false, false, 1280, 800),
            new Shot("workbench-heads.png", HEADS, false, false, 1280, 800),
            new Shot("workbench-attention-dark.png", ATTENTION, true, false, 1280, 800),
            new Shot("workbench-metrics-dark.png", METRICS, true, false, 1280, 800),
            new Shot("workbench-funnelling-dark.png", FUNNELLING, true, false, 1280, 800),
            new Shot("workbench-replay-dark.png", REPLAY, true, false, 1280, 800),
            new Shot("workbench-small.png", ATTENTION, false, false, 1024, 700),
            new Shot("workbench-small-presentation.png", ATTENTION, false, true, 1024, 700),
            new Shot("workbench-small-presentation-compare.png", COMPARE, false, true, 1024, 700),
            new Shot("workbench-large.png", ATTENTION, false, false, LARGE_W, LARGE_H),
            new Shot("workbench-large-dark.png", COMPARE, true, false, LARGE_W, LARGE_H),
            new Shot("workbench-funnelling-large.png", FUNNELLING, false, false, LARGE_W, LARGE_H),
            new Shot("workbench-presentation.png", METRICS, false, true, LARGE_W, LARGE_H),
            // last: policy B becomes a scoring policy for them (streamingllm gives positions no scores)
            new Shot("workbench-agreement.png", AGREEMENT, false, false, 1280, 800),
            new Shot("workbench-agreement-large-dark.png", AGREEMENT, true, false, LARGE_W, LARGE_H));

    /**
     * Policy B of the agreement shots: the other shots compare snapkv with streamingllm, which scores nothing, and
     * pyramidkv scores as snapkv does (ρ = 1 everywhere); keydiff ranks keys by their own diversity instead.
     */
    static final String AGREEMENT_B = "keydiff";

    private ScreenshotCommand() {}

    static int run(Path model, Path outDir, PrintStream out) throws Exception {
        FxRuntime.start(true);
        Files.createDirectories(outDir);
        WorkbenchViewModel vm = workbench();
        Shooter shooter = Shooter.open(vm);
        MainWindow window = shooter.window();
        String prompt = Suites.all().stream().filter(s -> s.kind() == SuiteKind.PERPLEXITY && s.style().equals("stories"))
                .findFirst().map(s -> org.kvscope.prompts.PerplexityText.load(s).get(0).text())
                .orElse("Once upon a time, there was a little girl named Lily. She loved to play outside.");
        DemoSession.loadAndRun(vm, model, fit(model, prompt), true);
        FxRuntime.onFx(() -> {
            window.selection().layerProperty().set(Math.min(2, vm.model().config().layers() - 1));
            window.selection().headProperty().set(1);
            return null;
        });
        computeSlowViews(vm, window);
        for (Shot shot : SHOTS) {
            if (shot.where().equals(AGREEMENT)) {
                computeAgreement(vm, window);
            }
            Path file = outDir.resolve(shot.file());
            shooter.shoot(shot, file);
            out.println("wrote " + file + " (" + shot.width() + "×" + shot.height() + (shot.dark() ? ", dark" : "")
                    + (shot.presentation() ? ", presentation mode" : "") + ")");
        }
        shooter.close(vm);
        javafx.application.Platform.exit();
        return 0;
    }

    /** A workbench on the standard threads with a throw-away recent-models list. */
    static WorkbenchViewModel workbench() throws IOException {
        Path recent = Files.createTempFile("kvscope-recent", ".json");
        Files.delete(recent);
        return new WorkbenchViewModel(new Workbench(), UiThreads.standard(), new RecentModels(recent),
                DeviceProbe.cpuOnly());
    }

    /** Selects the shot's view and sub-view by id. */
    static void show(MainWindow window, Where where) {
        window.showView(where.view());
        if (where.subView() != null) {
            window.evaluationTabs().show(where.subView());
        }
    }

    /**
     * Scrolls the page holding {@code where.scrollTo()} so that node's top is at the top of the viewport (as far as
     * the page goes), or the shown page to its top when there is none.
     */
    static void scroll(MainWindow window, Where where) {
        Node target = where.scrollTo() == null ? null : window.lookup("#" + where.scrollTo());
        if (where.scrollTo() != null && target == null) {
            throw new IllegalArgumentException("no node '#" + where.scrollTo() + "' in the window");
        }
        Node page = target != null ? target : window.views().getSelectionModel().getSelectedItem().getContent();
        ScrollPane pane = scrollPaneOf(page);
        if (pane == null || pane.getContent() == null) {
            return;
        }
        double y = 0;
        if (target != null) {
            Bounds b = pane.getContent().sceneToLocal(target.localToScene(target.getLayoutBounds()));
            double room = pane.getContent().getLayoutBounds().getHeight() - pane.getViewportBounds().getHeight();
            y = room <= 0 ? 0 : Math.clamp((b.getMinY() - 40) / room, 0, 1);
        }
        pane.setVvalue(pane.getVmin() + y * (pane.getVmax() - pane.getVmin()));
    }

    /** {@code node} itself when it scrolls, else its nearest scrolling ancestor, else null. */
    private static ScrollPane scrollPaneOf(Node node) {
        for (Node n = node; n != null; n = n.getParent()) {
            if (n instanceof ScrollPane s) {
                return s;
            }
        }
        return node instanceof Parent p ? firstScrollPane(p) : null;
    }

    private static ScrollPane firstScrollPane(Parent p) {
        for (Node c : p.getChildrenUnmodifiable()) {
            if (c instanceof ScrollPane s) {
                return s;
            }
        }
        return null;
    }

    /**
     * Computes what the views only compute in the background or on demand, so their shots are not empty: the
     * funnelling teaching views, one replay run, the head classification, the attention the last prompt token pays
     * and policy B's eviction timeline (StreamingLLM evicts while generating; SnapKV, policy A, only after prefill).
     */
    private static void computeSlowViews(WorkbenchViewModel vm, MainWindow window) throws Exception {
        var focus = window.tokens().focus().model();
        var timeline = window.tokens().timeline().model();
        FxRuntime.onFx(() -> {
            show(window, TOKENS);
            timeline.policyIndexProperty().set(1);
            window.tokens().focus().flow().clickedProperty().set(vm.capture().promptTokens().length - 1);
            return null;
        });
        FxRuntime.await("the eviction timeline", () -> timeline.timelineProperty().get() != null
                && !timeline.runningProperty().get(), 300_000);
        FxRuntime.await("the token-centred attention", () -> focus.attentionProperty().get() != null
                && !focus.runningProperty().get(), 120_000);
        FxRuntime.await("the funnelling views", () -> window.metrics().teachingReady(), 120_000);
        FxRuntime.onFx(() -> {
            window.heads().start();
            return null;
        });
        FxRuntime.await("the head classification", () -> window.heads().classified(), 300_000);
        var replay = window.evaluationTabs().replay().model();
        FxRuntime.onFx(() -> {
            show(window, REPLAY);
            replay.run();
            return null;
        });
        FxRuntime.await("the replay", () -> replay.result() != null && !replay.task().runningProperty().get(), 300_000);
    }

    /** Gives policy B {@link #AGREEMENT_B} (once) and waits for the agreement, computed while its sub-tab is shown. */
    private static void computeAgreement(WorkbenchViewModel vm, MainWindow window) throws Exception {
        var agreement = window.evaluationTabs().agreement().model();
        if (FxRuntime.onFx(() -> vm.policyB().policyName().equals(AGREEMENT_B) && agreement.result() != null)) {
            return;
        }
        FxRuntime.onFx(() -> {
            vm.policyB().select(AGREEMENT_B);
            show(window, AGREEMENT);
            return null;
        });
        FxRuntime.await("the score agreement", () -> agreement.result() != null
                && !agreement.task().runningProperty().get() || !agreement.problemProperty().get().isEmpty(), 120_000);
        String problem = FxRuntime.onFx(() -> agreement.problemProperty().get());
        if (!problem.isEmpty()) {
            throw new IllegalStateException("score agreement: " + problem);
        }
    }

    private static String fit(Path model, String prompt) throws Exception {
        try (var m = new Workbench().load(model)) {
            int max = m.config().contextLength() - Workbench.DECODE_STEPS - 8;
            return DemoSession.promptOfTokens(m, prompt, Math.min(max, 300));
        }
    }
}
