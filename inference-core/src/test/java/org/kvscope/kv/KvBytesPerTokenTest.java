package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.kvscope.model.Architecture;
import org.kvscope.model.ModelConfig;

/** A cached position's bytes per layer in each cache type's real bytes (llama.cpp's block sizes). */
class KvBytesPerTokenTest {
    private static ModelConfig config(int kvHeads, int headDim) {
        int heads = kvHeads * 3;
        return new ModelConfig(Architecture.LLAMA, heads * headDim, 256, 2, heads, kvHeads, headDim, 100, 512,
                1e-5f, 10000f, headDim, null);
    }

    @Test
    void eachTypeCountsItsOwnBytes() {
        ModelConfig c = config(3, 64);
        // keys and values of 3 kv-heads of 64 values
        assertEquals(2 * 3 * 64 * 4, c.kvBytesPerTokenPerLayer(), "f32, the default");
        assertEquals(2 * 3 * 64 * 4, c.kvBytesPerTokenPerLayer(KvCacheType.F32::vectorBytes));
        assertEquals(2 * 3 * 64 * 2, c.kvBytesPerTokenPerLayer(KvCacheType.F16::vectorBytes), "f16: 2 bytes a value");
        assertEquals(2 * 3 * 2 * 34, c.kvBytesPerTokenPerLayer(KvCacheType.Q8_0::vectorBytes), "q8_0: 34 bytes per 32");
        assertEquals(2 * 3 * 2 * 18, c.kvBytesPerTokenPerLayer(KvCacheType.Q4_0::vectorBytes), "q4_0: 18 bytes per 32");
    }

    @Test
    void aHeadSizeOffTheBlockEndsWithAShorterBlock() {
        ModelConfig c = config(1, 48); // one block of 32 and one of 16, each with its F16 scale
        assertEquals(2 * (48 + 2 * 2), c.kvBytesPerTokenPerLayer(KvCacheType.Q8_0::vectorBytes));
        assertEquals(2 * (16 + 8 + 2 * 2), c.kvBytesPerTokenPerLayer(KvCacheType.Q4_0::vectorBytes));
    }
}
