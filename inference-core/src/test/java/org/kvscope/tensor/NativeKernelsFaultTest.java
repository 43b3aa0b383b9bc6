package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFWriter;

/**
 * A model file truncated while mapped (issue 16, defect 4): a native kernel reading the vanished pages takes
 * SIGBUS, which killed the JVM (exit 134, an hs_err file, "A fatal error has been detected" on stdout). Now each
 * weight kernel (quantized and float decode products, prefill's matmul) throws the InternalError the JVM throws
 * for the same read in Java code, which the CLI words as one line naming the file; a later fault on the same
 * thread is caught again, and a fault in Java code still reaches the JVM's own handler.
 */
@Timeout(60)
class NativeKernelsFaultTest {
    private static final int COLS = 64, ROWS = 4096, Q8_ROW = COLS / 32 * 34;

    @TempDir
    Path dir;

    @Test
    void aTruncatedMappingMakesEveryWeightKernelThrowInsteadOfKillingTheJvm() throws IOException {
        assumeTrue(NativeKernels.available(), "native kernels unavailable: " + NativeKernels.unavailableReason());
        Path file = dir.resolve("shrinking.gguf");
        new GGUFWriter()
                .addTensor("f32", GGMLType.F32, new long[] {COLS, ROWS}, new byte[COLS * ROWS * 4])
                .addTensor("q8", GGMLType.Q8_0, new long[] {COLS, ROWS}, new byte[Q8_ROW * ROWS])
                .write(file);
        try (GGUFFile f = GGUFFile.open(file); Arena arena = Arena.ofConfined()) {
            long size = f.fileSize();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(4096);
            }
            MemorySegment f32 = f.tensorData(f.tensor("f32").orElseThrow());
            MemorySegment q8 = f.tensorData(f.tensor("q8").orElseThrow());
            MemorySegment x = arena.allocate(COLS * 4L * 2, 64);
            MemorySegment out = arena.allocate(ROWS * 4L * 2, 64);
            long xBytes = NativeKernels.quantizedBytes(NativeKernels.Q8_0, COLS);
            MemorySegment xq = arena.allocate(xBytes * 2, 64);
            NativeMatmul.quantizeRows(NativeKernels.Q8_0, x, COLS, 0, 2, xq, xBytes);
            String expected = "model file " + file + " was truncated or replaced while in use (" + size
                    + " bytes when loaded, now 4096): do not change a model file while kvscope reads it; run again"
                    + " to load it afresh";
            for (int round = 0; round < 2; round++) { // the same thread faults again: the guard is still there
                InternalError floats = assertThrows(InternalError.class,
                        () -> NativeKernels.matvec(NativeKernels.F32, f32, COLS * 4L, x, COLS, 0, ROWS, out));
                assertEquals(expected, GGUFFile.describeMappingFault(floats));
                InternalError quantized = assertThrows(InternalError.class,
                        () -> NativeKernels.matvec(NativeKernels.Q8_0, q8, Q8_ROW, xq, COLS, 0, ROWS, out));
                assertEquals(expected, GGUFFile.describeMappingFault(quantized));
                InternalError matmul = assertThrows(InternalError.class,
                        () -> NativeMatmul.matmul(NativeKernels.Q8_0, q8, Q8_ROW, xq, xBytes, COLS, 2, 0, ROWS, out, ROWS));
                assertEquals(expected, GGUFFile.describeMappingFault(matmul));
            }
            // Java code reading the same pages: the fault goes on to the JVM's handler, as before.
            assertThrows(InternalError.class, () -> f32.get(ValueLayout.JAVA_BYTE, f32.byteSize() - 1));
            // And a kernel over memory that is there runs as usual afterwards.
            MemorySegment w = arena.allocate(COLS * 4L * 4, 64);
            NativeKernels.matvec(NativeKernels.F32, w, COLS * 4L, x, COLS, 0, 4, out);
        }
    }
}
