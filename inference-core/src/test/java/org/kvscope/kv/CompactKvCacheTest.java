package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The compact cache types against a naive transcription of llama.cpp's reference quantizers. */
class CompactKvCacheTest {
    /** Head sizes: whole blocks, a head of one short block (stories260K), and two blocks and a short one. */
    private static final int[] HEAD_DIMS = {64, 8, 72};

    private static float[] randomVector(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * (i % 7 == 0 ? 6 : 1)); // some larger dimensions, like real keys
        }
        return v;
    }

    /** One vector stored in a one-slot cache and read back. */
    private static float[] roundTrip(KvCacheType type, float[] x) {
        KvCache c = type.newCache(1, 1, x.length, 1);
        c.append(0, 0, x, 0, x, 0);
        float[] k = new float[x.length], v = new float[x.length];
        c.readKeys(0, 0, 0, 1, k, 0);
        c.readValues(0, 0, 0, 1, v, 0);
        assertArrayEquals(k, v, "keys and values are encoded alike");
        assertArrayEquals(k, c.keys(0, 0), "keys() is the same decoding");
        return k;
    }

    /** llama.cpp's quantize_row_q8_0_ref then dequantize_row_q8_0, written out naively per block. */
    private static float[] naiveQ8_0(float[] x) {
        float[] y = new float[x.length];
        for (int b = 0; b < x.length; b += 32) {
            int end = Math.min(x.length, b + 32);
            float amax = 0;
            for (int i = b; i < end; i++) {
                amax = Math.max(amax, Math.abs(x[i]));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            float dh = Float.float16ToFloat(Float.floatToFloat16(d));
            for (int i = b; i < end; i++) {
                int q = (int) Math.copySign(Math.floor(Math.abs(x[i] * id) + 0.5), x[i] * id); // C's roundf, as int8
                y[i] = q * dh;
            }
        }
        return y;
    }

    /** llama.cpp's quantize_row_q4_0_ref then dequantize_row_q4_0, per block. */
    private static float[] naiveQ4_0(float[] x) {
        float[] y = new float[x.length];
        for (int b = 0; b < x.length; b += 32) {
            int end = Math.min(x.length, b + 32);
            float amax = 0, max = 0;
            for (int i = b; i < end; i++) {
                if (Math.abs(x[i]) > amax) {
                    amax = Math.abs(x[i]);
                    max = x[i];
                }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            float dh = Float.float16ToFloat(Float.floatToFloat16(d));
            for (int i = b; i < end; i++) {
                int q = Math.min(15, (int) (x[i] * id + 8.5f));
                y[i] = (q - 8) * dh;
            }
        }
        return y;
    }

    @Test
    void blockTypesDecodeExactlyWhatLlamaCppsReferenceQuantizersGive() {
        SplittableRandom r = new SplittableRandom(1);
        for (int hd : HEAD_DIMS) {
            for (int trial = 0; trial < 50; trial++) {
                float[] x = randomVector(r, hd);
                assertArrayEquals(naiveQ8_0(x), roundTrip(KvCacheType.Q8_0, x), 0f, "q8_0 hd " + hd);
                // 0f: the vector path's q·d - 8d gives +0 where (q - 8)·d gives -0 for a negative d
                assertArrayEquals(naiveQ4_0(x), roundTrip(KvCacheType.Q4_0, x), 0f, "q4_0 hd " + hd);
                float[] half = new float[hd];
                for (int i = 0; i < hd; i++) {
                    half[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
                }
                assertArrayEquals(half, roundTrip(KvCacheType.F16, x), "f16 hd " + hd);
                assertArrayEquals(x, roundTrip(KvCacheType.F32, x), "f32 is exact");
            }
        }
    }

    /**
     * Error bounds per element: f16 half an ulp (2^-11 relative); q8_0 half a step d = amax/127
     * plus the scale's own f16 rounding over 127 steps; q4_0 one step d = amax/8 (the value
     * opposite the extreme clamps at +7) plus the same.
     */
    @ParameterizedTest
    @EnumSource(value = KvCacheType.class, names = {"F16", "Q8_0", "Q4_0"})
    void roundTripErrorStaysWithinTheTypesBound(KvCacheType type) {
        SplittableRandom r = new SplittableRandom(2);
        for (int hd : HEAD_DIMS) {
            for (int trial = 0; trial < 50; trial++) {
                float[] x = randomVector(r, hd);
                float[] y = roundTrip(type, x);
                for (int b = 0; b < hd; b += 32) {
                    int end = Math.min(hd, b + 32);
                    float amax = 0;
                    for (int i = b; i < end; i++) {
                        amax = Math.max(amax, Math.abs(x[i]));
                    }
                    for (int i = b; i < end; i++) {
                        double bound = switch (type) {
                            case F16 -> Math.abs(x[i]) * 0x1p-11;
                            case Q8_0 -> amax / 127.0 * 0.5 + amax * 0x1p-11;
                            case Q4_0 -> amax / 8.0 * (1 + 0x1p-8);
                            case F32 -> 0;
                        };
                        assertTrue(Math.abs(x[i] - y[i]) <= bound + 1e-7,
                                type + " hd " + hd + " value " + x[i] + " came back " + y[i] + ", bound " + bound);
                    }
                }
            }
        }
    }

    @Test
    void vectorBytesAreCodesPlusOneHalfScalePerBlock() {
        assertEquals(256, KvCacheType.F32.vectorBytes(64));
        assertEquals(128, KvCacheType.F16.vectorBytes(64));
        assertEquals(2 * 34, KvCacheType.Q8_0.vectorBytes(64)); // llama.cpp's block_q8_0: 34 bytes per 32 values
        assertEquals(2 * 18, KvCacheType.Q4_0.vectorBytes(64)); // block_q4_0: 18 bytes per 32 values
        assertEquals(2 + 8, KvCacheType.Q8_0.vectorBytes(8));   // one short block
        assertEquals(2 + 4, KvCacheType.Q4_0.vectorBytes(8));
        assertEquals(2 * 34 + 2 + 8, KvCacheType.Q8_0.vectorBytes(72));
        assertEquals(2 * 18 + 2 + 4, KvCacheType.Q4_0.vectorBytes(72));
        assertEquals(2 + 3, KvCacheType.Q4_0.vectorBytes(5));   // an odd length rounds its nibbles up
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void keptAndAllocatedBytesCountTheTypesRealBytes(KvCacheType type) {
        KvCache c = type.newCache(2, 3, 64, 10);
        float[] k = new float[3 * 64];
        for (int p = 0; p < 7; p++) {
            c.append(0, p, k, 0, k, 0);
        }
        for (int p = 0; p < 4; p++) {
            c.append(1, p, k, 0, k, 0);
        }
        c.retain(1, 2, new int[] {1, 3});
        long slots = 7 * 3 + 4 * 2 + 2;
        assertEquals(slots * 2 * type.vectorBytes(64), c.keptBytes());
        long keySlots = type == KvCacheType.F16 ? 16 : 10; // f16 keys: whole blocks of 16 slots
        assertEquals(2L * 3 * (keySlots + 10) * type.vectorBytes(64), c.allocatedBytes());
        assertEquals(type, c.type());
    }

    /** Eviction moves encoded vectors: what a head keeps reads back exactly as before, in order. */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void retainKeepsTheEncodedVectorsOfTheKeptSlots(KvCacheType type) {
        int hd = 72, kvHeads = 2;
        KvCache c = type.newCache(1, kvHeads, hd, 16);
        SplittableRandom r = new SplittableRandom(3);
        for (int p = 0; p < 12; p++) {
            c.append(0, 10 + p, randomVector(r, kvHeads * hd), 0, randomVector(r, kvHeads * hd), 0);
        }
        float[] keysBefore = c.keys(0, 1), valuesBefore = c.values(0, 1).clone();
        keysBefore = keysBefore.clone();
        int[] kept = {0, 3, 4, 9, 11};
        c.retain(0, 1, kept);
        assertEquals(kept.length, c.size(0, 1));
        assertEquals(12, c.size(0, 0));
        float[] keys = c.keys(0, 1), values = c.values(0, 1);
        for (int j = 0; j < kept.length; j++) {
            assertEquals(10 + kept[j], c.positions(0, 1)[j]);
            assertArrayEquals(Arrays.copyOfRange(keysBefore, kept[j] * hd, (kept[j] + 1) * hd),
                    Arrays.copyOfRange(keys, j * hd, (j + 1) * hd), type + " key of slot " + kept[j]);
            assertArrayEquals(Arrays.copyOfRange(valuesBefore, kept[j] * hd, (kept[j] + 1) * hd),
                    Arrays.copyOfRange(values, j * hd, (j + 1) * hd), type + " value of slot " + kept[j]);
        }
        float[] some = new float[2 * hd];
        c.readKeys(0, 1, 2, 2, some, 0);
        assertArrayEquals(Arrays.copyOfRange(keys, 2 * hd, 4 * hd), some, "a run of slots from the middle");
    }

    /**
     * F16 keys in blocks of 16 slots: slot s's dimension d at (s / 16 · hd + d) · 16 + s % 16,
     * read back slot-major from any slot, as a head grows through partial blocks (1, 15, 16, 17,
     * 33 and 50 slots, capacity 50: not whole blocks), and after slots move across blocks.
     */
    @Test
    void f16KeysAreTransposedInBlocksOf16SlotsAndReadBackSlotMajor() {
        int hd = 24, kvHeads = 2, capacity = 50;
        CompactKvCache c = (CompactKvCache) KvCacheType.F16.newCache(1, kvHeads, hd, capacity);
        SplittableRandom r = new SplittableRandom(6);
        float[][] keys = new float[capacity][], values = new float[capacity][];
        for (int p = 0; p < capacity; p++) {
            keys[p] = halves(randomVector(r, kvHeads * hd));
            values[p] = halves(randomVector(r, kvHeads * hd));
            c.append(0, 100 + p, keys[p], 0, values[p], 0);
            if (p + 1 == 1 || p + 1 == 15 || p + 1 == 16 || p + 1 == 17 || p + 1 == 33 || p + 1 == capacity) {
                for (int h = 0; h < kvHeads; h++) {
                    int[] slots = new int[p + 1];
                    Arrays.setAll(slots, s -> s);
                    expectHead(c, h, hd, slots, keys, values, "after " + (p + 1) + " slots, head " + h);
                }
            }
        }
        assertThrows(IllegalStateException.class, () -> c.append(0, 500, keys[0], 0, values[0], 0));
        int[] kept = {0, 3, 15, 16, 17, 31, 32, 40, 49}; // moves within a block and across blocks
        c.retain(0, 1, kept);
        expectHead(c, 1, hd, kept, keys, values, "after retain");
        int[] all = new int[capacity];
        Arrays.setAll(all, s -> s);
        expectHead(c, 0, hd, all, keys, values, "the other head untouched");
        int[] shifted = new int[29]; // every slot of head 0 moves down by one, across block ends
        Arrays.setAll(shifted, s -> s + 1);
        c.retain(0, 0, shifted);
        expectHead(c, 0, hd, shifted, keys, values, "after a shift");
        for (int p = 0; p < 20; p++) { // growth after compaction: into the partial blocks, then new ones
            c.append(0, 200 + p, keys[p], 0, values[p], 0);
        }
        int[] first20 = new int[20];
        Arrays.setAll(first20, s -> s);
        expectHead(c, 0, hd, concat(shifted, first20), keys, values, "head 0 grown after the shift");
        expectHead(c, 1, hd, concat(kept, first20), keys, values, "head 1 grown after retain");
        assertEquals(219, c.positions(0, 1)[kept.length + 19]);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Head h holds the vectors of {@code slots} (appended in order) in its slots 0, 1, …, in every reader. */
    private static void expectHead(CompactKvCache c, int h, int hd, int[] slots, float[][] keys, float[][] values,
                                   String what) {
        assertEquals(slots.length, c.size(0, h), what);
        float[] k = c.keys(0, h), v = c.values(0, h);
        short[] blocks = c.f16Keys(0, h);
        for (int j = 0; j < slots.length; j++) {
            float[] key = Arrays.copyOfRange(keys[slots[j]], h * hd, (h + 1) * hd);
            assertArrayEquals(key, Arrays.copyOfRange(k, j * hd, (j + 1) * hd), what + ": key of slot " + j);
            assertArrayEquals(Arrays.copyOfRange(values[slots[j]], h * hd, (h + 1) * hd),
                    Arrays.copyOfRange(v, j * hd, (j + 1) * hd), what + ": value of slot " + j);
            for (int d = 0; d < hd; d++) {
                int at = (j / 16 * hd + d) * 16 + j % 16;
                assertEquals(Float.floatToFloat16(key[d]), blocks[at], what + ": stored half of slot " + j + " dim " + d);
            }
        }
        for (int from = 0; from < slots.length; from += 7) { // runs from the middle of blocks, across their ends
            int n = Math.min(11, slots.length - from);
            float[] run = new float[n * hd];
            c.readKeys(0, h, from, n, run, 0);
            assertArrayEquals(Arrays.copyOfRange(k, from * hd, (from + n) * hd), run, what + ": run from " + from);
        }
    }

    private static float[] halves(float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(value = KvCacheType.class, names = {"F16", "Q8_0", "Q4_0"})
    void appendChecksLikeTheFloatCache(KvCacheType type) {
        KvCache c = type.newCache(1, 1, 32, 2);
        float[] x = new float[32];
        c.append(0, 5, x, 0, x, 0);
        assertThrows(IllegalStateException.class, () -> c.append(0, 5, x, 0, x, 0));
        c.append(0, 6, x, 0, x, 0);
        assertThrows(IllegalStateException.class, () -> c.append(0, 7, x, 0, x, 0));
        assertThrows(IllegalArgumentException.class, () -> c.retain(0, 0, new int[] {1, 0}));
        c.clear();
        assertEquals(0, c.size(0, 0));
    }

    /**
     * A token's kv-heads appended one by one, in any order ({@link SlotKvCache#appendHead}, as decode attention's
     * tasks do), leave the cache as one {@link KvCache#append} of all of them: the same stored vectors, positions and
     * sizes, and the same errors.
     */
    @ParameterizedTest
    @EnumSource(value = KvCacheType.class, names = {"F32", "F16", "Q8_0", "Q4_0"})
    void headsAppendedApartEqualOneAppend(KvCacheType type) {
        int layers = 2, heads = 3, hd = 40, capacity = 20;
        SlotKvCache whole = (SlotKvCache) type.newCache(layers, heads, hd, capacity);
        SlotKvCache apart = (SlotKvCache) type.newCache(layers, heads, hd, capacity);
        SplittableRandom r = new SplittableRandom(7);
        for (int p = 0; p < capacity; p++) {
            float[] k = randomVector(r, heads * hd + 5), v = randomVector(r, heads * hd + 9);
            whole.append(1, 3 * p, k, 5, v, 9);
            for (int h = heads - 1; h >= 0; h--) {
                apart.appendHead(1, h, 3 * p, k, 5 + h * hd, v, 9 + h * hd);
            }
        }
        for (int h = 0; h < heads; h++) {
            assertEquals(capacity, apart.size(1, h));
            assertEquals(0, apart.size(0, h));
            assertArrayEquals(whole.positions(1, h), apart.positions(1, h));
            assertArrayEquals(whole.keys(1, h), apart.keys(1, h), type + " keys of head " + h);
            assertArrayEquals(whole.values(1, h), apart.values(1, h), type + " values of head " + h);
        }
        float[] x = new float[heads * hd];
        String full = assertThrows(IllegalStateException.class, () -> whole.append(1, 100, x, 0, x, 0)).getMessage();
        assertEquals(full, assertThrows(IllegalStateException.class,
                () -> apart.appendHead(1, 0, 100, x, 0, x, 0)).getMessage());
        whole.append(0, 4, x, 0, x, 0);
        apart.appendHead(0, 0, 4, x, 0, x, 0);
        String order = assertThrows(IllegalStateException.class, () -> whole.append(0, 4, x, 0, x, 0)).getMessage();
        assertEquals(order, assertThrows(IllegalStateException.class,
                () -> apart.appendHead(0, 0, 4, x, 0, x, 0)).getMessage());
    }

    @Test
    void parseNamesTheValidTypes() {
        assertEquals(KvCacheType.Q8_0, KvCacheType.parse("q8_0"));
        assertEquals(KvCacheType.F16, KvCacheType.parse("F16"));
        var e = assertThrows(IllegalArgumentException.class, () -> KvCacheType.parse("q5_1"));
        assertEquals("cache type must be f32, f16, q8_0 or q4_0, was 'q5_1'", e.getMessage());
    }
}
