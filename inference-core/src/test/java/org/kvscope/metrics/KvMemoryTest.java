package org.kvscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.kvscope.kv.KvCacheType;

/** KV memory in each cache type's real bytes. */
class KvMemoryTest {
    @Test
    void bytesAreEntriesTimesTheTypesVectorBytes() {
        int[] kept = {8, 4};
        for (KvCacheType type : KvCacheType.values()) {
            long perEntry = 2 * type.vectorBytes(64); // f32 512, f16 256, q8_0 136, q4_0 72
            KvMemory m = KvMemory.of(kept, 2, 64, 10, type);
            assertArrayEquals(new long[] {8 * perEntry, 4 * perEntry}, m.keptBytesPerLayer(), type.cliName());
            assertArrayEquals(new long[] {20 * perEntry, 20 * perEntry}, m.fullBytesPerLayer(), type.cliName());
            KvMemory converted = KvMemory.of(kept, 2, 64, 10).inType(type, 64);
            assertArrayEquals(m.keptBytesPerLayer(), converted.keptBytesPerLayer(), type.cliName());
            assertArrayEquals(m.fullBytesPerLayer(), converted.fullBytesPerLayer(), type.cliName());
        }
        assertEquals(12 * 136L, KvMemory.of(kept, 2, 64, 10, KvCacheType.Q8_0).keptTotal());
        assertEquals(12 * 2L * (2 + 8), KvMemory.of(kept, 2, 8, 10, KvCacheType.Q8_0).keptTotal()); // one short block
    }
}
