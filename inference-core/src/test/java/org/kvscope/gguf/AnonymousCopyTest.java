package org.kvscope.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnonymousCopyTest {

    @TempDir
    Path dir;

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed * 7 + (i >> 9));
        }
        return b;
    }

    private static boolean linux() {
        return System.getProperty("os.name").startsWith("Linux") && Files.isReadable(Path.of("/proc/self/maps"));
    }

    /** Three tensors, the middle one left mapped: the copied ones read the file's bytes from anonymous memory, every chunk. */
    @Test
    void copiedTensorsReadTheFilesBytesFromAnonymousMemory() throws IOException {
        assumeTrue(linux(), "Linux only");
        Path file = dir.resolve("three.gguf");
        int n = (int) (2 * AnonymousCopy.CHUNK) + (3 << 20) + 100; // three chunks, not whole 2 MiB pages
        new GGUFWriter().addTensor("a", GGMLType.F32, new long[] {n / 4}, bytes(n, 1))
                .addTensor("token_embd.weight", GGMLType.F32, new long[] {n / 4}, bytes(n, 2))
                .addTensor("b", GGMLType.F32, new long[] {n / 4}, bytes(n, 3)).write(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFTensorInfo a = f.tensor("a").orElseThrow();
            GGUFTensorInfo e = f.tensor("token_embd.weight").orElseThrow();
            GGUFTensorInfo b = f.tensor("b").orElseThrow();
            long mapped = f.tensorData(e).address() - f.dataOffset() - e.offset();
            assertTrue(f.copyIntoMemory(List.of(b, a)));
            for (GGUFTensorInfo t : List.of(a, b)) {
                MemorySegment data = f.tensorData(t);
                assertFalse(mapped <= data.address() && data.address() < mapped + f.fileSize(), t.name() + " still mapped");
                assertEquals(0, data.address() % (2 << 20), "each copied stretch starts on a 2 MiB page");
                assertTrue(data.isReadOnly());
                assertArrayEquals(bytes(n, t == a ? 1 : 3), data.toArray(ValueLayout.JAVA_BYTE), t.name());
                assertTrue(ProcessMaps.anonymous(data.address()), t.name() + " is not in an anonymous mapping");
            }
            MemorySegment embedding = f.tensorData(e);
            assertEquals(mapped + f.dataOffset() + e.offset(), embedding.address(), "the embedding stays mapped");
            assertArrayEquals(bytes(n, 2), embedding.toArray(ValueLayout.JAVA_BYTE));
            f.close();
            assertFalse(f.copyIntoMemory(List.of(a)));
        }
    }

    @Test
    void switchedOffTheFileStaysMapped() throws IOException {
        Path file = dir.resolve("one.gguf");
        new GGUFWriter().addTensor("a", GGMLType.F32, new long[] {1024}, bytes(4096, 1)).write(file);
        String before = System.getProperty("kvscope.mapping.copy");
        System.setProperty("kvscope.mapping.copy", "false");
        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFTensorInfo a = f.tensor("a").orElseThrow();
            long address = f.tensorData(a).address();
            assertFalse(f.copyIntoMemory(List.of(a)));
            assertEquals(address, f.tensorData(a).address());
        } finally {
            if (before == null) {
                System.clearProperty("kvscope.mapping.copy");
            } else {
                System.setProperty("kvscope.mapping.copy", before);
            }
        }
    }

    @Test
    void aFileThatShrankSinceItWasOpenedIsNamedInOneLine() throws IOException {
        assumeTrue(linux(), "Linux only");
        Path file = dir.resolve("shrinking.gguf");
        new GGUFWriter().addTensor("a", GGMLType.F32, new long[] {1 << 16}, bytes(1 << 18, 1)).write(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            long size = f.fileSize();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(4096);
            }
            IOException x = assertThrows(IOException.class, () -> f.copyIntoMemory(f.tensors()));
            assertEquals("model file " + file + " changed while loading (" + size + " bytes when opened, now 4096);"
                    + " run again to load it afresh", x.getMessage());
        }
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private static long helpersAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("kvscope-load-copy-") && t.isAlive()).count();
    }

    /** One to three threads copy bit for bit, from an odd file offset, lengths around the 8 MiB chunks' ends. */
    @Test
    void severalThreadsCopyBitForBitAroundChunkBoundaries() throws IOException {
        int chunk = (int) AnonymousCopy.CHUNK;
        byte[] all = bytes(3 * chunk + 8192, 5);
        Path file = file("chunks.bin", all);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofShared()) {
            for (int length : new int[] {1, 4095, chunk - 1, chunk, chunk + 1, 2 * chunk + 4097, 3 * chunk - 1, 3 * chunk + 1}) {
                for (int threads = 1; threads <= 3; threads++) {
                    MemorySegment into = arena.allocate(length);
                    AnonymousCopy.fill(channel, 7, into, threads);
                    assertArrayEquals(Arrays.copyOfRange(all, 7, 7 + length), into.toArray(ValueLayout.JAVA_BYTE),
                            length + " bytes on " + threads + " threads");
                }
            }
        }
        assertEquals(0, helpersAlive(), "every helper thread joined");
    }

    /** A file shorter than the stretch: on any number of threads the one line a single thread gives, naming the file's end. */
    @Test
    void aFileThatEndsEarlyGivesTheSameLineOnEveryThreadCount() throws IOException {
        int chunk = (int) AnonymousCopy.CHUNK;
        int size = 2 * chunk + 12345;
        Path file = file("short.bin", bytes(size, 2));
        String expected = "the model file ended at byte " + size + " while its tensors were copied into memory ("
                + 6L * chunk + " bytes expected): it changed while loading; run again to load it afresh";
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofShared()) {
            MemorySegment into = arena.allocate(6L * chunk);
            for (int round = 0; round < 5; round++) {
                for (int t = 1; t <= 4; t++) {
                    int threads = t;
                    IOException x = assertThrows(IOException.class, () -> AnonymousCopy.fill(channel, 0, into, threads));
                    assertEquals(expected, x.getMessage(), threads + " threads");
                    assertNull(x.getCause());
                }
            }
        }
        assertEquals(0, helpersAlive(), "every helper thread joined");
    }

    /** kvscope.threads (else the processors) threads, at most one per 8 MiB chunk and MAX_THREADS. */
    @Test
    void theCopyRunsOnTheConfiguredThreadsAtMostOnePerChunk() {
        String before = System.getProperty("kvscope.threads");
        try {
            System.setProperty("kvscope.threads", "2");
            assertEquals(2, AnonymousCopy.threads(100L << 20));
            assertEquals(1, AnonymousCopy.threads(AnonymousCopy.CHUNK));
            assertEquals(2, AnonymousCopy.threads(AnonymousCopy.CHUNK + 1));
            System.setProperty("kvscope.threads", "64");
            assertEquals(AnonymousCopy.MAX_THREADS, AnonymousCopy.threads(1L << 30));
            System.setProperty("kvscope.threads", "1");
            assertEquals(1, AnonymousCopy.threads(1L << 30));
        } finally {
            if (before == null) {
                System.clearProperty("kvscope.threads");
            } else {
                System.setProperty("kvscope.threads", before);
            }
        }
    }
}
