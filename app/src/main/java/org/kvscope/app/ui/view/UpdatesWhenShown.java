package org.kvscope.app.ui.view;

import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;

/**
 * The update scheduling of a view that can be off screen (a tab not selected): while it is not
 * {@linkplain #activeProperty() active}, a change only marks it stale, and the whole view is
 * brought up to date once when it is shown again or read ({@link #flush()}), so a background result
 * or a slider move does not rebuild charts nobody sees. Use on the JavaFX application thread
 * ({@link #flush()} may be called from any thread).
 */
final class UpdatesWhenShown {
    private final BooleanProperty active = new SimpleBooleanProperty(true);
    private final Runnable all;
    private boolean stale;
    private int updates;

    /** @param all brings the whole view up to date from the current state */
    UpdatesWhenShown(Runnable all) {
        this.all = all;
        active.addListener((o, a, on) -> {
            if (on) {
                flush();
            }
        });
    }

    /** Whether the view is on screen (true until bound to, e.g., its tab's selected property). */
    BooleanProperty activeProperty() { return active; }

    /** How many times the view was updated (whole or in part), for tests. */
    int updates() { return updates; }

    /** A change that needs the whole view updated. */
    void changed() {
        changed(all);
    }

    /** A change that needs only {@code part} updated when the view is on screen and not stale. */
    void changed(Runnable part) {
        if (!active.get()) {
            stale = true;
        } else if (stale) {
            updateAll();
        } else {
            updates++;
            part.run();
        }
    }

    /** Brings a stale view up to date (from another thread it waits for the FX thread to do it). */
    void flush() {
        if (Platform.isFxApplicationThread()) {
            if (stale) {
                updateAll();
            }
            return;
        }
        FutureTask<Void> task = new FutureTask<>(this::flush, null);
        Platform.runLater(task);
        try {
            task.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not bring the view up to date: " + e, e);
        }
    }

    private void updateAll() {
        stale = false;
        updates++;
        all.run();
    }
}
