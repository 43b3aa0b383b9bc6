package org.kvscope.backend.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.kvscope.backend.cuda.GpuTestSupport.assertClose;
import static org.kvscope.backend.cuda.GpuTestSupport.randomFloats;

/** Cache append, attention over compressed caches, scoring, top-k and compaction against scalar Java. */
class AttentionGpuTest extends GpuKernelTest {
    private static final int HEADS = 8;
    private static final int KV_HEADS = 2;
    private static final int CAPACITY = 50;

    /** A host cache with the given per-head counts and ascending, gapped positions. */
    private static Reference.HostCache hostCache(Random random, int headDim, int[] counts) {
        float[] keys = randomFloats(random, KV_HEADS * CAPACITY * headDim, 1f);
        float[] values = randomFloats(random, KV_HEADS * CAPACITY * headDim, 1f);
        int[] positions = new int[KV_HEADS * CAPACITY];
        for (int g = 0; g < KV_HEADS; g++) {
            TreeSet<Integer> chosen = new TreeSet<>();
            while (chosen.size() < counts[g]) chosen.add(random.nextInt(200));
            int j = 0;
            for (int p : chosen) positions[g * CAPACITY + j++] = p;
        }
        return new Reference.HostCache(KV_HEADS, CAPACITY, headDim, keys, values, positions, counts.clone());
    }

    private static KvCacheLayer upload(Reference.HostCache c) {
        return new KvCacheLayer(context.upload(c.keys()), context.upload(c.values()), context.upload(c.positions()),
                context.upload(c.counts()), c.kvHeads(), c.capacity(), c.headDim());
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 64, 128})
    void batchedAttentionOverCompressedCachesWithGqaMaskingAndWeights(int headDim) {
        Random random = new Random(headDim);
        List<Reference.HostCache> host = List.of(hostCache(random, headDim, new int[] {40, 33}),
                hostCache(random, headDim, new int[] {25, 50}));
        int[] seq = {0, 1, 0, 1};
        int[] pos = {1000, 1000, host.get(0).positions()[20], 0};
        int nq = seq.length;
        int stride = 64;
        float scale = (float) (1 / Math.sqrt(headDim));
        float[] q = randomFloats(random, nq * HEADS * headDim, 1f);
        float[] expectedOut = new float[nq * HEADS * headDim];
        float[] expectedWeights = new float[nq * HEADS * stride];
        for (int i = 0; i < nq; i++) {
            float[] o = Reference.attention(q, i * HEADS * headDim, HEADS, host.get(seq[i]), pos[i], scale,
                    expectedWeights, i * HEADS * stride, stride);
            System.arraycopy(o, 0, expectedOut, i * HEADS * headDim, o.length);
        }
        try (KvCacheLayer c0 = upload(host.get(0)); KvCacheLayer c1 = upload(host.get(1));
             KvCacheTable table = KvCacheTable.of(context, List.of(c0, c1));
             DeviceBuffer qb = context.upload(q); DeviceBuffer sb = context.upload(seq); DeviceBuffer pb = context.upload(pos);
             DeviceBuffer out = context.allocate(4L * expectedOut.length);
             DeviceBuffer weights = context.allocate(4L * expectedWeights.length)) {
            AttentionQueries queries = new AttentionQueries(qb, nq, HEADS, sb, pb);
            kernels.attention(queries, table, scale, out, weights, stride, context.defaultStream());
            assertClose(expectedOut, out.toFloats(expectedOut.length), 1e-5, 1e-4, "attention out, headDim " + headDim);
            assertClose(expectedWeights, weights.toFloats(expectedWeights.length), 1e-6, 1e-4, "attention weights");
            kernels.attention(queries, table, scale, out, null, 0, context.defaultStream());
            assertClose(expectedOut, out.toFloats(expectedOut.length), 1e-5, 1e-4, "attention without weights");
        }
    }

    @Test
    void appendFillsSlotsAndStopsAtCapacity() {
        Random random = new Random(5);
        int headDim = 16;
        int capacity = 12;
        try (KvCacheLayer cache = KvCacheLayer.allocate(context, KV_HEADS, capacity, headDim)) {
            float[] allK = new float[KV_HEADS * capacity * headDim];
            int[] allPos = new int[KV_HEADS * capacity];
            int count = 0;
            for (int step = 0; step < 3; step++) {
                int n = 5;
                float[] k = randomFloats(random, n * KV_HEADS * headDim, 1f);
                float[] v = k.clone();
                int[] p = new int[n];
                for (int t = 0; t < n; t++) p[t] = 10 * step + t;
                try (DeviceBuffer kb = context.upload(k); DeviceBuffer vb = context.upload(v); DeviceBuffer pb = context.upload(p)) {
                    kernels.append(cache, kb, vb, pb, n, context.defaultStream());
                }
                for (int t = 0; t < n && count + t < capacity; t++) {
                    for (int g = 0; g < KV_HEADS; g++) {
                        System.arraycopy(k, (t * KV_HEADS + g) * headDim, allK, (g * capacity + count + t) * headDim, headDim);
                        allPos[g * capacity + count + t] = p[t];
                    }
                }
                count = Math.min(capacity, count + n);
            }
            assertArrayEquals(new int[] {capacity, capacity}, cache.readCounts());
            assertArrayEquals(allK, cache.keys().toFloats(allK.length));
            assertArrayEquals(allK, cache.values().toFloats(allK.length));
            assertArrayEquals(allPos, cache.positions().toInts(allPos.length));
        }
    }

    @Test
    void snapKvScoringTopKAndCompactionMatchScalarJava() {
        Random random = new Random(6);
        int headDim = 32;
        int group = HEADS / KV_HEADS;
        Reference.HostCache host = hostCache(random, headDim, new int[] {40, 33});
        int window = 4;
        int stride = CAPACITY;
        int[] seq = new int[window];
        int[] pos = new int[window];
        Arrays.fill(pos, 1000);
        float[] q = randomFloats(random, window * HEADS * headDim, 2f);
        try (KvCacheLayer cache = upload(host); KvCacheTable table = KvCacheTable.of(context, List.of(cache));
             DeviceBuffer qb = context.upload(q); DeviceBuffer sb = context.upload(seq); DeviceBuffer pb = context.upload(pos);
             DeviceBuffer out = context.allocate(4L * window * HEADS * headDim);
             DeviceBuffer weights = context.allocate(4L * window * HEADS * stride);
             DeviceBuffer scores = context.allocate(4L * HEADS * stride);
             DeviceBuffer pooled = context.allocate(4L * HEADS * stride);
             DeviceBuffer perKv = context.allocate(4L * KV_HEADS * stride);
             DeviceBuffer kept = context.allocate(4L * KV_HEADS * 12);
             DeviceBuffer keptCount = context.allocate(4L * KV_HEADS)) {
            CudaStream s = context.defaultStream();
            kernels.attention(new AttentionQueries(qb, window, HEADS, sb, pb), table, 0.2f, out, weights, stride, s);
            float[] w = weights.toFloats(window * HEADS * stride);
            float[] sum = new float[HEADS * stride];
            for (int i = 0; i < window; i++) for (int j = 0; j < sum.length; j++) sum[j] += w[i * sum.length + j];

            kernels.attentionScores(weights, window, HEADS, stride, scores, false, s);
            assertClose(sum, scores.toFloats(sum.length), 1e-6, 1e-5, "window sum");
            kernels.attentionScores(weights, window, HEADS, stride, scores, true, s);
            float[] doubled = sum.clone();
            for (int j = 0; j < doubled.length; j++) doubled[j] *= 2;
            float[] acc = scores.toFloats(sum.length);
            assertClose(doubled, acc, 1e-6, 1e-5, "accumulated sum");

            for (PoolMode mode : PoolMode.values()) {
                int kernel = mode == PoolMode.AVG ? 5 : 3;
                kernels.poolScores(scores, pooled, cache.counts(), HEADS, KV_HEADS, stride, kernel, mode, s);
                assertClose(Reference.pool(acc, host.counts(), HEADS, group, stride, kernel, mode == PoolMode.AVG),
                        pooled.toFloats(acc.length), 1e-6, 1e-5, "pool " + mode);
            }
            float[] pooledHost = pooled.toFloats(acc.length);
            for (HeadAggregation mode : new HeadAggregation[] {HeadAggregation.MAX, HeadAggregation.MEAN}) {
                kernels.aggregateHeads(pooled, perKv, HEADS, KV_HEADS, stride, mode, s);
                assertClose(Reference.aggregate(pooledHost, KV_HEADS, group, stride, mode == HeadAggregation.MEAN),
                        perKv.toFloats(KV_HEADS * stride), 1e-6, 1e-5, "aggregate " + mode);
            }

            float[] kvScores = perKv.toFloats(KV_HEADS * stride);
            int k = 12;
            kernels.topK(perKv, cache.counts(), KV_HEADS, stride, k, window, kept, keptCount, s);
            int[] keptHost = kept.toInts(KV_HEADS * k);
            assertArrayEquals(new int[] {k, k}, keptCount.toInts(KV_HEADS));
            int[][] expected = new int[KV_HEADS][];
            for (int g = 0; g < KV_HEADS; g++) {
                expected[g] = Reference.topK(kvScores, g * stride, host.counts()[g], k, window);
                assertArrayEquals(expected[g], Arrays.copyOfRange(keptHost, g * k, (g + 1) * k), "kv head " + g);
            }

            kernels.compact(cache, kept, keptCount, k, s);
            assertArrayEquals(new int[] {k, k}, cache.readCounts());
            float[] keys = cache.keys().toFloats(host.keys().length);
            float[] values = cache.values().toFloats(host.values().length);
            int[] positions = cache.positions().toInts(host.positions().length);
            for (int g = 0; g < KV_HEADS; g++) {
                for (int i = 0; i < k; i++) {
                    int from = g * CAPACITY + expected[g][i];
                    int to = g * CAPACITY + i;
                    assertEquals(host.positions()[from], positions[to], "position of kept slot " + i);
                    assertArrayEquals(Arrays.copyOfRange(host.keys(), from * headDim, (from + 1) * headDim),
                            Arrays.copyOfRange(keys, to * headDim, (to + 1) * headDim));
                    assertArrayEquals(Arrays.copyOfRange(host.values(), from * headDim, (from + 1) * headDim),
                            Arrays.copyOfRange(values, to * headDim, (to + 1) * headDim));
                }
            }
        }
    }

    @Test
    void topKIsExactForLongCachesWithTiesAndNegativeScores() {
        Random random = new Random(7);
        int kvHeads = 4, stride = 3000, k = 700, tail = 16;
        int[] counts = {3000, 2500, 10, 701};
        float[] scores = new float[kvHeads * stride];
        for (int j = 0; j < stride; j++) {
            scores[j] = random.nextInt(20);                       // many ties
            scores[stride + j] = (float) random.nextGaussian();   // negative and positive
            scores[2 * stride + j] = random.nextFloat();
            scores[3 * stride + j] = 1f;                          // all equal
        }
        try (DeviceBuffer sb = context.upload(scores); DeviceBuffer cb = context.upload(counts);
             DeviceBuffer kept = context.allocate(4L * kvHeads * k); DeviceBuffer keptCount = context.allocate(4L * kvHeads)) {
            kernels.topK(sb, cb, kvHeads, stride, k, tail, kept, keptCount, context.defaultStream());
            int[] got = kept.toInts(kvHeads * k);
            int[] gotCounts = keptCount.toInts(kvHeads);
            for (int g = 0; g < kvHeads; g++) {
                int[] expected = Reference.topK(scores, g * stride, counts[g], k, tail);
                assertEquals(expected.length, gotCounts[g], "kept count of head " + g);
                assertArrayEquals(expected, Arrays.copyOfRange(got, g * k, g * k + expected.length), "head " + g);
            }
        }
    }
}
