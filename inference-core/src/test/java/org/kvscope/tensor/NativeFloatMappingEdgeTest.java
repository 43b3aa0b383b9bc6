package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The F32 decode kernel prefetches the rows after its range (the SmolLM2-135M shape's short rows: the next pass, and
 * past the range's end the rows its caller's next chunk starts with). A prefetch never faults, but a load would: here
 * the matrix ends where an inaccessible region begins (a tensor at the end of a mapping), and every range ending at the
 * last row is computed at every instruction set, equal to the Java kernel. A kernel that loaded a row past its range
 * (its pass loop running one pass too far) would take SIGSEGV there.
 */
@ExtendWith(NativeLevels.class)
class NativeFloatMappingEdgeTest {
    private static final int PROT_NONE = 0, PROT_READ_WRITE = 3, MAP_PRIVATE_ANONYMOUS = 0x22;
    private static final long PAGE = 4096, GUARD = 16 * PAGE;

    @Test
    void f32RowsEndingAtAnInaccessibleRegionAreReadUpToTheirEndOnly() throws Throwable {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "mmap and mprotect as on Linux");
        Linker linker = Linker.nativeLinker();
        MethodHandle mmap = libc(linker, "mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        MethodHandle mprotect = libc(linker, "mprotect", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        MethodHandle munmap = libc(linker, "munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG));
        int cols = 576, rows = 11;
        long rowBytes = cols * 4L, bytes = rows * rowBytes, data = (bytes + PAGE - 1) / PAGE * PAGE;
        MemorySegment base = ((MemorySegment) mmap.invokeExact(MemorySegment.NULL, data + GUARD, PROT_READ_WRITE,
                MAP_PRIVATE_ANONYMOUS, -1, 0L)).reinterpret(data + GUARD);
        assumeTrue(base.address() != -1L, "mmap failed");
        try {
            assertEquals(0, (int) mprotect.invokeExact(base.asSlice(data), GUARD, PROT_NONE));
            MemorySegment w = base.asSlice(data - bytes, bytes); // its last byte is the last accessible one
            float[] values = TestData.gaussian(7, rows * cols);
            MemorySegment.copy(values, 0, w, ValueLayout.JAVA_FLOAT, 0, values.length);
            float[] x = TestData.gaussian(8, cols);
            FloatTensor t = new F32Tensor(w, (long) rows * cols);
            float[] exact = new float[rows];
            NativeKernels.use("java");
            t.matvec(x, exact, rows, cols);
            NativeKernels.use("native");
            int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment xs = arena.allocate(cols * 4L, 64), out = arena.allocate(rows * 4L, 64);
                MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 0, cols);
                for (int level = 0; level <= best; level++) {
                    NativeKernels.limitIsa(level);
                    for (int from = 0; from < rows; from++) { // four-row passes and single rows, all ending at the last row
                        out.fill((byte) 0);
                        NativeKernels.matvec(NativeKernels.F32, w, rowBytes, xs, cols, from, rows, out);
                        for (int r = from; r < rows; r++) {
                            assertEquals(exact[r], out.getAtIndex(ValueLayout.JAVA_FLOAT, r), 1e-4f,
                                    "level " + level + ", rows " + from + ".." + rows + ", row " + r);
                        }
                    }
                }
            } finally {
                NativeKernels.limitIsa(best);
            }
        } finally {
            assertEquals(0, (int) munmap.invokeExact(base, data + GUARD));
        }
    }

    private static MethodHandle libc(Linker linker, String name, FunctionDescriptor descriptor) {
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor);
    }
}
