package org.kvscope.viz.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * The FX stall check watches this module's TestFX scenarios: JUnit's extension auto-detection registers it from
 * {@code META-INF/services} (the view tests ran unwatched before; a 270-head chart stalled the FX thread 325 ms unseen).
 */
@ExtendWith(ApplicationExtension.class)
class FxStallCheckRegisteredTest {
    @Start
    void start(Stage stage) {
        Fx.show(stage, new StackPane(), 200, 100);
    }

    @Test
    void everyTestFxScenarioIsWatched() {
        assertTrue(FxStallCheck.watching(), "FxStallCheck is not registered for this module's TestFX tests");
    }
}
