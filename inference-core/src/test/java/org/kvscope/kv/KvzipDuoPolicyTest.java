package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.kvscope.trace.AttentionEvidence;

/**
 * KVzip's selection and the DuoAttention head split against naive re-implementations written
 * from the papers' definitions (boxed lists of (layer, head, position) triples, no shared code).
 */
class KvzipDuoPolicyTest {
    static final int L = PolicySelectionTest.LAYERS, KV = PolicySelectionTest.KV, N = PolicySelectionTest.N;

    static AttentionEvidence withReconstruction(long seed, boolean ties) {
        AttentionEvidence ev = PolicySelectionTest.randomEvidence(2, seed);
        Random r = new Random(seed);
        float[][] s = new float[L * KV][N];
        for (float[] row : s) {
            for (int p = 0; p < N; p++) {
                row[p] = ties ? r.nextInt(4) / 4f : r.nextFloat();
            }
        }
        ev.setReconstruction(s);
        return ev;
    }

    /** The paper's rule: sinks everywhere, then the best pairs of the scope (ties: layer, head, position). */
    static List<TreeSet<Integer>> naiveKvzip(AttentionEvidence ev, int budget, int sinks, boolean global) {
        List<TreeSet<Integer>> kept = new ArrayList<>();
        for (int i = 0; i < L * KV; i++) {
            TreeSet<Integer> t = new TreeSet<>();
            for (int p = 0; p < sinks; p++) {
                t.add(p);
            }
            kept.add(t);
        }
        List<List<int[]>> scopes = new ArrayList<>();
        for (int l = 0; l < L; l++) {
            if (global && l > 0) {
                continue;
            }
            List<int[]> pairs = new ArrayList<>();
            for (int ll = global ? 0 : l; ll < (global ? L : l + 1); ll++) {
                for (int h = 0; h < KV; h++) {
                    for (int p = sinks; p < N; p++) {
                        pairs.add(new int[] {ll, h, p});
                    }
                }
            }
            scopes.add(pairs);
        }
        for (List<int[]> pairs : scopes) {
            int layersIn = global ? L : 1;
            pairs.sort(Comparator.<int[]>comparingDouble(t -> -(double) ev.reconstruction(t[0], t[1])[t[2]])
                    .thenComparingInt(t -> t[0]).thenComparingInt(t -> t[1]).thenComparingInt(t -> t[2]));
            for (int[] t : pairs.subList(0, layersIn * KV * (budget - sinks))) {
                kept.get(t[0] * KV + t[1]).add(t[2]);
            }
        }
        return kept;
    }

    static void assertKept(List<TreeSet<Integer>> want, KeptPositions got) {
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                assertArrayEquals(want.get(l * KV + h).stream().mapToInt(Integer::intValue).toArray(), got.of(l, h),
                        "layer " + l + " kv-head " + h);
            }
        }
    }

    @Test
    void kvzipKeepsTheGloballyBestReconstructionScores() {
        for (boolean ties : new boolean[] {false, true}) {
            AttentionEvidence ev = withReconstruction(ties ? 5 : 6, ties);
            KeptPositions k = PolicyRegistry.create("kvzip", Map.of("budget", 10)).checkedSelectAfterPrefill(
                    PolicySelectionTest.ctx(ev));
            assertKept(naiveKvzip(ev, 10, 4, true), k);
            int total = 0;
            for (int l = 0; l < L; l++) {
                total += k.countInLayer(l);
            }
            assertEquals(L * KV * 10, total, "the whole budget, spread non-uniformly");
        }
    }

    @Test
    void kvzipLayerScopeKeepsEachLayersBudget() {
        AttentionEvidence ev = withReconstruction(7, false);
        KeptPositions k = PolicyRegistry.create("kvzip", Map.of("budget", 12, "scope", "layer", "sinks", 2))
                .checkedSelectAfterPrefill(PolicySelectionTest.ctx(ev));
        assertKept(naiveKvzip(ev, 12, 2, false), k);
        for (int l = 0; l < L; l++) {
            assertEquals(KV * 12, k.countInLayer(l));
        }
    }

    @Test
    void kvzipWithoutReconstructionSaysWhatIsMissing() {
        var p = PolicyRegistry.create("kvzip", Map.of("budget", 10));
        var e = assertThrows(IllegalStateException.class,
                () -> p.checkedSelectAfterPrefill(PolicySelectionTest.ctx(PolicySelectionTest.randomEvidence(2, 1))));
        assertTrue(e.getMessage().contains("reconstruction"), e.getMessage());
        assertNull(PolicyRegistry.create("kvzip", Map.of("budget", N)).checkedSelectAfterPrefill(
                PolicySelectionTest.ctx(PolicySelectionTest.randomEvidence(2, 1))), "a prompt within the budget stays whole");
    }

    static AttentionEvidence withRetrieval(long seed) {
        AttentionEvidence ev = PolicySelectionTest.randomEvidence(2, seed);
        Random r = new Random(seed);
        float[][] s = new float[L][KV];
        for (float[] row : s) {
            for (int h = 0; h < KV; h++) {
                row[h] = r.nextInt(3) / 3f; // ties on purpose
            }
        }
        ev.setRetrievalScores(s);
        return ev;
    }

    /**
     * The paper's split at a memory budget, naively: heads by retrieval score (ties: layer, head);
     * as many retrieval heads (all N positions) as fit in L·KV·budget entries while every other
     * head keeps sinks + recent; the entries left handed to the streaming heads one at a time in
     * that order; a streaming head with e entries keeps its first min(sinks, e − 1) positions and
     * its last ones.
     */
    static List<TreeSet<Integer>> naiveDuo(float[][] scores, int budget, int sinks, int recent) {
        List<int[]> heads = new ArrayList<>();
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                heads.add(new int[] {l, h});
            }
        }
        heads.sort(Comparator.<int[]>comparingDouble(t -> -(double) scores[t[0]][t[1]])
                .thenComparingInt(t -> t[0]).thenComparingInt(t -> t[1]));
        int streaming = Math.min(N - 1, sinks + recent), total = L * KV * budget, retrievalHeads = 0;
        while (budget > streaming && retrievalHeads < L * KV
                && (retrievalHeads + 1) * N + (L * KV - retrievalHeads - 1) * streaming <= total) {
            retrievalHeads++;
        }
        int[] entries = new int[L * KV];
        int left = total - retrievalHeads * N;
        for (int i = 0; left > 0; i = (i + 1) % (L * KV - retrievalHeads), left--) {
            entries[retrievalHeads + i]++;
        }
        List<TreeSet<Integer>> kept = new ArrayList<>();
        for (int i = 0; i < L * KV; i++) {
            kept.add(new TreeSet<>());
        }
        for (int r = 0; r < heads.size(); r++) {
            TreeSet<Integer> t = kept.get(heads.get(r)[0] * KV + heads.get(r)[1]);
            int e = entries[r], first = Math.min(sinks, e - 1);
            for (int p = 0; p < N; p++) {
                if (r < retrievalHeads || p < first || p >= N - (e - first)) {
                    t.add(p);
                }
            }
        }
        return kept;
    }

    @Test
    void duoKeepsEverythingInTheTopHeadsAndSinksPlusWindowElsewhereWithinTheBudget() {
        AttentionEvidence ev = withRetrieval(11);
        int[][] cases = {{20, 3, 7}, {25, 3, 7}, {12, 3, 7}, {8, 3, 7}, {39, 3, 7}, {31, 0, 1}, {5, 4, 60}};
        for (int[] c : cases) {
            int budget = c[0], sinks = c[1], recent = c[2];
            KeptPositions k = PolicyRegistry.create("duo-attention", Map.of("budget", budget, "sinks", sinks,
                    "recent", recent)).checkedSelectAfterPrefill(PolicySelectionTest.ctx(ev));
            assertKept(naiveDuo(ev.retrievalScores(), budget, sinks, recent), k);
            int total = 0;
            for (int l = 0; l < L; l++) {
                total += k.countInLayer(l);
            }
            assertEquals(L * KV * budget, total, "exactly the budget's entries, budget " + budget);
        }
        var half = (DuoAttentionPolicy) PolicyRegistry.create("duo-attention", Map.of("budget", 20, "sinks", 3, "recent", 7));
        half.checkedSelectAfterPrefill(PolicySelectionTest.ctx(ev));
        // 6 heads × 20 = 120 entries: 3 retrieval heads (3 × 40) would leave nothing, 2 leave 40 for 4 heads of 10
        int retrievalHeads = 0;
        for (boolean[] layer : half.classification()) {
            for (boolean r : layer) {
                retrievalHeads += r ? 1 : 0;
            }
        }
        assertEquals(2, retrievalHeads);
        assertNull(PolicyRegistry.create("duo-attention", Map.of("budget", N)).checkedSelectAfterPrefill(
                PolicySelectionTest.ctx(ev)), "a budget of the whole prompt keeps everything");
        assertNull(PolicyRegistry.create("duo-attention", Map.of("budget-ratio", 1.0)).checkedSelectAfterPrefill(
                PolicySelectionTest.ctx(ev)));
    }

    @Test
    void layerBudgetsAreWhatTheSelectionKeepsPerLayer() {
        AttentionEvidence ev = withReconstruction(8, false);
        ev.setRetrievalScores(withRetrieval(9).retrievalScores());
        for (var p : List.of(PolicyRegistry.create("kvzip", Map.of("budget", 10)),
                PolicyRegistry.create("duo-attention", Map.of("budget", 24, "sinks", 2, "recent", 6)))) {
            var c = PolicySelectionTest.ctx(ev);
            KeptPositions k = p.checkedSelectAfterPrefill(c);
            int[] budgets = p.layerBudgets(c);
            for (int l = 0; l < L; l++) {
                assertEquals(Math.round(k.countInLayer(l) / (float) KV), budgets[l], p.name() + " layer " + l);
            }
        }
    }

    @Test
    void bothRegisterAsBuiltIns() {
        var names = PolicyRegistry.entries().stream().filter(e -> !e.isPlugin()).map(PolicyRegistry.Entry::name).toList();
        assertTrue(names.containsAll(List.of("kvzip", "duo-attention")), names.toString());
    }

    @Test
    void badParametersGetOneClearLine() {
        assertEquals("parameter 'sinks' must be smaller than 'budget' (4), was 4",
                assertThrows(IllegalArgumentException.class,
                        () -> PolicyRegistry.create("kvzip", Map.of("budget", 4))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("kvzip", Map.of("scope", "head"))).getMessage().contains("scope"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("duo-attention", Map.of("budget-ratio", "1.5"))).getMessage()
                .contains("budget-ratio"));
        assertEquals("parameter 'sinks' must be smaller than 'budget' (4), was 4",
                assertThrows(IllegalArgumentException.class,
                        () -> PolicyRegistry.create("duo-attention", Map.of("budget", 4))).getMessage());
        assertEquals("parameters 'sinks' + 'recent' must keep at least 1 position, were 0 + 0",
                assertThrows(IllegalArgumentException.class,
                        () -> PolicyRegistry.create("duo-attention", Map.of("sinks", 0, "recent", 0))).getMessage());
        var duo = PolicyRegistry.create("duo-attention", Map.of());
        assertTrue(assertThrows(IllegalStateException.class, () -> duo.checkedSelectAfterPrefill(
                PolicySelectionTest.ctx(PolicySelectionTest.randomEvidence(2, 1)))).getMessage().contains("retrieval"));
    }
}
