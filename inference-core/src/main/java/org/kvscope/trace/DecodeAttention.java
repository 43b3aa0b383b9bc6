package org.kvscope.trace;

import java.util.Arrays;

/**
 * Exact attention rows of decoded tokens, per layer and head, over original key positions
 * (weights of positions not in the cache are 0). Memory: {@code steps × layers × heads ×
 * (promptLength + steps)} floats.
 */
public final class DecodeAttention {
    private final int layers, heads, promptLength, maxSteps;
    private final float[][][][] rows; // [step][layer][head][position]
    private int steps;

    public DecodeAttention(int layers, int heads, int promptLength, int maxSteps) {
        this.layers = layers;
        this.heads = heads;
        this.promptLength = promptLength;
        this.maxSteps = maxSteps;
        rows = new float[maxSteps][][][];
    }

    public int layers() { return layers; }

    public int heads() { return heads; }

    public int promptLength() { return promptLength; }

    /** Decoded tokens captured so far. */
    public synchronized int steps() { return steps; }

    /** Row of decode step {@code step} (query position promptLength + step), length promptLength + step + 1. */
    public float[] row(int step, int layer, int head) {
        return rows[step][layer][head];
    }

    void add(int layer, int head, int queryPosition, int[] keyPositions, float[] weights, int count) {
        int step = queryPosition - promptLength;
        if (step < 0 || step >= maxSteps) {
            return;
        }
        float[][][] s;
        synchronized (this) {
            if (rows[step] == null) {
                rows[step] = new float[layers][heads][];
                steps = Math.max(steps, step + 1);
            }
            s = rows[step];
        }
        float[] row = new float[queryPosition + 1];
        for (int i = 0; i < count; i++) {
            row[keyPositions[i]] = weights[i];
        }
        s[layer][head] = row;
    }

    @Override
    public String toString() {
        return "DecodeAttention[steps=" + steps + ", layers=" + layers + ", heads=" + heads + ", prompt="
                + promptLength + ", captured=" + Arrays.stream(rows).filter(r -> r != null).count() + "]";
    }
}
