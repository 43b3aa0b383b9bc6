package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.EvidenceCollector;
import org.kvscope.trace.WindowScoring;
import org.junit.jupiter.api.Test;

/**
 * The selection speed-ups of issue 15 keep every kept set: each optimised policy against its
 * previous plain loops (copied here), on prompts long enough for the vectorised paths, their
 * tails and the parallel layers.
 */
class FastSelectionTest {
    static final int L = 4, H = 6, KV = 2, N = 700, WINDOW = 8;

    /** Window rows only (what a session gathers for SnapKV-style policies). */
    static AttentionEvidence windowEvidence(long seed) {
        return windowEvidence(seed, false);
    }

    /** Window rows only, and with {@code moments} their moments added up as they arrive (what a session gathers for CAKE). */
    static AttentionEvidence windowEvidence(long seed, boolean moments) {
        return windowEvidence(seed, moments, null);
    }

    /** As above, and with a {@code scoring} the window scores computed as the rows arrive. */
    static AttentionEvidence windowEvidence(long seed, boolean moments, WindowScoring scoring) {
        AttentionEvidence ev = new AttentionEvidence(L, H, KV, N, WINDOW, false, moments);
        if (scoring != null) {
            ev.computeWindowScores(scoring);
        }
        EvidenceCollector c = new EvidenceCollector(ev);
        Random r = new Random(seed);
        int[] positions = new int[N];
        Arrays.setAll(positions, i -> i);
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < H; h++) {
                for (int q = N - WINDOW; q < N; q++) {
                    float[] w = new float[q + 1];
                    float sum = 0;
                    for (int k = 0; k <= q; k++) {
                        w[k] = k % 97 == 5 ? 0f : (float) Math.pow(r.nextDouble(), 2 + 3 * l);
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

    static CompressionPolicy.PrefillContext ctx(AttentionEvidence ev, KvCache cache) {
        return new CompressionPolicy.PrefillContext(L, H, KV, N, N + 16, ev, cache);
    }

    /** The previous pooling: one output at a time over its in-range neighbours. */
    static float[] previousPool(float[] x, int kernel, boolean max) {
        if (kernel <= 1) {
            return x.clone();
        }
        int half = kernel / 2;
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float acc = max ? Float.NEGATIVE_INFINITY : 0f;
            for (int j = Math.max(0, i - half); j <= Math.min(x.length - 1, i + half); j++) {
                acc = max ? Math.max(acc, x[j]) : acc + x[j];
            }
            out[i] = max ? acc : acc / kernel;
        }
        return out;
    }

    @Test
    void poolingEqualsThePreviousLoopBitForBit() {
        Random r = new Random(1);
        for (int len : new int[] {0, 1, 2, 3, 5, 6, 7, 8, 17, 40, 63, 64, 65, 700, 2040}) {
            float[] x = new float[len];
            for (int i = 0; i < len; i++) {
                x[i] = i % 11 == 0 ? 0f : (float) r.nextDouble() * (i % 3 == 0 ? 1e-6f : 1f);
            }
            for (int kernel : new int[] {1, 3, 5, 7, 9, 63}) {
                for (boolean max : new boolean[] {false, true}) {
                    assertArrayEquals(previousPool(x, kernel, max), SnapKvPolicy.pool(x, kernel, max),
                            "length " + len + " kernel " + kernel + (max ? " max" : " avg"));
                }
            }
        }
    }

    /** The previous SnapKV scores of one kv-head (row sums, pooling, aggregation). */
    static float[] previousSnapKv(AttentionEvidence ev, int layer, int kvHead, int kernel, boolean maxPool,
                                  boolean maxAggregation) {
        return previousSnapKv(ev, layer, kvHead, kernel, maxPool, maxAggregation, WINDOW);
    }

    /** {@link #previousSnapKv} from the evidence's last {@code alpha} rows. */
    static float[] previousSnapKv(AttentionEvidence ev, int layer, int kvHead, int kernel, boolean maxPool,
                                  boolean maxAggregation, int alpha) {
        int upto = N - alpha, group = H / KV;
        float[] out = new float[N];
        if (maxAggregation) {
            Arrays.fill(out, 0, upto, Float.NEGATIVE_INFINITY);
        }
        for (int g = 0; g < group; g++) {
            float[] raw = new float[upto];
            for (int r = ev.window() - alpha; r < ev.window(); r++) {
                float[] row = ev.row(layer, kvHead * group + g, r);
                for (int k = 0; k < upto; k++) {
                    raw[k] += row[k];
                }
            }
            float[] pooled = previousPool(raw, kernel, maxPool);
            for (int k = 0; k < upto; k++) {
                out[k] = maxAggregation ? Math.max(out[k], pooled[k]) : out[k] + pooled[k] / group;
            }
        }
        return out;
    }

    @Test
    void snapKvPyramidKvAndAdaKvKeepWhatThePreviousScoresKept() {
        AttentionEvidence ev = windowEvidence(2);
        var ctx = ctx(ev, null);
        for (String pooling : List.of("avg", "max")) {
            for (String aggregation : List.of("mean", "max")) {
                Map<String, Object> p = Map.of("budget", 64, "window", WINDOW, "kernel", 7, "pooling", pooling,
                        "aggregation", aggregation);
                for (String name : List.of("snapkv", "pyramidkv", "ada-snapkv")) {
                    ScoredPolicy policy = (ScoredPolicy) PolicyRegistry.create(name, p);
                    KeptPositions kept = policy.checkedSelectAfterPrefill(ctx);
                    int[] budgets = policy.layerBudgets(ctx);
                    for (int l = 0; l < L; l++) {
                        float[][] scores = new float[KV][];
                        for (int h = 0; h < KV; h++) {
                            scores[h] = previousSnapKv(ev, l, h, 7, pooling.equals("max"), aggregation.equals("max"));
                            assertArrayEquals(scores[h], policy.positionScores(ctx, l, h), name + " scores");
                        }
                        int[][] want = new int[KV][];
                        for (int h = 0; h < KV; h++) {
                            want[h] = ScoredPolicy.select(scores[h], N, 0, WINDOW, budgets[l]);
                        }
                        if (name.startsWith("ada")) {
                            want = previousAdaLayer(scores, N, WINDOW, budgets[l], 0.2);
                        }
                        for (int h = 0; h < KV; h++) {
                            assertArrayEquals(want[h], kept.of(l, h), name + " " + p + " layer " + l + " head " + h);
                        }
                    }
                }
            }
        }
    }

    /** The previous Ada-KV layer: every remaining candidate's key in one array, partitioned, then flags per position. */
    static int[][] previousAdaLayer(float[][] scores, int n, int window, int budget, double alpha) {
        int heads = scores.length;
        int selectable = Math.max(0, Math.min(budget, n) - window);
        int safe = Math.max(0, Math.min(selectable, (int) Math.floor(alpha * budget) - window));
        long[] pool = new long[heads * Math.max(0, n - window)];
        int pooled = 0;
        boolean[][] chosen = new boolean[heads][n];
        int taken = 0;
        int[][] owns = ScoredPolicy.select(scores, n, 0, window, safe + window);
        for (int h = 0; h < heads; h++) {
            for (int p : owns[h]) {
                if (p < n - window) {
                    chosen[h][p] = true;
                    taken++;
                }
            }
            for (int p = 0; p < n - window; p++) {
                if (!chosen[h][p]) {
                    pool[pooled++] = TopK.key(scores[h][p], h * n + p);
                }
            }
        }
        int more = Math.max(0, Math.min(pooled, heads * selectable - taken));
        TopK.partition(pool, pooled, more);
        for (int i = 0; i < more; i++) {
            int flat = TopK.index(pool[i]);
            chosen[flat / n][flat % n] = true;
        }
        int[][] out = new int[heads][];
        for (int h = 0; h < heads; h++) {
            int[] kept = new int[n];
            int k = 0;
            for (int p = 0; p < n; p++) {
                if (p >= n - window || chosen[h][p]) {
                    kept[k++] = p;
                }
            }
            out[h] = Arrays.copyOf(kept, k);
        }
        return out;
    }

    /**
     * Ada-KV's layer selection (a heap over the remaining candidates, no array of them) keeps what the previous
     * loops kept: scores with many ties, −0 and +0, every safeguard share, budgets from below the window to
     * the whole prompt.
     */
    @Test
    void adaKvLayerKeepsWhatThePreviousLoopsKept() {
        Random r = new Random(21);
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + r.nextInt(300), heads = 1 + r.nextInt(4), window = r.nextInt(Math.min(n, 12) + 1);
            float[][] scores = new float[heads][n];
            for (float[] row : scores) {
                for (int p = 0; p < n; p++) {
                    row[p] = switch (r.nextInt(6)) {
                        case 0 -> 0f;
                        case 1 -> -0f;
                        case 2 -> r.nextInt(4) / 4f;
                        default -> r.nextFloat();
                    };
                }
            }
            for (int budget : new int[] {1, window, window + 1, n / 3 + 1, n, n + 5}) {
                for (double alpha : new double[] {0, 0.2, 0.5, 1}) {
                    int[][] want = previousAdaLayer(scores, n, window, budget, alpha);
                    int[][] got = AdaKvPolicy.selectLayer(scores, n, window, budget, alpha);
                    for (int h = 0; h < heads; h++) {
                        assertArrayEquals(want[h], got[h], "n " + n + " window " + window + " budget " + budget
                                + " alpha " + alpha + " head " + h);
                    }
                }
            }
        }
    }

    /** The four interleaved sums of squares (K-norm, KeyDiff): the plain sum of squares, every length (tail included), from any offset. */
    @Test
    void knormSumOfSquaresIsThePlainSumAtEveryLength() {
        Random r = new Random(9);
        float[] x = new float[200];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian() * (i % 5 == 0 ? 1e-3f : 3f);
        }
        for (int d : new int[] {0, 1, 3, 4, 5, 7, 8, 64, 67}) {
            for (int o : new int[] {0, 1, 13}) {
                double plain = 0;
                for (int j = 0; j < d; j++) {
                    plain += (double) x[o + j] * x[o + j];
                }
                assertEquals(plain, DoubleSums.sumOfSquares(x, o, d), 1e-15 * plain, "d=" + d + " o=" + o);
            }
        }
    }

    /** A capture's evidence is wider than the policy's window: the policy sums its own last rows, as before. */
    @Test
    void snapKvOnEvidenceWiderThanItsWindowScoresItsOwnLastRows() {
        AttentionEvidence ev = windowEvidence(4);
        var ctx = ctx(ev, null);
        for (int alpha : new int[] {1, 5}) {
            ScoredPolicy policy = (ScoredPolicy) PolicyRegistry.create("snapkv", Map.of("budget", 64, "window", alpha));
            for (int l = 0; l < L; l++) {
                for (int h = 0; h < KV; h++) {
                    assertArrayEquals(previousSnapKv(ev, l, h, 7, false, false, alpha), policy.positionScores(ctx, l, h),
                            "window " + alpha + " layer " + l + " head " + h);
                }
            }
        }
    }

    /** The previous CAKE preference: key by key, each row's entropy term with Math.log. */
    static double previousPreference(AttentionEvidence ev, int layer, double tau1, double tau2) {
        int upto = N - WINDOW;
        double entropy = 0, variance = 0;
        for (int head = 0; head < H; head++) {
            for (int k = 0; k < upto; k++) {
                double sum = 0, sq = 0;
                for (int r = 0; r < WINDOW; r++) {
                    double a = ev.row(layer, head, r)[k];
                    entropy -= a * Math.log(a + 1e-10);
                    sum += a;
                    sq += a * a;
                }
                variance += Math.max(0, (sq - sum * sum / WINDOW) / (WINDOW - 1));
            }
        }
        return Math.pow(entropy, 1 / tau1) * Math.pow(variance, 1 / tau2);
    }

    /** The previous CAKE scores of one kv-head. */
    static float[] previousCakeScores(AttentionEvidence ev, int layer, int kvHead, double gamma, int kernel) {
        int upto = N - WINDOW, group = H / KV;
        float[] out = new float[N];
        float[] raw = new float[upto];
        for (int g = 0; g < group; g++) {
            for (int k = 0; k < upto; k++) {
                double sum = 0, sq = 0;
                for (int r = 0; r < WINDOW; r++) {
                    double a = ev.row(layer, kvHead * group + g, r)[k];
                    sum += a;
                    sq += a * a;
                }
                double var = Math.max(0, (sq - sum * sum / WINDOW) / (WINDOW - 1));
                raw[k] = (float) (sum / WINDOW + gamma * var);
            }
            float[] pooled = previousPool(raw, kernel, false);
            for (int k = 0; k < upto; k++) {
                out[k] += pooled[k] / group;
            }
        }
        return out;
    }

    @Test
    void cakeKeepsWhatThePreviousLoopsKept() {
        cakeKeepsWhatThePreviousLoopsKept(false);
    }

    /** The moments the evidence added up during the prefill give CAKE the very figures its own pass gives. */
    @Test
    void cakeFromTheWindowMomentsKeepsWhatThePreviousLoopsKept() {
        cakeKeepsWhatThePreviousLoopsKept(true);
    }

    /**
     * The kv-heads' scores the evidence computed from the moments as each kv-head's last window row arrived
     * (CAKE's {@link CompressionPolicy#windowScoring}) are the previous loops' floats, and CAKE keeps the same sets.
     */
    @Test
    void cakeFromScoresComputedDuringThePrefillKeepsWhatThePreviousLoopsKept() {
        cakeKeepsWhatThePreviousLoopsKept(true, true);
    }

    private static void cakeKeepsWhatThePreviousLoopsKept(boolean moments) {
        cakeKeepsWhatThePreviousLoopsKept(moments, false);
    }

    private static void cakeKeepsWhatThePreviousLoopsKept(boolean moments, boolean scored) {
        int budget = 64;
        CakePolicy cake = (CakePolicy) PolicyRegistry.create("cake", Map.of("budget", budget, "window", WINDOW));
        AttentionEvidence ev = windowEvidence(3, moments, scored ? cake.windowScoring() : null);
        assertEquals(moments, ev.hasWindowMoments());
        if (scored) {
            for (int l = 0; l < L; l++) {
                for (int h = 0; h < KV; h++) {
                    assertArrayEquals(previousCakeScores(ev, l, h, 200, 5), ev.windowScores(l, h), "layer " + l + " head " + h);
                }
            }
        }
        var ctx = ctx(ev, null);
        KeptPositions kept = cake.checkedSelectAfterPrefill(ctx);
        double[] preference = new double[L];
        for (int l = 0; l < L; l++) {
            preference[l] = previousPreference(ev, l, 1.6, 0.6);
            double now = cake.preference(ctx, l);
            assertEquals(preference[l], now, Math.abs(preference[l]) * 1e-12, "layer " + l);
        }
        int[] keep = CakePolicy.cascade(preference, (long) L * (budget - WINDOW), N - WINDOW);
        assertArrayEquals(Arrays.stream(keep).map(k -> k + WINDOW).toArray(), cake.layerBudgets(ctx));
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                float[] scores = previousCakeScores(ev, l, h, 200, 5);
                assertArrayEquals(scores, cake.positionScores(ctx, l, h), "layer " + l + " head " + h);
                assertArrayEquals(ScoredPolicy.select(scores, N, 0, WINDOW, keep[l] + WINDOW), kept.of(l, h));
            }
        }
    }

    /** Accumulated attention of every head (random, a few zeros and ties), for H2O. */
    static AttentionEvidence accumulatedEvidence(int keys, long seed) {
        AttentionEvidence ev = new AttentionEvidence(L, H, KV, keys, 1, true);
        Random r = new Random(seed);
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < H; h++) {
                float[] acc = ev.accumulated(l, h);
                for (int k = 0; k < keys; k++) {
                    acc[k] = k % 89 == 3 ? 0f : k % 61 == 2 ? 0.5f : (float) (r.nextDouble() * (keys - k) / 40);
                }
            }
        }
        return ev;
    }

    /** The previous H2O scores: the kv-head's query heads' accumulated attention added element by element. */
    static float[] previousH2o(AttentionEvidence ev, int layer, int kvHead) {
        int group = H / KV;
        float[] out = new float[ev.keyCount()];
        for (int g = 0; g < group; g++) {
            float[] acc = ev.accumulated(layer, kvHead * group + g);
            for (int k = 0; k < out.length; k++) {
                out[k] += acc[k];
            }
        }
        return out;
    }

    /** A cache holding, per layer and kv-head, the kept positions and the decoded position {@code next}. */
    static ArrayKvCache cacheHolding(KeptPositions kept, int next) {
        ArrayKvCache cache = new ArrayKvCache(L, KV, 2, next + 1);
        for (int l = 0; l < L; l++) {
            for (int p = 0; p <= next; p++) {
                cache.append(l, p, new float[KV * 2], 0, new float[KV * 2], 0);
            }
            for (int h = 0; h < KV; h++) {
                int[] slots = kept == null ? java.util.stream.IntStream.rangeClosed(0, next).toArray()
                        : java.util.stream.IntStream.concat(Arrays.stream(kept.of(l, h)), java.util.stream.IntStream.of(next))
                        .toArray();
                cache.retain(l, h, slots);
            }
        }
        return cache;
    }

    @Test
    void h2oScoresOnceAndDecodesFromThePromptScores() {
        AttentionEvidence ev = accumulatedEvidence(N, 5);
        var ctx = ctx(ev, null);
        CompressionPolicy h2o = PolicyRegistry.create("h2o", Map.of("budget", 64, "recent", 4));
        KeptPositions kept = h2o.checkedSelectAfterPrefill(ctx);
        float[][][] want = new float[L][KV][];
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                want[l][h] = previousH2o(ev, l, h);
                assertArrayEquals(want[l][h], ((ScoredPolicy) h2o).positionScores(ctx, l, h), "layer " + l + " head " + h);
                assertArrayEquals(ScoredPolicy.select(want[l][h], N, 0, 4, 64), kept.of(l, h));
            }
        }
        // one decode step over the budget (no attention added) evicts the kept prompt position scored lowest
        ArrayKvCache cache = cacheHolding(kept, N);
        int[][][] next = h2o.checkedDecodeStep(new CompressionPolicy.DecodeContext(N, cache, new float[L][H][N + 1], H));
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                float[] score = want[l][h];
                int victim = Arrays.stream(kept.of(l, h)).filter(p -> p <= N - 4)
                        .reduce((a, b) -> score[b] < score[a] ? b : a).orElseThrow();
                int[] expected = java.util.stream.IntStream.concat(Arrays.stream(kept.of(l, h)), java.util.stream.IntStream.of(N))
                        .filter(p -> p != victim).toArray();
                assertArrayEquals(expected, next[l][h], "layer " + l + " head " + h);
            }
        }
    }

    @Test
    void h2oWithAPromptWithinItsBudgetStillDecodesFromThePromptScores() {
        int n = 40, budget = 40;
        AttentionEvidence ev = accumulatedEvidence(n, 6);
        var ctx = new CompressionPolicy.PrefillContext(L, H, KV, n, n + 16, ev, null);
        CompressionPolicy h2o = PolicyRegistry.create("h2o", Map.of("budget", budget, "recent", 4));
        assertEquals(null, h2o.checkedSelectAfterPrefill(ctx), "a prompt within the budget is kept whole");
        ArrayKvCache cache = cacheHolding(null, n);
        int[][][] next = h2o.checkedDecodeStep(new CompressionPolicy.DecodeContext(n, cache, new float[L][H][n + 1], H));
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                float[] score = previousH2o(ev, l, h);
                int victim = java.util.stream.IntStream.rangeClosed(0, n - 4).boxed()
                        .reduce((a, b) -> (b < n ? score[b] : 0f) < (a < n ? score[a] : 0f) ? b : a).orElseThrow();
                assertEquals(n, next[l][h].length, "one of " + (n + 1) + " evicted");
                assertTrue(Arrays.stream(next[l][h]).noneMatch(p -> p == victim), "layer " + l + " head " + h
                        + " evicts position " + victim);
            }
        }
    }

    /** The previous TOVA scores of one kv-head: the last query's row divided and added head by head. */
    static float[] previousTova(AttentionEvidence ev, int layer, int first, int count) {
        float[] out = new float[N];
        for (int head = first; head < first + count; head++) {
            float[] row = ev.row(layer, head, ev.window() - 1);
            for (int k = 0; k < N; k++) {
                out[k] += row[k] / count;
            }
        }
        return out;
    }

    @Test
    void tovaKeepsWhatThePreviousPerHeadScoresKept() {
        AttentionEvidence ev = windowEvidence(4);
        var ctx = ctx(ev, null);
        for (String granularity : List.of("layer", "head")) {
            ScoredPolicy tova = (ScoredPolicy) PolicyRegistry.create("tova", Map.of("budget", 64, "granularity", granularity));
            KeptPositions kept = tova.checkedSelectAfterPrefill(ctx);
            for (int l = 0; l < L; l++) {
                for (int h = 0; h < KV; h++) {
                    float[] want = granularity.equals("layer") ? previousTova(ev, l, 0, H)
                            : previousTova(ev, l, h * (H / KV), H / KV);
                    assertArrayEquals(want, tova.positionScores(ctx, l, h), granularity + " layer " + l + " head " + h);
                    assertArrayEquals(ScoredPolicy.select(want, N, 0, 1, 64), kept.of(l, h), granularity + " layer " + l);
                }
            }
        }
    }

    /** A cache holding positions 0..N-1 with random keys (some keys zero, norms varying by position). */
    static ArrayKvCache keyCache(int d, long seed) {
        return keyCache(d, seed, false);
    }

    /** {@link #keyCache(int, long)}, recording the keys' norms as they are written when {@code norms}. */
    static ArrayKvCache keyCache(int d, long seed, boolean norms) {
        ArrayKvCache cache = new ArrayKvCache(L, KV, d, N + 16);
        assertEquals(norms, norms && cache.recordKeyNorms());
        Random r = new Random(seed);
        float[] k = new float[KV * d];
        for (int l = 0; l < L; l++) {
            for (int p = 0; p < N; p++) {
                for (int i = 0; i < k.length; i++) {
                    k[i] = p % 101 == 7 ? 0f : (float) (r.nextGaussian() * (1 + (p % 5)) + (i % d == 0 ? 2 : 0));
                }
                cache.append(l, p, k, 0, new float[KV * d], 0);
            }
        }
        return cache;
    }

    /** The previous K-norm and KeyDiff scores: plain double loops, the anchor as a mean. */
    static float[] previousKeyScores(String policy, float[] keys, int n, int d) {
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                double v = keys[i * d + j];
                s += v * v;
            }
            norms[i] = Math.sqrt(s);
        }
        float[] out = new float[n];
        if (policy.equals("knorm")) {
            for (int i = 0; i < n; i++) {
                out[i] = (float) -norms[i];
            }
            return out;
        }
        double[] anchor = new double[d];
        for (int i = 0; i < n; i++) {
            norms[i] = Math.max(norms[i], 1e-12);
            for (int j = 0; j < d; j++) {
                anchor[j] += keys[i * d + j] / norms[i] / n;
            }
        }
        double an = 0;
        for (double a : anchor) {
            an += a * a;
        }
        an = Math.max(Math.sqrt(an), 1e-12);
        for (int i = 0; i < n; i++) {
            double dot = 0;
            for (int j = 0; j < d; j++) {
                dot += keys[i * d + j] * anchor[j];
            }
            out[i] = (float) -(dot / (norms[i] * an));
        }
        return out;
    }

    @Test
    void keyScoresReadFromTheCacheKeepWhatThePreviousLoopsKept() {
        for (int d : new int[] {64, 36, 5}) {
            ArrayKvCache cache = keyCache(d, d);
            var ctx = ctx(null, cache);
            for (String name : List.of("knorm", "keydiff")) {
                ScoredPolicy policy = (ScoredPolicy) PolicyRegistry.create(name, Map.of("budget", 64, "recent", 4));
                KeptPositions kept = policy.checkedSelectAfterPrefill(ctx);
                for (int l = 0; l < L; l++) {
                    for (int h = 0; h < KV; h++) {
                        float[] want = previousKeyScores(name, PromptKeys.fromCache(cache, l, h, N), N, d);
                        float[] got = policy.positionScores(ctx, l, h);
                        for (int p = 0; p < N; p++) {
                            assertEquals(want[p], got[p], Math.ulp(want[p]), name + " d=" + d + " position " + p);
                        }
                        assertArrayEquals(ScoredPolicy.select(want, N, 0, 4, 64), kept.of(l, h), name + " d=" + d);
                    }
                }
            }
        }
    }

    /**
     * Ada-KV's layer in the native kernel keeps the Java loops' sets: ties, −0 and +0, NaN and infinities, every
     * safeguard share, budgets from below the window to the whole prompt.
     */
    @Test
    void adaKvLayerNativeKernelKeepsTheJavaLoopsSets() {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.kvscope.tensor.PolicyKernels.available(), "no native kernels");
        Random r = new Random(22);
        for (int trial = 0; trial < 60; trial++) {
            int n = 1 + r.nextInt(400), heads = 1 + r.nextInt(4), window = r.nextInt(Math.min(n, 12) + 1);
            float[][] scores = new float[heads][n];
            for (float[] row : scores) {
                for (int p = 0; p < n; p++) {
                    row[p] = switch (r.nextInt(9)) {
                        case 0 -> 0f;
                        case 1 -> -0f;
                        case 2 -> r.nextInt(4) / 4f;
                        case 3 -> trial % 3 == 0 ? Float.NaN : 0.5f;
                        case 4 -> trial % 4 == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                        default -> (float) r.nextGaussian();
                    };
                }
            }
            for (int budget : new int[] {1, window, window + 1, n / 3 + 1, n / 2, n, n + 5}) {
                for (double alpha : new double[] {0, 0.2, 0.5, 1}) {
                    int end = n - window;
                    int selectable = Math.max(0, Math.min(budget, n) - window);
                    int safe = Math.max(0, Math.min(selectable, (int) Math.floor(alpha * budget) - window));
                    int[][] want = AdaKvPolicy.selectLayerInJava(scores, n, end, safe, selectable);
                    int[][] got = AdaKvPolicy.selectLayer(scores, n, window, budget, alpha);
                    for (int h = 0; h < heads; h++) {
                        assertArrayEquals(want[h], got[h], "n " + n + " window " + window + " budget " + budget
                                + " alpha " + alpha + " head " + h);
                    }
                }
            }
        }
    }

    /** KeyDiff's scores in the native kernel are the Java loops' floats, bit for bit (zero keys included). */
    @Test
    void keyDiffNativeScoresAreTheJavaLoopsFloats() {
        Random random = new Random(17);
        for (int d : new int[] {64, 36, 5}) {
            int n = 259;
            float[] keys = new float[n * d + 7];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = i / d % 17 == 3 ? 0f : (float) random.nextGaussian();
            }
            double[] squares = new double[n], anchor = new double[d];
            for (int i = 0; i < n; i++) {
                squares[i] = DoubleSums.sumOfSquares(keys, i * d, d);
                DoubleSums.axpy(1 / KeyNorms.norm(squares[i]), keys, i * d, anchor, d);
            }
            float[] want = new float[n];
            KeyDiffPolicy.scoresInJava(keys, n, d, squares, anchor, want);
            float[] got = KeyDiffPolicy.scores(keys, n, d, squares, anchor);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "d=" + d + " key " + i);
            }
        }
    }

    /** KeyDiff's anchor products (the native kernel where the library loads) are DoubleSums.dot's doubles, bit for bit. */
    @Test
    void keyDiffAnchorDotsAreTheJavaLoopsDoubles() {
        java.util.Random random = new java.util.Random(15);
        for (int d : new int[] {64, 36, 5}) {
            int n = 259;
            float[] keys = new float[n * d + 7];
            double[] anchor = new double[d];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = (float) random.nextGaussian();
            }
            for (int j = 0; j < d; j++) {
                anchor[j] = random.nextGaussian() * n;
            }
            double[] got = KeyDiffPolicy.anchorDots(keys, n, d, anchor);
            for (int i = 0; i < n; i++) {
                assertEquals(DoubleSums.dot(keys, i * d, anchor, d), got[i], 0.0, "d=" + d + " key " + i);
            }
        }
    }

    /** The norms the cache recorded as the keys were written give the very scores, and kept sets, of a pass over the keys. */
    @Test
    void keyScoresFromTheNormsRecordedAtWritingEqualThoseFromTheKeys() {
        for (int d : new int[] {64, 36, 5}) {
            ArrayKvCache plain = keyCache(d, d), recorded = keyCache(d, d, true);
            var plainCtx = ctx(null, plain);
            var recordedCtx = ctx(null, recorded);
            for (String name : List.of("knorm", "keydiff")) {
                ScoredPolicy policy = (ScoredPolicy) PolicyRegistry.create(name, Map.of("budget", 64, "recent", 4));
                assertTrue(policy.needsKeyNorms(), name);
                KeptPositions want = policy.checkedSelectAfterPrefill(plainCtx);
                KeptPositions got = policy.checkedSelectAfterPrefill(recordedCtx);
                for (int l = 0; l < L; l++) {
                    for (int h = 0; h < KV; h++) {
                        assertEquals(null, plain.keyNorms(l, h));
                        assertTrue(recorded.keyNorms(l, h) != null);
                        assertArrayEquals(policy.positionScores(plainCtx, l, h), policy.positionScores(recordedCtx, l, h),
                                name + " d=" + d + " layer " + l + " head " + h);
                        assertArrayEquals(want.of(l, h), got.of(l, h), name + " d=" + d);
                    }
                }
            }
        }
    }

    /**
     * K-norm's selection ranks the scores the cache recorded as it wrote the keys where they lie (no pass over the
     * keys, no copy): bit for bit the scores of a pass over the keys, and only the prompt's slots are ranked, even
     * where slots past it still hold an earlier prompt's scores (cleared, then a shorter prompt written).
     */
    @Test
    void kNormRanksTheScoresTheCacheRecordedInPlace() {
        int d = 24, m = N - 30;
        ArrayKvCache cache = keyCache(d, 11, true), fresh = keyCache(d, 12, false);
        cache.clear();
        float[] k = new float[KV * d];
        for (int l = 0; l < L; l++) {
            for (int p = 0; p < m; p++) {
                for (int h = 0; h < KV; h++) {
                    System.arraycopy(fresh.keys(l, h), p * d, k, h * d, d);
                }
                cache.append(l, p, k, 0, new float[KV * d], 0);
            }
        }
        var ctx = new CompressionPolicy.PrefillContext(L, H, KV, m, N + 16, null, cache);
        var fromKeys = new CompressionPolicy.PrefillContext(L, H, KV, m, N + 16, null, fresh); // a pass over m keys
        KnormPolicy knorm = (KnormPolicy) PolicyRegistry.create("knorm", Map.of("budget", 64, "recent", 3));
        KeptPositions kept = knorm.checkedSelectAfterPrefill(ctx);
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                float[] want = knorm.positionScores(fromKeys, l, h);
                float[] plain = previousKeyScores("knorm", Arrays.copyOf(fresh.keys(l, h), m * d), m, d);
                for (int p = 0; p < m; p++) {
                    assertEquals(plain[p], want[p], Math.ulp(plain[p]), "position " + p); // zero keys: −0
                }
                float[] ranked = knorm.rankedScores(ctx, l, h);
                assertSame(cache.keyNorms(l, h).negatedNorms(), ranked, "the recorded array, not a copy");
                assertArrayEquals(want, Arrays.copyOf(ranked, m), "layer " + l + " head " + h);
                assertArrayEquals(want, knorm.positionScores(ctx, l, h));
                assertArrayEquals(ScoredPolicy.select(want, m, 0, 3, 64), kept.of(l, h), "layer " + l + " head " + h);
            }
        }
    }

    /**
     * KeyDiff ranks its scores in the buffers it made before the prefill for that cache ({@code prepareSelection}),
     * rewritten by every selection: the kept sets of a fresh instance (new arrays) in two selections in a row, on
     * another cache it made no buffers for, and on the same cache cleared and rewritten with other, fewer keys (the
     * buffers kept, their slots past the new prompt still holding the old scores).
     */
    @Test
    void keyDiffRewritesTheBuffersItMadeBeforeThePrefillInEverySelection() {
        int d = 24, m = N - 30;
        ArrayKvCache cache = keyCache(d, 21, true), other = keyCache(d, 22, true), next = keyCache(d, 23, false);
        KeyDiffPolicy keydiff = (KeyDiffPolicy) PolicyRegistry.create("keydiff", Map.of("budget", 64, "recent", 3));
        var ctx = ctx(null, cache);
        keydiff.prepareSelection(ctx);
        float[] buffer = keydiff.rankedScores(ctx, 1, 1);
        assertSame(buffer, keydiff.rankedScores(ctx, 1, 1), "the prepared buffer, not a new array");
        assertTrue(buffer != keydiff.rankedScores(ctx, 1, 0) && buffer != keydiff.rankedScores(ctx, 0, 1),
                "one buffer per layer and kv-head");
        assertKeepsWhatAFreshKeyDiffKeeps(keydiff, ctx, d);
        assertKeepsWhatAFreshKeyDiffKeeps(keydiff, ctx, d);
        assertKeepsWhatAFreshKeyDiffKeeps(keydiff, ctx(null, other), d);
        cache.clear();
        float[] k = new float[KV * d];
        for (int l = 0; l < L; l++) {
            for (int p = 0; p < m; p++) {
                for (int h = 0; h < KV; h++) {
                    System.arraycopy(next.keys(l, h), p * d, k, h * d, d);
                }
                cache.append(l, p, k, 0, new float[KV * d], 0);
            }
        }
        var shorter = new CompressionPolicy.PrefillContext(L, H, KV, m, N + 16, null, cache);
        keydiff.prepareSelection(shorter);
        assertSame(buffer, keydiff.rankedScores(shorter, 1, 1), "kept: the same cache, long enough");
        assertKeepsWhatAFreshKeyDiffKeeps(keydiff, shorter, d);
    }

    private static void assertKeepsWhatAFreshKeyDiffKeeps(KeyDiffPolicy keydiff, CompressionPolicy.PrefillContext ctx, int d) {
        KeyDiffPolicy fresh = (KeyDiffPolicy) PolicyRegistry.create("keydiff", Map.of("budget", 64, "recent", 3));
        KeptPositions got = keydiff.checkedSelectAfterPrefill(ctx), want = fresh.checkedSelectAfterPrefill(ctx);
        int n = ctx.promptLength();
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                float[] scores = fresh.positionScores(ctx, l, h);
                float[] plain = previousKeyScores("keydiff", Arrays.copyOf(ctx.cache().keys(l, h), n * d), n, d);
                for (int p = 0; p < n; p++) {
                    assertEquals(plain[p], scores[p], 1e-6f, "position " + p);
                }
                assertArrayEquals(ScoredPolicy.select(scores, n, 0, 3, 64), want.of(l, h), "layer " + l + " head " + h);
                assertArrayEquals(want.of(l, h), got.of(l, h), "layer " + l + " head " + h);
                assertArrayEquals(scores, Arrays.copyOf(keydiff.rankedScores(ctx, l, h), n), "layer " + l + " head " + h);
            }
        }
    }

    /** Recorded norms count only while they cover exactly the slots as written. */
    @Test
    void recordedKeyNormsGoWhenSlotsMoveOrWereWrittenBeforeRecording() {
        ArrayKvCache cache = keyCache(8, 3, true);
        KeyNorms before = cache.keyNorms(1, 0);
        double[] squares = Arrays.copyOf(before.squares(), N), sum = before.normalisedSum().clone();
        cache.retain(1, 0, java.util.stream.IntStream.range(0, N).toArray());
        assertTrue(cache.keyNorms(1, 0) != null, "keeping every slot moves nothing");
        cache.retain(1, 0, java.util.stream.IntStream.range(1, N).toArray());
        assertEquals(null, cache.keyNorms(1, 0), "a dropped slot");
        assertTrue(cache.keyNorms(1, 1) != null && cache.keyNorms(0, 0) != null, "other heads keep theirs");
        cache.clear();
        ArrayKvCache again = keyCache(8, 3, false);
        float[] k = new float[KV * 8];
        for (int l = 0; l < L; l++) {
            for (int p = 0; p < N; p++) {
                for (int h = 0; h < KV; h++) {
                    System.arraycopy(again.keys(l, h), p * 8, k, h * 8, 8);
                }
                cache.append(l, p, k, 0, new float[KV * 8], 0);
            }
        }
        assertArrayEquals(squares, Arrays.copyOf(cache.keyNorms(1, 0).squares(), N), "written again after clear");
        assertArrayEquals(sum, cache.keyNorms(1, 0).normalisedSum());
        assertTrue(again.recordKeyNorms());
        assertEquals(null, again.keyNorms(0, 0), "keys written before recording started");
    }

    @Test
    void keyScoresOfACacheMissingPositionsReadThemAsZeros() {
        ArrayKvCache cache = keyCache(16, 4);
        int[] slots = java.util.stream.IntStream.range(0, N).filter(p -> p % 3 != 1).toArray();
        cache.retain(1, 0, slots);
        var ctx = ctx(null, cache);
        for (String name : List.of("knorm", "keydiff")) {
            ScoredPolicy policy = (ScoredPolicy) PolicyRegistry.create(name, Map.of("budget", 64));
            float[] want = previousKeyScores(name, PromptKeys.fromCache(cache, 1, 0, N), N, 16);
            float[] got = policy.positionScores(ctx, 1, 0);
            for (int p = 0; p < N; p++) {
                assertEquals(want[p], got[p], Math.ulp(want[p]), name + " position " + p);
            }
            assertEquals(0f, got[1], 0f, "a position the cache lost scores as a zero key");
        }
    }

    @Test
    void theWindowOnlyCollectorSkipsEarlierRowsAndReadsRowsInPlace() {
        AttentionEvidence windowOnly = new AttentionEvidence(1, 2, 1, 10, 3, false);
        AttentionEvidence accumulating = new AttentionEvidence(1, 2, 1, 10, 3, true);
        EvidenceCollector w = new EvidenceCollector(windowOnly), a = new EvidenceCollector(accumulating);
        assertTrue(!w.wants(0, 0, 6) && w.wants(0, 0, 7) && w.wants(0, 1, 9) && !w.wants(0, 0, 10));
        assertTrue(a.wants(0, 0, 0) && a.wants(0, 1, 9) && !a.wants(0, 0, 10));
        int[] positions = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] scratch = new float[40];
        for (int q = 0; q < 10; q++) {
            Arrays.fill(scratch, -1f);
            for (int k = 0; k <= q; k++) {
                scratch[20 + k] = (q + 1) * 100 + k;
            }
            a.onAttention(0, 1, q, positions, scratch, 20, q + 1);
            w.onAttention(0, 1, q, positions, scratch, 20, q + 1);
        }
        float[] last = windowOnly.row(0, 1, 2);
        assertEquals(1000f, last[0]);
        assertEquals(1009f, last[9]);
        assertArrayEquals(last, accumulating.row(0, 1, 2));
        assertEquals(100f + 200 + 300 + 400 + 500 + 600 + 700 + 800 + 900 + 1000, accumulating.accumulated(0, 1)[0]);
        assertEquals(1009f, accumulating.accumulated(0, 1)[9]);
        float[] sum = new float[10];
        for (int r = 0; r < 3; r++) {
            for (int k = 0; k < 10; k++) {
                sum[k] += windowOnly.row(0, 1, r)[k];
            }
        }
        assertArrayEquals(sum, windowOnly.windowSum(0, 1));
        assertArrayEquals(sum, accumulating.windowSum(0, 1));
        assertArrayEquals(new float[10], windowOnly.windowSum(0, 0), "no rows, no sum");
    }

    /** Rows of a compressed cache (slots hold scattered positions) add to the window sum at their positions. */
    @Test
    void theWindowSumOfScatteredSlotsAddsEachWeightAtItsPosition() {
        AttentionEvidence ev = new AttentionEvidence(1, 1, 1, 12, 2, false);
        EvidenceCollector c = new EvidenceCollector(ev);
        c.onAttention(0, 0, 10, new int[] {0, 3, 7, 10}, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 4);
        c.onAttention(0, 0, 11, new int[] {0, 7, 10, 11}, new float[] {0.25f, 0.25f, 0.25f, 0.25f}, 4);
        float[] want = new float[12];
        want[0] = 0.1f + 0.25f;
        want[3] = 0.2f;
        want[7] = 0.3f + 0.25f;
        want[10] = 0.4f + 0.25f;
        want[11] = 0.25f;
        assertArrayEquals(want, ev.windowSum(0, 0));
        for (int k = 0; k < 12; k++) {
            assertEquals(ev.row(0, 0, 0)[k] + ev.row(0, 0, 1)[k], ev.windowSum(0, 0)[k], "key " + k);
        }
    }
}
