package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.PolicyRegistry;

class ParameterValuesTest {
    @Test
    void textRoundTripKeepsTypedValues() {
        var specs = PolicyRegistry.entry("pyramidkv").parameters();
        Map<String, Object> typed = ParameterValues.parse(specs, Map.of("budget", "40", "beta", "3.5",
                "schedule", "custom", "layer-weights", "4,3,2,1"));
        assertEquals(40, typed.get("budget"));
        assertEquals(3.5, typed.get("beta"));
        assertArrayEquals(new int[] {4, 3, 2, 1}, (int[]) typed.get("layer-weights"));
        Map<String, String> text = ParameterValues.format(typed);
        assertEquals("4,3,2,1", text.get("layer-weights"));
        assertEquals(typed.keySet(), ParameterValues.parse(specs, text).keySet());
        assertEquals(ParameterValues.format(typed), ParameterValues.format(ParameterValues.parse(specs, text)));
    }

    @Test
    void missingValuesTakeDefaults() {
        var specs = PolicyRegistry.entry("streamingllm").parameters();
        Map<String, Object> typed = ParameterValues.defaults(specs);
        assertEquals(64, typed.get("budget"));
        assertEquals(4, typed.get("sinks"));
    }

    @Test
    void badValuesNameTheParameterAndRange() {
        var specs = PolicyRegistry.entry("streamingllm").parameters();
        var e = assertThrows(IllegalArgumentException.class, () -> ParameterValues.parse(specs, Map.of("budget", "1")));
        assertTrue(e.getMessage().contains("budget"), e.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> ParameterValues.parse(specs, Map.of("bugdet", "10")));
        assertTrue(unknown.getMessage().contains("unknown parameter 'bugdet'") && unknown.getMessage().contains("sinks"),
                unknown.getMessage());
    }
}
