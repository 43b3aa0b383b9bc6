package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kvscope.gguf.GGMLType;

/**
 * How decode's products are cut into chunks for the cores: about {@link FloatTensor#CHUNK_BYTES} of weights each on
 * large products (the Llama-3.2-1B F32 shapes here), two a core at least on small ones, every row once.
 * The matrices are {@link Ranges}: no weights behind them, their rows only record the ranges handed to them.
 */
class MatvecChunksTest {
    @BeforeEach
    void needsWorkers() {
        assumeTrue(Parallel.threads() > 1, "one core: products run whole on the calling thread");
    }

    @Test
    void theOutputMatrixRunsInChunksOfAboutTwoMiB() {
        int rows = 128_256, cols = 2048;
        Ranges logits = new Ranges(GGMLType.F32, (long) rows * cols);
        logits.matvec(new float[cols], new float[rows], rows, cols);
        assertEveryRowOnce(logits.ranges, rows);
        long rowBytes = 4L * cols;
        assertTrue(maxLength(logits.ranges) <= FloatTensor.CHUNK_BYTES / rowBytes + 1,
                "longest chunk " + maxLength(logits.ranges) + " rows of " + rowBytes + " bytes");
        assertTrue(logits.ranges.size() >= rows * rowBytes / FloatTensor.CHUNK_BYTES / 2, logits.ranges.size() + " chunks");
    }

    @Test
    void fusedProductsCountEveryMatrixBytes() {
        int rows = 8192, cols = 2048;
        Ranges gate = new Ranges(GGMLType.F32, (long) rows * cols), up = new Ranges(GGMLType.F32, (long) rows * cols);
        List<int[]> then = Collections.synchronizedList(new ArrayList<>());
        FloatTensor.matvecsThen(new float[cols], cols, new FloatTensor[] {gate, up}, new float[][] {new float[rows],
                new float[rows]}, rows, (from, to) -> then.add(new int[] {from, to}));
        assertEveryRowOnce(gate.ranges, rows);
        assertEveryRowOnce(up.ranges, rows);
        assertEveryRowOnce(then, rows);
        assertTrue(2 * 4L * cols * maxLength(then) <= FloatTensor.CHUNK_BYTES, "longest chunk " + maxLength(then) + " rows");

        int[] qkvRows = {2048, 512, 512};
        Ranges[] qkv = {new Ranges(GGMLType.F16, 2048L * 8192), new Ranges(GGMLType.F16, 512L * 8192),
                new Ranges(GGMLType.F16, 512L * 8192)};
        FloatTensor.matvecs(new float[8192], 8192, qkv, new float[][] {new float[2048], new float[512], new float[512]},
                qkvRows);
        int chunks = 0;
        for (int i = 0; i < qkv.length; i++) {
            assertEveryRowOnce(qkv[i].ranges, qkvRows[i]);
            chunks += qkv[i].ranges.size();
        }
        assertTrue(chunks >= 3072L * 8192 * 2 / FloatTensor.CHUNK_BYTES / 2, chunks + " pieces of the three matrices");
    }

    /**
     * A SmolLM2-135M Q4_0 product (gate's 1,536 rows of 576 columns, 486 KiB) runs in two chunks a core, one kernel
     * call each: every chunk a new stream of rows and a call's set-up, which at eight a core cost the 135M Q4_0 token
     * about a fifth of its products' time (issue 17, q4s23).
     */
    @Test
    void smallProductsRunInTwoChunksACore() {
        int rows = 1536, cols = 576;
        Ranges gate = new Ranges(GGMLType.Q4_0, (long) rows * cols);
        gate.matvec(new float[cols], new float[rows], rows, cols);
        assertEveryRowOnce(gate.ranges, rows);
        assertEquals(2 * Parallel.threads(), gate.ranges.size(), gate.ranges.size() + " chunks");
        assertEquals(rows / (2 * Parallel.threads()), maxLength(gate.ranges));
    }

    /** An F32 product of the same shape (3.4 MiB) starts in chunks of a quarter of a core's rows, then shrinks to its tail. */
    @Test
    void mediumProductsShrinkToTheirTails() {
        int rows = 1536, cols = 576;
        Ranges gate = new Ranges(GGMLType.F32, (long) rows * cols);
        gate.matvec(new float[cols], new float[rows], rows, cols);
        assertEveryRowOnce(gate.ranges, rows);
        int tail = FloatTensor.tail(rows, 4L * rows * cols);
        assertEquals(FloatTensor.TAIL_BYTES / (4 * cols), tail);
        assertEquals(rows / Parallel.threads() / (2 * Parallel.threads()), maxLength(gate.ranges));
        int smallest = gate.ranges.stream().mapToInt(r -> r[1] - r[0]).min().orElseThrow();
        assertTrue(smallest >= tail && smallest < 2 * tail, "smallest chunk " + smallest + " rows");
    }

    /** The 1B output matrix's last chunks shrink to its tail (16 F32 rows of 2,048 columns: 128 KiB). */
    @Test
    void largeProductsEndInTailsOfAbout128KiB() {
        int rows = 128_256, cols = 2048;
        Ranges logits = new Ranges(GGMLType.F32, (long) rows * cols);
        logits.matvec(new float[cols], new float[rows], rows, cols);
        assertEveryRowOnce(logits.ranges, rows);
        int tail = FloatTensor.tail(rows, 4L * rows * cols);
        assertEquals(16, tail);
        int smallest = logits.ranges.stream().mapToInt(r -> r[1] - r[0]).min().orElseThrow();
        assertTrue(smallest >= tail && smallest < 2 * tail, "smallest chunk " + smallest + " rows");
    }

    private static int maxLength(List<int[]> ranges) {
        return ranges.stream().mapToInt(r -> r[1] - r[0]).max().orElse(0);
    }

    private static void assertEveryRowOnce(List<int[]> ranges, int rows) {
        int[] seen = new int[rows];
        for (int[] r : ranges) {
            for (int i = r[0]; i < r[1]; i++) {
                seen[i]++;
            }
        }
        for (int i = 0; i < rows; i++) {
            assertEquals(1, seen[i], "row " + i);
        }
    }

    /** A rows × cols matrix of a type with no weights: each product's ranges are recorded, its outputs left alone. */
    private static final class Ranges extends FloatTensor {
        final List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
        private final GGMLType type;
        private final long size;

        Ranges(GGMLType type, long size) {
            this.type = type;
            this.size = size;
        }

        @Override public GGMLType type() { return type; }

        @Override public long size() { return size; }

        @Override public float getFloat(long index) { return 0; }

        @Override protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {}

        @Override public float readOnce(int rows, int cols) { return 0; }

        @Override
        protected MatvecRows matvecRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
            return (from, to) -> ranges.add(new int[] {from, to});
        }
    }
}
