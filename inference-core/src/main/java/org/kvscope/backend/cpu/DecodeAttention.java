package org.kvscope.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.kvscope.kv.CompactKvCache;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.tensor.NativeAttention;
import org.kvscope.tensor.Parallel;
import org.kvscope.tensor.VectorOps;

/**
 * Attention of one decoded token over a compact cache (F16, Q8_0 or Q4_0) read at its own size, as one parallel
 * loop over tasks of (kv-head, run of slots): each task scores its slots for every query head
 * of the kv-head's group, takes the softmax over its own slots and sums their values; the
 * tasks' partial results are merged after the loop with their maxima and sums (as flash-decoding
 * does). So the cores share the work evenly however few kv-heads there are, and each key and
 * value is loaded and converted once for the whole group.
 *
 * <p>Scores need no horizontal sum per key. An F16 cache stores keys transposed in blocks of 16
 * slots ({@link CompactKvCache#f16Keys}), so L slots' scores are L vectors of broadcast
 * multiply-adds, one per dimension, added pairwise at the end ({@link #scores16}). Block-type
 * keys are row-major: the products of L consecutive keys with the query, one vector per key, are
 * added pairwise into one vector of their L scores, log₂ L rounds, 15 steps for 16 keys of two
 * lane moves, two blends and an add ({@link #pairSums}). Both sum in the same order, so an F16
 * cache's scores are those the row-major kernel gave it bit for bit. Halves become floats in registers:
 * shifted into a float's place, the half's sign copies cleared, then multiplied by 2¹¹², exact
 * for every finite half (subnormals and zeros included); a cache that ever stored an infinity or
 * NaN is not read here ({@link CompactKvCache#f16Keys}). Q8_0 and Q4_0 rows are decoded by the
 * cache's own vector code ({@link KvCache#readKeys}), a tile of L keys or 64 values at a time,
 * each block's codes widened to float lanes and multiplied by its scale.
 *
 * <p>Over an F16 cache each task runs in the native library where its kernels are active
 * ({@link NativeAttention}: halves converted by vcvtph2ps, the key blocks' conversions shared by
 * the group's query heads), with the same float operations in the same order as the Java code
 * below, so the outputs are equal bit for bit either way.
 *
 * <p>For 8- and 16-lane vectors and heads of whole vectors, without an attention observer (which
 * wants each query's normalised weights): {@link #applies}. Its sums run in another order than
 * {@link CpuForward}'s per-head path, which an F32 cache keeps, so that analysis runs on the exact
 * cache give the same results bit for bit with or without an observer. Not thread-safe: one per
 * {@link CpuForward}.
 */
final class DecodeAttention implements Parallel.IntRangeBody {
    private static final VectorSpecies<Float> F = VectorOps.F;
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final VectorSpecies<Short> S = L >= 8 ? VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L)) : null;
    /** Slots converted per step of the values' pass: 64 (16 KiB of floats at 64 dimensions). */
    private static final int VALUE_SLOTS = 64;
    /** Tasks per thread: enough for the cores to even out, few enough that merging stays cheap. */
    private static final int TASKS_PER_THREAD = 4;
    /** Lane moves of {@link #pairSums}, by block size B: 8 (16 lanes only), 4, 2 and 1. */
    private static final VectorShuffle<Float> UP8 = moved(8, -8), DOWN8 = moved(8, 8), UP4 = moved(4, -4),
            DOWN4 = moved(4, 4), UP2 = moved(2, -2), DOWN2 = moved(2, 2), UP1 = moved(1, -1), DOWN1 = moved(1, 1);
    private static final VectorMask<Float> HIGH8 = highHalves(8), HIGH4 = highHalves(4), HIGH2 = highHalves(2),
            HIGH1 = highHalves(1);
    /** Slots per block of an F16 cache's transposed keys. */
    private static final int KEY_BLOCK = CompactKvCache.F16_KEY_BLOCK;
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[3][0]);
    private static final ThreadLocal<NativeScratch> NATIVE_SCRATCH = ThreadLocal.withInitial(NativeScratch::new);

    private final int hd, group, kvHeads, chunksPerHead;
    private final float scale;
    /** Per task and group head: the partial weighted values, the scores' maximum and the sum of their exponentials. */
    private final float[] partial, partialMax, partialSum;
    private final int[] visible;
    /** The same arrays as segments for the native kernel, made once. */
    private final MemorySegment partialSegment, partialMaxSegment, partialSumSegment;
    /** Per layer and kv-head: the F16 cache's key and value arrays last seen and their segments (remade when they change). */
    private short[][] seenKeys = new short[0][], seenValues = new short[0][];
    private MemorySegment[] keySegments = new MemorySegment[0], valueSegments = new MemorySegment[0];
    /** Whether the call in progress runs its F16 tasks in the native library ({@link NativeAttention}). */
    private boolean nativeF16;

    // the call in progress
    private int layer, chunk;
    private KvCache cache;
    private float[] q, out;
    private float[][] scores;
    /** {@link #attendAppending}'s token: its keys and values (null: none to append) and position. */
    private float[] newKeys, newValues;
    private int newPosition;

    /** For heads of {@code hd} dimensions, {@code group} query heads per kv-head, scores times {@code scale}. */
    DecodeAttention(int hd, int group, int kvHeads, float scale) {
        this.hd = hd;
        this.group = group;
        this.kvHeads = kvHeads;
        this.scale = scale;
        this.chunksPerHead = Math.max(1, (TASKS_PER_THREAD * Parallel.threads() + kvHeads - 1) / kvHeads);
        int tasks = kvHeads * chunksPerHead;
        partial = new float[tasks * group * hd];
        partialMax = new float[tasks * group];
        partialSum = new float[tasks * group];
        visible = new int[kvHeads];
        partialSegment = MemorySegment.ofArray(partial);
        partialMaxSegment = MemorySegment.ofArray(partialMax);
        partialSumSegment = MemorySegment.ofArray(partialSum);
    }

    /**
     * Whether {@link #attend} takes this cache's layer and head size: a Q8_0 or Q4_0 cache, or an
     * F16 cache whose halves are all finite.
     */
    static boolean applies(KvCache cache, int layer, int hd) {
        if (L < 8 || hd % L != 0) {
            return false;
        }
        if (cache instanceof CompactKvCache c) {
            if (c.type() != KvCacheType.F16) {
                return true;
            }
            for (int h = 0; h < c.kvHeads(); h++) {
                if (c.f16Keys(layer, h) == null || c.f16Values(layer, h) == null) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Whether {@link #applies} holds once this token's keys and values ({@code n} floats each from 0 of k and v) are
     * appended at {@code position}: it holds now, every kv-head of the layer has room for the token after its last
     * position (else the caller's own append reports the problem before any head is written) and, over an F16 cache,
     * each of them stores as a finite half.
     */
    static boolean appliesAfterAppend(KvCache cache, int layer, int hd, int position, float[] k, float[] v, int n) {
        return applies(cache, layer, hd) && appendsCleanly(cache, layer, position)
                && (cache.type() != KvCacheType.F16 || finiteAsHalves(k, n) && finiteAsHalves(v, n));
    }

    /** Whether every kv-head of the layer has a free slot and its last kept position is below {@code position}. */
    private static boolean appendsCleanly(KvCache cache, int layer, int position) {
        for (int h = 0; h < cache.kvHeads(); h++) {
            int size = cache.size(layer, h);
            if (size == cache.capacity() || size > 0 && cache.positions(layer, h)[size - 1] >= position) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a[0 .. n) round to finite halves: below 65,520 in magnitude (65,520 and up round to an infinity, as
     * NaN stays NaN; {@link Float#floatToFloat16} gives the same, the cache's own check).
     */
    static boolean finiteAsHalves(float[] a, int n) {
        boolean finite = true;
        for (int i = 0; i < n; i++) {
            finite &= Math.abs(a[i]) < 65520f;
        }
        return finite;
    }

    /**
     * out[h·hd ..] = attention of query head h (q[h·hd ..]) over every slot of its kv-head, for
     * every head, the token's own key and value already appended; scores[h] is scratch of at
     * least the head's slots rounded up to a vector. The cache must pass {@link #applies}.
     */
    void attend(int layer, KvCache cache, float[] q, float[][] scores, float[] out) {
        attend(layer, cache, q, scores, out, null, null, 0);
    }

    /**
     * {@link #attend} that first appends the token's keys and values ({@code k} and {@code v}, laid out [kvHead][hd]
     * from 0, at {@code position}), each kv-head's by the task that reads its new slot, inside the loop: the stores
     * (cold lines of the F16 keys' blocks, 3–4 µs a 135M layer on the caller's serial path) then run on both cores
     * beside the other tasks. The same bytes are stored and read as append-then-{@link #attend}. The cache must pass
     * {@link #appliesAfterAppend}.
     */
    void attendAppending(int layer, CompactKvCache cache, int position, float[] k, float[] v, float[] q,
                         float[][] scores, float[] out) {
        attend(layer, cache, q, scores, out, k, v, position);
    }

    private void attend(int layer, KvCache cache, float[] q, float[][] scores, float[] out, float[] k, float[] v,
                        int position) {
        int most = 0, appended = k == null ? 0 : 1;
        for (int h = 0; h < kvHeads; h++) {
            visible[h] = cache.size(layer, h) + appended;
            most = Math.max(most, visible[h]);
        }
        this.layer = layer;
        this.cache = cache;
        this.q = q;
        this.scores = scores;
        this.out = out;
        newKeys = k;
        newValues = v;
        newPosition = position;
        chunk = Math.max(L, ((most + chunksPerHead - 1) / chunksPerHead + L - 1) / L * L);
        nativeF16 = NativeAttention.active() && ((CompactKvCache) cache).type() == KvCacheType.F16 && segments(layer,
                (CompactKvCache) cache);
        try {
            Parallel.forRange(kvHeads * chunksPerHead, 1, this);
            merge();
        } finally {
            this.cache = null;
            this.q = null;
            this.scores = null;
            this.out = null;
            newKeys = newValues = null;
        }
    }

    @Override
    public void run(int from, int to) {
        for (int t = from; t < to; t++) {
            task(t);
        }
    }

    private void task(int t) {
        int kvh = t / chunksPerHead;
        int s0 = (t % chunksPerHead) * chunk, s1 = Math.min(visible[kvh], s0 + chunk);
        int base = t * group;
        if (s0 >= s1) {
            Arrays.fill(partialMax, base, base + group, Float.NEGATIVE_INFINITY);
            Arrays.fill(partialSum, base, base + group, 0f);
            return;
        }
        if (newKeys != null && s1 == visible[kvh]) { // the task that reads the new slot appends it
            ((CompactKvCache) cache).appendHead(layer, kvh, newPosition, newKeys, kvh * hd, newValues, kvh * hd);
        }
        if (nativeF16) {
            nativeTask(t, kvh, s0, s1);
            return;
        }
        float[][] buffers = BUFFERS.get();
        float[] qs = buffer(buffers, 0, group * hd);
        float[] tile = buffer(buffers, 1, VALUE_SLOTS * hd);
        float[] sums = buffer(buffers, 2, L * L);
        for (int i = 0, from = kvh * group * hd; i < group * hd; i++) {
            qs[i] = q[from + i] * scale;
        }
        CompactKvCache compact = (CompactKvCache) cache;
        short[] keys = compact.f16Keys(layer, kvh); // null: a block type, decoded by the cache
        for (int s = s0; s < s1; s += L) { // lanes past s1 lie past the head's slots: no other task's
            if (keys != null) { // L slots' dimensions as rows of L floats in the tile
                keyRowsToFloats(keys, s / KEY_BLOCK * KEY_BLOCK * hd + s % KEY_BLOCK, hd, tile);
                for (int j = 0; j < group; j++) {
                    if (L == 16) {
                        scores16(tile, hd, qs, j * hd, scores[kvh * group + j], s);
                    } else {
                        scores8(tile, hd, qs, j * hd, scores[kvh * group + j], s);
                    }
                }
                continue;
            }
            int n = Math.min(L, s1 - s); // L keys as floats in the tile, zeros past the last
            compact.readKeys(layer, kvh, s, n, tile, 0);
            Arrays.fill(tile, n * hd, L * hd, 0f);
            for (int j = 0; j < group; j++) {
                pairSums(tile, 0, hd, qs, j * hd, sums, scores[kvh * group + j], s);
            }
        }
        for (int j = 0; j < group; j++) {
            float[] row = scores[kvh * group + j];
            float max = Float.NEGATIVE_INFINITY;
            for (int s = s0; s < s1; s++) {
                max = Math.max(max, row[s]);
            }
            partialMax[base + j] = max;
            partialSum[base + j] = VectorOps.expShifted(row, s0, s1 - s0, max, sums);
        }
        short[] values = compact.f16Values(layer, kvh);
        for (int s = s0; s < s1; s += VALUE_SLOTS) {
            int n = Math.min(VALUE_SLOTS, s1 - s);
            if (values != null) {
                halvesToFloats(values, s * hd, n * hd, tile);
            } else {
                compact.readValues(layer, kvh, s, n, tile, 0);
            }
            for (int j = 0; j < group; j++) {
                AttentionKernels.weightedValues(scores[kvh * group + j], s, n, tile, 0, hd, partial, (base + j) * hd,
                        s > s0);
            }
        }
    }

    /**
     * Task t in the native kernel: the same scores, softmax and weighted values as the Java path below, bit for bit
     * (its sums in this JVM's lanes, {@code L}).
     */
    private void nativeTask(int t, int kvh, int s0, int s1) {
        NativeScratch scratch = NATIVE_SCRATCH.get();
        int stride = NativeAttention.scratchStride(s1 - s0);
        scratch.fit(group * hd, group * stride);
        float[] qs = scratch.qs;
        for (int i = 0, from = kvh * group * hd; i < group * hd; i++) {
            qs[i] = q[from + i] * scale;
        }
        int at = layer * kvHeads + kvh;
        NativeAttention.attendF16(keySegments[at], valueSegments[at], s0, s1, hd, group, L, scratch.qsSegment,
                scratch.scoresSegment, stride, partialSegment, partialMaxSegment, partialSumSegment, t);
    }

    /**
     * Segments of this layer's F16 key and value arrays for {@link #nativeTask}, remade only where an array
     * changed (growth, compaction); false where a head has none (not all finite: the Java path's check in
     * {@link #applies} says the same).
     */
    private boolean segments(int layer, CompactKvCache cache) {
        int need = (layer + 1) * kvHeads;
        if (seenKeys.length < need) {
            seenKeys = Arrays.copyOf(seenKeys, need);
            seenValues = Arrays.copyOf(seenValues, need);
            keySegments = Arrays.copyOf(keySegments, need);
            valueSegments = Arrays.copyOf(valueSegments, need);
        }
        for (int h = 0; h < kvHeads; h++) {
            short[] k = cache.f16Keys(layer, h), v = cache.f16Values(layer, h);
            if (k == null || v == null) {
                return false;
            }
            int at = layer * kvHeads + h;
            if (seenKeys[at] != k) {
                seenKeys[at] = k;
                keySegments[at] = MemorySegment.ofArray(k);
            }
            if (seenValues[at] != v) {
                seenValues[at] = v;
                valueSegments[at] = MemorySegment.ofArray(v);
            }
        }
        return true;
    }

    /** A worker thread's queries and scores for {@link #nativeTask}, with their segments, grown as needed. */
    private static final class NativeScratch {
        float[] qs = new float[0], scores = new float[0];
        MemorySegment qsSegment = MemorySegment.ofArray(qs), scoresSegment = MemorySegment.ofArray(scores);

        void fit(int queries, int scoreFloats) {
            if (qs.length < queries) {
                qs = new float[queries];
                qsSegment = MemorySegment.ofArray(qs);
            }
            if (scores.length < scoreFloats) {
                scores = new float[scoreFloats + scoreFloats / 4];
                scoresSegment = MemorySegment.ofArray(scores);
            }
        }
    }

    /** Each head's output from its tasks' partial sums, rescaled to the largest of their maxima. */
    private void merge() {
        for (int kvh = 0; kvh < kvHeads; kvh++) {
            for (int j = 0; j < group; j++) {
                int h = kvh * group + j;
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < chunksPerHead; c++) {
                    max = Math.max(max, partialMax[(kvh * chunksPerHead + c) * group + j]);
                }
                float total = 0f;
                Arrays.fill(out, h * hd, (h + 1) * hd, 0f);
                for (int c = 0; c < chunksPerHead; c++) {
                    int at = (kvh * chunksPerHead + c) * group + j;
                    if (partialSum[at] == 0f) {
                        continue;
                    }
                    float w = (float) Math.exp(partialMax[at] - max);
                    total += w * partialSum[at];
                    for (int d = 0; d < hd; d++) {
                        out[h * hd + d] += w * partial[at * hd + d];
                    }
                }
                float inv = 1f / total;
                for (int d = 0; d < hd; d++) {
                    out[h * hd + d] *= inv;
                }
            }
        }
    }

    private static float[] buffer(float[][] buffers, int i, int n) {
        if (buffers[i].length < n) {
            buffers[i] = new float[n];
        }
        return buffers[i];
    }

    /**
     * dst[i] = halves[from + i] as floats for i &lt; n (n a multiple of L), exact for finite halves:
     * sign-extended and shifted left by 13, a half has its exponent and mantissa in a float's
     * place and copies of its sign in bits 30..28; cleared, that is the half's value times 2⁻¹¹²
     * (a subnormal float for a subnormal half), and one multiplication by 2¹¹² makes it exact.
     */
    static void halvesToFloats(short[] halves, int from, int n, float[] dst) {
        for (int i = 0; i < n; i += L) {
            IntVector h = (IntVector) ShortVector.fromArray(S, halves, from + i).convertShape(VectorOperators.S2I, I, 0);
            h.lanewise(VectorOperators.LSHL, 13).and(0x8fffffff).reinterpretAsFloats().mul(0x1p112f).intoArray(dst, i);
        }
    }

    /**
     * dst[d·L + i] = dimension d of slot i of an F16 cache's key block for d &lt; hd, i &lt; L: the
     * halves from {@code from} on, {@link #KEY_BLOCK} per dimension (L of them read, exact as in
     * {@link #halvesToFloats}).
     */
    static void keyRowsToFloats(short[] halves, int from, int hd, float[] dst) {
        for (int d = 0; d < hd; d++) {
            IntVector h = (IntVector) ShortVector.fromArray(S, halves, from + d * KEY_BLOCK)
                    .convertShape(VectorOperators.S2I, I, 0);
            h.lanewise(VectorOperators.LSHL, 13).and(0x8fffffff).reinterpretAsFloats().mul(0x1p112f).intoArray(dst, d * L);
        }
    }

    /**
     * out[oo + i] = the score of slot i against q[qo ..] for 16 slots whose keys are the tile's
     * rows of 16 lanes, one row per dimension ({@link #keyRowsToFloats}), in the order of
     * {@link #pairSums}: accumulator m sums dimensions m, m + 16, … with one multiply-add each,
     * then the 16 accumulators are added in pairs m and m + 8, m and m + 4, m and m + 2, 0 and 1,
     * so each score is bit for bit the one the row-major kernel gives. No lane moves: 64
     * multiply-adds and 15 additions for 16 slots of 64 dimensions.
     */
    static void scores16(float[] t, int hd, float[] q, int qo, float[] out, int oo) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        for (int d = 0; d < hd; d += 16) {
            int r = d * 16, x = qo + d;
            a0 = FloatVector.fromArray(F, t, r).fma(FloatVector.broadcast(F, q[x]), a0);
            a1 = FloatVector.fromArray(F, t, r + 16).fma(FloatVector.broadcast(F, q[x + 1]), a1);
            a2 = FloatVector.fromArray(F, t, r + 32).fma(FloatVector.broadcast(F, q[x + 2]), a2);
            a3 = FloatVector.fromArray(F, t, r + 48).fma(FloatVector.broadcast(F, q[x + 3]), a3);
            a4 = FloatVector.fromArray(F, t, r + 64).fma(FloatVector.broadcast(F, q[x + 4]), a4);
            a5 = FloatVector.fromArray(F, t, r + 80).fma(FloatVector.broadcast(F, q[x + 5]), a5);
            a6 = FloatVector.fromArray(F, t, r + 96).fma(FloatVector.broadcast(F, q[x + 6]), a6);
            a7 = FloatVector.fromArray(F, t, r + 112).fma(FloatVector.broadcast(F, q[x + 7]), a7);
            a8 = FloatVector.fromArray(F, t, r + 128).fma(FloatVector.broadcast(F, q[x + 8]), a8);
            a9 = FloatVector.fromArray(F, t, r + 144).fma(FloatVector.broadcast(F, q[x + 9]), a9);
            a10 = FloatVector.fromArray(F, t, r + 160).fma(FloatVector.broadcast(F, q[x + 10]), a10);
            a11 = FloatVector.fromArray(F, t, r + 176).fma(FloatVector.broadcast(F, q[x + 11]), a11);
            a12 = FloatVector.fromArray(F, t, r + 192).fma(FloatVector.broadcast(F, q[x + 12]), a12);
            a13 = FloatVector.fromArray(F, t, r + 208).fma(FloatVector.broadcast(F, q[x + 13]), a13);
            a14 = FloatVector.fromArray(F, t, r + 224).fma(FloatVector.broadcast(F, q[x + 14]), a14);
            a15 = FloatVector.fromArray(F, t, r + 240).fma(FloatVector.broadcast(F, q[x + 15]), a15);
        }
        a0 = a0.add(a8);
        a1 = a1.add(a9);
        a2 = a2.add(a10);
        a3 = a3.add(a11);
        a4 = a4.add(a12);
        a5 = a5.add(a13);
        a6 = a6.add(a14);
        a7 = a7.add(a15);
        a0 = a0.add(a4);
        a1 = a1.add(a5);
        a2 = a2.add(a6);
        a3 = a3.add(a7);
        a0 = a0.add(a2);
        a1 = a1.add(a3);
        a0.add(a1).intoArray(out, oo);
    }

    /** {@link #scores16} for 8 slots of rows of 8 lanes: accumulators m, m + 8, …, then pairs m and m + 4, m + 2, 0 and 1. */
    static void scores8(float[] t, int hd, float[] q, int qo, float[] out, int oo) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int d = 0; d < hd; d += 8) {
            int r = d * 8, x = qo + d;
            a0 = FloatVector.fromArray(F, t, r).fma(FloatVector.broadcast(F, q[x]), a0);
            a1 = FloatVector.fromArray(F, t, r + 8).fma(FloatVector.broadcast(F, q[x + 1]), a1);
            a2 = FloatVector.fromArray(F, t, r + 16).fma(FloatVector.broadcast(F, q[x + 2]), a2);
            a3 = FloatVector.fromArray(F, t, r + 24).fma(FloatVector.broadcast(F, q[x + 3]), a3);
            a4 = FloatVector.fromArray(F, t, r + 32).fma(FloatVector.broadcast(F, q[x + 4]), a4);
            a5 = FloatVector.fromArray(F, t, r + 40).fma(FloatVector.broadcast(F, q[x + 5]), a5);
            a6 = FloatVector.fromArray(F, t, r + 48).fma(FloatVector.broadcast(F, q[x + 6]), a6);
            a7 = FloatVector.fromArray(F, t, r + 56).fma(FloatVector.broadcast(F, q[x + 7]), a7);
        }
        a0 = a0.add(a4);
        a1 = a1.add(a5);
        a2 = a2.add(a6);
        a3 = a3.add(a7);
        a0 = a0.add(a2);
        a1 = a1.add(a3);
        a0.add(a1).intoArray(out, oo);
    }

    /**
     * out[oo + j] = the score of key j (k[ko + j·hd ..], j &lt; L) against q[qo ..]: each key's
     * product vector with the query, into sums[j·L ..] (L·L floats of scratch), then those added
     * in pairs, level by level, taken in bit-reversed order so that the lanes come out in the
     * keys' own order. Two methods per width, each with its vectors in registers: as one, C2
     * stops inlining the vector calls halfway (its node count cut-off) and boxes the rest. No
     * method here hands a vector to a helper of its own: C2 inlines the Vector API's methods
     * whatever its node count, a helper only while under it, and a helper left as a call gets its
     * vectors boxed (inlined into {@link #task} on a profile that other kernels' tests had
     * shaped, a pairing helper was cut off: 27 KB per decoded token).
     */
    static void pairSums(float[] k, int ko, int hd, float[] q, int qo, float[] sums, float[] out, int oo) {
        if (L == 16) {
            products16(k, ko, hd, q, qo, sums);
            pairSums16(sums, out, oo);
        } else {
            products8(k, ko, hd, q, qo, sums);
            pairSums8(sums, out, oo);
        }
    }

    private static void products16(float[] k, int ko, int hd, float[] q, int qo, float[] sums) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        for (int i = 0; i < hd; i += 16) {
            FloatVector x = FloatVector.fromArray(F, q, qo + i);
            int at = ko + i;
            a0 = FloatVector.fromArray(F, k, at).fma(x, a0);
            a1 = FloatVector.fromArray(F, k, at + hd).fma(x, a1);
            a2 = FloatVector.fromArray(F, k, at + 2 * hd).fma(x, a2);
            a3 = FloatVector.fromArray(F, k, at + 3 * hd).fma(x, a3);
            a4 = FloatVector.fromArray(F, k, at + 4 * hd).fma(x, a4);
            a5 = FloatVector.fromArray(F, k, at + 5 * hd).fma(x, a5);
            a6 = FloatVector.fromArray(F, k, at + 6 * hd).fma(x, a6);
            a7 = FloatVector.fromArray(F, k, at + 7 * hd).fma(x, a7);
            a8 = FloatVector.fromArray(F, k, at + 8 * hd).fma(x, a8);
            a9 = FloatVector.fromArray(F, k, at + 9 * hd).fma(x, a9);
            a10 = FloatVector.fromArray(F, k, at + 10 * hd).fma(x, a10);
            a11 = FloatVector.fromArray(F, k, at + 11 * hd).fma(x, a11);
            a12 = FloatVector.fromArray(F, k, at + 12 * hd).fma(x, a12);
            a13 = FloatVector.fromArray(F, k, at + 13 * hd).fma(x, a13);
            a14 = FloatVector.fromArray(F, k, at + 14 * hd).fma(x, a14);
            a15 = FloatVector.fromArray(F, k, at + 15 * hd).fma(x, a15);
        }
        a0.intoArray(sums, 0);
        a1.intoArray(sums, 16);
        a2.intoArray(sums, 32);
        a3.intoArray(sums, 48);
        a4.intoArray(sums, 64);
        a5.intoArray(sums, 80);
        a6.intoArray(sums, 96);
        a7.intoArray(sums, 112);
        a8.intoArray(sums, 128);
        a9.intoArray(sums, 144);
        a10.intoArray(sums, 160);
        a11.intoArray(sums, 176);
        a12.intoArray(sums, 192);
        a13.intoArray(sums, 208);
        a14.intoArray(sums, 224);
        a15.intoArray(sums, 240);
    }

    /**
     * {@link #pairSums} for 16 lanes: the first level here, key j's row paired with key j + 8's
     * into row j (as {@link #pairSums8} pairs), the other three in {@link #pairSums8}. Written out,
     * too long for C2 to inline, so it is compiled on its own and leaves {@link #task}'s
     * compilation room to inline its softmax whole.
     */
    private static void pairSums16(float[] sums, float[] out, int oo) {
        FloatVector a = FloatVector.fromArray(F, sums, 0), b = FloatVector.fromArray(F, sums, 128);
        a.blend(b.rearrange(UP8), HIGH8).add(a.rearrange(DOWN8).blend(b, HIGH8)).intoArray(sums, 0);
        a = FloatVector.fromArray(F, sums, 16);
        b = FloatVector.fromArray(F, sums, 144);
        a.blend(b.rearrange(UP8), HIGH8).add(a.rearrange(DOWN8).blend(b, HIGH8)).intoArray(sums, 16);
        a = FloatVector.fromArray(F, sums, 32);
        b = FloatVector.fromArray(F, sums, 160);
        a.blend(b.rearrange(UP8), HIGH8).add(a.rearrange(DOWN8).blend(b, HIGH8)).intoArray(sums, 32);
        a = FloatVector.fromArray(F, sums, 48);
        b = FloatVector.fromArray(F, sums, 176);
        a.blend(b.rearrange(UP8), HIGH8).add(a.rearrange(DOWN8).blend(b, HIGH8)).intoArray(sums, 48);
        a = FloatVector.fromArray(F, sums, 64);
        b = FloatVector.fromArray(F, sums, 192);
        a.blend(b.rearrange(UP8), HIGH8).add(a.rearrange(DOWN8).blend(b, HIGH8)).intoArray(sums, 64);
        a = FloatVector.fromArray(F, sums, 80);
        b = FloatVector.fromArray(F, sums, 208);
        a.blend(b.rearrange(UP8), HIGH8).add(a.rearrange(DOWN8).blend(b, HIGH8)).intoArray(sums, 80);
        a = FloatVector.fromArray(F, sums, 96);
        b = FloatVector.fromArray(F, sums, 224);
        a.blend(b.rearrange(UP8), HIGH8).add(a.rearrange(DOWN8).blend(b, HIGH8)).intoArray(sums, 96);
        a = FloatVector.fromArray(F, sums, 112);
        b = FloatVector.fromArray(F, sums, 240);
        a.blend(b.rearrange(UP8), HIGH8).add(a.rearrange(DOWN8).blend(b, HIGH8)).intoArray(sums, 112);
        pairSums8(sums, out, oo);
    }

    private static void products8(float[] k, int ko, int hd, float[] q, int qo, float[] sums) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int i = 0; i < hd; i += 8) {
            FloatVector x = FloatVector.fromArray(F, q, qo + i);
            int at = ko + i;
            a0 = FloatVector.fromArray(F, k, at).fma(x, a0);
            a1 = FloatVector.fromArray(F, k, at + hd).fma(x, a1);
            a2 = FloatVector.fromArray(F, k, at + 2 * hd).fma(x, a2);
            a3 = FloatVector.fromArray(F, k, at + 3 * hd).fma(x, a3);
            a4 = FloatVector.fromArray(F, k, at + 4 * hd).fma(x, a4);
            a5 = FloatVector.fromArray(F, k, at + 5 * hd).fma(x, a5);
            a6 = FloatVector.fromArray(F, k, at + 6 * hd).fma(x, a6);
            a7 = FloatVector.fromArray(F, k, at + 7 * hd).fma(x, a7);
        }
        a0.intoArray(sums, 0);
        a1.intoArray(sums, 8);
        a2.intoArray(sums, 16);
        a3.intoArray(sums, 24);
        a4.intoArray(sums, 32);
        a5.intoArray(sums, 40);
        a6.intoArray(sums, 48);
        a7.intoArray(sums, 56);
    }

    /**
     * The last three levels of {@link #pairSums} over 8 rows of L lanes. Each pairing of a and b
     * into a run of 2B lanes (a's B pair sums, then b's) is
     * {@code a.blend(b.rearrange(UP), HIGH).add(a.rearrange(DOWN).blend(b, HIGH))}.
     */
    private static void pairSums8(float[] sums, float[] out, int oo) {
        FloatVector s0 = FloatVector.fromArray(F, sums, 0), s1 = FloatVector.fromArray(F, sums, L);
        FloatVector s2 = FloatVector.fromArray(F, sums, 2 * L), s3 = FloatVector.fromArray(F, sums, 3 * L);
        FloatVector s4 = FloatVector.fromArray(F, sums, 4 * L), s5 = FloatVector.fromArray(F, sums, 5 * L);
        FloatVector s6 = FloatVector.fromArray(F, sums, 6 * L), s7 = FloatVector.fromArray(F, sums, 7 * L);
        FloatVector c0 = s0.blend(s4.rearrange(UP4), HIGH4).add(s0.rearrange(DOWN4).blend(s4, HIGH4));
        FloatVector c1 = s2.blend(s6.rearrange(UP4), HIGH4).add(s2.rearrange(DOWN4).blend(s6, HIGH4));
        FloatVector c2 = s1.blend(s5.rearrange(UP4), HIGH4).add(s1.rearrange(DOWN4).blend(s5, HIGH4));
        FloatVector c3 = s3.blend(s7.rearrange(UP4), HIGH4).add(s3.rearrange(DOWN4).blend(s7, HIGH4));
        FloatVector d0 = c0.blend(c1.rearrange(UP2), HIGH2).add(c0.rearrange(DOWN2).blend(c1, HIGH2));
        FloatVector d1 = c2.blend(c3.rearrange(UP2), HIGH2).add(c2.rearrange(DOWN2).blend(c3, HIGH2));
        d0.blend(d1.rearrange(UP1), HIGH1).add(d0.rearrange(DOWN1).blend(d1, HIGH1)).intoArray(out, oo);
    }

    /**
     * Lane k takes lane k + by where that stays inside its run of 2B lanes (the high half from the
     * low one, by = -B, or back, by = B); other lanes keep their own (masked off by the caller).
     * Single-vector moves and blends, not two-vector selects: C2 leaves those boxed here.
     */
    private static VectorShuffle<Float> moved(int block, int by) {
        if (2 * block > L) {
            return null;
        }
        int[] index = new int[L];
        for (int k = 0; k < L; k++) {
            boolean high = k % (2 * block) >= block;
            index[k] = high == (by < 0) ? k + by : k;
        }
        return VectorShuffle.fromArray(F, index, 0);
    }

    /** The high half of each run of 2B lanes. */
    private static VectorMask<Float> highHalves(int block) {
        if (2 * block > L) {
            return null;
        }
        boolean[] high = new boolean[L];
        for (int k = 0; k < L; k++) {
            high[k] = k % (2 * block) >= block;
        }
        return VectorMask.fromArray(F, high, 0);
    }
}
