package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Latest request wins: work runs off the FX thread, a superseded result never reaches the property. */
@ExtendWith(ApplicationExtension.class)
class LatestTaskTest {
    @Start
    void start(Stage stage) {
        // the toolkit only
    }

    @Test
    void aSupersededResultIsDroppedAndWorkRunsOffTheFxThread() throws Exception {
        LatestTask<String> task = new LatestTask<>();
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Boolean> computedOnFx = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstStarted = new CountDownLatch(1);
        WaitForAsyncUtils.asyncFx(() -> {
            task.resultProperty().addListener((o, a, b) -> seen.add(b));
            task.start("slow", (cancelled, progress) -> {
                computedOnFx.add(Platform.isFxApplicationThread());
                firstStarted.countDown();
                release.await(20, TimeUnit.SECONDS);
                return "stale";
            });
        }).get(10, TimeUnit.SECONDS);
        assertTrue(firstStarted.await(20, TimeUnit.SECONDS));
        WaitForAsyncUtils.asyncFx(() -> task.start("fast", (cancelled, progress) -> {
            computedOnFx.add(Platform.isFxApplicationThread());
            return "latest";
        })).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> !seen.isEmpty());
        release.countDown();
        Thread.sleep(200);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(List.of("latest"), seen, "only the latest result is applied");
        assertEquals(List.of(false, false), computedOnFx);
        assertFalse(WaitForAsyncUtils.asyncFx(() -> task.runningProperty().get()).get(10, TimeUnit.SECONDS));
    }
}
