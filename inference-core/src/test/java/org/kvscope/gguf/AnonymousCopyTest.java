package org.kvscope.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
}
