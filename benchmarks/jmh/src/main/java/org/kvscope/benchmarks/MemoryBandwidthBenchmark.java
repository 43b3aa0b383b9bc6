package org.kvscope.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * What the JVM can move with no arithmetic: a plain read (four-accumulator vector sum) and a copy
 * of a {@code mebibytes} buffer (default 1 GiB), each benchmark thread taking its own slice
 * (threads: {@code -t N}, default all cores). The {@code bytes} rate is GB/s (×1e-9); a copy
 * counts bytes read plus bytes written, as STREAM and {@code kvscope bench} do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(Threads.MAX)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgs = {JvmFlags.VECTOR, JvmFlags.NATIVE, JvmFlags.GC})
public class MemoryBandwidthBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @Param({"1024"})
    public long mebibytes;

    private Arena arena;
    private MemorySegment source;
    private MemorySegment target;

    @Setup
    public void allocate() {
        long size = mebibytes << 20;
        arena = Arena.ofShared();
        source = arena.allocate(size, 4096);
        target = arena.allocate(size, 4096);
        source.fill((byte) 1);
        target.fill((byte) 2);
    }

    @TearDown
    public void release() {
        arena.close();
    }

    /** The calling benchmark thread's share of the buffers. */
    @State(Scope.Thread)
    public static class Slice {
        long offset;
        long length;

        @Setup
        public void place(MemoryBandwidthBenchmark buffers, ThreadParams threads) {
            long size = buffers.source.byteSize();
            long step = 4L * F.vectorByteSize();
            length = size / threads.getThreadCount() / step * step;
            offset = threads.getThreadIndex() * length;
        }
    }

    @Benchmark
    public float read(Slice slice, Traffic traffic) {
        traffic.bytes += slice.length;
        return sum(source, slice.offset, slice.length);
    }

    @Benchmark
    public void copy(Slice slice, Traffic traffic) {
        MemorySegment.copy(source, slice.offset, target, slice.offset, slice.length);
        traffic.bytes += 2 * slice.length;
    }

    private static float sum(MemorySegment m, long from, long length) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector d = a;
        long step = F.vectorByteSize();
        for (long i = from; i < from + length; i += 4 * step) {
            a = a.add(FloatVector.fromMemorySegment(F, m, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, m, i + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, m, i + 2 * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, m, i + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
    }
}
