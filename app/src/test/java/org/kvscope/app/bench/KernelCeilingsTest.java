package org.kvscope.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/** {@code kvscope bench --kernels}: the ceilings follow from the timings and the model's shape. */
class KernelCeilingsTest {

    @Test
    void ceilingsAreConsistentWithTheModelsBytesAndFlops(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.Q8_0, file, 3);
        try (Model model = ModelLoader.load(file)) {
            KernelCeilings k = KernelCeilings.measure(model.weights(), model.config(), 8, 3);
            assertTrue(k.matvecGBps() > 0 && k.matmulGFlops() > 0, k.toString());
            // tok/s = bytes/s ÷ bytes per token, and = flop/s ÷ flop per token
            assertEquals(k.matvecGBps() * 1e9 / model.weights().bytesPerDecodedToken(), k.decodeTokS(), 1e-6 * k.decodeTokS());
            var c = model.config();
            double flopsPerToken = 2.0 * c.layers() * ((double) c.dim() * (c.qDim() + 2 * c.kvDim()) + (double) c.qDim() * c.dim()
                    + 3.0 * c.dim() * c.ffnDim());
            assertEquals(k.matmulGFlops() * 1e9 / flopsPerToken, k.prefillTokS(), 1e-6 * k.prefillTokS());
            assertEquals(8, k.batch());
            assertEquals(flopsPerToken, k.flopsPerToken(), 1e-6 * flopsPerToken);
            assertTrue(k.peakGFlops() > 0, "peak " + k.peakGFlops());
            assertTrue(k.plainReadGBps() > 0, "plain read " + k.plainReadGBps());
            assertTrue(k.matvecByType().containsKey(GGMLType.Q8_0) && k.matvecByType().get(GGMLType.Q8_0) > 0,
                    k.matvecByType().toString());
        }
    }

    @Test
    void reportStatesTheLargestRatioAtTheGivenShareOfTheBound() {
        KernelCeilings k = new KernelCeilings(30, 24, 150, 75, 256, 250, 2e9,
                new java.util.LinkedHashMap<>(java.util.Map.of(GGMLType.Q4_K, 28.5)), 40);
        String s = k.describe(40, 0.8);
        assertTrue(s.contains("decode matvecs 30.00 GB/s (by type: Q4_K 28.50) = 24.00 tok/s (60% of the median bound)"), s);
        assertTrue(s.contains("prefill matmuls (batch 256) 150.0 GFLOP/s = 75.00 tok/s"), s);
        // 40 GB/s of plain reading is 4/3 of the matvecs' 30: 32 tok/s, 80% of the bound; 30 of 40 is 75%
        assertTrue(s.contains("a plain read of the same weights, split over the cores the same way, runs 40.00 GB/s = 32.00 tok/s "
                + "(80% of the median bound): the decode matvecs reach 75% of it."), s);
        assertTrue(s.contains("at 80% of the bound (32.00 tok/s) decode leaves prefill ÷ decode at most 2.3x"), s);
        // 250 GFLOP/s ÷ 2 GFLOP per token = 125 tok/s = 3.9 × 32
        assertTrue(s.contains("at the CPU's FMA peak (250.0 GFLOP/s, registers only) at most 3.9x"), s);
    }

    @Test
    void badArgumentsAreRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 3);
        try (Model model = ModelLoader.load(file)) {
            assertThrows(IllegalArgumentException.class, () -> KernelCeilings.measure(model.weights(), model.config(), 1, 3));
            assertThrows(IllegalArgumentException.class, () -> KernelCeilings.measure(model.weights(), model.config(), 8, 0));
        }
    }
}
