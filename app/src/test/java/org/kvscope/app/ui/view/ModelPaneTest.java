package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
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
import org.kvscope.kv.KvCacheType;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The device and KV cache type boxes: a pair the GPU cannot run is refused on screen, with the reason under them. */
@ExtendWith(ApplicationExtension.class)
class ModelPaneTest {
    @TempDir static Path dir;
    private WorkbenchViewModel vm;

    @Start
    void start(Stage stage) {
        // a GPU that can be picked (its backend is never opened here: nothing runs)
        DeviceProbe withGpu = () -> List.of(new DeviceProbe.Device("CPU", true, ""),
                new DeviceProbe.Device("GPU", true, "test GPU"));
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(), new RecentModels(dir.resolve("recent.json")),
                withGpu);
        stage.setScene(new Scene(new ModelPane(vm), 420, 500));
        stage.show();
    }

    @AfterEach
    void stop() {
        vm.shutdown();
    }

    private static <T> T fx(Callable<T> onFx) throws Exception {
        return WaitForAsyncUtils.asyncFx(onFx).get(10, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    private void choose(FxRobot robot, String id, String shown) {
        ComboBox<Object> box = robot.lookup(id).queryAs(ComboBox.class);
        robot.interact(() -> box.getSelectionModel().select(box.getItems().stream()
                .filter(i -> box.getConverter() != null && box.getConverter().toString(i).equals(shown)
                        || i instanceof DeviceProbe.Device d && d.name().equals(shown)).findFirst().orElseThrow()));
        WaitForAsyncUtils.waitForFxEvents();
    }

    private Object value(FxRobot robot, String id) throws Exception {
        return fx(() -> robot.lookup(id).queryAs(ComboBox.class).getValue());
    }

    @Test
    void aCacheTypeTheGpuCannotRunIsRefusedAndTheNoticeSaysWhy(FxRobot robot) throws Exception {
        Label notice = robot.lookup("#device-notice").queryAs(Label.class);
        assertFalse(fx(notice::isVisible));
        choose(robot, "#device", "GPU");
        assertEquals("GPU", fx(() -> vm.deviceProperty().get()));
        choose(robot, "#cache-type", "q8_0");
        assertEquals(KvCacheType.F32, value(robot, "#cache-type"), "the box goes back");
        assertEquals(KvCacheType.F32, fx(() -> vm.cacheTypeProperty().get()));
        assertTrue(fx(notice::isVisible));
        assertEquals("KV cache q8_0 not applied: " + Workbench.deviceConflict("GPU", KvCacheType.Q8_0) + ".",
                fx(notice::getText));

        choose(robot, "#device", "CPU");
        choose(robot, "#cache-type", "q8_0");
        assertEquals(KvCacheType.Q8_0, fx(() -> vm.cacheTypeProperty().get()));
        assertFalse(fx(notice::isVisible), "a valid choice clears the notice");
        choose(robot, "#device", "GPU");
        assertEquals("CPU", ((DeviceProbe.Device) value(robot, "#device")).name(), "the device box goes back");
        assertEquals("CPU", fx(() -> vm.deviceProperty().get()));
        assertTrue(fx(notice::getText).startsWith("Device GPU not applied: the GPU keeps an f32 KV cache only"),
                fx(notice::getText));
    }
}
