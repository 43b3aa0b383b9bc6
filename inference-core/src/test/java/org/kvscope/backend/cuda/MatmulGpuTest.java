package org.kvscope.backend.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.gguf.GGMLType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kvscope.backend.cuda.GpuTestSupport.assertClose;
import static org.kvscope.backend.cuda.GpuTestSupport.randomFloats;

/** matvec / matmul kernels for every weight type against a scalar Java product of the decoded weights. */
class MatmulGpuTest extends GpuKernelTest {
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void matvecAndMatmulMatchTheDecodedWeights(GGMLType type) {
        int[] colsToTry = type.blockSize() == 256 ? new int[] {256, 768} : type.blockSize() == 32
                ? new int[] {96, 512} : new int[] {100, 512};
        Random random = new Random(type.ordinal());
        for (int cols : colsToTry) {
            int rows = 37;
            byte[] raw = GgmlBlocks.randomMatrix(type, rows, cols, random);
            float[][] w = new float[rows][];
            for (int r = 0; r < rows; r++) w[r] = GgmlBlocks.dequantizeRow(type, raw, r, cols);
            for (int batch : new int[] {1, 2, 5, 17}) {
                float[] x = randomFloats(random, batch * cols, 1f);
                float[] expected = Reference.matmul(w, x, batch);
                try (DeviceBuffer wb = context.upload(raw); DeviceBuffer xb = context.upload(x);
                     DeviceBuffer out = context.allocate(4L * batch * rows)) {
                    WeightMatrix m = new WeightMatrix(type, wb, rows, cols);
                    if (batch == 1) {
                        kernels.matvec(m, xb, out, context.defaultStream());
                    } else {
                        kernels.matmul(m, xb, out, batch, context.defaultStream());
                    }
                    assertClose(expected, out.toFloats(batch * rows), 5e-3, 1e-4,
                            type + " " + rows + "x" + cols + " batch " + batch);
                }
            }
        }
    }

    @Test
    void weightsCanComeFromAnOffsetInsideOneUploadedRegion() {
        Random random = new Random(9);
        byte[] raw = GgmlBlocks.randomMatrix(GGMLType.Q8_0, 16, 64, random);
        float[] x = randomFloats(random, 64, 1f);
        try (Arena arena = Arena.ofConfined(); DeviceBuffer region = context.allocate(64 + raw.length);
             DeviceBuffer xb = context.upload(x); DeviceBuffer out = context.allocate(4 * 16)) {
            MemorySegment mapped = arena.allocate(raw.length);
            MemorySegment.copy(raw, 0, mapped, ValueLayout.JAVA_BYTE, 0, raw.length);
            region.copyFrom(mapped, 64);
            WeightMatrix m = new WeightMatrix(GGMLType.Q8_0, region.slice(64, raw.length), 16, 64);
            kernels.matvec(m, xb, out, context.defaultStream());
            float[][] w = new float[16][];
            for (int r = 0; r < 16; r++) w[r] = GgmlBlocks.dequantizeRow(GGMLType.Q8_0, raw, r, 64);
            assertClose(Reference.matmul(w, x, 1), out.toFloats(16), 1e-4, 1e-4, "Q8_0 slice");
        }
    }

    @Test
    void buffersRoundTripAndRejectOversizedCopies() {
        int[] ints = {1, -2, 3, Integer.MAX_VALUE};
        try (DeviceBuffer b = context.upload(ints)) {
            assertArrayEquals(ints, b.toInts(4));
            b.fillZero();
            assertArrayEquals(new int[4], b.toInts(4));
            assertThrows(IndexOutOfBoundsException.class, () -> b.copyFrom(new float[5]));
        }
    }

    @Test
    void hugeAllocationReportsOutOfMemory() {
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> context.allocate(1L << 50));
        assertTrue(e.getMessage().startsWith("CUDA out of memory allocating 1073741824.0 MiB; free "), e.getMessage());
    }
}
