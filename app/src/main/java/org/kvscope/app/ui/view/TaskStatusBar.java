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
 * (load, Run, Generate; indeterminate while its share is unknown) and a Cancel button for it. The bar keeps
 * one line: a status of several lines (an error with its details) shows its first line and "…", and the whole
 * status is its tooltip.
 */
public final class TaskStatusBar extends StatusBar {
    public TaskStatusBar(WorkbenchViewModel vm) {
        setId("status");
        getStyleClass().add("status-bar");
        TaskProgress task = vm.task();
        textProperty().bind(vm.statusProperty().map(TaskStatusBar::firstLine));
        Tooltip whole = new Tooltip();
        whole.setWrapText(true);
        whole.setMaxWidth(640);
        whole.textProperty().bind(vm.statusProperty().map(String::strip));
        tooltipProperty().bind(vm.statusProperty().map(s -> s.isBlank() ? null : whole));
        progressProperty().bind(Bindings.when(task.runningProperty()).then(task.progressProperty()).otherwise(0.0));
        Button cancel = new Button("Cancel", new FontIcon("mdi2c-close-circle-outline"));
        cancel.setId("status-cancel");
        cancel.setTooltip(new Tooltip("Cancel the task in progress"));
        cancel.visibleProperty().bind(task.runningProperty());
        cancel.managedProperty().bind(task.runningProperty());
        cancel.setOnAction(e -> task.cancel());
        getRightItems().add(cancel);
    }

    /** The first line of {@code status} (surrounding blanks dropped), followed by " …" when more lines follow. */
    static String firstLine(String status) {
        String s = status.strip();
        int end = s.indexOf('\n');
        int cr = s.indexOf('\r');
        if (cr >= 0 && (end < 0 || cr < end)) {
            end = cr;
        }
        return end < 0 ? s : s.substring(0, end).stripTrailing() + " …";
    }
}
