package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.EvidenceCollector;

/**
 * Kept sets of the policies against deliberately naive re-implementations written from the
 * papers' descriptions (lists, boxed values, no shared code).
 */
class PolicySelectionTest {
    static final int LAYERS = 3, HEADS = 4, KV = 2, N = 40;

    /** Random causal attention rows for every query of a prompt, fed through the collector. */
    static AttentionEvidence randomEvidence(int window, long seed) {
        AttentionEvidence ev = new AttentionEvidence(LAYERS, HEADS, KV, N, window);
        EvidenceCollector c = new EvidenceCollector(ev);
        Random r = new Random(seed);
        int[] positions = new int[N];
        Arrays.setAll(positions, i -> i);
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                for (int q = 0; q < N; q++) {
                    float[] w = new float[q + 1];
                    float sum = 0;
                    for (int k = 0; k <= q; k++) {
                        w[k] = (float) Math.pow(r.nextDouble(), 3);
                        sum += w[k];
                    }
                    for (int k = 0; k <= q; k++) {
                        w[k] /= sum;
                    }
                    c.onAttention(l, h, q, positions, w, q + 1);
                }
            }
        }
        return ev;
    }

    static CompressionPolicy.PrefillContext ctx(AttentionEvidence ev) {
        return new CompressionPolicy.PrefillContext(LAYERS, HEADS, KV, N, 128, ev);
    }

    @Test
    void fullKvKeepsEverything() {
        KeptPositions k = PolicyRegistry.create("fullkv", Map.of()).selectAfterPrefill(ctx(null));
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < KV; h++) {
                assertEquals(N, k.of(l, h).length);
            }
        }
    }

    @Test
    void streamingLlmKeepsSinksAndRecentExactly() {
        CompressionPolicy p = PolicyRegistry.create("streamingllm", Map.of("budget", "10", "sinks", "3"));
        KeptPositions k = p.selectAfterPrefill(ctx(null));
        int[] expected = {0, 1, 2, 33, 34, 35, 36, 37, 38, 39};
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < KV; h++) {
                assertArrayEquals(expected, k.of(l, h));
            }
        }
        CompressionPolicy big = PolicyRegistry.create("streamingllm", Map.of("budget", "40"));
        assertNull(big.selectAfterPrefill(ctx(null)), "a prompt no longer than the budget is not compressed");
    }

    /** Naive SnapKV for one (layer, kv-head), written from the paper's description. */
    static int[] naiveSnapKv(AttentionEvidence ev, int layer, int kvHead, int budget, int window, int kernel,
                             boolean maxPool, boolean maxAgg) {
        int prefix = N - window;
        List<double[]> perHead = new ArrayList<>();
        for (int g = 0; g < HEADS / KV; g++) {
            int head = kvHead * (HEADS / KV) + g;
            double[] s = new double[prefix];
            for (int q = N - window; q < N; q++) {
                float[] row = ev.row(layer, head, q - ev.firstWindowQuery());
                for (int k = 0; k < prefix; k++) {
                    s[k] += row[k];
                }
            }
            double[] pooled = new double[prefix];
            for (int k = 0; k < prefix; k++) {
                List<Double> nb = new ArrayList<>();
                for (int j = k - kernel / 2; j <= k + kernel / 2; j++) {
                    if (j >= 0 && j < prefix) {
                        nb.add(s[j]);
                    }
                }
                pooled[k] = maxPool ? nb.stream().mapToDouble(Double::doubleValue).max().orElseThrow()
                        : nb.stream().mapToDouble(Double::doubleValue).sum() / kernel;
            }
            perHead.add(pooled);
        }
        double[] score = new double[prefix];
        for (int k = 0; k < prefix; k++) {
            final int kk = k;
            score[k] = maxAgg ? perHead.stream().mapToDouble(a -> a[kk]).max().orElseThrow()
                    : perHead.stream().mapToDouble(a -> a[kk]).sum() / perHead.size();
        }
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < prefix; k++) {
            order.add(k);
        }
        order.sort(Comparator.<Integer>comparingDouble(k -> -score[k]).thenComparing(k -> k));
        TreeSet<Integer> kept = new TreeSet<>(order.subList(0, budget - window));
        for (int k = prefix; k < N; k++) {
            kept.add(k);
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void snapKvMatchesNaiveForEveryOptionCombination() {
        AttentionEvidence ev = randomEvidence(8, 1);
        for (String pooling : List.of("avg", "max")) {
            for (String agg : List.of("mean", "max")) {
                for (int kernel : new int[] {1, 5}) {
                    CompressionPolicy p = PolicyRegistry.create("snapkv", Map.of("budget", 16, "window", 6,
                            "kernel", kernel, "pooling", pooling, "aggregation", agg));
                    KeptPositions k = p.selectAfterPrefill(ctx(ev));
                    for (int l = 0; l < LAYERS; l++) {
                        for (int h = 0; h < KV; h++) {
                            assertArrayEquals(naiveSnapKv(ev, l, h, 16, 6, kernel, pooling.equals("max"),
                                    agg.equals("max")), k.of(l, h), pooling + "/" + agg + "/" + kernel);
                        }
                    }
                }
            }
        }
    }

    @Test
    void pyramidKvUsesPyramidBudgetsWithExactTotal() {
        AttentionEvidence ev = randomEvidence(8, 2);
        CompressionPolicy p = PolicyRegistry.create("pyramidkv", Map.of("budget", 16, "window", 4, "beta", 4.0));
        KeptPositions k = p.selectAfterPrefill(ctx(ev));
        // m = 12: top = 3, bottom = 21, middle = 12 -> plus the window of 4 each
        int[] expectedBudgets = {25, 16, 7};
        int total = 0;
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < KV; h++) {
                assertEquals(expectedBudgets[l], k.of(l, h).length, "layer " + l);
                assertArrayEquals(naiveSnapKv(ev, l, h, expectedBudgets[l], 4, 7, false, false), k.of(l, h));
                total += k.of(l, h).length;
            }
        }
        assertEquals(LAYERS * KV * 16, total);
    }

    @Test
    void h2oKeepsHeavyHittersAndRecent() {
        AttentionEvidence ev = randomEvidence(1, 3);
        CompressionPolicy p = PolicyRegistry.create("h2o", Map.of("budget", 12, "recent", 4));
        KeptPositions k = p.selectAfterPrefill(ctx(ev));
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < KV; h++) {
                double[] acc = new double[N];
                for (int g = 0; g < 2; g++) {
                    float[] a = ev.accumulated(l, h * 2 + g);
                    for (int i = 0; i < N; i++) {
                        acc[i] += a[i];
                    }
                }
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < N - 4; i++) {
                    order.add(i);
                }
                order.sort(Comparator.<Integer>comparingDouble(i -> -acc[i]).thenComparing(i -> i));
                TreeSet<Integer> want = new TreeSet<>(order.subList(0, 8));
                for (int i = N - 4; i < N; i++) {
                    want.add(i);
                }
                assertArrayEquals(want.stream().mapToInt(Integer::intValue).toArray(), k.of(l, h));
            }
        }
    }

    @Test
    void badParametersNameTheParameterAndRange() {
        var e1 = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("nope", Map.of()));
        assertTrue(e1.getMessage().contains("snapkv"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("snapkv", Map.of("budget", "16", "window", "32")));
        assertTrue(e2.getMessage().contains("window"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("snapkv", Map.of("budget", "-3")));
        assertTrue(e3.getMessage().contains("budget") && e3.getMessage().contains("1.."), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("h2o", Map.of("budget", "8", "recent", "2")).validateFor(4));
        assertTrue(e4.getMessage().contains("budget") && e4.getMessage().contains("context"), e4.getMessage());
        var e5 = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("snapkv", Map.of("colour", "red")));
        assertTrue(e5.getMessage().contains("colour") && e5.getMessage().contains("window"), e5.getMessage());
    }
}
