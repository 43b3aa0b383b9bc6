package org.kvscope.app.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * STREAM-like measurement of main-memory bandwidth with all cores: a copy between two
 * off-heap buffers much larger than the caches (bytes read + bytes written, as STREAM counts
 * them), and a read-only pass (a vector sum). Best of several repetitions.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** @param copyGBps copy bandwidth in GB/s (1e9 bytes), @param readGBps read-only bandwidth */
    public record Result(double copyGBps, double readGBps, long bufferBytes, int threads) {}

    public static Result measure(long bufferBytes, int repetitions) {
        int threads = Runtime.getRuntime().availableProcessors();
        long size = (bufferBytes / (threads * 4096L)) * threads * 4096L;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = arena.allocate(size, 4096);
            MemorySegment b = arena.allocate(size, 4096);
            a.fill((byte) 1);
            b.fill((byte) 2);
            long chunk = size / threads;
            double bestCopy = 0, bestRead = 0;
            float sink = 0;
            for (int r = 0; r < repetitions; r++) {
                long t0 = System.nanoTime();
                IntStream.range(0, threads).parallel().forEach(t ->
                        MemorySegment.copy(a, t * chunk, b, t * chunk, chunk));
                double copy = 2.0 * size / (System.nanoTime() - t0);
                bestCopy = Math.max(bestCopy, copy);
                long t1 = System.nanoTime();
                double s = IntStream.range(0, threads).parallel()
                        .mapToDouble(t -> sum(b, t * chunk, chunk)).sum();
                double read = (double) size / (System.nanoTime() - t1);
                sink += (float) s;
                bestRead = Math.max(bestRead, read);
            }
            if (sink == 42f) {
                System.err.print("");
            }
            return new Result(bestCopy, bestRead, size, threads);
        }
    }

    private static float sum(MemorySegment m, long offset, long bytes) {
        FloatVector acc = FloatVector.zero(F);
        long step = F.vectorByteSize();
        long end = offset + bytes - (bytes % step);
        for (long i = offset; i < end; i += step) {
            acc = acc.add(FloatVector.fromMemorySegment(F, m, i, ByteOrder.LITTLE_ENDIAN));
        }
        return acc.reduceLanes(VectorOperators.ADD) + m.get(ValueLayout.JAVA_BYTE, offset);
    }
}
