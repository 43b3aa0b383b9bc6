package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelWeights;
import org.kvscope.model.SharedModels;
import org.kvscope.trace.AttentionObserver;

/**
 * {@link CpuForward#attend} (KVzip's reconstruction rows: attention wanted, logits not) stops the last layer after
 * its attention: the cache it leaves and every attention row are {@code forward}'s, bit for bit, on the scalar
 * small-model path and on the vector kernels, and a forward call after it gives the same logits.
 */
class AttendOnlyTest {
    @Test
    void attendLeavesForwardsCacheAndAttentionRows() throws Exception {
        for (ModelConfig c : List.of(ScalarPathTest.config(8, 8, 4, 172), ScalarPathTest.config(2, 64, 1, 200))) {
            ModelWeights w = ScalarPathTest.weights(c, c.headDim());
            CpuForward scalar = new CpuForward(c, w), vector = new CpuForward(c, w, false);
            assertTrue(scalar.scalar() && !vector.scalar());
            assertSame(scalar, "scalar path, head size " + c.headDim());
            assertSame(vector, "vector kernels, head size " + c.headDim());
        }
        var stories = SharedModels.find("stories260K.gguf");
        if (stories.isPresent()) {
            try (Model m = ModelLoader.load(stories.get())) {
                assertSame(new CpuForward(m.config(), m.weights()), "stories260K");
            }
        }
    }

    private static void assertSame(CpuForward f, String what) {
        var c = f.config();
        int[] tokens = new SplittableRandom(5).ints(64, 0, c.vocabSize()).toArray();
        Map<String, float[]> full = new ConcurrentHashMap<>(), only = new ConcurrentHashMap<>();
        KvCache a = KvCacheType.F32.newCache(c.layers(), c.kvHeads(), c.headDim(), 64);
        KvCache b = KvCacheType.F32.newCache(c.layers(), c.kvHeads(), c.headDim(), 64);
        for (int[] call : new int[][] {{0, 30}, {30, 21}, {51, 1}}) { // chunks, then a single row
            f.forward(tokens, call[0], call[1], call[0], a, recorder(full), null, true, (row, logits, o) -> { });
            f.attend(tokens, call[0], call[1], call[0], b, recorder(only));
        }
        assertEquals(full.keySet(), only.keySet(), what);
        full.forEach((key, row) -> assertArrayEquals(row, only.get(key), what + ": attention " + key));
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                int n = a.size(l, h), hd = c.headDim();
                assertEquals(n, b.size(l, h), what);
                float[] ka = new float[n * hd], kb = new float[n * hd], va = new float[n * hd], vb = new float[n * hd];
                a.readKeys(l, h, 0, n, ka, 0);
                b.readKeys(l, h, 0, n, kb, 0);
                a.readValues(l, h, 0, n, va, 0);
                b.readValues(l, h, 0, n, vb, 0);
                assertArrayEquals(ka, kb, what + ": keys of layer " + l + " kv-head " + h);
                assertArrayEquals(va, vb, what + ": values of layer " + l + " kv-head " + h);
            }
        }
        float[] next = f.forward(tokens, 52, 12, 52, a, null), after = f.forward(tokens, 52, 12, 52, b, null);
        assertArrayEquals(next, after, what + ": logits of the call after");
    }

    private static AttentionObserver recorder(Map<String, float[]> rows) {
        return new AttentionObserver() {
            @Override
            public void onAttention(int layer, int head, int position, int[] positions, float[] weights, int count) {
                rows.put(layer + "/" + head + "/" + position, Arrays.copyOf(weights, count));
            }
        };
    }
}
