package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * TOVA, K-norm, KeyDiff, Ada-KV, CAKE and the auto schedule against naive re-implementations
 * written from the papers' definitions (boxed lists, doubles, no shared code).
 */
class NewPoliciesTest {
    static final int L = PolicySelectionTest.LAYERS, H = PolicySelectionTest.HEADS, KV = PolicySelectionTest.KV,
            N = PolicySelectionTest.N, D = 8;

    static AttentionEvidence evidenceWithKeys(int window, long seed) {
        AttentionEvidence ev = PolicySelectionTest.randomEvidence(window, seed);
        Random r = new Random(seed + 100);
        float[][] keys = new float[L * KV][N * D];
        for (float[] k : keys) {
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) r.nextGaussian() * (1 + (i / D) % 3);
            }
        }
        ev.setKeys(D, keys);
        return ev;
    }

    static CompressionPolicy.PrefillContext ctx(AttentionEvidence ev) {
        return PolicySelectionTest.ctx(ev);
    }

    /** The {@code count} positions of {@code candidates} with the highest score (ties: earlier), plus {@code always}. */
    static int[] topPlus(List<Integer> candidates, double[] score, int count, List<Integer> always) {
        List<Integer> order = new ArrayList<>(candidates);
        order.sort(Comparator.<Integer>comparingDouble(k -> -score[k]).thenComparing(k -> k));
        TreeSet<Integer> kept = new TreeSet<>(order.subList(0, count));
        kept.addAll(always);
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void knormKeepsTheLowestKeyNorms() {
        AttentionEvidence ev = evidenceWithKeys(4, 3);
        KeptPositions k = PolicyRegistry.create("knorm", Map.of("budget", 12, "recent", 2)).checkedSelectAfterPrefill(ctx(ev));
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                float[] keys = ev.keys(l, h);
                double[] score = new double[N];
                for (int p = 0; p < N; p++) {
                    double s = 0;
                    for (int j = 0; j < D; j++) {
                        s += Math.pow(keys[p * D + j], 2);
                    }
                    score[p] = -Math.sqrt(s); // low norm = high attention (Devoto et al.)
                }
                assertArrayEquals(topPlus(range(0, N - 2), score, 10, range(N - 2, N)), k.of(l, h));
            }
        }
    }

    @Test
    void keyDiffKeepsTheKeysLeastLikeTheMeanDirection() {
        AttentionEvidence ev = evidenceWithKeys(4, 4);
        KeptPositions k = PolicyRegistry.create("keydiff", Map.of("budget", 9)).checkedSelectAfterPrefill(ctx(ev));
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                float[] keys = ev.keys(l, h);
                List<double[]> unit = new ArrayList<>();
                for (int p = 0; p < N; p++) {
                    double[] v = new double[D];
                    double norm = 0;
                    for (int j = 0; j < D; j++) {
                        v[j] = keys[p * D + j];
                        norm += v[j] * v[j];
                    }
                    for (int j = 0; j < D; j++) {
                        v[j] /= Math.sqrt(norm);
                    }
                    unit.add(v);
                }
                double[] anchor = new double[D];
                unit.forEach(v -> {
                    for (int j = 0; j < D; j++) {
                        anchor[j] += v[j] / N;
                    }
                });
                double an = Math.sqrt(java.util.Arrays.stream(anchor).map(a -> a * a).sum());
                double[] score = new double[N];
                for (int p = 0; p < N; p++) {
                    double dot = 0;
                    for (int j = 0; j < D; j++) {
                        dot += unit.get(p)[j] * anchor[j];
                    }
                    score[p] = -dot / an;
                }
                assertArrayEquals(topPlus(range(0, N), score, 9, List.of()), k.of(l, h));
            }
        }
    }

    @Test
    void keysComeFromTheCacheAsFromTheEvidence() {
        AttentionEvidence ev = evidenceWithKeys(4, 5);
        ArrayKvCache cache = new ArrayKvCache(L, KV, D, 64);
        for (int l = 0; l < L; l++) {
            for (int p = 0; p < N; p++) {
                float[] k = new float[KV * D];
                for (int h = 0; h < KV; h++) {
                    System.arraycopy(ev.keys(l, h), p * D, k, h * D, D);
                }
                cache.append(l, p, k, 0, new float[KV * D], 0);
            }
        }
        var fromCache = new CompressionPolicy.PrefillContext(L, H, KV, N, 128, null, cache);
        for (String name : List.of("knorm", "keydiff")) {
            CompressionPolicy p = PolicyRegistry.create(name, Map.of("budget", 10));
            KeptPositions a = p.checkedSelectAfterPrefill(ctx(ev)), b = p.checkedSelectAfterPrefill(fromCache);
            for (int l = 0; l < L; l++) {
                for (int h = 0; h < KV; h++) {
                    assertArrayEquals(a.of(l, h), b.of(l, h), name);
                }
            }
        }
        var none = new CompressionPolicy.PrefillContext(L, H, KV, N, 128, PolicySelectionTest.randomEvidence(4, 5));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PolicyRegistry.create("knorm", Map.of("budget", 10)).checkedSelectAfterPrefill(none));
        assertTrue(e.getMessage().contains("key vectors"), e.getMessage());
    }

    @Test
    void tovaKeepsWhatTheLastQueryAttendsToAveragedOverTheLayerOrTheHead() {
        AttentionEvidence ev = PolicySelectionTest.randomEvidence(4, 6);
        for (String granularity : List.of("layer", "head")) {
            KeptPositions k = PolicyRegistry.create("tova", Map.of("budget", 11, "granularity", granularity))
                    .checkedSelectAfterPrefill(ctx(ev));
            for (int l = 0; l < L; l++) {
                for (int h = 0; h < KV; h++) {
                    List<Integer> heads = granularity.equals("layer") ? range(0, H) : range(h * H / KV, (h + 1) * H / KV);
                    double[] score = new double[N];
                    for (int head : heads) {
                        float[] last = ev.row(l, head, ev.window() - 1);
                        for (int p = 0; p < N; p++) {
                            score[p] += last[p] / heads.size();
                        }
                    }
                    assertArrayEquals(topPlus(range(0, N - 1), score, 10, List.of(N - 1)), k.of(l, h), granularity);
                }
            }
        }
    }

    @Test
    void tovaEvictsTheLeastAttendedPositionEachDecodeStep() {
        AttentionEvidence ev = PolicySelectionTest.randomEvidence(4, 7);
        CompressionPolicy tova = PolicyRegistry.create("tova", Map.of("budget", 6));
        KeptPositions kept = tova.checkedSelectAfterPrefill(ctx(ev));
        ArrayKvCache cache = new ArrayKvCache(L, KV, 2, 128);
        Random r = new Random(8);
        for (int l = 0; l < L; l++) {
            for (int p : kept.of(l, 0)) {
                cache.append(l, p, new float[KV * 2], 0, new float[KV * 2], 0);
            }
            cache.append(l, N, new float[KV * 2], 0, new float[KV * 2], 0); // the decoded token
        }
        float[][][] weights = new float[L][H][7];
        for (float[][] layer : weights) {
            for (float[] w : layer) {
                for (int s = 0; s < 7; s++) {
                    w[s] = r.nextFloat();
                }
            }
        }
        int[][][] next = tova.checkedDecodeStep(new CompressionPolicy.DecodeContext(N, cache, weights, H));
        for (int l = 0; l < L; l++) {
            int victim = -1;
            double low = Double.MAX_VALUE;
            for (int s = 0; s < 6; s++) { // never the token just added (slot 6)
                double mean = 0;
                for (int head = 0; head < H; head++) {
                    mean += weights[l][head][s] / H;
                }
                if (mean < low) {
                    low = mean;
                    victim = s;
                }
            }
            List<Integer> expected = new ArrayList<>();
            for (int s = 0; s < 7; s++) {
                if (s != victim) {
                    expected.add(cache.positions(l, 0)[s]);
                }
            }
            for (int h = 0; h < KV; h++) {
                assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), next[l][h]);
            }
        }
    }

    /** SnapKV's score with kernel 1 and mean aggregation: window attention summed, averaged over the group. */
    static double[] snapScore(AttentionEvidence ev, int layer, int kvHead, int window) {
        double[] s = new double[N];
        int group = H / KV;
        for (int g = 0; g < group; g++) {
            for (int r = ev.window() - window; r < ev.window(); r++) {
                float[] row = ev.row(layer, kvHead * group + g, r);
                for (int k = 0; k < N - window; k++) {
                    s[k] += row[k] / group;
                }
            }
        }
        return s;
    }

    @Test
    void adaKvRunsOneTopKOverAllHeadsOfALayerAfterTheSafeguard() {
        AttentionEvidence ev = PolicySelectionTest.randomEvidence(8, 9);
        int budget = 14, window = 4;
        for (double alpha : new double[] {0, 0.5}) {
            KeptPositions k = PolicyRegistry.create("ada-snapkv", Map.of("budget", budget, "window", window, "kernel", 1,
                    "safeguard", alpha)).checkedSelectAfterPrefill(ctx(ev));
            for (int l = 0; l < L; l++) {
                assertAdaLayer(ev, k, l, budget, window, alpha);
            }
        }
    }

    /** Ada-KV over PyramidKV scoring: PyramidKV's layer budgets (25, 16, 7 here), Ada's one top-k inside each layer. */
    @Test
    void adaPyramidKvRunsOneTopKOverAllHeadsWithinEachPyramidLayerBudget() {
        AttentionEvidence ev = PolicySelectionTest.randomEvidence(8, 13);
        int[] layerBudgets = {25, 16, 7}; // budget 16, window 4, β 4: PolicySelectionTest's naive pyramid
        for (double alpha : new double[] {0, 0.5}) {
            KeptPositions k = PolicyRegistry.create("ada-pyramidkv", Map.of("budget", 16, "window", 4, "beta", 4.0,
                    "kernel", 1, "safeguard", alpha)).checkedSelectAfterPrefill(ctx(ev));
            for (int l = 0; l < L; l++) {
                assertAdaLayer(ev, k, l, layerBudgets[l], 4, alpha);
            }
        }
    }

    /**
     * Ada-KV's selection of one layer from its paper: every head keeps its window and its own top
     * ⌊α·budget⌋ − window positions, then one top-k over all heads' remaining SnapKV scores fills
     * the layer's kv-heads × (budget − window) selected entries (ties: lower head, earlier position).
     */
    private static void assertAdaLayer(AttentionEvidence ev, KeptPositions k, int l, int budget, int window,
                                       double alpha) {
        int safe = Math.max(0, (int) Math.floor(alpha * budget) - window);
        List<TreeSet<Integer>> kept = new ArrayList<>();
        List<double[]> candidates = new ArrayList<>(); // {score, head, position}
        for (int h = 0; h < KV; h++) {
            double[] s = snapScore(ev, l, h, window);
            TreeSet<Integer> own = new TreeSet<>();
            for (int p : topPlus(range(0, N - window), s, safe, List.of())) {
                own.add(p);
            }
            for (int p = 0; p < N - window; p++) {
                if (!own.contains(p)) {
                    candidates.add(new double[] {s[p], h, p});
                }
            }
            own.addAll(range(N - window, N));
            kept.add(own);
        }
        candidates.sort(Comparator.<double[]>comparingDouble(c -> -c[0]).thenComparingDouble(c -> c[1])
                .thenComparingDouble(c -> c[2]));
        for (double[] c : candidates.subList(0, KV * (budget - window) - KV * safe)) {
            kept.get((int) c[1]).add((int) c[2]);
        }
        int total = 0;
        for (int h = 0; h < KV; h++) {
            assertArrayEquals(kept.get(h).stream().mapToInt(Integer::intValue).toArray(), k.of(l, h),
                    "alpha " + alpha + " layer " + l + " head " + h);
            total += k.of(l, h).length;
        }
        assertEquals(KV * budget, total, "the layer's memory equals kv-heads × its budget");
    }

    @Test
    void adaKvWithAFullSafeguardIsSnapKv() {
        AttentionEvidence ev = PolicySelectionTest.randomEvidence(8, 10);
        Map<String, Object> common = Map.of("budget", 12, "window", 4, "beta", 3.0);
        KeptPositions ada = PolicyRegistry.create("ada-pyramidkv", with(common, "safeguard", 1.0))
                .checkedSelectAfterPrefill(ctx(ev));
        KeptPositions pyramid = PolicyRegistry.create("pyramidkv", common).checkedSelectAfterPrefill(ctx(ev));
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                assertArrayEquals(pyramid.of(l, h), ada.of(l, h));
            }
        }
    }

    static Map<String, Object> with(Map<String, Object> m, String k, Object v) {
        Map<String, Object> out = new java.util.HashMap<>(m);
        out.put(k, v);
        return out;
    }

    @Test
    void cakeSplitsBudgetsByDispersionAndCascades() {
        cakeSplitsBudgetsByDispersionAndCascades(layeredEvidence(8, 11, false));
    }

    /** The same from the window rows' moments, added up as the rows arrived (evidence window = CAKE's). */
    @Test
    void cakeFromTheWindowMomentsSplitsBudgetsByDispersionAndCascades() {
        cakeSplitsBudgetsByDispersionAndCascades(layeredEvidence(6, 11, true));
    }

    private static void cakeSplitsBudgetsByDispersionAndCascades(AttentionEvidence ev) {
        int budget = 12, window = 6, kernel = 3;
        double tau1 = 1.6, tau2 = 0.6, gamma = 50;
        KeptPositions k = PolicyRegistry.create("cake", Map.of("budget", budget, "window", window, "kernel", kernel,
                "tau1", tau1, "tau2", tau2, "gamma", gamma)).checkedSelectAfterPrefill(ctx(ev));
        int prefix = N - window;
        double[] pref = new double[L];
        List<List<double[]>> indicator = new ArrayList<>(); // [layer][kvHead][position]
        for (int l = 0; l < L; l++) {
            double entropy = 0, variance = 0;
            List<double[]> perKv = new ArrayList<>();
            for (int h = 0; h < KV; h++) {
                perKv.add(new double[prefix]);
            }
            for (int head = 0; head < H; head++) {
                double[] raw = new double[prefix];
                for (int key = 0; key < prefix; key++) {
                    List<Double> column = new ArrayList<>();
                    for (int r = ev.window() - window; r < ev.window(); r++) {
                        column.add((double) ev.row(l, head, r)[key]);
                    }
                    double mean = column.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
                    double var = column.stream().mapToDouble(a -> (a - mean) * (a - mean)).sum() / (window - 1);
                    for (double a : column) {
                        entropy -= a * Math.log(a + 1e-10);
                    }
                    variance += var;
                    raw[key] = mean + gamma * var;
                }
                for (int key = 0; key < prefix; key++) {
                    double s = 0;
                    for (int j = key - kernel / 2; j <= key + kernel / 2; j++) {
                        s += j >= 0 && j < prefix ? raw[j] : 0;
                    }
                    perKv.get(head / (H / KV))[key] += s / kernel / (H / KV);
                }
            }
            pref[l] = Math.pow(entropy, 1 / tau1) * Math.pow(variance, 1 / tau2);
            indicator.add(perKv);
        }
        // cascade: after each layer, split L·(budget − window) among the layers seen and cut them to it
        List<List<TreeSet<Integer>>> sets = new ArrayList<>();
        long total = (long) L * (budget - window);
        for (int m = 0; m < L; m++) {
            List<TreeSet<Integer>> fresh = new ArrayList<>();
            for (int h = 0; h < KV; h++) {
                fresh.add(new TreeSet<>(range(0, prefix)));
            }
            sets.add(fresh);
            int[] share = largestRemainder(java.util.Arrays.copyOf(pref, m + 1), Math.min(total, (long) (m + 1) * prefix));
            for (int l = 0; l <= m; l++) {
                for (int h = 0; h < KV; h++) {
                    double[] s = indicator.get(l).get(h);
                    List<Integer> current = new ArrayList<>(sets.get(l).get(h));
                    int[] cut = topPlus(current, s, Math.min(share[l], current.size()), List.of());
                    TreeSet<Integer> next = new TreeSet<>();
                    for (int p : cut) {
                        next.add(p);
                    }
                    sets.get(l).set(h, next);
                }
            }
        }
        int kept = 0;
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                TreeSet<Integer> expected = new TreeSet<>(sets.get(l).get(h));
                expected.addAll(range(prefix, N));
                assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), k.of(l, h), "layer " + l);
                kept += k.of(l, h).length;
            }
        }
        assertTrue(kept <= L * KV * budget);
        assertNotEquals(k.of(0, 0).length, k.of(L - 1, 0).length, "layers get different budgets on this evidence");
    }

    /** Random attention whose concentration grows with depth (upper layers funnel). */
    static AttentionEvidence layeredEvidence(int window, long seed) {
        return layeredEvidence(window, seed, false);
    }

    /** {@link #layeredEvidence(int, long)}, with the window rows' moments when {@code moments}. */
    static AttentionEvidence layeredEvidence(int window, long seed, boolean moments) {
        AttentionEvidence ev = new AttentionEvidence(L, H, KV, N, window, true, moments);
        var c = new org.kvscope.trace.EvidenceCollector(ev);
        Random r = new Random(seed);
        int[] positions = range(0, N).stream().mapToInt(Integer::intValue).toArray();
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < H; h++) {
                for (int q = 0; q < N; q++) {
                    float[] w = new float[q + 1];
                    float sum = 0;
                    for (int k = 0; k <= q; k++) {
                        w[k] = (float) Math.pow(r.nextDouble(), 1 + 6 * l);
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

    /** Floor of each proportional share, the rest to the largest remainders (no caps bind here). */
    static int[] largestRemainder(double[] weights, long total) {
        double sum = java.util.Arrays.stream(weights).sum();
        int[] out = new int[weights.length];
        double[] rest = new double[weights.length];
        long given = 0;
        for (int i = 0; i < weights.length; i++) {
            double exact = total * weights[i] / sum;
            out[i] = (int) Math.floor(exact);
            rest[i] = exact - out[i];
            given += out[i];
        }
        while (given < total) {
            int best = 0;
            for (int i = 1; i < weights.length; i++) {
                if (rest[i] > rest[best]) {
                    best = i;
                }
            }
            out[best]++;
            rest[best] = -1;
            given++;
        }
        return out;
    }

    @Test
    void autoScheduleFollowsEachLayersPositionsForNinetyPercentOfTheMass() {
        AttentionEvidence ev = PolicySelectionTest.randomEvidence(8, 12);
        int budget = 12, window = 4;
        double[] need = new double[L];
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < H; h++) {
                for (int r = 0; r < ev.window(); r++) {
                    List<Double> row = new ArrayList<>();
                    for (int k = 0; k <= ev.firstWindowQuery() + r; k++) {
                        row.add((double) ev.row(l, h, r)[k]);
                    }
                    double totalMass = row.stream().mapToDouble(Double::doubleValue).sum();
                    row.sort(Comparator.reverseOrder());
                    double acc = 0;
                    int count = 0;
                    while (acc < 0.9 * totalMass - 1e-9) {
                        acc += row.get(count++);
                    }
                    need[l] += count / (double) (H * ev.window());
                }
            }
        }
        int[] expected = largestRemainder(need, (long) L * (budget - window));
        KeptPositions k = PolicyRegistry.create("snapkv", Map.of("budget", budget, "window", window, "schedule", "auto"))
                .checkedSelectAfterPrefill(ctx(ev));
        for (int l = 0; l < L; l++) {
            assertEquals(expected[l] + window, k.of(l, 0).length, "layer " + l);
        }
        assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("pyramidinfer", Map.of("schedule", "auto")));
    }

    @Test
    void everyBuiltInRegistersThroughTheServiceLoader() {
        List<String> names = PolicyRegistry.entries().stream().map(PolicyRegistry.Entry::name).toList();
        assertTrue(names.containsAll(List.of("fullkv", "streamingllm", "h2o", "snapkv", "pyramidkv", "pyramidinfer",
                "tova", "ada-snapkv", "ada-pyramidkv", "cake", "knorm", "keydiff")), names.toString());
        assertTrue(PolicyRegistry.entries().stream().noneMatch(PolicyRegistry.Entry::isPlugin));
        assertTrue(PolicyRegistry.problems().isEmpty(), PolicyRegistry.problems().toString());
    }
}
