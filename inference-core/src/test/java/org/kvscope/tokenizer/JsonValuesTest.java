package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonValuesTest {

    @Test
    void parsesAllValueKinds() {
        Object v = JsonValues.parse(" {\"a\": [1, -2.5e1, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\"], \"b\": {}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(Arrays.asList(1L, -25.0, true, false, null, "x\né😀"), m.get("a"));
        assertEquals(Map.of(), m.get("b"));
        assertEquals(List.of(), JsonValues.parse("[]"));
    }

    @Test
    void rejectsMalformedInputWithPosition() {
        for (String bad : new String[] {"{\"a\" 1}", "[1,]", "{\"a\":1}}", "\"open", "01", "[tru]", "{'a':1}", ""}) {
            var ex = assertThrows(IllegalArgumentException.class, () -> JsonValues.parse(bad), bad);
            assertTrue(ex.getMessage().startsWith("invalid JSON at line 1, column "), ex.getMessage());
        }
    }
}
