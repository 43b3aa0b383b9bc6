package org.kvscope.metrics;

import org.kvscope.kv.KeptPositions;

/**
 * Where two policies' kept sets differ on the same prompt: per layer and kv-head, the number of
 * prompt positions kept by A only, by B only and by both, and the per-layer recall difference.
 *
 * @param keyCount         prompt positions compared (0..keyCount-1)
 * @param aOnly            [layer][kvHead] positions kept by A but not B
 * @param bOnly            [layer][kvHead] positions kept by B but not A
 * @param both             [layer][kvHead] positions kept by both
 * @param recallDifference [layer] mean recall of A minus that of B
 */
public record KeptDiff(int keyCount, int[][] aOnly, int[][] bOnly, int[][] both, double[] recallDifference) {

    /** What happens to one key under the two policies. */
    public enum KeyStatus { NEITHER, A_ONLY, B_ONLY, BOTH }

    public int layers() { return aOnly.length; }

    public int kvHeads() { return aOnly[0].length; }

    /** Positions neither policy keeps in a (layer, kv-head). */
    public int neither(int layer, int kvHead) {
        return keyCount - aOnly[layer][kvHead] - bOnly[layer][kvHead] - both[layer][kvHead];
    }

    /** Diff of two analyses of the same capture. */
    public static KeptDiff of(PolicyAnalysis a, PolicyAnalysis b, int keyCount) {
        int layers = a.kept().layers();
        double[] recall = new double[layers];
        for (int l = 0; l < layers; l++) {
            recall[l] = a.recall(l) - b.recall(l);
        }
        return of(a.kept(), b.kept(), keyCount, recall);
    }

    /** Diff of two kept sets over positions 0..keyCount-1. */
    public static KeptDiff of(KeptPositions a, KeptPositions b, int keyCount, double[] recallDifference) {
        if (a.layers() != b.layers() || a.kvHeads() != b.kvHeads()) {
            throw new IllegalArgumentException("kept sets of different shapes: " + a.layers() + "×" + a.kvHeads()
                    + " vs " + b.layers() + "×" + b.kvHeads());
        }
        int[][] ao = new int[a.layers()][a.kvHeads()];
        int[][] bo = new int[a.layers()][a.kvHeads()];
        int[][] both = new int[a.layers()][a.kvHeads()];
        for (int l = 0; l < a.layers(); l++) {
            for (int h = 0; h < a.kvHeads(); h++) {
                for (KeyStatus s : statuses(a, b, l, h, keyCount)) {
                    switch (s) {
                        case A_ONLY -> ao[l][h]++;
                        case B_ONLY -> bo[l][h]++;
                        case BOTH -> both[l][h]++;
                        case NEITHER -> { }
                    }
                }
            }
        }
        return new KeptDiff(keyCount, ao, bo, both, recallDifference.clone());
    }

    /** The status of every key 0..keyCount-1 in one (layer, kv-head). */
    public static KeyStatus[] statuses(KeptPositions a, KeptPositions b, int layer, int kvHead, int keyCount) {
        boolean[] ma = a.mask(layer, kvHead, keyCount);
        boolean[] mb = b.mask(layer, kvHead, keyCount);
        KeyStatus[] out = new KeyStatus[keyCount];
        for (int p = 0; p < keyCount; p++) {
            out[p] = ma[p] ? (mb[p] ? KeyStatus.BOTH : KeyStatus.A_ONLY) : (mb[p] ? KeyStatus.B_ONLY : KeyStatus.NEITHER);
        }
        return out;
    }
}
