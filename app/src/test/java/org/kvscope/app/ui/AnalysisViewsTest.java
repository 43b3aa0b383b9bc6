package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.app.ui.view.EvictionTimelinePane;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.view.PolicyDiffPane;
import org.kvscope.app.ui.view.TokenFocusPane;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.metrics.PvcConsistency;
import org.kvscope.viz.data.EvictionGrid;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The analysis views in the real window on a generated model: compare/diff with swap and copy, token click, PvC, eviction timeline. */
@ExtendWith(ApplicationExtension.class)
class AnalysisViewsTest {
    private static final String PROMPT = "the quick brown fox jumps over the lazy dog and then the fox runs far away "
            + "into the green forest where the old owl sleeps in a tall tree";
    private static Path dir;
    private static Path model;

    private WorkbenchViewModel vm;
    private MainWindow window;
    private Stage stage;

    @BeforeAll
    static void fixtures() throws Exception {
        dir = Files.createTempDirectory("kvscope-analysis-views");
        model = FxWait.generated(dir);
    }

    @Start
    void start(Stage stage) {
        this.stage = stage;
        vm = FxWait.workbench(dir);
        window = FxWait.show(stage, vm);
    }

    @AfterEach
    void stop() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(30, TimeUnit.SECONDS);
    }

    private static void await(String what, BooleanSupplier onFx) throws TimeoutException {
        try {
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(onFx::getAsBoolean).get());
        } catch (TimeoutException e) {
            TimeoutException t = new TimeoutException("timed out waiting for " + what);
            t.initCause(e);
            throw t;
        }
        WaitForAsyncUtils.waitForFxEvents();
    }

    private void loadAndRun(FxRobot robot, String policyA, Map<String, Object> a, String policyB, Map<String, Object> b)
            throws Exception {
        robot.interact(() -> vm.openModel(model));
        await("model", () -> vm.model() != null);
        robot.interact(() -> {
            vm.policyA().select(policyA);
            a.forEach(vm.policyA()::set);
            vm.policyB().select(policyB);
            b.forEach(vm.policyB()::set);
            vm.promptProperty().set(PROMPT);
            vm.runPrompt();
        });
        await("analyses", () -> vm.capture() != null && vm.policyA().analysis() != null
                && vm.policyB().analysis() != null && vm.policyA().analysis().policy().equals(policyA)
                && vm.policyB().analysis().policy().equals(policyB));
    }

    private static Set<Integer> set(int[] a) {
        Set<Integer> s = new HashSet<>();
        for (int v : a) {
            s.add(v);
        }
        return s;
    }

    /** Table rows must match set differences of the two analyses' kept positions. */
    private boolean diffMatchesAnalyses(PolicyDiffPane diff) {
        var d = diff.model().diff();
        var a = vm.policyA().analysis();
        var b = vm.policyB().analysis();
        if (d == null || a == null || b == null || diff.table().getItems().size() != d.layers() * d.kvHeads()) {
            return false;
        }
        for (PolicyDiffPane.Row r : diff.table().getItems()) {
            Set<Integer> sa = set(a.kept().of(r.layer(), r.kvHead())), sb = set(b.kept().of(r.layer(), r.kvHead()));
            Set<Integer> both = new HashSet<>(sa);
            both.retainAll(sb);
            if (r.both() != both.size() || r.aOnly() != sa.size() - both.size() || r.bOnly() != sb.size() - both.size()) {
                return false;
            }
        }
        return true;
    }

    @Test
    void metricsShowFunnellingForTeachingAndOneGroupedMemoryChart(FxRobot robot) throws Exception {
        loadAndRun(robot, "snapkv", Map.of(), "streamingllm", Map.of());
        robot.interact(() -> window.views().getSelectionModel().select(1));
        var metrics = window.metrics();
        await("teaching views", metrics::teachingReady);
        int layers = vm.model().config().layers();
        int heads = vm.model().config().heads();
        int n = vm.capture().promptTokens().length;
        assertEquals(layers, fx(() -> metrics.meanAttentionRows().dataProperty().get().layers()));
        var entropy = metrics.headEntropyChart();
        assertEquals(Math.log(n), fx(entropy::referenceLine), 1e-9, "ln n line on per-head entropy");
        robot.interact(() -> window.selection().layerProperty().set(1));
        assertEquals(1, fx(() -> metrics.meanAttentionRows().selectedLayerProperty().get()));
        var categories = fx(entropy::shownCategories);
        assertEquals(heads, categories.size(), "the selected layer's heads: " + categories);
        assertTrue(categories.stream().allMatch(c -> c.startsWith("L1 ")), categories.toString());
        var bars = fx(() -> entropy.chart().getData().getFirst().getData().stream()
                .mapToDouble(d -> d.getYValue().doubleValue()).toArray());
        for (int i = 1; i < bars.length; i++) {
            assertTrue(bars[i - 1] <= bars[i], "sorted lowest first");
        }
        var memory = fx(() -> metrics.memoryChart().groupsProperty().get());
        assertEquals(2, memory.names().size());
        assertTrue(memory.names().get(0).startsWith("A: snapkv") && memory.names().get(1).startsWith("B: streamingllm"),
                memory.names().toString());
        assertEquals(3, fx(() -> metrics.memoryChart().chart().getData().size()), "full, A and B per layer");
        assertEquals(1, robot.lookup(".kv-memory-chart").queryAll().size(), "one grouped chart, not one per policy");
    }

    @Test
    void theEntropyChartOfTheSelectedLayerLabelsEveryHeadOnceItsPageIsShown(FxRobot robot) throws Exception {
        loadAndRun(robot, "snapkv", Map.of(), "streamingllm", Map.of()); // as the workbench is used: on the Attention
        robot.interact(() -> window.selection().layerProperty().set(1)); // page, a layer chosen, then Metrics opened
        await("teaching views", window.metrics()::teachingReady);
        robot.interact(() -> window.showView("view-metrics"));
        var entropy = window.metrics().headEntropyChart();
        robot.interact(() -> window.metrics().setVvalue(0.6)); // scrolled down to the chart
        WaitForAsyncUtils.waitForFxEvents();
        fx(() -> window.snapshot(null, null));
        int heads = vm.model().config().heads();
        var labels = fx(() -> entropy.headAxis().getChildrenUnmodifiable().stream()
                .filter(n -> n instanceof javafx.scene.text.Text && n.isVisible())
                .map(n -> ((javafx.scene.text.Text) n).getText() + " " + n.getBoundsInParent()).toList());
        assertEquals(heads, labels.size(), "every head of layer 1 labelled: " + labels);
        double axisWidth = fx(() -> entropy.headAxis().getWidth());
        List<javafx.geometry.Bounds> bounds = fx(() -> entropy.headAxis().getChildrenUnmodifiable().stream()
                .filter(n -> n instanceof javafx.scene.text.Text && n.isVisible()).map(javafx.scene.Node::getBoundsInParent)
                .sorted(java.util.Comparator.comparingDouble(javafx.geometry.Bounds::getMinX)).toList());
        for (int i = 0; i < bounds.size(); i++) {
            assertTrue(bounds.get(i).getMinX() >= -1 && bounds.get(i).getMaxX() <= axisWidth + 1, "inside the axis: "
                    + labels);
            assertTrue(i == 0 || bounds.get(i).getMinX() >= bounds.get(i - 1).getMaxX(), "no overlap: " + labels);
        }
    }

    private static <T> T fx(java.util.concurrent.Callable<T> onFx) throws Exception {
        return WaitForAsyncUtils.asyncFx(onFx).get(30, TimeUnit.SECONDS);
    }

    @Test
    void compareShowsTheDiffAndSwapAndCopyButtonsWork(FxRobot robot) throws Exception {
        loadAndRun(robot, "snapkv", Map.of("budget", 12), "streamingllm", Map.of("budget", 20));
        PolicyDiffPane diff = window.diff();
        robot.interact(() -> window.views().getSelectionModel().select(3));
        await("diff", () -> diffMatchesAnalyses(diff));
        PolicyDiffPane.Row first = diff.table().getItems().get(0);
        assertEquals(12, first.aOnly() + first.both());
        assertEquals(20, first.bOnly() + first.both());
        assertTrue(diff.summary().contains("A only " + first.aOnly()), diff.summary());
        assertNotNull(diff.keys().dataProperty().get().keptA());
        double[] recallDiff = diff.recallDifferenceChart().dataProperty().get().series().get(0).values();
        assertEquals(vm.policyA().analysis().recall(0) - vm.policyB().analysis().recall(0), recallDiff[0], 1e-12);

        robot.clickOn("#swap-policies");
        await("swapped analyses", () -> vm.policyA().analysis().policy().equals("streamingllm")
                && vm.policyB().analysis().policy().equals("snapkv") && diffMatchesAnalyses(diff));
        assertEquals(20, vm.policyA().values().get("budget"));
        assertEquals(12, vm.policyB().values().get("budget"));
        PolicyDiffPane.Row swapped = diff.table().getItems().get(0);
        assertEquals(first.aOnly(), swapped.bOnly());
        assertEquals(first.bOnly(), swapped.aOnly());
        assertEquals(first.both(), swapped.both());

        robot.clickOn("#copy-a-to-b");
        await("copied analyses", () -> vm.policyB().analysis().policy().equals("streamingllm")
                && vm.policyB().analysis().kept().of(0, 0).length == 20 && diffMatchesAnalyses(diff));
        assertEquals(vm.policyA().values(), vm.policyB().values());
        for (PolicyDiffPane.Row r : diff.table().getItems()) {
            assertEquals(0, r.aOnly() + r.bOnly(), "same setting, same keys: " + r);
        }
    }

    /** Compare's A and B heatmaps, in that order. */
    private java.util.List<org.kvscope.viz.view.AttentionHeatmapView> compareHeatmaps(FxRobot robot) {
        return java.util.List.of(robot.lookup("#compare-heatmap-A").queryAs(org.kvscope.viz.view.AttentionHeatmapView.class),
                robot.lookup("#compare-heatmap-B").queryAs(org.kvscope.viz.view.AttentionHeatmapView.class));
    }

    @Test
    void compareHeatmapsShareOneSetOfClippingNormalisationAndZoomControls(FxRobot robot) throws Exception {
        loadAndRun(robot, "snapkv", Map.of("budget", 12), "streamingllm", Map.of("budget", 20));
        robot.interact(() -> window.views().getSelectionModel().select(3));
        var heatmaps = compareHeatmaps(robot);
        await("both maps", () -> heatmaps.stream().allMatch(h -> h.mapProperty().get() != null));
        robot.clickOn("#compare-row-normalise");
        robot.interact(() -> robot.lookup("#compare-clip").queryComboBox().getSelectionModel().select("clip at p99"));
        for (var h : heatmaps) {
            assertTrue(fx(() -> h.rowNormalisedProperty().get()), "÷ row max applies to A and B");
            assertEquals(99, fx(() -> h.clipPercentileProperty().get()), 0, "clipping applies to A and B");
        }
        assertTrue(Double.isNaN(fx(() -> window.attention().heatmap().clipPercentileProperty().get())),
                "the Attention tab keeps its own options");
        org.controlsfx.control.RangeSlider keys = robot.lookup("#compare-key-range").queryAs(
                org.controlsfx.control.RangeSlider.class);
        robot.interact(() -> {
            keys.setHighValue(20);
            keys.setLowValue(4);
        });
        for (var h : heatmaps) {
            var v = fx(h::getViewport);
            assertFalse(v.fit(), "zoomed");
            assertEquals(4, v.keyFrom(), 1, "A and B show the same keys: " + v);
            assertEquals(20, v.keyTo(), 1, "A and B show the same keys: " + v);
        }
        robot.interact(() -> heatmaps.get(1).zoom(1.5, 40, 40));
        var b = fx(heatmaps.get(1)::getViewport);
        var a = fx(heatmaps.get(0)::getViewport);
        assertEquals(b.keyFrom(), a.keyFrom(), 1, "zooming B zooms A to the same keys: " + a + " " + b);
        assertEquals(b.keyTo(), a.keyTo(), 1, "zooming B zooms A to the same keys: " + a + " " + b);
        robot.clickOn("#compare-fit");
        for (var h : heatmaps) {
            assertTrue(fx(h::getViewport).fit(), "Fit shows the whole map in A and B");
        }
    }

    @Test
    void atTheSmallestWindowTheHeatmapTakesMostOfTheHeightAboveTheGrid(FxRobot robot) throws Exception {
        robot.interact(() -> {
            stage.setWidth(1024);
            stage.setHeight(700);
        });
        loadAndRun(robot, "snapkv", Map.of(), "streamingllm", Map.of());
        robot.interact(() -> window.views().getSelectionModel().select(0));
        WaitForAsyncUtils.waitForFxEvents();
        var heatmap = window.attention().heatmap();
        javafx.scene.Node grid = robot.lookup("#head-grid").query();
        double heatmapHeight = fx(heatmap::getHeight);
        double gridHeight = fx(() -> grid.getLayoutBounds().getHeight());
        assertTrue(fx(() -> heatmap.localToScene(0, 0).getY() < grid.localToScene(0, 0).getY()), "stacked");
        assertTrue(heatmapHeight > 2 * gridHeight, "heatmap " + heatmapHeight + " px, grid " + gridHeight + " px");
        assertTrue(fx(heatmap::imageBounds).getHeight() > 200, "a readable heatmap: " + fx(heatmap::imageBounds));
    }

    @Test
    void clickingATokenColoursThePromptByTheAttentionItPaysOrReceives(FxRobot robot) throws Exception {
        loadAndRun(robot, "snapkv", Map.of("budget", 12), "streamingllm", Map.of("budget", 20));
        robot.interact(() -> {
            window.views().getSelectionModel().select(4);
            window.selection().layerProperty().set(1);
            window.selection().headProperty().set(2);
        });
        TokenFocusPane pane = window.tokens().focus();
        var ev = vm.capture().capture().evidence();
        int t = ev.firstWindowQuery() + 2; // a token whose row the capture holds exactly
        await("token boxes", () -> pane.flow().tokenCentre(t) != null);
        var centre = WaitForAsyncUtils.asyncFx(() -> pane.flow().localToScreen(pane.flow().sceneToLocal(pane.flow().tokenCentre(t)))).get();
        robot.clickOn(centre);
        await("token attention", () -> pane.flow().dataProperty().get().weights() != null);
        var data = pane.flow().dataProperty().get();
        assertEquals(t, data.focus());
        float[] row = ev.row(1, 2, t - ev.firstWindowQuery());
        for (int k = 0; k < data.size(); k++) {
            assertEquals(row[k], data.weights()[k], 1e-6, "pays k=" + k);
        }
        assertTrue(pane.caption().contains("Token " + t), pane.caption());
        robot.interact(() -> pane.direction().setValue(TokenFocusPane.Direction.RECEIVES));
        var received = pane.flow().dataProperty().get();
        for (int q = 0; q < received.size(); q++) {
            float want = q < t ? 0f : ev.row(1, 2, q - ev.firstWindowQuery())[t];
            assertEquals(want, received.weights()[q], 1e-6, "receives q=" + q);
        }
        int kvHead = 2 / ev.groupSize();
        for (int p = 0; p < received.size(); p++) {
            boolean keptA = set(vm.policyA().analysis().kept().of(1, kvHead)).contains(p);
            assertEquals(keptA ? 1.0 : 0.0, received.keptA()[p], "A kept mark at " + p);
        }
    }

    @Test
    void pvcOverlapIsOneModelSeriesWithKShownAndTheConsecutiveVariantAsAnOption(FxRobot robot) throws Exception {
        loadAndRun(robot, "snapkv", Map.of("budget", 12), "streamingllm", Map.of("budget", 20));
        robot.interact(() -> window.views().getSelectionModel().select(1));
        var pvc = window.metrics().pvc();
        await("pvc", () -> pvc.result() != null && window.metrics().overlapChart().dataProperty().get().series().size() == 1);
        var expected = PvcConsistency.of(vm.capture().capture(), PvcConsistency.Definition.RECENT_VS_LATER, 32, 16);
        var shown = window.metrics().overlapChart().dataProperty().get();
        assertArrayEquals(expected.byLayer(), shown.series().get(0).values(), 1e-12);
        assertEquals("model (FullKV run)", shown.series().get(0).name());
        assertTrue(shown.metric().contains("k = 32"), shown.metric());
        assertTrue(window.metrics().pvcCaption().contains("PyramidInfer"), window.metrics().pvcCaption());

        robot.interact(() -> vm.policyA().set("budget", 20));
        await("new analysis", () -> vm.policyA().analysis().kept().of(0, 0).length == 20);
        assertArrayEquals(expected.byLayer(), window.metrics().overlapChart().dataProperty().get().series().get(0).values(),
                1e-12, "a policy change leaves the model's PvC overlap alone");

        robot.interact(() -> {
            pvc.kProperty().set(8);
            pvc.definitionProperty().set(PvcConsistency.Definition.CONSECUTIVE);
        });
        var consecutive = PvcConsistency.of(vm.capture().capture(), PvcConsistency.Definition.CONSECUTIVE, 8, 16);
        await("consecutive", () -> pvc.result().definition() == PvcConsistency.Definition.CONSECUTIVE && pvc.result().k() == 8);
        assertArrayEquals(consecutive.byLayer(), window.metrics().overlapChart().dataProperty().get().series().get(0).values(), 1e-12);
        assertTrue(window.metrics().totals().contains("consecutive prompt queries, k = 8"), window.metrics().totals());
    }

    @Test
    void evictionTimelineShowsStreamingLlmPushingOutOnePositionPerTokenAndLinksToTheStrip(FxRobot robot) throws Exception {
        loadAndRun(robot, "snapkv", Map.of("budget", 12), "streamingllm", Map.of("budget", 16, "sinks", 4));
        EvictionTimelinePane pane = window.tokens().timeline();
        robot.interact(() -> {
            pane.model().stepsProperty().set(6);
            pane.model().policyIndexProperty().set(1);
            window.views().getSelectionModel().select(4);
        });
        await("timeline", () -> pane.view().gridProperty().get() != null
                && pane.model().timelineProperty().get().policy().equals("streamingllm")
                && pane.model().timelineProperty().get().steps().size() == 6);
        EvictionGrid g = pane.view().gridProperty().get();
        int n = vm.capture().promptTokens().length;
        assertEquals(n - 16, g.evictedCount(0), "prefill keeps 4 sinks and the last 12 positions");
        for (int r = 1; r < g.rows(); r++) {
            assertEquals(1, g.evictedCount(r), "row " + r);
            int expected = n - 12 + (r - 1); // the oldest non-sink position goes first
            assertEquals(1.0, g.evicted()[r][expected], 0.0, "row " + r + " evicts position " + expected);
        }
        assertTrue(pane.summary().contains("6 evicted while generating 6 tokens"), pane.summary());
        robot.interact(() -> pane.view().selectedPositionProperty().set(n + 2));
        assertEquals(n + 2, pane.strip().selectionProperty().get().from());
        robot.interact(() -> pane.strip().select(3, 4));
        assertEquals(3, pane.view().selectedPositionProperty().get());
    }

    @Test
    void budgetCurvesSweepBothPoliciesOverTheSuitesPromptsWithTheirSpreadAndMarkTheBudget(FxRobot robot) throws Exception {
        loadAndRun(robot, "snapkv", Map.of("budget", 12), "streamingllm", Map.of("budget", 20));
        var pane = window.evaluation().curves();
        robot.interact(() -> {
            window.views().getSelectionModel().select(2);
            vm.needleSuiteProperty().set(null);
        });
        robot.interact(() -> pane.model().compute());
        await("curves", () -> pane.model().task(0).result() != null && pane.model().task(1).result() != null
                && pane.perplexityChart().dataProperty().get() != null
                && pane.perplexityChart().dataProperty().get().curves().size() == 3);
        var set = pane.perplexityChart().dataProperty().get();
        assertEquals(12.0, set.markedBudget(), 0.0);
        assertEquals("A: snapkv", set.curves().get(0).name());
        assertEquals("B: streamingllm", set.curves().get(1).name());
        // FullKV reference, recomputed here for each of the suite's prompts: the band spans them, the line is their median
        var suite = pane.model().suiteProperty().get();
        int limit = Math.min(suite.contextTokens() + suite.continuationTokens(), vm.model().config().contextLength() - 1);
        var texts = org.kvscope.prompts.PerplexityText.load(suite);
        double[] full = new double[texts.size()];
        for (int i = 0; i < full.length; i++) {
            int[] ids = vm.model().tokenizer().encodeWithSpecials(texts.get(i).text());
            full[i] = new Workbench().perplexity(vm.model(), java.util.Arrays.copyOf(ids, Math.min(ids.length, limit)), null,
                    () -> false).perplexity();
        }
        java.util.Arrays.sort(full);
        var fullKv = set.curves().get(2);
        assertEquals(full[0], fullKv.low()[0], 1e-9);
        assertEquals(full[full.length - 1], fullKv.high()[0], 1e-9);
        assertEquals(full.length % 2 == 1 ? full[full.length / 2] : (full[full.length / 2 - 1] + full[full.length / 2]) / 2,
                fullKv.mid()[0], 1e-9);
        for (var c : set.curves()) {
            for (int b = 0; b < c.budgets().length; b++) {
                assertTrue(Double.isNaN(c.mid()[b]) || c.low()[b] <= c.mid()[b] && c.mid()[b] <= c.high()[b], c.name() + " " + b);
            }
        }
        var computed = pane.model().task(0).result();
        robot.interact(() -> vm.policyA().set("budget", 24));
        assertEquals(24.0, pane.perplexityChart().dataProperty().get().markedBudget(), 0.0);
        robot.interact(() -> pane.model().compute());
        assertTrue(computed == pane.model().task(0).result(), "only the budget moved: the cached curves are reused");
    }
}
