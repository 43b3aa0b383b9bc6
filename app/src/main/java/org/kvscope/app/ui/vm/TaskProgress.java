package org.kvscope.app.ui.vm;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * The long task the window is busy with (loading a model, a Run, generation): its title, its
 * progress (0..1, or -1 while unknown) and how to cancel it. Touched on the FX thread only.
 */
public final class TaskProgress {
    /** Progress value of a task whose share done is not known. */
    public static final double UNKNOWN = -1;

    private final StringProperty title = new SimpleStringProperty("");
    private final DoubleProperty progress = new SimpleDoubleProperty();
    private final BooleanProperty running = new SimpleBooleanProperty();
    private Runnable cancel = () -> { };

    public ReadOnlyStringProperty titleProperty() { return title; }
    public ReadOnlyDoubleProperty progressProperty() { return progress; }
    public ReadOnlyBooleanProperty runningProperty() { return running; }
    public boolean isRunning() { return running.get(); }

    /** Cancels the running task (nothing when idle). */
    public void cancel() {
        if (running.get()) {
            cancel.run();
        }
    }

    void start(String what, double initial, Runnable onCancel) {
        title.set(what);
        progress.set(initial);
        cancel = onCancel;
        running.set(true);
    }

    void progress(double value) {
        if (running.get()) {
            progress.set(value);
        }
    }

    void finish() {
        running.set(false);
        progress.set(0);
        title.set("");
        cancel = () -> { };
    }
}
