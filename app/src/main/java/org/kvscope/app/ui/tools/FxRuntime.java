package org.kvscope.app.ui.tools;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javafx.application.Platform;

/** Starts the JavaFX toolkit for command-line tools, headless (Monocle, software rendering) when asked. */
public final class FxRuntime {
    private FxRuntime() {}

    /** Starts the toolkit once; {@code headless} selects Monocle's headless platform. */
    public static void start(boolean headless) throws InterruptedException {
        if (headless) {
            System.setProperty("glass.platform", "Monocle");
            System.setProperty("monocle.platform", "Headless");
            System.setProperty("prism.order", "sw");
            System.setProperty("headless.geometry", "1920x1200-32");
            System.setProperty("prism.text", "t2k");
            System.setProperty("java.awt.headless", "true");
        }
        CountDownLatch started = new CountDownLatch(1);
        try {
            Platform.startup(started::countDown);
        } catch (IllegalStateException alreadyRunning) {
            started.countDown();
        }
        started.await();
        Platform.setImplicitExit(false);
    }

    /** Runs {@code action} on the FX thread and returns its result. */
    public static <T> T onFx(Supplier<T> action) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(action.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.get(60, TimeUnit.SECONDS);
    }

    /** Polls {@code condition} on the FX thread until it holds. */
    public static void await(String what, BooleanSupplier condition, long timeoutMillis) throws Exception {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (!onFx(condition::getAsBoolean)) {
            if (System.currentTimeMillis() > end) {
                throw new TimeoutException("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
