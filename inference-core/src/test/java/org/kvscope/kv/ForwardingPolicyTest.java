package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A forwarding policy answers every question as the policy it wraps. */
class ForwardingPolicyTest {

    /** Every method a policy may override is forwarded: a new one in CompressionPolicy fails here until it is. */
    @Test
    void forwardsEveryOverridableMethod() {
        for (Method m : CompressionPolicy.class.getDeclaredMethods()) {
            int mod = m.getModifiers();
            if (Modifier.isStatic(mod) || Modifier.isFinal(mod) || Modifier.isPrivate(mod) || m.isSynthetic()
                    || m.getName().equals("parameters")) {
                continue;
            }
            assertTrue(Arrays.stream(ForwardingPolicy.class.getDeclaredMethods())
                            .anyMatch(f -> f.getName().equals(m.getName())
                                    && Arrays.equals(f.getParameterTypes(), m.getParameterTypes())),
                    "ForwardingPolicy does not forward " + m);
        }
    }

    @Test
    void answersAsTheWrappedPolicy() {
        CompressionPolicy kvzip = PolicyRegistry.create("kvzip", Map.of("budget", 16));
        ForwardingPolicy f = new ForwardingPolicy(kvzip);
        assertSame(kvzip, f.delegate());
        assertSame(kvzip.parameters(), f.parameters());
        assertEquals("kvzip", f.name());
        assertTrue(f.needsContextReconstruction());
        var ctx = new CompressionPolicy.PrefillContext(2, 4, 2, 64, 80, null);
        assertEquals(kvzip.keptEntryLimit(ctx), f.keptEntryLimit(ctx));
        assertArrayEquals(kvzip.layerBudgets(ctx), f.layerBudgets(ctx));
        CompressionPolicy duo = PolicyRegistry.create("duo-attention", Map.of());
        assertTrue(new ForwardingPolicy(duo).needsRetrievalScores());
        CompressionPolicy h2o = PolicyRegistry.create("h2o", Map.of("budget", 16));
        ForwardingPolicy h = new ForwardingPolicy(h2o);
        assertEquals(h2o.evidenceWindow(), h.evidenceWindow());
        assertTrue(h.needsAccumulatedAttention() && h.needsDecodeAttention());
    }
}
