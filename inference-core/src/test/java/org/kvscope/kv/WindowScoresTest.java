package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.kvscope.kv.FastSelectionTest.H;
import static org.kvscope.kv.FastSelectionTest.KV;
import static org.kvscope.kv.FastSelectionTest.L;
import static org.kvscope.kv.FastSelectionTest.N;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kvscope.tensor.Parallel;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.EvidenceCollector;
import org.kvscope.trace.WindowScoring;

/**
 * The window scores the evidence computes during the prefill (SnapKV's family, TOVA) are, bit for bit, the
 * scores the previous selection loops computed from the window rows ({@link FastSelectionTest}'s copies), with
 * the heads' rows arriving concurrently; the policies keep the same sets from them as without them.
 */
class WindowScoresTest {

    /** Random window rows (a few zeros) recorded head by head on Parallel's threads, in query order per head. */
    static AttentionEvidence evidence(int window, WindowScoring scoring, long seed, boolean skipLastRowOfHead0) {
        AttentionEvidence ev = new AttentionEvidence(L, H, KV, N, window, false);
        if (scoring != null) {
            ev.computeWindowScores(scoring);
        }
        EvidenceCollector c = new EvidenceCollector(ev);
        int[] positions = new int[N];
        Arrays.setAll(positions, i -> i);
        for (int l = 0; l < L; l++) {
            int layer = l;
            Parallel.forRange(H, 1, (from, to) -> {
                for (int h = from; h < to; h++) {
                    Random r = new Random(seed * 1000 + layer * 100 + h);
                    for (int q = N - window; q < N; q++) {
                        if (skipLastRowOfHead0 && h == 0 && q == N - 1) {
                            continue;
                        }
                        float[] w = new float[q + 1];
                        float sum = 0;
                        for (int k = 0; k <= q; k++) {
                            w[k] = k % 97 == 5 ? 0f : (float) Math.pow(r.nextDouble(), 2 + 3 * layer);
                            sum += w[k];
                        }
                        for (int k = 0; k <= q; k++) {
                            w[k] /= sum;
                        }
                        c.onAttention(layer, h, q, positions, w, q + 1);
                    }
                }
            });
        }
        return ev;
    }

    @Test
    void snapKvScoresFromThePrefillEqualThePreviousLoopsAndKeepTheSameSets() {
        for (int window : new int[] {1, 8}) {
            for (int kernel : new int[] {1, 5, 7}) {
                for (String pooling : List.of("avg", "max")) {
                    for (String aggregation : List.of("mean", "max")) {
                        Map<String, Object> p = Map.of("budget", 64, "window", window, "kernel", kernel,
                                "pooling", pooling, "aggregation", aggregation);
                        long seed = window * 100L + kernel;
                        CompressionPolicy snap = PolicyRegistry.create("snapkv", p);
                        AttentionEvidence with = evidence(window, snap.windowScoring(), seed, false);
                        AttentionEvidence without = evidence(window, null, seed, false);
                        for (int l = 0; l < L; l++) {
                            for (int h = 0; h < KV; h++) {
                                float[] want = FastSelectionTest.previousSnapKv(without, l, h, kernel,
                                        pooling.equals("max"), aggregation.equals("max"), window);
                                assertArrayEquals(want, with.windowScores(l, h), p + " layer " + l + " head " + h);
                            }
                        }
                        for (String name : List.of("snapkv", "pyramidkv", "ada-snapkv", "ada-pyramidkv")) {
                            assertSameSelection(name, p, with, without);
                        }
                    }
                }
            }
        }
    }

    @Test
    void tovaScoresFromThePrefillEqualThePreviousLoopsAndKeepTheSameSets() {
        for (String granularity : List.of("layer", "head")) {
            Map<String, Object> p = Map.of("budget", 64, "granularity", granularity);
            CompressionPolicy tova = PolicyRegistry.create("tova", p);
            AttentionEvidence with = evidence(1, tova.windowScoring(), 7, false);
            AttentionEvidence without = evidence(1, null, 7, false);
            for (int l = 0; l < L; l++) {
                for (int h = 0; h < KV; h++) {
                    float[] want = granularity.equals("layer") ? FastSelectionTest.previousTova(without, l, 0, H)
                            : FastSelectionTest.previousTova(without, l, h * (H / KV), H / KV);
                    assertArrayEquals(want, with.windowScores(l, h), granularity + " layer " + l + " head " + h);
                }
            }
            assertSameSelection("tova", p, with, without);
        }
    }

    /** Scores computed for other parameters, or left incomplete, are not read: the policy scores as without them. */
    @Test
    void scoresForOtherParametersOrAMissingRowAreNotRead() {
        Map<String, Object> p = Map.of("budget", 64, "window", 8, "kernel", 7);
        AttentionEvidence other = evidence(8, new WindowScoring(5, false, false, false, false), 3, false);
        assertSameSelection("snapkv", p, other, evidence(8, null, 3, false));
        CompressionPolicy snap = PolicyRegistry.create("snapkv", p);
        AttentionEvidence partial = evidence(8, snap.windowScoring(), 4, true);
        assertNull(partial.windowScores(0, 0), "head 0's last row never came");
        assertNotNull(partial.windowScores(0, 1), "kv-head 1's heads are complete");
        assertSameSelection("snapkv", p, partial, evidence(8, null, 4, true));
    }

    private static void assertSameSelection(String name, Map<String, Object> p, AttentionEvidence with,
                                            AttentionEvidence without) {
        var ctxWith = FastSelectionTest.ctx(with, null);
        var ctxWithout = FastSelectionTest.ctx(without, null);
        ScoredPolicy a = (ScoredPolicy) PolicyRegistry.create(name, p);
        ScoredPolicy b = (ScoredPolicy) PolicyRegistry.create(name, p);
        KeptPositions keptWith = a.checkedSelectAfterPrefill(ctxWith);
        KeptPositions keptWithout = b.checkedSelectAfterPrefill(ctxWithout);
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                assertArrayEquals(b.positionScores(ctxWithout, l, h), a.positionScores(ctxWith, l, h),
                        name + " " + p + " scores, layer " + l + " head " + h);
                assertArrayEquals(keptWithout.of(l, h), keptWith.of(l, h), name + " " + p + " layer " + l + " head " + h);
            }
        }
    }
}
