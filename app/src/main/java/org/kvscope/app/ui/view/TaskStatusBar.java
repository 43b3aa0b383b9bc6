package org.kvscope.app.ui.view;

import javafx.beans.binding.Bindings;
import javafx.scene.control.Button;
import javafx.scene.control.Tooltip;
import org.controlsfx.control.StatusBar;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.vm.TaskProgress;
import org.kvscope.app.ui.vm.WorkbenchViewModel;

/**
 * The window's status bar (ControlsFX): the status text, the progress of the task in progress
 * (load, Run, Generate; indeterminate while its share is unknown) and a Cancel button for it.
 */
public final class TaskStatusBar extends StatusBar {
    public TaskStatusBar(WorkbenchViewModel vm) {
        setId("status");
        getStyleClass().add("status-bar");
        TaskProgress task = vm.task();
        textProperty().bind(vm.statusProperty());
        progressProperty().bind(Bindings.when(task.runningProperty()).then(task.progressProperty()).otherwise(0.0));
        Button cancel = new Button("Cancel", new FontIcon("mdi2c-close-circle-outline"));
        cancel.setId("status-cancel");
        cancel.setTooltip(new Tooltip("Cancel the task in progress"));
        cancel.visibleProperty().bind(task.runningProperty());
        cancel.managedProperty().bind(task.runningProperty());
        cancel.setOnAction(e -> task.cancel());
        getRightItems().add(cancel);
    }
}
