package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.TextArea;
import javafx.scene.input.ClipboardContent;
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
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The prompt editor refuses a paste that would make the prompt longer than the workbench tokenises, and says so. */
@ExtendWith(ApplicationExtension.class)
class PromptPaneTest {
    @TempDir static Path dir;
    private WorkbenchViewModel vm;

    @Start
    void start(Stage stage) {
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(Duration.ofMillis(150)),
                new RecentModels(dir.resolve("recent.json")), DeviceProbe.cpuOnly());
        stage.setScene(new Scene(new PromptPane(vm), 420, 600));
        stage.show();
    }

    @AfterEach
    void stop() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aPasteBeyondTheLimitIsRefusedWithTheReasonAndShorterEditsPass(FxRobot robot) throws Exception {
        TextArea editor = robot.lookup("#prompt-editor").queryAs(TextArea.class);
        String start = "Once upon a time ";
        robot.interact(() -> vm.promptProperty().set(start));
        String oneOver = "x".repeat(WorkbenchViewModel.MAX_PROMPT_CHARS - start.length() + 1);
        paste(robot, editor, oneOver);
        assertEquals(start, WaitForAsyncUtils.asyncFx(() -> editor.getText()).get(), "nothing inserted");
        assertEquals(start, vm.promptProperty().get());
        assertEquals("Not inserted: the prompt would have 200001 characters; at most 200000 are allowed.",
                WaitForAsyncUtils.asyncFx(() -> vm.statusProperty().get()).get());
        paste(robot, editor, "there was a dog.");
        assertEquals(start + "there was a dog.", vm.promptProperty().get(), "an edit within the limit passes");
    }

    private static void paste(FxRobot robot, TextArea editor, String text) {
        robot.interact(() -> {
            ClipboardContent content = new ClipboardContent();
            content.putString(text);
            javafx.scene.input.Clipboard.getSystemClipboard().setContent(content);
            editor.end();
            editor.paste();
        });
    }
}
