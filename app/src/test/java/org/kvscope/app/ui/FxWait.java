package org.kvscope.app.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import javafx.stage.Stage;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SharedModels;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.prompts.Suites;
import org.testfx.util.WaitForAsyncUtils;

/** What the workbench's TestFX classes share: the window at 1280×800, reads on the FX thread, waiting for a state. */
public final class FxWait {
    private FxWait() {
    }

    /** Shows the workbench of {@code vm} on {@code stage} at 1280×800 (the headless test screen's size). */
    public static MainWindow show(Stage stage, WorkbenchViewModel vm) {
        var scene = WorkbenchApp.createScene(vm, 1280, 800);
        stage.setScene(scene);
        stage.show();
        return (MainWindow) scene.getRoot();
    }

    /**
     * stories260K from ../shared/models, or else a model generated into {@code dir} (tiny-llama, byte-level
     * tokenizer, 256 positions), so that a fresh clone without the shared models still runs the window's tests.
     */
    public static Path storiesOrGenerated(Path dir) throws java.io.IOException {
        var stories = SharedModels.find("stories260K.gguf");
        return stories.isPresent() ? stories.get() : generated(dir);
    }

    /** The generated tiny-llama model in {@code dir}, written on first use. */
    static Path generated(Path dir) throws java.io.IOException {
        Path tiny = dir.resolve("tiny.gguf");
        if (!Files.exists(tiny)) {
            SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, tiny, 7);
        }
        return tiny;
    }

    /** A workbench on the standard threads (100 ms debounce), its recent list in {@code dir}, needle re-runs off. */
    static WorkbenchViewModel workbench(Path dir) {
        WorkbenchViewModel vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(Duration.ofMillis(100)),
                new RecentModels(dir.resolve("recent.json")), DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        return vm;
    }

    /**
     * The needle suite the replay tests use on {@code model}: needle-stories-short, or on a generated model (whose
     * byte-level tokens are about one per character) the same suite with 96-token contexts, as its 48-token ones
     * are shorter than a needle and its question there and two of its 128-token ones overflow 256 positions.
     */
    public static SuiteDescriptor replaySuite(Path model) {
        SuiteDescriptor s = Suites.byId("needle-stories-short");
        if (SharedModels.find("stories260K.gguf").filter(model::equals).isPresent()) {
            return s;
        }
        return new SuiteDescriptor(s.id(), s.title(), s.description(), s.kind(), s.style(), java.util.List.of(96),
                s.depths(), s.templates(), s.seed(), s.haystack(), s.texts(), s.contextTokens(), s.continuationTokens(),
                s.prompts());
    }

    /** Selects the tab with id {@code tabId} in whichever of the window's tab panes holds it. */
    static void selectTab(MainWindow window, String tabId) {
        window.lookupAll(".tab-pane").stream().map(javafx.scene.control.TabPane.class::cast)
                .flatMap(p -> p.getTabs().stream()).filter(t -> tabId.equals(t.getId()))
                .forEach(t -> t.getTabPane().getSelectionModel().select(t));
    }

    /** Scrolls {@code node}'s nearest scrolling ancestor so that the node's top is in its viewport, for a robot click. */
    static void scrollIntoView(javafx.scene.Node node) {
        for (javafx.scene.Node n = node.getParent(); n != null; n = n.getParent()) {
            if (n instanceof javafx.scene.control.ScrollPane pane && pane.getContent() != null) {
                pane.applyCss();
                pane.layout();
                double top = pane.getContent().sceneToLocal(node.localToScene(node.getLayoutBounds())).getMinY();
                double room = pane.getContent().getLayoutBounds().getHeight() - pane.getViewportBounds().getHeight();
                if (room > 0) {
                    pane.setVvalue(pane.getVmin() + Math.clamp(top / room, 0, 1) * (pane.getVmax() - pane.getVmin()));
                }
                return;
            }
        }
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
