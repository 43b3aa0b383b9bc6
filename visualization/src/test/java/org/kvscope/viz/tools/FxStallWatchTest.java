package org.kvscope.viz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/** The stall watch catches a long FX-thread task, names where it was, and ignores short ones. */
class FxStallWatchTest {
    @BeforeAll
    static void toolkit() throws Exception {
        FxToolkit.registerPrimaryStage();
    }

    private static void busyOnFx(long millis) throws Exception {
        WaitForAsyncUtils.asyncFx(() -> spinCpu(millis)).get(30, TimeUnit.SECONDS);
    }

    /** Burns {@code millis} of this thread's CPU time. */
    private static void spinCpu(long millis) {
        var mx = ManagementFactory.getThreadMXBean();
        long end = mx.getCurrentThreadCpuTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        double sink = 0;
        while (mx.getCurrentThreadCpuTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                sink += Math.sqrt(i);
            }
        }
        if (sink < 0) {
            throw new AssertionError();
        }
    }

    @Test
    void aLongFxTaskIsReportedWithItsStackAndShortOnesAreNot() throws Exception {
        try (FxStallWatch watch = FxStallWatch.start(150)) {
            for (int i = 0; i < 10; i++) {
                busyOnFx(10);
            }
            Thread.sleep(50);
            assertEquals(0, watch.stalls().size(), () -> "short tasks: " + watch.stalls());
            busyOnFx(400);
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> !watch.stalls().isEmpty());
            FxStallWatch.Stall stall = watch.stalls().getFirst();
            assertTrue(stall.cpuNanos() >= TimeUnit.MILLISECONDS.toNanos(300), stall::toString);
            assertTrue(stall.stack().contains("spinCpu"), stall::toString);
            assertTrue(watch.maxCpuNanos() >= stall.cpuNanos());
        }
        Platform.runLater(() -> { }); // the toolkit is still usable after the watch closed
    }

    @Test
    void anExcludedStartUpIsNotAStallButWhatFollowsIs() throws Exception {
        try (FxStallWatch watch = FxStallWatch.start(150)) {
            long from = System.nanoTime();
            busyOnFx(400); // a window being built: start-up
            watch.exclude(from, System.nanoTime());
            Thread.sleep(100);
            assertEquals(0, watch.stalls().size(), () -> "excluded start-up: " + watch.stalls());
            assertTrue(watch.maxCpuNanos() < TimeUnit.MILLISECONDS.toNanos(150), "start-up left out of the max");
            busyOnFx(400); // the user's first action after it
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> !watch.stalls().isEmpty());
            assertEquals(1, watch.stalls().size(), () -> watch.stalls().toString());
        }
    }

    /** A class that runs with TestFX, as the workbench's and the views' TestFX tests do. */
    @org.junit.jupiter.api.extension.ExtendWith(org.testfx.framework.junit5.ApplicationExtension.class)
    static final class TestFxScenario {}

    @Test
    void theCheckWatchesTestFxClassesOnly() {
        assertTrue(FxStallCheck.isTestFx(TestFxScenario.class));
        assertFalse(FxStallCheck.isTestFx(FxStallWatchTest.class));
    }
}
