package org.kvscope.app.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kvscope.app.report.OutputTarget.Action.REFUSE;
import static org.kvscope.app.report.OutputTarget.Action.REPLACE_ATOMICALLY;
import static org.kvscope.app.report.OutputTarget.Action.WRITE_IN_PLACE;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.report.OutputTarget.Node;

/**
 * Kernel pseudo-files are refused as outputs, devices and pipes are written in place (issue 16):
 * the decision from facts, then from real paths, which are only looked at (stat), never opened.
 */
class OutputTargetTest {
    @TempDir
    Path dir;

    private static OutputTarget.Action decide(String path, Node node, String fsType) {
        return OutputTarget.decide(Path.of(path), node, fsType).action();
    }

    @Test
    void kernelSettingsOnPseudoFileSystemsAreRefusedByTheirType() {
        assertEquals(REFUSE, decide("/proc/sys/vm/swappiness", Node.REGULAR, "proc"));
        assertEquals(REFUSE, decide("/sys/kernel/mm/transparent_hugepage/enabled", Node.REGULAR, "sysfs"));
        assertEquals(REFUSE, decide("/sys/fs/cgroup/memory/memory.limit_in_bytes", Node.REGULAR, "cgroup"));
        assertEquals(REFUSE, decide("/sys/kernel/debug/x", Node.REGULAR, "debugfs"));
        // the type decides, wherever the file system is mounted
        assertEquals(REFUSE, decide("/mnt/host-proc/sys/vm/swappiness", Node.REGULAR, "proc"));
        assertEquals(REFUSE, decide("/mnt/host-proc/kvscope.json", Node.MISSING, "proc"));
        // the prefix only where the type could not be read
        assertEquals(REFUSE, decide("/proc/sys/vm/swappiness", Node.REGULAR, null));
        assertEquals(REFUSE, decide("/sys/power/state", Node.REGULAR, null));
        assertEquals(REFUSE, decide("/proc/kvscope.json", Node.MISSING, "proc"));
        assertEquals(REFUSE, decide("/dev/kvscope.json", Node.MISSING, "devtmpfs"));
    }

    @Test
    void devicesAndPipesAreWrittenInPlaceAndFilesReplaced() {
        assertEquals(WRITE_IN_PLACE, decide("/dev/null", Node.CHARACTER_DEVICE, "devtmpfs"));
        assertEquals(WRITE_IN_PLACE, decide("/dev/pts/0", Node.CHARACTER_DEVICE, "devpts"));
        assertEquals(WRITE_IN_PLACE, decide("/dev/stdout", Node.FIFO, null)); // a pipe has no mount entry
        assertEquals(WRITE_IN_PLACE, decide("/dev/stdout", Node.REGULAR, "ext4")); // '> file': written through
        assertEquals(WRITE_IN_PLACE, decide("/proc/self/fd/1", Node.FIFO, null));
        assertEquals(WRITE_IN_PLACE, decide("/tmp/pipe", Node.FIFO, "ext4"));
        assertEquals(REPLACE_ATOMICALLY, decide("/tmp/out.json", Node.REGULAR, "ext4"));
        assertEquals(REPLACE_ATOMICALLY, decide("/dev/shm/out.json", Node.MISSING, "tmpfs"));
        assertEquals(REFUSE, decide("/dev/sda", Node.BLOCK_DEVICE, "devtmpfs"));
        assertEquals(REFUSE, decide("/tmp", Node.DIRECTORY, "ext4"));
    }

    @Test
    void realKernelFilesAreRefusedAndRealDevicesAccepted() throws Exception {
        Path swappiness = Path.of("/proc/sys/vm/swappiness");
        Assumptions.assumeTrue(Files.exists(swappiness), "no /proc/sys here");
        OutputTarget proc = OutputTarget.of(swappiness);
        assertEquals(REFUSE, proc.action());
        assertEquals("is a kernel setting on the proc file system, not a file; give a file elsewhere", proc.refusal());
        Path link = Files.createSymbolicLink(dir.resolve("innocent.json"), swappiness);
        assertEquals(REFUSE, OutputTarget.of(link).action(), "a link into /proc is followed");
        assertEquals(REFUSE, OutputTarget.of(Path.of("/proc/kvscope-no-such.json")).action());
        try (var sys = Files.find(Path.of("/sys/kernel"), 3, (p, a) -> a.isRegularFile())) {
            sys.findFirst().ifPresent(f -> assertEquals(REFUSE, uncheckedOf(f).action(), f.toString()));
        }
        assertEquals(WRITE_IN_PLACE, OutputTarget.of(Path.of("/dev/null")).action());
        assertEquals(WRITE_IN_PLACE, OutputTarget.of(Path.of("/dev/stdout")).action()); // a pipe, a tty or a file
        assertEquals(WRITE_IN_PLACE, OutputTarget.of(AtomicFilesTest.mkfifo(dir.resolve("fifo"))).action());
        assertEquals(REPLACE_ATOMICALLY, OutputTarget.of(dir.resolve("new.json")).action());
    }

    /** The one real attempt: /proc/self/comm is this JVM's own name, harmless even if it were written. */
    @Test
    void writingAKernelFileIsRefusedAndLeavesItUntouched() throws IOException {
        Path comm = Path.of("/proc/self/comm");
        Assumptions.assumeTrue(Files.isReadable(comm), "no /proc here");
        String before = Files.readString(comm);
        IOException e = assertThrows(IOException.class,
                () -> AtomicFiles.write(comm, "kvscope-wrote".getBytes(StandardCharsets.UTF_8)));
        assertEquals(comm + ": is a kernel setting on the proc file system, not a file; give a file elsewhere",
                e.getMessage());
        assertTrue(AtomicFiles.problem(comm).orElseThrow().contains("kernel setting"));
        assertEquals(before, Files.readString(comm));
        try (var left = Files.list(dir)) {
            assertFalse(left.findAny().isPresent(), "nothing written anywhere");
        }
    }

    private static OutputTarget uncheckedOf(Path p) {
        try {
            return OutputTarget.of(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
