package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StringIdsTest {

    @Test
    void agreesWithAHashMapOfFirstIndicesIncludingRepeatsAndCollidingHashes() {
        Random random = new Random(17);
        String[] keys = new String[5_000];
        for (int i = 0; i < keys.length; i++) {
            // "Aa" and "BB" share a hash code, so every key built from them collides with its siblings
            StringBuilder sb = new StringBuilder();
            for (int j = random.nextInt(4); j >= 0; j--) {
                sb.append(random.nextBoolean() ? "Aa" : "BB");
            }
            keys[i] = random.nextInt(3) == 0 ? sb.toString() : "t" + random.nextInt(3_000);
        }
        keys[7] = null;
        Map<String, Integer> reference = new HashMap<>();
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                reference.putIfAbsent(keys[i], i);
            }
        }
        StringIds ids = new StringIds(keys);
        for (Map.Entry<String, Integer> e : reference.entrySet()) {
            assertEquals(e.getValue(), ids.get(e.getKey()), e.getKey());
        }
        assertEquals(-1, ids.get("t3000"));
        assertEquals(-1, ids.get("AaAaAaAaAa"));
        assertFalse(ids.contains(""));
        assertTrue(ids.contains("t1"));
    }

    @Test
    void emptyAndSingleKeyTables() {
        assertEquals(-1, new StringIds(new String[0]).get("x"));
        StringIds one = new StringIds(new String[] {"x"});
        assertEquals(0, one.get("x"));
        assertEquals(-1, one.get("y"));
        assertEquals(1, new StringIds(new String[] {"", ""}).get("") + 1);
    }
}
