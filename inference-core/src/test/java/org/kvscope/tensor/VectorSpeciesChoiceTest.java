package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The kvscope.vector.bits knob that lets the tests run the 4- and 16-lane kernels anywhere. */
class VectorSpeciesChoiceTest {
    @Test
    void namedWidthsAndDefault() {
        assertEquals(FloatVector.SPECIES_128, VectorOps.species("128"));
        assertEquals(FloatVector.SPECIES_512, VectorOps.species(" 512 "));
        assertEquals(FloatVector.SPECIES_PREFERRED, VectorOps.species(null));
        assertEquals(FloatVector.SPECIES_PREFERRED, VectorOps.species(""));
    }

    @Test
    void otherValuesAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorOps.species("64"));
        assertTrue(e.getMessage().contains("128, 256 or 512") && e.getMessage().contains("'64'"), e.getMessage());
    }
}
