package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFTensorInfo;

/**
 * The workbench closes its model's file only after the background jobs that may still be reading it
 * have stopped. Closing it under a running job failed: a native kernel holds the mapped file during
 * its call, and the close threw "Session is acquired by 1 clients" (BrokenPluginsWorkbenchTest's
 * teardown, while a policy evaluation ran on the evaluation thread).
 */
class ShutdownClosesModelLastTest {

    /** A workbench on {@code threads} with the tiny model loaded and no needle re-runs. */
    private static WorkbenchViewModel loaded(UiThreads threads) throws Exception {
        Path dir = Files.createTempDirectory("kvscope-shutdown");
        WorkbenchViewModel vm = new WorkbenchViewModel(new Workbench(), threads,
                new RecentModels(dir.resolve("recent.json")), DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        vm.openModel(Fixtures.tinyModel(dir));
        return vm;
    }

    @Test
    void aJobStillRunningAtShutdownReadsTheModelToItsEnd() throws Exception {
        UiThreads threads = UiThreads.direct(Duration.ofMillis(50));
        WorkbenchViewModel vm = loaded(threads);
        GGUFFile file = vm.model().file();
        GGUFTensorInfo tensor = file.tensors().get(0);

        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        threads.evaluation().execute(() -> {
            started.countDown();
            try {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                while (System.nanoTime() < until) { // a step of work that does not stop on interrupt
                    LockSupport.parkNanos(1_000_000);
                }
                file.tensorData(tensor).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0);
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                done.countDown();
            }
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        vm.shutdown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertNull(failure.get(), () -> "the model was closed under a running job: " + failure.get());
    }

    /**
     * A job outside the workbench's threads (a view's pool) is inside a call that holds the mapped
     * file (here a blocking write of a tensor's bytes into a full pipe, as a native kernel holds it)
     * when the workbench shuts down: the close waits for it instead of failing, and the file is
     * closed once the call returns.
     */
    @Test
    void aCallHoldingTheFileOnAnotherThreadDelaysTheCloseInsteadOfFailingIt() throws Exception {
        WorkbenchViewModel vm = loaded(UiThreads.direct(Duration.ofMillis(50)));
        GGUFFile file = vm.model().file();
        GGUFTensorInfo largest = file.tensors().stream()
                .max(java.util.Comparator.comparingLong(GGUFTensorInfo::byteSize)).orElseThrow();
        java.nio.ByteBuffer bytes = file.tensorData(largest).asByteBuffer();
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread holder = Thread.ofPlatform().start(() -> {
            try {
                while (bytes.hasRemaining()) {
                    pipe.sink().write(bytes); // blocks on the full pipe, holding the mapping
                }
                pipe.sink().close();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        Thread.sleep(200);
        vm.shutdown();
        Thread.sleep(300); // the closer has met the held file by now
        java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(1 << 16);
        long read = 0;
        for (int n; (n = pipe.source().read(sink.clear())) >= 0; ) {
            read += n;
        }
        holder.join(10_000);
        assertNull(failure.get(), () -> "the held call failed: " + failure.get());
        assertTrue(read == largest.byteSize(), "the whole tensor went through the pipe");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean closed = false;
        while (!closed && System.nanoTime() < until) {
            try {
                bytes.get(0); // the mapping itself, not only the file's flag
                Thread.sleep(10);
            } catch (IllegalStateException e) {
                closed = true;
            }
        }
        assertTrue(closed, "the model's file was never closed after the call holding it returned");
    }
}
