package org.kvscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.KeptPositions;

/** A-only, B-only and both sets against a set-based reference. */
class KeptDiffTest {
    private static KeptPositions random(SplittableRandom rnd, int layers, int heads, int n) {
        int[][][] p = new int[layers][heads][];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                p[l][h] = IntStream.range(0, n).filter(i -> rnd.nextInt(3) == 0).toArray();
            }
        }
        return new KeptPositions(p);
    }

    private static Set<Integer> set(int[] a) {
        Set<Integer> s = new HashSet<>();
        for (int v : a) {
            s.add(v);
        }
        return s;
    }

    @Test
    void countsAndStatusesMatchSetOperations() {
        SplittableRandom rnd = new SplittableRandom(5);
        int n = 40;
        KeptPositions a = random(rnd, 3, 2, n);
        KeptPositions b = random(rnd, 3, 2, n);
        KeptDiff d = KeptDiff.of(a, b, n, new double[] {0.1, -0.2, 0});
        for (int l = 0; l < 3; l++) {
            for (int h = 0; h < 2; h++) {
                Set<Integer> sa = set(a.of(l, h)), sb = set(b.of(l, h));
                Set<Integer> both = new HashSet<>(sa);
                both.retainAll(sb);
                Set<Integer> aOnly = new HashSet<>(sa);
                aOnly.removeAll(sb);
                Set<Integer> bOnly = new HashSet<>(sb);
                bOnly.removeAll(sa);
                assertEquals(aOnly.size(), d.aOnly()[l][h]);
                assertEquals(bOnly.size(), d.bOnly()[l][h]);
                assertEquals(both.size(), d.both()[l][h]);
                assertEquals(n - aOnly.size() - bOnly.size() - both.size(), d.neither(l, h));
                KeptDiff.KeyStatus[] st = KeptDiff.statuses(a, b, l, h, n);
                for (int p = 0; p < n; p++) {
                    KeptDiff.KeyStatus want = both.contains(p) ? KeptDiff.KeyStatus.BOTH
                            : aOnly.contains(p) ? KeptDiff.KeyStatus.A_ONLY
                            : bOnly.contains(p) ? KeptDiff.KeyStatus.B_ONLY : KeptDiff.KeyStatus.NEITHER;
                    assertEquals(want, st[p], "l" + l + " h" + h + " p" + p);
                }
            }
        }
        assertArrayEquals(new double[] {0.1, -0.2, 0}, d.recallDifference());
    }

    @Test
    void handCase() {
        KeptPositions a = new KeptPositions(new int[][][] {{{0, 1, 5}}});
        KeptPositions b = new KeptPositions(new int[][][] {{{1, 2, 5, 6}}});
        KeptDiff d = KeptDiff.of(a, b, 8, new double[1]);
        assertEquals(1, d.aOnly()[0][0]);
        assertEquals(2, d.bOnly()[0][0]);
        assertEquals(2, d.both()[0][0]);
        assertEquals(3, d.neither(0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> KeptDiff.of(a, new KeptPositions(new int[][][] {{{1}, {2}}}), 8, new double[1]));
    }
}
