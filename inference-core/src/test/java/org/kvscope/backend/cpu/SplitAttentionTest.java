package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Architecture;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelWeights;
import org.kvscope.trace.AttentionObserver;

/**
 * Prefill attention in query ranges after one read of each kv head ({@code CpuForward.attendSplit}, batches of 64
 * rows and more) gives every row's floats of the per-head path ({@code attendingHeadByHead}): logits of every row
 * and the cache, bit for bit, for F32 and F16 caches, from an empty cache and after earlier keys, with a batch that
 * ends inside a block of four rows; and an observer gets the same rows, per head in query order and one call at a
 * time, so every policy's evidence and kept set are the per-head path's.
 */
class SplitAttentionTest {
    static final ModelConfig C = new ModelConfig(Architecture.LLAMA, 9 * 64, 96, 2, 9, 3, 64, 97, 512, 1e-5f, 10000f, 64, null);
    static final ModelWeights W = ScalarPathTest.weights(C, 7);
    private static final AttentionObserver NONE = new AttentionObserver() {
        @Override
        public boolean wants(int layer, int head, int queryPosition) {
            return false;
        }

        @Override
        public void onAttention(int layer, int head, int position, int[] positions, float[] weights, int count) {
            throw new AssertionError("no row is wanted");
        }
    };

    @Test
    void rangesGiveThePerHeadPathsFloats() {
        CpuForward f = new CpuForward(C, W, false), perHead = new CpuForward(C, W, false).attendingHeadByHead();
        ModelConfig c = C;
        int[] tokens = new SplittableRandom(3).ints(400, 0, c.vocabSize()).toArray();
        for (KvCacheType type : List.of(KvCacheType.F32, KvCacheType.F16)) {
            KvCache split = type.newCache(c.layers(), c.kvHeads(), c.headDim(), 400);
            KvCache heads = type.newCache(c.layers(), c.kvHeads(), c.headDim(), 400);
            for (int[] call : new int[][] {{0, 100}, {100, 177}, {277, 1}, {278, 64}}) {
                List<float[]> a = new ArrayList<>(), b = new ArrayList<>();
                f.forward(tokens, call[0], call[1], call[0], split, null, null, true, (row, v, o) -> a.add(copy(v, o, c)));
                AttentionObserver obs = call[1] >= 64 ? NONE : null; // a decode step with an observer takes other kernels
                perHead.forward(tokens, call[0], call[1], call[0], heads, obs, null, true, (row, v, o) -> b.add(copy(v, o, c)));
                assertEquals(call[1], a.size());
                for (int r = 0; r < a.size(); r++) {
                    assertArrayEquals(b.get(r), a.get(r), type + ", rows from " + call[0] + ": logits of row " + r);
                }
            }
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.kvHeads(); h++) {
                    int n = split.size(l, h), hd = c.headDim();
                    float[] ka = new float[n * hd], kb = new float[n * hd];
                    split.readKeys(l, h, 0, n, ka, 0);
                    heads.readKeys(l, h, 0, n, kb, 0);
                    assertArrayEquals(kb, ka, type + ": keys of layer " + l);
                }
            }
        }
    }

    @Test
    void rangesAreWholeBlocksOfAboutEqualWork() {
        for (int before : new int[] {0, 5, 256, 4000}) {
            for (int n : new int[] {64, 65, 67, 256, 1000}) {
                int last = 0;
                double whole = (double) before * n + (double) n * n / 2;
                for (int r = 0; r <= CpuForward.RANGES; r++) {
                    int t = CpuForward.rangeStart(r, n, before);
                    assertTrue(t >= last, "starts in order");
                    assertTrue(r == CpuForward.RANGES ? t == n : t % AttentionKernels.BLOCK == 0 && t <= n, "start " + t);
                    if (r > 0) { // work of the range within one block's rows of the even share
                        double work = before * (double) (t - last) + ((double) t * t - (double) last * last) / 2;
                        double slack = 2.0 * AttentionKernels.BLOCK * (before + n);
                        assertEquals(whole / CpuForward.RANGES, work, slack, "n " + n + ", before " + before + ", range " + r);
                    }
                    last = t;
                }
                assertEquals(0, CpuForward.rangeStart(0, n, before));
            }
        }
    }

    private static float[] copy(float[] v, int o, ModelConfig c) {
        return java.util.Arrays.copyOfRange(v, o, o + c.vocabSize());
    }
}
