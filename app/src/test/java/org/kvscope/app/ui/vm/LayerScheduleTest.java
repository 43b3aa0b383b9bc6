package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.PolicyRegistry;

class LayerScheduleTest {
    @Test
    void pyramidShrinksTowardsUpperLayersAndFollowsBeta() {
        int[] mild = LayerSchedule.of(PolicyRegistry.create("pyramidkv", Map.of("budget", 64, "beta", 2.0)), 6, 400);
        int[] steep = LayerSchedule.of(PolicyRegistry.create("pyramidkv", Map.of("budget", 64, "beta", 20.0)), 6, 400);
        for (int l = 1; l < 6; l++) {
            assertTrue(steep[l] <= steep[l - 1], "non-increasing by layer");
        }
        assertTrue(steep[0] - steep[5] > mild[0] - mild[5], "a larger beta makes the pyramid steeper");
    }

    @Test
    void uniformPoliciesKeepTheSameBudgetEverywhereCappedByThePrompt() {
        assertArrayEquals(new int[] {32, 32, 32}, LayerSchedule.of(PolicyRegistry.create("streamingllm",
                Map.of("budget", 32)), 3, 100));
        assertArrayEquals(new int[] {20, 20}, LayerSchedule.of(PolicyRegistry.create("streamingllm",
                Map.of("budget", 32)), 2, 20));
        assertArrayEquals(new int[] {50, 50}, LayerSchedule.of(PolicyRegistry.create("fullkv", Map.of()), 2, 50));
    }

    @Test
    void rejectsEmptyShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> LayerSchedule.of(PolicyRegistry.create("fullkv", Map.of()), 0, 10));
        assertEquals("layers and prompt length must be positive, were 0 and 10", e.getMessage());
    }
}
