package org.kvscope.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private final float[] logits = {0.1f, 3f, 2.9f, -1f, 2f};

    @Test
    void greedyPicksArgmax() {
        assertEquals(1, Sampler.greedy().sample(logits));
        assertEquals(1, Sampler.of(SamplingOptions.greedy()).sample(logits));
    }

    @Test
    void topKOneIsGreedy() {
        Sampler s = Sampler.of(new SamplingOptions(1.5f, 1, 1f, 9));
        for (int i = 0; i < 50; i++) {
            assertEquals(1, s.sample(logits));
        }
    }

    @Test
    void topPRestrictsToNucleus() {
        Sampler s = Sampler.of(new SamplingOptions(1f, 0, 0.5f, 3));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(s.sample(logits));
        }
        assertTrue(seen.stream().allMatch(t -> t == 1 || t == 2), seen.toString());
        assertTrue(seen.size() == 2, "both nucleus members should appear: " + seen);
    }

    @Test
    void sameSeedSameSamples() {
        Sampler a = Sampler.of(new SamplingOptions(1f, 0, 1f, 77));
        Sampler b = Sampler.of(new SamplingOptions(1f, 0, 1f, 77));
        for (int i = 0; i < 100; i++) {
            assertEquals(a.sample(logits), b.sample(logits));
        }
    }

    @Test
    void invalidOptionsNameTheParameter() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SamplingOptions(-1f, 0, 1f, 0))
                .getMessage().contains("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SamplingOptions(1f, -2, 1f, 0))
                .getMessage().contains("top-k"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SamplingOptions(1f, 0, 0f, 0))
                .getMessage().contains("top-p"));
    }
}
