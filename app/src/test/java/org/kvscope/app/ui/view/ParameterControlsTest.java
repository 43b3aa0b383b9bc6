package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.controlsfx.control.PropertySheet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.vm.ParameterHistory;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.kv.PolicyRegistry;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The policy pane's generated controls: picker and value memory, log slider and number field, schedule-dependent parameters, undo/redo. */
@ExtendWith(ApplicationExtension.class)
class ParameterControlsTest {
    private PolicyViewModel vm;
    private UiThreads threads;
    private PolicyPane pane;

    @Start
    void start(Stage stage) {
        threads = UiThreads.standard(Duration.ofMillis(150));
        vm = new PolicyViewModel("A", new Workbench(), threads, "snapkv", new ParameterHistory());
        pane = new PolicyPane(vm, () -> 512);
        stage.setScene(new Scene(pane, 420, 760));
        stage.show();
    }

    @AfterEach
    void stop() {
        threads.shutdown();
    }

    private NumberControl number(FxRobot robot, String name) {
        return robot.lookup("#param-A-" + name).queryAs(NumberControl.class);
    }

    private List<String> shown() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> pane.controls().shownNames()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void pickerSwitchesPolicyAndRemembersEachPolicysValues(FxRobot robot) {
        robot.interact(() -> vm.set("budget", 40));
        @SuppressWarnings("unchecked")
        ComboBox<PolicyRegistry.Entry> picker = robot.lookup("#policy-picker-A").queryAs(ComboBox.class);
        robot.interact(() -> picker.getSelectionModel().select(PolicyRegistry.entry("h2o")));
        assertEquals("h2o", vm.policyName());
        assertEquals(64, vm.values().get("budget"), "h2o starts from its defaults");
        robot.interact(() -> vm.set("budget", 100));
        robot.interact(() -> picker.getSelectionModel().select(PolicyRegistry.entry("snapkv")));
        assertEquals(40, vm.values().get("budget"), "snapkv's budget is remembered");
        assertEquals(40, number(robot, "budget").number());
        robot.interact(() -> picker.getSelectionModel().select(PolicyRegistry.entry("h2o")));
        assertEquals(100, vm.values().get("budget"), "and h2o's");
    }

    @Test
    void aPolicyShownAgainGetsItsKeptSheetBackWithItsEditedValues(FxRobot robot) throws Exception {
        robot.interact(() -> vm.set("budget", 40));
        robot.interact(() -> vm.set("window", 16));
        PropertySheet snapkv = sheet();
        NumberControl budget = number(robot, "budget");
        robot.interact(() -> vm.select("h2o"));
        PropertySheet h2o = sheet();
        assertNotSame(snapkv, h2o);
        assertNull(snapkv.getScene(), "only the sheet of the policy shown is in the window");
        assertEquals(64, number(robot, "budget").number());
        int built = WaitForAsyncUtils.asyncFx(() -> pane.controls().sheetsBuilt()).get(10, TimeUnit.SECONDS);
        robot.interact(() -> vm.select("snapkv"));
        assertSame(snapkv, sheet(), "snapkv's sheet is reused, not built again");
        assertSame(budget, number(robot, "budget"));
        assertEquals(built, (int) WaitForAsyncUtils.asyncFx(() -> pane.controls().sheetsBuilt()).get(10, TimeUnit.SECONDS));
        assertEquals(40, budget.number(), "the edited budget is shown");
        assertEquals(16, number(robot, "window").number());
        // an edit in the reused sheet, then undo across the switches: the kept controls follow the values
        retype(robot, budget.field(), "30").type(KeyCode.ENTER);
        assertEquals(30, vm.values().get("budget"));
        robot.interact(() -> vm.history().undo());
        assertEquals(40, budget.number());
        robot.interact(() -> vm.history().undo());
        assertEquals("h2o", vm.policyName());
        assertSame(h2o, sheet());
        robot.interact(() -> vm.history().redo());
        assertSame(snapkv, sheet());
        assertEquals(40, budget.number());
    }

    @Test
    void aSheetNoLongerShownNeverEditsThePolicyShownNow(FxRobot robot) throws Exception {
        NumberControl snapkvBudget = number(robot, "budget");
        robot.interact(() -> vm.select("h2o"));
        robot.interact(() -> vm.set("budget", 100));
        robot.interact(() -> snapkvBudget.setNumber(12));
        assertEquals("h2o", vm.policyName());
        assertEquals(100, vm.values().get("budget"), "the hidden snapkv field did not write into h2o");
        robot.interact(() -> vm.select("snapkv"));
        assertEquals(64, vm.values().get("budget"));
        assertEquals(64, snapkvBudget.number(), "shown again, the field shows snapkv's value");
    }

    @Test
    void aNewModelBuildsTheSheetsAgainForItsContextLength(FxRobot robot) throws Exception {
        PropertySheet before = sheet();
        robot.interact(() -> pane.controls().rebuild());
        assertNotSame(before, sheet());
        assertEquals(64, number(robot, "budget").number());
    }

    private PropertySheet sheet() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> pane.controls().sheet()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void logSliderAndNumberFieldRoundTripAndBadTextIsRefused(FxRobot robot) throws Exception {
        robot.interact(() -> vm.select("pyramidkv"));
        NumberControl beta = number(robot, "beta");
        double position = beta.slider().getValue();
        assertTrue(position > 0.35 && position < 0.5, "β = 20 of 1..1000 sits near 43% of the track, was " + position);
        retype(robot, beta.field(), "150").type(KeyCode.ENTER);
        assertEquals(150.0, vm.values().get("beta"));
        assertEquals(beta.scale().position(150), beta.slider().getValue(), 1e-9);
        robot.interact(() -> beta.slider().setValue(beta.scale().position(5)));
        assertEquals(5.0, vm.values().get("beta"));
        assertEquals("5.0", beta.field().getText());

        NumberControl budget = number(robot, "budget");
        assertEquals(512, budget.scale().max(), 0.0, "integer ranges stop at the context length");
        retype(robot, budget.field(), "0").type(KeyCode.ENTER);
        assertEquals(64, vm.values().get("budget"), "out of range: the value stays");
        assertNotNull(vm.errorProperty().get());
        assertTrue(vm.errorProperty().get().contains("budget"), vm.errorProperty().get());
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(pane.notice().isShowing(), "the error shows as a notice over the grid");
        retype(robot, budget.field(), "48").type(KeyCode.ENTER);
        assertEquals(48, vm.values().get("budget"));
        WaitForAsyncUtils.waitForFxEvents();
        assertNull(vm.errorProperty().get());
    }

    @Test
    void badTextGetsAValidationMarkBeforeItIsCommittedAndGoodTextClearsIt(FxRobot robot) throws Exception {
        NumberControl budget = number(robot, "budget");
        retype(robot, budget.field(), "12x");
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(WaitForAsyncUtils.asyncFx(() -> org.controlsfx.control.decoration.Decorator
                .getDecorations(budget.field()).isEmpty()).get(), "the field is marked while the text is bad");
        assertEquals(64, vm.values().get("budget"), "nothing is applied until Enter");
        retype(robot, budget.field(), "40");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(WaitForAsyncUtils.asyncFx(() -> org.controlsfx.control.decoration.Decorator
                .getDecorations(budget.field()).isEmpty()).get(), "good text clears the mark");
        robot.type(KeyCode.ENTER);
        assertEquals(40, vm.values().get("budget"));
    }

    @Test
    void onlyTheParametersTheScheduleUsesAreShownUnderThePapersNames(FxRobot robot) throws Exception {
        robot.interact(() -> vm.select("pyramidkv"));
        assertTrue(shown().contains("beta"));
        assertFalse(shown().contains("exponent"));
        assertFalse(shown().contains("min-ratio"));
        assertTrue(robot.lookup(".label").queryAll().stream().anyMatch(n -> ((Label) n).getText().equals("β (PyramidKV)")));
        assertTrue(robot.lookup(".label").queryAll().stream()
                .anyMatch(n -> ((Label) n).getText().equals("observation window α")));
        @SuppressWarnings("unchecked")
        ChoiceBox<String> schedule = robot.lookup("#param-A-schedule").queryAs(ChoiceBox.class);
        robot.interact(() -> schedule.setValue("power-law"));
        assertEquals("power-law", vm.values().get("schedule"));
        assertFalse(shown().contains("beta"));
        assertTrue(shown().contains("exponent"));
        assertTrue(robot.lookup("#param-A-beta").tryQuery().isEmpty(), "β's control is gone");
    }

    @Test
    void undoAndRedoWithTheKeysAndTheButtons(FxRobot robot) {
        NumberControl budget = number(robot, "budget");
        // a slider drag: many moves of one parameter undo as one step
        robot.interact(() -> {
            for (int b : new int[] {70, 80, 90, 100}) {
                budget.slider().setValue(budget.scale().position(b));
            }
        });
        assertEquals(100, vm.values().get("budget"));
        robot.interact(() -> vm.select("streamingllm"));
        robot.clickOn("#policy-picker-A"); // focus away from text fields
        robot.type(KeyCode.ESCAPE);
        robot.press(KeyCode.CONTROL).type(KeyCode.Z).release(KeyCode.CONTROL);
        assertEquals("snapkv", vm.policyName());
        assertEquals(100, vm.values().get("budget"));
        robot.press(KeyCode.CONTROL).type(KeyCode.Z).release(KeyCode.CONTROL);
        assertEquals(64, vm.values().get("budget"), "the whole drag undone at once");
        assertEquals(64, number(robot, "budget").number());
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT).type(KeyCode.Z).release(KeyCode.SHIFT, KeyCode.CONTROL);
        assertEquals(100, vm.values().get("budget"));
        robot.press(KeyCode.CONTROL).type(KeyCode.Y).release(KeyCode.CONTROL);
        assertEquals("streamingllm", vm.policyName());
        robot.clickOn("#undo-A");
        assertEquals("snapkv", vm.policyName());
        robot.clickOn("#redo-A");
        assertEquals("streamingllm", vm.policyName());
    }

    /**
     * Replaces a field's whole text by typing, as a user selecting it first would. Not a double click:
     * on a loaded host two clicks can arrive further apart than the double-click interval, leave
     * the old text in place and the typed text appended to it.
     */
    private static FxRobot retype(FxRobot robot, TextField field, String text) {
        robot.clickOn(field);
        robot.interact(field::selectAll);
        return robot.write(text);
    }

}
