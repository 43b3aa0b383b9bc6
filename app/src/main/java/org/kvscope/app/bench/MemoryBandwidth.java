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
 *
 * <p>The buffers are allocated once and can be measured again and again. Benchmarks run it in a
 * child JVM through {@link IsolatedBandwidth}, right before each of their runs: on a shared host
 * bandwidth drifts by a quarter from minute to minute.
 */
public final class MemoryBandwidth implements AutoCloseable {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** @param copyGBps copy bandwidth in GB/s (1e9 bytes), @param readGBps read-only bandwidth */
    public record Result(double copyGBps, double readGBps, long bufferBytes, int threads) {}

    private final Arena arena = Arena.ofShared();
    private final MemorySegment a, b;
    private final int threads = Runtime.getRuntime().availableProcessors();
    private final long size;

    private MemoryBandwidth(long bufferBytes) {
        size = Math.max(threads * 4096L, (bufferBytes / (threads * 4096L)) * threads * 4096L);
        a = arena.allocate(size, 4096);
        b = arena.allocate(size, 4096);
        a.fill((byte) 1);
        b.fill((byte) 2);
    }

    /** Two buffers of about {@code bufferBytes} each (rounded to whole pages per thread). */
    public static MemoryBandwidth allocate(long bufferBytes) {
        return new MemoryBandwidth(bufferBytes);
    }

    /** Allocates, measures once and frees. */
    public static Result measure(long bufferBytes, int repetitions) {
        try (MemoryBandwidth m = allocate(bufferBytes)) {
            return m.measure(repetitions);
        }
    }

    /** Best copy and best read bandwidth over {@code repetitions} passes. */
    public Result measure(int repetitions) {
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

    /**
     * Child-process entry used by {@link IsolatedBandwidth}: {@code BUFFER_BYTES REPETITIONS}; prints
     * one result line.
     */
    public static void main(String[] args) {
        long bytes = Long.parseLong(args[0]);
        int repetitions = Integer.parseInt(args[1]);
        System.out.println(IsolatedBandwidth.format(measure(bytes, repetitions)));
    }

    @Override
    public void close() {
        arena.close();
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
