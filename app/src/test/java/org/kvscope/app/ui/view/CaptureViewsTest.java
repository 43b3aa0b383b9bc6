package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.viz.data.LayerHeadMaps;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The layer × head maps of a new capture are built off the FX thread and handed to the view on it. */
@ExtendWith(ApplicationExtension.class)
class CaptureViewsTest {
    @TempDir Path dir;
    private WorkbenchViewModel vm;

    @Start
    void start(Stage stage) {
        // the toolkit only
    }

    @AfterEach
    void stop() throws Exception {
        if (vm != null) {
            WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void mapsArePreparedInTheBackgroundAndClearedWithTheCapture() throws Exception {
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(Duration.ofMillis(150)),
                new RecentModels(dir.resolve("recent.json")), DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        List<Boolean> preparedOnFx = new CopyOnWriteArrayList<>();
        List<Boolean> shownOnFx = new CopyOnWriteArrayList<>();
        List<LayerHeadMaps> shown = new CopyOnWriteArrayList<>();
        WaitForAsyncUtils.asyncFx(() -> CaptureViews.feed(vm, (run, model) -> {
            preparedOnFx.add(Platform.isFxApplicationThread());
            return VizData.maps(run, model.tokenizer());
        }, maps -> {
            shownOnFx.add(Platform.isFxApplicationThread());
            shown.add(maps);
        })).get(10, TimeUnit.SECONDS);
        Path model = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, model, 7);
        vm.setWarmUpEnabled(false);
        WaitForAsyncUtils.asyncFx(() -> vm.openModel(model)).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(
                () -> vm.model() != null && !vm.loadingProperty().get()).get());
        WaitForAsyncUtils.asyncFx(() -> {
            vm.promptProperty().set("the quick brown fox jumps over the lazy dog");
            vm.runPrompt();
        }).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> !shown.isEmpty());
        LayerHeadMaps maps = shown.getFirst();
        assertNotNull(maps);
        int layers = WaitForAsyncUtils.asyncFx(() -> vm.model().config().layers()).get(10, TimeUnit.SECONDS);
        assertEquals(layers, maps.layers());
        assertEquals(List.of(false), preparedOnFx, "prepared on a background thread");
        WaitForAsyncUtils.asyncFx(() -> vm.captureProperty().set(null)).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> shown.size() == 2);
        assertNull(shown.get(1));
        assertFalse(shownOnFx.contains(false), "handed to the view on the FX thread");
    }
}
