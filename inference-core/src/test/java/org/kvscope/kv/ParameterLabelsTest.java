package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** The names the UI shows for parameters: the declared label, or else the identifier in words. */
class ParameterLabelsTest {
    @Test
    void aParameterWithoutLabelIsShownInWords() {
        assertEquals("recent window", ParameterSpec.integer("recent-window", 1, 9, 2, "d").displayName());
        assertEquals("top k", ParameterSpec.integer("topK", 1, 9, 2, "d").displayName());
        assertEquals("max len", ParameterSpec.integer("max_len", 1, 9, 2, "d").displayName());
        assertEquals("tau1", ParameterSpec.real("tau1", 0, 1, 0.5, "d").displayName());
        assertEquals("observation window α", ParameterSpec.integer("window", 1, 9, 2, "d")
                .withLabel("observation window α").displayName());
        assertEquals("-", ParameterSpec.integer("-", 1, 9, 2, "d").displayName());
    }

    @Test
    void noRegisteredPolicyShowsAnIdentifier() {
        for (PolicyRegistry.Entry e : PolicyRegistry.entries()) {
            for (ParameterSpec p : e.parameters()) {
                assertFalse(p.name().matches(".*[-_].*") && p.displayName().equals(p.name()),
                        e.name() + "." + p.name() + " is shown as its identifier");
                assertFalse(p.description() == null || p.description().isBlank(), e.name() + "." + p.name());
            }
        }
    }
}
