package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import javafx.scene.Scene;
import javafx.scene.control.Tooltip;
import javafx.stage.Stage;
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

/** A parameter's control carries, for hovering, a tooltip with its paper name, one-line definition, identifier and valid range. */
@ExtendWith(ApplicationExtension.class)
class ParameterHoverTest {
    private UiThreads threads;

    @Start
    void start(Stage stage) {
        threads = UiThreads.standard(Duration.ofMillis(150));
        PolicyViewModel vm = new PolicyViewModel("A", new Workbench(), threads, "pyramidkv", new ParameterHistory());
        stage.setScene(new Scene(new PolicyPane(vm, () -> 512), 420, 760));
        stage.show();
    }

    @AfterEach
    void stop() {
        threads.shutdown();
    }

    @Test
    void betaCarriesItsDefinitionForHovering(FxRobot robot) throws Exception {
        var beta = PolicyRegistry.entry("pyramidkv").parameters().stream().filter(p -> p.name().equals("beta"))
                .findFirst().orElseThrow();
        var control = robot.lookup("#param-A-beta").query();
        // what hovering shows: a control's own tooltip, or the one Tooltip.install attached to the node
        String shown = WaitForAsyncUtils.asyncFx(() -> (control instanceof javafx.scene.control.Control c ? c.getTooltip()
                : (Tooltip) control.getProperties().get("javafx.scene.control.Tooltip")).getText()).get();
        assertFalse(beta.description().isBlank());
        assertEquals(beta.displayName() + ": " + beta.description() + " (beta, " + beta.validRange() + ")", shown);
        assertEquals("β (PyramidKV)", beta.displayName());
    }
}
