package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.kv.PositionScorer;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.model.Model;

/** The decode-time budget cap and the cache occupancy over a continuation, against naive references. */
class DecodeCapTest {
    @TempDir
    static Path dir;
    static Model model;
    static int[] prompt;

    @BeforeAll
    static void load() throws Exception {
        model = TinyModel.load(dir);
        prompt = TinyModel.prompt(48);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static int[] kept(KvCache c, int l, int h) {
        return Arrays.copyOf(c.positions(l, h), c.size(l, h));
    }

    static InferenceSession session(String policy, Map<String, Object> params, DecodeCap cap) {
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        s.setDecodeCap(cap);
        s.setPolicy(policy == null ? null : PolicyRegistry.create(policy, params));
        return s;
    }

    @Test
    void snapKvGrowsWithoutACapAndOccupancyCountsEveryStep() {
        InferenceSession s = session("snapkv", Map.of("budget", 16, "window", 4), DecodeCap.NONE);
        s.prefill(prompt);
        for (int i = 0; i < 10; i++) {
            s.decode(i + 1);
        }
        KvCache c = s.cache();
        int heads = c.layers() * c.kvHeads();
        assertEquals(26, c.size(0, 0));
        CacheOccupancy o = s.occupancy();
        assertEquals(11, o.samples());
        assertEquals(heads, o.heads());
        assertEquals((16 + 26) / 2.0, o.meanEntriesPerHead(), 1e-9); // 16, 17, …, 26
        assertEquals(26.0, o.peakEntriesPerHead(), 1e-9);
        assertEquals(26, o.peakHeadEntries());
        assertEquals(c.keptBytes(), o.peakBytes());
        assertEquals(o.meanEntries() / o.peakEntries(), o.meanBytes() / o.peakBytes(), 1e-12);
    }

    /** SnapKV's decoded tokens rank below its prompt scores: a sliding window of 4 beside its selection. */
    @Test
    void budgetCapHoldsSnapKvAtItsSelectionAndEvictsByItsOwnScores() {
        assertCapEvictsByPromptScores("snapkv", Map.of("budget", 16, "window", 4), 0, 4, Double.NEGATIVE_INFINITY, 16);
    }

    /**
     * KVzip's reconstruction scores are its position scores: the cap evicts by them, after its 4
     * sinks, and keeps every decoded token until the context's other entries are gone (the method
     * keeps everything after the context), then the oldest decoded one goes.
     */
    @Test
    void budgetCapHoldsKvzipAtItsSelectionAndEvictsItsContextBeforeAnyDecodedToken() {
        assertCapEvictsByPromptScores("kvzip", Map.of("budget", 16), 4, 1, Double.POSITIVE_INFINITY, 16);
    }

    /**
     * Naive reference: a list per head; append, then drop the lowest-scored position that is
     * neither a sink nor within the last {@code window} positions, a decoded position scoring
     * {@code decoded} (equal scores: the oldest).
     */
    private static void assertCapEvictsByPromptScores(String policy, Map<String, Object> params, int sinks, int window,
                                                      double decoded, double meanEntries) {
        InferenceSession s = session(policy, params, DecodeCap.BUDGET);
        s.prefill(prompt);
        KvCache c = s.cache();
        PositionScorer p = (PositionScorer) PolicyRegistry.create(policy, params);
        var ctx = new CompressionPolicy.PrefillContext(c.layers(), model.config().heads(), c.kvHeads(), prompt.length,
                128, s.lastEvidence());
        List<List<Integer>> lists = new ArrayList<>();
        List<float[]> scores = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                List<Integer> list = new ArrayList<>();
                for (int q : kept(c, l, h)) {
                    list.add(q);
                }
                lists.add(list);
                scores.add(p.positionScores(ctx, l, h).clone());
            }
        }
        for (int step = 0; step < 20; step++) {
            int position = prompt.length + step;
            s.decode(step + 3);
            for (int i = 0; i < lists.size(); i++) {
                List<Integer> list = lists.get(i);
                list.add(position);
                float[] sc = scores.get(i);
                Integer victim = null;
                double low = Double.POSITIVE_INFINITY;
                for (int q : list) {
                    if (q < sinks || q > position - window) {
                        continue;
                    }
                    double v = q < prompt.length ? sc[q] : decoded;
                    if (victim == null || v < low) {
                        victim = q;
                        low = v;
                    }
                }
                list.remove(victim);
                int[] expected = list.stream().mapToInt(Integer::intValue).toArray();
                assertArrayEquals(expected, kept(c, i / c.kvHeads(), i % c.kvHeads()),
                        policy + " step " + step + " head " + i);
            }
        }
        CacheOccupancy o = s.occupancy();
        assertEquals(meanEntries, o.meanEntriesPerHead(), 1e-9, policy);
        assertEquals(meanEntries, o.peakEntriesPerHead(), 1e-9, policy);
    }

    /**
     * K-norm and KeyDiff under the cap score every held key, decoded ones included, at each step:
     * naive reference with the key of each position read from the cache while it is held. Only the
     * token just added is protected (recent 0).
     */
    @Test
    void budgetCapOnKeyScoredPoliciesEvictsByTheHeldKeysOwnScores() {
        for (String policy : new String[] {"knorm", "keydiff"}) {
            InferenceSession s = session(policy, Map.of("budget", 16), DecodeCap.BUDGET);
            s.prefill(prompt);
            KvCache c = s.cache();
            int d = c.headDim(), heads = c.layers() * c.kvHeads();
            List<Map<Integer, float[]>> held = new ArrayList<>();
            for (int i = 0; i < heads; i++) {
                held.add(keysByPosition(c, i / c.kvHeads(), i % c.kvHeads()));
            }
            for (int step = 0; step < 10; step++) {
                int position = prompt.length + step;
                s.decode(step + 5);
                for (int i = 0; i < heads; i++) {
                    int l = i / c.kvHeads(), h = i % c.kvHeads();
                    Map<Integer, float[]> before = held.get(i);
                    Map<Integer, float[]> now = keysByPosition(c, l, h);
                    List<float[]> all = new ArrayList<>(before.values());
                    all.add(now.get(position));
                    double[] anchor = new double[d]; // mean of the normalised held keys (KeyDiff)
                    for (float[] k : all) {
                        for (int j = 0; j < d; j++) {
                            anchor[j] += k[j] / naiveNorm(k) / all.size();
                        }
                    }
                    Integer victim = null;
                    double worst = Double.NEGATIVE_INFINITY;
                    for (var e : before.entrySet()) { // ascending positions: ties go to the older one
                        float[] k = e.getValue();
                        double dot = 0, an = 0;
                        for (int j = 0; j < d; j++) {
                            dot += k[j] * anchor[j];
                            an += anchor[j] * anchor[j];
                        }
                        // compared as the float scores the policy returns (equal floats: the older goes)
                        double badness = (float) (policy.equals("knorm") ? naiveNorm(k)
                                : dot / (naiveNorm(k) * Math.sqrt(an)));
                        if (badness > worst) {
                            worst = badness;
                            victim = e.getKey();
                        }
                    }
                    var expected = new java.util.TreeSet<>(before.keySet());
                    expected.remove(victim);
                    expected.add(position);
                    assertEquals(expected, new java.util.TreeSet<>(now.keySet()), policy + " step " + step + " head " + i);
                    held.set(i, now);
                }
            }
            assertEquals(16, s.occupancy().peakHeadEntries(), policy);
        }
    }

    /**
     * DuoAttention under the cap: its streaming heads already hold their share (sinks + window, as
     * without the cap); a retrieval head, which the paper lets keep everything, is held at the
     * prompt's length by dropping its oldest entry after the sinks (it scores no positions).
     */
    @Test
    void budgetCapLeavesDuoStreamingHeadsAloneAndSlidesItsRetrievalHeadsAfterTheSinks() {
        Map<String, Object> params = Map.of("budget", 28, "sinks", 2, "recent", 6);
        InferenceSession capped = session("duo-attention", params, DecodeCap.BUDGET);
        InferenceSession free = session("duo-attention", params, DecodeCap.NONE);
        capped.prefill(prompt);
        free.prefill(prompt);
        var duo = (org.kvscope.kv.DuoAttentionPolicy) capped.policy();
        int retrievalHeads = 0;
        for (int step = 0; step < 8; step++) {
            capped.decode(step + 2);
            free.decode(step + 2);
            KvCache c = capped.cache();
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.kvHeads(); h++) {
                    int[] grown = kept(free.cache(), l, h);
                    if (!duo.classification()[l][h]) {
                        assertArrayEquals(grown, kept(c, l, h), "streaming head " + l + "/" + h + " step " + step);
                        continue;
                    }
                    retrievalHeads += step == 0 ? 1 : 0;
                    int[] expected = new int[prompt.length];
                    expected[1] = 1;
                    System.arraycopy(grown, grown.length - (prompt.length - 2), expected, 2, prompt.length - 2);
                    assertArrayEquals(expected, kept(c, l, h), "retrieval head " + l + "/" + h + " step " + step);
                }
            }
        }
        assertTrue(retrievalHeads > 0, "the budget buys retrieval heads");
    }

    private static Map<Integer, float[]> keysByPosition(KvCache c, int l, int h) {
        Map<Integer, float[]> out = new java.util.TreeMap<>();
        int d = c.headDim();
        float[] keys = c.keys(l, h);
        int[] pos = c.positions(l, h);
        for (int s = 0; s < c.size(l, h); s++) {
            out.put(pos[s], Arrays.copyOfRange(keys, s * d, s * d + d));
        }
        return out;
    }

    private static double naiveNorm(float[] k) {
        double s = 0;
        for (float v : k) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    @Test
    void budgetCapOnAPolicyWithoutScoresDropsTheOldestNonSink() {
        Map<String, Object> params = Map.of("budget", 20, "sinks", 2, "schedule", "uniform");
        InferenceSession capped = session("pyramidinfer", params, DecodeCap.BUDGET);
        capped.prefill(prompt);
        KvCache c = capped.cache();
        int[][] start = new int[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            start[l] = kept(c, l, 0);
        }
        InferenceSession free = session("pyramidinfer", params, DecodeCap.NONE);
        free.prefill(prompt);
        for (int step = 0; step < 6; step++) {
            capped.decode(step + 1);
            free.decode(step + 1);
        }
        for (int l = 0; l < c.layers(); l++) {
            // the uncapped run's cache, minus its oldest non-sink entries down to the prefill size
            int[] grown = kept(free.cache(), l, 0);
            List<Integer> expected = new ArrayList<>();
            int drop = grown.length - start[l].length;
            for (int q : grown) {
                if (q >= 2 && drop > 0) {
                    drop--;
                } else {
                    expected.add(q);
                }
            }
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), kept(c, l, 0), "layer " + l);
        }
    }

    @Test
    void policiesThatHoldTheirBudgetAndFullKvAreUnchangedByTheCap() {
        for (String policy : new String[] {"streamingllm", "h2o", "fullkv"}) {
            Map<String, Object> params = policy.equals("fullkv") ? Map.of() : Map.of("budget", 16);
            InferenceSession a = session(policy, params, DecodeCap.NONE);
            InferenceSession b = session(policy, params, DecodeCap.BUDGET);
            assertArrayEquals(a.prefill(prompt), b.prefill(prompt), policy);
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(a.decode(i + 2), b.decode(i + 2), policy + " step " + i);
            }
            assertEquals(a.occupancy(), b.occupancy(), policy);
        }
        InferenceSession full = session("fullkv", Map.of(), DecodeCap.BUDGET);
        full.prefill(prompt);
        full.decode(1);
        assertEquals(prompt.length + 1, full.cache().size(0, 0), "FullKV has no budget to hold");
    }

    @Test
    void promptWithinTheBudgetIsCappedAtTheBudget() {
        InferenceSession s = session("snapkv", Map.of("budget", 50, "window", 4), DecodeCap.BUDGET);
        s.prefill(prompt); // 48 tokens: nothing compressed
        for (int i = 0; i < 5; i++) {
            s.decode(i + 1);
        }
        assertEquals(50, s.cache().size(0, 0));
        assertEquals(50, s.occupancy().peakHeadEntries());
    }

    @Test
    void evaluatorsReportOccupancyAndTheCapChangesOnlyGrowingPolicies() {
        int[] ctx = Arrays.copyOf(prompt, 40);
        int[] cont = Arrays.copyOfRange(prompt, 40, 48);
        var free = CompressedPerplexity.evaluate(org.kvscope.backend.Backends.cpu(), model,
                PolicyRegistry.create("snapkv", Map.of("budget", 16, "window", 4)), DecodeCap.NONE, ctx, cont, null);
        var capped = CompressedPerplexity.evaluate(org.kvscope.backend.Backends.cpu(), model,
                PolicyRegistry.create("snapkv", Map.of("budget", 16, "window", 4)), DecodeCap.BUDGET, ctx, cont, null);
        assertEquals(23, free.occupancy().peakHeadEntries()); // 16 + 7 decode steps
        assertEquals(16, capped.occupancy().peakHeadEntries());
        assertEquals(8, free.occupancy().samples());
        assertTrue(free.occupancy().meanBytes() > capped.occupancy().meanBytes());
    }

    @Test
    void unknownCapNamesTheValidValues() {
        var e = assertThrows(IllegalArgumentException.class, () -> DecodeCap.parse("always"));
        assertTrue(e.getMessage().contains("'none' or 'budget'"), e.getMessage());
        assertEquals(DecodeCap.BUDGET, DecodeCap.parse(" Budget"));
    }
}
