package org.kvscope.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** Proves that TestFX starts a stage under Monocle headless and that a robot click reaches a node. */
@ExtendWith(ApplicationExtension.class)
class HeadlessSmokeTest {
    private Label label;

    @Start
    void start(Stage stage) {
        label = new Label("before");
        label.setId("smoke");
        label.setOnMouseClicked(e -> label.setText("clicked"));
        stage.setScene(new Scene(new StackPane(label), 200, 100));
        stage.show();
    }

    @Test
    void clickReachesLabel(FxRobot robot) {
        robot.clickOn("#smoke");
        assertEquals("clicked", label.getText());
    }
}
