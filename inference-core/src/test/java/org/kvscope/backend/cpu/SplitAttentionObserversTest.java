package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.ModelConfig;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.AttentionObserver;
import org.kvscope.trace.EvidenceCollector;

/**
 * With an observer, prefill attention in query ranges ({@code CpuForward.attendSplit}) gives the per-head path's
 * floats and the observer the per-head path's rows: for every (layer, head) the same rows (query position, key
 * positions, weights bit for bit) in query order, one call at a time, whichever rows it wants (every row, a
 * window at the end, scattered rows, none) and whether it reads rows in place or has them moved to the front;
 * and the built-in policies that gather attention during the prefill get the same evidence and keep the same
 * positions.
 */
class SplitAttentionObserversTest {
    private static final ModelConfig C = SplitAttentionTest.C;
    /** Prefill calls {start, rows}: a chunk from an empty cache, one after it, one ending inside a block of four. */
    private static final int[][] CALLS = {{0, 200}, {200, 122}};
    private static final int KEYS = 322;

    /** Which rows an observer wants. */
    interface Wants {
        boolean test(int layer, int head, int q);
    }

    @Test
    void anObserverGetsThePerHeadPathsRowsInQueryOrderOneAtATime() {
        Map<String, Wants> patterns = Map.of(
                "every row", (l, h, q) -> true,
                "a window at the end", (l, h, q) -> q >= KEYS - 24,
                "scattered rows", (l, h, q) -> q % 7 == 0 || h == 2 && q >= 100 && q < 140 || l == 1 && q == 201,
                "no row", (l, h, q) -> false);
        int[] tokens = new SplittableRandom(5).ints(KEYS, 0, C.vocabSize()).toArray();
        for (KvCacheType type : List.of(KvCacheType.F32, KvCacheType.F16)) {
            for (var pattern : patterns.entrySet()) {
                for (boolean inPlace : new boolean[] {true, false}) {
                    String what = type + ", " + pattern.getKey() + (inPlace ? ", in place" : ", moved to the front");
                    Recorder split = new Recorder(pattern.getValue(), inPlace);
                    Recorder perHead = new Recorder(pattern.getValue(), inPlace);
                    List<float[]> a = prefill(new CpuForward(C, SplitAttentionTest.W, false), type, tokens, split);
                    List<float[]> b = prefill(new CpuForward(C, SplitAttentionTest.W, false).attendingHeadByHead(),
                            type, tokens, perHead);
                    for (int r = 0; r < a.size(); r++) {
                        assertArrayEquals(b.get(r), a.get(r), what + ": logits of row " + r);
                    }
                    assertEquals(List.of(), split.failures, what);
                    assertEquals(List.of(), perHead.failures, what);
                    int rows = 0;
                    for (int i = 0; i < split.rows.length; i++) {
                        List<Row> x = split.rows[i], y = perHead.rows[i];
                        assertEquals(y.size(), x.size(), what + ": rows of layer " + i / C.heads() + " head " + i % C.heads());
                        for (int j = 0; j < x.size(); j++) {
                            String at = what + ", layer " + i / C.heads() + " head " + i % C.heads() + " row " + j;
                            assertEquals(y.get(j).q, x.get(j).q, at);
                            assertArrayEquals(y.get(j).keys, x.get(j).keys, at);
                            assertArrayEquals(y.get(j).weights, x.get(j).weights, at);
                        }
                        rows += x.size();
                    }
                    if (pattern.getKey().equals("every row")) {
                        assertEquals(C.layers() * C.heads() * KEYS, rows, what);
                    }
                }
            }
        }
    }

    /** A block's rows hold +0 from each row's weights to the block's width, so an observer may read whole vectors. */
    @Test
    void blocksAreZeroPastEachRowToTheBlocksWidth() {
        int[] tokens = new SplittableRandom(7).ints(KEYS, 0, C.vocabSize()).toArray();
        for (boolean split : new boolean[] {true, false}) {
            List<String> failures = new ArrayList<>();
            int[] blocks = {0};
            AttentionObserver padding = new AttentionObserver() {
                @Override
                public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {}

                @Override
                public void onAttentionBlock(int layer, int head, int[] queries, int from, int rows, int[] keys,
                                             float[] w, int wo, int rowStride, int firstCount) {
                    int width = AttentionObserver.blockWidth(firstCount, rows);
                    blocks[0]++;
                    for (int j = 0; j < rows; j++) {
                        for (int k = firstCount + j; k < width; k++) {
                            if ((rowStride < width || Float.floatToRawIntBits(w[wo + j * rowStride + k]) != 0)
                                    && failures.size() < 3) {
                                failures.add("layer " + layer + " head " + head + " query " + queries[from + j]
                                        + ": slot " + k + " of " + width);
                                return;
                            }
                        }
                    }
                }
            };
            CpuForward f = new CpuForward(C, SplitAttentionTest.W, false);
            prefill(split ? f : f.attendingHeadByHead(), KvCacheType.F32, tokens, padding);
            assertEquals(List.of(), failures, split ? "split" : "head by head");
            assertTrue(blocks[0] > C.layers() * C.heads() * (KEYS / 8), (split ? "split" : "head by head") + ": blocks");
        }
    }

    @Test
    void theBuiltInPoliciesGatherTheSameEvidenceAndKeepTheSamePositions() {
        Map<String, Map<String, Object>> policies = Map.of(
                "h2o", Map.of("budget", 40),
                "tova", Map.of("budget", 40),
                "snapkv", Map.of("budget", 40, "window", 16),
                "pyramidkv", Map.of("budget", 40, "window", 16),
                "ada-snapkv", Map.of("budget", 40, "window", 16),
                "cake", Map.of("budget", 40, "window", 16));
        int[] tokens = new SplittableRandom(9).ints(KEYS, 0, C.vocabSize()).toArray();
        for (var p : policies.entrySet()) {
            CompressionPolicy policy = PolicyRegistry.create(p.getKey(), p.getValue());
            AttentionEvidence a = evidence(policy), b = evidence(policy);
            KvCache ca = KvCacheType.F32.newCache(C.layers(), C.kvHeads(), C.headDim(), 512);
            KvCache cb = KvCacheType.F32.newCache(C.layers(), C.kvHeads(), C.headDim(), 512);
            prefill(new CpuForward(C, SplitAttentionTest.W, false), ca, tokens, new EvidenceCollector(a));
            prefill(new CpuForward(C, SplitAttentionTest.W, false).attendingHeadByHead(), cb, tokens,
                    new EvidenceCollector(b));
            String name = p.getKey();
            for (int l = 0; l < C.layers(); l++) {
                for (int h = 0; h < C.heads(); h++) {
                    assertArrayEquals(b.windowSum(l, h), a.windowSum(l, h), name + ": window sum, layer " + l + " head " + h);
                    if (a.hasAccumulated()) {
                        assertArrayEquals(b.accumulated(l, h), a.accumulated(l, h), name + ": accumulated, layer " + l);
                    }
                }
                for (int g = 0; g < C.kvHeads(); g++) {
                    if (a.windowScoring() != null) {
                        assertNotNull(a.windowScores(l, g), name);
                        assertArrayEquals(b.windowScores(l, g), a.windowScores(l, g), name + ": window scores, layer " + l);
                    }
                }
            }
            KeptPositions ka = policy.checkedSelectAfterPrefill(context(a, ca));
            KeptPositions kb = PolicyRegistry.create(name, p.getValue()).checkedSelectAfterPrefill(context(b, cb));
            assertTrue(Arrays.deepEquals(kb.positions(), ka.positions()), name + ": kept positions");
        }
    }

    private static CompressionPolicy.PrefillContext context(AttentionEvidence e, KvCache cache) {
        return new CompressionPolicy.PrefillContext(C.layers(), C.heads(), C.kvHeads(), KEYS, 512, e, cache);
    }

    /** As the session gathers it (InferenceSession.collectorFor). */
    private static AttentionEvidence evidence(CompressionPolicy policy) {
        AttentionEvidence e = new AttentionEvidence(C.layers(), C.heads(), C.kvHeads(), KEYS, policy.evidenceWindow(),
                policy.needsAccumulatedAttention(), policy.needsWindowMoments());
        if (policy.windowScoring() != null) {
            e.computeWindowScores(policy.windowScoring());
        }
        return e;
    }

    private static List<float[]> prefill(CpuForward f, KvCacheType type, int[] tokens, AttentionObserver obs) {
        return prefill(f, type.newCache(C.layers(), C.kvHeads(), C.headDim(), 512), tokens, obs);
    }

    private static List<float[]> prefill(CpuForward f, KvCache cache, int[] tokens, AttentionObserver obs) {
        List<float[]> logits = new ArrayList<>();
        for (int[] call : CALLS) {
            f.forward(tokens, call[0], call[1], call[0], cache, obs, null, true,
                    (row, v, o) -> logits.add(Arrays.copyOfRange(v, o, o + C.vocabSize())));
        }
        return logits;
    }

    record Row(int q, int[] keys, float[] weights) {}

    /**
     * Copies every row it is given, per (layer, head); notes a call that overlaps another of its head or comes
     * before an earlier query's. With {@code inPlace} it reads rows at their offset, else it takes the default
     * (the row moved to the front of the scratch).
     */
    static final class Recorder implements AttentionObserver {
        final Wants wants;
        final boolean inPlace;
        final List<Row>[] rows;
        final AtomicIntegerArray inside = new AtomicIntegerArray(C.layers() * C.heads());
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

        @SuppressWarnings("unchecked")
        Recorder(Wants wants, boolean inPlace) {
            this.wants = wants;
            this.inPlace = inPlace;
            rows = new List[C.layers() * C.heads()];
            Arrays.setAll(rows, i -> new ArrayList<>());
        }

        @Override
        public boolean wants(int layer, int head, int q) {
            return wants.test(layer, head, q);
        }

        @Override
        public void onAttention(int layer, int head, int q, int[] keys, float[] w, int offset, int count) {
            if (inPlace) {
                record(layer, head, q, keys, w, offset, count);
            } else {
                AttentionObserver.super.onAttention(layer, head, q, keys, w, offset, count);
            }
        }

        @Override
        public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
            record(layer, head, q, keys, w, 0, count);
        }

        private void record(int layer, int head, int q, int[] keys, float[] w, int offset, int count) {
            int i = layer * C.heads() + head;
            if (inside.incrementAndGet(i) != 1) {
                failures.add("layer " + layer + " head " + head + ": two calls at once");
            }
            if (!wants.test(layer, head, q)) {
                failures.add("layer " + layer + " head " + head + ": unwanted row " + q);
            }
            List<Row> list = rows[i];
            if (!list.isEmpty() && list.getLast().q >= q) {
                failures.add("layer " + layer + " head " + head + ": row " + q + " after " + list.getLast().q);
            }
            list.add(new Row(q, Arrays.copyOf(keys, count), Arrays.copyOfRange(w, offset, offset + count)));
            Thread.onSpinWait(); // widen the window in which an overlapping call would be seen
            inside.decrementAndGet(i);
        }
    }
}
