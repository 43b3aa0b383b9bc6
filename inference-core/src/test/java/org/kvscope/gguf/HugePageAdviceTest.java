package org.kvscope.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HugePageAdviceTest {

    @TempDir
    Path dir;

    @Test
    void rangesAreWidenedToWholePagesAndClippedToTheMapping() {
        List<long[]> calls = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(3 * HugePageAdvice.PAGE, HugePageAdvice.PAGE);
            HugePageAdvice.Outcome o = HugePageAdvice.advise(m, new long[] {100, 9000}, new long[] {5000, 1 << 20},
                    "Linux", (address, length, advice) -> {
                        calls.add(new long[] {address - m.address(), length, advice});
                        return 0;
                    });
            assertTrue(o.applied());
        }
        assertEquals(2, calls.size());
        assertEquals(List.of(0L, 5000L, 14L), List.of(calls.get(0)[0], calls.get(0)[1], calls.get(0)[2]));
        assertEquals(List.of(8192L, 4096L, 14L), List.of(calls.get(1)[0], calls.get(1)[1], calls.get(1)[2]));
    }

    @Test
    void aFailingCallIsReportedNotThrown() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(HugePageAdvice.PAGE, HugePageAdvice.PAGE);
            HugePageAdvice.Outcome einval = HugePageAdvice.advise(m, new long[] {0}, new long[] {4096}, "Linux",
                    (a, l, adv) -> 22);
            assertFalse(einval.applied());
            assertTrue(einval.reason().contains("errno 22"), einval.reason());
            HugePageAdvice.Outcome missing = HugePageAdvice.advise(m, new long[] {0}, new long[] {4096}, "Linux",
                    (a, l, adv) -> { throw new UnsatisfiedLinkError("no madvise"); });
            assertFalse(missing.applied());
            assertTrue(missing.reason().contains("no madvise"), missing.reason());
        }
    }

    @Test
    void anotherOsIsLeftAlone() {
        boolean[] called = {false};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(HugePageAdvice.PAGE, HugePageAdvice.PAGE);
            HugePageAdvice.Outcome o = HugePageAdvice.advise(m, new long[] {0}, new long[] {4096}, "Mac OS X",
                    (a, l, adv) -> { called[0] = true; return 0; });
            assertFalse(o.applied());
            assertTrue(o.reason().contains("not Linux"), o.reason());
        }
        assertFalse(called[0]);
    }

    /** On Linux the advised tensors' pages carry VM_HUGEPAGE ("hg" in smaps' VmFlags) and the left-out one's do not. */
    @Test
    void theAdvisedTensorsAndOnlyThoseAreMarkedOnLinux() throws IOException {
        Path smaps = Path.of("/proc/self/smaps");
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && Files.isReadable(smaps)
                && Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")), "Linux with THP only");
        Path file = dir.resolve("three.gguf");
        int n = 1 << 18; // 1 MiB of F32 each
        new GGUFWriter().addTensor("a", GGMLType.F32, new long[] {n}, new byte[4 * n])
                .addTensor("token_embd.weight", GGMLType.F32, new long[] {n}, new byte[4 * n])
                .addTensor("b", GGMLType.F32, new long[] {n}, new byte[4 * n]).write(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFTensorInfo a = f.tensor("a").orElseThrow();
            GGUFTensorInfo e = f.tensor("token_embd.weight").orElseThrow();
            GGUFTensorInfo b = f.tensor("b").orElseThrow();
            assertTrue(f.adviseHugePages(List.of(b, a)));
            long ea = f.tensorData(e).address();
            assertTrue(hugePageFlag(smaps, f.tensorData(a).address() + 8192));
            assertTrue(hugePageFlag(smaps, f.tensorData(b).address() + 4 * n - 8192));
            assertFalse(hugePageFlag(smaps, ea + 2 * n));
            f.close();
            assertFalse(f.adviseHugePages(List.of(a)));
        }
    }

    /** Whether the mapping holding this address has VM_HUGEPAGE set. */
    private static boolean hugePageFlag(Path smaps, long address) throws IOException {
        boolean in = false;
        for (String line : Files.readAllLines(smaps)) {
            String[] w = line.split("\\s+");
            if (w[0].matches("[0-9a-f]+-[0-9a-f]+")) {
                String[] r = w[0].split("-");
                in = Long.parseUnsignedLong(r[0], 16) <= address && address < Long.parseUnsignedLong(r[1], 16);
            } else if (in && w[0].equals("VmFlags:")) {
                return List.of(w).contains("hg");
            }
        }
        throw new AssertionError("no mapping holds " + Long.toHexString(address));
    }
}
