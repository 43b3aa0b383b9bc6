package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
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
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The status bar keeps one line whatever the status holds; the whole status is its tooltip. */
@ExtendWith(ApplicationExtension.class)
class TaskStatusBarTest {
    @TempDir static Path dir;
    private WorkbenchViewModel vm;
    private TaskStatusBar bar;

    @Start
    void start(Stage stage) {
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(), new RecentModels(dir.resolve("recent.json")),
                DeviceProbe.cpuOnly());
        bar = new TaskStatusBar(vm);
        stage.setScene(new Scene(new BorderPane(null, null, null, bar, null), 700, 200));
        stage.show();
    }

    @AfterEach
    void stop() {
        vm.shutdown();
    }

    private static <T> T fx(Callable<T> onFx) throws Exception {
        T value = WaitForAsyncUtils.asyncFx(onFx).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        return value;
    }

    /** The bar's height and the text its status label shows, after CSS and layout. */
    private List<Object> shown(String status) throws Exception {
        return fx(() -> {
            vm.statusProperty().set(status);
            bar.getScene().getRoot().applyCss();
            bar.getScene().getRoot().layout();
            Label label = (Label) bar.lookup(".status-label");
            return List.of(bar.getHeight(), label.getText());
        });
    }

    @Test
    void aStatusOfSeveralLinesShowsItsFirstLineAndKeepsTheWholeInTheTooltip() throws Exception {
        List<Object> oneLine = shown("Captured 300 prompt tokens in 623 ms.");
        assertEquals("Captured 300 prompt tokens in 623 ms.", oneLine.get(1));
        String twoLines = "Cannot open model.gguf: the file ends early\nat tensor blk.3.attn_q.weight (offset 1024)\n";
        List<Object> wrapped = shown(twoLines);
        assertEquals("Cannot open model.gguf: the file ends early …", wrapped.get(1), "the first line, marked as cut");
        assertEquals((double) oneLine.get(0), (double) wrapped.get(0), 0.5, "the bar stays one line high");
        assertNotNull(fx(bar::getTooltip));
        assertEquals(twoLines.strip(), fx(() -> bar.getTooltip().getText()), "the whole status on hover");
        assertEquals("first …", TaskStatusBar.firstLine("\n first\r\nsecond"), "any line break; blanks around dropped");
        shown("");
        assertNull(fx(bar::getTooltip), "no empty tooltip");
    }
}
