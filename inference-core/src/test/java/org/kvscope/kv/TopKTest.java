package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** TopK against a full comparator sort (score descending, ties to the lower index). */
class TopKTest {
    static int[] naive(float[] s, int from, int to, int k) {
        Integer[] order = IntStream.range(from, to).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (a, b) -> s[a] != s[b] ? Float.compare(s[b], s[a]) : Integer.compare(a, b));
        int[] out = new int[Math.min(k, order.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = order[i];
        }
        Arrays.sort(out);
        return out;
    }

    @Test
    void bestMatchesAFullSortWithTiesSignedZerosInfinitiesAndNaN() {
        SplittableRandom r = new SplittableRandom(3);
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, -1f};
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(200);
            float[] s = new float[n];
            for (int i = 0; i < n; i++) {
                s[i] = switch (r.nextInt(4)) {
                    case 0 -> specials[r.nextInt(specials.length)];
                    case 1 -> r.nextInt(3); // many ties
                    default -> (float) r.nextGaussian();
                };
            }
            int from = r.nextInt(n), to = from + r.nextInt(n - from + 1), k = r.nextInt(n + 2);
            assertArrayEquals(naive(s, from, to, k), TopK.best(s, from, to, k), "trial " + trial);
        }
    }

    /**
     * The Java loops (where the native library is unavailable; {@link TopK#best} runs the native kernel where it loads)
     * against the full sort, and the kernel against them, with ties, signed zeros, infinities and NaN, heap and quickselect.
     */
    @Test
    void theJavaLoopsAndTheNativeKernelKeepTheFullSortsSets() {
        SplittableRandom r = new SplittableRandom(41);
        float[] specials = {0f, -0f, Float.NaN, Float.intBitsToFloat(0x7fc00001), Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, 1f, -1f};
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(trial % 2 == 0 ? 200 : 3000);
            float[][] rows = new float[1 + r.nextInt(4)][n];
            int[] ks = new int[rows.length];
            int from = r.nextInt(n), to = from + r.nextInt(n - from + 1);
            for (int h = 0; h < rows.length; h++) {
                for (int i = 0; i < n; i++) {
                    rows[h][i] = switch (r.nextInt(4)) {
                        case 0 -> specials[r.nextInt(specials.length)];
                        case 1 -> r.nextInt(3);
                        default -> (float) r.nextGaussian();
                    };
                }
                ks[h] = r.nextBoolean() ? r.nextInt(Math.max(1, (to - from) / 8) + 1) : r.nextInt(n + 2);
            }
            int[][] java = TopK.bestInJava(rows, from, to, ks), got = TopK.best(rows, from, to, ks);
            for (int h = 0; h < rows.length; h++) {
                int[] want = naive(rows[h], from, to, ks[h]);
                assertArrayEquals(want, java[h], "java, trial " + trial + " row " + h);
                assertArrayEquals(want, got[h], "trial " + trial + " row " + h);
            }
        }
    }

    /** Several rows in one call (one heap reused row after row): each row's own top-k, on both paths. */
    @Test
    void bestOfSeveralRowsIsEachRowsOwnTopK() {
        SplittableRandom r = new SplittableRandom(17);
        for (int trial = 0; trial < 40; trial++) {
            int n = 300 + r.nextInt(2000), from = r.nextInt(20), to = n - r.nextInt(20);
            int k = trial % 2 == 0 ? 1 + r.nextInt((to - from) / 8) : r.nextInt(to - from + 2);
            float[][] rows = new float[1 + r.nextInt(5)][n];
            for (int h = 0; h < rows.length; h++) {
                for (int i = 0; i < n; i++) { // rows of different kinds, so a heap left from one row would show in the next
                    rows[h][i] = (h + trial) % 3 == 0 ? (float) (n - i) / n
                            : (h + trial) % 3 == 1 ? r.nextInt(30) / 4f : (float) r.nextGaussian();
                }
            }
            int[][] got = TopK.best(rows, from, to, k);
            for (int h = 0; h < rows.length; h++) {
                assertArrayEquals(naive(rows[h], from, to, k), got[h], "trial " + trial + " row " + h + " k " + k);
            }
        }
    }

    /** Several rows with a k each (a share of layers with their budgets): each row's own top-k, heap and quickselect mixed. */
    @Test
    void bestOfRowsWithTheirOwnKIsEachRowsOwnTopK() {
        SplittableRandom r = new SplittableRandom(29);
        for (int trial = 0; trial < 40; trial++) {
            int n = 300 + r.nextInt(2000), from = r.nextInt(20), to = n - r.nextInt(20);
            float[][] rows = new float[1 + r.nextInt(9)][n];
            int[] ks = new int[rows.length];
            for (int h = 0; h < rows.length; h++) {
                ks[h] = switch (r.nextInt(4)) {
                    case 0 -> 1 + r.nextInt((to - from) / 8);
                    case 1 -> r.nextInt(to - from + 2);
                    case 2 -> 0;
                    default -> 1 + r.nextInt(4);
                };
                for (int i = 0; i < n; i++) {
                    rows[h][i] = (h + trial) % 3 == 0 ? (float) (n - i) / n
                            : (h + trial) % 3 == 1 ? r.nextInt(30) / 4f : (float) r.nextGaussian();
                }
            }
            int[][] got = TopK.best(rows, from, to, ks);
            for (int h = 0; h < rows.length; h++) {
                assertArrayEquals(naive(rows[h], from, to, ks[h]), got[h], "trial " + trial + " row " + h + " k " + ks[h]);
            }
        }
    }

    /** Long ranges with a budget-sized k (the heap) and a large one (the quickselect), ties and specials included. */
    @Test
    void bestMatchesAFullSortOnLongRangesOnBothPaths() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 60; trial++) {
            int n = 500 + r.nextInt(2500);
            float[] s = new float[n];
            for (int i = 0; i < n; i++) {
                s[i] = switch (trial % 4) {
                    case 0 -> r.nextInt(50) == 0 ? Float.NaN : r.nextInt(40) / 8f; // heavy ties
                    case 1 -> (float) i / n; // rising: every later score enters the heap
                    case 2 -> (float) (n - i) / n; // falling: none does
                    default -> (float) r.nextGaussian() * (r.nextBoolean() ? 1e-6f : 1f);
                };
            }
            int from = r.nextInt(50), to = n - r.nextInt(50);
            int k = trial % 2 == 0 ? 1 + r.nextInt((to - from) / 8) : r.nextInt(to - from + 2);
            assertArrayEquals(naive(s, from, to, k), TopK.best(s, from, to, k), "trial " + trial + " k " + k);
        }
    }

    @Test
    void partitionPutsTheKSmallestFirstOnBothPaths() {
        SplittableRandom r = new SplittableRandom(7);
        for (int trial = 0; trial < 200; trial++) {
            int len = 1 + r.nextInt(3000);
            long[] keys = new long[len];
            for (int i = 0; i < len; i++) { // distinct, in random, rising or falling order
                long score = switch (trial % 3) {
                    case 0 -> r.nextInt(1000);
                    case 1 -> i;
                    default -> len - i;
                };
                keys[i] = score << 32 | i;
            }
            int k = trial % 2 == 0 ? r.nextInt(len / 8 + 1) : r.nextInt(len + 2); // the heap's range, and any
            long[] got = keys.clone();
            TopK.partition(got, len, k);
            long[] sorted = keys.clone();
            Arrays.sort(sorted);
            int kept = Math.max(0, Math.min(k, len));
            long[] first = Arrays.copyOf(got, kept);
            Arrays.sort(first);
            assertArrayEquals(Arrays.copyOf(sorted, kept), first, "trial " + trial + ": len " + len + " k " + k);
            Arrays.sort(got);
            assertArrayEquals(sorted, got, "a rearrangement of the same keys");
        }
    }
}
