package org.kvscope.app.ui.vm;

import java.io.IOException;
import java.nio.file.Path;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/** Generated models for view-model tests. */
final class Fixtures {
    private Fixtures() {}

    static Path tinyModel(Path dir) throws IOException {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 7);
        return file;
    }

    /**
     * A workbench whose worker runs nothing until {@code worker.runAll()} (its FX executor runs at once), without
     * the warm-up and needle re-runs; its recent list in {@code dir}.
     */
    static WorkbenchViewModel withQueuedWorker(QueuedExecutorService worker, Path dir) {
        UiThreads threads = new UiThreads(Runnable::run, worker, new DirectExecutorService(),
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(), java.time.Duration.ofMillis(150),
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(), java.time.Duration.ZERO);
        WorkbenchViewModel vm = new WorkbenchViewModel(new org.kvscope.app.ui.Workbench(), threads,
                new org.kvscope.app.ui.session.RecentModels(dir.resolve("recent-queued.json")),
                org.kvscope.app.ui.DeviceProbe.cpuOnly());
        vm.setWarmUpEnabled(false);
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        return vm;
    }

    /** {@link #withQueuedWorker} with the tiny model loaded. */
    static WorkbenchViewModel loadedWithQueuedWorker(QueuedExecutorService worker, Path dir) throws IOException {
        WorkbenchViewModel vm = withQueuedWorker(worker, dir);
        vm.openModel(tinyModel(dir));
        worker.runAll();
        return vm;
    }

    /** The problems {@code vm} reports from now on, in order. */
    static java.util.List<Problem> problems(WorkbenchViewModel vm) {
        java.util.List<Problem> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        vm.problemProperty().addListener((o, x, p) -> {
            if (p != null) {
                seen.add(p);
            }
        });
        return seen;
    }

    /**
     * A workbench on direct threads without needle re-runs, {@code model} loaded and {@code prompt}
     * captured, A = snapkv and B = h2o at budget 12; its recent list in {@code dir}.
     */
    static WorkbenchViewModel snapkvAndH2oCaptured(Path model, Path dir, String prompt) throws IOException {
        WorkbenchViewModel vm = new WorkbenchViewModel(new org.kvscope.app.ui.Workbench(),
                UiThreads.direct(java.time.Duration.ofMillis(50)),
                new org.kvscope.app.ui.session.RecentModels(dir.resolve("recent.json")),
                org.kvscope.app.ui.DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        vm.openModel(model);
        vm.policyA().select("snapkv");
        vm.policyA().set("budget", 12);
        vm.policyB().select("h2o");
        vm.policyB().set("budget", 12);
        vm.promptProperty().set(prompt);
        vm.runPrompt();
        if (vm.capture() == null) {
            throw new AssertionError("the prompt was not captured");
        }
        return vm;
    }

    /** Runs {@code onFx} on the FX thread and returns its value (waits 30 s at most). */
    static <T> T fx(java.util.concurrent.Callable<T> onFx) throws Exception {
        return org.testfx.util.WaitForAsyncUtils.asyncFx(onFx).get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Waits up to 20 s for {@code condition} (set from a background thread). */
    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
