package org.kvscope.viz.raster;

import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.kvscope.viz.data.AttentionMap;

/**
 * Down- (or up-) samples an attention map, or a rectangle of it, to a pixel raster, keeping the maximum weight
 * under each pixel so that sharp peaks such as attention sinks survive downsampling. Cost is proportional to
 * {@code max(queries, height) * max(keys, width)} of the pooled rectangle.
 */
public final class MaxPooling {
    private MaxPooling() {
    }

    /** Pools {@code map} to a {@code width} × {@code height} raster. */
    public static PooledGrid pool(AttentionMap map, int width, int height) {
        return pool(map, 0, map.keyCount(), 0, map.queryCount(), width, height, null);
    }

    /**
     * Pools keys {@code [k0, k1)} × queries {@code [q0, q1)} of {@code map} to a {@code width} × {@code height}
     * raster, multiplying row {@code q} by {@code rowFactors[q]} first when the factors are given.
     */
    public static PooledGrid pool(AttentionMap map, int k0, int k1, int q0, int q1, int width, int height,
                                  float[] rowFactors) {
        return pool(map, k0, k1, q0, q1, width, height, rowFactors, () -> false);
    }

    /**
     * Like {@link #pool(AttentionMap, int, int, int, int, int, int, float[])}, asking {@code cancelled} before each
     * raster row and throwing a {@link CancellationException} when it answers true (for pooling off the FX thread,
     * where a newer request replaces this one).
     */
    public static PooledGrid pool(AttentionMap map, int k0, int k1, int q0, int q1, int width, int height,
                                  float[] rowFactors, BooleanSupplier cancelled) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("raster size must be positive but was " + width + "x" + height);
        }
        if (k0 < 0 || k1 > map.keyCount() || k0 >= k1 || q0 < 0 || q1 > map.queryCount() || q0 >= q1) {
            throw new IllegalArgumentException("pooled range keys [" + k0 + ", " + k1 + ") x queries [" + q0 + ", "
                    + q1 + ") must be non-empty and inside " + map.keyCount() + " x " + map.queryCount());
        }
        int qc = q1 - q0;
        int kc = k1 - k0;
        int keyCount = map.keyCount();
        float[] weights = map.weights();
        int[] qPos = map.queryPositions();
        int[] kPos = map.keyPositions();
        int[] colStart = new int[width];
        int[] colEnd = new int[width];
        for (int px = 0; px < width; px++) {
            colStart[px] = k0 + Bins.start(px, kc, width);
            colEnd[px] = k0 + Bins.end(px, kc, width);
        }
        float[] values = new float[width * height];
        byte[] states = new byte[width * height];
        Arrays.fill(values, Float.NEGATIVE_INFINITY);
        Arrays.fill(states, PooledGrid.CAUSAL);
        for (int py = 0; py < height; py++) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("pooling cancelled");
            }
            int rq0 = q0 + Bins.start(py, qc, height);
            int rq1 = q0 + Bins.end(py, qc, height);
            int rowBase = py * width;
            for (int q = rq0; q < rq1; q++) {
                int queryPosition = qPos[q];
                int cellBase = q * keyCount;
                float factor = rowFactors == null ? 1 : rowFactors[q];
                for (int px = 0; px < width; px++) {
                    float best = values[rowBase + px];
                    byte state = states[rowBase + px];
                    for (int k = colStart[px], end = colEnd[px]; k < end; k++) {
                        if (kPos[k] > queryPosition) {
                            continue;
                        }
                        float w = weights[cellBase + k];
                        if (w == w) {
                            state = PooledGrid.VALUE;
                            w *= factor;
                            if (w > best) {
                                best = w;
                            }
                        } else if (state == PooledGrid.CAUSAL) {
                            state = PooledGrid.MISSING;
                        }
                    }
                    values[rowBase + px] = best;
                    states[rowBase + px] = state;
                }
            }
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            if (states[i] == PooledGrid.VALUE) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
        }
        if (min > max) {
            min = Double.NaN;
            max = Double.NaN;
        }
        return new PooledGrid(width, height, values, states, min, max);
    }
}
