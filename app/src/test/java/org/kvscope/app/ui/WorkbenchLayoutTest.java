package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.view.Looks;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.view.UndoKeys;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.tools.FxStallCheck;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.kvscope.viz.view.BackgroundRendering;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The window at the smallest supported sizes without clipped text, its keyboard shortcuts, the dark
 * theme and presentation mode, and start-up with a damaged recent-models list. Uses a generated
 * model, so it runs everywhere.
 */
@ExtendWith(ApplicationExtension.class)
class WorkbenchLayoutTest {
    private static final String PROMPT = "the quick brown fox jumps over the lazy dog and then the fox runs far away "
            + "into the green forest where the old owl sleeps in a tall tree";

    @TempDir static Path dir;
    private Stage stage;
    private WorkbenchViewModel vm;
    private MainWindow window;
    /** Work queued here waits behind whatever the test put first (the worker is single-threaded). */
    private ExecutorService worker;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        open(new RecentModels(dir.resolve("recent.json")));
    }

    private void open(RecentModels recent) {
        open(recent, false);
    }

    /** A new view model and window on the stage, in presentation mode from its first layout when {@code presentation}. */
    private void open(RecentModels recent, boolean presentation) {
        UiThreads std = UiThreads.standard(Duration.ofMillis(100));
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "test-worker");
            t.setDaemon(true);
            return t;
        });
        vm = new WorkbenchViewModel(new Workbench(), new UiThreads(std.fx(), worker, std.analysis(), std.evaluation(),
                std.debounce(), std.typing(), std.typingDebounce()), recent, DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        var scene = WorkbenchApp.createScene(vm, 1280, 800);
        window = (MainWindow) scene.getRoot();
        window.looks().presentationProperty().set(presentation);
        stage.setScene(scene);
        stage.show();
    }

    /**
     * Entering presentation mode restyles and re-lays out the whole window at a larger font: 116–205 ms of
     * FX-thread CPU in these scenarios on the loaded shared 2-core machine, 172 ms p95 in {@code bench-ui}
     * (2026-12-03), and the first help dialog 31–142 ms: close enough to the default limit that a slower CI
     * machine could cross it, so those scenarios get a wider one. The theme switch (68–78 ms since it became a
     * root pseudo-class) runs under the default limit.
     */
    @org.junit.jupiter.api.BeforeEach
    void widerStallLimitForPresentationModeAndTheFirstDialog(org.junit.jupiter.api.TestInfo info) {
        if (info.getTestMethod().map(m -> m.getName().startsWith("presentation") || m.getName().startsWith("help"))
                .orElse(false)) {
            System.setProperty("kvscope.fxStallLimitMs", "600");
        }
    }

    @AfterEach
    void stop() throws Exception {
        System.clearProperty("kvscope.fxStallLimitMs");
        WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.asyncFx(() -> VizTheme.darkProperty().set(false)).get(10, TimeUnit.SECONDS);
    }

    private static void await(String what, BooleanSupplier onFx) throws Exception {
        try {
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(onFx::getAsBoolean).get());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out waiting for " + what, e);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static Path model() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        if (!Files.exists(file)) {
            SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 7);
        }
        return file;
    }

    private void loadAndRun(FxRobot robot) throws Exception {
        Path model = model();
        robot.interact(() -> vm.openModel(model));
        await("model", () -> vm.model() != null);
        robot.interact(() -> vm.promptProperty().set(PROMPT));
        robot.interact(vm::runPrompt);
        await("analysis", () -> vm.capture() != null && vm.policyA().analysis() != null
                && vm.policyB().analysis() != null);
    }

    private void resize(FxRobot robot, double w, double h) {
        robot.interact(() -> {
            stage.setWidth(w);
            stage.setHeight(h);
        });
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Every combination of view tab and policy tab, laid out, with what is truncated in each. */
    private List<String> truncatedEverywhere(FxRobot robot) throws Exception {
        List<String> found = new ArrayList<>();
        for (int view = 0; view < window.views().getTabs().size(); view++) {
            for (int policy = 0; policy < window.policyTabs().getTabs().size(); policy++) {
                int v = view, p = policy;
                robot.interact(() -> {
                    window.views().getSelectionModel().select(v);
                    window.policyTabs().getSelectionModel().select(p);
                });
                WaitForAsyncUtils.waitForFxEvents();
                List<String> here = settledTruncation();
                if (!here.isEmpty()) {
                    // what the failure looked like, for whoever fixes it
                    org.kvscope.viz.export.ChartExport.png(window, Path.of("target", "truncated-"
                            + (int) window.getScene().getWidth() + "x" + (int) window.getScene().getHeight()
                            + "-" + v + "-" + p + ".png"));
                }
                String where = window.views().getTabs().get(v).getText() + " / "
                        + window.policyTabs().getTabs().get(p).getText() + ": ";
                here.stream().map(where::concat).filter(s -> !found.contains(s)).forEach(found::add);
            }
        }
        return found;
    }

    /** Most truncation checks {@link #settledTruncation()} makes while background results keep landing. */
    private static final int SETTLE_TRIES = 20;

    /**
     * What is truncated in the window once it has settled: its background-rendered views drawn, and two checks a
     * pulse apart finding the same. A background result (a PvC or recall-curve chart under load) that lands between
     * the tab switch and the check re-lays its chart out, and one layout pass caught its 'layer' axis mid-update.
     */
    private List<String> settledTruncation() throws Exception {
        List<String> last = null;
        for (int i = 0; i < SETTLE_TRIES; i++) {
            await("the views' background rendering", () -> BackgroundRendering.allRendered(window));
            List<String> now = WaitForAsyncUtils.asyncFx(() -> {
                window.applyCss();
                window.layout();
                return Truncation.find(window);
            }).get(10, TimeUnit.SECONDS);
            if (now.equals(last)) {
                return now;
            }
            last = now;
            WaitForAsyncUtils.sleep(50, TimeUnit.MILLISECONDS); // a few pulses
            WaitForAsyncUtils.waitForFxEvents();
        }
        return last;
    }

    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"1280, 800", "1024, 700"})
    void nothingIsTruncatedAtSmallWindowSizes(int width, int height, FxRobot robot) throws Exception {
        loadAndRun(robot);
        resize(robot, width, height);
        assertEquals(width, window.getScene().getWidth(), 1.0, "the window took the size");
        List<String> truncated = truncatedEverywhere(robot);
        assertTrue(truncated.isEmpty(), truncated.size() + " truncated at " + width + "×" + height + ":\n"
                + String.join("\n", truncated));
        double views = window.views().getWidth();
        assertTrue(views >= width * 0.5, "the views keep at least half the width: " + views);
    }

    /** Least side of the Attention heatmap's plot in presentation mode, in pixels: below it a class cannot read it. */
    static final double PRESENTATION_MIN_HEATMAP = 200;

    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"1280, 800", "1024, 700"})
    void presentationModeTruncatesNothing(int width, int height, FxRobot robot) throws Exception {
        loadAndRun(robot);
        resize(robot, width, height);
        robot.interact(() -> window.looks().presentationProperty().set(true));
        WaitForAsyncUtils.waitForFxEvents();
        List<String> truncated = truncatedEverywhere(robot);
        assertTrue(truncated.isEmpty(), truncated.size() + " truncated in presentation mode at " + width + "×" + height
                + ":\n" + String.join("\n", truncated));
        robot.interact(() -> window.views().getSelectionModel().select(0));
        WaitForAsyncUtils.waitForFxEvents();
        javafx.geometry.Rectangle2D plot = WaitForAsyncUtils.asyncFx(() -> {
            window.applyCss();
            window.layout();
            return window.attention().heatmap().plotArea();
        }).get(10, TimeUnit.SECONDS);
        assertTrue(Math.min(plot.getWidth(), plot.getHeight()) >= PRESENTATION_MIN_HEATMAP, "the heatmap keeps a usable"
                + " size in presentation mode at " + width + "×" + height + ": " + plot);
    }

    /**
     * Every toolbar action stays on the bar, whole and in the window, at the supported sizes in both modes: at 1024 px
     * in presentation mode the last toggles went to the ToolBar's "»" overflow menu, out of a class's sight. Buttons
     * that show only their icon keep their text as accessible text and have a tooltip.
     */
    @ParameterizedTest(name = "{0}×{1} presentation {2}")
    @CsvSource({"1280, 800, false", "1280, 800, true", "1024, 700, false", "1024, 700, true"})
    void presentationModeAndSmallWindowsKeepEveryToolbarActionOnTheBar(int width, int height, boolean presentation,
            FxRobot robot) throws Exception {
        resize(robot, width, height);
        robot.interact(() -> window.looks().presentationProperty().set(presentation));
        WaitForAsyncUtils.waitForFxEvents();
        List<String> problems = WaitForAsyncUtils.asyncFx(() -> {
            window.applyCss();
            window.layout();
            javafx.scene.control.ToolBar bar = (javafx.scene.control.ToolBar) window.lookup("#toolbar");
            List<String> found = new ArrayList<>(Truncation.find(bar));
            bar.lookupAll(".tool-bar-overflow-button").stream().filter(javafx.scene.Node::isVisible)
                    .forEach(o -> found.add("the overflow menu is shown"));
            javafx.geometry.Bounds barBounds = bar.localToScene(bar.getLayoutBounds());
            for (javafx.scene.Node item : bar.getItems()) {
                if (!(item instanceof javafx.scene.control.Control c) || item instanceof Label
                        || item instanceof javafx.scene.control.Separator) {
                    continue; // the title and separators are no actions
                }
                String name = item.getId() != null ? item.getId() : item.getClass().getSimpleName();
                javafx.geometry.Bounds b = item.localToScene(item.getLayoutBounds());
                if (item.getScene() == null || !item.isVisible() || !item.isManaged() || item.getParent() == null
                        || !item.getParent().isVisible()) {
                    found.add(name + " is not on the bar");
                } else if (b.getMinX() < barBounds.getMinX() - 0.5 || b.getMaxX() > barBounds.getMaxX() + 0.5
                        || b.getMaxX() > window.getScene().getWidth() + 0.5 || b.getWidth() < 8) {
                    found.add(name + " is cut off: " + b + " in " + barBounds);
                }
                if (c.getTooltip() == null) {
                    found.add(name + " has no tooltip");
                }
                if (item instanceof javafx.scene.control.Labeled l
                        && l.getContentDisplay() == javafx.scene.control.ContentDisplay.GRAPHIC_ONLY
                        && (l.getText() == null || l.getText().isBlank()) && c.getAccessibleText() == null) {
                    found.add(name + " shows an icon without accessible text");
                }
            }
            return found;
        }).get(10, TimeUnit.SECONDS);
        assertTrue(problems.isEmpty(), width + "×" + height + (presentation ? " presentation" : "") + ": " + problems);
    }

    @Test
    void theGridCollapsesAndTheDividerIsRememberedPerOrientationAt1024x700(FxRobot robot) throws Exception {
        loadAndRun(robot);
        resize(robot, 1024, 700);
        robot.interact(() -> window.views().getSelectionModel().select(0));
        WaitForAsyncUtils.waitForFxEvents();
        javafx.scene.control.SplitPane split = window.attentionSplit();
        Region heatmapCard = (Region) split.getItems().get(0), gridCard = (Region) split.getItems().get(1);
        assertEquals(javafx.geometry.Orientation.VERTICAL, split.getOrientation(), "stacked at 1024 px");
        double shownGrid = gridCard.getHeight();
        assertTrue(shownGrid >= 0.2 * split.getHeight(), "the grid keeps a fifth of the height: " + shownGrid + " of " + split.getHeight());
        robot.clickOn("#grid-toggle");
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(window.gridShownProperty().get());
        assertFalse(window.lookup("#head-grid").isVisible());
        assertTrue(heatmapCard.getHeight() >= 0.85 * split.getHeight(), "collapsed, the grid leaves the heatmap the page: "
                + heatmapCard.getHeight() + " of " + split.getHeight());
        robot.clickOn("#grid-toggle");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(window.lookup("#head-grid").isVisible());
        assertEquals(shownGrid, gridCard.getHeight(), 2, "expanded again, the grid takes its place back");

        robot.interact(() -> split.setDividerPositions(0.5)); // the user drags the divider
        WaitForAsyncUtils.waitForFxEvents();
        double dragged = split.getDividerPositions()[0]; // as far as the heatmap card's least height allows
        double least = WaitForAsyncUtils.asyncFx(() -> heatmapCard.minHeight(heatmapCard.getWidth()) / split.getHeight())
                .get(10, TimeUnit.SECONDS);
        assertTrue(dragged > 0.45 && dragged < Math.max(0.55, least + 0.08), "dragged to " + dragged
                + "; the heatmap's least share " + least);
        robot.interact(() -> split.setOrientation(javafx.geometry.Orientation.HORIZONTAL));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(0.6, split.getDividerPositions()[0], 0.02, "side by side keeps its own position");
        robot.interact(() -> split.setOrientation(javafx.geometry.Orientation.VERTICAL));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(dragged, split.getDividerPositions()[0], 0.01, "stacked again, the dragged position is back");
        List<String> truncated = WaitForAsyncUtils.asyncFx(() -> Truncation.find(window)).get(10, TimeUnit.SECONDS);
        assertTrue(truncated.isEmpty(), truncated.toString());
    }

    @Test
    void theTruncationCheckSeesATooNarrowSpinner(FxRobot robot) throws Exception {
        javafx.scene.control.Spinner<Integer> narrow = new javafx.scene.control.Spinner<>(0, 99999, 12345);
        robot.interact(() -> {
            narrow.setPrefWidth(50);
            narrow.setMaxWidth(50);
            stage.setScene(new javafx.scene.Scene(new javafx.scene.layout.VBox(narrow), 300, 100));
        });
        WaitForAsyncUtils.waitForFxEvents();
        List<String> found = WaitForAsyncUtils.asyncFx(() -> Truncation.find(stage.getScene().getRoot()))
                .get(10, TimeUnit.SECONDS);
        assertEquals(1, found.size(), found.toString());
        assertTrue(found.get(0).contains("Spinner") && found.get(0).contains("12345"), found.get(0));
    }

    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"1280, 800", "1024, 700"})
    void runGenerateAndStopAreInSightWithoutScrolling(int width, int height, FxRobot robot) throws Exception {
        loadAndRun(robot);
        resize(robot, width, height);
        for (int policy = 0; policy < window.policyTabs().getTabs().size(); policy++) {
            int p = policy;
            robot.interact(() -> window.policyTabs().getSelectionModel().select(p));
            WaitForAsyncUtils.waitForFxEvents();
            for (String id : List.of("#run-prompt", "#generate", "#stop")) {
                String problem = WaitForAsyncUtils.asyncFx(() -> {
                    window.applyCss();
                    window.layout();
                    return outOfSight(window.lookup(id));
                }).get(10, TimeUnit.SECONDS);
                assertEquals(null, problem, id + " at " + width + "×" + height + " with "
                        + window.policyTabs().getTabs().get(p).getText() + " shown");
            }
        }
    }

    /** Null when the node is shown whole inside the window without scrolling, else why not. */
    private static String outOfSight(javafx.scene.Node n) {
        if (n == null || n.getScene() == null) {
            return "not in the window";
        }
        for (javafx.scene.Node p = n; p != null; p = p.getParent()) {
            if (!p.isVisible()) {
                return "hidden (" + p.getClass().getSimpleName() + " is not visible)";
            }
        }
        javafx.geometry.Bounds b = n.localToScene(n.getLayoutBounds());
        if (b.getMinX() < -0.5 || b.getMinY() < -0.5 || b.getMaxX() > n.getScene().getWidth() + 0.5
                || b.getMaxY() > n.getScene().getHeight() + 0.5) {
            return "outside the window: " + b;
        }
        for (javafx.scene.Parent p = n.getParent(); p != null; p = p.getParent()) {
            if (p instanceof javafx.scene.control.ScrollPane sp) {
                javafx.geometry.Bounds view = sp.localToScene(sp.getLayoutBounds());
                if (b.getMinY() < view.getMinY() - 0.5 || b.getMaxY() > view.getMaxY() + 0.5) {
                    return "below or above the fold of " + sp.getId() + ": " + b + " vs " + view;
                }
            }
        }
        return null;
    }

    @Test
    void theTruncationCheckSeesACutLabel(FxRobot robot) throws Exception {
        Label cut = new Label("a label far too long for its width");
        Label whole = new Label("short");
        robot.interact(() -> {
            javafx.scene.layout.VBox box = new javafx.scene.layout.VBox(cut, whole);
            cut.setMaxWidth(40);
            stage.setScene(new javafx.scene.Scene(box, 300, 100));
        });
        WaitForAsyncUtils.waitForFxEvents();
        List<String> found = WaitForAsyncUtils.asyncFx(() -> Truncation.find(stage.getScene().getRoot())).get(10, TimeUnit.SECONDS);
        assertEquals(1, found.size(), found::toString);
        assertTrue(found.get(0).contains("far too long"), found.get(0));
    }

    /** A state of the window a sequence of changes can end in. */
    private record WindowState(int width, int height, boolean presentation) {
        @Override
        public String toString() {
            return width + "x" + height + (presentation ? " presentation" : " normal");
        }
    }

    /**
     * What {@code ./kvscope screenshots} does between shots, at sizes the headless screen holds: presentation mode on
     * and off, the theme switched and the window resized, in any order. After each sequence the side column keeps its
     * tab headers in sight and never scrolls sideways, and the column, the views and every control of each side tab
     * have the widths they have in a window freshly opened at that size and mode (a combo box laid out in presentation
     * mode's font kept that width in the normal font, and held the model and prompt panel too wide: it scrolled).
     */
    @Test
    void presentationModeThemesAndResizesInAnyOrderLeaveTheLayoutOfAFreshWindow(FxRobot robot) throws Exception {
        java.util.Map<WindowState, java.util.Map<String, Double>> fresh = new java.util.HashMap<>();
        for (WindowState state : List.of(new WindowState(1024, 700, true), new WindowState(1280, 800, true), new WindowState(1024, 700, false),
                new WindowState(1280, 800, false))) {
            FxStallCheck.startUp(robot, () -> {
                vm.shutdown();
                open(new RecentModels(dir.resolve("recent.json")), state.presentation());
            });
            resize(robot, state.width(), state.height());
            loadAndRun(robot);
            // the policy panes' re-run status (and with it their widths) settles
            await("the re-runs", () -> vm.policies().stream().allMatch(p -> "up to date".equals(p.evaluationStatusProperty().get())));
            fresh.put(state, sideTabWidths(robot));
        }
        // the last fresh window (1280x800, normal) goes on through every sequence
        String[][] sequences = {{"on", "1024x700", "off"}, {"on", "1280x800", "off"}, {"1024x700", "on", "1280x800", "off"},
                {"on", "dark", "1024x700", "1280x800", "off", "light", "1024x700"}, {"on"}, {"1280x800", "off", "on"},
                {"off", "1024x700", "on", "dark", "1280x800"}, {"1024x700", "light"}, {"off", "on", "1024x700"}};
        for (String[] sequence : sequences) {
            for (String step : sequence) {
                if (step.contains("x")) {
                    String[] wh = step.split("x");
                    resize(robot, Double.parseDouble(wh[0]), Double.parseDouble(wh[1]));
                } else {
                    robot.interact(() -> {
                        switch (step) {
                            case "on", "off" -> window.looks().presentationProperty().set(step.equals("on"));
                            default -> window.looks().darkProperty().set(step.equals("dark"));
                        }
                    });
                    WaitForAsyncUtils.waitForFxEvents();
                }
            }
            WindowState state = new WindowState((int) window.getScene().getWidth(), (int) window.getScene().getHeight(),
                    window.looks().presentationProperty().get());
            java.util.Map<String, Double> now = sideTabWidths(robot);
            List<String> differences = SideColumns.differences(fresh.get(state), now, 3);
            assertTrue(differences.isEmpty(), "after " + String.join(" → ", sequence) + " (" + state + "), "
                    + differences.size() + " widths differ from a fresh window's:\n" + String.join("\n", differences));
        }
    }

    /**
     * {@link SideColumns#widths} with each side tab shown in turn (keys prefixed by the tab), after checking that
     * none shows a problem of {@link SideColumns#problems} or a truncated control.
     */
    private java.util.Map<String, Double> sideTabWidths(FxRobot robot) throws Exception {
        java.util.Map<String, Double> all = new java.util.TreeMap<>();
        robot.interact(() -> window.views().getSelectionModel().select(0));
        for (int policy = 0; policy < window.policyTabs().getTabs().size(); policy++) {
            int p = policy;
            robot.interact(() -> window.policyTabs().getSelectionModel().select(p));
            WaitForAsyncUtils.waitForFxEvents();
            String where = (int) window.getScene().getWidth() + "x" + (int) window.getScene().getHeight()
                    + (window.looks().presentationProperty().get() ? " presentation" : " normal") + ", "
                    + window.policyTabs().getTabs().get(p).getText() + " shown";
            List<String> problems = WaitForAsyncUtils.asyncFx(() -> {
                window.applyCss();
                window.layout();
                List<String> found = new ArrayList<>(SideColumns.problems(window));
                found.addAll(Truncation.find(window.policyTabs()));
                return found;
            }).get(10, TimeUnit.SECONDS);
            assertTrue(problems.isEmpty(), where + ":\n" + String.join("\n", problems));
            all.putAll(WaitForAsyncUtils.asyncFx(() -> SideColumns.widths(window)).get(10, TimeUnit.SECONDS));
        }
        return all;
    }

    @Test
    void hidingBothSidePanelsGivesTheViewsTheWholeWidth(FxRobot robot) {
        resize(robot, 1024, 700);
        robot.interact(() -> {
            window.leftPanelProperty().set(false);
            window.rightPanelProperty().set(false);
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(window.getWidth(), window.views().getWidth(), 2.0);
        robot.clickOn("#toggle-left");
        assertTrue(window.leftPanelProperty().get());
        WaitForAsyncUtils.waitForFxEvents();
        assertNotNull(window.lookup("#prompt-editor"), "the prompt is back in the window");
    }

    @Test
    void runGenerateStopAndNavigationHaveShortcuts(FxRobot robot) throws Exception {
        Path model = model();
        robot.interact(() -> vm.openModel(model));
        await("model", () -> vm.model() != null);
        robot.interact(() -> vm.promptProperty().set(PROMPT));
        robot.clickOn("#prompt-editor");

        robot.press(KeyCode.CONTROL, KeyCode.ENTER).release(KeyCode.ENTER, KeyCode.CONTROL);
        await("a capture started by Ctrl+Enter", () -> vm.capture() != null && vm.policyA().analysis() != null);
        assertEquals(PROMPT, vm.promptProperty().get(), "Ctrl+Enter did not type into the prompt");

        robot.press(KeyCode.ALT, KeyCode.DOWN).release(KeyCode.DOWN, KeyCode.ALT);
        robot.press(KeyCode.ALT, KeyCode.RIGHT).release(KeyCode.RIGHT, KeyCode.ALT);
        robot.press(KeyCode.ALT, KeyCode.RIGHT).release(KeyCode.RIGHT, KeyCode.ALT);
        assertEquals(1, window.selection().layerProperty().get());
        assertEquals(2, window.selection().headProperty().get());
        robot.press(KeyCode.ALT, KeyCode.UP).release(KeyCode.UP, KeyCode.ALT);
        robot.press(KeyCode.ALT, KeyCode.UP).release(KeyCode.UP, KeyCode.ALT);
        assertEquals(0, window.selection().layerProperty().get(), "the layer stays in range");

        robot.press(KeyCode.CONTROL, KeyCode.DIGIT2).release(KeyCode.DIGIT2, KeyCode.CONTROL);
        assertEquals(window.policyTab(1), window.policyTabs().getSelectionModel().getSelectedItem());
        robot.press(KeyCode.CONTROL, KeyCode.DIGIT1).release(KeyCode.DIGIT1, KeyCode.CONTROL);
        assertEquals(window.policyTab(0), window.policyTabs().getSelectionModel().getSelectedItem());

        // Generation waits behind a blocked worker, so Esc lands while it is pending.
        CountDownLatch hold = new CountDownLatch(1);
        worker.execute(() -> {
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        robot.press(KeyCode.CONTROL, KeyCode.G).release(KeyCode.G, KeyCode.CONTROL);
        assertTrue(vm.generatingProperty().get(), "Ctrl+G started generating");
        robot.press(KeyCode.ESCAPE).release(KeyCode.ESCAPE);
        hold.countDown();
        await("generation to end", () -> !vm.generatingProperty().get());
        assertTrue(vm.statusProperty().get().contains("cancelled"), vm.statusProperty().get());
        assertTrue(vm.generated().isEmpty(), "Esc stopped it before the first token");
    }

    @Test
    void helpListsEveryShortcut(FxRobot robot) throws Exception {
        robot.clickOn("#prompt-editor");
        robot.press(KeyCode.F1).release(KeyCode.F1);
        await("the shortcut list", () -> Window.getWindows().stream().anyMatch(w -> w.getScene() != null
                && w.getScene().getRoot().lookup("#shortcut-table") != null));
        TableView<?> table = (TableView<?>) Window.getWindows().stream()
                .filter(w -> w.getScene() != null && w.getScene().getRoot().lookup("#shortcut-table") != null)
                .findFirst().orElseThrow().getScene().getRoot().lookup("#shortcut-table");
        assertEquals(window.shortcuts(), table.getItems());
        List<String> actions = window.shortcuts().stream().map(s -> s.action()).toList();
        for (String a : List.of("Run prompt", "Generate", "Stop (cancel the task in progress)", "Policy A", "Policy B", "Next layer",
                "Previous head", "Dark theme", "Presentation mode", "Keyboard shortcuts", "Undo parameter change",
                "Redo parameter change")) {
            assertTrue(actions.contains(a), a + " missing from " + actions);
        }
        robot.interact(() -> table.getScene().getWindow().hide());
    }

    @Test
    void theShortcutListHoldsEveryKeyBindingOfTheWindow() throws Exception {
        java.util.Set<String> bound = WaitForAsyncUtils.asyncFx(() -> new java.util.TreeSet<>(window.getScene()
                .getAccelerators().keySet().stream().map(k -> k.getDisplayText()).toList())).get(10, TimeUnit.SECONDS);
        java.util.Set<String> listed = new java.util.TreeSet<>(window.shortcuts().stream().map(s -> s.keys()).toList());
        assertEquals(window.shortcuts().size(), listed.size(), "one row per key: " + window.shortcuts());
        assertEquals(bound, listed, "the keys the window answers to are the keys the list shows");
        assertTrue(listed.containsAll(List.of(UndoKeys.UNDO.getDisplayText(), UndoKeys.REDO.getDisplayText(),
                UndoKeys.REDO_Y.getDisplayText())), listed::toString);
    }

    @Test
    void darkThemeRestylesControlsChartsAndCanvases(FxRobot robot) throws Exception {
        loadAndRun(robot);
        Region card = (Region) window.lookup(".card");
        Label title = (Label) window.lookup(".card-title");
        double lightBackground = brightness(card);
        robot.clickOn("#prompt-editor");
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.D).release(KeyCode.D, KeyCode.SHIFT, KeyCode.CONTROL);
        assertTrue(window.looks().darkProperty().get(), "Ctrl+Shift+D turns the dark theme on");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(window.getPseudoClassStates().contains(Looks.DARK));
        assertTrue(VizTheme.darkProperty().get(), "canvas views draw with the dark palette");
        assertTrue(lightBackground > 0.9 && brightness(card) < 0.3, lightBackground + " -> " + brightness(card));
        assertTrue(((Color) title.getTextFill()).getBrightness() > 0.7, "light text on the dark cards");
        Region plot = (Region) window.lookup(".chart-plot-background");
        assertNotNull(plot);
        assertTrue(brightness(plot) < 0.3, "chart plots follow: " + brightness(plot));
        robot.clickOn("#toggle-dark");
        assertFalse(window.looks().darkProperty().get());
        assertFalse(VizTheme.darkProperty().get());
    }

    private static double brightness(Region r) {
        return ((Color) r.getBackground().getFills().get(0).getFill()).getBrightness();
    }

    @Test
    void presentationModeEnlargesAllText(FxRobot robot) throws Exception {
        loadAndRun(robot);
        Label status = (Label) window.lookup(".card-title");
        Label chartTitle = (Label) window.lookup(".chart-title");
        double before = status.getFont().getSize();
        double chartBefore = chartTitle.getFont().getSize();
        robot.clickOn("#prompt-editor");
        robot.press(KeyCode.F5).release(KeyCode.F5);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(window.looks().presentationProperty().get());
        assertEquals(Looks.NORMAL_FONT, before, 0.01);
        assertEquals(Looks.PRESENTATION_FONT, status.getFont().getSize(), 0.01);
        assertEquals(chartBefore * Looks.PRESENTATION_FONT / Looks.NORMAL_FONT, chartTitle.getFont().getSize(), 0.05,
                "chart text scales with the root font");
        assertEquals(Looks.PRESENTATION_FONT / Looks.NORMAL_FONT, window.looks().fontScale().get(), 1e-9);
        robot.press(KeyCode.F5).release(KeyCode.F5);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(before, status.getFont().getSize(), 0.01);
    }

    @Test
    void aSessionSavesAndRestoresTheViewSettings(FxRobot robot) throws Exception {
        loadAndRun(robot);
        var pvc = window.metrics().pvc();
        var focus = window.tokens().focus();
        robot.interact(() -> {
            window.selection().layerProperty().set(1);
            window.selection().headProperty().set(1);
            window.selection().logProperty().set(false);
            window.attention().controls().rowNormalise().setSelected(true);
            window.attention().controls().clip().setValue("clip at p99");
            window.compareControls().rowNormalise().setSelected(true);
            window.compareControls().clip().setValue("clip at p95");
            window.gridShownProperty().set(false);
            pvc.definitionProperty().set(org.kvscope.metrics.PvcConsistency.Definition.CONSECUTIVE);
            pvc.kProperty().set(8);
            pvc.windowProperty().set(4);
            focus.model().focusProperty().set(3);
            focus.direction().setValue(org.kvscope.app.ui.view.TokenFocusPane.Direction.RECEIVES);
            focus.scope().setValue(org.kvscope.app.ui.view.HeadScope.ALL);
            window.tokens().timeline().model().policyIndexProperty().set(1);
            window.tokens().timeline().model().stepsProperty().set(8);
        });
        Path file = dir.resolve("views.kvscope.json");
        assertTrue(WaitForAsyncUtils.asyncFx(() -> vm.saveSession(file)).get());
        String saved = Files.readString(file);
        assertTrue(saved.contains("\"pvc.k\" : \"8\"") && saved.contains("\"heatmap.clip\" : \"p99\""), saved);

        robot.interact(() -> {
            window.selection().layerProperty().set(0);
            window.selection().headProperty().set(0);
            window.selection().logProperty().set(true);
            window.attention().controls().rowNormalise().setSelected(false);
            window.attention().controls().clip().setValue("no clipping");
            window.compareControls().rowNormalise().setSelected(false);
            window.compareControls().clip().setValue("no clipping");
            window.gridShownProperty().set(true);
            pvc.definitionProperty().set(org.kvscope.metrics.PvcConsistency.Definition.RECENT_VS_LATER);
            pvc.kProperty().set(32);
            pvc.windowProperty().set(16);
            focus.model().focusProperty().set(-1);
            focus.direction().setValue(org.kvscope.app.ui.view.TokenFocusPane.Direction.PAYS);
            focus.scope().setValue(org.kvscope.app.ui.view.HeadScope.HEAD);
            window.tokens().timeline().model().policyIndexProperty().set(0);
            window.tokens().timeline().model().stepsProperty().set(32);
        });
        var before = vm.capture();
        assertTrue(WaitForAsyncUtils.asyncFx(() -> vm.openSession(file)).get().get(60, java.util.concurrent.TimeUnit.SECONDS));
        await("the session's re-run", () -> vm.capture() != before && vm.capture() != null && !vm.runningProperty().get());
        assertEquals(1, window.selection().layerProperty().get());
        assertEquals(1, window.selection().headProperty().get());
        assertFalse(window.selection().logProperty().get());
        assertTrue(window.attention().controls().rowNormalise().isSelected());
        assertEquals("clip at p99", window.attention().controls().clip().getValue());
        assertTrue(window.attention().heatmap().rowNormalisedProperty().get(), "the heatmap follows");
        assertEquals(99, window.attention().heatmap().clipPercentileProperty().get(), 1e-9);
        assertTrue(window.compareControls().rowNormalise().isSelected(), "Compare's own settings");
        assertFalse(window.gridShownProperty().get(), "the collapsed grid");
        assertEquals("clip at p95", window.compareControls().clip().getValue());
        for (javafx.scene.Node n : window.views().getTabs().get(3).getContent().lookupAll("#heatmap-A")) {
            var h = (org.kvscope.viz.view.AttentionHeatmapView) n;
            assertTrue(h.rowNormalisedProperty().get(), "Compare's heatmaps follow");
            assertEquals(95, h.clipPercentileProperty().get(), 1e-9);
        }
        assertEquals(org.kvscope.metrics.PvcConsistency.Definition.CONSECUTIVE, pvc.definitionProperty().get());
        assertEquals(8, pvc.kProperty().get());
        assertEquals(8, ((javafx.scene.control.Spinner<?>) window.lookup("#pvc-k")).getValue(), "the control follows");
        assertEquals(4, pvc.windowProperty().get());
        assertEquals(3, focus.model().focusProperty().get(), "the focused token survives the re-run");
        assertEquals(org.kvscope.app.ui.view.TokenFocusPane.Direction.RECEIVES, focus.direction().getValue());
        assertEquals(org.kvscope.app.ui.view.HeadScope.ALL, focus.scope().getValue());
        assertEquals(1, window.tokens().timeline().model().policyIndexProperty().get());
        assertEquals(8, window.tokens().timeline().model().stepsProperty().get());
    }

    @Test
    void aSessionRestoresTheHeatmapZoomOnceItsPageIsShown(FxRobot robot) throws Exception {
        loadAndRun(robot);
        robot.interact(() -> window.views().getSelectionModel().select(3));
        var compareA = robot.lookup("#compare-heatmap-A").queryAs(org.kvscope.viz.view.AttentionHeatmapView.class);
        var compareB = robot.lookup("#compare-heatmap-B").queryAs(org.kvscope.viz.view.AttentionHeatmapView.class);
        await("Compare's maps", () -> compareA.mapProperty().get() != null && compareB.mapProperty().get() != null);
        robot.interact(() -> compareA.showKeys(10, 40));
        await("the zoom", () -> !compareA.getViewport().fit());
        var zoomed = WaitForAsyncUtils.asyncFx(compareA::getViewport).get();
        assertEquals(10, zoomed.keyFrom());
        Path file = dir.resolve("zoom.kvscope.json");
        assertTrue(WaitForAsyncUtils.asyncFx(() -> vm.saveSession(file)).get());
        String saved = Files.readString(file);
        assertTrue(saved.contains("\"compare.keys\" : \"10.." + zoomed.keyTo() + "\""), saved);
        assertTrue(saved.contains("\"heatmap.keys\" : \"fit\""), saved);

        robot.interact(() -> {
            compareA.fit();
            window.views().getSelectionModel().select(0);
        });
        var before = vm.capture();
        assertTrue(WaitForAsyncUtils.asyncFx(() -> vm.openSession(file)).get().get(60, TimeUnit.SECONDS));
        await("the session's re-run", () -> vm.capture() != before && vm.capture() != null && !vm.runningProperty().get());
        robot.interact(() -> window.views().getSelectionModel().select(3));
        await("the saved zoom", () -> !compareA.getViewport().fit());
        for (var h : List.of(compareA, compareB)) {
            var v = WaitForAsyncUtils.asyncFx(h::getViewport).get();
            assertEquals(10, v.keyFrom(), "A and B show the saved keys");
            assertEquals(zoomed.keyTo(), v.keyTo(), 1);
        }
        assertTrue(WaitForAsyncUtils.asyncFx(() -> window.attention().heatmap().getViewport().fit()).get());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"pvc.k\": \"0\"|views.pvc.k: 0 is out of range; valid: 1..4096",
            "\"heatmap.clip\": \"p50\"|views.heatmap.clip: 'p50' is not a choice; valid: one of none, p99.9, p99, p95",
            "\"compare.rowNormalised\": \"1\"|views.compare.rowNormalised: not true or false; valid: true or false",
            "\"attention.layer\": \"two\"|views.attention.layer: not a whole number; valid: 0..1023",
            "\"focus.direction\": \"SIDEWAYS\"|views.focus.direction: 'SIDEWAYS' is not a choice; valid: one of PAYS, RECEIVES",
            "\"heatmap.log\": \"yes\"|views.heatmap.log: not true or false; valid: true or false",
            "\"compare.keys\": \"40..10\"|views.compare.keys: 40..10 is out of range; valid: fit, or FROM..TO with 0 <= FROM < TO <= 1024",
            "\"heatmap.keys\": \"0..2000\"|views.heatmap.keys: 0..2000 is out of range; valid: fit, or FROM..TO",
            "\"compare.keys\": \"wide\"|views.compare.keys: 'wide' is not fit or FROM..TO; valid: fit",
            "\"zoom\": \"2\"|views.zoom: no such view setting; valid: attention.layer"})
    void aSessionWithABadViewSettingChangesNothing(String entry, String message, FxRobot robot) throws Exception {
        Path file = dir.resolve("bad-views.kvscope.json");
        Files.writeString(file, "{\"version\": 1, \"modelPath\": null, \"prompt\": \"a new prompt\", \"policies\": "
                + "[{\"policy\": \"h2o\", \"values\": {}}], \"views\": {\"pvc.window\": \"4\", " + entry + "}}");
        robot.interact(() -> vm.promptProperty().set(PROMPT));
        assertFalse(WaitForAsyncUtils.asyncFx(() -> vm.openSession(file)).get().get(60, java.util.concurrent.TimeUnit.SECONDS));
        closeTheOneDialog(robot, "Cannot open session", message);
        assertEquals(PROMPT, vm.promptProperty().get());
        assertEquals("snapkv", vm.policyA().policyName());
        assertEquals(org.kvscope.app.ui.vm.PvcViewModel.DEFAULT_WINDOW, window.metrics().pvc().windowProperty().get(),
                "the good setting before the bad one was not applied either");
    }

    /** Waits for the one dialog the window opened, checks its title and that its text holds {@code message}, closes it. */
    private void closeTheOneDialog(FxRobot robot, String title, String message) throws Exception {
        await("the dialog", () -> Window.getWindows().stream().anyMatch(w -> w.getScene() != null
                && w.getScene().getRoot() instanceof javafx.scene.control.DialogPane));
        List<javafx.scene.control.DialogPane> dialogs = WaitForAsyncUtils.asyncFx(() -> Window.getWindows().stream()
                .filter(w -> w.getScene() != null && w.getScene().getRoot() instanceof javafx.scene.control.DialogPane)
                .map(w -> (javafx.scene.control.DialogPane) w.getScene().getRoot()).toList()).get();
        assertEquals(1, dialogs.size(), "one dialog");
        assertEquals(title, dialogs.get(0).getHeaderText());
        assertTrue(dialogs.get(0).getContentText().contains(message), dialogs.get(0).getContentText());
        robot.interact(() -> dialogs.get(0).getScene().getWindow().hide());
    }

    /** The bad sessions issue 13 saw: each opens one dialog naming the field and what is valid, and changes nothing. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a bad second policy|[{\"policy\": \"h2o\", \"values\": {\"budget\": \"40\"}}, {\"policy\": \"snapkv\", "
                    + "\"values\": {\"budget\": \"-3\"}}]|policies[1].values.budget: ",
            "a null policy|[null]|policies[0]: null; expected an object",
            "an overlong prompt|PROMPT|prompt: 200001 characters; at most 200000 are allowed",
            "a 5 MB file|FILE|bytes; a session is at most 4194304 bytes"})
    void eachBadSessionOpensOneDialogAndChangesNothing(String what, String policies, String message, FxRobot robot)
            throws Exception {
        loadAndRun(robot);
        Path file = dir.resolve("bad-session.kvscope.json");
        String prompt = policies.equals("PROMPT") ? "x".repeat(200_001)
                : policies.equals("FILE") ? "y".repeat(5 * 1024 * 1024) : "a new prompt";
        Files.writeString(file, "{\"version\": 1, \"modelPath\": null, \"prompt\": \"" + prompt + "\", \"policies\": "
                + (policies.equals("PROMPT") || policies.equals("FILE") ? "[{\"policy\": \"h2o\"}]" : policies) + "}");
        var model = vm.model();
        var capture = vm.capture();
        assertFalse(WaitForAsyncUtils.asyncFx(() -> vm.openSession(file)).get().get(60, TimeUnit.SECONDS));
        closeTheOneDialog(robot, "Cannot open session", message);
        assertEquals(PROMPT, WaitForAsyncUtils.asyncFx(() -> vm.promptProperty().get()).get());
        assertEquals("snapkv", WaitForAsyncUtils.asyncFx(() -> vm.policyA().policyName()).get());
        assertEquals("streamingllm", WaitForAsyncUtils.asyncFx(() -> vm.policyB().policyName()).get());
        assertSame(model, vm.model());
        assertSame(capture, vm.capture());
    }

    @Test
    void aSessionWhoseModelIsMissingSaysSoAndKeepsTheRest(FxRobot robot) throws Exception {
        loadAndRun(robot);
        Path gone = dir.resolve("gone.gguf");
        Path file = dir.resolve("no-model.kvscope.json");
        Files.writeString(file, "{\"version\": 1, \"modelPath\": " + com.fasterxml.jackson.databind.node.TextNode
                .valueOf(gone.toString()) + ", \"prompt\": \"a new prompt about a cat\", \"policies\": "
                + "[{\"policy\": \"h2o\", \"values\": {\"budget\": \"40\"}}]}");
        var model = vm.model();
        assertTrue(WaitForAsyncUtils.asyncFx(() -> vm.openSession(file)).get().get(60, TimeUnit.SECONDS));
        closeTheOneDialog(robot, "Session model not found", "modelPath: " + gone + " does not exist.");
        assertSame(model, vm.model(), "the loaded model stays");
        assertEquals("a new prompt about a cat", WaitForAsyncUtils.asyncFx(() -> vm.promptProperty().get()).get());
        assertEquals("h2o", WaitForAsyncUtils.asyncFx(() -> vm.policyA().policyName()).get());
        String status = WaitForAsyncUtils.asyncFx(() -> vm.statusProperty().get()).get();
        assertTrue(status.contains("without its model (not found: " + gone + ")"), status);
    }

    @ParameterizedTest(name = "recent.json = {0}")
    @ValueSource(strings = {"[null]", "[1, {\"a\": 2}, true]", "[\"/models/bad\\u0000.gguf\"]", "%%garbage%%",
            "[\"/no/such/dir/missing.gguf\"]"})
    void aDamagedRecentListDoesNotStopTheWorkbench(String json, FxRobot robot) throws Exception {
        Path file = dir.resolve("damaged-recent.json");
        Files.writeString(file, json);
        // what WorkbenchApp.start does on the FX thread: the view model and the window, shown (start-up)
        FxStallCheck.startUp(robot, () -> {
            vm.shutdown();
            open(new RecentModels(file));
        });
        @SuppressWarnings("unchecked")
        javafx.scene.control.ComboBox<Path> recent = robot.lookup("#recent-models").queryAs(
                javafx.scene.control.ComboBox.class);
        assertTrue(WaitForAsyncUtils.asyncFx(() -> stage.isShowing() && recent.getItems().isEmpty()).get(),
                "the window is up and offers nothing");
        Path model = model().toAbsolutePath().normalize();
        robot.interact(() -> vm.openModel(model));
        await("model", () -> vm.model() != null);
        assertEquals(List.of(model), WaitForAsyncUtils.asyncFx(() -> List.copyOf(recent.getItems())).get());
        assertEquals(List.of(model), new RecentModels(file).existing(), "the list is rewritten clean");
        assertFalse(Files.readString(file).contains("\\u0000") || Files.readString(file).contains("null"),
                Files.readString(file));
    }
}
