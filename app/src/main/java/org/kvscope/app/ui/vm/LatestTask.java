package org.kvscope.app.ui.vm;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.concurrent.Task;

/**
 * One background computation of a view at a time, as a JavaFX {@link Task}: starting a new one
 * cancels the one in flight, and only the latest result, progress and message reach the properties
 * (on the FX thread). Start and cancel on the FX thread.
 */
public final class LatestTask<T> {
    /** Unbounded: a long computation (budget curves) must not hold up a quick one (a token click). */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kvscope-views");
        t.setDaemon(true);
        return t;
    });

    /** The work: may poll {@code cancelled} and report progress in [0, 1]. */
    @FunctionalInterface
    public interface Work<T> {
        T compute(BooleanSupplier cancelled, DoubleConsumer progress) throws Exception;
    }

    private final ObjectProperty<T> result = new SimpleObjectProperty<>();
    private final BooleanProperty running = new SimpleBooleanProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty();
    private final StringProperty message = new SimpleStringProperty("");
    private Task<T> current;

    public ObjectProperty<T> resultProperty() { return result; }
    public T result() { return result.get(); }
    public BooleanProperty runningProperty() { return running; }
    public DoubleProperty progressProperty() { return progress; }
    public StringProperty messageProperty() { return message; }

    /** Cancels the computation in flight and starts {@code work}; {@code what} names it in messages. */
    public void start(String what, Work<T> work) {
        cancel();
        Task<T> task = new Task<>() {
            @Override
            protected T call() throws Exception {
                return work.compute(this::isCancelled, p -> updateProgress(p, 1));
            }
        };
        current = task;
        running.set(true);
        progress.set(0);
        message.set(what + "…");
        task.progressProperty().addListener((o, a, p) -> {
            if (current == task) {
                progress.set(Math.max(0, p.doubleValue()));
            }
        });
        task.setOnSucceeded(e -> finish(task, task.getValue(), ""));
        task.setOnFailed(e -> {
            Throwable x = task.getException();
            finish(task, null, x instanceof CancellationException ? "" : what + " failed: " + x.getMessage());
        });
        POOL.execute(task);
    }

    private void finish(Task<T> task, T value, String text) {
        if (current != task) {
            return;
        }
        current = null;
        running.set(false);
        progress.set(1);
        message.set(text);
        if (value != null) {
            result.set(value);
        }
    }

    /** Stops the computation in flight (its result is dropped). */
    public void cancel() {
        if (current != null) {
            current.cancel(false);
            current = null;
            running.set(false);
            message.set("");
        }
    }

    /** Cancels and clears the result. */
    public void clear() {
        cancel();
        result.set(null);
    }
}
