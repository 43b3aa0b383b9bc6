package org.kvscope.kv;

import java.util.Arrays;

/**
 * The positions a policy keeps, per layer and kv-head, each list strictly increasing.
 * Independent of any cache, so kept sets can be computed from captured attention alone.
 */
public record KeptPositions(int[][][] positions) {

    /** Positions kept for one (layer, kv-head). Live array. */
    public int[] of(int layer, int kvHead) {
        return positions[layer][kvHead];
    }

    public int layers() { return positions.length; }

    public int kvHeads() { return positions[0].length; }

    /** Number of kept entries in a layer summed over kv-heads. */
    public int countInLayer(int layer) {
        int n = 0;
        for (int[] p : positions[layer]) {
            n += p.length;
        }
        return n;
    }

    /** A boolean mask over {@code keyCount} positions for one (layer, kv-head). */
    public boolean[] mask(int layer, int kvHead, int keyCount) {
        boolean[] m = new boolean[keyCount];
        for (int p : positions[layer][kvHead]) {
            if (p < keyCount) {
                m[p] = true;
            }
        }
        return m;
    }

    /** Keeps everything: positions 0..keyCount-1 everywhere. */
    public static KeptPositions all(int layers, int kvHeads, int keyCount) {
        int[] every = new int[keyCount];
        Arrays.setAll(every, i -> i);
        int[][][] p = new int[layers][kvHeads][];
        for (int[][] layer : p) {
            for (int h = 0; h < kvHeads; h++) {
                layer[h] = every.clone();
            }
        }
        return new KeptPositions(p);
    }
}
