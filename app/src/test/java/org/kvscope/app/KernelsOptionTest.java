package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kvscope.tensor.NativeKernels;

class KernelsOptionTest {
    @AfterEach
    void restore() {
        NativeKernels.use("native");
    }

    @Test
    void javaKernelsAreChosenAndTheOptionRemoved() {
        String[] rest = KernelsOption.apply(new String[] {"bench", "--kernels", "java", "--model", "m.gguf"});
        assertArrayEquals(new String[] {"bench", "--model", "m.gguf"}, rest);
        assertFalse(NativeKernels.active());
        assertTrue(NativeKernels.describe().startsWith("kernels: java (exact float"), NativeKernels.describe());
        KernelsOption.apply(new String[] {"bench", "--kernels=native"});
        assertEquals(NativeKernels.available(), NativeKernels.active());
    }

    @Test
    void benchsKernelsFlagIsLeftInPlace() {
        assertArrayEquals(new String[] {"bench", "--kernels"}, KernelsOption.apply(new String[] {"bench", "--kernels"}));
        assertArrayEquals(new String[] {"bench", "--kernels", "--model", "m"},
                KernelsOption.apply(new String[] {"bench", "--kernels", "--model", "m"}));
        assertEquals(NativeKernels.available(), NativeKernels.active());
    }

    @Test
    void anUnknownValueIsOneLineNamingTheValidOnes() {
        assertEquals("--kernels must be native or java, not 'avx'", assertThrows(IllegalArgumentException.class,
                () -> KernelsOption.apply(new String[] {"bench", "--kernels=avx"})).getMessage());
    }
}
