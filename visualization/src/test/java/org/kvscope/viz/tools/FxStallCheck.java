package org.kvscope.viz.tools;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Fails a TestFX scenario in which the FX thread was busy longer than {@link #limitMillis()} at a
 * stretch (measured as FX-thread CPU time by {@link FxStallWatch}), naming the scenario and the
 * stack the FX thread was in. Registered for every test by JUnit's extension auto-detection (see
 * {@code META-INF/services}); it watches only classes that run with TestFX's
 * {@link ApplicationExtension}, from after their {@code @Start} until the test method returns. It lives in the
 * visualization module's tests and reaches the app's tests through that module's test jar, so both modules' TestFX
 * tests are held to the same limit.
 */
public final class FxStallCheck implements BeforeTestExecutionCallback, AfterTestExecutionCallback {
    /** Default limit, generous for the headless software pipeline on a shared machine. */
    public static final long DEFAULT_LIMIT_MS = 250;
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(FxStallCheck.class);
    private static volatile FxStallWatch current;

    /** The limit: system property {@code kvscope.fxStallLimitMs}, else {@link #DEFAULT_LIMIT_MS}. */
    public static long limitMillis() {
        return Long.getLong("kvscope.fxStallLimitMs", DEFAULT_LIMIT_MS);
    }

    /** Whether a TestFX scenario is being watched now (false outside one, or when the check is not registered). */
    public static boolean watching() {
        return current != null;
    }

    static boolean isTestFx(Class<?> testClass) {
        return AnnotationSupport.findRepeatableAnnotations(testClass, ExtendWith.class).stream()
                .flatMap(e -> java.util.Arrays.stream(e.value())).anyMatch(ApplicationExtension.class::equals);
    }

    @Override
    public void beforeTestExecution(ExtensionContext context) throws Exception {
        if (!isTestFx(context.getRequiredTestClass())) {
            return;
        }
        WaitForAsyncUtils.waitForFxEvents(); // the window's first CSS pass and layout belong to @Start
        current = FxStallWatch.start(limitMillis());
        context.getStore(NS).put("watch", current);
    }

    /**
     * Runs a scenario's own start-up on the FX thread (building and showing a whole new window, as
     * {@code WorkbenchApp.start} does) and lets its first CSS pass and layout settle; that span is not
     * counted as a stall, exactly as {@code @Start} is not. Everything after it is watched as usual.
     */
    public static void startUp(org.testfx.api.FxRobot robot, Runnable onFx) {
        long from = System.nanoTime();
        robot.interact(onFx);
        WaitForAsyncUtils.waitForFxEvents();
        FxStallWatch watch = current;
        if (watch != null) {
            watch.exclude(from, System.nanoTime());
        }
    }

    @Override
    public void afterTestExecution(ExtensionContext context) throws Exception {
        FxStallWatch watch = context.getStore(NS).remove("watch", FxStallWatch.class);
        current = null;
        if (watch == null) {
            return;
        }
        watch.close();
        System.err.printf("FX stall check: '%s' longest FX-thread busy stretch %.0f ms (limit %d ms)%n",
                context.getDisplayName(), watch.maxCpuNanos() / 1e6, limitMillis());
        List<FxStallWatch.Stall> stalls = watch.stalls();
        if (!stalls.isEmpty() && context.getExecutionException().isEmpty()) {
            throw new AssertionError("FX thread stalled in scenario '" + context.getDisplayName() + "' of "
                    + context.getRequiredTestClass().getSimpleName() + " (limit " + limitMillis() + " ms):\n"
                    + stalls.stream().map(FxStallWatch.Stall::toString).collect(Collectors.joining("\n")));
        }
    }
}
